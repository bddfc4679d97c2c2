/**
 * Schedule expressions of EventBridge rules ("Creating an Amazon EventBridge rule that runs on a schedule",
 * "Schedule expressions for rules"), in UTC:
 * - `rate(value unit)`: unit minute(s)|hour(s)|day(s), singular exactly when value is 1; fires every period
 *   counted from the rule's creation.
 * - `cron(minutes hours day-of-month month day-of-week year)`: `, - * /` everywhere, `?` in one of
 *   day-of-month/day-of-week (exactly one of them must be `?`), `L` and `W` in day-of-month (`L`, `15W`,
 *   `LW`), `L` and `#` in day-of-week (`L`, `6L` = last Friday, `3#2` = second Tuesday); months JAN–DEC,
 *   days SUN(1)–SAT(7); years 1970–2199.
 * `next(after)` is the first fire time strictly after `after` (epoch ms), or undefined when none is left.
 */

export class ScheduleSyntaxError extends Error {}

export interface Schedule {
  kind: "rate" | "cron";
  next(after: number): number | undefined;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const RATE_UNITS: Record<string, number> = { minute: MINUTE, hour: 60 * MINUTE, day: DAY };
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MAX_YEAR = 2199;

const bad = (): never => {
  throw new ScheduleSyntaxError("Parameter ScheduleExpression is not valid.");
};

/** Parses a schedule expression; `origin` (epoch ms) anchors rate() periods. Throws ScheduleSyntaxError. */
export function parseSchedule(expr: string, origin: number): Schedule {
  if (expr.length > 256) bad();
  const rate = /^rate\((\d{1,9}) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (value < 1 || (value === 1) === unit.endsWith("s")) bad();
    const period = value * RATE_UNITS[unit.replace(/s$/, "")]!;
    return { kind: "rate", next: (after) => origin + (Math.floor((after - origin) / period) + 1) * period };
  }
  const cron = /^cron\((.*)\)$/.exec(expr);
  if (!cron) return bad();
  return parseCron(cron[1]!);
}

interface DomSpec {
  days: Set<number>;
  last: boolean;
  lastWeekday: boolean;
  weekdays: number[];
}
interface DowSpec {
  days: Set<number>;
  lastOf: number[];
  nth: Array<[number, number]>;
}

function parseCron(body: string): Schedule {
  const f = body.trim().split(/\s+/);
  if (f.length !== 6) bad();
  const [minF, hourF, domF, monF, dowF, yearF] = f as [string, string, string, string, string, string];
  if ((domF === "?") === (dowF === "?")) bad();
  const minutes = numbers(minF, 0, 59);
  const hours = numbers(hourF, 0, 23);
  const months = numbers(monF, 1, 12, MONTHS);
  const years = numbers(yearF, 1970, MAX_YEAR);
  const dom = domF === "?" ? undefined : parseDom(domF);
  const dow = dowF === "?" ? undefined : parseDow(dowF);
  const minList = [...minutes].sort((a, b) => a - b);
  const hourList = [...hours].sort((a, b) => a - b);

  const dayMatches = (y: number, m: number, d: number): boolean => {
    const dim = new Date(Date.UTC(y, m, 0)).getUTCDate(); // m is 1-based here: day 0 of next month
    if (dom) {
      if (dom.days.has(d) || (dom.last && d === dim)) return true;
      if (dom.lastWeekday && d === nearestWeekday(y, m, dim, dim)) return true;
      return dom.weekdays.some((w) => w <= dim && d === nearestWeekday(y, m, w, dim));
    }
    const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;
    if (dow!.days.has(wd)) return true;
    if (dow!.lastOf.includes(wd) && d + 7 > dim) return true;
    return dow!.nth.some(([day, n]) => day === wd && Math.ceil(d / 7) === n);
  };

  return {
    kind: "cron",
    next(after: number): number | undefined {
      let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
      for (let guard = 0; guard < 100_000; guard++) {
        const dt = new Date(t);
        const y = dt.getUTCFullYear();
        const m = dt.getUTCMonth() + 1;
        const d = dt.getUTCDate();
        if (y > MAX_YEAR) return undefined;
        if (!years.has(y)) {
          t = Date.UTC(y + 1, 0, 1);
          continue;
        }
        if (!months.has(m)) {
          t = Date.UTC(y, m, 1);
          continue;
        }
        if (dayMatches(y, m, d)) {
          const hit = firstTimeOfDay(hourList, minList, dt.getUTCHours(), dt.getUTCMinutes());
          if (hit) return Date.UTC(y, m - 1, d, hit[0], hit[1]);
        }
        t = Date.UTC(y, m - 1, d + 1);
      }
      return undefined;
    },
  };
}

function firstTimeOfDay(hours: number[], minutes: number[], h0: number, m0: number): [number, number] | undefined {
  for (const h of hours) {
    if (h < h0) continue;
    const m = h === h0 ? minutes.find((x) => x >= m0) : minutes[0];
    if (m !== undefined) return [h, m];
  }
  return undefined;
}

/** The weekday nearest to day `day` of the month, never leaving the month (the `W` rule). */
function nearestWeekday(y: number, m: number, day: number, dim: number): number {
  const wd = new Date(Date.UTC(y, m - 1, day)).getUTCDay();
  if (wd === 6) return day === 1 ? 3 : day - 1;
  if (wd === 0) return day === dim ? day - 2 : day + 1;
  return day;
}

function value(s: string, lo: number, hi: number, names?: string[]): number {
  let n: number;
  if (/^\d{1,4}$/.test(s)) n = Number(s);
  else {
    const i = names ? names.indexOf(s.toUpperCase()) : -1;
    if (i < 0) return bad();
    n = i + lo;
  }
  if (n < lo || n > hi) bad();
  return n;
}

/** A field of `, - * /` items as the set of values it selects. */
function numbers(field: string, lo: number, hi: number, names?: string[]): Set<number> {
  const out = new Set<number>();
  for (const item of field.split(",")) {
    const [range, stepText] = item.split("/") as [string, string | undefined];
    if (item.split("/").length > 2) bad();
    const step = stepText === undefined ? 1 : /^\d{1,4}$/.test(stepText) && Number(stepText) > 0 ? Number(stepText) : bad();
    let from: number;
    let to: number;
    if (range === "*") [from, to] = [lo, hi];
    else if (range.includes("-")) {
      const [a, b] = range.split("-");
      if (range.split("-").length !== 2) bad();
      [from, to] = [value(a!, lo, hi, names), value(b!, lo, hi, names)];
      if (from > to) bad();
    } else {
      from = value(range, lo, hi, names);
      to = stepText === undefined ? from : hi;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function parseDom(field: string): DomSpec {
  const spec: DomSpec = { days: new Set(), last: false, lastWeekday: false, weekdays: [] };
  const plain: string[] = [];
  for (const item of field.split(",")) {
    if (item === "L") spec.last = true;
    else if (item === "LW") spec.lastWeekday = true;
    else if (/^\d{1,2}W$/.test(item)) spec.weekdays.push(value(item.slice(0, -1), 1, 31));
    else plain.push(item);
  }
  if (plain.length) for (const d of numbers(plain.join(","), 1, 31)) spec.days.add(d);
  return spec;
}

function parseDow(field: string): DowSpec {
  const spec: DowSpec = { days: new Set(), lastOf: [], nth: [] };
  const plain: string[] = [];
  for (const item of field.split(",")) {
    if (item === "L") spec.days.add(7);
    else if (/^\w{1,3}L$/.test(item)) spec.lastOf.push(value(item.slice(0, -1), 1, 7, DAYS));
    else if (item.includes("#")) {
      const [d, n] = item.split("#");
      if (!/^[1-5]$/.test(n ?? "")) bad();
      spec.nth.push([value(d!, 1, 7, DAYS), Number(n)]);
    } else plain.push(item);
  }
  if (plain.length) for (const d of numbers(plain.join(","), 1, 7, DAYS)) spec.days.add(d);
  return spec;
}
