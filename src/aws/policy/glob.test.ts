/**
 * IAM wildcards. Cases from "IAM JSON policy elements: Action" / "Resource" (wildcards `*` and `?`, actions
 * case-insensitive, resources case-sensitive) and the StringLike row of the condition operators page.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GlobBuilder, compileGlob, globMatch, wildcardMatch } from "./glob.js";

const CASES: Array<{ pattern: string; text: string; expect: boolean; ignoreCase?: boolean }> = [
  { pattern: "*", text: "", expect: true },
  { pattern: "*", text: "arn:aws:s3:::bucket/key", expect: true },
  { pattern: "", text: "", expect: true },
  { pattern: "", text: "a", expect: false },
  { pattern: "abc", text: "abc", expect: true },
  { pattern: "abc", text: "abcd", expect: false },
  { pattern: "abc", text: "ABC", expect: false },
  // Action page: "iam:*AccessKey*" matches CreateAccessKey, DeleteAccessKey, ListAccessKeys, UpdateAccessKey.
  { pattern: "iam:*accesskey*", text: "iam:createaccesskey", expect: true },
  { pattern: "iam:*accesskey*", text: "iam:listaccesskeys", expect: true },
  { pattern: "iam:*accesskey*", text: "iam:listusers", expect: false },
  // Action page: "s3:Get*" — actions match case-insensitively.
  { pattern: "s3:Get*", text: "S3:GETOBJECT", expect: true, ignoreCase: true },
  { pattern: "s3:Get*", text: "s3:PutObject", expect: false, ignoreCase: true },
  // Resource page: "arn:aws:s3:::amzn-s3-demo-bucket/*" and the `?` single-character wildcard.
  { pattern: "arn:aws:s3:::amzn-s3-demo-bucket/*", text: "arn:aws:s3:::amzn-s3-demo-bucket/a/b.txt", expect: true },
  { pattern: "arn:aws:s3:::amzn-s3-demo-bucket/*", text: "arn:aws:s3:::amzn-s3-demo-bucket", expect: false },
  { pattern: "arn:aws:s3:::amzn-s3-demo-bucket/*", text: "arn:aws:s3:::AMZN-S3-DEMO-BUCKET/a", expect: false },
  { pattern: "arn:aws:iam::123456789012:user/us?r", text: "arn:aws:iam::123456789012:user/user", expect: true },
  { pattern: "arn:aws:iam::123456789012:user/us?r", text: "arn:aws:iam::123456789012:user/usr", expect: false },
  { pattern: "a?c*", text: "abcdef", expect: true },
  { pattern: "*b?d*", text: "abcdef", expect: true },
  { pattern: "*b?d", text: "abcdef", expect: false },
  { pattern: "a*b*c", text: "abc", expect: true },
  { pattern: "a*b*c", text: "ac", expect: false },
  { pattern: "a*a", text: "a", expect: false },
  { pattern: "a*?", text: "a", expect: false },
  { pattern: "a*?", text: "ab", expect: true },
  { pattern: "**", text: "x", expect: true },
  { pattern: "*x*x*", text: "xx", expect: true },
  { pattern: "*x*x*", text: "x", expect: false },
];

for (const c of CASES) {
  test(`wildcard: ${JSON.stringify(c.pattern)} ${c.expect ? "matches" : "does not match"} ${JSON.stringify(c.text)}`, () => {
    assert.equal(wildcardMatch(c.pattern, c.text, c.ignoreCase), c.expect);
  });
}

test("wildcard: literal parts from policy variables are not wildcards", () => {
  const g = new GlobBuilder().pattern("home/").literal("a*b").pattern("/*").build();
  assert.equal(globMatch(g, "home/a*b/x"), true);
  assert.equal(globMatch(g, "home/aXb/x"), false);
});

test("wildcard: the patterns that make backtracking matchers explode answer at once", () => {
  // A backtracking RegExp built from `a*a*a*…b` takes exponential time on "aaaa…"; this matcher scans once.
  const pattern = "*a".repeat(200) + "b";
  const text = "a".repeat(5000);
  assert.equal(globMatch(compileGlob(pattern), text), false);
  assert.equal(globMatch(compileGlob(pattern), text + "b"), true);
  assert.equal(globMatch(compileGlob("*?".repeat(300) + "z"), "y".repeat(4000)), false);
});

/** The textbook recursive definition of `*` and `?`, for small inputs only: the oracle for the fast matcher. */
function reference(p: string, t: string): boolean {
  if (!p.length) return !t.length;
  if (p[0] === "*") return reference(p.slice(1), t) || (t.length > 0 && reference(p, t.slice(1)));
  return t.length > 0 && (p[0] === "?" || p[0] === t[0]) && reference(p.slice(1), t.slice(1));
}

test("wildcard: agrees with the recursive definition on every small pattern and text (deterministic sample)", () => {
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = (alphabet: string, max: number) => Array.from({ length: next(max + 1) }, () => alphabet[next(alphabet.length)]).join("");
  for (let i = 0; i < 20000; i++) {
    const p = pick("ab*?", 6);
    const t = pick("ab", 8);
    assert.equal(wildcardMatch(p, t), reference(p, t), `${JSON.stringify(p)} vs ${JSON.stringify(t)}`);
  }
});
