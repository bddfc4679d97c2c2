/**
 * compileUserRegex: ECMAScript patterns run on a linear-time engine. Expected values are what V8's own
 * RegExp answers for the same pattern (the contract users write against), except for the refusals, which
 * follow RE2 (no backreferences, no lookaround).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileUserRegex, userRegexEngine, UserRegexError, UserRegexLimits } from "./user-regex.js";

const CASES: Array<{ pattern: string; flags?: string; yes: string[]; no: string[] }> = [
  { pattern: "^[hc]at", yes: ["hat", "cat!"], no: ["that"] },
  { pattern: "[hc]at$", yes: ["that"], no: ["cat!", "cat\n"] },
  { pattern: "colou?r", yes: ["color", "colour"], no: ["colouur"] },
  { pattern: "a{3,5}", yes: ["aaa", "xaaaaay"], no: ["aa"] },
  { pattern: "^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$", yes: ["10.0.0.1"], no: ["10.0.0", "a.b.c.d"] },
  { pattern: "[Ee]rror|[Ff]ail", yes: ["Error x", "it failed"], no: ["ok"] },
  { pattern: "^(?:ab|cd)+e$", yes: ["ababcde"], no: ["abe x"] },
  { pattern: "^(?<year>\\d{4})-\\d{2}$", yes: ["2026-11"], no: ["26-11"] },
  { pattern: "\\u00e9t\\u00E9", yes: ["été"], no: ["ete"] },
  { pattern: "\\u{1F600}", flags: "u", yes: ["😀"], no: ["x"] },
  { pattern: "^\\p{L}+$", flags: "u", yes: ["élan"], no: ["a1"] },
  { pattern: "a[^]b", yes: ["a\nb", "axb"], no: ["ab"] },
  { pattern: "a.b", yes: ["axb"], no: ["a\nb"] },
  { pattern: "a.b", flags: "s", yes: ["a\nb"], no: [] },
  { pattern: "^b$", flags: "m", yes: ["a\nb\nc"], no: ["abc"] },
  { pattern: "^abc$", flags: "i", yes: ["ABC"], no: ["ABCD"] },
  { pattern: "^[a-z0-9-]+\\/x$", flags: "u", yes: ["ab-1/x"], no: ["AB/x"] },
  { pattern: "\\cJ", yes: ["\n"], no: ["J"] },
  { pattern: "[\\]a]", yes: ["]", "a"], no: ["b"] },
  { pattern: "\\bword\\b", yes: ["a word here"], no: ["swordfish"] },
];

test("compileUserRegex: matches as ECMAScript RegExp does for the supported syntax", () => {
  for (const c of CASES) {
    const re = compileUserRegex(c.pattern, c.flags ?? "");
    const js = new RegExp(c.pattern, c.flags ?? "");
    for (const s of c.yes) {
      assert.equal(re.test(s), true, `${c.pattern} should match ${JSON.stringify(s)}`);
      assert.equal(js.test(s), true, `V8 agrees: ${c.pattern} ~ ${JSON.stringify(s)}`);
    }
    for (const s of c.no) {
      assert.equal(re.test(s), false, `${c.pattern} should not match ${JSON.stringify(s)}`);
      assert.equal(js.test(s), false, `V8 agrees: ${c.pattern} !~ ${JSON.stringify(s)}`);
    }
  }
});

test("compileUserRegex: refuses backreferences, lookaround and bad syntax", () => {
  const bad: Array<[string, RegExp]> = [
    ["(a)\\1", /backreferences/],
    ["(?<n>a)\\k<n>", /backreferences/],
    ["(?=a)a", /lookaround/],
    ["(?!a)b", /lookaround/],
    ["(?<=a)b", /lookaround/],
    ["(?<!a)b", /lookaround/],
    ["a(", /missing/],
    ["[a", /missing/],
    ["(?:a{1000}){1000}", /repeat/],
    ["a{5,2}", /out of order/],
    ["\\u12", /Unicode escape/],
    ["abc\\", /end of pattern/],
  ];
  for (const [p, why] of bad) {
    assert.throws(() => compileUserRegex(p), (e: unknown) => e instanceof UserRegexError && why.test(e.message), p);
  }
  assert.throws(() => compileUserRegex("a", "x"), UserRegexError);
});

test("compileUserRegex: bounds the pattern length and the compiled size", () => {
  assert.throws(() => compileUserRegex("a".repeat(UserRegexLimits.MAX_PATTERN_LENGTH + 1)), /longer than/);
  assert.throws(() => compileUserRegex("abcd", "", { maxLength: 3 }), /longer than 3/);
  assert.throws(() => compileUserRegex("[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}[a-z]{1000}"), /too large/);
});

test("compileUserRegex: counts over RE2's 1000 match exactly the same lengths", () => {
  const cases: Array<[string, string, boolean]> = [
    ["^.{1,2048}$", "x".repeat(2048), true],
    ["^.{1,2048}$", "x".repeat(2049), false],
    ["^.{1,2048}$", "", false],
    ["^a{1500}$", "a".repeat(1500), true],
    ["^a{1500}$", "a".repeat(1499), false],
    ["^(?:ab){1001,}$", "ab".repeat(1001), true],
    ["^(?:ab){1001,}$", "ab".repeat(1000), false],
    ["^[0-9]{1001,1003}?$", "1".repeat(1002), true],
    ["^x(y){0,1200}z$", "x" + "y".repeat(1200) + "z", true],
    ["^x(y){0,1200}z$", "x" + "y".repeat(1201) + "z", false],
  ];
  for (const [p, s, want] of cases) {
    assert.equal(compileUserRegex(p).test(s), want, `${p} on ${s.length} chars`);
    assert.equal(new RegExp(p).test(s), want, `V8 agrees on ${p}`);
  }
});

test("compileUserRegex: catastrophic backtracking patterns return (linear time)", () => {
  // With a backtracking engine each of these takes hours on these inputs; here they must simply return.
  const twelve = "a*".repeat(12) + "b";
  assert.equal(compileUserRegex(twelve).test("a".repeat(45)), false);
  assert.equal(compileUserRegex("^(a+)+$").test("a".repeat(5000) + "!"), false);
  assert.equal(compileUserRegex("^(a|aa)*c$").test("a".repeat(5000)), false);
  assert.equal(compileUserRegex("(x+x+)+y").test("x".repeat(5000)), false);
  assert.equal(compileUserRegex(twelve).test("a".repeat(45) + "b"), true);
});

test("userRegexEngine: is an ajv RegExpEngine (function with code) taking ajv's 'u' flag", () => {
  assert.equal(typeof userRegexEngine.code, "string");
  assert.equal(userRegexEngine("^x+$", "u").test("xxx"), true);
  assert.equal(userRegexEngine("^x+$", "u").test("xxy"), false);
});

test("userRegexEngine: API Gateway model (ajv draft-04) patterns validate in linear time", async () => {
  const mod = (await import("ajv-draft-04")) as unknown as { default: new (o: object) => { compile(s: object): (d: unknown) => boolean } };
  const ajv = new mod.default({ strict: false, code: { regExp: userRegexEngine } });
  const validate = ajv.compile({ type: "object", properties: { name: { type: "string", pattern: "^(a+)+$" }, id: { type: "string", pattern: "^[a-z0-9-]{3,10}$" } } });
  assert.equal(validate({ name: "aaaa", id: "abc-1" }), true);
  assert.equal(validate({ id: "AB" }), false);
  // Exponential for a backtracking engine; must simply return here.
  assert.equal(validate({ name: "a".repeat(5000) + "!" }), false);
  assert.throws(() => ajv.compile({ type: "string", pattern: "(a)\\1" }), /backreferences/);
});

test("compileUserRegex: groups() returns the named groups of the first match", () => {
  const re = compileUserRegex("(?<user>\\w+) logged in(?: from (?<ip>[0-9.]+))?");
  assert.deepEqual(re.groups("x: alice logged in from 10.0.0.1"), { user: "alice", ip: "10.0.0.1" });
  assert.deepEqual(re.groups("bob logged in"), { user: "bob" });
  assert.equal(re.groups("nothing here"), undefined);
});
