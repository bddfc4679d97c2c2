import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BatchWriteItemCommand, CreateTableCommand, PutItemCommand, QueryCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, paginateQuery, paginateScan, QueryCommand as DocQuery, ScanCommand as DocScan, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let doc: ReturnType<typeof clients>["doc"];
let table: string;

before(async () => {
  server = await startServer();
  ({ ddb, doc } = clients(server));
  table = uniqueName("q");
  await ddb.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "N" },
        { AttributeName: "g", AttributeType: "S" },
        { AttributeName: "gs", AttributeType: "S" },
        { AttributeName: "l", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      GlobalSecondaryIndexes: [
        {
          IndexName: "byG",
          KeySchema: [
            { AttributeName: "g", KeyType: "HASH" },
            { AttributeName: "gs", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: "byL",
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "l", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ],
    }),
  );
  const nums = ["1", "2", "3", "10", "-5", "2.5", "100", "0.001", "-0.5", "7"];
  for (const [i, n] of nums.entries()) {
    await ddb.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: "a" }, sk: { N: n }, g: { S: i % 2 ? "odd" : "even" }, gs: { S: `s${String(i).padStart(2, "0")}` }, l: { S: `l${9 - i}` }, v: { N: String(i) }, name: { S: `item-${i}` } },
      }),
    );
  }
});
after(() => server.stop());

const sks = (items: Array<Record<string, { N?: string }>> | undefined) => (items ?? []).map((i) => i.sk!.N);

test("Query: numbers sort numerically, forward and backward", async () => {
  const q = { TableName: table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "a" } } };
  const f = await ddb.send(new QueryCommand(q));
  assert.deepEqual(sks(f.Items), ["-5", "-0.5", "0.001", "1", "2", "2.5", "3", "7", "10", "100"]);
  const b = await ddb.send(new QueryCommand({ ...q, ScanIndexForward: false }));
  assert.deepEqual(sks(b.Items), ["100", "10", "7", "3", "2.5", "2", "1", "0.001", "-0.5", "-5"]);
});

test("Query: sort key conditions (BETWEEN, <, >=, begins_with on strings)", async () => {
  const between = await ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p AND sk BETWEEN :a AND :b", ExpressionAttributeValues: { ":p": { S: "a" }, ":a": { N: "1" }, ":b": { N: "3" } } }));
  assert.deepEqual(sks(between.Items), ["1", "2", "2.5", "3"]);
  const lt = await ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p AND sk < :a", ExpressionAttributeValues: { ":p": { S: "a" }, ":a": { N: "0" } } }));
  assert.deepEqual(sks(lt.Items), ["-5", "-0.5"]);
  const bw = await ddb.send(
    new QueryCommand({ TableName: table, IndexName: "byL", KeyConditionExpression: "pk = :p AND begins_with(l, :x)", ExpressionAttributeValues: { ":p": { S: "a" }, ":x": { S: "l1" } } }),
  );
  assert.equal(bw.Count, 1);
});

test("Query: Limit with LastEvaluatedKey pages through all items; FilterExpression applies after Limit", async () => {
  const pages: string[][] = [];
  for await (const page of paginateQuery({ client: doc, pageSize: 3 }, { TableName: table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": "a" } })) {
    pages.push((page.Items ?? []).map((i) => String(i.sk)));
  }
  assert.deepEqual(pages.map((p) => p.length), [3, 3, 3, 1]);
  const filtered = await doc.send(new DocQuery({ TableName: table, KeyConditionExpression: "pk = :p", FilterExpression: "v >= :v", ExpressionAttributeValues: { ":p": "a", ":v": 5 }, Limit: 4 }));
  // The first 4 by sort key are -5, -0.5, 0.001 and 1, with v = 4, 8, 7 and 0.
  assert.equal(filtered.ScannedCount, 4);
  assert.equal(filtered.Count, 2);
  assert.deepEqual(filtered.LastEvaluatedKey, { pk: "a", sk: 1 });
});

test("Query: a GSI returns its projection; its LastEvaluatedKey holds index and table keys", async () => {
  const r = await ddb.send(new QueryCommand({ TableName: table, IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: { ":g": { S: "even" } }, Limit: 2 }));
  assert.equal(r.Count, 2);
  assert.deepEqual(Object.keys(r.Items![0]!).sort(), ["g", "gs", "pk", "sk"]);
  assert.deepEqual(Object.keys(r.LastEvaluatedKey!).sort(), ["g", "gs", "pk", "sk"]);
  const rest = await ddb.send(new QueryCommand({ TableName: table, IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: { ":g": { S: "even" } }, ExclusiveStartKey: r.LastEvaluatedKey }));
  assert.equal(rest.Count, 3);
});

test("Query: Select modes and their errors", async () => {
  const count = await ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "a" } }, Select: "COUNT" }));
  assert.equal(count.Count, 10);
  assert.equal(count.Items, undefined);
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, IndexName: "byG", KeyConditionExpression: "g = :g", ExpressionAttributeValues: { ":g": { S: "even" } }, Select: "ALL_ATTRIBUTES" })),
    "ValidationException",
    "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index byG because its projection type is not ALL",
  );
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "a" } }, Select: "ALL_PROJECTED_ATTRIBUTES" })),
    "ValidationException",
    "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
  );
  // An LSI fetches non-projected attributes from the table.
  const lsi = await ddb.send(new QueryCommand({ TableName: table, IndexName: "byL", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "a" } }, Select: "ALL_ATTRIBUTES", Limit: 1 }));
  assert.equal(lsi.Items![0]!.name!.S, "item-9");
});

