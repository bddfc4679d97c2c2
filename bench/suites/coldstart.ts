/**
 * Node and python cold starts (issue 10): the first invoke of a new function, median of COLD_SAMPLES, plain processes and
 * inside bubblewrap — without the startup snapshot and spares (the runtime's whole start is paid), with the
 * snapshot, and with both (the default) — for a trivial handler and one that loads the DynamoDB client at init.
 * With spares, two figures: samples back to back (the spare the previous cold start asked for is still
 * starting, so most samples start their own environment) and "spare ready" (each sample waits, at most 3 s, for
 * the spare — a deploy followed by a first call). Init Duration is read from the REPORT line (LogType=Tail).
 * Python: a function that makes a boto3 DynamoDB client at init, without spares and with them (the default: a spare
 * imports boto3 while it waits).
 * Warm Invoke at 1 and 16 connections (default settings).
 */
import { strToU8, zipSync } from "fflate";
import { existsSync } from "node:fs";
import { measure, authHeader } from "../lib/wrk.js";
import { printTable, type Row } from "../lib/report.js";
import { startSkyport, stop, pssMb } from "../lib/servers.js";
import { createFunction, HANDLER, invokeRequest } from "./lambda.js";
import type { BenchOptions } from "../run.js";

const COLD_SAMPLES = 10;
const SDK_HANDLER = `const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
exports.handler = async () => ({ statusCode: 200, body: "{}" });
`;

const PY_HANDLER = `import boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    return {"statusCode": 200, "body": "{}"}
`;

async function createPython(base: string, name: string, source: string): Promise<void> {
  const zip = Buffer.from(zipSync({ "index.py": strToU8(source) })).toString("base64");
  await createFunction(base, name, source, { Runtime: "python3.12", Code: { ZipFile: zip } });
}

interface Cold {
  ms: number;
  initMs: number;
}

