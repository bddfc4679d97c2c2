/**
 * Quota periods of usage plans (QuotaSettings: "offset — The day that a time period starts. For example, with a
 * time period of WEEK, an offset of 0 starts on Sunday, and an offset of 1 starts on Monday"); periods start at
 * 00:00 UTC.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { periodStartMs } from "../../src/services/apigateway/execute/usage.js";

const CASES: Array<{ period: "DAY" | "WEEK" | "MONTH"; offset?: number; now: string; start: string }> = [
  { period: "DAY", now: "2026-11-30T23:59:59Z", start: "2026-11-30" },
  { period: "WEEK", offset: 0, now: "2026-12-05T12:00:00Z", start: "2026-11-29" }, // Saturday → the Sunday before
  { period: "WEEK", offset: 0, now: "2026-11-29T00:00:00Z", start: "2026-11-29" }, // Sunday itself
  { period: "WEEK", offset: 1, now: "2026-11-29T12:00:00Z", start: "2026-11-23" }, // Sunday → the Monday before
  { period: "WEEK", offset: 6, now: "2026-12-04T12:00:00Z", start: "2026-11-28" }, // Friday → the Saturday before
  { period: "MONTH", offset: 0, now: "2026-11-30T12:00:00Z", start: "2026-11-01" },
  { period: "MONTH", offset: 14, now: "2026-11-30T12:00:00Z", start: "2026-11-15" },
  { period: "MONTH", offset: 14, now: "2026-11-10T12:00:00Z", start: "2026-10-15" },
  { period: "MONTH", offset: 0, now: "2027-01-01T00:00:00Z", start: "2027-01-01" },
  { period: "MONTH", offset: 14, now: "2027-01-03T00:00:00Z", start: "2026-12-15" }, // across the year
];

test("periodStartMs: quota periods and offsets (table)", () => {
  for (const c of CASES) {
    const got = new Date(periodStartMs({ period: c.period, offset: c.offset }, Date.parse(c.now))).toISOString().slice(0, 10);
    assert.equal(got, c.start, `${c.period} offset ${c.offset ?? 0} at ${c.now}`);
  }
});
