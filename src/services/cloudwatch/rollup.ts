/**
 * Rollups with AWS's retention: high-resolution points become 1-minute points after 3 hours, 1-minute data
 * becomes 5-minute data after 15 days, 5-minute data 1-hour data after 63 days, and 1-hour data is deleted
 * after 455 days. A rolled-up row keeps count/sum/min/max and its values for percentiles (merged by value;
 * past MAX_PAIRS distinct values it keeps none, as a statistic set), so long-range queries read few rows.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#metrics-retention
 */
import { Retention } from "./constants.js";
import type { CloudWatchStore } from "./store.js";

const TIERS = [
  { olderThanMs: Retention.HIGH_RES_MS, resMs: 60_000 },
  { olderThanMs: Retention.MINUTE_MS, resMs: 300_000 },
  { olderThanMs: Retention.FIVE_MINUTE_MS, resMs: 3_600_000 },
] as const;
const MAX_PAIRS = 1000;
/** Rows read per tier and pass, so one pass never holds the store for long. */
const BATCH_ROWS = 50_000;

interface Row {
  seq: number;
  metric_id: number;
  ts: number;
  unit: string | null;
  n: number;
  sum: number;
  min: number;
  max: number;
  vals: string | null;
}

/** One rollup and retention pass at `now`; returns how many rows it merged or deleted. */
export function rollUp(store: CloudWatchStore, now: number): number {
  let touched = 0;
  for (const tier of TIERS) {
    const rows = store.q("SELECT seq, metric_id, ts, unit, n, sum, min, max, vals FROM cloudwatch_pts WHERE res < ? AND ts < ? LIMIT ?").all(tier.resMs, now - tier.olderThanMs, BATCH_ROWS) as Row[];
    if (!rows.length) continue;
    const groups = new Map<string, { metric: number; ts: number; unit: string | null; n: number; sum: number; min: number; max: number; vals: Map<number, number> | null }>();
    for (const r of rows) {
      const ts = Math.floor(r.ts / tier.resMs) * tier.resMs;
      const key = `${r.metric_id}:${ts}:${r.unit ?? ""}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { metric: r.metric_id, ts, unit: r.unit, n: 0, sum: 0, min: Infinity, max: -Infinity, vals: new Map() }));
      g.n += r.n;
      g.sum += r.sum;
      g.min = Math.min(g.min, r.min);
      g.max = Math.max(g.max, r.max);
      if (g.vals) {
        const pairs: Array<[number, number]> | undefined = r.vals === null ? [[r.sum, 1]] : r.vals === "" ? undefined : (JSON.parse(r.vals) as Array<[number, number]>);
        if (!pairs) g.vals = null;
        else for (const [v, c] of pairs) g.vals.set(v, (g.vals.get(v) ?? 0) + c);
        if (g.vals && g.vals.size > MAX_PAIRS) g.vals = null;
      }
    }
    store.tx(() => {
      const del = store.q("DELETE FROM cloudwatch_pts WHERE metric_id = ? AND ts = ? AND seq = ?");
      for (const r of rows) del.run(r.metric_id, r.ts, r.seq);
      const ins = store.q("INSERT INTO cloudwatch_pts (metric_id, ts, seq, unit, hires, n, sum, min, max, vals, res) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)");
      for (const g of groups.values()) ins.run(g.metric, g.ts, store.nextSeq(), g.unit, g.n, g.sum, g.min, g.max, g.vals ? JSON.stringify([...g.vals]) : "", tier.resMs);
    });
    touched += rows.length;
  }
  touched += store.q("DELETE FROM cloudwatch_pts WHERE res IN (0, 60000, 300000, 3600000) AND ts < ?").run(now - Retention.HOUR_MS).changes;
  return touched;
}
