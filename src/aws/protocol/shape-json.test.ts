import assert from "node:assert/strict";
import { test } from "node:test";
import { loadModel } from "../models/loader.js";
import { rawJson, stringifyJson } from "./shape-json.js";

const dynamodb = loadModel("dynamodb");
const getItemOutput = dynamodb.operations.get("GetItem")!.output!;
const cloudwatch = loadModel("cloudwatch");

// A stored DynamoDB item is the AttributeValue map in its wire form (B in base64): written as it is.
const cases: Array<[string, string]> = [
  ["every type", '{"pk":{"S":"a"},"b":{"B":"AAH/"},"bs":{"BS":["AQ==","Ag=="]},"n":{"N":"-12.5"},"l":{"L":[{"M":{"d":{"B":"CQ=="}}},{"NULL":true}]}}'],
  ["names JSON escapes, integer-like names", '{"10":{"S":"x"},"2":{"S":"y"},"q\\"u\\u2028o":{"S":"\\u0001raw1:0"}}'],
  ["values that look like marks", `{"m":{"S":"\\u0001raw${process.pid}:0"},"d":{"S":"\\u0001dbl${process.pid}:1"}}`],
];

for (const [name, text] of cases) {
  test(`stringifyJson: a RawJson Item is written as it is (${name})`, () => {
    const out = stringifyJson(getItemOutput, { Item: rawJson(text), ConsumedCapacity: { TableName: "t1x", CapacityUnits: 0.5 } });
    assert.equal(out, `{"Item":${text},"ConsumedCapacity":{"TableName":"t1x","CapacityUnits":0.5}}`);
    assert.deepEqual(JSON.parse(out).Item, JSON.parse(text));
  });
}

test("stringifyJson: two RawJson values and integral doubles in one answer", () => {
  const shape = dynamodb.operations.get("BatchGetItem")!.output!;
  const a = '{"pk":{"S":"\\u0001raw0"}}';
  const b = '{"pk":{"S":"b"}}';
  const out = stringifyJson(shape, { Responses: { t1x: [rawJson(a), rawJson(b)] }, ConsumedCapacity: [{ TableName: "t1x", CapacityUnits: 1 }] });
  assert.equal(out, `{"Responses":{"t1x":[${a},${b}]},"ConsumedCapacity":[{"TableName":"t1x","CapacityUnits":1.0}]}`);
});

test("a RawJson value where the shape is not walked is still written right (parsed)", () => {
  const shape = cloudwatch.operations.get("ListMetrics")!.output!; // strings only: no walk below Metrics
  const text = '{"Namespace":"N","MetricName":"M","Dimensions":[]}';
  const out = stringifyJson(shape, { Metrics: [rawJson(text)] });
  assert.deepEqual(JSON.parse(out), { Metrics: [JSON.parse(text)] });
});
