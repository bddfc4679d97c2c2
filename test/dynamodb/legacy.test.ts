/**
 * Issue 9 item 9: legacy parameters beside expressions (which mixes AWS accepts, which it refuses) and
 * the validation of the legacy Expected / AttributeUpdates / QueryFilter parameters.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PutItemCommand, QueryCommand, UpdateItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let table: string;
before(async () => {
  server = await startServer();
  ({ ddb } = clients(server));
  table = await createTable(ddb, { sk: "N" });
  for (let i = 1; i <= 3; i++) await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "p" }, sk: { N: String(i) }, v: { N: String(i * 10) }, w: { S: "x" } } }));
});
after(() => server.stop());

const keyConditions = { pk: { ComparisonOperator: "EQ" as const, AttributeValueList: [{ S: "p" }] } };

test("Query: KeyConditions is accepted beside FilterExpression and ProjectionExpression", async () => {
  const r = await ddb.send(
    new QueryCommand({ TableName: table, KeyConditions: keyConditions, FilterExpression: "v > :min", ProjectionExpression: "sk", ExpressionAttributeValues: { ":min": { N: "15" } } }),
  );
  assert.deepEqual(r.Items, [{ sk: { N: "2" } }, { sk: { N: "3" } }]);
});

test("Query: other mixes of legacy and expression parameters are refused with AWS's message", async () => {
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditions: keyConditions, KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "p" } } })),
    "ValidationException",
    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}",
  );
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :p", QueryFilter: { v: { ComparisonOperator: "GT", AttributeValueList: [{ N: "1" }] } }, ExpressionAttributeValues: { ":p": { S: "p" } } })),
    "ValidationException",
    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter} Expression parameters: {KeyConditionExpression}",
  );
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditions: keyConditions, AttributesToGet: ["v"], ProjectionExpression: "v" })),
    "ValidationException",
    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
  );
});

test("Query: a QueryFilter with a bad operator or argument count is a ValidationException", async () => {
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditions: keyConditions, QueryFilter: { v: { ComparisonOperator: "BETWEEN", AttributeValueList: [{ N: "1" }] } } })),
    "ValidationException",
    "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator",
  );
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditions: keyConditions, QueryFilter: { v: { ComparisonOperator: "LIKE" as never, AttributeValueList: [{ N: "1" }] } } })),
    "ValidationException",
    "1 validation error detected: Value 'LIKE' at 'queryFilter.v.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
  );
});

test("PutItem: Expected with conflicting members is a ValidationException, not a failed condition", async () => {
  const item = { pk: { S: "p" }, sk: { N: "9" } };
  await rejects(
    ddb.send(new PutItemCommand({ TableName: table, Item: item, Expected: { v: { Exists: true, ComparisonOperator: "EQ", AttributeValueList: [{ N: "1" }] } } })),
    "ValidationException",
    "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: v",
  );
  await rejects(
    ddb.send(new PutItemCommand({ TableName: table, Item: item, Expected: { v: { AttributeValueList: [{ N: "1" }] } } })),
    "ValidationException",
    "One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: v",
  );
  await rejects(
    ddb.send(new PutItemCommand({ TableName: table, Item: item, Expected: { v: { ComparisonOperator: "NULL", AttributeValueList: [{ N: "1" }] } } })),
    "ValidationException",
    "One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator",
  );
});

test("UpdateItem: AttributeUpdates with an unknown Action or a wrong type is refused; ADD appends to a list", async () => {
  const key = { pk: { S: "p" }, sk: { N: "1" } };
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: key, AttributeUpdates: { v: { Action: "NONEXISTENT" as never, Value: { N: "1" } } } })),
    "ValidationException",
    "1 validation error detected: Value 'NONEXISTENT' at 'attributeUpdates.v.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]",
  );
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: key, AttributeUpdates: { w: { Action: "ADD", Value: { S: "y" } } } })),
    "ValidationException",
    "One or more parameter values were invalid: ADD action is not supported for the type S",
  );
  await rejects(
    ddb.send(new UpdateItemCommand({ TableName: table, Key: key, AttributeUpdates: { w: { Action: "DELETE", Value: { S: "y" } } } })),
    "ValidationException",
    "One or more parameter values were invalid: DELETE action with value is not supported for the type S",
  );
  await ddb.send(new UpdateItemCommand({ TableName: table, Key: key, AttributeUpdates: { l: { Action: "PUT", Value: { L: [{ S: "a" }] } } } }));
  await ddb.send(new UpdateItemCommand({ TableName: table, Key: key, AttributeUpdates: { l: { Action: "ADD", Value: { L: [{ S: "b" }] } } } }));
  const r = await ddb.send(new GetItemCommand({ TableName: table, Key: key }));
  assert.deepEqual(r.Item!.l, { L: [{ S: "a" }, { S: "b" }] });
});

test("Query: an ExclusiveStartKey outside the key condition is refused", async () => {
  const q = (esk: Record<string, { S: string } | { N: string }>, sortCond = "") =>
    ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: `pk = :p${sortCond}`,
        ExpressionAttributeValues: { ":p": { S: "p" }, ...(sortCond ? { ":lo": { N: "2" } } : {}) },
        ExclusiveStartKey: esk,
      }),
    );
  const message = "The provided starting key is outside query boundaries based on provided conditions";
  await rejects(q({ pk: { S: "other" }, sk: { N: "1" } }), "ValidationException", message);
  await rejects(q({ pk: { S: "p" }, sk: { N: "1" } }, " AND sk >= :lo"), "ValidationException", message);
  const r = await q({ pk: { S: "p" }, sk: { N: "2" } }, " AND sk >= :lo");
  assert.deepEqual(r.Items!.map((i) => i.sk!.N), ["3"]);
});

test("Query: KeyConditions with a wrong argument count or operator is a ValidationException", async () => {
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditions: { pk: { ComparisonOperator: "EQ", AttributeValueList: [] } } })),
    "ValidationException",
    "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator",
  );
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditions: { pk: { ComparisonOperator: "EQ", AttributeValueList: [{ S: "p" }] }, sk: { ComparisonOperator: "CONTAINS", AttributeValueList: [{ N: "1" }] } } })),
    "ValidationException",
    "Attempted conditional constraint is not an indexable operation",
  );
  await rejects(
    ddb.send(new QueryCommand({ TableName: table, KeyConditions: { pk: { ComparisonOperator: "EQ", AttributeValueList: [{ S: "p" }] }, sk: { ComparisonOperator: "GT", AttributeValueList: [{ N: "1" }] }, v: { ComparisonOperator: "GT", AttributeValueList: [{ N: "1" }] } } })),
    "ValidationException",
    "Conditions can be of length 1 or 2 only",
  );
});
