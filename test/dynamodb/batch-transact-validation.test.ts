/**
 * Issue 9 item 6 for the batch and transaction operations: the whole request is validated before any
 * table is looked up, member constraints first and together, with AWS's messages. Expected answers as
 * recorded against DynamoDB (us-east-1 / eu-west-2) by public conformance suites; where AWS's regions
 * are mid-way through a rewording, the validation framework's newer wording is the one used.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  GetItemCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
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

const missing = "no-such-table-bt";
const key = (pk: string): Record<string, AttributeValue> => ({ pk: { S: pk } });
const ENUM_RCC = "Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]";
const ENUM_RICM = "Value 'BOGUS2' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]";
const one = (m: string) => `1 validation error detected: ${m}`;
const NAME_KEYS = "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]";

async function absent(pk: string) {
  assert.equal((await ddb.send(new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }))).Item, undefined);
}

test("BatchWriteItem: enums first and together, ahead of a missing table or a malformed name; nothing written", async () => {
  const put = (pk: string) => [{ PutRequest: { Item: key(pk) } }];
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: put("bw-rcc") }, ReturnConsumedCapacity: "BOGUS" as never })), "ValidationException", one(ENUM_RCC));
  await rejects(
    ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: put("bw-both") }, ReturnConsumedCapacity: "BOGUS" as never, ReturnItemCollectionMetrics: "BOGUS2" as never })),
    "ValidationException",
    `2 validation errors detected: ${ENUM_RCC}; ${ENUM_RICM}`,
  );
  await absent("bw-rcc");
  await absent("bw-both");
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { [missing]: put("a") }, ReturnConsumedCapacity: "BOGUS" as never })), "ValidationException", one(ENUM_RCC));
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { "bad!name": put("a") }, ReturnConsumedCapacity: "BOGUS" as never })), "ValidationException", one(ENUM_RCC));
  await rejects(
    ddb.send(new BatchWriteItemCommand({ RequestItems: { "bad!name": [{ PutRequest: { Item: { pk: { S: "x" } } } }] } })),
    "ValidationException",
    /^1 validation error detected: Value '\{bad!name=\[WriteRequest\(putRequest=PutRequest\(item=\{pk=.+\}.*\)\]\}' at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: \[Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: \[a-zA-Z0-9_.-\]\+\]$/,
  );
});

test("BatchWriteItem: request-list sizes, keys and duplicates as AWS words them; then the missing table", async () => {
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: {} })), "ValidationException", one("Value at 'RequestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"));
  await rejects(
    ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: [] } })),
    "ValidationException",
    one(`Value '{${table}=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]`),
  );
  const many = Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: key(`bw-${i}`) } }));
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: many } })), "ValidationException", one(`Value at 'RequestItems.${table}.member' failed to satisfy constraint: Member must have length less than or equal to 25`));
  const schema = "The provided key element does not match the schema";
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { pk: { N: "5" } } } }] } })), "ValidationException", schema);
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { other: { S: "x" } } } }] } })), "ValidationException", schema);
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ DeleteRequest: { Key: { other: { S: "x" } } } }] } })), "ValidationException", schema);
  await rejects(
    ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { pk: { S: "" } } } }] } })),
    "ValidationException",
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
  );
  await rejects(
    ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: key("dup") } }, { DeleteRequest: { Key: key("dup") } }] } })),
    "ValidationException",
    "Provided list of item keys contains duplicates",
  );
  await rejects(ddb.send(new BatchWriteItemCommand({ RequestItems: { [missing]: [{ PutRequest: { Item: key("a") } }] } })), "ResourceNotFoundException", "Requested resource not found");
});

test("BatchGetItem: a malformed name is reported with the enums; key lists and projections before the table", async () => {
  await rejects(ddb.send(new BatchGetItemCommand({ RequestItems: { [missing]: { Keys: [key("a")] } }, ReturnConsumedCapacity: "BOGUS" as never })), "ValidationException", one(ENUM_RCC));
  await rejects(
    ddb.send(new BatchGetItemCommand({ RequestItems: { "bad!name": { Keys: [{ pk: { S: "a" } }] } }, ReturnConsumedCapacity: "BOGUS" as never })),
    "ValidationException",
    `2 validation errors detected: Value '{"bad!name":{"Keys":[{"pk":{"S":"a"}}]}}' at 'requestItems' failed to satisfy constraint: ${NAME_KEYS}; ${ENUM_RCC}`,
  );
  await rejects(ddb.send(new BatchGetItemCommand({ RequestItems: {} })), "ValidationException", one("Value at 'RequestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"));
  await rejects(
    ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [] } } })),
    "ValidationException",
    one(`Value at 'RequestItems.${table}.member.Keys' failed to satisfy constraint: Member must have length greater than or equal to 1`),
  );
  const keys = Array.from({ length: 101 }, (_, i) => key(`bg-${i}`));
  await rejects(
    ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys } } })),
    "ValidationException",
    one(`Value at 'RequestItems.${table}.member.Keys' failed to satisfy constraint: Member must have length less than or equal to 100`),
  );
  // A bad projection on a later table entry comes before the missing table of an earlier one.
  await rejects(
    ddb.send(new BatchGetItemCommand({ RequestItems: { [missing]: { Keys: [key("a")] }, [table]: { Keys: [key("a")], ProjectionExpression: "a, a" } } })),
    "ValidationException",
    "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
  );
  await rejects(ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key("d"), key("d")] } } })), "ValidationException", "Provided list of item keys contains duplicates");
  await rejects(ddb.send(new BatchGetItemCommand({ RequestItems: { [missing]: { Keys: [key("a")] } } })), "ResourceNotFoundException", "Requested resource not found");
});

test("TransactWriteItems: member constraints together; every action's expressions before any table", async () => {
  const put = (pk: string) => ({ Put: { TableName: table, Item: key(pk) } });
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [put("tx-rcc")], ReturnConsumedCapacity: "BOGUS" as never })), "ValidationException", one(ENUM_RCC));
  await rejects(
    ddb.send(new TransactWriteItemsCommand({ TransactItems: [put("tx-both")], ReturnConsumedCapacity: "BOGUS" as never, ReturnItemCollectionMetrics: "BOGUS2" as never })),
    "ValidationException",
    `2 validation errors detected: ${ENUM_RCC}; ${ENUM_RICM}`,
  );
  await absent("tx-rcc");
  const token = "x".repeat(37);
  const tokenMsg = `Value '${token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36`;
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [put("tx-token")], ClientRequestToken: token, ReturnConsumedCapacity: "BOGUS" as never })), "ValidationException", `2 validation errors detected: ${tokenMsg}; ${ENUM_RCC}`);
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: missing, Item: key("a") } }], ReturnConsumedCapacity: "BOGUS" as never })), "ValidationException", one(ENUM_RCC));
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [put("dup"), { Delete: { TableName: table, Key: key("dup") } }], ReturnConsumedCapacity: "BOGUS" as never })), "ValidationException", one(ENUM_RCC));
  const many = Array.from({ length: 101 }, (_, i) => put(`tx-${i}`));
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: many })), "ValidationException", one("Value at 'TransactItems' failed to satisfy constraint: Member must have length less than or equal to 100"));

  const badCheck = { ConditionCheck: { TableName: table, Key: key("cc"), ConditionExpression: "attribute_not_exists(" } };
  const SYNTAX = 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("';
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: missing, Item: key("a") } }, badCheck] })), "ValidationException", SYNTAX);
  const unused = { ConditionCheck: { TableName: table, Key: key("cc"), ConditionExpression: "attribute_not_exists(pk)", ExpressionAttributeValues: { ":v": { S: "x" } } } };
  const UNUSED = "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}";
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: missing, Item: key("a") } }, unused] })), "ValidationException", UNUSED);
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [unused, { Put: { TableName: missing, Item: key("a") } }] })), "ValidationException", UNUSED);
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [put("cc"), unused] })), "ValidationException", UNUSED);
  await absent("cc");
  await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: missing, Item: key("a") } }] })), "ResourceNotFoundException", "Requested resource not found");
});

test("TransactWriteItems: a key of the wrong type cancels the transaction with a ValidationError reason; an empty key is refused outright", async () => {
  const reason = async (item: object, message: string) => {
    const err = (await rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [item as never] })), "TransactionCanceledException")) as unknown as TransactionCanceledException;
    assert.equal(err.message, "Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]");
    assert.deepEqual(err.CancellationReasons!.map((r) => [r.Code, r.Message]), [["ValidationError", message]]);
  };
  await reason({ Put: { TableName: table, Item: { pk: { N: "5" } } } }, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N");
  const schema = "The provided key element does not match the schema";
  await reason({ Update: { TableName: table, Key: { pk: { N: "5" } }, UpdateExpression: "SET a = :v", ExpressionAttributeValues: { ":v": { S: "x" } } } }, schema);
  await reason({ Delete: { TableName: table, Key: { pk: { N: "5" } } } }, schema);
  await reason({ ConditionCheck: { TableName: table, Key: { pk: { N: "5" } }, ConditionExpression: "attribute_not_exists(pk)" } }, schema);
  await rejects(
    ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ Delete: { TableName: table, Key: { pk: { S: "" } } } }] })),
    "ValidationException",
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
  );
});

test("TransactGetItems: enums ahead of a missing table or a duplicate; projections before the table", async () => {
  await rejects(ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: missing, Key: key("a") } }], ReturnConsumedCapacity: "BOGUS" as never })), "ValidationException", one(ENUM_RCC));
  await rejects(
    ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: table, Key: key("a") } }, { Get: { TableName: table, Key: key("a") } }], ReturnConsumedCapacity: "BOGUS" as never })),
    "ValidationException",
    one(ENUM_RCC),
  );
  await rejects(
    ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: missing, Key: key("a") } }, { Get: { TableName: table, Key: key("a"), ProjectionExpression: "!!!" } }] })),
    "ValidationException",
    'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"',
  );
  await rejects(ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: missing, Key: key("a") } }] })), "ResourceNotFoundException", "Requested resource not found");
  const err = (await rejects(ddb.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: table, Key: {} } }] })), "TransactionCanceledException")) as unknown as TransactionCanceledException;
  assert.deepEqual(err.CancellationReasons!.map((r) => r.Code), ["ValidationError"]);
});
