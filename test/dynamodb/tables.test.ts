import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateTableCommand,
  DeleteResourcePolicyCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeContributorInsightsCommand,
  DescribeKinesisStreamingDestinationCommand,
  DescribeEndpointsCommand,
  DescribeLimitsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  GetResourcePolicyCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  PutResourcePolicyCommand,
  QueryCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";
import type { DynamoDbProvider } from "../../src/services/dynamodb/provider.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
before(async () => {
  server = await startServer();
  ddb = clients(server).ddb;
});
after(() => server.stop());

test("CreateTable: describes the new table with ARN, id, key schema, indexes and stream", async () => {
  const name = uniqueName("t");
  const r = await ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" },
        { AttributeName: "g", AttributeType: "S" },
        { AttributeName: "l", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      GlobalSecondaryIndexes: [{ IndexName: "byG", KeySchema: [{ AttributeName: "g", KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY" } }],
      LocalSecondaryIndexes: [
        {
          IndexName: "byL",
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "l", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["x"] },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      Tags: [{ Key: "env", Value: "test" }],
    }),
  );
  const t = r.TableDescription!;
  assert.equal(t.TableStatus, "CREATING");
  assert.equal(t.TableArn, `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`);
  assert.match(t.TableId!, /^[0-9a-f-]{36}$/);
  assert.equal(t.BillingModeSummary?.BillingMode, "PAY_PER_REQUEST");
  assert.equal(t.LatestStreamArn, `${t.TableArn}/stream/${t.LatestStreamLabel}`);
  const d = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.equal(d.TableStatus, "ACTIVE");
  assert.equal(d.ItemCount, 0);
  assert.equal(d.GlobalSecondaryIndexes![0]!.IndexStatus, "ACTIVE");
  assert.equal(d.GlobalSecondaryIndexes![0]!.IndexArn, `${t.TableArn}/index/byG`);
  assert.deepEqual(d.LocalSecondaryIndexes![0]!.Projection, { ProjectionType: "INCLUDE", NonKeyAttributes: ["x"] });
  assert.deepEqual(d.StreamSpecification, { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
  assert.ok(d.CreationDateTime instanceof Date);
});

test("CreateTable: an existing table is ResourceInUseException", async () => {
  const name = await createTable(ddb);
  await rejects(createTable(ddb, { TableName: name }), "ResourceInUseException", `Table already exists: ${name}`);
});

test("CreateTable: key attributes must be defined", async () => {
  await rejects(
    ddb.send(
      new CreateTableCommand({
        TableName: uniqueName("t"),
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "x", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    ),
    "ValidationException",
    "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [x], AttributeDefinitions: [pk]",
  );
});

test("CreateTable: validation errors of key schema, billing and indexes", async () => {
  const base = { TableName: uniqueName("t"), AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" as const }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" as const }] };
  await rejects(ddb.send(new CreateTableCommand(base)), "ValidationException", "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  await rejects(
    ddb.send(new CreateTableCommand({ ...base, BillingMode: "PAY_PER_REQUEST", ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } })),
    "ValidationException",
    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
  );
  await rejects(
    ddb.send(new CreateTableCommand({ ...base, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [...base.AttributeDefinitions, { AttributeName: "x", AttributeType: "S" }] })),
    "ValidationException",
    "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
  );
  await rejects(
    ddb.send(new CreateTableCommand({ ...base, TableName: "a b", BillingMode: "PAY_PER_REQUEST" })),
    "ValidationException",
    "1 validation error detected: Value 'a b' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
  );
  await rejects(
    ddb.send(
      new CreateTableCommand({
        ...base,
        BillingMode: "PAY_PER_REQUEST",
        LocalSecondaryIndexes: [{ IndexName: "lsi", KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], Projection: { ProjectionType: "ALL" } }],
      }),
    ),
    "ValidationException",
    "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
  );
  await rejects(
    ddb.send(
      new CreateTableCommand({
        ...base,
        BillingMode: "PAY_PER_REQUEST",
        GlobalSecondaryIndexes: [{ IndexName: "gsi1", KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY", NonKeyAttributes: ["a"] } }],
      }),
    ),
    "ValidationException",
    "One or more parameter values were invalid: ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified",
  );
});

test("DescribeTable: a missing table is ResourceNotFoundException", async () => {
  await rejects(ddb.send(new DescribeTableCommand({ TableName: "nope-nope" })), "ResourceNotFoundException", "Requested resource not found: Table: nope-nope not found");
});

test("DeleteTable: removes the table and its items; a new table of that name is empty", async () => {
  const name = await createTable(ddb);
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "a" } } }));
  const r = await ddb.send(new DeleteTableCommand({ TableName: name }));
  assert.equal(r.TableDescription!.TableStatus, "DELETING");
  await rejects(ddb.send(new GetItemCommand({ TableName: name, Key: { pk: { S: "a" } } })), "ResourceNotFoundException", "Requested resource not found");
  await createTable(ddb, { TableName: name });
  const s = await ddb.send(new ScanCommand({ TableName: name }));
  assert.equal(s.Count, 0);
  await rejects(ddb.send(new DeleteTableCommand({ TableName: uniqueName("gone") })), "ResourceNotFoundException");
});

