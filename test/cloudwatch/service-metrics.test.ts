import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, PublishVersionCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let cw: CloudWatchClient;
let lambda: LambdaClient;
before(async () => {
  server = await startServer();
  cw = new CloudWatchClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

const HOUR = 3_600_000;
const sum = async (Namespace: string, MetricName: string, dims: Record<string, string>, stat: "Sum" | "SampleCount" | "Maximum" = "Sum") => {
  const r = await cw.send(new GetMetricStatisticsCommand({ Namespace, MetricName, Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })), StartTime: new Date(Date.now() - HOUR), EndTime: new Date(Date.now() + HOUR), Period: 7200, Statistics: [stat] }));
  return r.Datapoints?.[0]?.[stat];
};

test("AWS/Lambda: Invocations, Errors, Duration by FunctionName and Resource; EMF log lines become metrics", async () => {
  const name = uniqueName("measured");
  const source = `exports.handler = async (e) => {
  if (e.fail) throw new Error("x");
  console.log(JSON.stringify({ _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: "${name}-emf", Dimensions: [["Fn"], []], Metrics: [{ Name: "Items", Unit: "Count" }] }] }, Fn: "f", Items: [3, 4] }));
  return 1;
};`;
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const v = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  for (let i = 0; i < 2; i++) await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8("{}") }));
  await lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: v.Version, Payload: strToU8("{}") }));
  const failed = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8('{"fail":1}') }));
  assert.equal(failed.FunctionError, "Unhandled");

  assert.equal(await sum("AWS/Lambda", "Invocations", { FunctionName: name }), 4);
  assert.equal(await sum("AWS/Lambda", "Errors", { FunctionName: name }), 1);
  assert.equal(await sum("AWS/Lambda", "Invocations", { FunctionName: name, Resource: `${name}:${v.Version}` }), 1);
  assert.equal(await sum("AWS/Lambda", "Duration", { FunctionName: name }, "SampleCount"), 4);
  assert.ok((await sum("AWS/Lambda", "ConcurrentExecutions", { FunctionName: name }, "Maximum"))! >= 1);
  const listed = await cw.send(new ListMetricsCommand({ Namespace: "AWS/Lambda", Dimensions: [{ Name: "FunctionName", Value: name }] }));
  assert.deepEqual([...new Set(listed.Metrics!.map((m) => m.MetricName))].sort(), ["ConcurrentExecutions", "Duration", "Errors", "Invocations"]);

  // EMF: logs reach the metric store through the log batcher, shortly after the invocation.
  let items: number | undefined;
  for (let i = 0; i < 100 && items === undefined; i++) {
    items = await sum(`${name}-emf`, "Items", { Fn: "f" });
    if (items === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(items, 21);
  assert.equal(await sum(`${name}-emf`, "Items", {}, "SampleCount"), 6);
});

test("aws cloudwatch: put-metric-data and get-metric-statistics through the CLI, doubles as AWS writes them", async () => {
  const run = promisify(execFile);
  const ns = uniqueName("Cli");
  const ep = ["--endpoint-url", server.endpoint];
  for (const v of [1, 2]) await run("aws", ["cloudwatch", "put-metric-data", "--namespace", ns, "--metric-name", "M", "--value", String(v), ...ep], { env: cliEnv() });
  const t = (ms: number) => new Date(ms).toISOString();
  const out = await run("aws", ["cloudwatch", "get-metric-statistics", "--namespace", ns, "--metric-name", "M", "--start-time", t(Date.now() - HOUR), "--end-time", t(Date.now() + HOUR), "--period", "7200", "--statistics", "Sum", "Average", "--query", "Datapoints[0].[Sum,Average]", "--output", "text", ...ep], { env: cliEnv() });
  assert.equal(out.stdout.trim(), "3.0\t1.5");
  const bad = await run("aws", ["cloudwatch", "put-metric-data", "--namespace", "AWS/X", "--metric-name", "M", "--value", "1", ...ep], { env: cliEnv() }).catch((e: { stderr: string }) => e);
  assert.match((bad as { stderr: string }).stderr, /InvalidParameterValue/);
});

