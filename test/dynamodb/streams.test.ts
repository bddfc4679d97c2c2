import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, UpdateTimeToLiveCommand, DescribeTableCommand, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand } from "@aws-sdk/client-dynamodb-streams";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";
import type { DynamoDbProvider } from "../../src/services/dynamodb/provider.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let streams: DynamoDBStreamsClient;
before(async () => {
  server = await startServer();
  ddb = clients(server).ddb;
  streams = new DynamoDBStreamsClient(server.clientConfig);
});
after(() => server.stop());

async function iterator(arn: string, type: "TRIM_HORIZON" | "LATEST" | "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", seq?: string) {
  const d = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  const shard = d.StreamDescription!.Shards![0]!.ShardId!;
  return (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: type, SequenceNumber: seq }))).ShardIterator!;
}

test("GetRecords: INSERT, MODIFY and REMOVE with NEW_AND_OLD_IMAGES, in order", async () => {
  const name = await createTable(ddb, { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } });
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!.LatestStreamArn!;
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "a" }, v: { N: "1" } } }));
  // A write that changes nothing records nothing.
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "a" }, v: { N: "1" } } }));
  await ddb.send(new UpdateItemCommand({ TableName: name, Key: { pk: { S: "a" } }, UpdateExpression: "SET v = :v", ExpressionAttributeValues: { ":v": { N: "2" } } }));
  await ddb.send(new DeleteItemCommand({ TableName: name, Key: { pk: { S: "a" } } }));
  const r = await streams.send(new GetRecordsCommand({ ShardIterator: await iterator(arn, "TRIM_HORIZON") }));
  assert.deepEqual(r.Records!.map((x) => x.eventName), ["INSERT", "MODIFY", "REMOVE"]);
  const [ins, mod, rem] = r.Records!;
  assert.equal(ins!.eventSource, "aws:dynamodb");
  assert.deepEqual(ins!.dynamodb!.Keys, { pk: { S: "a" } });
  assert.deepEqual(ins!.dynamodb!.NewImage, { pk: { S: "a" }, v: { N: "1" } });
  assert.equal(ins!.dynamodb!.OldImage, undefined);
  assert.deepEqual(mod!.dynamodb!.OldImage, { pk: { S: "a" }, v: { N: "1" } });
  assert.deepEqual(mod!.dynamodb!.NewImage, { pk: { S: "a" }, v: { N: "2" } });
  assert.deepEqual(rem!.dynamodb!.OldImage, { pk: { S: "a" }, v: { N: "2" } });
  assert.ok(BigInt(ins!.dynamodb!.SequenceNumber!) < BigInt(mod!.dynamodb!.SequenceNumber!));
  assert.ok(r.NextShardIterator);
  const after = await streams.send(new GetRecordsCommand({ ShardIterator: await iterator(arn, "AFTER_SEQUENCE_NUMBER", ins!.dynamodb!.SequenceNumber) }));
  assert.deepEqual(after.Records!.map((x) => x.eventName), ["MODIFY", "REMOVE"]);
  const at = await streams.send(new GetRecordsCommand({ ShardIterator: await iterator(arn, "AT_SEQUENCE_NUMBER", mod!.dynamodb!.SequenceNumber), Limit: 1 }));
  assert.deepEqual(at.Records!.map((x) => x.eventName), ["MODIFY"]);
  const more = await streams.send(new GetRecordsCommand({ ShardIterator: at.NextShardIterator! }));
  assert.deepEqual(more.Records!.map((x) => x.eventName), ["REMOVE"]);
});

test("GetShardIterator: LATEST sees only later changes; KEYS_ONLY carries no images", async () => {
  const name = await createTable(ddb, { StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" } });
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!.LatestStreamArn!;
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "before" } } }));
  const it = await iterator(arn, "LATEST");
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "after" } } }));
  const r = await streams.send(new GetRecordsCommand({ ShardIterator: it }));
  assert.equal(r.Records!.length, 1);
  assert.deepEqual(r.Records![0]!.dynamodb!.Keys, { pk: { S: "after" } });
  assert.equal(r.Records![0]!.dynamodb!.NewImage, undefined);
  assert.equal(r.Records![0]!.dynamodb!.StreamViewType, "KEYS_ONLY");
});

