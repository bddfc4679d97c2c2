/**
 * Lambda (issue 4): cold start (first invoke of a new node function), warm Invoke latency, invokes/s at 1
 * and 16 connections — Skyport (one process per execution environment) vs serverless-offline invoking the
 * same handler through its Lambda port. The cold samples alternate between the two systems, so each Skyport
 * sample finds the spare its CreateFunction asked for ready (a deploy, then a first call); the coldstart suite
 * measures starts without spares, back to back and plain/sandboxed.
 */
import { zipSync, strToU8 } from "fflate";
import { measure, authHeader, type RawRequest } from "../lib/wrk.js";
import { printTable, type Row } from "../lib/report.js";
import { startSkyport, stop, pssMb, type Started } from "../lib/servers.js";
import { startServerlessOffline, type Offline } from "../lib/peers.js";
import type { BenchOptions } from "../run.js";

export const HANDLER = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ ok: true }) });\n`;

export async function createFunction(base: string, name: string, source = HANDLER, extra: object = {}): Promise<void> {
  const zip = Buffer.from(zipSync({ "index.js": strToU8(source) })).toString("base64");
  const r = await fetch(`${base}/2015-03-31/functions`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeader("lambda") },
    body: JSON.stringify({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/bench", Handler: "index.handler", Code: { ZipFile: zip }, Timeout: 30, ...extra }),
  });
  if (r.status >= 300) throw new Error(`CreateFunction ${r.status}: ${await r.text()}`);
  for (let i = 0; i < 200; i++) {
    const g = await fetch(`${base}/2015-03-31/functions/${name}`, { headers: authHeader("lambda") });
    const body = (await g.json()) as { Configuration?: { State?: string } };
    if (body.Configuration?.State === "Active") return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`function ${name} never became Active`);
}

export const invokeRequest = (name: string): RawRequest => ({ method: "POST", path: `/2015-03-31/functions/${name}/invocations`, headers: { "Content-Type": "application/json", ...authHeader("lambda") }, body: "{}" });

async function timeFirstInvoke(url: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...authHeader("lambda") }, body: "{}" });
  await r.text();
  if (r.status !== 200) throw new Error(`invoke ${r.status}`);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Cold starts per system: the same count for every system (a fresh serverless-offline per sample). */
const COLD_SAMPLES = 5;

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  // Samples and points alternate between the systems (the machine's speed drifts over minutes): a cold start of
  // each in turn, then both running at once and each warm point measured on each back to back.
  const sky = await startSkyport();
  let sls: Offline | undefined;
  try {
    const colds: number[] = [];
    const slsColds: number[] = [];
    for (let i = 0; i < COLD_SAMPLES; i++) {
      await createFunction(sky.url, `cold${i}`);
      colds.push(await timeFirstInvoke(`${sky.url}/2015-03-31/functions/cold${i}/invocations`));
      // serverless-offline loads a handler on its first invoke: each cold sample is a fresh serverless-offline.
      const cold = await startServerlessOffline(HANDLER);
      try {
        slsColds.push(await timeFirstInvoke(`${cold.lambdaUrl}/2015-03-31/functions/${cold.functionName}/invocations`));
      } finally {
        await stop(cold);
      }
    }
    const COLD = `cold start (first invoke, median of ${COLD_SAMPLES}; Skyport: a spare ready)`;
    rows.push({ scenario: COLD, server: "skyport", values: { ms: median(colds) } });
    rows.push({ scenario: COLD, server: "serverless-offline", values: { ms: median(slsColds) } });
    await createFunction(sky.url, "warm");
    sls = await startServerlessOffline(HANDLER);
    const targets: Array<[string, string, Started, string]> = [["skyport", sky.url, sky, "warm"], ["serverless-offline", sls.lambdaUrl, sls, sls.functionName]];
    for (const c of [1, 16]) {
      for (const [server, url, s, fn] of targets) {
        const r = await measure(url, invokeRequest(fn), c, opts.seconds, s.pid);
        rows.push({ scenario: `warm Invoke, ${c} conn`, server, values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors, pss: pssMb(s.pid) } });
      }
    }
  } finally {
    if (sls) await stop(sls);
    await stop(sky);
  }
  return (
    printTable("Lambda: cold start", rows.filter((r) => r.scenario.startsWith("cold")), [{ key: "ms", label: "ms", higherIsBetter: false, digits: 1 }]) +
    printTable("Lambda: warm invokes", rows.filter((r) => !r.scenario.startsWith("cold")), [
      { key: "rps", label: "invokes/s", higherIsBetter: true },
      { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
      { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
      { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
      { key: "errors", label: "errors", higherIsBetter: false },
      { key: "pss", label: "PSS MB (all processes)", higherIsBetter: false },
    ])
  );
}
