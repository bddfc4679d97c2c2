/** Expressions end to end through the SDK: the forms DynamoDB libraries send, and AWS's errors for them. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand as DocQuery, ScanCommand as DocScan, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let doc: ReturnType<typeof clients>["doc"];
let table: string;
before(async () => {
  server = await startServer();
  ({ ddb, doc } = clients(server));
  table = await createTable(ddb, { sk: "S" });
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "user#1", sk: "profile", name: "Ann", age: 31, tags: new Set(["a", "b"]), addr: { city: "Oslo", zip: "0150" }, nums: [1, 2, 3] } }));
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "user#1", sk: "order#001", amount: 10 } }));
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "user#1", sk: "order#002", amount: 25 } }));
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "user#1", sk: "payment#1", amount: 35 } }));
});
after(() => server.stop());

test("Query: begins_with on the sort key with attribute names, as ElectroDB sends it", async () => {
  const r = await doc.send(
    new DocQuery({
      TableName: table,
      KeyConditionExpression: "#pk = :pk and begins_with(#sk, :sk)",
      ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
      ExpressionAttributeValues: { ":pk": "user#1", ":sk": "order#" },
    }),
  );
  assert.deepEqual(r.Items!.map((i) => i.sk), ["order#001", "order#002"]);
});

test("Scan: FilterExpression functions, IN, BETWEEN, NOT and size()", async () => {
  const run = async (FilterExpression: string, values: Record<string, unknown> = {}, names?: Record<string, string>) =>
    (await doc.send(new DocScan({ TableName: table, FilterExpression, ExpressionAttributeValues: Object.keys(values).length ? values : undefined, ExpressionAttributeNames: names }))).Items!.map((i) => i.sk).sort();
  assert.deepEqual(await run("contains(tags, :t)", { ":t": "a" }), ["profile"]);
  assert.deepEqual(await run("amount IN (:a, :b)", { ":a": 10, ":b": 35 }), ["order#001", "payment#1"]);
  assert.deepEqual(await run("amount BETWEEN :a AND :b", { ":a": 11, ":b": 35 }), ["order#002", "payment#1"]);
  assert.deepEqual(await run("NOT attribute_exists(amount)"), ["profile"]);
  assert.deepEqual(await run("size(nums) = :n AND addr.city = :c", { ":n": 3, ":c": "Oslo" }), ["profile"]);
  assert.deepEqual(await run("attribute_type(#n, :s)", { ":s": "S" }, { "#n": "name" }), ["profile"]);
  assert.deepEqual(await run("amount > :a OR age < :b", { ":a": 30, ":b": 40 }), ["payment#1", "profile"]);
});

test("UpdateItem: nested map and list paths", async () => {
  const r = await doc.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: "user#1", sk: "profile" },
      UpdateExpression: "SET #a.#c = :city, nums[0] = :first, age = if_not_exists(age, :zero) + :one REMOVE nums[2]",
      ExpressionAttributeNames: { "#a": "addr", "#c": "city" },
      ExpressionAttributeValues: { ":city": "Bergen", ":first": 100, ":zero": 0, ":one": 1 },
      ReturnValues: "ALL_NEW",
    }),
  );
  assert.deepEqual(r.Attributes!.addr, { city: "Bergen", zip: "0150" });
  assert.deepEqual(r.Attributes!.nums, [100, 2]);
  assert.equal(r.Attributes!.age, 32);
});

test("PutItem: numbers are stored normalized", async () => {
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "n" }, sk: { S: "n" }, a: { N: "1.50" }, b: { N: "007" }, c: { N: "-0.0" }, d: { N: "1E3" } } }));
  const r = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "n" }, sk: { S: "n" } } }));
  assert.deepEqual([r.Item!.a!.N, r.Item!.b!.N, r.Item!.c!.N, r.Item!.d!.N], ["1.5", "7", "0", "1000"]);
  await rejects(ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "n" }, sk: { S: "x" }, a: { N: "abc" } } })), "ValidationException", /^The parameter cannot be converted to a numeric value/);
  await rejects(ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "n" }, sk: { S: "x" }, a: { SS: [] } } })), "ValidationException", "One or more parameter values were invalid: An string set  may not be empty");
  await rejects(ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "n" }, sk: { S: "x" }, a: { N: "1".repeat(39) } } })), "ValidationException", "Attempting to store more than 38 significant digits in a Number");
  await rejects(ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "n" }, sk: { S: "x" }, a: { N: "1e126" } } })), "ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range");
  await rejects(ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "n" }, sk: { S: "x" }, a: { N: "1e-131" } } })), "ValidationException", "Number underflow. Attempting to store a number with magnitude smaller than supported range");
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "n" }, sk: { S: "y" }, a: { N: "9.9999999999999999999999999999999999999e125" }, b: { N: "1e-130" } } }));
});

test("UpdateItem: expression errors name what is wrong", async () => {
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: "x" }, sk: { S: "x" } }, UpdateExpression: "SET a = :missing" })),
    "ValidationException",
    "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :missing",
  );
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: "x" }, sk: { S: "x" } }, UpdateExpression: "SET #a = :v", ExpressionAttributeValues: { ":v": { S: "1" } } })),
    "ValidationException",
    "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #a",
  );
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: "x" }, sk: { S: "x" } }, UpdateExpression: "SET a = :v", ExpressionAttributeValues: { ":v": { S: "1" } }, ExpressionAttributeNames: { "#unused": "b" } })),
    "ValidationException",
    "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
  );
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p AND", ExpressionAttributeValues: { ":p": { S: "a" } } })),
    "ValidationException",
    /^Invalid KeyConditionExpression: Syntax error; token: "<EOF>"/,
  );
});

test("GetItem: DocumentClient round-trips sets, maps and lists", async () => {
  const r = await doc.send(new GetCommand({ TableName: table, Key: { pk: "user#1", sk: "profile" }, ProjectionExpression: "tags, addr.zip" }));
  assert.deepEqual(r.Item, { tags: new Set(["a", "b"]), addr: { zip: "0150" } });
  const s = await ddb.send(new ScanCommand({ TableName: table, Select: "COUNT" }));
  assert.ok(s.Count! >= 4);
});

test("UpdateItem: reserved words must be aliased", async () => {
  await rejects(
    doc.send(new UpdateCommand({ TableName: table, Key: { pk: "r", sk: "r" }, UpdateExpression: "SET status = :s", ExpressionAttributeValues: { ":s": "x" } })),
    "ValidationException",
    "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
  );
  await doc.send(new UpdateCommand({ TableName: table, Key: { pk: "r", sk: "r" }, UpdateExpression: "SET #s = :s", ExpressionAttributeNames: { "#s": "status" }, ExpressionAttributeValues: { ":s": "x" } }));
});

test("UpdateItem: overlapping paths, bad attribute map keys and duplicate set elements are refused", async () => {
  const key = { pk: { S: "o" }, sk: { S: "o" } };
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: "SET a = :v, a.b = :v", ExpressionAttributeValues: { ":v": { S: "1" } } })),
    "ValidationException",
    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
  );
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: "SET a = :v", ExpressionAttributeValues: { v: { S: "1" } } })),
    "ValidationException",
    'ExpressionAttributeValues contains invalid key: Syntax error; key: "v"',
  );
  await rejects(
    ddb.send(new PutItemCommand({ TableName: table, Item: { ...key, s: { SS: ["a", "a"] } } })),
    "ValidationException",
    "One or more parameter values were invalid: Input collection [a, a] contains duplicates.",
  );
});

test("UpdateItem: parenthesised operands, as ElectroDB writes every subtraction", async () => {
  await doc.send(new PutCommand({ TableName: table, Item: { pk: "paren", sk: "1", stock: 10, b: "abc", c: [1, 4], m: { a: 6 } } }));
  const r = await doc.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: "paren", sk: "1" },
      UpdateExpression: "SET #stock = (if_not_exists(#stock, :d) - :v), #fresh = (if_not_exists(#fresh, :d) - :v), #total = ((c[1]) + (m.a))",
      ConditionExpression: "(size(b)) = :three AND (#stock) > (:v)",
      ExpressionAttributeNames: { "#stock": "stock", "#fresh": "fresh", "#total": "total" },
      ExpressionAttributeValues: { ":d": 0, ":v": 3, ":three": 3 },
      ReturnValues: "ALL_NEW",
    }),
  );
  assert.deepEqual([r.Attributes!.stock, r.Attributes!.fresh, r.Attributes!.total], [7, -3, 10]);
});

test("UpdateItem: unknown functions and misplaced ones are named in the message", async () => {
  const key = { pk: { S: "paren" }, sk: { S: "1" } };
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: "SET a = f123_hi(b)" })),
    "ValidationException",
    "Invalid UpdateExpression: Invalid function name; function: f123_hi",
  );
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: "SET a = :v", ConditionExpression: "attribute_exists(a) = :v", ExpressionAttributeValues: { ":v": { N: "1" } } })),
    "ValidationException",
    "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists",
  );
  await rejects(
    ddb.send(new ScanCommand({ TableName: table, FilterExpression: "((a = :v))", ExpressionAttributeValues: { ":v": { N: "1" } } })),
    "ValidationException",
    "Invalid FilterExpression: The expression has redundant parentheses;",
  );
});

test("Scan: a filter of 4,096 '(' answers a validation error", async () => {
  await rejects(ddb.send(new ScanCommand({ TableName: table, FilterExpression: "(".repeat(4096) })), "ValidationException", /^Invalid FilterExpression: Syntax error; token: /);
  const long = "(".repeat(4096) + "a = :v" + ")".repeat(4096);
  await rejects(
    ddb.send(new ScanCommand({ TableName: table, FilterExpression: long, ExpressionAttributeValues: { ":v": { N: "1" } } })),
    "ValidationException",
    `Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: ${long.length}`,
  );
});

test("GetItem: a projection of a.b[2].y keeps only that element, without padding", async () => {
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "proj" }, sk: { S: "1" }, a: { M: { b: { L: [{ S: "0" }, { S: "1" }, { M: { y: { N: "5" }, z: { N: "6" } } }] } } } } }));
  const r = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "proj" }, sk: { S: "1" } }, ProjectionExpression: "a.b[2].y" }));
  assert.deepEqual(r.Item, { a: { M: { b: { L: [{ M: { y: { N: "5" } } }] } } } });
});
