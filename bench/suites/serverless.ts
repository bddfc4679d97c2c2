/**
 * The serverless path under load (issue 10): GET item through API Gateway → Lambda → DynamoDB at 1, 16, 50
 * and 200 connections — from cold (a fresh server: the first second of load, while environments start) and
 * settled (after a warm-up) — with the memory of the whole tree (server plus every environment, PSS) and the
 * environment count per point. Side by side with serverless-offline running the same handler against dynalite:
 * settled, both run at once and each point is measured on each back to back, with the same warm-up and window.
 */
import { load, measure, type RawRequest } from "../lib/wrk.js";
import { jsonCall, restCall } from "../lib/raw.js";
import { printTable, type Row } from "../lib/report.js";
import { cpuMs, freePort, pssMb, startDynalite, startSkyport, stop, type Started } from "../lib/servers.js";
import { attribute, InspectorProfiler, ownCpuMs, PART_NAMES } from "../lib/profile.js";
import { startServerlessOffline } from "../lib/peers.js";
import { createFunction } from "./lambda.js";
import type { BenchOptions } from "../run.js";

const root = new URL("../..", import.meta.url).pathname;
/** The same handler for both: the SDK from the runtime (Skyport) or from this checkout (serverless-offline). */
const handler = (sdk: string) => `
const { DynamoDBClient, GetItemCommand } = require(${JSON.stringify(sdk)});
const db = new DynamoDBClient(process.env.DDB_ENDPOINT ? { endpoint: process.env.DDB_ENDPOINT, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } } : {});
exports.handler = async (event) => {
  const r = await db.send(new GetItemCommand({ TableName: "items", Key: { id: { S: event.pathParameters.id } } }));
  return r.Item ? { statusCode: 200, body: JSON.stringify({ id: r.Item.id.S, name: r.Item.name.S }) } : { statusCode: 404, body: "{}" };
};
`;
const CONNECTIONS = [1, 16, 50, 200];
const TABLE = { TableName: "items", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] };
const ITEM = { TableName: "items", Item: { id: { S: "1" }, name: { S: "apple" } } };
const get = (path: string): RawRequest => ({ method: "GET", path, headers: {} });

