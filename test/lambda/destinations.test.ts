/** Asynchronous invocation settings: MaximumRetryAttempts and Lambda destinations with AWS's record format. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, GetFunctionEventInvokeConfigCommand, InvokeCommand, LambdaClient, PutFunctionEventInvokeConfigCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CreateTableCommand, DynamoDBClient, ScanCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
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

async function fn(source: string): Promise<string> {
  const name = uniqueName("d");
  const out = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return out.FunctionArn!;
}

test("PutFunctionEventInvokeConfig: on-success and on-failure records reach Lambda destinations", async () => {
  const table = uniqueName("records");
  await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] }));
  await waitUntilTableExists({ client: ddb, maxWaitTime: 20, minDelay: 0.05 } as never, { TableName: table });
  const sink = await fn(`
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
exports.handler = async (r) => { await db.send(new PutItemCommand({ TableName: "${table}", Item: { id: { S: r.requestContext.condition + ":" + r.requestPayload.n }, record: { S: JSON.stringify(r) } } })); };`);
  const worker = await fn(`exports.handler = async (e) => { if (e.fail) throw new Error("nope"); return { doubled: e.n * 2 }; };`);
  const cfg = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: worker, MaximumRetryAttempts: 0, DestinationConfig: { OnSuccess: { Destination: sink }, OnFailure: { Destination: sink } } }));
  assert.equal(cfg.MaximumRetryAttempts, 0);
  assert.equal((await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: worker }))).DestinationConfig?.OnFailure?.Destination, sink);
  await lambda.send(new InvokeCommand({ FunctionName: worker, InvocationType: "Event", Payload: strToU8('{"n": 21}') }));
  await lambda.send(new InvokeCommand({ FunctionName: worker, InvocationType: "Event", Payload: strToU8('{"n": 5, "fail": true}') }));
  let items: Array<Record<string, { S?: string }>> = [];
  for (let i = 0; i < 200 && items.length < 2; i++) {
    items = ((await ddb.send(new ScanCommand({ TableName: table }))).Items ?? []) as typeof items;
    if (items.length < 2) await new Promise((r) => setTimeout(r, 50));
  }
  const byId = Object.fromEntries(items.map((i) => [i.id!.S!, JSON.parse(i.record!.S!)]));
  assert.deepEqual(Object.keys(byId).sort(), ["RetriesExhausted:5", "Success:21"]);
  const ok = byId["Success:21"];
  assert.equal(ok.version, "1.0");
  assert.equal(ok.requestContext.approximateInvokeCount, 1);
  assert.deepEqual(ok.responsePayload, { doubled: 42 });
  assert.equal(ok.responseContext.executedVersion, "$LATEST");
  const failed = byId["RetriesExhausted:5"];
  assert.equal(failed.responseContext.functionError, "Unhandled");
  assert.equal(failed.responsePayload.errorMessage, "nope");
});

test("PutFunctionEventInvokeConfig: AWS's limits on retries and event age; non-Lambda destinations are refused", async () => {
  const worker = await fn("exports.handler = async () => 1;");
  const e1 = (await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: worker, MaximumRetryAttempts: 3 })).catch((e: unknown) => e)) as Error;
  assert.equal(e1.name, "ValidationException");
  const e2 = (await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: worker, MaximumEventAgeInSeconds: 10 })).catch((e: unknown) => e)) as Error;
  assert.equal(e2.name, "ValidationException");
  const e3 = (await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: worker, DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:000000000000:q" } } })).catch((e: unknown) => e)) as Error;
  assert.equal(e3.name, "InvalidParameterValueException");
});
