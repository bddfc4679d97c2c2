/** Time-driven behaviour with a ManualClock: TTL, stream retention, iterator expiry, idempotency window. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DeleteItemCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  RestoreTableToPointInTimeCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-dynamodb-streams";
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { ManualClock } from "../../src/core/clock.js";
import type { DynamoDbProvider } from "../../src/services/dynamodb/provider.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

const clock = new ManualClock(Date.UTC(2026, 0, 1));
let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let doc: ReturnType<typeof clients>["doc"];
let streams: DynamoDBStreamsClient;
before(async () => {
  server = await startServer({}, { clock });
  ({ ddb, doc } = clients(server));
  streams = new DynamoDBStreamsClient(server.clientConfig);
});
after(() => server.stop());

const provider = async () => (await server.skyport.services.get("dynamodb")) as DynamoDbProvider;

test("UpdateTimeToLive: items expire by the server's clock, not the wall clock", async () => {
  const name = await createTable(ddb);
  await ddb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: "exp" } }));
  const nowS = clock.now() / 1000;
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "soon" }, exp: { N: String(nowS + 60) } } }));
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "ancient" }, exp: { N: String(nowS - 6 * 365 * 86400) } } }));
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "text" }, exp: { S: "not a number" } } }));
  assert.equal((await provider()).sweepExpired(), 0);
  clock.advance(61_000);
  assert.equal((await provider()).sweepExpired(), 1);
  assert.equal((await ddb.send(new GetItemCommand({ TableName: name, Key: { pk: { S: "soon" } } }))).Item, undefined);
  // More than five years in the past: AWS leaves such items alone.
  assert.ok((await ddb.send(new GetItemCommand({ TableName: name, Key: { pk: { S: "ancient" } } }))).Item);
  assert.ok((await ddb.send(new GetItemCommand({ TableName: name, Key: { pk: { S: "text" } } }))).Item);
});

test("GetRecords: records older than 24 hours are trimmed; iterators expire after 15 minutes", async () => {
  const name = await createTable(ddb, { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" } });
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!.LatestStreamArn!;
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "old" } } }));
  const shard = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!.Shards![0]!.ShardId!;
  const it = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator!;
  clock.advance(16 * 60 * 1000);
  await rejects(streams.send(new GetRecordsCommand({ ShardIterator: it })), "ExpiredIteratorException");
  clock.advance(24 * 3600 * 1000);
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "new" } } }));
  const fresh = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator!;
  const r = await streams.send(new GetRecordsCommand({ ShardIterator: fresh }));
  assert.deepEqual(r.Records!.map((x) => x.dynamodb!.Keys!.pk!.S), ["new"]);
});

test("TransactWriteItems: a ClientRequestToken is forgotten after 10 minutes", async () => {
  const name = await createTable(ddb);
  const token = uniqueName("tok").slice(0, 36);
  const items = [{ Update: { TableName: name, Key: { pk: "c" }, UpdateExpression: "ADD n :one", ExpressionAttributeValues: { ":one": 1 } } }];
  await doc.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
  clock.advance(9 * 60 * 1000);
  await doc.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
  assert.equal((await doc.send(new GetCommand({ TableName: name, Key: { pk: "c" } }))).Item!.n, 1);
  clock.advance(2 * 60 * 1000);
  await doc.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
  assert.equal((await doc.send(new GetCommand({ TableName: name, Key: { pk: "c" } }))).Item!.n, 2);
});

test("RestoreTableToPointInTime: the restored table is the source as it was at that time", async () => {
  const name = await createTable(ddb, {
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "g", AttributeType: "S" },
    ],
    GlobalSecondaryIndexes: [{ IndexName: "byG", KeySchema: [{ AttributeName: "g", KeyType: "HASH" }], Projection: { ProjectionType: "ALL" } }],
  });
  await rejects(ddb.send(new RestoreTableToPointInTimeCommand({ SourceTableName: name, TargetTableName: uniqueName("r"), UseLatestRestorableTime: true })), "PointInTimeRecoveryUnavailableException");
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "before" }, g: { S: "x" }, v: { N: "1" } } }));
  const on = await ddb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  assert.equal(on.ContinuousBackupsDescription!.PointInTimeRecoveryDescription!.PointInTimeRecoveryStatus, "ENABLED");
  clock.advance(60_000);
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "kept" }, g: { S: "x" } } }));
  clock.advance(60_000);
  const restoreAt = new Date(clock.now());
  clock.advance(60_000);
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "before" }, g: { S: "y" }, v: { N: "2" } } }));
  await ddb.send(new DeleteItemCommand({ TableName: name, Key: { pk: { S: "kept" } } }));
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "later" }, g: { S: "x" } } }));
  const d = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: name }));
  assert.ok(d.ContinuousBackupsDescription!.PointInTimeRecoveryDescription!.EarliestRestorableDateTime! <= restoreAt);

  const target = uniqueName("pitr");
  await ddb.send(new RestoreTableToPointInTimeCommand({ SourceTableName: name, TargetTableName: target, RestoreDateTime: restoreAt }));
  const items = (await ddb.send(new ScanCommand({ TableName: target }))).Items!;
  assert.deepEqual(items.map((i) => `${i.pk!.S}:${i.g!.S}:${i.v?.N ?? ""}`).sort(), ["before:x:1", "kept:x:"]);
  const viaIndex = await ddb.send(new ScanCommand({ TableName: target, IndexName: "byG" }));
  assert.equal(viaIndex.Count, 2);
  await rejects(
    ddb.send(new RestoreTableToPointInTimeCommand({ SourceTableName: name, TargetTableName: uniqueName("r"), RestoreDateTime: new Date(clock.now() - 3600_000) })),
    "InvalidRestoreTimeException",
  );
  assert.ok((await ddb.send(new GetItemCommand({ TableName: name, Key: { pk: { S: "later" } } }))).Item, "the source is untouched");
});
