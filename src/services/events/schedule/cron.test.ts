/**
 * Schedule expressions, table-driven. Examples from the EventBridge user guide "Schedule expressions for
 * rules" (cron and rate examples and their descriptions) unless marked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSchedule, ScheduleSyntaxError } from "./cron.js";

const T = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace(".000Z", "Z"));

/** expression, start, the next fire times after start. */
const CASES: Array<[string, string, string[]]> = [
  // "Run at 10:00 am (UTC+0) every day"
  ["cron(0 10 * * ? *)", "2026-03-01T09:00:00Z", ["2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z"]],
  ["cron(0 10 * * ? *)", "2026-03-01T10:00:00Z", ["2026-03-02T10:00:00Z"]],
  // "Run at 12:15 pm (UTC+0) every day"
  ["cron(15 12 * * ? *)", "2026-03-01T12:15:30Z", ["2026-03-02T12:15:00Z"]],
  // "Run at 6:00 pm (UTC+0) every Monday through Friday" — 2026-03-06 is a Friday
  ["cron(0 18 ? * MON-FRI *)", "2026-03-06T19:00:00Z", ["2026-03-09T18:00:00Z", "2026-03-10T18:00:00Z"]],
  // "Run at 8:00 am (UTC+0) every 1st day of the month"
  ["cron(0 8 1 * ? *)", "2026-01-15T00:00:00Z", ["2026-02-01T08:00:00Z", "2026-03-01T08:00:00Z"]],
  // "Run every 15 minutes"
  ["cron(0/15 * * * ? *)", "2026-03-01T10:07:00Z", ["2026-03-01T10:15:00Z", "2026-03-01T10:30:00Z", "2026-03-01T10:45:00Z", "2026-03-01T11:00:00Z"]],
  // "Run every 10 minutes Monday through Friday" — from Saturday 2026-03-07
  ["cron(0/10 * ? * MON-FRI *)", "2026-03-07T12:00:00Z", ["2026-03-09T00:00:00Z", "2026-03-09T00:10:00Z"]],
  // "Run every 5 minutes Monday through Friday between 8:00 am and 5:55 pm (UTC+0)"
  ["cron(0/5 8-17 ? * MON-FRI *)", "2026-03-09T17:54:00Z", ["2026-03-09T17:55:00Z", "2026-03-10T08:00:00Z"]],
  // "Run at 9 am (UTC+0) the first Monday of each month"
  ["cron(0 9 ? * 2#1 *)", "2026-03-01T00:00:00Z", ["2026-03-02T09:00:00Z", "2026-04-06T09:00:00Z"]],
  // L: last day of the month; 6L: last Friday; W: nearest weekday (2026-02-28 is a Saturday)
  ["cron(0 0 L * ? *)", "2026-02-01T00:00:00Z", ["2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z"]],
  ["cron(0 0 ? * 6L *)", "2026-03-01T00:00:00Z", ["2026-03-27T00:00:00Z", "2026-04-24T00:00:00Z"]],
  ["cron(0 0 LW * ? *)", "2026-02-01T00:00:00Z", ["2026-02-27T00:00:00Z"]],
  ["cron(0 0 1W * ? *)", "2026-02-01T00:00:00Z", ["2026-02-02T00:00:00Z", "2026-03-02T00:00:00Z"]],
  // month names, lists, years
  ["cron(30 6 1 JAN,JUL ? 2027)", "2026-03-01T00:00:00Z", ["2027-01-01T06:30:00Z", "2027-07-01T06:30:00Z"]],
  ["cron(0 0 1 1 ? 2026)", "2026-03-01T00:00:00Z", []],
  // rate: "rate(5 minutes)", "rate(1 hour)", "rate(7 days)", "rate(1 minute)" — from creation at 2026-03-01T00:00:00Z
  ["rate(5 minutes)", "2026-03-01T00:00:00Z", ["2026-03-01T00:05:00Z", "2026-03-01T00:10:00Z"]],
  ["rate(1 hour)", "2026-03-01T00:30:00Z", ["2026-03-01T01:00:00Z"]],
  ["rate(7 days)", "2026-03-01T00:00:00Z", ["2026-03-08T00:00:00Z"]],
  ["rate(1 minute)", "2026-03-01T00:00:00Z", ["2026-03-01T00:01:00Z"]],
];

test("schedule expressions: AWS's cron and rate examples fire when documented", () => {
  for (const [expr, start, expected] of CASES) {
    const s = parseSchedule(expr, T("2026-03-01T00:00:00Z"));
    const got: Array<string | undefined> = [];
    let t = T(start);
    for (let i = 0; i < Math.max(expected.length, 1); i++) {
      const n = s.next(t);
      got.push(iso(n));
      if (n === undefined) break;
      t = n;
    }
    assert.deepEqual(got.filter(Boolean), expected, `${expr} after ${start}`);
  }
});

test("schedule expressions: invalid expressions are refused", () => {
  const invalid = [
    "rate(1 minutes)", // singular for 1
    "rate(5 minute)",
    "rate(0 minutes)",
    "rate(5 weeks)",
    "cron(0 10 * * * *)", // day-of-month and day-of-week both given
    "cron(0 10 ? * ? *)",
    "cron(0 10 * * ?)", // five fields
    "cron(60 10 * * ? *)",
    "cron(0 24 * * ? *)",
    "cron(0 0 32 * ? *)",
    "cron(0 0 ? * 8 *)",
    "cron(0 0 ? * 2#6 *)",
    "cron(0 0 1 FOO ? *)",
    "cron(0 0 1 * ? 1969)",
    "cron(0/0 * * * ? *)",
    "every 5 minutes",
  ];
  for (const e of invalid) assert.throws(() => parseSchedule(e, 0), ScheduleSyntaxError, e);
});
