/**
 * API Gateway REST authorization (issue 16 item 11, target: a cached Lambda authorizer adds < 0.2 ms at p50):
 * the same MOCK method without authorization and behind a TOKEN Lambda authorizer whose answer is cached
 * (TTL 300 s, one token, so after the warm-up every request is a cache hit and the policy is re-evaluated
 * against the method ARN), at 1 and 50 connections. Also the uncached case (TTL 0: one invocation per
 * request) for scale. No peer runs Lambda authorizers locally with caching, so the rows are Skyport's own.
 */
import { measure, type RawRequest } from "../lib/wrk.js";
import { restCall } from "../lib/raw.js";
import { printTable, type Row } from "../lib/report.js";
import { startSkyport, stop, type Started } from "../lib/servers.js";
import { createFunction } from "./lambda.js";
import type { BenchOptions } from "../run.js";

const AUTHORIZER = `exports.handler = async (event) => ({ principalId: "bench", context: { tier: "gold" },
  policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn.split("/").slice(0, 2).join("/") + "/*" }] } });\n`;

async function buildApi(base: string): Promise<string> {
  const api = await restCall(base, "apigateway", "POST", "/restapis", { name: "bench-auth" });
  const id = api.id as string;
  const resources = (await restCall(base, "apigateway", "GET", `/restapis/${id}/resources`)).item as Array<{ id: string; path: string }>;
  const root = resources.find((r) => r.path === "/")!.id;
  const uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:bench-authorizer/invocations";
  const cached = await restCall(base, "apigateway", "POST", `/restapis/${id}/authorizers`, { name: "cached", type: "TOKEN", identitySource: "method.request.header.Authorization", authorizerUri: uri, authorizerResultTtlInSeconds: 300 });
  const uncached = await restCall(base, "apigateway", "POST", `/restapis/${id}/authorizers`, { name: "uncached", type: "TOKEN", identitySource: "method.request.header.Authorization", authorizerUri: uri, authorizerResultTtlInSeconds: 0 });
  const mock = async (part: string, auth: object) => {
    const res = (await restCall(base, "apigateway", "POST", `/restapis/${id}/resources/${root}`, { pathPart: part })).id as string;
    await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${res}/methods/GET`, auth);
    await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${res}/methods/GET/integration`, { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
    await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${res}/methods/GET/responses/200`, {});
    await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${res}/methods/GET/integration/responses/200`, { responseTemplates: { "application/json": '{"ok": true}' } });
  };
  await mock("open", { authorizationType: "NONE" });
  await mock("cached", { authorizationType: "CUSTOM", authorizerId: cached.id });
  await mock("uncached", { authorizationType: "CUSTOM", authorizerId: uncached.id });
  await restCall(base, "apigateway", "POST", `/restapis/${id}/deployments`, { stageName: "dev" });
  return id;
}

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  const p50: Record<string, number> = {};
  const sky: Started = await startSkyport();
  try {
    await createFunction(sky.url, "bench-authorizer", AUTHORIZER);
    const api = await buildApi(sky.url);
    const req = (path: string): RawRequest => ({ method: "GET", path: `/_aws/execute-api/${api}/dev${path}`, headers: { Authorization: "allow-token" } });
    for (const [scenario, path] of [["no authorizer", "/open"], ["Lambda authorizer, cached", "/cached"], ["Lambda authorizer, TTL 0", "/uncached"]] as const) {
      for (const c of [1, 50]) {
        const r = await measure(sky.url, req(path), c, opts.seconds, sky.pid);
        if (r.errors) console.warn(`${scenario}: ${r.errors} errors`);
        rows.push({ scenario: `MOCK, ${scenario}, ${c} conn`, server: "skyport", values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors } });
        if (c === 1) p50[scenario] = r.p50ms;
      }
    }
  } finally {
    await stop(sky);
  }
  let out = printTable("API Gateway REST: authorization cost", rows, [
    { key: "rps", label: "req/s", higherIsBetter: true },
    { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 3 },
    { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
    { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
    { key: "errors", label: "errors", higherIsBetter: false },
  ]);
  const open = p50["no authorizer"];
  const cached = p50["Lambda authorizer, cached"];
  if (open !== undefined && cached !== undefined) {
    const line = `\nCached Lambda authorizer over no authorizer (p50, 1 conn): ${(cached - open).toFixed(3)} ms (target < 0.2 ms)\n`;
    console.log(line);
    out += line;
  }
  return out;
}
