/** Subscription filters to Lambda: Put/Describe/Delete and delivery of gzip+base64 `awslogs.data` as AWS sends it. */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import {
  DeleteLogGroupCommand,
  DeleteSubscriptionFilterCommand,
  DescribeSubscriptionFiltersCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CreateTableCommand, DynamoDBClient, ScanCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createGroup, logsClient, rejects } from "./helpers.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let logs: CloudWatchLogsClient;
let lambda: LambdaClient;
let ddb: DynamoDBClient;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  logs = logsClient(server);
  lambda = new LambdaClient(server.clientConfig);
  ddb = new DynamoDBClient(server.clientConfig);
});
after(() => server.stop());

/** A function that stores each event it receives (raw) in a table. */
async function sink(table: string): Promise<string> {
  const name = uniqueName("sub");
  const source = `
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
exports.handler = async (e) => { await db.send(new PutItemCommand({ TableName: "${table}", Item: { id: { S: String(Date.now()) + Math.random() }, event: { S: JSON.stringify(e) } } })); };`;
  const out = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return out.FunctionArn!;
}

async function table(): Promise<string> {
  const name = uniqueName("subs");
  await ddb.send(new CreateTableCommand({ TableName: name, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] }));
  await waitUntilTableExists({ client: ddb, maxWaitTime: 20, minDelay: 0.05 } as never, { TableName: name });
  return name;
}

test("PutSubscriptionFilter: matching events reach a Lambda function as gzip+base64 awslogs.data", async () => {
  const t = await table();
  const fn = await sink(t);
  const g = await createGroup(logs, ["app-stream"]);
  await logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "errors", filterPattern: "ERROR", destinationArn: fn }));
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "app-stream", logEvents: [{ timestamp: now - 2, message: "ERROR one" }, { timestamp: now - 1, message: "INFO skip" }, { timestamp: now, message: "ERROR two" }] }));

  let items: Array<Record<string, { S?: string }>> = [];
  for (let i = 0; i < 300 && !items.length; i++) {
    items = ((await ddb.send(new ScanCommand({ TableName: t }))).Items ?? []) as typeof items;
    if (!items.length) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(items.length, 1, "one invocation for the batch");
  const event = JSON.parse(items[0]!.event!.S!) as { awslogs: { data: string } };
  const data = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, "base64")).toString("utf8"));
  assert.equal(data.messageType, "DATA_MESSAGE");
  assert.equal(data.owner, "000000000000");
  assert.equal(data.logGroup, g);
  assert.equal(data.logStream, "app-stream");
  assert.deepEqual(data.subscriptionFilters, ["errors"]);
  assert.deepEqual(data.logEvents.map((e: { message: string }) => e.message), ["ERROR one", "ERROR two"]);
  assert.equal(data.logEvents[0].timestamp, now - 2);
  assert.match(data.logEvents[0].id, /^\d{56}$/);
});

test("DescribeSubscriptionFilters: lists what was put; DeleteSubscriptionFilter removes it", async () => {
  const fn = await sink(await table());
  const g = await createGroup(logs);
  await logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "a", filterPattern: "", destinationArn: fn }));
  await logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "b", filterPattern: "{ $.level = \"ERROR\" }", destinationArn: fn, distribution: "Random" }));
  const d = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: g }));
  assert.deepEqual(
    d.subscriptionFilters!.map(({ creationTime, ...f }) => (assert.ok(creationTime! > 0), f)),
    [
      { filterName: "a", logGroupName: g, filterPattern: "", destinationArn: fn, distribution: "ByLogStream" },
      { filterName: "b", logGroupName: g, filterPattern: '{ $.level = "ERROR" }', destinationArn: fn, distribution: "Random" },
    ],
  );
  // AWS: two subscription filters per log group.
  await rejects(logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "c", filterPattern: "", destinationArn: fn })), "LimitExceededException", "Resource limit exceeded.");
  await logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: g, filterName: "a" }));
  assert.deepEqual((await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: g }))).subscriptionFilters!.map((f) => f.filterName), ["b"]);
  await rejects(logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: g, filterName: "a" })), "ResourceNotFoundException", "The specified subscription filter does not exist.");
  await logs.send(new DeleteLogGroupCommand({ logGroupName: g }));
});

test("PutSubscriptionFilter: a missing function, group or bad pattern is refused", async () => {
  const g = await createGroup(logs);
  const missing = `arn:aws:lambda:us-east-1:000000000000:function:${uniqueName("nope")}`;
  await rejects(
    logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "x", filterPattern: "", destinationArn: missing })),
    "InvalidParameterException",
    "Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.",
  );
  await rejects(logs.send(new PutSubscriptionFilterCommand({ logGroupName: `/nope/${uniqueName("g")}`, filterName: "x", filterPattern: "", destinationArn: missing })), "ResourceNotFoundException", "The specified log group does not exist.");
  await rejects(logs.send(new PutSubscriptionFilterCommand({ logGroupName: g, filterName: "x", filterPattern: "%a(b)%", destinationArn: missing })), "InvalidParameterException", "Invalid filter pattern");
});
