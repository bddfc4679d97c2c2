/**
 * API Gateway REST (issue 5): through the gateway — MOCK integration, Lambda proxy with a trivial
 * handler, and the serverless example's GET item (gateway → Lambda → DynamoDB) — at 1 and 50 connections,
 * side by side with serverless-offline serving the same handler on an `http` event. Also reports the
 * gateway's overhead over a direct warm Invoke (p50 at 1 connection).
 */
import { load, measure, type RawRequest } from "../lib/wrk.js";
import { jsonCall, restCall } from "../lib/raw.js";
import { printTable, type Row } from "../lib/report.js";
import { startSkyport, stop, type Started } from "../lib/servers.js";
import { startServerlessOffline } from "../lib/peers.js";
import { createFunction, HANDLER, invokeRequest } from "./lambda.js";
import type { BenchOptions } from "../run.js";

const GET_ITEM = `
const { DynamoDBClient, GetItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
exports.handler = async (event) => {
  const r = await db.send(new GetItemCommand({ TableName: "items", Key: { id: { S: event.pathParameters.id } } }));
  return r.Item ? { statusCode: 200, body: JSON.stringify({ id: r.Item.id.S, name: r.Item.name.S }) } : { statusCode: 404, body: "{}" };
};
`;

async function buildApi(base: string): Promise<string> {
  const api = await restCall(base, "apigateway", "POST", "/restapis", { name: "bench" });
  const id = api.id as string;
  const resources = (await restCall(base, "apigateway", "GET", `/restapis/${id}/resources`)).item as Array<{ id: string; path: string }>;
  const root = resources.find((r) => r.path === "/")!.id;
  const child = async (parent: string, part: string) => (await restCall(base, "apigateway", "POST", `/restapis/${id}/resources/${parent}`, { pathPart: part })).id as string;
  const method = async (res: string, integration: object) => {
    await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${res}/methods/GET`, { authorizationType: "NONE" });
    await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${res}/methods/GET/integration`, integration);
  };
  const fnUri = (name: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${name}/invocations`;
  const mock = await child(root, "mock");
  await method(mock, { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${mock}/methods/GET/responses/200`, {});
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${mock}/methods/GET/integration/responses/200`, { responseTemplates: { "application/json": '{"ok": true}' } });
  await method(await child(root, "hello"), { type: "AWS_PROXY", httpMethod: "POST", uri: fnUri("hello") });
  const items = await child(root, "items");
  await method(await child(items, "{id}"), { type: "AWS_PROXY", httpMethod: "POST", uri: fnUri("getitem") });
  await restCall(base, "apigateway", "POST", `/restapis/${id}/deployments`, { stageName: "dev" });
  return id;
}

const get = (path: string): RawRequest => ({ method: "GET", path, headers: {} });

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  let invokeP50: number | undefined;
  let proxyP50: number | undefined;
  const sky: Started = await startSkyport();
  try {
    await createFunction(sky.url, "hello");
    await createFunction(sky.url, "getitem", GET_ITEM);
    await jsonCall(sky.url, "DynamoDB_20120810.CreateTable", "dynamodb", { TableName: "items", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] });
    await jsonCall(sky.url, "DynamoDB_20120810.PutItem", "dynamodb", { TableName: "items", Item: { id: { S: "1" }, name: { S: "apple" } } });
    const api = await buildApi(sky.url);
    const prefix = `/_aws/execute-api/${api}/dev`;
    for (const [scenario, req] of [["MOCK", get(`${prefix}/mock`)], ["Lambda proxy (trivial)", get(`${prefix}/hello`)], ["GET item (→ Lambda → DynamoDB)", get(`${prefix}/items/1`)]] as const) {
      for (const c of [1, 50]) {
        const r = await measure(sky.url, req, c, opts.seconds, sky.pid);
        rows.push({ scenario: `${scenario}, ${c} conn`, server: "skyport", values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors } });
        if (scenario.startsWith("Lambda proxy") && c === 1) proxyP50 = r.p50ms;
      }
    }
    const direct = await load(sky.url, invokeRequest("hello"), 1, opts.seconds, sky.pid);
    invokeP50 = direct.p50ms;
  } finally {
    await stop(sky);
  }
  const sls = await startServerlessOffline(HANDLER);
  try {
    const req = get("/dev/hello");
    for (const c of [1, 50]) {
      const r = await measure(sls.url, req, c, opts.seconds, sls.pid);
      rows.push({ scenario: `Lambda proxy (trivial), ${c} conn`, server: "serverless-offline", values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors } });
    }
  } finally {
    await stop(sls);
  }
  rows.sort((a, b) => a.scenario.localeCompare(b.scenario));
  let out = printTable("API Gateway REST: through the gateway", rows, [
    { key: "rps", label: "req/s", higherIsBetter: true },
    { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
    { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
    { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
    { key: "errors", label: "errors", higherIsBetter: false },
  ]);
  if (invokeP50 !== undefined && proxyP50 !== undefined) {
    const line = `\nGateway overhead over a direct warm Invoke (p50, 1 conn): ${(proxyP50 - invokeP50).toFixed(2)} ms (proxy ${proxyP50.toFixed(2)} ms, Invoke ${invokeP50.toFixed(2)} ms)\n`;
    console.log(line);
    out += line;
  }
  return out;
}
