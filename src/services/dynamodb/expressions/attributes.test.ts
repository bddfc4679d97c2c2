import { test } from "node:test";
import assert from "node:assert/strict";
import { ExpressionAttributes } from "./attributes.js";

const msg = (m: string) => (e: Error) => e.message === m;

test("ExpressionAttributes: empty maps are rejected", () => {
  assert.throws(() => new ExpressionAttributes({}), msg("ExpressionAttributeNames must not be empty"));
  assert.throws(() => new ExpressionAttributes(undefined, {}), msg("ExpressionAttributeValues must not be empty"));
});

test("ExpressionAttributes: undefined placeholders", () => {
  const a = new ExpressionAttributes({ "#a": "a" }, { ":v": { S: "x" } });
  assert.throws(() => a.name("#x"), msg("An expression attribute name used in the document path is not defined; attribute name: #x"));
  assert.throws(() => a.name("#x", "ConditionExpression"), msg("Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"));
  assert.throws(() => a.value(":w"), msg("An expression attribute value used in expression is not defined; attribute value: :w"));
});

test("ExpressionAttributes: unused names and values across a request", () => {
  const a = new ExpressionAttributes({ "#a": "a", "#b": "b" }, { ":v": { S: "x" } });
  assert.equal(a.name("#a"), "a");
  assert.throws(() => a.assertAllUsed(), msg("Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"));
  a.name("#b");
  assert.throws(() => a.assertAllUsed(), msg("Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"));
  assert.deepEqual(a.value(":v"), { S: "x" });
  a.assertAllUsed();
});
