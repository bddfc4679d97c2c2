/**
 * Node cold starts (issue 10): the first invoke of a new function, median of COLD_SAMPLES, plain processes and
 * inside bubblewrap, with Skyport's spare environments (the default) and without them (--lambda-spares 0: the
 * runtime's whole start is paid), for a trivial handler and one that loads the DynamoDB client at init. Init
 * Duration is read from the REPORT line (LogType=Tail). Warm Invoke at 1 and 16 connections on the same server.
 */
import { existsSync } from "node:fs";
import { load, authHeader } from "../lib/wrk.js";
import { printTable, type Row } from "../lib/report.js";
import { startSkyport, stop, pssMb } from "../lib/servers.js";
import { createFunction, HANDLER, invokeRequest } from "./lambda.js";
import type { BenchOptions } from "../run.js";

const COLD_SAMPLES = 10;
const SDK_HANDLER = `const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
exports.handler = async () => ({ statusCode: 200, body: "{}" });
`;

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

export async function coldStarts(base: string, prefix: string, source: string, samples = COLD_SAMPLES): Promise<{ ms: number; initMs: number }> {
  const got: Cold[] = [];
  for (let i = 0; i < samples; i++) {
    await createFunction(base, `${prefix}${i}`, source);
    got.push(await firstInvoke(base, `${prefix}${i}`));
  }
  return { ms: median(got.map((c) => c.ms)), initMs: median(got.map((c) => c.initMs)) };
}

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  const modes: Array<[string, string[]]> = [["plain", ["--lambda-sandbox", "off"]]];
  if (existsSync("/usr/bin/bwrap")) modes.push(["sandboxed", ["--lambda-sandbox", "bubblewrap"]]);
  for (const [mode, flags] of modes) {
    for (const spares of ["1", "0"]) {
      const sky = await startSkyport([...flags, "--lambda-spares", spares]);
      try {
        const what = spares === "0" ? "no spares" : "spares";
        for (const [handler, source] of [["trivial", HANDLER], ["DynamoDB client at init", SDK_HANDLER]] as const) {
          const c = await coldStarts(sky.url, `c${handler.length}x`, source);
          rows.push({ scenario: `cold start, ${mode}, ${what}, ${handler} (median of ${COLD_SAMPLES})`, server: "skyport", values: { ms: c.ms, init: c.initMs } });
        }
        if (spares === "1") {
          await createFunction(sky.url, "warm");
          for (const c of [1, 16]) {
            await load(sky.url, invokeRequest("warm"), c, 2); // environments for c concurrent calls start here
            const r = await load(sky.url, invokeRequest("warm"), c, opts.seconds, sky.pid);
            rows.push({ scenario: `warm Invoke, ${mode}, ${c} conn`, server: "skyport", values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors, pss: pssMb(sky.pid) } });
          }
        }
      } finally {
        await stop(sky);
      }
    }
  }
  return (
    printTable("Node cold start", rows.filter((r) => r.scenario.startsWith("cold")), [
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
