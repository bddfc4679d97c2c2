import { test } from "node:test";
import assert from "node:assert/strict";
import { syntaxError, tokenize } from "./tokenizer.js";

test("tokenize: names, placeholders, numbers, operators", () => {
  const t = tokenize("#a.b[10] <> :v AND size(c)>=:w", "ConditionExpression");
  assert.deepEqual(t.map((x) => x.text), ["#a", ".", "b", "[", "10", "]", "<>", ":v", "AND", "size", "(", "c", ")", ">=", ":w", "<EOF>"]);
});

test("syntaxError: AWS's token and near text", () => {
  const e1 = "a =";
  const t1 = tokenize(e1, "ConditionExpression");
  assert.equal(syntaxError("ConditionExpression", t1, t1[t1.length - 1]!, e1).message, 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "a ="');
  const e2 = "SET = :v";
  const t2 = tokenize(e2, "UpdateExpression");
  assert.equal(syntaxError("UpdateExpression", t2, t2[1]!, e2).message, 'Invalid UpdateExpression: Syntax error; token: "=", near: "SET = "');
  assert.throws(() => tokenize("a ! b", "ConditionExpression"), /Syntax error; token: "!"/);
});
