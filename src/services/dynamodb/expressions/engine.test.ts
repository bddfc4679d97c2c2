/**
 * Table-driven cases for the expression engine, numbers and PartiQL. Expected values follow the
 * DynamoDB Developer Guide ("Comparison operator and function reference", "Update expressions",
 * "Number data type", "PartiQL select/insert/update/delete statements").
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { encodeKeyValue } from "../values/attribute-value.js";
import { addNumbers, compareNumbers, normalizeNumber } from "../values/number.js";
import { applyUpdate, evaluateCondition, ExpressionAttributes, parseCondition, parseKeyCondition, parseProjection, parseUpdate, project } from "./index.js";
import { parsePartiql } from "../partiql/parser.js";

type Item = Record<string, AttributeValue>;

test("numbers: exact decimal arithmetic and normalization (38 digits, never floats)", () => {
  const adds: Array<[string, string, string]> = [
    ["12345678901234567890123456789012345678", "1", "12345678901234567890123456789012345679"],
    ["0.1", "0.2", "0.3"],
    ["-5", "2.5", "-2.5"],
    ["1E+2", "-100", "0"],
  ];
  for (const [a, b, sum] of adds) assert.equal(addNumbers(a, b), sum, `${a} + ${b}`);
  assert.throws(() => addNumbers("99999999999999999999999999999999999999", "0.5"), /more than 38 significant digits/);
  assert.equal(normalizeNumber("-000.0100"), "-0.01");
  assert.equal(normalizeNumber("1.5e3"), "1500");
  assert.equal(compareNumbers("10", "9.99"), 1);
  assert.equal(compareNumbers("-0", "0"), 0);
});

test("key encoding: byte order of encoded numbers is numeric order", () => {
  const nums = ["-1e10", "-100", "-2.5", "-2", "-0.001", "0", "0.001", "0.01", "1", "1.5", "2", "10", "100", "1e10", "12345678901234567890123456789012345678"];
  const sorted = [...nums].reverse().sort((a, b) => Buffer.compare(encodeKeyValue({ N: a }), encodeKeyValue({ N: b })));
  assert.deepEqual(sorted, nums);
  const strs = ["A", "B", "a", "aa", "b", "é", "中"];
  assert.deepEqual([...strs].reverse().sort((a, b) => Buffer.compare(encodeKeyValue({ S: a }), encodeKeyValue({ S: b }))), strs);
});

const item: Item = {
  pk: { S: "p" },
  n: { N: "5" },
  s: { S: "hello" },
  ss: { SS: ["a", "b"] },
  l: { L: [{ S: "x" }, { N: "2" }] },
  m: { M: { k: { S: "v" }, deep: { M: { z: { BOOL: true } } } } },
  nul: { NULL: true },
};

const conditions: Array<[string, Record<string, AttributeValue>, boolean]> = [
  ["n = :v", { ":v": { N: "5.0" } }, true],
  ["n <> :v", { ":v": { N: "5" } }, false],
  ["n < :v AND s = :s", { ":v": { N: "6" }, ":s": { S: "hello" } }, true],
  ["n > :v OR s = :s", { ":v": { N: "6" }, ":s": { S: "hello" } }, true],
  ["NOT n > :v", { ":v": { N: "6" } }, true],
  ["n BETWEEN :a AND :b", { ":a": { N: "1" }, ":b": { N: "5" } }, true],
  ["n IN (:a, :b)", { ":a": { N: "1" }, ":b": { N: "5" } }, true],
  ["s < :v", { ":v": { N: "1" } }, false],
  ["begins_with(s, :p)", { ":p": { S: "he" } }, true],
  ["contains(ss, :v)", { ":v": { S: "b" } }, true],
  ["contains(s, :v)", { ":v": { S: "ll" } }, true],
  ["contains(l, :v)", { ":v": { N: "2" } }, true],
  ["size(s) = :n", { ":n": { N: "5" } }, true],
  ["size(l) > :n", { ":n": { N: "1" } }, true],
  ["attribute_type(nul, :t)", { ":t": { S: "NULL" } }, true],
  ["m.deep.z = :t", { ":t": { BOOL: true } }, true],
  ["l[0] = :x", { ":x": { S: "x" } }, true],
  ["absent = :x", { ":x": { S: "x" } }, false],
  ["absent <> :x", { ":x": { S: "x" } }, true],
  ["(n = :a OR n = :b) AND NOT attribute_exists(absent)", { ":a": { N: "1" }, ":b": { N: "5" } }, true],
  ["n = :a OR n = :b AND s = :c", { ":a": { N: "5" }, ":b": { N: "1" }, ":c": { S: "no" } }, true],
];

test("conditions: comparators, functions, precedence and paths", () => {
  for (const [expr, values, expected] of conditions) {
    const attrs = new ExpressionAttributes(undefined, Object.keys(values).length ? values : undefined);
    assert.equal(evaluateCondition(parseCondition(expr, attrs), item), expected, expr);
    attrs.assertAllUsed();
  }
  assert.equal(evaluateCondition(parseCondition("attribute_not_exists(pk)", new ExpressionAttributes()), undefined), true);
});

test("conditions: syntax errors name the token", () => {
  assert.throws(() => parseCondition("n = ", new ExpressionAttributes()), /Invalid ConditionExpression: Syntax error; token: "<EOF>"/);
  assert.throws(() => parseCondition("n == :v", new ExpressionAttributes(undefined, { ":v": { N: "1" } })), /Syntax error; token: "="/);
  assert.throws(() => parseCondition("#x = :v", new ExpressionAttributes(undefined, { ":v": { N: "1" } })), /attribute name: #x/);
  assert.throws(
    () => parseCondition("attribute_type(a, :t)", new ExpressionAttributes(undefined, { ":t": { S: "X" } })),
    /^ValidationException|Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: \{B,NULL,SS,BOOL,L,BS,N,NS,S,M\}$/,
  );
  assert.throws(() => parseCondition("a < :b", new ExpressionAttributes(undefined, { ":b": { BOOL: true } })), /Incorrect operand type for operator or function; operator: <, operand type: BOOL/);
  assert.throws(
    () => parseCondition("begins_with(a, :n)", new ExpressionAttributes(undefined, { ":n": { N: "1" } })),
    /Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N/,
  );
});

const updates: Array<[string, Record<string, AttributeValue>, Item, Item]> = [
  ["SET a = :v", { ":v": { S: "x" } }, {}, { a: { S: "x" } }],
  ["SET n = n + :one", { ":one": { N: "1" } }, { n: { N: "1.5" } }, { n: { N: "2.5" } }],
  ["SET n = n - :one", { ":one": { N: "3" } }, { n: { N: "1" } }, { n: { N: "-2" } }],
  ["SET l = list_append(l, :x)", { ":x": { L: [{ S: "b" }] } }, { l: { L: [{ S: "a" }] } }, { l: { L: [{ S: "a" }, { S: "b" }] } }],
  ["SET c = if_not_exists(c, :z)", { ":z": { N: "0" } }, { c: { N: "7" } }, { c: { N: "7" } }],
  ["REMOVE a, l[0]", {}, { a: { S: "x" }, l: { L: [{ S: "a" }, { S: "b" }] } }, { l: { L: [{ S: "b" }] } }],
  ["ADD n :v, s :ss", { ":v": { N: "2" }, ":ss": { SS: ["b"] } }, { s: { SS: ["a"] } }, { n: { N: "2" }, s: { SS: ["a", "b"] } }],
  ["DELETE s :ss", { ":ss": { SS: ["a"] } }, { s: { SS: ["a"] } }, {}],
  ["SET m.k = :v", { ":v": { S: "new" } }, { m: { M: { k: { S: "old" } } } }, { m: { M: { k: { S: "new" } } } }],
];

test("updates: SET arithmetic and functions, REMOVE, ADD, DELETE", () => {
  for (const [expr, values, before, after] of updates) {
    const attrs = new ExpressionAttributes(undefined, Object.keys(values).length ? values : undefined);
    assert.deepEqual(applyUpdate(before, parseUpdate(expr, attrs)).item, after, expr);
  }
  assert.throws(() => parseUpdate("SET a = :v SET b = :v", new ExpressionAttributes(undefined, { ":v": { S: "x" } })), /"SET" section can only be used once/);
});

test("projection and key conditions", () => {
  const attrs = new ExpressionAttributes({ "#m": "m" });
  assert.deepEqual(project(item, parseProjection("#m.k, l[1], nope", attrs)), { m: { M: { k: { S: "v" } } }, l: { L: [{ N: "2" }] } });
  const kc = parseKeyCondition("pk = :p AND begins_with(sk, :s)", new ExpressionAttributes(undefined, { ":p": { S: "a" }, ":s": { S: "b" } }));
  assert.deepEqual(kc, { partition: { name: "pk", value: { S: "a" } }, sort: { name: "sk", op: "begins_with", values: [{ S: "b" }] } });
  assert.throws(() => parseKeyCondition("pk <> :p", new ExpressionAttributes(undefined, { ":p": { S: "a" } })), /Invalid operator used in KeyConditionExpression/);
  assert.throws(
    () => parseKeyCondition("pk = :p AND contains(sk, :p)", new ExpressionAttributes(undefined, { ":p": { S: "a" } })),
    /^ValidationException|Invalid operator used in KeyConditionExpression: contains$/,
  );
});

test("PartiQL: statements and parameters", () => {
  const s = parsePartiql(`SELECT a, b.c FROM "t"."idx" WHERE pk = ? AND n > 3`, [{ S: "x" }]);
  assert.equal(s.kind, "SELECT");
  if (s.kind !== "SELECT") return;
  assert.equal(s.table, "t");
  assert.equal(s.index, "idx");
  assert.deepEqual(s.paths, [["a"], ["b", "c"]]);
  assert.deepEqual(s.equalities.get("pk"), { S: "x" });
  const ins = parsePartiql(`INSERT INTO t VALUE {'pk': 'a', 'n': 1.50, 'l': [1, 'x'], 's': <<1, 2>>, 'b': true, 'z': null}`);
  assert.deepEqual(ins.kind === "INSERT" && ins.item, { pk: { S: "a" }, n: { N: "1.5" }, l: { L: [{ N: "1" }, { S: "x" }] }, s: { NS: ["1", "2"] }, b: { BOOL: true }, z: { NULL: true } });
  assert.throws(() => parsePartiql(`SELECT * FROM t WHERE pk = ?`), /Number of parameters/);
  assert.throws(() => parsePartiql(`SELEC * FROM t`), /Statement wasn't well formed/);
});