test("ListTables: pages with Limit and ExclusiveStartTableName", async () => {
  const names = [await createTable(ddb), await createTable(ddb), await createTable(ddb)];
  const all: string[] = [];
  let start: string | undefined;
  do {
    const r = await ddb.send(new ListTablesCommand({ Limit: 2, ExclusiveStartTableName: start }));
    assert.ok(r.TableNames!.length <= 2);
    all.push(...r.TableNames!);
    start = r.LastEvaluatedTableName;
  } while (start);
  for (const n of names) assert.ok(all.includes(n));
  assert.deepEqual([...all].sort(), all);
});

test("UpdateTable: a new GSI is backfilled and queryable; deleting it removes it", async () => {
  const name = await createTable(ddb);
  for (let i = 0; i < 5; i++) await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: `p${i}` }, colour: { S: i % 2 ? "red" : "blue" } } }));
  const r = await ddb.send(
    new UpdateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: "colour", AttributeType: "S" }],
      GlobalSecondaryIndexUpdates: [{ Create: { IndexName: "byColour", KeySchema: [{ AttributeName: "colour", KeyType: "HASH" }], Projection: { ProjectionType: "ALL" } } }],
    }),
  );
  assert.equal(r.TableDescription!.GlobalSecondaryIndexes![0]!.IndexName, "byColour");
  const q = await ddb.send(new QueryCommand({ TableName: name, IndexName: "byColour", KeyConditionExpression: "colour = :c", ExpressionAttributeValues: { ":c": { S: "blue" } } }));
  assert.equal(q.Count, 3);
  await ddb.send(new UpdateTableCommand({ TableName: name, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: "byColour" } }] }));
  const d = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.equal(d.GlobalSecondaryIndexes, undefined);
  assert.deepEqual(d.AttributeDefinitions, [{ AttributeName: "pk", AttributeType: "S" }]);
});

test("UpdateTable: billing mode and stream changes", async () => {
  const name = await createTable(ddb);
  await ddb.send(new UpdateTableCommand({ TableName: name, BillingMode: "PROVISIONED", ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }));
  let d = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.equal(d.ProvisionedThroughput!.ReadCapacityUnits, 5);
  await ddb.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" } }));
  d = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.equal(d.StreamSpecification!.StreamViewType, "KEYS_ONLY");
  assert.ok(d.LatestStreamArn);
  await rejects(ddb.send(new UpdateTableCommand({ TableName: name })), "ValidationException");
});