export async function deploy(base: string): Promise<string> {
  await createFunction(base, "getitem", handler("@aws-sdk/client-dynamodb"));
  await jsonCall(base, "DynamoDB_20120810.CreateTable", "dynamodb", TABLE);
  await jsonCall(base, "DynamoDB_20120810.PutItem", "dynamodb", ITEM);
  const api = await restCall(base, "apigateway", "POST", "/restapis", { name: "bench" });
  const id = api.id as string;
  const resources = (await restCall(base, "apigateway", "GET", `/restapis/${id}/resources`)).item as Array<{ id: string; path: string }>;
  const items = (await restCall(base, "apigateway", "POST", `/restapis/${id}/resources/${resources.find((r) => r.path === "/")!.id}`, { pathPart: "items" })).id as string;
  const res = (await restCall(base, "apigateway", "POST", `/restapis/${id}/resources/${items}`, { pathPart: "{id}" })).id as string;
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${res}/methods/GET`, { authorizationType: "NONE" });
  await restCall(base, "apigateway", "PUT", `/restapis/${id}/resources/${res}/methods/GET/integration`, {
    type: "AWS_PROXY", httpMethod: "POST", uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:getitem/invocations",
  });
  await restCall(base, "apigateway", "POST", `/restapis/${id}/deployments`, { stageName: "dev" });
  return `/_aws/execute-api/${id}/dev/items/1`;
}

/** The function's live environments and the spares beside them (health counts both as environments). */
async function environments(base: string): Promise<{ envs: number; spares: number }> {
  const h = (await (await fetch(`${base}/_skyport/health`)).json()) as { services: { lambda?: { functions?: Array<{ function: string; environments: number }> } } };
  let fn = 0;
  let spare = 0;
  for (const f of h.services.lambda?.functions ?? []) {
    if (f.function.startsWith("spare:")) spare += f.environments;
    else fn += f.environments;
  }
  return { envs: fn, spares: spare };
}

type Values = Row["values"];
const point = (r: Awaited<ReturnType<typeof load>>, extra: Values): Values => ({ rps: r.rps, p50: r.p50ms, p99: r.p99ms, errors: r.errors, ...extra });

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  // Skyport from cold: a fresh server per connection count, the first second of load.
  for (const c of [50, 200]) {
    const sky = await startSkyport();
    try {
      const path = await deploy(sky.url);
      const r = await load(sky.url, get(path), c, 1);
      rows.push({ scenario: `GET item, ${c} conn, first second from cold`, server: "skyport", values: point(r, { pss: pssMb(sky.pid), ...(await environments(sky.url)) }) });
    } finally {
      await stop(sky);
    }
  }
  const where = await whereTimeGoes(opts);
  // Settled: Skyport and serverless-offline + dynalite (the same handler) run at once, and each point is measured on
  // each back to back — this machine's speed drifts over minutes. serverless-offline's first second comes first.
  const sky: Started = await startSkyport();
  let dyn: Started | undefined;
  let sls: Started | undefined;
  try {
    const path = await deploy(sky.url);
    dyn = await startDynalite();
    await jsonCall(dyn.url, "DynamoDB_20120810.CreateTable", "dynamodb", TABLE);
    for (let i = 0; i < 100; i++) {
      const d = (await jsonCall(dyn.url, "DynamoDB_20120810.DescribeTable", "dynamodb", { TableName: "items" })) as { Table?: { TableStatus?: string } };
      if (d.Table?.TableStatus === "ACTIVE") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await jsonCall(dyn.url, "DynamoDB_20120810.PutItem", "dynamodb", ITEM);
    const startSls = () => startServerlessOffline(handler(`${root}node_modules/@aws-sdk/client-dynamodb`), "items/{id}", { DDB_ENDPOINT: dyn!.url });
    // Its first second from cold on a serverless-offline of its own (as Skyport's are on fresh servers): the burst
    // leaves invocations running for seconds, which must not share the CPU with the settled points.
    const cold = await startSls();
    try {
      const r0 = await load(cold.url, get("/dev/items/1"), 50, 1);
      rows.push({ scenario: "GET item, 50 conn, first second from cold", server: "serverless-offline", values: point(r0, { pss: pssMb(cold.pid) + pssMb(dyn.pid) }) });
    } finally {
      await stop(cold);
    }
    sls = await startSls();
    const slsPss = () => pssMb(sls!.pid) + pssMb(dyn!.pid);
    for (const c of CONNECTIONS) {
      const r = await measure(sky.url, get(path), c, opts.seconds);
      rows.push({ scenario: `GET item, ${c} conn, settled`, server: "skyport", values: point(r, { pss: pssMb(sky.pid), ...(await environments(sky.url)) }) });
      const p = await measure(sls.url, get("/dev/items/1"), c, opts.seconds);
      // A ratio against a peer that answered with errors is not a win: the errors column shows it.
      rows.push({ scenario: `GET item, ${c} conn, settled`, server: "serverless-offline", values: point(p, { pss: slsPss() }) });
    }
  } finally {
    if (sls) await stop(sls);
    if (dyn) await stop(dyn);
    await stop(sky);
  }
  return where + printTable("Serverless path: gateway → Lambda → DynamoDB", rows, [
    { key: "rps", label: "req/s", higherIsBetter: true },
    { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
    { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
    { key: "errors", label: "errors", higherIsBetter: false },
    { key: "pss", label: "PSS MB (all processes)", higherIsBetter: false },
    { key: "envs", label: "function environments", higherIsBetter: false },
    { key: "spares", label: "spares", higherIsBetter: false },
  ]);
}

/**
 * Where the time goes per gateway request, settled, at 1 and 16 connections: the server's CPU split by the
 * part of Skyport it ran in (a CPU profile over the measurement window, scaled to the process's measured CPU)
 * and the environments' CPU (the function, its SDK and the bootstrap) from /proc. Each gateway request is
 * three HTTP requests to the server: the gateway call, the function's DynamoDB GetItem, and the runtime's
 * answer, which is also its next long poll (Skyport-Next).
 */
export async function whereTimeGoes(opts: BenchOptions): Promise<string> {
  const inspectPort = await freePort();
  const sky = await startSkyport([], [`--inspect=127.0.0.1:${inspectPort}`]);
  const rows: Row[] = [];
  try {
    const path = await deploy(sky.url);
    const profiler = await InspectorProfiler.connect(inspectPort);
    try {
      for (const c of [1, 16]) {
        await load(sky.url, get(path), c, opts.seconds);
        const server0 = ownCpuMs(sky.pid);
        const tree0 = cpuMs(sky.pid);
        await profiler.start();
        const r = await load(sky.url, get(path), c, opts.seconds);
        const profile = await profiler.stop();
        const server = ownCpuMs(sky.pid) - server0;
        const envs = cpuMs(sky.pid) - tree0 - server;
        const parts = attribute(profile);
        const sampled = Object.values(parts).reduce((a, b) => a + b, 0) || 1;
        const perReq = (ms: number) => (ms * 1000) / Math.max(1, r.requests);
        const values: Row["values"] = { rps: r.rps, server: perReq(server), envs: perReq(envs) };
        for (const k of PART_NAMES) values[k] = perReq(((parts[k] ?? 0) * server) / sampled);
        rows.push({ scenario: `GET item, ${c} conn, settled`, server: "skyport", values });
      }
    } finally {
      profiler.close();
    }
  } finally {
    await stop(sky);
  }
  return printTable("Serverless path: where the CPU goes per gateway request (µs; server parts from a CPU profile)", rows, [
    { key: "rps", label: "req/s", higherIsBetter: true },
    { key: "server", label: "server total", higherIsBetter: false },
    ...PART_NAMES.map((k) => ({ key: k, label: k, higherIsBetter: false })),
    { key: "envs", label: "environments (function + SDK + bootstrap)", higherIsBetter: false },
  ]);
}