test("Query: key condition and index errors", async () => {
  await rejects(ddb.send(new QueryCommand({ TableName: table })), "ValidationException", "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "sk = :s", ExpressionAttributeValues: { ":s": { N: "1" } } })),
    "ValidationException",
    "Query condition missed key schema element: pk",
  );
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, IndexName: "nope", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "a" } } })),
    "ValidationException",
    "The table does not have the specified index: nope",
  );
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, IndexName: "byG", ConsistentRead: true, KeyConditionExpression: "g = :g", ExpressionAttributeValues: { ":g": { S: "even" } } })),
    "ValidationException",
    "Consistent reads are not supported on global secondary indexes",
  );
});

test("Query: a filter on a key attribute is refused", async () => {
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p", FilterExpression: "sk > :s", ExpressionAttributeValues: { ":p": { S: "a" }, ":s": { N: "1" } } })),
    "ValidationException",
    "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
  );
});

test("Query: legacy KeyConditions and QueryFilter", async () => {
  const r = await ddb.send(
    new QueryCommand({
      TableName: table,
      KeyConditions: { pk: { ComparisonOperator: "EQ", AttributeValueList: [{ S: "a" }] }, sk: { ComparisonOperator: "GT", AttributeValueList: [{ N: "5" }] } },
      QueryFilter: { v: { ComparisonOperator: "LT", AttributeValueList: [{ N: "7" }] } },
    }),
  );
  assert.deepEqual(sks(r.Items), ["10", "100"]);
});

test("Scan: pages with Limit; parallel segments cover every item once", async () => {
  const name = uniqueName("scan");
  await ddb.send(
    new CreateTableCommand({ TableName: name, AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }),
  );
  for (let b = 0; b < 2; b++) {
    await ddb.send(
      new BatchWriteItemCommand({ RequestItems: { [name]: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `k${b * 25 + i}` }, n: { N: String(b * 25 + i) } } } })) } }),
    );
  }
  let total = 0;
  for await (const page of paginateScan({ client: doc, pageSize: 7 }, { TableName: name })) total += page.Count ?? 0;
  assert.equal(total, 50);
  const seen = new Set<string>();
  for (let s = 0; s < 4; s++) {
    const r = await doc.send(new DocScan({ TableName: name, Segment: s, TotalSegments: 4 }));
    for (const i of r.Items!) {
      assert.ok(!seen.has(i.pk), "an item appeared in two segments");
      seen.add(i.pk);
    }
  }
  assert.equal(seen.size, 50);
  const f = await doc.send(new DocScan({ TableName: name, FilterExpression: "n < :n", ExpressionAttributeValues: { ":n": 10 } }));
  assert.equal(f.Count, 10);
  assert.equal(f.ScannedCount, 50);
  await rejects(ddb.send(new ScanCommand({ TableName: name, Segment: 4, TotalSegments: 4 })), "ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4");
});

test("Scan: stops a page at 1 MB", async () => {
  const name = uniqueName("big");
  await ddb.send(
    new CreateTableCommand({ TableName: name, AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }),
  );
  const blob = "x".repeat(300 * 1024);
  for (let i = 0; i < 5; i++) await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: `b${i}` }, v: { S: blob } } }));
  const r = await ddb.send(new ScanCommand({ TableName: name }));
  assert.equal(r.Count, 4);
  assert.ok(r.LastEvaluatedKey);
  const rest = await ddb.send(new ScanCommand({ TableName: name, ExclusiveStartKey: r.LastEvaluatedKey }));
  assert.equal(rest.Count, 1);
});

