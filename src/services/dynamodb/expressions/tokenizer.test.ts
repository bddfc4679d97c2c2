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
  assert.equal(syntaxError("ConditionExpression", t1, t1[t1.length - 1]!, e1).message, 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="');
  const e2 = "SET = :v";
  const t2 = tokenize(e2, "UpdateExpression");
  assert.equal(syntaxError("UpdateExpression", t2, t2[1]!, e2).message, 'Invalid UpdateExpression: Syntax error; token: "=", near: "SET = :v"');
  assert.throws(() => tokenize("a ! b", "ConditionExpression"), { message: 'Invalid ConditionExpression: Syntax error; token: "!", near: "a ! b"' });
  // Observed on DynamoDB (see syntaxError).
  const cases: Array<[string, string, string]> = [
    ["a+:delta<b", "+", "a+:delta"],
    ["contains (themes, :theme", "<EOF>", ":theme"],
    ["attribute_not_exists(", "<EOF>", "("],
    ["foo", "<EOF>", "foo"],
  ];
  for (const [expr, token, near] of cases) {
    const t = tokenize(expr, "ConditionExpression");
    const tok = token === "<EOF>" ? t[t.length - 1]! : t.find((x) => x.text === token)!;
    assert.equal(syntaxError("ConditionExpression", t, tok, expr).message, `Invalid ConditionExpression: Syntax error; token: "${token}", near: "${near}"`, expr);
  }
  assert.throws(() => tokenize("!!!", "ProjectionExpression"), { message: 'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"' });
});
