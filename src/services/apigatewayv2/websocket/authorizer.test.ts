import assert from "node:assert/strict";
import { test } from "node:test";
import { globMatches, policyAllows } from "./authorizer.js";

// IAM policy of a Lambda authorizer's answer ("Output from an API Gateway Lambda authorizer"): an explicit
// Deny wins, otherwise an Allow of execute-api:Invoke must cover the method ARN; `*` and `?` are wildcards.
const ARN = "arn:aws:execute-api:us-east-1:000000000000:abcdefghij/prod/$connect";
const allow = (Resource: unknown, Action: unknown = "execute-api:Invoke") => ({ Effect: "Allow", Action, Resource });
const deny = (Resource: unknown) => ({ Effect: "Deny", Action: "execute-api:Invoke", Resource });
const CASES: Array<[string, unknown, boolean]> = [
  ["exact Allow", [allow(ARN)], true],
  ["wildcard stage and route", [allow("arn:aws:execute-api:us-east-1:000000000000:abcdefghij/*/*")], true],
  ["a single statement object, not a list", allow("*"), true],
  ["Resource list", [allow(["arn:aws:execute-api:*:*:other/*", ARN])], true],
  ["execute-api:* action", [allow(ARN, "execute-api:*")], true],
  ["another API", [allow("arn:aws:execute-api:us-east-1:000000000000:zzzzzzzzzz/*")], false],
  ["another action", [allow(ARN, "s3:GetObject")], false],
  ["explicit Deny wins over Allow", [allow("*"), deny(ARN)], false],
  ["no statements", [], false],
  ["? matches one character", [allow("arn:aws:execute-api:us-east-?:000000000000:abcdefghij/prod/$connect")], true],
];
for (const [why, statements, expected] of CASES) test(`policyAllows: ${why}`, () => assert.equal(policyAllows(statements, ARN), expected));

test("globMatches: backtracking stays bounded on adversarial patterns", () => {
  assert.equal(globMatches("*a*a*a*a*a*a*a*a*b", "a".repeat(2000)), false);
  assert.equal(globMatches("a".repeat(3000), "a".repeat(3000)), false); // over the pattern size bound
});
