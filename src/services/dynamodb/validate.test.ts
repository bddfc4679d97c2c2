/**
 * CreateTable validation, case by case, with the messages AWS answers (as observed on AWS and recorded by
 * AWS-compatible implementations that test against it).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CreateTableInput, Projection } from "../../aws/api/dynamodb.js";
import { ServiceError } from "../../aws/errors.js";
import type { TableMeta } from "./store.js";
import { checkIndexKeys, keyFromItem, keyFromKey, validateCreateTable } from "./validate.js";

const base = (over: Partial<CreateTableInput> = {}): CreateTableInput => ({
  TableName: "tbl",
  AttributeDefinitions: [
    { AttributeName: "pk", AttributeType: "S" },
    { AttributeName: "sk", AttributeType: "N" },
  ],
  KeySchema: [
    { AttributeName: "pk", KeyType: "HASH" },
    { AttributeName: "sk", KeyType: "RANGE" },
  ],
  BillingMode: "PAY_PER_REQUEST",
  ...over,
});

const gsi = (name: string, keys: string[], projection: Projection = { ProjectionType: "ALL" }) => ({
  IndexName: name,
  KeySchema: keys.map((k, i) => ({ AttributeName: k, KeyType: i ? "RANGE" : "HASH" })),
  Projection: projection,
});

const CASES: Array<[string, Partial<CreateTableInput>, string]> = [
  ["hash key not first", { KeySchema: [{ AttributeName: "pk", KeyType: "RANGE" }, { AttributeName: "sk", KeyType: "HASH" }] }, "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"],
  ["same hash and range", { KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "pk", KeyType: "RANGE" }] }, "Both the Hash Key and the Range Key element in the KeySchema have the same name"],
  ["undefined key attribute", { KeySchema: [{ AttributeName: "x", KeyType: "HASH" }] }, "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [x], AttributeDefinitions: [pk, sk]"],
  ["unused definition", { AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }, { AttributeName: "z", AttributeType: "S" }] }, "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"],
  ["bad attribute type", { AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "X" }, { AttributeName: "sk", AttributeType: "N" }] }, "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"],
  ["provisioned without throughput", { BillingMode: "PROVISIONED" }, "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"],
  ["empty GSI list", { GlobalSecondaryIndexes: [] }, "One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty"],
  ["LSI with another hash key", { AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }, { AttributeName: "o", AttributeType: "S" }], LocalSecondaryIndexes: [gsi("lsi1", ["o", "sk"])] }, "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: lsi1. index hash key: o, table hash key: pk"],
  ["LSI without range key", { LocalSecondaryIndexes: [gsi("lsi1", ["pk"])] }, "One or more parameter values were invalid: Index KeySchema does not have a range key for index: lsi1"],
  ["duplicate index name", { AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }], GlobalSecondaryIndexes: [gsi("idx", ["sk"]), gsi("idx", ["sk"])] }, "One or more parameter values were invalid: Duplicate index name: idx"],
  ["projection type missing", { GlobalSecondaryIndexes: [gsi("idx", ["sk"], {})] }, "One or more parameter values were invalid: Unknown ProjectionType: null"],
  ["KEYS_ONLY with non-key attributes", { GlobalSecondaryIndexes: [gsi("idx", ["sk"], { ProjectionType: "KEYS_ONLY", NonKeyAttributes: ["a"] })] }, "One or more parameter values were invalid: ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"],
  ["GSI throughput with on-demand", { GlobalSecondaryIndexes: [{ ...gsi("idx", ["sk"]), ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 } }] }, "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: idx when BillingMode is PAY_PER_REQUEST"],
  ["short index name", { GlobalSecondaryIndexes: [gsi("ix", ["sk"])] }, "1 validation error detected: Value 'ix' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3"],
];

for (const [name, over, message] of CASES) {
  test(`validateCreateTable: ${name}`, () => {
    assert.throws(
      () => validateCreateTable(base(over)),
      (e: unknown) => e instanceof ServiceError && e.code === "ValidationException" && e.message === message,
    );
  });
}

test("validateCreateTable: a valid definition parses keys and indexes", () => {
  const p = validateCreateTable(base({ GlobalSecondaryIndexes: [gsi("bySk", ["sk"], { ProjectionType: "INCLUDE", NonKeyAttributes: ["a"] })] }));
  assert.equal(p.hashKey, "pk");
  assert.equal(p.rangeType, "N");
  assert.deepEqual(p.gsis.map((g) => [g.name, g.hashKey, g.projectionType, g.nonKeyAttributes]), [["bySk", "sk", "INCLUDE", ["a"]]]);
});

const meta = {
  name: "t",
  hashKey: "pk",
  hashType: "S",
  rangeKey: "sk",
  rangeType: "N",
  gsis: [{ name: "byG", iid: 1, kind: "GSI", hashKey: "g", hashType: "S", projectionType: "ALL", status: "ACTIVE" }],
  lsis: [],
} as unknown as TableMeta;

const fails = (f: () => unknown, message: string) => assert.throws(f, (e: unknown) => e instanceof ServiceError && e.message === message);

test("keyFromKey and keyFromItem: AWS's key errors", () => {
  fails(() => keyFromKey(meta, { pk: { S: "a" } }), "The provided key element does not match the schema");
  fails(() => keyFromKey(meta, { pk: { S: "a" }, sk: { S: "1" } }), "The provided key element does not match the schema");
  fails(() => keyFromKey(meta, { pk: { S: "a" }, sk: { N: "1" }, x: { S: "1" } }), "The provided key element does not match the schema");
  fails(() => keyFromItem(meta, { pk: { S: "a" } }), "One or more parameter values were invalid: Missing the key sk in the item");
  fails(() => keyFromItem(meta, { pk: { S: "a" } }, true), "The provided key element does not match the schema");
  fails(() => keyFromItem(meta, { pk: { N: "1" }, sk: { N: "1" } }), "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N");
  fails(() => keyFromItem(meta, { pk: { S: "" }, sk: { N: "1" } }), "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk");
  fails(() => keyFromItem(meta, { pk: { S: "x".repeat(2049) }, sk: { N: "1" } }), "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
  fails(() => checkIndexKeys(meta, { pk: { S: "a" }, sk: { N: "1" }, g: { BOOL: true } }), "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: BOOL IndexName: byG");
  const k = keyFromItem(meta, { pk: { S: "a" }, sk: { N: "1" }, g: { S: "x" } });
  assert.ok(Buffer.isBuffer(k.pk) && Buffer.isBuffer(k.sk));
});
