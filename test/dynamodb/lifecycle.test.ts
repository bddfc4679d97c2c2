/**
 * Issue 9 item 10: a new table is CREATING for a configurable moment (--dynamodb-create-seconds, default
 * 0), then ACTIVE; while CREATING it cannot be used, updated or deleted. Time is a ManualClock.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DeleteTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { ManualClock } from "../../src/core/clock.js";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

const clock = new ManualClock(Date.UTC(2026, 0, 1));
let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
before(async () => {
  server = await startServer({ "dynamodb-create-seconds": "5" }, { clock });
  ({ ddb } = clients(server));
});
after(() => server.stop());

test("CreateTable: the table is CREATING for the configured time, then ACTIVE", async () => {
  const name = await createTable(ddb);
  assert.equal((await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!.TableStatus, "CREATING");
  await rejects(ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "a" } } })), "ResourceNotFoundException", "Requested resource not found");
  await rejects(ddb.send(new DeleteTableCommand({ TableName: name })), "ResourceInUseException", `Attempt to change a resource which is still in use: Table is being created: ${name}`);
  clock.advance(5000);
  assert.equal((await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!.TableStatus, "ACTIVE");
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "a" } } }));
  assert.ok((await ddb.send(new GetItemCommand({ TableName: name, Key: { pk: { S: "a" } } }))).Item);
});