test("ListStreams: lists a table's streams; DescribeStream shows status and key schema", async () => {
  const name = await createTable(ddb, { sk: "N", StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" } });
  const l = await streams.send(new ListStreamsCommand({ TableName: name }));
  assert.equal(l.Streams!.length, 1);
  const d = await streams.send(new DescribeStreamCommand({ StreamArn: l.Streams![0]!.StreamArn! }));
  assert.equal(d.StreamDescription!.StreamStatus, "ENABLED");
  assert.equal(d.StreamDescription!.TableName, name);
  assert.deepEqual(d.StreamDescription!.KeySchema, [
    { AttributeName: "pk", KeyType: "HASH" },
    { AttributeName: "sk", KeyType: "RANGE" },
  ]);
  await ddb.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: false } }));
  const d2 = await streams.send(new DescribeStreamCommand({ StreamArn: l.Streams![0]!.StreamArn! }));
  assert.equal(d2.StreamDescription!.StreamStatus, "DISABLED");
  await rejects(streams.send(new DescribeStreamCommand({ StreamArn: `${l.Streams![0]!.StreamArn!}x` })), "ResourceNotFoundException");
  await rejects(streams.send(new GetRecordsCommand({ ShardIterator: "garbage" })), "ValidationException");
  await rejects(streams.send(new ListStreamsCommand({ TableName: `${name}-none` })), "ResourceNotFoundException");
  const plain = await createTable(ddb);
  assert.deepEqual((await streams.send(new ListStreamsCommand({ TableName: plain }))).Streams, []);
});

test("UpdateTimeToLive: TTL deletes appear in the stream as the service's deletes", async () => {
  const name = await createTable(ddb, { StreamSpecification: { StreamEnabled: true, StreamViewType: "OLD_IMAGE" } });
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!.LatestStreamArn!;
  await ddb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" } }));
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "exp" }, ttl: { N: String(Math.floor(Date.now() / 1000) - 10) } } }));
  const provider = (await server.skyport.services.get("dynamodb")) as DynamoDbProvider;
  assert.equal(provider.sweepExpired(), 1);
  const r = await streams.send(new GetRecordsCommand({ ShardIterator: await iterator(arn, "TRIM_HORIZON") }));
  const rem = r.Records!.find((x) => x.eventName === "REMOVE")!;
  assert.deepEqual(rem.userIdentity, { Type: "Service", PrincipalId: "dynamodb.amazonaws.com" });
  assert.equal(rem.dynamodb!.OldImage!.pk!.S, "exp");
});

test("DescribeStream: a malformed stream ARN is a ValidationException", async () => {
  await rejects(streams.send(new DescribeStreamCommand({ StreamArn: "fake-stream" })), "ValidationException", "Invalid StreamArn");
  await rejects(
    streams.send(new GetShardIteratorCommand({ StreamArn: "arn:aws:dynamodb:us-east-1:000000000000:table/abc", ShardId: "shardId-1", ShardIteratorType: "LATEST" })),
    "ValidationException",
    "Invalid StreamArn",
  );
  await rejects(
    streams.send(new DescribeStreamCommand({ StreamArn: "arn:aws:dynamodb:us-east-1:000000000000:table/abc/stream/2026-01-01T00:00:00.000" })),
    "ResourceNotFoundException",
  );
});

test("DescribeStream: ShardFilter CHILD_SHARDS lists the children of a shard (none: a stream keeps one shard)", async () => {
  const name = await createTable(ddb, { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" } });
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!.LatestStreamArn!;
  const all = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  const shardId = all.StreamDescription!.Shards![0]!.ShardId!;
  const children = await streams.send(new DescribeStreamCommand({ StreamArn: arn, ShardFilter: { Type: "CHILD_SHARDS", ShardId: shardId } }));
  assert.deepEqual(children.StreamDescription!.Shards, []);
  assert.equal(children.StreamDescription!.StreamArn, arn);
  await rejects(
    streams.send(new DescribeStreamCommand({ StreamArn: arn, ShardFilter: { Type: "PARENT_SHARDS" as never, ShardId: shardId } })),
    "ValidationException",
    "1 validation error detected: Value 'PARENT_SHARDS' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [CHILD_SHARDS]",
  );
});
