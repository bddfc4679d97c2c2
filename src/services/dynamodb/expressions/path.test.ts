import { test } from "node:test";
import assert from "node:assert/strict";
import { getPath, pathToString } from "./path.js";

test("pathToString/getPath: nested maps and lists", () => {
  const item = { a: { M: { b: { L: [{ S: "x" }, { M: { c: { N: "1" } } }] } } } };
  const cases: [(string | number)[], string, unknown][] = [
    [["a", "b", 1, "c"], "a.b[1].c", { N: "1" }],
    [["a", "b", 0], "a.b[0]", { S: "x" }],
    [["a", "b", 5], "a.b[5]", undefined],
    [["a", "x"], "a.x", undefined],
    [["a", 0], "a[0]", undefined],
  ];
  for (const [p, s, v] of cases) {
    assert.equal(pathToString(p), s);
    assert.deepEqual(getPath(item, p), v, s);
  }
  assert.equal(getPath(undefined, ["a"]), undefined);
});
