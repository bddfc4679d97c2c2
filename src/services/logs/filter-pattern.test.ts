/**
 * Filter patterns, table-driven. Cases come from the AWS doc "Filter pattern syntax for metric filters,
 * subscription filters, filter log events, and Live Tail" (FilterAndPatternSyntax.html, and its earlier
 * "Filter and Pattern Syntax" edition in awsdocs/amazon-cloudwatch-logs-user-guide) unless marked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileFilterPattern, FilterPatternError, tokenizeMessage } from "./filter-pattern.js";

const matching = (pattern: string, messages: string[]) => messages.filter((m) => compileFilterPattern(pattern).match(m));

// Doc: "Matching terms in unstructured log events".
const UNSTRUCTURED = ["[ERROR 400] BAD REQUEST", "[ERROR 401] UNAUTHORIZED REQUEST", "[ERROR 419] MISSING ARGUMENTS", "[ERROR 420] INVALID ARGUMENTS", "[ERROR 500] INTERNAL SERVER ERROR", "[SUCCESS 200] AUTHORIZED REQUEST"];
const OR_EVENTS = ["ERROR WARN message", "ERROR message", "WARN message"];

const TERM_CASES: Array<{ pattern: string; events: string[]; expect: string[] }> = [
  { pattern: "ERROR", events: UNSTRUCTURED, expect: UNSTRUCTURED.slice(0, 5) },
  { pattern: "ERROR ARGUMENTS", events: UNSTRUCTURED, expect: [UNSTRUCTURED[2]!, UNSTRUCTURED[3]!] },
  { pattern: "?ERROR ?ARGUMENTS", events: UNSTRUCTURED, expect: UNSTRUCTURED.slice(0, 5) },
  { pattern: '"INTERNAL SERVER ERROR"', events: UNSTRUCTURED, expect: [UNSTRUCTURED[4]!] },
  { pattern: "ERROR -ARGUMENTS", events: UNSTRUCTURED, expect: [UNSTRUCTURED[0]!, UNSTRUCTURED[1]!, UNSTRUCTURED[4]!] },
  { pattern: "%AUTHORIZED%", events: UNSTRUCTURED, expect: [UNSTRUCTURED[1]!, UNSTRUCTURED[5]!] },
  { pattern: '" "', events: UNSTRUCTURED, expect: UNSTRUCTURED },
  { pattern: "", events: UNSTRUCTURED, expect: UNSTRUCTURED },
  // Earlier edition, "OR Pattern Matching".
  { pattern: "ERROR", events: OR_EVENTS, expect: OR_EVENTS.slice(0, 2) },
  { pattern: "?ERROR ?WARN", events: OR_EVENTS, expect: OR_EVENTS },
  { pattern: "ERROR WARN", events: OR_EVENTS, expect: [OR_EVENTS[0]!] },
  { pattern: "ERROR -WARN", events: OR_EVENTS, expect: [OR_EVENTS[1]!] },
  // Earlier edition, examples 1–3: "ERROR" also matches "ERRORCODE"; "ERROR" - "Exiting" excludes.
  { pattern: '"ERROR"', events: ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1"], expect: ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1"] },
  { pattern: '"ERROR" - "Exiting"', events: ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1"], expect: ["[ERROR] A fatal exception has occurred"] },
  { pattern: "ERROR Exception", events: ["[ERROR] Caught IllegalArgumentException", "[ERROR] Unhandled Exception", "[ERROR] no"], expect: ["[ERROR] Caught IllegalArgumentException", "[ERROR] Unhandled Exception"] },
  { pattern: "Failed to process the request", events: ["[WARN] Failed to process the request", "[ERROR] Unable to continue: Failed to process the request", "request failed"], expect: ["[WARN] Failed to process the request", "[ERROR] Unable to continue: Failed to process the request"] },
  // Case-sensitive (doc: "Filter patterns are case sensitive").
  { pattern: "error", events: ["ERROR x"], expect: [] },
  // Skyport: what the Lambda acceptance checks read.
  { pattern: '"hello from node"', events: ["2026-01-01T00:00:00.000Z\tabc\tINFO\thello from node\n", "hello from python"], expect: ["2026-01-01T00:00:00.000Z\tabc\tINFO\thello from node\n"] },
];

test("filter pattern: terms, phrases, OR and exclusion (AWS doc examples)", () => {
  for (const c of TERM_CASES) assert.deepEqual(matching(c.pattern, c.events), c.expect, c.pattern);
});

// Doc: "Using filter patterns to match terms in JSON log events".
const JSON_EVENT = JSON.stringify({
  eventType: "UpdateTrail",
  sourceIPAddress: "111.111.111.111",
  arrayKey: ["value", "another value"],
  objectList: [{ name: "a", id: 1 }, { name: "b", id: 2 }],
  SomeObject: null,
  "cluster.name": "c",
  ThisFlag: true,
});
const COMPOUND_EVENT = JSON.stringify({
  user: { id: 1, email: "John.Stiles@example.com" },
  users: [{ id: 2, email: "John.Doe@example.com" }, { id: 3, email: "Jane.Doe@example.com" }],
  actions: ["GET", "PUT", "DELETE"],
  coordinates: [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
});
const NUMERIC_EVENT = JSON.stringify({ latency: 500, numbers: [1, 2, 3], errorCode: 400, processes: [0, 0, 0, 0, { averageRuntime: 55.5 }], bandwidth: 80 });

const JSON_CASES: Array<[pattern: string, event: string, matches: boolean]> = [
  ['{ $.eventType = "UpdateTrail" }', JSON_EVENT, true],
  ['{ $.eventType = "Other" }', JSON_EVENT, false],
  ["{ $.sourceIPAddress != 123.123.* }", JSON_EVENT, true],
  ["{ $.sourceIPAddress != 111.111.* }", JSON_EVENT, false],
  ['{ $.arrayKey[0] = "value" }', JSON_EVENT, true],
  ['{ $.arrayKey[1] = "value" }', JSON_EVENT, false],
  ["{ $.objectList[1].id = 2 }", JSON_EVENT, true],
  ["{ $.SomeObject IS NULL }", JSON_EVENT, true],
  ["{ $.eventType IS NULL }", JSON_EVENT, false],
  ["{ $.SomeOtherObject NOT EXISTS }", JSON_EVENT, true],
  ["{ $.eventType NOT EXISTS }", JSON_EVENT, false],
  ["{ $.ThisFlag IS TRUE }", JSON_EVENT, true],
  ["{ $.ThisFlag IS FALSE }", JSON_EVENT, false],
  ["{ $.['cluster.name'] = c }", JSON_EVENT, true],
  ["{ $.eventType = *Trail }", JSON_EVENT, true],
  ["{ $.eventType = Update* }", JSON_EVENT, true],
  ["{ $.eventType = Up*Trail }", JSON_EVENT, false],
  // Compound conditions: && binds tighter than ||.
  ['{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', COMPOUND_EVENT, true],
  ['{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', COMPOUND_EVENT, false],
  ['{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', COMPOUND_EVENT, true],
  ['{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', COMPOUND_EVENT, false],
  ["{ $.coordinates[1][2] = 6 }", COMPOUND_EVENT, true],
  // OR in JSON filters (earlier edition).
  ["{$.foo = bar}", '{"foo": "bar"}', true],
  ["{$.foo = baz }", '{"foo": "bar"}', false],
  ["{$.foo = bar || $.foo = baz }", '{"foo": "baz"}', true],
  // A selector reaching an array or object matches neither = nor !=.
  ["{ $.users = 1 }", '{"users": [1, 2, 3]}', false],
  ["{ $.users != 1 }", '{"users": [1, 2, 3]}', false],
  // Numeric comparisons.
  ["{ $.latency >= 500 }", NUMERIC_EVENT, true],
  ["{ $.latency > 500 }", NUMERIC_EVENT, false],
  ["{ $.numbers[0] < 10e3 }", NUMERIC_EVENT, true],
  ["{ $.numbers[0] < 10e-3 }", NUMERIC_EVENT, false],
  ["{ $.processes[4].averageRuntime <= 55.5 }", NUMERIC_EVENT, true],
  ["{ $.errorCode = 400 }", NUMERIC_EVENT, true],
  ["{ $.errorCode != 500 }", NUMERIC_EVENT, true],
  ["{ $.bandwidth > +75 }", NUMERIC_EVENT, true],
  ["{ $.latency = * }", NUMERIC_EVENT, true],
  ["{ $.missing = * }", NUMERIC_EVENT, false],
  // Not JSON: no match.
  ['{ $.eventType = "UpdateTrail" }', "eventType UpdateTrail", false],
  ["{ $.eventType = %Update% }", JSON_EVENT, true],
];

test("filter pattern: JSON selectors, comparisons, IS/NOT EXISTS and compound conditions (AWS doc examples)", () => {
  for (const [pattern, event, expected] of JSON_CASES) assert.equal(compileFilterPattern(pattern).match(event), expected, pattern);
});

// Doc: "Using filter patterns to match terms in space-delimited log events".
const APACHE = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
  '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
];

const DELIMITED_CASES: Array<{ pattern: string; events: string[]; expect: string[] }> = [
  { pattern: "[ip, user, username, timestamp, request, status_code, bytes]", events: APACHE, expect: APACHE },
  { pattern: "[..., status_code, bytes]", events: APACHE, expect: APACHE },
  { pattern: "[ip, user, ..., status_code, bytes]", events: APACHE, expect: APACHE },
  { pattern: "[ip, user, ...]", events: APACHE, expect: APACHE },
  { pattern: "[ip, user, username, timestamp, request, status_code, bytes > 5000]", events: APACHE, expect: [APACHE[1]!] },
  { pattern: "[ip, user, username, timestamp, request, status_code = 200, bytes]", events: APACHE, expect: [APACHE[0]!, APACHE[2]!] },
  { pattern: "[ip, user, username, timestamp, request, status_code = 5*, bytes]", events: APACHE, expect: [APACHE[1]!] },
  { pattern: "[ip, user, username, timestamp, request = *gif*, status_code = 2*, bytes]", events: APACHE, expect: [APACHE[0]!, APACHE[2]!] },
  { pattern: "[ip, user, username, timestamp, request, status_code = 2* && status_code != 201, bytes]", events: APACHE, expect: [APACHE[0]!, APACHE[2]!] },
  { pattern: "[ip, user, username, timestamp, request, status_code, bytes, extra]", events: APACHE, expect: [] },
  // Earlier edition, OR in space-delimited filters.
  { pattern: "[w1=ERROR, w2]", events: ["ERROR WARN message", "ERROR message", "WARN message"], expect: ["ERROR message"] },
  { pattern: "[w1=ERROR || w1=WARN, w2]", events: ["ERROR WARN message", "ERROR message", "WARN message"], expect: ["ERROR message", "WARN message"] },
  { pattern: "[w1=%ERROR|WARN%, w2]", events: ["ERROR WARN message", "ERROR message", "WARN message"], expect: ["ERROR message", "WARN message"] },
];

test("filter pattern: space-delimited fields, ellipsis and conditions (AWS doc examples)", () => {
  for (const c of DELIMITED_CASES) assert.deepEqual(matching(c.pattern, c.events), c.expect, c.pattern);
});

test("filter pattern: space-delimited extracted values (AWS doc example)", () => {
  const m = compileFilterPattern("[..., request=*.html*, status_code=4*,]");
  const v = m.extract('127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /products/index.html HTTP/1.0" 404 1534');
  assert.deepEqual(v, {
    $status_code: "404",
    $request: "GET /products/index.html HTTP/1.0",
    $7: "1534",
    $4: "10/Oct/2000:13:25:15 -0700",
    $3: "frank",
    $2: "-",
    $1: "127.0.0.1",
  });
  assert.deepEqual(tokenizeMessage('a "b c" [d e] f\n'), ["a", "b c", "d e", "f"]);
});

test("filter pattern: invalid patterns are rejected with AWS's messages", () => {
  const cases: Array<[string, RegExp]> = [
    ['{ $.a = "b"', /^If a filter pattern starts with '\{' it must end with '\}'$/],
    ["[a, b", /^If a filter pattern starts with '\[' it must end with '\]'$/],
    ['""', /^Invalid character\(s\) in term '""'$/],
    ["user@example.com", /^Invalid character\(s\) in term 'user@example.com'$/],
    ["{ $.a > abc }", /^Invalid filter pattern$/],
    ["{ a = 1 }", /^Invalid filter pattern$/],
    ["%(a)%", /^Invalid filter pattern$/],
    // Doc "Supported regular expressions (regex) syntax": '!' is not a supported symbol, nor multi-byte characters.
    ["%something!%", /^Invalid filter pattern$/],
    ["%été%", /^Invalid filter pattern$/],
    ["%a\\1%", /^Invalid filter pattern$/],
    // Doc quotas: at most 2 regexes in a JSON or space-delimited pattern.
    ["{ $.a = %x% || $.b = %y% || $.c = %z% }", /^Invalid filter pattern$/],
  ];
  for (const [pattern, message] of cases) {
    assert.throws(() => compileFilterPattern(pattern), (e: unknown) => e instanceof FilterPatternError && message.test(e.message), pattern);
  }
});

// Doc "Supported regular expressions (regex) syntax": usage of the supported operators.
const REGEX_CASES: Array<{ pattern: string; events: string[]; expect: string[] }> = [
  { pattern: "%^[hc]at%", events: ["hat", "cat", "that"], expect: ["hat", "cat"] },
  { pattern: "%[hc]at$%", events: ["hat", "that", "cats"], expect: ["hat", "that"] },
  { pattern: "%colou?r%", events: ["color", "colour", "colr"], expect: ["color", "colour"] },
  { pattern: "%[abc]%", events: ["a", "b", "xyz"], expect: ["a", "b"] },
  { pattern: "%[a-z]%", events: ["q", "Q", "1"], expect: ["q"] },
  { pattern: "%[abcx-z]%", events: ["y", "d"], expect: ["y"] },
  { pattern: "%a{3,5}%", events: ["aaa", "aaaaa", "aa"], expect: ["aaa", "aaaaa"] },
  { pattern: "%[Ee]rror|[Ff]ail%", events: ["Error", "error", "fail", "Fail", "ok"], expect: ["Error", "error", "fail", "Fail"] },
  { pattern: "%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%", events: ["from 10.0.0.1", "from host"], expect: ["from 10.0.0.1"] },
  { pattern: "%ab*c%", events: ["ac", "abbbc", "adc"], expect: ["ac", "abbbc"] },
  { pattern: "%ab+c%", events: ["ac", "abc"], expect: ["abc"] },
  { pattern: "%a.c%", events: ["abc", "ac"], expect: ["abc"] },
  { pattern: "%user_id=[0-9]+;%", events: ["user_id=42;", "user_id=x;"], expect: ["user_id=42;"] },
];

test("filter pattern: %regex% with the documented operators", () => {
  for (const c of REGEX_CASES) assert.deepEqual(matching(c.pattern, c.events), c.expect, c.pattern);
});

test("filter pattern: catastrophic regexes finish (linear-time engine, issue 8)", () => {
  // 12 `a*` against 45 `a`s: hours with a backtracking engine. The assertion is that it returns at all.
  const pattern = `%${"a*".repeat(12)}b%`;
  assert.deepEqual(matching(pattern, ["a".repeat(45), "a".repeat(45) + "b"]), ["a".repeat(45) + "b"]);
  assert.deepEqual(matching(`{ $.m = ${pattern} }`, [JSON.stringify({ m: "a".repeat(45) })]), []);
  assert.deepEqual(matching(`[w1 = ${pattern}]`, ["a".repeat(45)]), []);
});

test("filter pattern: JSON patterns only match JSON log events (CDK JsonPattern: 'patterns that only match JSON log events')", () => {
  const nonJson = ["plain text ERROR", '2026-01-01T00:00:00Z\tabc\tINFO\t{"level":"ERROR"}', '{"level": "ERROR"', "", "[1, 2"];
  for (const p of ['{ $.level = "ERROR" }', "{ $.level != \"INFO\" }", "{ $.missing NOT EXISTS }", "{ $.level = * }", "{ $.n IS NULL }"]) {
    assert.deepEqual(matching(p, nonJson), [], p);
  }
  assert.deepEqual(matching("{ $.missing NOT EXISTS }", ['{"level":"ERROR"}']), ['{"level":"ERROR"}']);
});
