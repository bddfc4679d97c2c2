/**
 * Issue 8 items 7–9: queued work resumes after a restart without any API call, a graceful shutdown lets the
 * invocations in flight finish, and a function that writes far more than one PutLogEvents batch keeps every
 * line and its END/REPORT.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, PutFunctionConcurrencyCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CreateTableCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CloudWatchLogsClient, GetLogEventsCommand, DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { resolveConfig } from "../../src/cli/config.js";
import { startSkyport, type RunningSkyport } from "../../src/server/skyport.js";
import { startServer, uniqueName } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";
import { freePort, start } from "../helpers/process-server.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const cfg = (endpoint: string) => ({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

async function boot(dataDir: string, port = "0"): Promise<RunningSkyport> {
  return startSkyport(resolveConfig({ port, "data-dir": dataDir, "log-level": "error" }, {}));
}

async function createFn(lambda: LambdaClient, source: string, file = "index.mjs", timeout = 10): Promise<string> {
  const name = uniqueName("bg");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ [file]: strToU8(source) }) }, Timeout: timeout }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return name;
}

const WRITER = `import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
const db = new DynamoDBClient({});
export const handler = async (e) => {
  await new Promise((r) => setTimeout(r, e.sleep ?? 300));
  await db.send(new PutItemCommand({ TableName: e.table, Item: { id: { S: e.id } } }));
  return { ok: e.id };
};`;

test("Event invokes queued before a restart run after it, with no Lambda API call", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-bg-"));
  dirs.push(dir);
  let sky = await boot(dir);
  const port = String(sky.port);
  let endpoint = `http://127.0.0.1:${port}`;
  await createLambdaRoles({ clientConfig: cfg(endpoint) });
  const lambda = new LambdaClient(cfg(endpoint));
  const table = uniqueName("q");
  await new DynamoDBClient(cfg(endpoint)).send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
  const name = await createFn(lambda, WRITER);
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
  for (let i = 1; i <= 4; i++) await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: strToU8(JSON.stringify({ table, id: `q${i}`, sleep: 400 })) }));
  await sky.close(); // at most the invocation in flight finishes; the rest stay queued on disk
  sky = await boot(dir, port);
  endpoint = `http://127.0.0.1:${sky.port}`;
  try {
    assert.ok(sky.services.started().includes("lambda"), "the Lambda provider starts at boot when it has queued work");
    const ddb = new DynamoDBClient(cfg(endpoint));
    let ids: string[] = [];
    for (let i = 0; i < 400 && ids.length < 4; i++) {
      ids = ((await ddb.send(new ScanCommand({ TableName: table }))).Items ?? []).map((x) => x.id!.S!);
      if (ids.length < 4) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(ids.sort(), ["q1", "q2", "q3", "q4"]);
  } finally {
    await sky.close();
  }
});

test("An Event invoke running when the server is killed (-9) runs again right after the restart, not after a failed attempt's retry delay", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-bg-"));
  dirs.push(dir);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child = await start(port, dir);
  try {
    await createLambdaRoles({ clientConfig: cfg(endpoint) });
    const lambda = new LambdaClient(cfg(endpoint));
    const ddb = new DynamoDBClient(cfg(endpoint));
    const table = uniqueName("inflight");
    await ddb.send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
    const name = await createFn(lambda, WRITER, "index.mjs", 3);
    await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: strToU8(JSON.stringify({ table, id: "cut", sleep: 2000 })) }));
    // Killed while the attempt sleeps (it is taken at once), before it wrote its item.
    await new Promise((r) => setTimeout(r, 800));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    child = await start(port, dir);
    // The attempt's lease is the function's timeout (3 s) and a margin: well inside 20 s, where a failed attempt waits 60 s.
    let ids: string[] = [];
    for (let i = 0; i < 200 && !ids.length; i++) {
      ids = ((await ddb.send(new ScanCommand({ TableName: table }))).Items ?? []).map((x) => x.id!.S!);
      if (!ids.length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(ids, ["cut"]);
  } finally {
    child.kill("SIGKILL");
  }
});

test("Graceful shutdown: invocations in flight finish; new requests are refused meanwhile", async () => {
  const server = await startServer();
  await createLambdaRoles(server);
  const lambda = new LambdaClient(server.clientConfig);
  const table = uniqueName("d");
  await new DynamoDBClient(server.clientConfig).send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
  const name = await createFn(lambda, WRITER);
  await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8(JSON.stringify({ table, id: "warm", sleep: 0 })) }));
  const inflight = [1, 2, 3].map((i) => lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8(JSON.stringify({ table, id: `d${i}`, sleep: 1500 })) })));
  await new Promise((r) => setTimeout(r, 300));
  const closing = server.stop();
  await new Promise((r) => setTimeout(r, 100));
  const refused = await fetch(`${server.endpoint}/_skyport/health`).then((r) => r.status, () => "closed");
  assert.ok(refused === 503 || refused === "closed", `a new request while draining: ${refused}`);
  const results = await Promise.all(inflight);
  await closing;
  for (const [i, r] of results.entries()) {
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload!).toString());
    assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString()), { ok: `d${i + 1}` });
  }
});

test("Function logs: output far over one PutLogEvents batch is kept whole, with END and REPORT", async () => {
  const server = await startServer();
  await createLambdaRoles(server);
  try {
    const lambda = new LambdaClient(server.clientConfig);
    const lines = 12_000; // ~12 MB: twelve 1 MB batches and more than 10,000 events
    const name = await createFn(lambda, `exports.handler = async () => { const l = "x".repeat(1000); for (let i = 0; i < ${lines}; i++) process.stdout.write(i + " " + l + "\\n"); return "done"; };`, "index.js", 60);
    const r = await lambda.send(new InvokeCommand({ FunctionName: name }));
    assert.equal(r.FunctionError, undefined);
    const logs = new CloudWatchLogsClient(server.clientConfig);
    const group = `/aws/lambda/${name}`;
    let messages: string[] = [];
    for (let attempt = 0; attempt < 200; attempt++) {
      const stream = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group })).catch(() => undefined))?.logStreams?.[0]?.logStreamName;
      messages = [];
      let token: string | undefined;
      for (let page = 0; stream && page < 50; page++) {
        const got = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }));
        messages.push(...(got.events ?? []).map((e) => e.message!));
        if (!got.events?.length || got.nextForwardToken === token) break;
        token = got.nextForwardToken;
      }
      if (messages.some((m) => m.startsWith("REPORT RequestId"))) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(messages.filter((m) => /^\d+ x+$/.test(m)).length, lines);
    assert.ok(messages.some((m) => m.startsWith("END RequestId")));
    assert.ok(messages.some((m) => m.startsWith("REPORT RequestId")));
  } finally {
    await server.stop();
  }
});
