/**
 * API Gateway REST limits (issue 16): the throttle's accepted rate under 4× overload against the configured
 * rate (target: within 5%), and the stage cache — a cached GET vs the same Lambda proxy method uncached
 * (target: the hit at least 3× faster at p50). Throttling: the MOCK method's unthrottled rate is measured
 * first, the stage throttle is then set to a quarter of it (burst half the rate, as AWS's defaults), and wrk offers the full rate
 * again; accepted = (requests − 429s − burst) / seconds. The account limit is raised out of the way.
 */
import { load, measure, type RawRequest } from "../lib/wrk.js";
import { restCall } from "../lib/raw.js";
import { printTable, type Row } from "../lib/report.js";
import { startSkyport, stop } from "../lib/servers.js";
import { createFunction } from "./lambda.js";
import type { BenchOptions } from "../run.js";

async function buildApi(base: string): Promise<string> {
  const api = await restCall(base, "apigateway", "POST", "/restapis", { name: "bench-limits" });
  const id = api.id as string;
  const resources = (await restCall(base, "apigateway", "GET", `/restapis/${id}/resources`)).item as Array<{ id: string; path: string }>;
  const root = resources.find((r) => r.path === "/")!.id;
  const child = async (part: string) => (await restCall(base, "apigateway", "POST", `/restapis/${id}/resources/${root}`, { pathPart: part })).id as string;
  const fnUri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:limits-hello/invocations`;
  const mock = await child("mock");
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${mock}/methods/GET`, { authorizationType: "NONE" });
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${mock}/methods/GET/integration`, { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${mock}/methods/GET/responses/200`, {});
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${mock}/methods/GET/integration/responses/200`, { responseTemplates: { "application/json": '{"ok": true}' } });
  for (const part of ["cached", "uncached"]) {
    const r = await child(part);
    await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${r}/methods/GET`, { authorizationType: "NONE" });
    await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${r}/methods/GET/integration`, { type: "AWS_PROXY", httpMethod: "POST", uri: fnUri });
  }
  await restCall(base, "apigateway", "POST", `/restapis/${id}/deployments`, { stageName: "dev" });
  await patchStage(base, id, [
    { op: "replace", path: "/cacheClusterEnabled", value: "true" },
    { op: "replace", path: "/~1cached/GET/caching/enabled", value: "true" },
  ]);
  return id;
}

const patchStage = (base: string, id: string, ops: object[]) => restCall(base, "apigateway", "PATCH", `/restapis/${id}/stages/dev`, { patchOperations: ops });
const get = (path: string): RawRequest => ({ method: "GET", path, headers: {} });

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const sky = await startSkyport(["--apigateway-rate", "100000000", "--apigateway-burst", "100000000"]);
  try {
    await createFunction(sky.url, "limits-hello");
    const api = await buildApi(sky.url);
    const prefix = `/_aws/execute-api/${api}/dev`;

    // Throttle: measure the unthrottled rate, configure a quarter of it, offer the full rate again.
    const c = 8;
    const free = await measure(sky.url, get(`${prefix}/mock`), c, opts.seconds, sky.pid);
    const rate = Math.max(1, Math.floor(free.rps / 4));
    const burst = Math.max(1, Math.floor(rate / 2)); // AWS's own proportion (10,000 / 5,000)
    await patchStage(sky.url, api, [
      { op: "replace", path: "/~1mock/GET/throttling/rateLimit", value: String(rate) },
      { op: "replace", path: "/~1mock/GET/throttling/burstLimit", value: String(burst) },
    ]);
    const over = await load(sky.url, get(`${prefix}/mock`), c, opts.seconds, sky.pid);
    const accepted = (over.requests - over.errors - burst) / opts.seconds;
    const offered = over.requests / opts.seconds;
    rows.push({ scenario: "throttle: unthrottled MOCK", server: "skyport", values: { rps: free.rps, p50: free.p50ms, p99: free.p99ms, cpu: free.cpuUsPerReq } });
    rows.push({ scenario: `throttle: ${rate} rps configured, ${(offered / rate).toFixed(1)}x offered`, server: "skyport", values: { rps: over.rps, p50: over.p50ms, p99: over.p99ms, cpu: over.cpuUsPerReq } });
    notes.push(`Throttle: configured ${rate} rps (burst ${burst}); offered ${offered.toFixed(0)} rps (${(offered / rate).toFixed(1)}x); accepted ${accepted.toFixed(1)} rps = ${((accepted / rate) * 100).toFixed(1)}% of the configured rate (target 95–105%).`);

    // Cache: the Lambda proxy method cached vs uncached, 1 connection.
    let hitP50 = NaN;
    let missP50 = NaN;
    for (const [name, path] of [["cache hit (Lambda proxy, cached)", "cached"], ["cache miss (Lambda proxy, uncached)", "uncached"]] as const) {
      const r = await measure(sky.url, get(`${prefix}/${path}`), 1, opts.seconds, sky.pid);
      rows.push({ scenario: name, server: "skyport", values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq } });
      if (path === "cached") hitP50 = r.p50ms;
      else missP50 = r.p50ms;
    }
    notes.push(`Cache: hit p50 ${hitP50.toFixed(3)} ms vs miss p50 ${missP50.toFixed(3)} ms: ${(missP50 / hitP50).toFixed(1)}x faster (target ≥ 3x).`);
  } finally {
    await stop(sky);
  }
  let out = printTable("API Gateway REST: throttling and the stage cache", rows, [
    { key: "rps", label: "req/s (all answers)", higherIsBetter: true },
    { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 3 },
    { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 3 },
    { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
  ]);
  const text = `\n${notes.join("\n")}\n`;
  console.log(text);
  out += text;
  return out;
}
