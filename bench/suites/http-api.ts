/**
 * API Gateway HTTP APIs (issue 14): a Lambda proxy route with a trivial handler (payload 2.0, quick create)
 * at 1 and 50 connections — side by side with the same function behind a REST API's Lambda proxy method on
 * Skyport, and with serverless-offline serving the same handler on an `httpApi` event.
 * Targets: the HTTP API at least as fast as the REST path, and at least 2x serverless-offline's httpApi.
 * Both systems run at once; each point is measured on each back to back.
 */
import { measure, type LoadResult, type RawRequest } from "../lib/wrk.js";
import { restCall } from "../lib/raw.js";
import { printTable, type Row } from "../lib/report.js";
import { startSkyport, stop, type Started } from "../lib/servers.js";
import { startServerlessOffline } from "../lib/peers.js";
import { createFunction, HANDLER } from "./lambda.js";
import type { BenchOptions } from "../run.js";

const FN_ARN = "arn:aws:lambda:us-east-1:000000000000:function:hello";
const get = (path: string): RawRequest => ({ method: "GET", path, headers: {} });

/** Quick create: integration, $default route, auto-deployed $default stage (no stage segment in the URL). */
async function httpApi(base: string): Promise<string> {
  const api = await restCall(base, "apigateway", "POST", "/v2/apis", { name: "bench-http", protocolType: "HTTP", target: FN_ARN });
  return `/_aws/execute-api/${api.apiId as string}/hello`;
}

async function restApi(base: string): Promise<string> {
  const api = await restCall(base, "apigateway", "POST", "/restapis", { name: "bench-rest" });
  const id = api.id as string;
  const resources = (await restCall(base, "apigateway", "GET", `/restapis/${id}/resources`)).item as Array<{ id: string; path: string }>;
  const hello = (await restCall(base, "apigateway", "POST", `/restapis/${id}/resources/${resources.find((r) => r.path === "/")!.id}`, { pathPart: "hello" })).id as string;
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${hello}/methods/GET`, { authorizationType: "NONE" });
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${hello}/methods/GET/integration`, {
    type: "AWS_PROXY", httpMethod: "POST", uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FN_ARN}/invocations`,
  });
  await restCall(base, "apigateway", "POST", `/restapis/${id}/deployments`, { stageName: "dev" });
  return `/_aws/execute-api/${id}/dev/hello`;
}

const values = (r: LoadResult) => ({ rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors });

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  // Both systems run at once and each point is measured on each back to back (as in the dynamodb suite): this
  // machine's speed drifts over minutes, and a system measured in a slow minute would lose by the minute.
  let sky: Started | undefined;
  let sls: Started | undefined;
  try {
    sky = await startSkyport();
    await createFunction(sky.url, "hello");
    sls = await startServerlessOffline(HANDLER, "hello", {}, "httpApi");
    // "skyport" is the row the report compares the others against.
    const targets: Array<[string, Started, string]> = [["skyport", sky, await httpApi(sky.url)], ["skyport REST API", sky, await restApi(sky.url)], ["serverless-offline httpApi", sls, "/hello"]];
    for (const [server, s, path] of targets) {
      // One request first, untimed: the function's first environment starts here, not inside a measurement.
      const first = await fetch(s.url + path);
      if (first.status !== 200) throw new Error(`${server}: GET ${path} answered ${first.status} ${await first.text()}`);
    }
    for (const c of [1, 50]) {
      for (const [server, s, path] of targets) {
        const r = await measure(s.url, get(path), c, opts.seconds, s.pid); // the warm-up starts the environments this concurrency needs
        rows.push({ scenario: `Lambda proxy (trivial), ${c} conn`, server, values: values(r) });
      }
    }
  } finally {
    if (sls) await stop(sls);
    if (sky) await stop(sky);
  }
  rows.sort((a, b) => a.scenario.localeCompare(b.scenario));
  return printTable("API Gateway HTTP API: Lambda proxy (skyport = HTTP API; REST API and serverless-offline httpApi beside it)", rows, [
    { key: "rps", label: "req/s", higherIsBetter: true },
    { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
    { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
    { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
    { key: "errors", label: "errors", higherIsBetter: false },
  ]);
}
