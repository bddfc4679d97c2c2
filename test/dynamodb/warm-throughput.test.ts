/**
 * Issue 9 item 10: DescribeTable reports WarmThroughput (table and each GSI) and BillingModeSummary as AWS
 * does; CreateTable/UpdateTable accept WarmThroughput ("Understanding DynamoDB warm throughput": a new
 * table or GSI starts at 12,000 read / 4,000 write units per second; the value only goes up).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CreateTableCommand, DescribeTableCommand, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { clients, createTable } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
before(async () => {
  server = await startServer();
  ({ ddb } = clients(server));
});
after(() => server.stop());

const DEFAULT = { ReadUnitsPerSecond: 12000, WriteUnitsPerSecond: 4000, Status: "ACTIVE" };
const gsi = (name: string, extra: Record<string, unknown> = {}) => ({ IndexName: name, KeySchema: [{ AttributeName: "g", KeyType: "HASH" as const }], Projection: { ProjectionType: "ALL" as const }, ...extra });
const defs = [
  { AttributeName: "pk", AttributeType: "S" as const },
  { AttributeName: "g", AttributeType: "S" as const },
];

test("DescribeTable: an on-demand table and its GSI report the default warm throughput, ACTIVE", async () => {
  const name = await createTable(ddb, { AttributeDefinitions: defs, GlobalSecondaryIndexes: [gsi("byG")] });
  const t = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.deepEqual(t.WarmThroughput, DEFAULT);
  assert.deepEqual(t.GlobalSecondaryIndexes![0]!.WarmThroughput, DEFAULT);
  assert.equal(t.BillingModeSummary!.BillingMode, "PAY_PER_REQUEST");
});

test("DescribeTable: a provisioned table has BillingModeSummary PROVISIONED and the default warm throughput", async () => {
  const name = uniqueName("t");
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    }),
  );
  const t = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.deepEqual(t.BillingModeSummary, { BillingMode: "PROVISIONED" });
  assert.deepEqual(t.WarmThroughput, DEFAULT);
  // Provisioned throughput above the warm value raises it (a new peak).
  await ddb.send(new UpdateTableCommand({ TableName: name, ProvisionedThroughput: { ReadCapacityUnits: 30000, WriteCapacityUnits: 5 } }));
  const u = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.deepEqual(u.WarmThroughput, { ...DEFAULT, ReadUnitsPerSecond: 30000 });
});

test("CreateTable: WarmThroughput for the table and a GSI is kept and reported", async () => {
  const name = await createTable(ddb, {
    AttributeDefinitions: defs,
    WarmThroughput: { ReadUnitsPerSecond: 15000, WriteUnitsPerSecond: 20000 },
    GlobalSecondaryIndexes: [gsi("byG", { WarmThroughput: { ReadUnitsPerSecond: 13000 } })],
  });
  const t = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.deepEqual(t.WarmThroughput, { ReadUnitsPerSecond: 15000, WriteUnitsPerSecond: 20000, Status: "ACTIVE" });
  assert.deepEqual(t.GlobalSecondaryIndexes![0]!.WarmThroughput, { ReadUnitsPerSecond: 13000, WriteUnitsPerSecond: 4000, Status: "ACTIVE" });
});

test("UpdateTable: WarmThroughput alone is an update; it only goes up; a GSI's can be raised too", async () => {
  const name = await createTable(ddb, { AttributeDefinitions: defs, GlobalSecondaryIndexes: [gsi("byG")] });
  const r = await ddb.send(new UpdateTableCommand({ TableName: name, WarmThroughput: { ReadUnitsPerSecond: 50000 } }));
  assert.deepEqual(r.TableDescription!.WarmThroughput, { ReadUnitsPerSecond: 50000, WriteUnitsPerSecond: 4000, Status: "UPDATING" });
  await ddb.send(new UpdateTableCommand({ TableName: name, WarmThroughput: { ReadUnitsPerSecond: 20000, WriteUnitsPerSecond: 8000 } }));
  await ddb.send(new UpdateTableCommand({ TableName: name, GlobalSecondaryIndexUpdates: [{ Update: { IndexName: "byG", WarmThroughput: { WriteUnitsPerSecond: 9000 } } }] }));
  const t = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
  assert.deepEqual(t.WarmThroughput, { ReadUnitsPerSecond: 50000, WriteUnitsPerSecond: 8000, Status: "ACTIVE" });
  assert.deepEqual(t.GlobalSecondaryIndexes![0]!.WarmThroughput, { ReadUnitsPerSecond: 12000, WriteUnitsPerSecond: 9000, Status: "ACTIVE" });
});
