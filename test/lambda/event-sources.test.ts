/** A DynamoDB stream triggering a function through an event source mapping, with filtering and retries. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand, LambdaClient, ListEventSourceMappingsCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let lambda: LambdaClient;
let ddb: DynamoDBClient;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  lambda = new LambdaClient(server.clientConfig);
  ddb = new DynamoDBClient(server.clientConfig);
});
after(() => server.stop());

async function table(name: string, stream = true) {
  const t = await ddb.send(new CreateTableCommand({
    TableName: name, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    StreamSpecification: stream ? { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } : undefined,
  }));
  await waitUntilTableExists({ client: ddb, maxWaitTime: 20, minDelay: 0.05 } as never, { TableName: name });
  return t.TableDescription!.LatestStreamArn!;
}

async function until<T>(f: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// The function copies each record it gets into a sink table: what arrived, in order.
const COPIER = (sink: string) => `
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
let n = 0;
exports.handler = async (event) => {
  for (const r of event.Records) {
    if (r.dynamodb.NewImage && r.dynamodb.NewImage.fail) throw new Error("poison");
    await db.send(new PutItemCommand({ TableName: "${sink}", Item: { id: { S: r.dynamodb.Keys.id.S + "#" + r.eventName }, seq: { N: String(++n) }, source: { S: r.eventSource }, arn: { S: r.eventSourceARN } } }));
  }
  return "ok";
};`;

test("CreateEventSourceMapping: stream records (INSERT, MODIFY, REMOVE) reach the function in order", async () => {
  const src = uniqueName("src");
  const sink = uniqueName("sink");
  const streamArn = await table(src);
  await table(sink, false);
  const fnName = uniqueName("copier");
  await lambda.send(new CreateFunctionCommand({ FunctionName: fnName, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(COPIER(sink)) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: fnName });
  const m = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: fnName, EventSourceArn: streamArn, StartingPosition: "TRIM_HORIZON", BatchSize: 10 }));
  assert.match(m.UUID!, /^[0-9a-f-]{36}$/);
  assert.equal(m.State, "Creating");
  assert.equal((await lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State, "Enabled");
  await ddb.send(new PutItemCommand({ TableName: src, Item: { id: { S: "a" }, v: { N: "1" } } }));
  await ddb.send(new PutItemCommand({ TableName: src, Item: { id: { S: "a" }, v: { N: "2" } } }));
  await ddb.send(new PutItemCommand({ TableName: src, Item: { id: { S: "b" } } }));
  const items = await until(async () => {
    const r = await ddb.send(new ScanCommand({ TableName: sink }));
    return (r.Items?.length ?? 0) >= 3 ? r.Items! : undefined;
  }, "3 records in the sink");
  const byId = Object.fromEntries(items.map((i) => [i.id!.S!, i]));
  assert.deepEqual(Object.keys(byId).sort(), ["a#INSERT", "a#MODIFY", "b#INSERT"]);
  assert.ok(Number(byId["a#INSERT"]!.seq!.N) < Number(byId["a#MODIFY"]!.seq!.N), "records of one item arrive in order");
  assert.equal(byId["a#INSERT"]!.source!.S, "aws:dynamodb");
  assert.equal(byId["a#INSERT"]!.arn!.S, streamArn);
  const list = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fnName }));
  assert.equal(list.EventSourceMappings?.length, 1);
  await lambda.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID }));
});

test("CreateEventSourceMapping: FilterCriteria drops records that match no filter; a poison batch is given up after MaximumRetryAttempts", async () => {
  const src = uniqueName("src");
  const sink = uniqueName("sink");
  const streamArn = await table(src);
  await table(sink, false);
  const fnName = uniqueName("copier");
  await lambda.send(new CreateFunctionCommand({ FunctionName: fnName, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(COPIER(sink)) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: fnName });
  await lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: fnName, EventSourceArn: streamArn, StartingPosition: "TRIM_HORIZON", BatchSize: 1, MaximumRetryAttempts: 1,
    FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ["INSERT"], dynamodb: { NewImage: { kind: { S: ["keep"] } } } }) }] },
  }));
  await ddb.send(new PutItemCommand({ TableName: src, Item: { id: { S: "x" }, kind: { S: "drop" } } }));
  await ddb.send(new PutItemCommand({ TableName: src, Item: { id: { S: "p" }, kind: { S: "keep" }, fail: { BOOL: true } } }));
  await ddb.send(new PutItemCommand({ TableName: src, Item: { id: { S: "y" }, kind: { S: "keep" } } }));
  const items = await until(async () => {
    const r = await ddb.send(new ScanCommand({ TableName: sink }));
    return (r.Items?.length ?? 0) >= 1 ? r.Items! : undefined;
  }, "the kept record");
  assert.deepEqual(items.map((i) => i.id!.S), ["y#INSERT"], "x was filtered out, p was retried then skipped");
});
