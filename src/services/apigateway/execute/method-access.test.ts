/** IAM's `*`/`?` wildcards as ArnLike uses them ("IAM JSON policy elements: Condition operators"). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { wildcardMatch } from "./method-access.js";

const CASES: Array<[string, string, boolean]> = [
  ["arn:aws:execute-api:us-east-1:1:abc/*/GET/items", "arn:aws:execute-api:us-east-1:1:abc/dev/GET/items", true],
  ["arn:aws:execute-api:us-east-1:1:abc/*/GET/*", "arn:aws:execute-api:us-east-1:1:abc/dev/GET/items/{id}", true],
  ["arn:aws:execute-api:us-east-1:1:abc/*/POST/*", "arn:aws:execute-api:us-east-1:1:abc/dev/GET/items", false],
  ["arn:aws:execute-api:*:1:abc/d?v/*", "arn:aws:execute-api:eu-west-1:1:abc/dev/GET/", true],
  ["*", "", true],
  ["a*", "", false],
  ["*a*a*a*a*a*a*a*b", "a".repeat(5000), false],
];

for (const [pattern, text, expected] of CASES) {
  test(`wildcardMatch: ${pattern.slice(0, 40)} vs ${text.slice(0, 40)} → ${expected}`, () => assert.equal(wildcardMatch(pattern, text), expected));
}
