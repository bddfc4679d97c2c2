/**
 * Capacity unit math and the ConsumedCapacity shapes, case by case. Sources: "DynamoDB read and write
 * operations" and "Provisioned throughput considerations for Global Secondary Indexes" (Developer Guide),
 * the AWS CLI's documented outputs (transact-get-items, transact-write-items, query on an LSI), and
 * answers characterised against real DynamoDB by public conformance suites.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { IndexMeta, Item, TableMeta } from "../store.js";
import { CapacityMeter, indexWriteUnits, readUnits, transactReadUnits, writeUnits } from "./capacity.js";

const KB = 1024;

test("readUnits: 4 KB units, eventual reads half, transactional reads double", () => {
  const cases: Array<[string, number, boolean, number]> = [
    // "reading a 3,500-byte item consumes the same throughput as reading a 4 KB item"
    ["3,500-byte item, strongly consistent", 3500, true, 1],
    ["3,500-byte item, eventually consistent", 3500, false, 0.5],
    // "if your item size is 8 KB, you require 2 read units ... 1 for eventually consistent"
    ["8 KB item, strongly consistent", 8 * KB, true, 2],
    ["8 KB item, eventually consistent", 8 * KB, false, 1],
    // "If you read a 10 KB item, DynamoDB rounds the item size to 12 KB"
    ["10 KB item, strongly consistent", 10 * KB, true, 3],
    ["10 KB item, eventually consistent", 10 * KB, false, 1.5],
    // a missing item (or an empty Query/Scan page) still costs the minimum unit
    ["nothing read, strongly consistent", 0, true, 1],
    ["nothing read, eventually consistent", 0, false, 0.5],
    // a Query sums the sizes of the items it reads and rounds once: "1,500 items of 64 bytes each ... 96 KB"
    ["Query of 1,500 items of 64 bytes, strongly consistent", 1500 * 64, true, 24],
    ["Query of 10 items totalling 40.8 KB (rounded to 44 KB), eventually consistent", 40.8 * KB, false, 5.5],
  ];
  for (const [name, bytes, consistent, units] of cases) assert.equal(readUnits(bytes, consistent), units, name);
  // "an 8 KB item ... 4 read units for a transactional read"; a missing item costs 2 in a transaction.
  assert.equal(transactReadUnits(8 * KB), 4);
  assert.equal(transactReadUnits(0), 2);
  // BatchGetItem rounds each item: "1.5 KB and 6.5 KB ... 12 KB (4 KB + 8 KB), not 8 KB" = 3 strongly consistent units.
  assert.equal(readUnits(1.5 * KB, true) + readUnits(6.5 * KB, true), 3);
});

test("writeUnits: 1 KB units rounded up per item", () => {
  const cases: Array<[string, number, number]> = [
    ["500-byte item", 500, 1],
    ["exactly 1 KB", KB, 1],
    ["1.5 KB item", 1.5 * KB, 2],
    ["delete of a missing item", 0, 1],
    ["400 KB item", 400 * KB, 400],
  ];
  for (const [name, bytes, units] of cases) assert.equal(writeUnits(bytes), units, name);
});

const gsi: IndexMeta = { name: "gsi-inc", iid: 1, kind: "GSI", hashKey: "gsiPk", hashType: "S", projectionType: "INCLUDE", nonKeyAttributes: ["proj"], status: "ACTIVE" };
const lsi: IndexMeta = { name: "lsi1", iid: 2, kind: "LSI", hashKey: "pk", hashType: "S", rangeKey: "lsiSk", rangeType: "S", projectionType: "ALL", status: "ACTIVE" };
const meta = { name: "t", hashKey: "pk", hashType: "S", rangeKey: "sk", rangeType: "S", gsis: [gsi], lsis: [lsi] } as unknown as TableMeta;
const S = (s: string) => ({ S: s });
const seeded: Item = { pk: S("a"), sk: S("1"), gsiPk: S("g"), lsiSk: S("L1"), proj: S("p"), other: S("o") };

test("indexWriteUnits: an index pays only when the write changes what it stores", () => {
  const cases: Array<[string, Item | undefined, Item | undefined, number, number]> = [
    // [case, old, new, GSI units, LSI units]
    ["new item in both indexes", undefined, seeded, 1, 1],
    ["new sparse item", undefined, { pk: S("a"), sk: S("1"), other: S("o") }, 0, 0],
    ["identical overwrite", seeded, { ...seeded }, 0, 0],
    ["non-projected attribute changed (INCLUDE GSI unchanged, ALL LSI changed)", seeded, { ...seeded, other: S("o2") }, 0, 1],
    ["projected attribute changed", seeded, { ...seeded, proj: S("p2") }, 1, 1],
    ["index key moved: a delete plus a put", seeded, { ...seeded, gsiPk: S("g2") }, 2, 1],
    ["index key removed: a delete", seeded, (({ gsiPk: _, ...rest }) => rest)(seeded), 1, 1],
    ["LSI key moved", seeded, { ...seeded, lsiSk: S("L2") }, 0, 2],
    ["item deleted", seeded, undefined, 1, 1],
  ];
  for (const [name, old, next, g, l] of cases) {
    assert.equal(indexWriteUnits(meta, gsi, old, next), g, `${name} (GSI)`);
    assert.equal(indexWriteUnits(meta, lsi, old, next), l, `${name} (LSI)`);
  }
});

test("CapacityMeter: TOTAL is TableName and CapacityUnits; INDEXES adds only the charged arms", () => {
  const total = new CapacityMeter("TOTAL");
  total.write(meta, undefined, { pk: S("a"), sk: S("1"), gsiPk: S("g") });
  assert.deepEqual(total.one(meta), { TableName: "t", CapacityUnits: 2 });

  const indexes = new CapacityMeter("INDEXES");
  indexes.write(meta, undefined, { pk: S("a"), sk: S("1"), gsiPk: S("g") });
  assert.deepEqual(indexes.one(meta), { TableName: "t", CapacityUnits: 2, Table: { CapacityUnits: 1 }, GlobalSecondaryIndexes: { "gsi-inc": { CapacityUnits: 1 } } });

  // A Query on an LSI (AWS CLI query example 5): the table arm is there with 0.
  const query = new CapacityMeter("INDEXES");
  query.read(meta, 0.5, lsi);
  assert.deepEqual(query.one(meta), { TableName: "t", CapacityUnits: 0.5, Table: { CapacityUnits: 0 }, LocalSecondaryIndexes: { lsi1: { CapacityUnits: 0.5 } } });

  assert.equal(new CapacityMeter("NONE").one(meta), undefined);
});

test("CapacityMeter: transactions carry the read/write split (AWS CLI transact-get-items / transact-write-items)", () => {
  const reads = new CapacityMeter("TOTAL", true);
  reads.read(meta, transactReadUnits(100));
  reads.read(meta, transactReadUnits(100));
  assert.deepEqual(reads.list(), [{ TableName: "t", CapacityUnits: 4, ReadCapacityUnits: 4 }]);

  const writes = new CapacityMeter("INDEXES", true);
  writes.write(meta, undefined, { pk: S("a"), sk: S("1") }, 2);
  writes.tableWrite(meta, 2);
  assert.deepEqual(writes.list(), [{ TableName: "t", CapacityUnits: 4, WriteCapacityUnits: 4, Table: { CapacityUnits: 4, WriteCapacityUnits: 4 } }]);
});

test("CapacityMeter: a table named by its ARN is answered with the ARN", () => {
  const arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t";
  const m = new CapacityMeter("TOTAL");
  m.read(meta, 1, undefined, arn);
  assert.deepEqual(m.one(meta, arn), { TableName: arn, CapacityUnits: 1 });
});