test("TagResource: tags are listed, updated and removed", async () => {
  const name = await createTable(ddb);
  const arn = `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
  await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }] }));
  await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "a", Value: "3" }] }));
  await ddb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ["b"] }));
  const r = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
  assert.deepEqual(r.Tags, [{ Key: "a", Value: "3" }]);
  await rejects(ddb.send(new ListTagsOfResourceCommand({ ResourceArn: `${arn}x` })), "ResourceNotFoundException");
});

test("DescribeLimits: AWS's default quotas", async () => {
  const r = await ddb.send(new DescribeLimitsCommand({}));
  assert.equal(r.TableMaxReadCapacityUnits, 40000);
  assert.equal(r.AccountMaxWriteCapacityUnits, 80000);
});

test("UpdateTimeToLive: the sweeper deletes expired items only", async () => {
  const name = await createTable(ddb);
  const now = Math.floor(Date.now() / 1000);
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "old" }, exp: { N: String(now - 60) } } }));
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "new" }, exp: { N: String(now + 3600) } } }));
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "none" } } }));
  const r = await ddb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: "exp" } }));
  assert.deepEqual(r.TimeToLiveSpecification, { Enabled: true, AttributeName: "exp" });
  const d = await ddb.send(new DescribeTimeToLiveCommand({ TableName: name }));
  assert.deepEqual(d.TimeToLiveDescription, { TimeToLiveStatus: "ENABLED", AttributeName: "exp" });
  await rejects(ddb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: "exp" } })), "ValidationException", "TimeToLive is already enabled");
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "old2" }, exp: { N: String(now - 5) } } }));
  const provider = (await server.skyport.services.get("dynamodb")) as DynamoDbProvider;
  assert.equal(provider.sweepExpired(), 2);
  const s = await ddb.send(new ScanCommand({ TableName: name }));
  assert.deepEqual(s.Items!.map((i) => i.pk!.S).sort(), ["new", "none"]);
});

test("DescribeEndpoints: points back at the server", async () => {
  const r = await ddb.send(new DescribeEndpointsCommand({}));
  assert.deepEqual(r.Endpoints, [{ Address: server.endpoint.replace("http://", ""), CachePeriodInMinutes: 1440 }]);
});

test("CreateTable: /_skyport/reset leaves no table, item or stream behind", async () => {
  const other = await startServer();
  try {
    const c = clients(other).ddb;
    const name = await createTable(c, { StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" } });
    await c.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "a" } } }));
    const res = await fetch(`${other.endpoint}/_skyport/reset`, { method: "POST" });
    assert.equal(res.status, 200);
    assert.deepEqual((await c.send(new ListTablesCommand({}))).TableNames, []);
    await createTable(c, { TableName: name });
    assert.equal((await c.send(new ScanCommand({ TableName: name }))).Count, 0);
    const db = other.skyport.store.db;
    const left = db.prepare("SELECT (SELECT count(*) FROM dynamodb_items) + (SELECT count(*) FROM dynamodb_stream_records) + (SELECT count(*) FROM dynamodb_streams) AS n").get() as { n: number };
    assert.equal(left.n, 0);
  } finally {
    await other.stop();
  }
});

test("DescribeContinuousBackups: point-in-time recovery is reported disabled", async () => {
  const name = await createTable(ddb);
  const r = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: name }));
  assert.deepEqual(r.ContinuousBackupsDescription, { ContinuousBackupsStatus: "ENABLED", PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "DISABLED" } });
  await rejects(ddb.send(new DescribeContinuousBackupsCommand({ TableName: uniqueName("none") })), "TableNotFoundException");
});

test("PutResourcePolicy: a table's policy is stored, read back and deleted", async () => {
  const name = await createTable(ddb);
  const arn = `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
  await rejects(ddb.send(new GetResourcePolicyCommand({ ResourceArn: arn })), "PolicyNotFoundException");
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "dynamodb:GetItem", Resource: arn }] });
  const put = await ddb.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: policy }));
  const got = await ddb.send(new GetResourcePolicyCommand({ ResourceArn: arn }));
  assert.equal(got.Policy, policy);
  assert.equal(got.RevisionId, put.RevisionId);
  await ddb.send(new DeleteResourcePolicyCommand({ ResourceArn: arn }));
  await rejects(ddb.send(new GetResourcePolicyCommand({ ResourceArn: arn })), "PolicyNotFoundException");
});

test("DescribeKinesisStreamingDestination: a table has no destinations; Contributor Insights is disabled", async () => {
  const name = await createTable(ddb);
  const k = await ddb.send(new DescribeKinesisStreamingDestinationCommand({ TableName: name }));
  assert.deepEqual(k.KinesisDataStreamDestinations, []);
  const c = await ddb.send(new DescribeContributorInsightsCommand({ TableName: name }));
  assert.equal(c.ContributorInsightsStatus, "DISABLED");
  await rejects(ddb.send(new DescribeKinesisStreamingDestinationCommand({ TableName: uniqueName("none") })), "ResourceNotFoundException");
});
