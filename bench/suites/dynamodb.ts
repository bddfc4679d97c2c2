/**
 * DynamoDB (issue 3): PutItem, GetItem, Query (page of 100 from a 100-item partition), conditional
 * UpdateItem and a 4-item TransactWriteItems at 1 and 16 connections — Skyport vs moto_server vs
 * dynalite, raw signed HTTP from wrk; the three run at once and each point is measured on each back to back, after
 * the same warm-up. GetItem is also measured on "node:http floor" (bench/peers/http-floor.mjs: node:http answering
 * a fixed item, no work at all): the most one Node.js process serves here, the bound of any ratio on that line.
 * With BENCH_MILLION=1 also loads 1,000,000 small items into Skyport (BatchWriteItem) and reports its RSS and
 * Query latency afterwards.
 */
import { load, measure, type RawRequest } from "../lib/wrk.js";
import { ddbHeaders, jsonCall } from "../lib/raw.js";
import { printTable, type Row } from "../lib/report.js";
import { rssMb, startDynalite, startHttpFloor, startMoto, startSkyport, stop, type Started } from "../lib/servers.js";
import type { BenchOptions } from "../run.js";

const TABLE = "bench";
const FLOOR = "node:http floor";
const ddb = (base: string, op: string, body: unknown) => jsonCall(base, `DynamoDB_20120810.${op}`, "dynamodb", body);

async function setup(base: string): Promise<void> {
  await ddb(base, "CreateTable", {
    TableName: TABLE, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
  });
  // As on AWS, a new table is CREATING for a moment and refuses item writes until ACTIVE.
  for (let i = 0; i < 500; i++) {
    const d = (await ddb(base, "DescribeTable", { TableName: TABLE })) as { Table: { TableStatus: string } };
    if (d.Table.TableStatus === "ACTIVE") break;
    await new Promise((r) => setTimeout(r, 10));
  }
  for (let i = 0; i < 100; i += 25) {
    const items = Array.from({ length: 25 }, (_, k) => ({ PutRequest: { Item: { pk: { S: "q" }, sk: { N: String(i + k) }, data: { S: "x".repeat(100) } } } }));
    await ddb(base, "BatchWriteItem", { RequestItems: { [TABLE]: items } });
  }
  await ddb(base, "PutItem", { TableName: TABLE, Item: { pk: { S: "get" }, sk: { N: "1" }, v: { N: "0" }, data: { S: "y".repeat(100) } } });
}

// Lua that makes every request's key unique (counter per wrk thread + thread id).
const uniqueBody = (template: string) => `
local counter = 0
local tid = tostring({}):sub(8) -- each wrk thread has its own Lua state: its own table address (math.random is unseeded and the same in every thread)
request = function()
  counter = counter + 1
  local body = string.gsub(${JSON.stringify(template)}, "KEY", tid .. "-" .. counter)
  return wrk.format(nil, nil, nil, body)
end
`;

function scenarios(): Array<[string, RawRequest]> {
  const put = JSON.stringify({ TableName: TABLE, Item: { pk: { S: "KEY" }, sk: { N: "1" }, data: { S: "z".repeat(100) } } });
  const tx = JSON.stringify({ TransactItems: [1, 2, 3, 4].map((n) => ({ Put: { TableName: TABLE, Item: { pk: { S: `KEY-${n}` }, sk: { N: "1" }, v: { N: String(n) } } } })) });
  return [
    ["PutItem", { method: "POST", path: "/", headers: ddbHeaders("PutItem"), body: put, lua: uniqueBody(put) }],
    ["GetItem", { method: "POST", path: "/", headers: ddbHeaders("GetItem"), body: JSON.stringify({ TableName: TABLE, Key: { pk: { S: "get" }, sk: { N: "1" } } }) }],
    ["Query (100 items)", { method: "POST", path: "/", headers: ddbHeaders("Query"), body: JSON.stringify({ TableName: TABLE, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "q" } }, Limit: 100 }) }],
    ["UpdateItem (conditional)", {
      method: "POST", path: "/", headers: ddbHeaders("UpdateItem"),
      body: JSON.stringify({ TableName: TABLE, Key: { pk: { S: "get" }, sk: { N: "1" } }, UpdateExpression: "SET v = v + :one", ConditionExpression: "attribute_exists(pk)", ExpressionAttributeValues: { ":one": { N: "1" } } }),
    }],
    ["TransactWriteItems (4 puts)", { method: "POST", path: "/", headers: ddbHeaders("TransactWriteItems"), body: tx, lua: uniqueBody(tx) }],
  ];
}

async function loadMillion(s: Started): Promise<Row> {
  const t0 = Date.now();
  const total = 1_000_000;
  const batch = (start: number) => ({ RequestItems: { [TABLE]: Array.from({ length: 25 }, (_, k) => ({ PutRequest: { Item: { pk: { S: `m${Math.floor((start + k) / 100)}` }, sk: { N: String((start + k) % 100) }, v: { S: "small" } } } })) } });
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const start = next;
      next += 25;
      await ddb(s.url, "BatchWriteItem", batch(start));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const loadSec = (Date.now() - t0) / 1000;
  const q: RawRequest = { method: "POST", path: "/", headers: ddbHeaders("Query"), body: JSON.stringify({ TableName: TABLE, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "m4321" } } }) };
  const r = await load(s.url, q, 16, 5, s.pid);
  return { scenario: "1M items loaded", server: "skyport", values: { loadSec, rss: rssMb(s.pid), rps: r.rps, p50: r.p50ms, p99: r.p99ms } };
}

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  const servers: Array<[string, () => Promise<Started>]> = [["skyport", () => startSkyport()], ["moto_server", startMoto], ["dynalite", startDynalite], [FLOOR, startHttpFloor]];
  let million: Row | undefined;
  // All run at once and each point is measured on each system back to back: this machine's speed drifts
  // over minutes, and a system measured in a slow minute would lose by the minute, not by itself.
  const started: Array<[string, Started]> = [];
  try {
    for (const [name, start] of servers) {
      const s = await start();
      started.push([name, s]);
      if (name !== FLOOR) await setup(s.url);
    }
    for (const [scenario, req] of scenarios()) {
      for (const c of [1, 16]) {
        for (const [name, s] of started) {
          if (name === FLOOR && scenario !== "GetItem") continue;
          const r = await measure(s.url, req, c, opts.seconds, s.pid);
          rows.push({ scenario: `${scenario}, ${c} conn`, server: name, values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors } });
        }
      }
    }
    const sky = started.find(([name]) => name === "skyport")?.[1];
    if (sky && process.env.BENCH_MILLION === "1") million = await loadMillion(sky);
  } finally {
    for (const [, s] of started) await stop(s);
  }
  rows.sort((a, b) => a.scenario.localeCompare(b.scenario));
  let out = printTable("DynamoDB: operations", rows, [
    { key: "rps", label: "req/s", higherIsBetter: true },
    { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
    { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
    { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
    { key: "errors", label: "errors", higherIsBetter: false },
  ]);
  if (million) {
    out += printTable("DynamoDB: 1,000,000 small items", [million], [
      { key: "loadSec", label: "load s", higherIsBetter: false },
      { key: "rss", label: "RSS MB", higherIsBetter: false },
      { key: "rps", label: "Query req/s (16 conn)", higherIsBetter: true },
      { key: "p50", label: "Query p50 ms", higherIsBetter: false, digits: 2 },
      { key: "p99", label: "Query p99 ms", higherIsBetter: false, digits: 2 },
    ]);
  }
  return out;
}
