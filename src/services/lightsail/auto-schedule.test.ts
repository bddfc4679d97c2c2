/**
 * The AutoSnapshot add-on's schedule, case by case from AWS's AutoSnapshotAddOnRequest documentation
 * ("When you modify the automatic snapshot time for a resource, it is typically effective immediately except
 * under the following conditions: …") and "Change the time for automatic snapshots" (30 minutes' notice).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isDue, nextTimeOfDay, reschedule, type Schedule } from "./auto-schedule.js";

const T = (hhmm: string, day = "2026-01-10") => Date.parse(`${day}T${hhmm}:00Z`);

interface Case {
  name: string;
  /** The schedule in force before the change (undefined: the add-on was disabled). */
  prev?: Schedule;
  takenToday: boolean;
  change: { time: string; at: string };
  /** Times of day (2026-01-10) checked after the change: is today's snapshot due then? */
  dueAt: Array<[string, boolean]>;
  next: string;
  /** The time of tomorrow's snapshot. */
  tomorrow: string;
}

const enabledLongAgo = (time: string): Schedule => ({ time, since: T("00:00", "2026-01-01") });

const CASES: Case[] = [
  { name: "enabled with a time later today: effective immediately", takenToday: false, change: { time: "10:00", at: "08:00" }, dueAt: [["09:59", false], ["10:00", true]], next: "10:00", tomorrow: "10:00" },
  { name: "enabled with a time within 30 minutes: from tomorrow", takenToday: false, change: { time: "08:00", at: "07:45" }, dueAt: [["08:00", false], ["23:59", false]], next: "08:00", tomorrow: "08:00" },
  { name: "enabled with a time already past: from tomorrow", takenToday: false, change: { time: "06:00", at: "08:00" }, dueAt: [["08:01", false]], next: "06:00", tomorrow: "06:00" },
  { name: "taken today, changed to a later time: effective the following day (no second snapshot today)", prev: enabledLongAgo("06:00"), takenToday: true, change: { time: "20:00", at: "07:00" }, dueAt: [["20:00", false]], next: "20:00", tomorrow: "20:00" },
  { name: "not taken today, changed to an earlier time: today's at the previous time, new time from tomorrow", prev: enabledLongAgo("18:00"), takenToday: false, change: { time: "12:00", at: "07:00" }, dueAt: [["12:00", false], ["18:00", true]], next: "18:00", tomorrow: "12:00" },
  { name: "not taken today, changed to within 30 minutes of now: today's at the previous time", prev: enabledLongAgo("18:00"), takenToday: false, change: { time: "08:00", at: "07:40" }, dueAt: [["08:00", false], ["18:00", true]], next: "18:00", tomorrow: "08:00" },
  { name: "old time within 30 minutes, changed: today's at the previous time", prev: enabledLongAgo("08:00"), takenToday: false, change: { time: "15:00", at: "07:45" }, dueAt: [["08:00", true], ["15:00", true]], next: "08:00", tomorrow: "15:00" },
  { name: "not taken today, changed to a later time well ahead: effective immediately", prev: enabledLongAgo("09:00"), takenToday: false, change: { time: "15:00", at: "07:00" }, dueAt: [["09:00", false], ["15:00", true]], next: "15:00", tomorrow: "15:00" },
  { name: "same time again: nothing changes", prev: enabledLongAgo("09:00"), takenToday: false, change: { time: "09:00", at: "08:45" }, dueAt: [["09:00", true]], next: "09:00", tomorrow: "09:00" },
];

for (const c of CASES) {
  test(`reschedule: ${c.name}`, () => {
    const now = T(c.change.at);
    const s = reschedule(c.prev, c.change.time, now, c.takenToday);
    for (const [hhmm, due] of c.dueAt) assert.equal(isDue(s, T(hhmm), c.takenToday), due, `due at ${hhmm}`);
    assert.equal(nextTimeOfDay(s, now, c.takenToday), c.next);
    assert.equal(isDue(s, T(c.tomorrow, "2026-01-11"), false), true, `tomorrow at ${c.tomorrow}`);
    const [h] = c.tomorrow.split(":");
    const before = `${String(Number(h) - 1).padStart(2, "0")}:59`;
    if (Number(h) > 0) assert.equal(isDue(s, T(before, "2026-01-11"), false), false, `not before ${c.tomorrow} tomorrow`);
  });
}

test("isDue: one snapshot a day — never once today's is taken", () => {
  const s = enabledLongAgo("06:00");
  assert.equal(isDue(s, T("06:00"), false), true);
  assert.equal(isDue(s, T("06:00"), true), false);
  assert.equal(isDue(s, T("05:59"), false), false);
});
