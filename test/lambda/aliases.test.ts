/**
 * Aliases and qualifiers (issue 9 item 18): weighted routing really splits invokes (X-Amz-Executed-Version names
 * the version that ran), asynchronous invocation settings per version or alias with qualified ARNs, a qualifier
 * contradicting the ARN, and a function URL whose alias was deleted.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import {
  CreateAliasCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteAliasCommand, DeleteFunctionEventInvokeConfigCommand, GetFunctionEventInvokeConfigCommand, InvokeCommand, LambdaClient,
  ListFunctionEventInvokeConfigsCommand, PublishVersionCommand, PutFunctionEventInvokeConfigCommand, UpdateAliasCommand, UpdateFunctionConfigurationCommand, UpdateFunctionEventInvokeConfigCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { CreateTableCommand, DynamoDBClient, ScanCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let lambda: LambdaClient;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

const wait = { client: undefined as unknown as LambdaClient, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 };

/** A function answering the version that ran, with versions 1 and 2 published. */
async function twoVersions(): Promise<string> {
  const name = uniqueName("al");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8("exports.handler = async () => process.env.AWS_LAMBDA_FUNCTION_VERSION;") }) } }));
  await waitUntilFunctionActiveV2({ ...wait, client: lambda } as never, { FunctionName: name });
  assert.equal((await lambda.send(new PublishVersionCommand({ FunctionName: name }))).Version, "1");
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "second" }));
  await waitUntilFunctionUpdatedV2({ ...wait, client: lambda } as never, { FunctionName: name });
  assert.equal((await lambda.send(new PublishVersionCommand({ FunctionName: name }))).Version, "2");
  return name;
}

async function executed(name: string, qualifier: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier }));
    assert.equal(Buffer.from(r.Payload!).toString(), JSON.stringify(r.ExecutedVersion), "X-Amz-Executed-Version names the version that ran");
    out.push(r.ExecutedVersion!);
  }
  return out;
}

test("Invoke: an alias's AdditionalVersionWeights sends that share of invokes to the other version", async () => {
  const name = await twoVersions();
  await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1", RoutingConfig: { AdditionalVersionWeights: { "2": 1 } } }));
  assert.deepEqual([...new Set(await executed(name, "live", 4))], ["2"], "weight 1: every invoke runs version 2");
  await lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: "live", RoutingConfig: { AdditionalVersionWeights: { "2": 0 } } }));
  assert.deepEqual([...new Set(await executed(name, "live", 4))], ["1"], "weight 0: every invoke runs version 1");
  await lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: "live", RoutingConfig: { AdditionalVersionWeights: { "2": 0.5 } } }));
  const split = await executed(name, "live", 40);
  assert.ok(split.includes("1") && split.includes("2"), `an even split runs both versions in 40 invokes (chance of failing: 2^-39): ${split.join(",")}`);
});

test("CreateAlias: weighted routing with $LATEST is InvalidParameterValueException", async () => {
  const name = await twoVersions();
  await assert.rejects(lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "bad", FunctionVersion: "$LATEST", RoutingConfig: { AdditionalVersionWeights: { "1": 0.1 } } })), { name: "InvalidParameterValueException", message: "$LATEST is not supported for an alias pointing to more than 1 version" });
});

test("PutFunctionEventInvokeConfig: per version and alias, qualified ARNs, Update/Get/List/Delete; a qualifier contradicting the ARN is refused", async () => {
  const name = await twoVersions();
  await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "2" }));
  const base = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  const latest = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0 }));
  assert.equal(latest.FunctionArn, `${base}:$LATEST`);
  const live = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: "live", MaximumRetryAttempts: 1 }));
  assert.equal(live.FunctionArn, `${base}:live`);
  // The qualifier may come from the ARN instead of the Qualifier parameter.
  const v1 = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: `${base}:1`, MaximumEventAgeInSeconds: 120 }));
  assert.equal(v1.FunctionArn, `${base}:1`);
  assert.equal((await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: `${name}:1` }))).MaximumEventAgeInSeconds, 120);
  const upd = await lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: "live", MaximumRetryAttempts: 2 }));
  assert.deepEqual([upd.FunctionArn, upd.MaximumRetryAttempts], [`${base}:live`, 2]);
  assert.equal((await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name }))).MaximumRetryAttempts, 0, "$LATEST keeps its own settings");
  const list = await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }));
  assert.deepEqual(list.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn).sort(), [`${base}:$LATEST`, `${base}:1`, `${base}:live`].sort());
  await assert.rejects(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: `${base}:1`, Qualifier: "live" })), { name: "InvalidParameterValueException", message: "The derived qualifier from the function name does not match the specified qualifier." });
  await assert.rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: "nope", MaximumRetryAttempts: 0 })), { name: "ResourceNotFoundException", message: "The function doesn't exist." });
  await assert.rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: "live" })), { name: "InvalidParameterValueException", message: "You must specify at least one of error handling or destination setting." });
  await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: "live" }));
  await assert.rejects(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: "live" })), { name: "ResourceNotFoundException", message: `The function ${base}:live doesn't have an EventInvokeConfig` });
});

test("Invoke: an Event invoke of a qualifier that does not exist fails at once", async () => {
  const name = await twoVersions();
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: "missing", InvocationType: "Event" })), { name: "ResourceNotFoundException" });
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: "9", InvocationType: "Event" })), { name: "ResourceNotFoundException" });
});

function get(url: string): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: u.port, path: "/", method: "GET", headers: { host: u.host } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, text, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("Function URL: the URL of a deleted alias answers 403 Forbidden", async () => {
  const name = await twoVersions();
  await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "web", FunctionVersion: "1" }));
  const cfg = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, Qualifier: "web", AuthType: "NONE" }));
  const ok = await get(cfg.FunctionUrl!);
  assert.deepEqual([ok.status, JSON.parse(ok.text)], [200, "1"]);
  await lambda.send(new DeleteAliasCommand({ FunctionName: name, Name: "web" }));
  const gone = await get(cfg.FunctionUrl!);
  assert.equal(gone.status, 403);
  assert.deepEqual(JSON.parse(gone.text), { Message: "Forbidden" });
});

test("Invoke: an Event invoke through an alias runs with the alias's asynchronous settings (its destination gets the record)", async () => {
  const ddb = new DynamoDBClient(server.clientConfig);
  const table = uniqueName("rec");
  await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] }));
  await waitUntilTableExists({ client: ddb, maxWaitTime: 20, minDelay: 0.05 } as never, { TableName: table });
  const sink = uniqueName("sink");
  await lambda.send(new CreateFunctionCommand({ FunctionName: sink, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(`
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
exports.handler = async (r) => { await db.send(new PutItemCommand({ TableName: "${table}", Item: { id: { S: r.requestContext.functionArn }, version: { S: r.responseContext.executedVersion } } })); };`) }) } }));
  await waitUntilFunctionActiveV2({ ...wait, client: lambda } as never, { FunctionName: sink });
  const name = await twoVersions();
  await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "2" }));
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: "live", DestinationConfig: { OnSuccess: { Destination: `arn:aws:lambda:us-east-1:000000000000:function:${sink}` } } }));
  await lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: "live", InvocationType: "Event" }));
  let items: Array<Record<string, { S?: string }>> = [];
  for (let i = 0; i < 200 && !items.length; i++) {
    items = ((await ddb.send(new ScanCommand({ TableName: table }))).Items ?? []) as typeof items;
    if (!items.length) await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(items.map((x) => [x.id!.S, x.version!.S]), [[`arn:aws:lambda:us-east-1:000000000000:function:${name}:live`, "2"]]);
});
