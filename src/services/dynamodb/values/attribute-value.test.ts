import { test } from "node:test";
import assert from "node:assert/strict";
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { attributeValuesEqual, compareAttributeValues, decodeKeyValue, encodeKeyValue, itemSize, validateAttributeValue } from "./attribute-value.js";

test("validateAttributeValue: AWS messages", () => {
  const cases: [unknown, string][] = [
    [{}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"],
    [{ S: "a", N: "1" }, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"],
    [{ SS: [] }, "One or more parameter values were invalid: An string set  may not be empty"],
    [{ NS: [] }, "One or more parameter values were invalid: An number set  may not be empty"],
    [{ BS: [] }, "One or more parameter values were invalid: Binary sets should not be empty"],
    [{ BS: [new Uint8Array(0), new Uint8Array(0)] }, "One or more parameter values were invalid: Input collection [, ]of type BS contains duplicates."],
    [{ SS: ["a", "a"] }, "One or more parameter values were invalid: Input collection [a, a] contains duplicates."],
    [{ NS: ["1", "1.0"] }, "One or more parameter values were invalid: Input collection [1, 1] contains duplicates."],
    [{ N: "abc" }, "The parameter cannot be converted to a numeric value: abc"],
    [{ M: { x: { L: [{ N: "1E+200" }] } } }, "Number overflow. Attempting to store a number with magnitude larger than supported range"],
    [{ L: [{}] }, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"],
  ];
  for (const [v, msg] of cases) assert.throws(() => validateAttributeValue(v as AttributeValue), (e: Error) => e.message === msg, JSON.stringify(v));
  const ok: AttributeValue = { M: { n: { N: "01.50" }, s: { NS: ["1e2", "3"] } } };
  validateAttributeValue(ok);
  assert.deepEqual(ok, { M: { n: { N: "1.5" }, s: { NS: ["100", "3"] } } });
});

test("attributeValuesEqual: sets as sets, numbers numerically", () => {
  assert.ok(attributeValuesEqual({ SS: ["a", "b"] }, { SS: ["b", "a"] }));
  assert.ok(attributeValuesEqual({ NS: ["1", "2"] }, { NS: ["2.0", "1"] }));
  assert.ok(attributeValuesEqual({ M: { a: { L: [{ N: "1" }] } } }, { M: { a: { L: [{ N: "1.0" }] } } }));
  assert.ok(!attributeValuesEqual({ S: "1" }, { N: "1" }));
  assert.ok(!attributeValuesEqual({ L: [{ N: "1" }, { N: "2" }] }, { L: [{ N: "2" }, { N: "1" }] }));
});

test("compareAttributeValues: UTF-8 byte order for S", () => {
  assert.equal(compareAttributeValues({ S: "a" }, { S: "B" }), 1);
  assert.equal(compareAttributeValues({ S: "\uFFFF" }, { S: "\u{10000}" }), -1); // UTF-16 order would say otherwise
  assert.equal(compareAttributeValues({ N: "10" }, { N: "9" }), 1);
});

test("itemSize: per 'Item sizes and formats'", () => {
  assert.equal(itemSize({ name: { S: "abc" } }), 7);
  assert.equal(itemSize({ n: { N: "12345" } }), 1 + 4);
  assert.equal(itemSize({ b: { BOOL: true }, z: { NULL: true } }), 4);
  assert.equal(itemSize({ l: { L: [{ S: "ab" }] } }), 1 + 3 + 1 + 2);
});

test("encodeKeyValue: byte order equals numeric order, round trips", () => {
  const nums = ["-1e125", "-100", "-10.5", "-10", "-1", "-0.5", "-0.05", "0", "1E-130", "0.05", "0.5", "1", "1.5", "10", "10.01", "100", "9.9999999999999999999999999999999999999E+125"];
  const enc = nums.map((n) => encodeKeyValue({ N: n }));
  for (let i = 1; i < enc.length; i++) assert.equal(Buffer.compare(enc[i - 1]!, enc[i]!), -1, `${nums[i - 1]} < ${nums[i]}`);
  for (let i = 0; i < nums.length; i++) assert.deepEqual(decodeKeyValue("N", enc[i]!), { N: (() => { const v = { N: nums[i]! }; validateAttributeValue(v); return v.N; })() });
  assert.equal(decodeKeyValue("S", encodeKeyValue({ S: "héllo" })).S, "héllo");
});
