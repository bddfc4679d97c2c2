import assert from "node:assert/strict";
import { test } from "node:test";
import { matches, matchesAny } from "./filter-criteria.js";

// Cases from the Lambda developer guide, "Lambda event filtering" (DynamoDB record examples).
const record = { eventName: "INSERT", dynamodb: { Keys: { id: { S: "a1" } }, NewImage: { status: { S: "active" }, count: { N: "12" }, name: { S: "Skyport" } } } };
const CASES: Array<[string, object, boolean]> = [
  ["exact value list", { eventName: ["INSERT", "MODIFY"] }, true],
  ["value not in list", { eventName: ["REMOVE"] }, false],
  ["nested attribute value", { dynamodb: { NewImage: { status: { S: ["active"] } } } }, true],
  ["prefix", { dynamodb: { NewImage: { name: { S: [{ prefix: "Sky" }] } } } }, true],
  ["suffix", { dynamodb: { NewImage: { name: { S: [{ suffix: "nope" }] } } } }, false],
  ["exists true", { dynamodb: { NewImage: { count: [{ exists: true }] } } }, true],
  ["exists false on a missing field", { dynamodb: { NewImage: { other: [{ exists: false }] } } }, true],
  ["anything-but", { eventName: [{ "anything-but": ["REMOVE"] }] }, true],
  ["numeric range on a string number", { dynamodb: { NewImage: { count: { N: [{ numeric: [">", 10, "<=", 12] }] } } } }, true],
  ["numeric out of range", { dynamodb: { NewImage: { count: { N: [{ numeric: ["<", 5] }] } } } }, false],
  ["all keys must match", { eventName: ["INSERT"], dynamodb: { NewImage: { status: { S: ["inactive"] } } } }, false],
];

for (const [name, pattern, expected] of CASES) {
  test(`matches: ${name}`, () => assert.equal(matches(pattern as Record<string, unknown>, record), expected));
}

test("matchesAny: no filters lets everything through; any filter may match", () => {
  assert.equal(matchesAny([], record), true);
  assert.equal(matchesAny([{ eventName: ["REMOVE"] }, { eventName: ["INSERT"] }], record), true);
});