test("AWS/DynamoDB: capacity by table and GSI, latency and returned items by operation, conditional failures, user errors", async () => {
  const { DynamoDBClient, CreateTableCommand, PutItemCommand, GetItemCommand, QueryCommand, ExecuteStatementCommand } = await import("@aws-sdk/client-dynamodb");
  const ddb = new DynamoDBClient(server.clientConfig);
  const table = uniqueName("metered");
  await ddb.send(new CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "g", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    GlobalSecondaryIndexes: [{ IndexName: "byG", KeySchema: [{ AttributeName: "g", KeyType: "HASH" }], Projection: { ProjectionType: "ALL" } }],
  }));
  // Two new items: 1 write unit on the table and 1 on the index each (AWS charges a GSI write per changed entry).
  for (const pk of ["a", "b"]) await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, g: { S: "x" } } }));
  const got = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "a" } }, ConsistentRead: true }));
  assert.equal(got.ConsumedCapacity, undefined, "the caller did not ask for ConsumedCapacity");
  const asked = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "a" } }, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(asked.ConsumedCapacity, { TableName: table, CapacityUnits: 0.5 }, "TOTAL is answered without per-index arms");
  const q = await ddb.send(new QueryCommand({ TableName: table, IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: { ":g": { S: "x" } } }));
  assert.equal(q.Count, 2);
  await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'b'` }));
  await assert.rejects(ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "a" }, g: { S: "y" } }, ConditionExpression: "attribute_not_exists(pk)" })), { name: "ConditionalCheckFailedException" });
  const userErrorsBefore = (await sum("AWS/DynamoDB", "UserErrors", {})) ?? 0;
  await assert.rejects(ddb.send(new GetItemCommand({ TableName: `${table}-missing`, Key: { pk: { S: "a" } } })), { name: "ResourceNotFoundException" });

  assert.equal(await sum("AWS/DynamoDB", "ConsumedWriteCapacityUnits", { TableName: table }), 4);
  assert.equal(await sum("AWS/DynamoDB", "ConsumedWriteCapacityUnits", { TableName: table, GlobalSecondaryIndexName: "byG" }), 2);
  // GetItem: 1 (consistent) + 0.5; Query on the index: 0.5; the PartiQL SELECT (eventually consistent): 0.5.
  assert.equal(await sum("AWS/DynamoDB", "ConsumedReadCapacityUnits", { TableName: table }), 2.5);
  assert.equal(await sum("AWS/DynamoDB", "ConsumedReadCapacityUnits", { TableName: table, GlobalSecondaryIndexName: "byG" }), 0.5);
  assert.equal(await sum("AWS/DynamoDB", "SuccessfulRequestLatency", { TableName: table, Operation: "PutItem" }, "SampleCount"), 2);
  assert.equal(await sum("AWS/DynamoDB", "SuccessfulRequestLatency", { TableName: table, Operation: "GetItem" }, "SampleCount"), 2);
  assert.equal(await sum("AWS/DynamoDB", "ReturnedItemCount", { TableName: table, Operation: "Query" }), 2);
  assert.equal(await sum("AWS/DynamoDB", "ReturnedItemCount", { TableName: table, Operation: "ExecuteStatement" }), 1);
  assert.equal(await sum("AWS/DynamoDB", "ConditionalCheckFailedRequests", { TableName: table }), 1);
  assert.equal(await sum("AWS/DynamoDB", "UserErrors", {}), userErrorsBefore + 1);
});

test("Metrics of a request answered just before the server stops are stored, and no provider starts once it stopped", async () => {
  const { DynamoDBClient, CreateTableCommand, PutItemCommand } = await import("@aws-sdk/client-dynamodb");
  const dir = mkdtempSync(join(tmpdir(), "skyport-metrics-stop-"));
  const table = uniqueName("last");
  try {
    const first = await startServer({ ephemeral: false, "data-dir": dir });
    const ddb = new DynamoDBClient(first.clientConfig);
    await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] }));
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "a" } } }));
    await first.stop(); // within the metric batch's 200 ms
    await new Promise((r) => setTimeout(r, 400)); // past the batch's timer
    assert.deepEqual(first.skyport.services.started(), [], "a provider started after the server stopped");

    const second = await startServer({ ephemeral: false, "data-dir": dir });
    try {
      const client = new CloudWatchClient(second.clientConfig);
      const r = await client.send(new GetMetricStatisticsCommand({ Namespace: "AWS/DynamoDB", MetricName: "ConsumedWriteCapacityUnits", Dimensions: [{ Name: "TableName", Value: table }], StartTime: new Date(Date.now() - HOUR), EndTime: new Date(Date.now() + HOUR), Period: 7200, Statistics: ["Sum"] }));
      assert.equal(r.Datapoints?.[0]?.Sum, 1);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
