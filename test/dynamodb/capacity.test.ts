/**
 * Issue 9 item 10: ConsumedCapacity carries exactly the fields AWS returns for each ReturnConsumedCapacity
 * mode, on every read, write, batch, transaction, Query/Scan and PartiQL operation, and counts units as
 * AWS does (shapes from the AWS CLI's documented outputs and answers characterised against DynamoDB).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  ExecuteStatementCommand,
  ExecuteTransactionCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type ConsumedCapacity,
} from "@aws-sdk/client-dynamodb";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { clients, createTable } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let plain: string;
let indexed: string;
before(async () => {
  server = await startServer();
  ({ ddb } = clients(server));
  plain = await createTable(ddb);
  indexed = await createTable(ddb, {
    sk: "S",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
      { AttributeName: "g", AttributeType: "S" },
      { AttributeName: "l", AttributeType: "S" },
    ],
    GlobalSecondaryIndexes: [{ IndexName: "byG", KeySchema: [{ AttributeName: "g", KeyType: "HASH" }], Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["proj"] } }],
    LocalSecondaryIndexes: [{ IndexName: "byL", KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "l", KeyType: "RANGE" }], Projection: { ProjectionType: "ALL" } }],
  });
});
after(() => server.stop());

const S = (s: string) => ({ S: s });

test("GetItem: TOTAL answers TableName and CapacityUnits only; NONE answers nothing", async () => {
  await ddb.send(new PutItemCommand({ TableName: plain, Item: { pk: S("g1"), v: S("x") } }));
  const ev = await ddb.send(new GetItemCommand({ TableName: plain, Key: { pk: S("g1") }, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(ev.ConsumedCapacity, { TableName: plain, CapacityUnits: 0.5 });
  const strong = await ddb.send(new GetItemCommand({ TableName: plain, Key: { pk: S("g1") }, ConsistentRead: true, ReturnConsumedCapacity: "INDEXES" }));
  assert.deepEqual(strong.ConsumedCapacity, { TableName: plain, CapacityUnits: 1, Table: { CapacityUnits: 1 } });
  const none = await ddb.send(new GetItemCommand({ TableName: plain, Key: { pk: S("g1") }, ReturnConsumedCapacity: "NONE" }));
  assert.equal(none.ConsumedCapacity, undefined);
  const arn = `arn:aws:dynamodb:us-east-1:000000000000:table/${plain}`;
  const byArn = await ddb.send(new GetItemCommand({ TableName: arn, Key: { pk: S("g1") }, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(byArn.ConsumedCapacity, { TableName: arn, CapacityUnits: 0.5 });
});

test("PutItem: index arms only for the indexes a write changes; TOTAL folds them in", async () => {
  const item = { pk: S("p1"), sk: S("1"), g: S("g1"), l: S("L1"), proj: S("p") };
  const first = await ddb.send(new PutItemCommand({ TableName: indexed, Item: item, ReturnConsumedCapacity: "INDEXES" }));
  assert.deepEqual(first.ConsumedCapacity, {
    TableName: indexed,
    CapacityUnits: 3,
    Table: { CapacityUnits: 1 },
    LocalSecondaryIndexes: { byL: { CapacityUnits: 1 } },
    GlobalSecondaryIndexes: { byG: { CapacityUnits: 1 } },
  });
  const same = await ddb.send(new PutItemCommand({ TableName: indexed, Item: item, ReturnConsumedCapacity: "INDEXES" }));
  assert.deepEqual(same.ConsumedCapacity, { TableName: indexed, CapacityUnits: 1, Table: { CapacityUnits: 1 } });
  const total = await ddb.send(new PutItemCommand({ TableName: indexed, Item: { ...item, pk: S("p2") }, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(total.ConsumedCapacity, { TableName: indexed, CapacityUnits: 3 });
});

test("UpdateItem: a moved index key costs a delete and a put on that index", async () => {
  await ddb.send(new PutItemCommand({ TableName: indexed, Item: { pk: S("u1"), sk: S("1"), g: S("g1"), l: S("L1"), proj: S("p") } }));
  const moved = await ddb.send(
    new UpdateItemCommand({ TableName: indexed, Key: { pk: S("u1"), sk: S("1") }, UpdateExpression: "SET g = :g", ExpressionAttributeValues: { ":g": S("g2") }, ReturnConsumedCapacity: "INDEXES" }),
  );
  assert.deepEqual(moved.ConsumedCapacity, {
    TableName: indexed,
    CapacityUnits: 4,
    Table: { CapacityUnits: 1 },
    LocalSecondaryIndexes: { byL: { CapacityUnits: 1 } },
    GlobalSecondaryIndexes: { byG: { CapacityUnits: 2 } },
  });
  const big = await ddb.send(
    new UpdateItemCommand({ TableName: plain, Key: { pk: S("u2") }, UpdateExpression: "SET v = :v", ExpressionAttributeValues: { ":v": S("x".repeat(1500)) }, ReturnConsumedCapacity: "TOTAL" }),
  );
  assert.deepEqual(big.ConsumedCapacity, { TableName: plain, CapacityUnits: 2 });
});

test("DeleteItem: one write per index the item was in; a missing item costs one unit", async () => {
  await ddb.send(new PutItemCommand({ TableName: indexed, Item: { pk: S("d1"), sk: S("1"), g: S("g1"), l: S("L1") } }));
  const r = await ddb.send(new DeleteItemCommand({ TableName: indexed, Key: { pk: S("d1"), sk: S("1") }, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(r.ConsumedCapacity, { TableName: indexed, CapacityUnits: 3 });
  const missing = await ddb.send(new DeleteItemCommand({ TableName: plain, Key: { pk: S("nothing") }, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(missing.ConsumedCapacity, { TableName: plain, CapacityUnits: 1 });
});

test("Scan: one small item costs half a unit eventually consistent, one strongly consistent", async () => {
  const t = await createTable(ddb);
  await ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S("only"), v: S("x") } }));
  const ev = await ddb.send(new ScanCommand({ TableName: t, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(ev.ConsumedCapacity, { TableName: t, CapacityUnits: 0.5 });
  const strong = await ddb.send(new ScanCommand({ TableName: t, ConsistentRead: true, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(strong.ConsumedCapacity, { TableName: t, CapacityUnits: 1 });
  // Sizes are summed, then rounded once: three 2 KB items are 6 KB = 2 units strongly consistent.
  for (const k of ["a", "b", "c"]) await ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S(k), v: S("x".repeat(2048 - 3)) } }));
  await ddb.send(new DeleteItemCommand({ TableName: t, Key: { pk: S("only") } }));
  const summed = await ddb.send(new ScanCommand({ TableName: t, ConsistentRead: true, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(summed.ConsumedCapacity, { TableName: t, CapacityUnits: 2 });
});

test("Query: INDEXES on a GSI reports the index arm and a zero table arm", async () => {
  await ddb.send(new PutItemCommand({ TableName: indexed, Item: { pk: S("q1"), sk: S("1"), g: S("gq"), proj: S("p") } }));
  const r = await ddb.send(
    new QueryCommand({ TableName: indexed, IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: { ":g": S("gq") }, ReturnConsumedCapacity: "INDEXES" }),
  );
  assert.equal(r.Count, 1);
  assert.deepEqual(r.ConsumedCapacity, { TableName: indexed, CapacityUnits: 0.5, Table: { CapacityUnits: 0 }, GlobalSecondaryIndexes: { byG: { CapacityUnits: 0.5 } } });
  const table = await ddb.send(new QueryCommand({ TableName: indexed, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": S("q1") }, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(table.ConsumedCapacity, { TableName: indexed, CapacityUnits: 0.5 });
});

test("BatchGetItem and BatchWriteItem: one entry per table, no read/write split", async () => {
  const w = await ddb.send(
    new BatchWriteItemCommand({
      RequestItems: { [plain]: [{ PutRequest: { Item: { pk: S("b1") } } }, { PutRequest: { Item: { pk: S("b2"), v: S("x".repeat(1500)) } } }] },
      ReturnConsumedCapacity: "TOTAL",
    }),
  );
  assert.deepEqual(w.ConsumedCapacity, [{ TableName: plain, CapacityUnits: 3 }]);
  const g = await ddb.send(new BatchGetItemCommand({ RequestItems: { [plain]: { Keys: [{ pk: S("b1") }, { pk: S("b2") }, { pk: S("absent") }] } }, ReturnConsumedCapacity: "INDEXES" }));
  assert.deepEqual(g.ConsumedCapacity, [{ TableName: plain, CapacityUnits: 1.5, Table: { CapacityUnits: 1.5 } }]);
});

test("TransactGetItems: two units per item, missing ones too, with ReadCapacityUnits", async () => {
  await ddb.send(new PutItemCommand({ TableName: plain, Item: { pk: S("tg1") } }));
  const r = await ddb.send(
    new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: plain, Key: { pk: S("tg1") } } }, { Get: { TableName: plain, Key: { pk: S("absent") } } }], ReturnConsumedCapacity: "TOTAL" }),
  );
  assert.deepEqual(r.ConsumedCapacity, [{ TableName: plain, CapacityUnits: 4, ReadCapacityUnits: 4 }]);
  const ix = await ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: plain, Key: { pk: S("tg1") } } }], ReturnConsumedCapacity: "INDEXES" }));
  assert.deepEqual(ix.ConsumedCapacity, [{ TableName: plain, CapacityUnits: 2, ReadCapacityUnits: 2, Table: { CapacityUnits: 2, ReadCapacityUnits: 2 } }]);
});

test("TransactWriteItems: WriteCapacityUnits; a replayed token reports the read units instead", async () => {
  const items = [{ Put: { TableName: plain, Item: { pk: S("tw1") } } }, { ConditionCheck: { TableName: plain, Key: { pk: S("tw2") }, ConditionExpression: "attribute_not_exists(pk)" } }];
  const r = await ddb.send(new TransactWriteItemsCommand({ TransactItems: items, ReturnConsumedCapacity: "TOTAL", ClientRequestToken: "cap-token-1" }));
  assert.deepEqual(r.ConsumedCapacity, [{ TableName: plain, CapacityUnits: 4, WriteCapacityUnits: 4 }]);
  const again = await ddb.send(new TransactWriteItemsCommand({ TransactItems: items, ReturnConsumedCapacity: "TOTAL", ClientRequestToken: "cap-token-1" }));
  assert.deepEqual(again.ConsumedCapacity, [{ TableName: plain, CapacityUnits: 4, ReadCapacityUnits: 4 }]);
});

test("ExecuteStatement, BatchExecuteStatement, ExecuteTransaction: the same shapes as their non-PartiQL twins", async () => {
  await ddb.send(new PutItemCommand({ TableName: plain, Item: { pk: S("pq1") } }));
  const sel = await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${plain}" WHERE pk = 'pq1'`, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(sel.ConsumedCapacity, { TableName: plain, CapacityUnits: 0.5 });
  const ins = await ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${plain}" VALUE {'pk': 'pq2'}`, ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(ins.ConsumedCapacity, { TableName: plain, CapacityUnits: 1 });
  const batch = await ddb.send(
    new BatchExecuteStatementCommand({ Statements: [{ Statement: `SELECT * FROM "${plain}" WHERE pk = 'pq1'` }, { Statement: `SELECT * FROM "${plain}" WHERE pk = 'pq2'` }], ReturnConsumedCapacity: "TOTAL" }),
  );
  assert.deepEqual(batch.ConsumedCapacity, [{ TableName: plain, CapacityUnits: 1 }]);
  const tx = await ddb.send(new ExecuteTransactionCommand({ TransactStatements: [{ Statement: `UPDATE "${plain}" SET v = 1 WHERE pk = 'pq1'` }], ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(tx.ConsumedCapacity, [{ TableName: plain, CapacityUnits: 2, WriteCapacityUnits: 2 }]);
  const txr = await ddb.send(new ExecuteTransactionCommand({ TransactStatements: [{ Statement: `SELECT * FROM "${plain}" WHERE pk = 'pq1'` }], ReturnConsumedCapacity: "TOTAL" }));
  assert.deepEqual(txr.ConsumedCapacity as ConsumedCapacity[], [{ TableName: plain, CapacityUnits: 2, ReadCapacityUnits: 2 }]);
});