test("Query: a GSI follows its items — sparse, key changes move entries, deletes remove them", async () => {
  const name = uniqueName("gsi");
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "status", AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
      GlobalSecondaryIndexes: [{ IndexName: "byStatus", KeySchema: [{ AttributeName: "status", KeyType: "HASH" }], Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["note"] } }],
    }),
  );
  const byStatus = async (s: string) =>
    (await doc.send(new DocQuery({ TableName: name, IndexName: "byStatus", KeyConditionExpression: "#s = :s", ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": s } }))).Items!;
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "1" }, status: { S: "open" }, note: { S: "n1" }, other: { S: "hidden" } } }));
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "2" } } }));
  assert.deepEqual(await byStatus("open"), [{ pk: "1", status: "open", note: "n1" }]);
  const idx = await ddb.send(new ScanCommand({ TableName: name, IndexName: "byStatus" }));
  assert.equal(idx.Count, 1, "an item without the index key is not in the index");
  await doc.send(new UpdateCommand({ TableName: name, Key: { pk: "1" }, UpdateExpression: "SET #s = :s", ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": "closed" } }));
  assert.deepEqual(await byStatus("open"), []);
  assert.equal((await byStatus("closed")).length, 1);
  await doc.send(new UpdateCommand({ TableName: name, Key: { pk: "2" }, UpdateExpression: "SET #s = :s", ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": "closed" } }));
  assert.equal((await byStatus("closed")).length, 2);
  await doc.send(new DeleteCommand({ TableName: name, Key: { pk: "1" } }));
  assert.deepEqual((await byStatus("closed")).map((i) => i.pk), ["2"]);
});

test("Query: ReturnConsumedCapacity counts the bytes read in 4 KB units", async () => {
  const r = await ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "a" } }, ReturnConsumedCapacity: "TOTAL" }));
  assert.equal(r.ConsumedCapacity!.CapacityUnits, 0.5);
  const c = await ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "a" } }, ConsistentRead: true, ReturnConsumedCapacity: "TOTAL" }));
  assert.equal(c.ConsumedCapacity!.CapacityUnits, 1);
});

test("Query: strings sort by UTF-8 bytes and binary by bytes, as on AWS", async () => {
  const s = await createTable(ddb, { TableName: uniqueName("utf8"), sk: "S" });
  for (const v of ["\uffff", "😀", "中", "é", "z", "Z"]) await ddb.send(new PutItemCommand({ TableName: s, Item: { pk: { S: "p" }, sk: { S: v } } }));
  const r = await ddb.send(new QueryCommand({ TableName: s, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "p" } } }));
  // UTF-16 order would put 😀 (a surrogate pair) before U+FFFF; UTF-8 order puts it last.
  assert.deepEqual(r.Items!.map((i) => i.sk!.S), ["Z", "z", "é", "中", "\uffff", "😀"]);
  const b = await createTable(ddb, { TableName: uniqueName("bin"), sk: "B" });
  for (const v of [[0xff], [0x01, 0x00], [0x00], [0x01]]) await ddb.send(new PutItemCommand({ TableName: b, Item: { pk: { S: "p" }, sk: { B: new Uint8Array(v) } } }));
  const rb = await ddb.send(new QueryCommand({ TableName: b, KeyConditionExpression: "pk = :p AND sk > :z", ExpressionAttributeValues: { ":p": { S: "p" }, ":z": { B: new Uint8Array([0]) } } }));
  assert.deepEqual(rb.Items!.map((i) => [...i.sk!.B!]), [[0x01], [0x01, 0x00], [0xff]]);
});

test("Query and Scan: items answered as stored are what the decoded path answers, pages and keys alike", async () => {
  // Without a filter or projection the stored item texts are written as they are; a filter that keeps everything
  // takes the decoding path. Both must answer the same pages.
  const t = await createTable(ddb, { sk: "N" });
  for (let i = 0; i < 7; i++) {
    await ddb.send(new PutItemCommand({ TableName: t, Item: { pk: { S: "p" }, sk: { N: String(i) }, b: { B: new Uint8Array([i, 255]) }, m: { M: { "10": { L: [{ S: "✓\u2028" }, { NULL: true }] }, "2": { BS: [new Uint8Array([i])] } } } } }));
  }
  const pages = async (filtered: boolean, op: "Query" | "Scan") => {
    const out: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const common = { TableName: t, Limit: 3, ExclusiveStartKey: start as never, ReturnConsumedCapacity: "TOTAL" as const, ...(filtered ? { FilterExpression: "attribute_exists(b)" } : {}) };
      const r = op === "Query"
        ? await ddb.send(new QueryCommand({ ...common, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "p" } } }))
        : await ddb.send(new ScanCommand(common));
      out.push({ items: r.Items, count: r.Count, scanned: r.ScannedCount, last: r.LastEvaluatedKey, capacity: r.ConsumedCapacity });
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  };
  for (const op of ["Query", "Scan"] as const) {
    const stored = await pages(false, op);
    assert.equal(stored.length, 3);
    assert.deepEqual(stored, await pages(true, op));
  }
});
