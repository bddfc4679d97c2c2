/**
 * Issue 9 item 6: AWS validates the whole request (model constraints, parameter mixes, expressions and
 * their attribute maps) before it looks the table up, and lists every failed constraint at once.
 */
import { after, before, test } from "node:test";
import { GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, UpdateItemCommand, DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
before(async () => {
  server = await startServer();
  ({ ddb } = clients(server));
});
after(() => server.stop());

const missing = "no-such-table";
const key = { pk: { S: "a" } };

test("GetItem: a bad request on a missing table is a ValidationException, not ResourceNotFoundException", async () => {
  await rejects(ddb.send(new GetItemCommand({ TableName: missing, Key: key, ProjectionExpression: "a,,b" })), "ValidationException", /^Invalid ProjectionExpression: Syntax error/);
  await rejects(
    ddb.send(new GetItemCommand({ TableName: missing, Key: key, ProjectionExpression: "a", ExpressionAttributeNames: { "#u": "u" } })),
    "ValidationException",
    "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}",
  );
  await rejects(ddb.send(new GetItemCommand({ TableName: missing, Key: key })), "ResourceNotFoundException", "Requested resource not found");
});

test("PutItem/UpdateItem/DeleteItem: expressions and values are checked before the table", async () => {
  await rejects(ddb.send(new PutItemCommand({ TableName: missing, Item: { pk: { S: "a" }, n: { N: "x" } } })), "ValidationException", "The parameter cannot be converted to a numeric value: x");
  await rejects(ddb.send(new UpdateItemCommand({ TableName: missing, Key: key, UpdateExpression: "SET a = f(b)" })), "ValidationException", "Invalid UpdateExpression: Invalid function name; function: f");
  await rejects(
    ddb.send(new DeleteItemCommand({ TableName: missing, Key: key, ConditionExpression: "a = :v", Expected: { a: { Exists: false } } })),
    "ValidationException",
    /^Can not use both expression and non-expression parameters in the same request/,
  );
});

test("Query/Scan: filter and key condition errors come before ResourceNotFoundException", async () => {
  await rejects(ddb.send(new QueryCommand({ TableName: missing, KeyConditionExpression: "pk = :v" })), "ValidationException", "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v");
  await rejects(ddb.send(new ScanCommand({ TableName: missing, FilterExpression: "size(a)" })), "ValidationException", "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: size");
});

test("Scan: several failed constraints are listed together", async () => {
  await rejects(
    ddb.send(new ScanCommand({ TableName: "a!", Limit: 0, ReturnConsumedCapacity: "ALL" as never, Select: "SOME" as never })),
    "ValidationException",
    "5 validation errors detected: " +
      [
        "Value 'a!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        "Value 'a!' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        "Value 'SOME' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
        "Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
      ].join("; "),
  );
  await rejects(
    ddb.send(new PutItemCommand({ TableName: missing, Item: key, ReturnValues: "ALL" as never, ReturnItemCollectionMetrics: "X" as never })),
    "ValidationException",
    "2 validation errors detected: Value 'ALL' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]; Value 'X' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]",
  );
});

test("PutItem: refusals AWS now frames as validation errors; table name and set messages as observed", async () => {
  const t = await createTable(ddb);
  const Item = { pk: { S: "e" } };
  const one = (m: string) => `1 validation error detected: ${m}`;
  await rejects(ddb.send(new PutItemCommand({ TableName: t, Item, ExpressionAttributeNames: { "#a": "a" } })), "ValidationException", one("ExpressionAttributeNames can only be specified when using expressions"));
  await rejects(ddb.send(new PutItemCommand({ TableName: t, Item, ConditionExpression: "" })), "ValidationException", one("Invalid ConditionExpression: The expression can not be empty;"));
  await rejects(
    ddb.send(new PutItemCommand({ TableName: t, Item, Expected: { a: { Exists: true } } })),
    "ValidationException",
    one("One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a"),
  );
  await rejects(
    ddb.send(new PutItemCommand({ TableName: t, Item, Expected: { a: { ComparisonOperator: "EQ" } } })),
    "ValidationException",
    one("One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a"),
  );
  const long = "a".repeat(256);
  await rejects(ddb.send(new PutItemCommand({ TableName: long, Item })), "ValidationException", one(`Value '${long}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255`));
  await rejects(ddb.send(new PutItemCommand({ TableName: t, Item: { ...Item, b: { BS: [] } } })), "ValidationException", "One or more parameter values were invalid: Binary sets should not be empty");
});
