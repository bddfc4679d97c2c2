/**
 * Metric math and composite rules, table-driven. Semantics from the metric math reference
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html) and the
 * PutCompositeAlarm AlarmRule reference; percentiles from the CloudWatch statistics definitions (nearest rank).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateRule, parseRule } from "./composite-rule.js";
import { evaluate, parseExpression, type MathValue, type Series } from "./math.js";
import { percentile } from "./stats.js";

// Timestamps in seconds here, milliseconds in the series (as the store keeps them).
const s = (ts: number[], v: number[]): Series => ({ label: "x", ts: ts.map((t) => t * 1000), v });
const series: Record<string, Series> = {
  a: s([0, 60, 120], [10, 20, 40]),
  b: s([0, 120], [1, 4]),
};
const ctx = { resolve: (id: string): MathValue => series[id]!, metrics: () => [series.a!, series.b!], grid: [0, 60_000, 120_000], periodSec: 60 };
const run = (e: string) => {
  const v = evaluate(parseExpression(e).node, ctx);
  const sec = (x: Series) => [x.ts.map((t) => t / 1000), x.v];
  return typeof v === "number" ? v : Array.isArray(v) ? v.map(sec) : sec(v);
};

const CASES: Array<[string, unknown]> = [
  ["a * 2", [[0, 60, 120], [20, 40, 80]]],
  ["a + b", [[0, 120], [11, 44]]], // series arithmetic keeps the timestamps both have
  ["-a + 1", [[0, 60, 120], [-9, -19, -39]]],
  ["2 ^ 3 * 2", 16],
  ["(1 + 2) * 3", 9],
  ["SUM(a)", 70], // one series: a scalar
  ["AVG(b)", 2.5],
  ["MAX(a)", 40],
  ["SUM(METRICS())", [[0, 60, 120], [11, 20, 44]]], // an array: a series per timestamp
  ["MIN([a, b])".replace("[a, b]", "METRICS()"), [[0, 60, 120], [1, 20, 4]]],
  ["RATE(a)", [[60, 120], [10 / 60, 20 / 60]]],
  ["DIFF(a)", [[60, 120], [10, 20]]],
  ["FILL(b, 0)", [[0, 60, 120], [1, 0, 4]]],
  ["FILL(b, REPEAT)", [[0, 60, 120], [1, 1, 4]]],
  ["FILL(b, LINEAR)", [[0, 60, 120], [1, 2.5, 4]]],
  ["IF(a > 15, a, 0)", [[0, 60, 120], [0, 20, 40]]],
  ["IF(a < 15, 1)", [[0], [1]]],
  ["IF(a >= 20 AND a != 40, 1, 0)", [[0, 60, 120], [0, 1, 0]]],
  ["ABS(a - 30)", [[0, 60, 120], [20, 10, 10]]],
  ["PERIOD(a)", 60],
];

for (const [expr, want] of CASES) {
  test(`metric math: ${expr}`, () => assert.deepEqual(run(expr), want));
}

test("metric math: syntax errors and unknown functions are ValidationErrors", () => {
  for (const bad of ["a +", "(a", "a b", "NOPE(a)", "a $ b"]) {
    assert.throws(() => run(bad), (e: Error & { code?: string }) => e.code === "ValidationError", bad);
  }
});

const RULES: Array<[string, Record<string, string>, boolean]> = [
  ['ALARM("x")', { x: "ALARM" }, true],
  ["ALARM(x) AND OK(y)", { x: "ALARM", y: "OK" }, true],
  ["ALARM(x) AND NOT OK(y)", { x: "ALARM", y: "OK" }, false],
  ["ALARM(x) OR INSUFFICIENT_DATA(y)", { x: "OK", y: "INSUFFICIENT_DATA" }, true],
  ["(ALARM(x) OR ALARM(y)) AND FALSE", { x: "ALARM", y: "ALARM" }, false],
  ["TRUE", {}, true],
  ['ALARM("arn:aws:cloudwatch:us-east-1:000000000000:alarm:x")', { x: "ALARM" }, true],
];

for (const [rule, states, want] of RULES) {
  test(`composite rule: ${rule} over ${JSON.stringify(states)}`, () => assert.equal(evaluateRule(parseRule(rule), (n) => states[n]), want));
}

test("percentile: nearest rank over weighted values", () => {
  const tens = Array.from({ length: 10 }, (_, i) => [(i + 1) * 10, 1] as [number, number]);
  assert.deepEqual([50, 90, 99, 100, 0.1].map((p) => percentile(tens, p)), [50, 90, 100, 100, 10]);
  assert.equal(percentile([[1, 99], [1000, 1]], 99), 1);
  assert.equal(percentile([[1, 99], [1000, 1]], 99.5), 1000);
});
