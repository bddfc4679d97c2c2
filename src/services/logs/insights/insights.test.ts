/**
 * Logs Insights core: parser and executor. Queries are the doc's examples ("CloudWatch Logs Insights
 * language query syntax": fields, filter, stats, sort, limit, parse pages) over a small fixed event set.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTimestamp, naturalCompare, runQuery, type InputEvent } from "./execute.js";
import { parseQuery, QueryError } from "./parse.js";

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const msg = (i: number, m: string, stream = "s1"): InputEvent => ({ timestamp: T0 + i * 60_000, ingestionTime: T0 + i * 60_000 + 5, message: m, logStream: stream, log: "000000000000:/app", ptr: `p${i}` });
const EVENTS: InputEvent[] = [
  msg(0, "INFO start"),
  msg(1, JSON.stringify({ level: "ERROR", status: 500, latency: 120, user: { id: "u1" } })),
  msg(2, JSON.stringify({ level: "INFO", status: 200, latency: 20, user: { id: "u2" } }), "s2"),
  msg(3, "ERROR Exception while processing"),
  msg(7, JSON.stringify({ level: "ERROR", status: 503, latency: 300, user: { id: "u1" } }), "s2"),
  msg(8, "127.0.0.1 GET /index.html 200 1043"),
];

const run = (q: string, limit?: number) => runQuery(parseQuery(q), EVENTS, limit);
const table = (q: string) => run(q).rows.map((r) => Object.fromEntries(r.map((f) => [f.field, f.value])));

test("insights: fields, filter with like/regex/comparisons, and @ptr on event rows", () => {
  assert.deepEqual(table("fields @timestamp, @message | filter @message like /ERROR/"), [
    { "@timestamp": formatTimestamp(T0 + 60_000), "@message": EVENTS[1]!.message, "@ptr": "p1" },
    { "@timestamp": formatTimestamp(T0 + 180_000), "@message": "ERROR Exception while processing", "@ptr": "p3" },
    { "@timestamp": formatTimestamp(T0 + 420_000), "@message": EVENTS[4]!.message, "@ptr": "p7" },
  ]);
  assert.deepEqual(table("fields status, user.id | filter status >= 500 and user.id = 'u1'").map((r) => r.status), ["500", "503"]);
  assert.deepEqual(table('filter @message like "Exception" | fields @logStream').map((r) => r["@logStream"]), ["s1"]);
  assert.deepEqual(table("filter level in ['ERROR'] and not (latency < 200) | fields latency"), [{ latency: "300", "@ptr": "p7" }]);
  assert.deepEqual(table("filter @message not like /ERROR|INFO/ | fields @message").map((r) => r["@message"]), ["127.0.0.1 GET /index.html 200 1043"]);
  assert.deepEqual(table("filter ispresent(latency) | fields latency * 2 as double").map((r) => r.double), ["240", "40", "600"]);
  assert.equal(formatTimestamp(T0), "2026-11-29 12:00:00.000");
});

test("insights: stats count/avg/sum/min/max by field and by bin(), sorted and limited", () => {
  assert.deepEqual(table("stats count(*) as n by level | sort n desc"), [{ n: "3" }, { level: "ERROR", n: "2" }, { level: "INFO", n: "1" }].sort((a, b) => Number(b.n) - Number(a.n)));
  assert.deepEqual(table("filter ispresent(latency) | stats avg(latency), sum(latency), min(latency), max(latency), count(latency)"), [
    { "avg(latency)": String((120 + 20 + 300) / 3), "sum(latency)": "440", "min(latency)": "20", "max(latency)": "300", "count(latency)": "3" },
  ]);
  assert.deepEqual(table("stats count(*) by bin(5m)"), [
    { "bin(5m)": formatTimestamp(T0), "count(*)": "4" },
    { "bin(5m)": formatTimestamp(T0 + 300_000), "count(*)": "2" },
  ]);
  assert.deepEqual(table("stats count(*) as c by bin(1h) as hour"), [{ hour: formatTimestamp(T0), c: "6" }]);
  assert.deepEqual(table("fields @timestamp | sort @timestamp desc | limit 2").map((r) => r["@ptr"]), ["p8", "p7"]);
  assert.deepEqual(table("stats count_distinct(user.id) as users"), [{ users: "2" }]);
});

test("insights: parse with * wildcards; limit and the StartQuery limit", () => {
  assert.deepEqual(table('parse @message "* GET * * *" as ip, path, status, bytes | filter ispresent(ip) | fields ip, path, status, bytes'), [
    { ip: "127.0.0.1", path: "/index.html", status: "200", bytes: "1043", "@ptr": "p8" },
  ]);
  // The regex form: named groups become fields (doc: parse @message /(?<NameOfField>regex)/).
  assert.deepEqual(table("parse @message /(?<verb>GET|POST) (?<path>\\S+) (?<code>\\d{3})/ | filter ispresent(verb) | fields verb, path, code"), [
    { verb: "GET", path: "/index.html", code: "200", "@ptr": "p8" },
  ]);
  assert.throws(() => parseQuery("parse @message /no groups/"), /named groups/);
  assert.equal(run("fields @message | limit 3").rows.length, 3);
  assert.equal(run("fields @message", 2).rows.length, 2);
  const s = run("filter @message like /ERROR/");
  assert.equal(s.recordsScanned, 6);
  assert.equal(s.recordsMatched, 3);
  assert.ok(s.bytesScanned > 0);
});

test("insights: malformed queries are refused with offsets", () => {
  const bad: Array<[string, RegExp]> = [
    ["fields @message | frobnicate x", /Unsupported command 'frobnicate'/],
    ["filter (a = 1", /Expected '\)'/],
    ["stats latency by level", /aggregate/],
    ["limit 0", /limit must be/],
    ["limit abc", /limit must be/],
    ["fields @message |", /Expected a command/],
    ["filter @message like /(a)\\1/", /backreferences/],
    ['filter x = "open', /Unterminated string/],
    ["stats count(*) by bin(5parsecs)", /Unknown time unit/],
    ["fields count(*)", /only allowed in stats/],
  ];
  for (const [q, why] of bad) assert.throws(() => parseQuery(q), (e: unknown) => e instanceof QueryError && why.test(e.message) && e.start >= 0 && e.end >= e.start, q);
});

test("insights: the regex filter runs in linear time (issue 8)", () => {
  const evil = { ...EVENTS[0]!, message: "a".repeat(45) };
  const out = runQuery(parseQuery(`filter @message like /${"a*".repeat(12)}b/`), [evil]);
  assert.equal(out.rows.length, 0);
});

test("insights: natural sort order as the sort doc describes", () => {
  const values = ["0", "A", "@", "5A", "111A", "a12345hfh", "#", "2345_", "1"];
  const sorted = [...values].sort(naturalCompare);
  // Non-numbers first (by chunk), numbers last in numeric order.
  assert.deepEqual(sorted.slice(-2), ["0", "1"]);
  assert.ok(sorted.indexOf("5A") < sorted.indexOf("111A"));
  assert.ok(sorted.indexOf("#") < sorted.indexOf("A"));
});

test("insights: Lambda REPORT lines and embedded JSON fragments are discovered (doc: Lambda logs fields)", () => {
  const lambda: InputEvent[] = [
    msg(0, "START RequestId: 8f1c2c3d-1111-2222-3333-444455556666 Version: $LATEST\n"),
    msg(1, '2026-11-29T12:01:00.000Z\t8f1c2c3d-1111-2222-3333-444455556666\tINFO\t{"orderId":"o-1","total":42}\n'),
    msg(2, "END RequestId: 8f1c2c3d-1111-2222-3333-444455556666\n"),
    msg(3, "REPORT RequestId: 8f1c2c3d-1111-2222-3333-444455556666\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\tInit Duration: 150.25 ms\t\n"),
  ];
  const q = (s: string) => runQuery(parseQuery(s), lambda).rows.map((r) => Object.fromEntries(r.map((f) => [f.field, f.value])));
  assert.deepEqual(q('filter @type = "REPORT" | stats max(@memorySize / 1000 / 1000) as provisionedMB, max(@maxMemoryUsed / 1000 / 1000) as usedMB, avg(@duration) as d, sum(@billedDuration) as b'), [
    { provisionedMB: "128", usedMB: "64", d: "12.5", b: "13" },
  ]);
  assert.deepEqual(q("filter ispresent(orderId) | fields orderId, total"), [{ orderId: "o-1", total: "42", "@ptr": "p1" }]);
  assert.deepEqual(q("stats count(*) by @type").map((r) => r["@type"]).filter(Boolean).sort(), ["END", "REPORT", "START"]);
});

test("insights: at most 100 fields are discovered from one JSON event", () => {
  const wide = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i]));
  const out = runQuery(parseQuery("fields k99, k100"), [msg(0, JSON.stringify(wide))]);
  assert.deepEqual(out.rows[0]!.map((f) => f.field), ["k99", "@ptr"]);
});
