import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateBackupCommand,
  DeleteBackupCommand,
  DeleteTableCommand,
  DescribeBackupCommand,
  ListBackupsCommand,
  PutItemCommand,
  QueryCommand,
  RestoreTableFromBackupCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
before(async () => {
  server = await startServer();
  ddb = clients(server).ddb;
});
after(() => server.stop());

test("CreateBackup: a snapshot restores into a new table with its items and indexes, after the source is gone", async () => {
  const name = await createTable(ddb, {
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "g", AttributeType: "S" },
    ],
    GlobalSecondaryIndexes: [{ IndexName: "byG", KeySchema: [{ AttributeName: "g", KeyType: "HASH" }], Projection: { ProjectionType: "ALL" } }],
  });
  for (let i = 0; i < 5; i++) await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: `k${i}` }, g: { S: i % 2 ? "odd" : "even" } } }));
  const b = await ddb.send(new CreateBackupCommand({ TableName: name, BackupName: "nightly" }));
  const backupArn = b.BackupDetails!.BackupArn!;
  assert.equal(b.BackupDetails!.BackupStatus, "AVAILABLE");
  assert.ok(backupArn.startsWith(`arn:aws:dynamodb:us-east-1:000000000000:table/${name}/backup/`));
  // Writes after the backup are not in it.
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "late" }, g: { S: "even" } } }));
  await ddb.send(new DeleteTableCommand({ TableName: name }));

  const d = await ddb.send(new DescribeBackupCommand({ BackupArn: backupArn }));
  assert.equal(d.BackupDescription!.SourceTableDetails!.ItemCount, 5);
  assert.equal(d.BackupDescription!.SourceTableFeatureDetails!.GlobalSecondaryIndexes![0]!.IndexName, "byG");
  const l = await ddb.send(new ListBackupsCommand({ TableName: name }));
  assert.deepEqual(l.BackupSummaries!.map((s) => s.BackupName), ["nightly"]);

  const target = uniqueName("restored");
  await ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: target, BackupArn: backupArn }));
  assert.equal((await ddb.send(new ScanCommand({ TableName: target }))).Count, 5);
  const q = await ddb.send(new QueryCommand({ TableName: target, IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: { ":g": { S: "even" } } }));
  assert.equal(q.Count, 3);
  await rejects(ddb.send(new RestoreTableFromBackupCommand({ TargetTableName: target, BackupArn: backupArn })), "TableAlreadyExistsException", `Table already exists: ${target}`);

  const del = await ddb.send(new DeleteBackupCommand({ BackupArn: backupArn }));
  assert.equal(del.BackupDescription!.BackupDetails!.BackupStatus, "DELETED");
  await rejects(ddb.send(new DescribeBackupCommand({ BackupArn: backupArn })), "BackupNotFoundException");
  await rejects(ddb.send(new CreateBackupCommand({ TableName: uniqueName("none"), BackupName: "x1x" })), "TableNotFoundException");
});
