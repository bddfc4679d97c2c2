/**
 * When the AutoSnapshot add-on takes its daily snapshot, pure (no clock, no store): the rules of AWS's
 * AutoSnapshotAddOnRequest and "Change the time for automatic snapshots" —
 * - one automatic snapshot a day (UTC), at snapshotTimeOfDay (HH:00) or later (AWS: within 45 minutes);
 * - a time less than 30 minutes after the add-on was enabled or its time changed takes effect the next day;
 * - changing the time when today's snapshot is not taken yet, to an earlier time, or to within 30 minutes of
 *   now, or while the old time is within 30 minutes: today's snapshot is still taken at the OLD time (the
 *   "carry"), the new one applies from tomorrow — so no day is skipped and no day gets two.
 */
export interface Schedule {
  /** HH:00 (UTC). */
  time: string;
  /** Epoch ms when this time took effect (enabled or changed). */
  since: number;
  /** Today's snapshot at the previous time (set when the time changed too late in the day). */
  carry?: { date: string; time: string };
}

export const MIN_NOTICE_MS = 30 * 60 * 1000;
export const DAY_MS = 24 * 3600 * 1000;

/** YYYY-MM-DD (UTC) of an instant. */
export const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The instant of `time` (HH:00 UTC) on `date`. */
export const at = (date: string, time: string): number => Date.parse(`${date}T${time}:00Z`);

/** When the snapshot of `date` is due under `s`, or undefined when that day has none. */
export function dueAt(s: Schedule, date: string): number | undefined {
  if (s.carry?.date === date) return at(date, s.carry.time);
  const t = at(date, s.time);
  return t - s.since >= MIN_NOTICE_MS ? t : undefined;
}

/** Whether a snapshot for today (the day of `now`) should be taken now. */
export function isDue(s: Schedule, now: number, takenToday: boolean): boolean {
  if (takenToday) return false;
  const t = dueAt(s, dateOf(now));
  return t !== undefined && now >= t;
}

/** The schedule after EnableAddOn with `time` at `now` (prev: the schedule in force, if the add-on was enabled). */
export function reschedule(prev: Schedule | undefined, time: string, now: number, takenToday: boolean): Schedule {
  if (!prev) return { time, since: now };
  if (prev.time === time && !prev.carry) return prev;
  const today = dateOf(now);
  const prevAt = dueAt(prev, today);
  const next: Schedule = { time, since: now };
  if (!takenToday && prevAt !== undefined) {
    const newAt = at(today, time);
    const prevTime = prev.carry?.date === today ? prev.carry.time : prev.time;
    if (newAt < prevAt || newAt < now + MIN_NOTICE_MS || prevAt < now + MIN_NOTICE_MS) next.carry = { date: today, time: prevTime };
  }
  return next;
}

/** The HH:00 of the next snapshot (AWS's nextSnapshotTimeOfDay). */
export function nextTimeOfDay(s: Schedule, now: number, takenToday: boolean): string {
  const today = dateOf(now);
  if (!takenToday && s.carry?.date === today) return s.carry.time;
  return s.time;
}