async function firstInvoke(base: string, name: string): Promise<Cold> {
  const t0 = performance.now();
  const r = await fetch(`${base}/2015-03-31/functions/${name}/invocations`, { method: "POST", headers: { "Content-Type": "application/json", "X-Amz-Log-Type": "Tail", ...authHeader("lambda") }, body: "{}" });
  await r.text();
  const ms = performance.now() - t0;
  if (r.status !== 200 || r.headers.get("x-amz-function-error")) throw new Error(`invoke ${name}: ${r.status} ${r.headers.get("x-amz-function-error") ?? ""}`);
  const log = Buffer.from(r.headers.get("x-amz-log-result") ?? "", "base64").toString("utf8");
  const init = /Init Duration: ([\d.]+) ms/.exec(log);
  return { ms, initMs: init ? Number(init[1]) : NaN };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function coldStarts(base: string, prefix: string, source: string, samples = COLD_SAMPLES, waitSpare = false, create: (base: string, name: string, source: string) => Promise<void> = createFunction): Promise<{ ms: number; initMs: number }> {
  const got: Cold[] = [];
  for (let i = 0; i < samples; i++) {
    if (waitSpare) await sparesReady(base);
    await create(base, `${prefix}${i}`, source);
    got.push(await firstInvoke(base, `${prefix}${i}`));
  }
  return { ms: median(got.map((c) => c.ms)), initMs: median(got.map((c) => c.initMs)) };
}

/** Waits (at most 3 s) until every spare environment the server keeps is started and waiting for a function. */
async function sparesReady(base: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const h = (await (await fetch(`${base}/_skyport/health`)).json()) as { services: { lambda?: { functions?: Array<{ function: string; environments: number; idle: number }> } } };
    const spares = (h.services.lambda?.functions ?? []).filter((f) => f.function.startsWith("spare:"));
    if (spares.length && spares.every((f) => f.environments > 0 && f.idle === f.environments)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits (bounded) until the server's node snapshot for 128 MB functions is ready (after a first launch asked for it). */
async function snapshotReady(base: string): Promise<boolean> {
  for (let i = 0; i < 1200; i++) {
    const h = (await (await fetch(`${base}/_skyport/health`)).json()) as { services: { lambda?: { snapshot?: { blobs?: Array<{ state: string }> } } } };
    const blobs = h.services.lambda?.snapshot?.blobs ?? [];
    if (blobs.length && blobs.every((b) => b.state === "ready" || b.state === "failed")) return blobs.every((b) => b.state === "ready");
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  const modes: Array<[string, string[]]> = [["plain", ["--lambda-sandbox", "off"]]];
  if (existsSync("/usr/bin/bwrap")) modes.push(["sandboxed", ["--lambda-sandbox", "bubblewrap"]]);
  // Before (no snapshot, no spares: the whole runtime start is paid) and after (snapshot; then spares too, the default).
  const configs: Array<[string, string[]]> = [
    ["no snapshot, no spares", ["--lambda-snapshot", "off", "--lambda-spares", "0"]],
    ["snapshot, no spares", ["--lambda-snapshot", "on", "--lambda-spares", "0"]],
    ["snapshot + spares (default)", ["--lambda-snapshot", "on", "--lambda-spares", "1"]],
  ];
  for (const [mode, flags] of modes) {
    for (const [what, more] of configs) {
      const sky = await startSkyport([...flags, ...more]);
      try {
        if (more.includes("on")) {
          await createFunction(sky.url, "first", SDK_HANDLER); // the first launch of an SDK-loading function asks for the blob
          await firstInvoke(sky.url, "first");
          if (!(await snapshotReady(sky.url))) throw new Error("the node snapshot was not built");
        }
        for (const [handler, source] of [["trivial", HANDLER], ["DynamoDB client at init", SDK_HANDLER]] as const) {
          const c = await coldStarts(sky.url, `c${handler.length}x`, source);
          rows.push({ scenario: `cold start, ${mode}, ${handler}, ${what}${what.includes("+ spares") ? ", back to back" : ""}`, server: "skyport", values: { ms: c.ms, init: c.initMs } });
          if (!what.includes("+ spares")) continue;
          const r = await coldStarts(sky.url, `r${handler.length}x`, source, COLD_SAMPLES, true);
          rows.push({ scenario: `cold start, ${mode}, ${handler}, ${what}, spare ready`, server: "skyport", values: { ms: r.ms, init: r.initMs } });
        }
        if (what.includes("default")) {
          await createFunction(sky.url, "warm");
          for (const c of [1, 16]) {
            const r = await measure(sky.url, invokeRequest("warm"), c, opts.seconds, sky.pid);
            rows.push({ scenario: `warm Invoke, ${mode}, ${c} conn`, server: "skyport", values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors, pss: pssMb(sky.pid) } });
          }
        }
      } finally {
        await stop(sky);
      }
    }
    for (const [what, spares] of [["no spares", "0"], ["spares (default)", "1"]] as const) {
      const sky = await startSkyport([...flags, "--lambda-spares", spares]);
      try {
        const c = await coldStarts(sky.url, "py", PY_HANDLER, COLD_SAMPLES, false, createPython);
        rows.push({ scenario: `cold start, ${mode}, python boto3 client at init, ${what}${spares === "1" ? ", back to back" : ""}`, server: "skyport", values: { ms: c.ms, init: c.initMs } });
        if (spares === "0") continue;
        const r = await coldStarts(sky.url, "pyr", PY_HANDLER, COLD_SAMPLES, true, createPython);
        rows.push({ scenario: `cold start, ${mode}, python boto3 client at init, ${what}, spare ready`, server: "skyport", values: { ms: r.ms, init: r.initMs } });
      } finally {
        await stop(sky);
      }
    }
  }
  return (
    printTable("Cold start (node; python)", rows.filter((r) => r.scenario.startsWith("cold")), [
      { key: "ms", label: "first invoke ms", higherIsBetter: false, digits: 1 },
      { key: "init", label: "Init Duration ms", higherIsBetter: false, digits: 1 },
    ]) +
    printTable("Warm Invoke", rows.filter((r) => !r.scenario.startsWith("cold")), [
      { key: "rps", label: "invokes/s", higherIsBetter: true },
      { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
      { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
      { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
      { key: "errors", label: "errors", higherIsBetter: false },
      { key: "pss", label: "PSS MB (all)", higherIsBetter: false },
    ])
  );
}
