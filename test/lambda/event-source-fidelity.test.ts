/**
 * Event source mappings as AWS answers them (issue 9 item 18): EventSourceMappingArn, filter criteria
 * evaluated as documented (exists: false, numeric ranges on DynamoDB numbers), invalid patterns refused, and
 * ApproximateCreationDateTime delivered as a floating-point number of seconds (a python handler sees a float).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateEventSourceMappingCommand, CreateFunctionCommand, GetEventSourceMappingCommand, LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
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

async function table(name: string, stream = true): Promise<string> {
  const t = await ddb.send(new CreateTableCommand({
    TableName: name, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    StreamSpecification: stream ? { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } : undefined,
  }));
  await waitUntilTableExists({ client: ddb, maxWaitTime: 20, minDelay: 0.05 } as never, { TableName: name });
  return t.TableDescription!.LatestStreamArn!;
}

// Copies each record's key and the Python type of ApproximateCreationDateTime into the sink table.
const RECORDER = (sink: string) => `
import boto3
db = boto3.client("dynamodb")
def handler(event, context):
    for r in event["Records"]:
        t = type(r["dynamodb"]["ApproximateCreationDateTime"]).__name__
        db.put_item(TableName="${sink}", Item={"id": {"S": r["dynamodb"]["Keys"]["id"]["S"]}, "type": {"S": t}})
    return "ok"
`;

test("CreateEventSourceMapping: EventSourceMappingArn; exists: false and a numeric range filter as documented; ApproximateCreationDateTime is a float", async () => {
  const src = uniqueName("src");
  const sink = uniqueName("sink");
  const streamArn = await table(src);
  await table(sink, false);
  const fnName = uniqueName("rec");
  await lambda.send(new CreateFunctionCommand({ FunctionName: fnName, Runtime: "python3.12", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.py": strToU8(RECORDER(sink)) }) }, Timeout: 30 }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: fnName });
  const pattern = { dynamodb: { NewImage: { gone: { S: [{ exists: false }] }, n: { N: [{ numeric: [">", 0, "<=", 5] }] } } } };
  const m = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: fnName, EventSourceArn: streamArn, StartingPosition: "TRIM_HORIZON", BatchSize: 10, FilterCriteria: { Filters: [{ Pattern: JSON.stringify(pattern) }] } }));
  assert.equal(m.EventSourceMappingArn, `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${m.UUID}`);
  assert.equal((await lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).EventSourceMappingArn, m.EventSourceMappingArn);
  const listed = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fnName }));
  assert.deepEqual(listed.EventSourceMappings?.map((x) => x.EventSourceMappingArn), [m.EventSourceMappingArn]);

  const items: Array<[string, Record<string, { S?: string; N?: string }>]> = [
    ["in-range", { n: { N: "3" } }],
    ["too-big", { n: { N: "7" } }],
    ["has-gone", { n: { N: "2" }, gone: { S: "x" } }],
    ["zero", { n: { N: "0" } }],
    ["upper-bound", { n: { N: "5" } }],
  ];
  for (const [id, attrs] of items) await ddb.send(new PutItemCommand({ TableName: src, Item: { id: { S: id }, ...attrs } }));
  // Records of one shard are handled in order: once the last one is in, every earlier one was decided.
  let got: Array<Record<string, { S?: string }>> = [];
  for (let i = 0; i < 400 && !got.some((x) => x.id?.S === "upper-bound"); i++) {
    got = ((await ddb.send(new ScanCommand({ TableName: sink }))).Items ?? []) as typeof got;
    if (!got.some((x) => x.id?.S === "upper-bound")) await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(got.map((x) => x.id!.S).sort(), ["in-range", "upper-bound"]);
  assert.deepEqual([...new Set(got.map((x) => x.type!.S))], ["float"]);
});

test("UpdateEventSourceMapping: an invalid filter pattern is refused on create and update; updates answer Updating/Disabling/Enabling", async () => {
  const src = uniqueName("src");
  const streamArn = await table(src);
  const fnName = uniqueName("noop");
  await lambda.send(new CreateFunctionCommand({ FunctionName: fnName, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8("exports.handler = async () => 1;") }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: fnName });
  const bad = { Filters: [{ Pattern: '{"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", "zero"]}]}}}}' }] };
  await assert.rejects(lambda.send(new CreateEventSourceMappingCommand({ FunctionName: fnName, EventSourceArn: streamArn, StartingPosition: "LATEST", FilterCriteria: bad })), { name: "InvalidParameterValueException", message: /^Invalid filter pattern definition\./ });
  const m = await lambda.send(new CreateEventSourceMappingCommand({ FunctionName: fnName, EventSourceArn: streamArn, StartingPosition: "LATEST" }));
  await assert.rejects(lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, FilterCriteria: bad })), { name: "InvalidParameterValueException" });
  // Updates answer the transition under way; Get then shows where it ends.
  assert.equal((await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, BatchSize: 5 }))).State, "Updating");
  assert.equal((await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: false }))).State, "Disabling");
  assert.equal((await lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State, "Disabled");
  assert.equal((await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: true }))).State, "Enabling");
});
