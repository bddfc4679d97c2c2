/**
 * Odd and hostile request bodies (issue 8 item 12): null attribute values, documents nested past
 * DynamoDB's 32 levels or thousands deep, short table names. Each answers AWS's 400, never a 500.
 * Bodies the SDK cannot produce are sent as raw JSON 1.0 requests.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CreateTableCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let table: string;
before(async () => {
  server = await startServer();
  ({ ddb } = clients(server));
  table = await createTable(ddb);
});
after(() => server.stop());

/** One raw JSON 1.0 call; returns status and parsed body. */
async function raw(op: string, body: string | object): Promise<{ status: number; type: string; message: string }> {
  const r = await fetch(server.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `DynamoDB_20120810.${op}`,
      authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const j = (await r.json()) as Record<string, string>;
  return { status: r.status, type: (j.__type ?? "").split("#")[1] ?? "", message: j.message ?? j.Message ?? "" };
}

const EMPTY = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
const NESTING = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

test("PutItem: null attribute values are refused, not dropped", async () => {
  const cases: [object, string][] = [
    [{ pk: { S: "a" }, v: null }, EMPTY],
    [{ pk: { S: "a" }, v: { S: null } }, EMPTY],
    [{ pk: { S: "a" }, m: { M: { x: null } } }, EMPTY],
    [{ pk: { S: "a" }, l: { L: [null] } }, "1 validation error detected: Value null at 'item.l.1.member' failed to satisfy constraint: Member must not be null"],
  ];
  for (const [item, message] of cases) assert.deepEqual(await raw("PutItem", { TableName: table, Item: item }), { status: 400, type: "ValidationException", message }, JSON.stringify(item));
  assert.deepEqual(await raw("GetItem", { TableName: table, Key: { pk: null } }), { status: 400, type: "ValidationException", message: EMPTY });
  const nothing = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "a" } } }));
  assert.equal(nothing.Item, undefined);
});

test("TransactWriteItems: null list members answer a validation error, not a crash", async () => {
  const cases: [string, object, string][] = [
    ["TransactWriteItems", { TransactItems: [null] }, "transactItems.1.member"],
    ["BatchExecuteStatement", { Statements: [null] }, "statements.1.member"],
    ["ExecuteStatement", { Statement: `SELECT * FROM "${table}"`, Parameters: [null] }, "parameters.1.member"],
    ["CreateTable", { TableName: "abc", AttributeDefinitions: [null], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] }, "attributeDefinitions.1.member"],
  ];
  for (const [op, body, where] of cases) {
    const r = await raw(op, body);
    assert.equal(r.status, 400, op);
    assert.equal(r.type, "ValidationException", op);
    assert.ok(r.message.includes(`Value null at '${where}' failed to satisfy constraint: Member must not be null`), r.message);
  }
});

function nested(levels: number): AttributeValue {
  let v: AttributeValue = { S: "leaf" };
  for (let i = 0; i < levels; i++) v = { M: { n: v } };
  return v;
}

test("PutItem: documents nest up to 32 levels; deeper ones are refused", async () => {
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "deep" }, d: nested(31) } }));
  await rejects(ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "deep2" }, d: nested(32) } })), "ValidationException", NESTING);
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: "deep" } }, UpdateExpression: "SET d = :v", ExpressionAttributeValues: { ":v": nested(40) } })),
    "ValidationException",
    new RegExp(NESTING),
  );
});

test("PutItem: maps and lists nested 3,000 deep answer 400 without exhausting the stack", async () => {
  const maps = '{"TableName":"' + table + '","Item":{"pk":{"S":"x"},"v":' + '{"M":{"a":'.repeat(3000) + '{"S":"x"}' + "}}".repeat(3000) + "}}";
  const lists = '{"TableName":"' + table + '","Item":{"pk":{"S":"x"},"v":' + '{"L":['.repeat(3000) + '{"S":"x"}' + "]}".repeat(3000) + "}}";
  for (const body of [maps, lists]) {
    const r = await raw("PutItem", body);
    assert.equal(r.status, 400);
    assert.equal(r.type, "SerializationException");
  }
  // 200 levels: parsed, then refused by DynamoDB's own limit.
  const r = await raw("PutItem", '{"TableName":"' + table + '","Item":{"pk":{"S":"x"},"v":' + '{"M":{"a":'.repeat(200) + '{"S":"x"}' + "}}".repeat(200) + "}}");
  assert.deepEqual(r, { status: 400, type: "ValidationException", message: NESTING });
});

test("CreateTable: table names under 3 characters are refused", async () => {
  const short = "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3";
  await rejects(
    ddb.send(new CreateTableCommand({ TableName: "ab", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" })),
    "ValidationException",
    short,
  );
  await rejects(ddb.send(new GetItemCommand({ TableName: "ab", Key: { pk: { S: "a" } } })), "ValidationException", short);
});

test("PutItem: type errors in the body are worded as DynamoDB's deserializer words them", async () => {
  const cases: [object, string][] = [
    [{ TableName: table, Item: { pk: { S: 5 } } }, "NUMBER_VALUE cannot be converted to String"],
    [{ TableName: table, Item: { pk: { S: 1.5 } } }, "DECIMAL_VALUE cannot be converted to String"],
    [{ TableName: table, Item: { pk: { S: true } } }, "TRUE_VALUE cannot be converted to String"],
    [{ TableName: table, Item: { pk: { S: ["a"] } } }, "Unrecognized collection type class java.lang.String"],
    [{ TableName: table, Item: { pk: { S: { a: 1 } } } }, "Start of structure or map found where not expected"],
    [{ TableName: table, Item: { pk: { S: "a" }, l: { L: "x" } } }, "Unexpected field type"],
    [{ TableName: table, Item: { pk: { S: "a" }, b: { B: 5 } } }, "only base-64-encoded strings are convertible to bytes"],
    [{ TableName: table, Item: { pk: { S: "a" }, b: { B: "abcde" } } }, "Base64 encoded length is expected a multiple of 4 bytes but found: 5"],
    [{ TableName: table, Key: { pk: { S: "a" } }, ConsistentRead: "yes" }, "Unexpected token received from parser"],
    [{ TableName: false, Item: { pk: { S: "a" } } }, "FALSE_VALUE cannot be converted to String"],
  ];
  for (const [body, message] of cases) {
    const op = "Key" in body ? "GetItem" : "PutItem";
    const r = await fetch(server.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `DynamoDB_20120810.${op}`, authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00" },
      body: JSON.stringify(body),
    });
    assert.equal(r.status, 400);
    // Capital "Message", as Coral's deserializer errors carry it.
    assert.deepEqual(await r.json(), { __type: "com.amazon.coral.service#SerializationException", Message: message }, JSON.stringify(body));
  }
});
