/**
 * Issue 9 items 10 and 12: answers shaped as AWS's (DeleteTable's short description, no item from an
 * update that changes nothing) and resource policies (idempotent puts, NO_POLICY, messages naming the
 * table; wording from AWS-verified answers).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DeleteResourcePolicyCommand,
  DeleteTableCommand,
  GetItemCommand,
  GetResourcePolicyCommand,
  PutItemCommand,
  PutResourcePolicyCommand,
  ScanCommand,
  TagResourceCommand,
  UpdateItemCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
before(async () => {
  server = await startServer();
  ({ ddb } = clients(server));
});
after(() => server.stop());

const policy = (action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "000000000000" }, Action: [action], Resource: "*" }] });

test("PutResourcePolicy: the same policy twice keeps its revision; NO_POLICY guards a table without one", async () => {
  const name = await createTable(ddb);
  const arn = `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
  const r1 = await ddb.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: policy("dynamodb:*"), ExpectedRevisionId: "NO_POLICY" }));
  const r2 = await ddb.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: policy("dynamodb:*") }));
  assert.equal(r2.RevisionId, r1.RevisionId);
  await rejects(
    ddb.send(new PutResourcePolicyCommand({ ResourceArn: arn, Policy: policy("dynamodb:GetItem"), ExpectedRevisionId: "NO_POLICY" })),
    "PolicyNotFoundException",
    `Resource-based policy not found for the provided ResourceArn: Requested policy update expecting none to be present for table ${name}, but a policy exists with revision id ${r1.RevisionId}.`,
  );
  await rejects(
    ddb.send(new DeleteResourcePolicyCommand({ ResourceArn: arn, ExpectedRevisionId: "unknown" })),
    "PolicyNotFoundException",
    `Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id unknown, but the policy associated to target table ${name} has revision id ${r1.RevisionId}.`,
  );
  await rejects(ddb.send(new GetResourcePolicyCommand({ ResourceArn: `${arn}unknown` })), "ResourceNotFoundException", `Requested resource not found: Table: ${name}unknown not found`);
  await rejects(ddb.send(new PutResourcePolicyCommand({ ResourceArn: `${arn}_`, Policy: policy("dynamodb:*") })), "ResourceNotFoundException", `Requested resource not found: Table: ${name}_ not found`);
});

test("UpdateItem: an update that changes nothing on a missing item creates no item", async () => {
  const name = await createTable(ddb);
  const r = await ddb.send(new UpdateItemCommand({ TableName: name, Key: { pk: { S: "ghost" } }, UpdateExpression: "REMOVE a", ReturnValues: "ALL_NEW" }));
  assert.equal(r.Attributes, undefined);
  assert.equal((await ddb.send(new GetItemCommand({ TableName: name, Key: { pk: { S: "ghost" } } }))).Item, undefined);
  assert.equal((await ddb.send(new ScanCommand({ TableName: name }))).Count, 0);
  // A real change still creates the item.
  await ddb.send(new UpdateItemCommand({ TableName: name, Key: { pk: { S: "real" } }, UpdateExpression: "SET a = :v", ExpressionAttributeValues: { ":v": { S: "x" } } }));
  assert.equal((await ddb.send(new ScanCommand({ TableName: name }))).Count, 1);
});

test("DeleteTable: answers the short description AWS gives", async () => {
  const name = await createTable(ddb, { sk: "S" });
  const r = await ddb.send(new DeleteTableCommand({ TableName: name }));
  const d = r.TableDescription!;
  assert.equal(d.TableStatus, "DELETING");
  assert.equal(d.TableName, name);
  assert.ok(d.TableArn && d.TableId && d.ProvisionedThroughput);
  assert.equal(d.KeySchema, undefined);
  assert.equal(d.AttributeDefinitions, undefined);
  assert.equal(d.CreationDateTime, undefined);
});

test("TagResource: tag keys and values are checked for length and characters", async () => {
  const name = await createTable(ddb);
  const arn = `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
  await rejects(
    ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "bad!key", Value: "ok" }, { Key: "k".repeat(129), Value: "v".repeat(257) }] })),
    "ValidationException",
    "3 validation errors detected: " +
      [
        "Value 'bad!key' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
        `Value '${"k".repeat(129)}' at 'tags.2.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`,
        `Value '${"v".repeat(257)}' at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`,
      ].join("; "),
  );
  await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "env name/é", Value: "" }] }));
  await rejects(createTable(ddb, { Tags: [{ Key: "a", Value: "b*" }] }), "ValidationException", /at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern/);
});

test("UpdateTable: GSI backfill skips items whose index key is empty or over the key size limit", async () => {
  const name = await createTable(ddb);
  const put = (pk: string, colour: string) => ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: pk }, colour: { S: colour } } }));
  await put("ok", "blue");
  await put("empty", "");
  await put("long", "x".repeat(2049));
  await ddb.send(
    new UpdateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: "colour", AttributeType: "S" }],
      GlobalSecondaryIndexUpdates: [{ Create: { IndexName: "byColour", KeySchema: [{ AttributeName: "colour", KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY" } } }],
    }),
  );
  const s = await ddb.send(new ScanCommand({ TableName: name, IndexName: "byColour" }));
  assert.deepEqual(s.Items, [{ pk: { S: "ok" }, colour: { S: "blue" } }]);
  // New writes with such a value are refused now that the index exists.
  await rejects(put("long2", "y".repeat(2049)), "ValidationException", "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
});
