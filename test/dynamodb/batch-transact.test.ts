import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BatchGetItemCommand, BatchWriteItemCommand, GetItemCommand, PutItemCommand, TransactGetItemsCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let doc: ReturnType<typeof clients>["doc"];
let table: string;
before(async () => {
  server = await startServer();
  ({ ddb, doc } = clients(server));
  table = await createTable(ddb);
});
after(() => server.stop());

test("BatchWriteItem: puts and deletes across the batch; BatchGetItem reads them back", async () => {
  await doc.send(new BatchWriteCommand({ RequestItems: { [table]: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { pk: `b${i}`, i } } })) } }));
  const w = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: [{ DeleteRequest: { Key: { pk: "b0" } } }, { PutRequest: { Item: { pk: "b1", i: 100 } } }] } }));
  assert.deepEqual(w.UnprocessedItems, {});
  const r = await doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: [{ pk: "b0" }, { pk: "b1" }, { pk: "b2" }], ProjectionExpression: "i" } } }));
  assert.deepEqual(r.Responses![table]!.map((x) => x.i).sort((a, b) => a - b), [2, 100]);
  assert.deepEqual(r.UnprocessedKeys, {});
});

test("BatchWriteItem: limits and duplicate keys", async () => {
  await rejects(
    doc.send(new BatchWriteCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { pk: "d" } } }, { DeleteRequest: { Key: { pk: "d" } } }] } })),
    "ValidationException",
    "Provided list of item keys contains duplicates",
  );
  await rejects(doc.send(new BatchWriteCommand({ RequestItems: { [table]: Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { pk: `x${i}` } } })) } })), "ValidationException");
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { nokey: { S: "x" } } } }] } })), "ValidationException", "The provided key element does not match the schema");
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { [uniqueName("none")]: [{ PutRequest: { Item: { pk: { S: "x" } } } }] } })), "ResourceNotFoundException");
});

test("BatchGetItem: more than 100 keys and duplicate keys are refused", async () => {
  await rejects(
    ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: Array.from({ length: 101 }, (_, i) => ({ pk: { S: `k${i}` } })) } } })),
    "ValidationException",
    `1 validation error detected: Value at 'RequestItems.${table}.member.Keys' failed to satisfy constraint: Member must have length less than or equal to 100`,
  );
  await rejects(ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [{ pk: { S: "a" } }, { pk: { S: "a" } }] } } })), "ValidationException", "Provided list of item keys contains duplicates");
});

test("TransactWriteItems: all-or-nothing with CancellationReasons in order", async () => {
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "t-exists", v: 1 } }));
  const err = await rejects(
    ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: { S: "t-new" } } } },
          { ConditionCheck: { TableName: table, Key: { pk: { S: "t-exists" } }, ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
        ],
      }),
    ),
    "TransactionCanceledException",
    "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
  );
  const reasons = err.CancellationReasons as Array<{ Code: string; Message?: string; Item?: unknown }>;
  assert.equal(reasons.length, 2);
  assert.equal(reasons[0]!.Code, "None");
  assert.equal(reasons[1]!.Code, "ConditionalCheckFailed");
  assert.equal(reasons[1]!.Message, "The conditional request failed");
  assert.deepEqual(reasons[1]!.Item, { pk: { S: "t-exists" }, v: { N: "1" } });
  const none = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "t-new" } } }));
  assert.equal(none.Item, undefined);

  await doc.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: table, Item: { pk: "t-new", v: 1 } } },
        { Update: { TableName: table, Key: { pk: "t-exists" }, UpdateExpression: "SET v = v + :o", ExpressionAttributeValues: { ":o": 1 } } },
      ],
    }),
  );
  assert.equal((await doc.send(new GetCommand({ TableName: table, Key: { pk: "t-exists" } }))).Item!.v, 2);
});

test("TransactWriteItems: two operations on one item are refused", async () => {
  await rejects(
    doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: table, Item: { pk: "same" } } }, { Delete: { TableName: table, Key: { pk: "same" } } }],
      }),
    ),
    "ValidationException",
    "Transaction request cannot include multiple operations on one item",
  );
});

test("TransactWriteItems: ClientRequestToken makes a retry a no-op; other parameters mismatch", async () => {
  const token = uniqueName("tok").slice(0, 36);
  const items = [{ Update: { TableName: table, Key: { pk: "idem" }, UpdateExpression: "ADD c :one", ExpressionAttributeValues: { ":one": 1 } } }];
  await doc.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
  await doc.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
  assert.equal((await doc.send(new GetCommand({ TableName: table, Key: { pk: "idem" } }))).Item!.c, 1);
  await rejects(
    doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: table, Item: { pk: "other" } } }], ClientRequestToken: token })),
    "IdempotentParameterMismatchException",
  );
});

test("TransactGetItems: reads items in request order", async () => {
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "g1", v: 1 } }));
  const r = await ddb.send(
    new TransactGetItemsCommand({
      TransactItems: [{ Get: { TableName: table, Key: { pk: { S: "missing" } } } }, { Get: { TableName: table, Key: { pk: { S: "g1" } }, ProjectionExpression: "v" } }],
    }),
  );
  assert.deepEqual(r.Responses, [{}, { Item: { v: { N: "1" } } }]);
});

test("TransactWriteItems: ConsumedCapacity counts transactional writes twice", async () => {
  const r = await ddb.send(
    new TransactWriteItemsCommand({
      TransactItems: [{ Put: { TableName: table, Item: { pk: { S: "cap1" } } } }, { Put: { TableName: table, Item: { pk: { S: "cap2" }, v: { S: "x".repeat(1500) } } } }],
      ReturnConsumedCapacity: "TOTAL",
    }),
  );
  assert.deepEqual(
    r.ConsumedCapacity!.map((c) => [c.TableName, c.CapacityUnits]),
    [[table, 2 * 1 + 2 * 2]],
  );
});

test("PutItem: ItemCollectionMetrics for a table with a local secondary index", async () => {
  const name = await createTable(ddb, {
    sk: "S",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
      { AttributeName: "l", AttributeType: "S" },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: "byL",
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "l", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  });
  const r = await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "a" }, sk: { S: "1" }, l: { S: "x" } }, ReturnItemCollectionMetrics: "SIZE" }));
  assert.deepEqual(r.ItemCollectionMetrics, { ItemCollectionKey: { pk: { S: "a" } }, SizeEstimateRangeGB: [0, 1] });
});
