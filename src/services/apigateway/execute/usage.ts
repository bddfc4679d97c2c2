/**
 * Usage plan quotas: requests counted per (usage plan, API key, UTC day) in SQLite, so GetUsage reports real
 * daily counts and a restart keeps the quota where it was. The quota period (DAY, WEEK, MONTH) starts at
 * 00:00 UTC on the day `offset` names: WEEK offset 0 is Sunday, 1 Monday…; MONTH offset N is the (N+1)th day
 * of the month (QuotaSettings: "The day that a time period starts"). UpdateUsage's `remaining` is kept as an
 * adjustment on the day it was made, so the daily counts stay what they were.
 * The period totals of keys in use are cached in memory (one SQL write per counted request, no read).
 */
import type { Quota as QuotaSettings } from "../../../aws/api/apigateway.js";
import type { Statement, Store } from "../../../store/store.js";

const MIGRATIONS = [
  `CREATE TABLE apigateway_usage (account TEXT NOT NULL, region TEXT NOT NULL, plan_id TEXT NOT NULL, key_id TEXT NOT NULL, day TEXT NOT NULL,
     used INTEGER NOT NULL DEFAULT 0, adjust INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (account, region, plan_id, key_id, day))`,
];
const DAY_MS = 86_400_000;
/** Keys whose period totals stay cached; past it the cache starts over (totals are re-read from SQL). */
const MAX_CACHED = 50_000;

/** "YYYY-MM-DD" of a UTC timestamp. */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Start (epoch ms, 00:00 UTC) of the quota period holding `nowMs`. */
export function periodStartMs(quota: Pick<QuotaSettings, "period" | "offset">, nowMs: number): number {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const offset = Math.max(0, Math.floor(quota.offset ?? 0));
  if (quota.period === "WEEK") {
    const back = (new Date(today).getUTCDay() - (offset % 7) + 7) % 7;
    return today - back * DAY_MS;
  }
  if (quota.period === "MONTH") {
    const d = new Date(today);
    const day = Math.min(offset, 27) + 1;
    let start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), day);
    if (start > today) start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, day);
    return start;
  }
  return today;
}

interface Cached {
  periodStart: number;
  used: number;
}

export class UsageCounter {
  private readonly s: { add: Statement; adjust: Statement; sum: Statement; range: Statement; delPlan: Statement };
  private readonly cache = new Map<string, Cached>();

  constructor(store: Store) {
    store.migrate("apigateway-usage", MIGRATIONS);
    const db = store.db;
    this.s = {
      add: db.prepare(`INSERT INTO apigateway_usage (account, region, plan_id, key_id, day, used) VALUES (?, ?, ?, ?, ?, 1)
        ON CONFLICT (account, region, plan_id, key_id, day) DO UPDATE SET used = used + 1`),
      adjust: db.prepare(`INSERT INTO apigateway_usage (account, region, plan_id, key_id, day, adjust) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (account, region, plan_id, key_id, day) DO UPDATE SET adjust = adjust + excluded.adjust`),
      sum: db.prepare("SELECT COALESCE(SUM(used + adjust), 0) AS n FROM apigateway_usage WHERE account = ? AND region = ? AND plan_id = ? AND key_id = ? AND day >= ?"),
      range: db.prepare("SELECT key_id, day, used, adjust FROM apigateway_usage WHERE account = ? AND region = ? AND plan_id = ? AND day >= ? AND day <= ? ORDER BY day"),
      delPlan: db.prepare("DELETE FROM apigateway_usage WHERE account = ? AND region = ? AND plan_id = ?"),
    };
  }

  /**
   * Counts one request of `keyId` in `planId` if the plan's quota has room; false (not counted) when it is
   * spent. Without a quota the request is always counted (GetUsage still reports it).
   */
  take(account: string, region: string, planId: string, keyId: string, quota: QuotaSettings | undefined, nowMs: number): boolean {
    const key = `${account}\u0000${region}\u0000${planId}\u0000${keyId}`;
    const start = periodStartMs(quota ?? { period: "DAY" }, nowMs);
    let c = this.cache.get(key);
    if (!c || c.periodStart !== start) {
      if (!c && this.cache.size >= MAX_CACHED) this.cache.clear();
      c = { periodStart: start, used: (this.s.sum.get(account, region, planId, keyId, dayOf(start)) as { n: number }).n };
      this.cache.set(key, c);
    }
    if (quota?.limit !== undefined && quota.limit !== null && c.used >= quota.limit) return false;
    c.used++;
    this.s.add.run(account, region, planId, keyId, dayOf(nowMs));
    return true;
  }

  /** Requests left in the current period (UpdateUsage's /keyId:{id}/remaining sets it). */
  setRemaining(account: string, region: string, planId: string, keyId: string, quota: QuotaSettings, remaining: number, nowMs: number): void {
    const start = periodStartMs(quota, nowMs);
    const used = (this.s.sum.get(account, region, planId, keyId, dayOf(start)) as { n: number }).n;
    const want = (quota.limit ?? 0) - remaining;
    this.s.adjust.run(account, region, planId, keyId, dayOf(nowMs), want - used);
    this.cache.delete(`${account}\u0000${region}\u0000${planId}\u0000${keyId}`);
  }

  /**
   * GetUsage's items: per key, one [used, remaining] pair per day from `from` to `to` (YYYY-MM-DD, inclusive);
   * remaining is what the quota had left at the end of that day (0 without a quota).
   */
  daily(account: string, region: string, planId: string, keyIds: string[], quota: QuotaSettings | undefined, from: string, to: string): Record<string, number[][]> {
    const fromMs = Date.parse(`${from}T00:00:00Z`);
    const toMs = Date.parse(`${to}T00:00:00Z`);
    // Rows from the start of the period holding `from`, so the first day's remaining counts what came before it.
    const firstPeriod = quota ? periodStartMs(quota, fromMs) : fromMs;
    const rows = this.s.range.all(account, region, planId, dayOf(firstPeriod), to) as Array<{ key_id: string; day: string; used: number; adjust: number }>;
    const byKey = new Map<string, Map<string, { used: number; adjust: number }>>();
    for (const r of rows) {
      let m = byKey.get(r.key_id);
      if (!m) byKey.set(r.key_id, (m = new Map()));
      m.set(r.day, { used: r.used, adjust: r.adjust });
    }
    const out: Record<string, number[][]> = {};
    for (const keyId of keyIds) {
      const days = byKey.get(keyId);
      const series: number[][] = [];
      let period = -1;
      let spent = 0;
      for (let t = firstPeriod; t <= toMs; t += DAY_MS) {
        const p = quota ? periodStartMs(quota, t) : t;
        if (p !== period) {
          period = p;
          spent = 0;
        }
        const row = days?.get(dayOf(t));
        spent += (row?.used ?? 0) + (row?.adjust ?? 0);
        if (t >= fromMs) series.push([row?.used ?? 0, quota?.limit !== undefined && quota.limit !== null ? Math.max(0, quota.limit - spent) : 0]);
      }
      out[keyId] = series;
    }
    return out;
  }

  /** Forgets a deleted plan's counts. */
  deletePlan(account: string, region: string, planId: string): void {
    this.s.delPlan.run(account, region, planId);
    for (const k of this.cache.keys()) if (k.startsWith(`${account}\u0000${region}\u0000${planId}\u0000`)) this.cache.delete(k);
  }

  reset(): void {
    this.cache.clear();
  }
}
