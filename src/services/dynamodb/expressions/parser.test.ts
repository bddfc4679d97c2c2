/**
 * The expression parser and checker: accepted forms (parenthesised operands as ElectroDB and others
 * write them) and AWS's messages for the errors (DynamoDB Developer Guide, "Condition expressions",
 * "Update expressions"; wording as AWS answers).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { applyUpdate, evaluateCondition, ExpressionAttributes, parseCondition, parseProjection, parseUpdate } from "./index.js";

const values: Record<string, AttributeValue> = { ":v": { N: "2" }, ":d": { N: "10" }, ":b": { N: "3" }, ":s": { S: "x" }, ":l": { L: [{ S: "z" }] }, ":t": { S: "N" } };
const attrs = () => new ExpressionAttributes({ "#x": "x", "#n": "n" }, values);
const item: Record<string, AttributeValue> = { n: { N: "5" }, b: { S: "abc" }, c: { L: [{ N: "1" }, { N: "4" }] }, m: { M: { a: { N: "6" } } } };

test("parseUpdate: parenthesised operands and arithmetic", () => {
  const cases: [string, Record<string, AttributeValue>][] = [
    ["SET #x = (if_not_exists(#x, :d) - :v)", { x: { N: "8" } }],
    ["SET #n = (#n + :v)", { n: { N: "7" } }],
    ["SET x = ((c[1]) + (m.a))", { x: { N: "10" } }],
    ["SET x = (n) - (:v)", { x: { N: "3" } }],
    ["SET x = list_append((c), :l)", { x: { L: [{ N: "1" }, { N: "4" }, { S: "z" }] } }],
    ["set x = :s remove b", { x: { S: "x" } }],
  ];
  for (const [expr, changed] of cases) {
    const out = applyUpdate(item, parseUpdate(expr, attrs())).item;
    for (const k in changed) assert.deepEqual(out[k], changed[k], expr);
  }
});

test("parseCondition: parenthesised operands and conditions", () => {
  const cases: [string, boolean][] = [
    ["(size(b)) = :b", true],
    ["(n) > (:v)", true],
    ["(n > :v) AND (NOT (b = :s))", true],
    ["NOT (n > :v AND attribute_exists(b))", false],
    ["(attribute_type(n, :t))", true],
    ["n IN (:v, :b) OR (contains(b, :s))", false],
    ["#n BETWEEN :v AND :d", true],
  ];
  for (const [expr, want] of cases) assert.equal(evaluateCondition(parseCondition(expr, attrs()), item), want, expr);
});

const msg = (m: string) => (e: Error) => e.message === m;

test("parse errors: AWS's messages", () => {
  const cases: [() => unknown, string][] = [
    [() => parseUpdate("SET a = f123_hi(b)", attrs()), "Invalid UpdateExpression: Invalid function name; function: f123_hi"],
    [() => parseUpdate("SET a = size(b)", attrs()), "Invalid UpdateExpression: Invalid function name; function: size"],
    [() => parseCondition("foo(a) AND b = :v", attrs()), "Invalid ConditionExpression: Invalid function name; function: foo"],
    [() => parseCondition("attribute_exists(a) = :v", attrs(), "FilterExpression"), "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: attribute_exists"],
    [() => parseCondition("size(a)", attrs()), "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"],
    [() => parseCondition("((a = :v))", attrs()), "Invalid ConditionExpression: The expression has redundant parentheses;"],
    [() => parseCondition("begins_with(a)", attrs()), "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1"],
    [() => parseCondition("begins_with(a, :v)", attrs()), "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"],
    [() => parseCondition("attribute_exists(:v)", attrs()), "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"],
    [() => parseCondition("a = a", attrs()), "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"],
    [() => parseCondition("a BETWEEN :d AND :v", attrs()), "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:2}"],
    [() => parseCondition("a BETWEEN :s AND :v", attrs()), "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {S:x}, upper bound operand: AttributeValue: {N:2}"],
    [() => parseCondition("name = :v", attrs()), "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"],
    [() => parseCondition("a = :nope", attrs()), "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"],
    [() => parseCondition("a =", attrs()), 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="'],
    [() => parseCondition("", attrs()), "Invalid ConditionExpression: The expression can not be empty;"],
    [() => parseUpdate("SET a = :v, a.b = :v", attrs()), "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"],
    [() => parseUpdate("SET a[1] = :v, a.b = :v", attrs()), "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]"],
    [() => parseUpdate("SET a = :v SET b = :v", attrs()), 'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'],
    [() => parseUpdate("ADD a :s", attrs()), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"],
    [() => parseUpdate("SET a = b + :s", attrs()), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"],
    [() => parseUpdate("SET a = list_append(b, :v)", attrs()), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N"],
    [() => parseUpdate("SET a = if_not_exists(:v, :v)", attrs()), "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"],
    [() => parseProjection("a, a.b", attrs()), "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"],
  ];
  for (const [f, m] of cases) assert.throws(f, msg(m), m);
});

test("parse limits: 4 KB expressions, bounded nesting, no stack overflow", () => {
  const big = "a = :v OR ".repeat(410) + "a = :v";
  assert.throws(() => parseCondition(big, attrs()), msg(`Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: ${big.length}`));
  // 2,000 open parentheses fit in 4 KB: a syntax error, never a crash.
  assert.throws(() => parseCondition("(".repeat(2000) + "a = :v" + ")".repeat(2000), attrs()), /Invalid ConditionExpression: Syntax error; token: /);
  assert.throws(() => parseCondition("(".repeat(4096), attrs()), /Invalid ConditionExpression: Syntax error; token: /);
  assert.throws(() => parseCondition("NOT ".repeat(1000) + "a = :v", attrs()), /Invalid ConditionExpression: Syntax error; token: /);
  // Balanced nesting within the limit parses.
  assert.equal(evaluateCondition(parseCondition("(n > :v AND ".repeat(40) + "n > :v" + ")".repeat(40), attrs()), item), true);
});
