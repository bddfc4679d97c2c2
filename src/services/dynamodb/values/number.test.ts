import { test } from "node:test";
import assert from "node:assert/strict";
import { addNumbers, compareNumbers, normalizeNumber, subtractNumbers } from "./number.js";

test("normalizeNumber: DynamoDB's canonical form", () => {
  const cases: [string, string][] = [
    ["0", "0"], ["-0", "0"], ["00.000", "0"], ["01.50", "1.5"], ["1e3", "1000"], ["1E-3", "0.001"],
    ["-12.340", "-12.34"], ["+7", "7"], [".5", "0.5"], ["5.", "5"], ["1E-130", "0." + "0".repeat(129) + "1"],
    ["9.9999999999999999999999999999999999999E+125", "99999999999999999999999999999999999999" + "0".repeat(88)],
    ["12345678901234567890123456789012345678", "12345678901234567890123456789012345678"],
  ];
  for (const [i, o] of cases) assert.equal(normalizeNumber(i), o, i);
});

test("normalizeNumber: AWS validation messages", () => {
  const cases: [string, string][] = [
    ["abc", "The parameter cannot be converted to a numeric value: abc"],
    ["NaN", "The parameter cannot be converted to a numeric value: NaN"],
    ["Infinity", "The parameter cannot be converted to a numeric value: Infinity"],
    ["", "The parameter cannot be converted to a numeric value: "],
    ["123456789012345678901234567890123456789", "Attempting to store more than 38 significant digits in a Number"],
    ["1E+126", "Number overflow. Attempting to store a number with magnitude larger than supported range"],
    ["1E-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"],
  ];
  for (const [i, msg] of cases) assert.throws(() => normalizeNumber(i), (e: Error & { code?: string }) => e.message === msg, i);
});

test("compareNumbers: exact decimal order", () => {
  const cases: [string, string, number][] = [
    ["1", "2", -1], ["2", "1", 1], ["1.0", "1", 0], ["-1", "1", -1], ["-2", "-1", -1], ["0", "-0.0001", 1],
    ["1e10", "9999999999", 1], ["0.1", "0.09", 1], ["-0.1", "-0.09", -1],
    ["12345678901234567890123456789012345678", "12345678901234567890123456789012345677", 1],
  ];
  for (const [a, b, r] of cases) assert.equal(compareNumbers(a, b), r, `${a} ? ${b}`);
});

test("addNumbers/subtractNumbers: exact, never floats", () => {
  assert.equal(addNumbers("0.1", "0.2"), "0.3");
  assert.equal(addNumbers("1", "-1"), "0");
  assert.equal(addNumbers("99999999999999999999999999999999999999", "-1"), "99999999999999999999999999999999999998");
  assert.equal(subtractNumbers("1.5", "2.25"), "-0.75");
  assert.equal(subtractNumbers("1e20", "1"), "99999999999999999999");
  assert.throws(() => addNumbers("99999999999999999999999999999999999999", "0.1"), /38 significant digits/);
});
