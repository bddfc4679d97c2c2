/**
 * Statistics over stored points: points are grouped into periods that start at the aligned StartTime, and
 * each period yields SampleCount/Sum/Minimum/Maximum/Average and percentiles (pNN: nearest rank over the
 * raw values; periods holding statistic sets have none, as on AWS).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Percentiles
 */
import { Retention } from "./constants.js";
import type { PointRow } from "./store.js";

export interface Bucket {
  ts: number;
  n: number;
  sum: number;
  min: number;
  max: number;
  unit: string | undefined;
  vals: Array<[number, number]>;
  /** False once a statistic set (no raw values) joined the period. */
  hasDistribution: boolean;
}

const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$/;

/** Whether `s` names an extended statistic Skyport computes (pNN.NN). */
export const isPercentile = (s: string): boolean => PERCENTILE.test(s);

/**
 * Rounds StartTime down as GetMetricStatistics documents: to the minute when under 15 days old, to 5 minutes
 * up to 63 days, to the hour beyond.
 */
export function alignStart(start: number, now: number, periodSec: number): number {
  const age = now - start;
  const unit = periodSec < 60 ? periodSec * 1000 : age <= Retention.MINUTE_MS ? 60_000 : age <= Retention.FIVE_MINUTE_MS ? 300_000 : 3_600_000;
  return Math.floor(start / unit) * unit;
}

/** Groups points into periods of `periodMs` from `start`; keyed and sorted by period start. */
export function bucketize(points: Iterable<PointRow>, start: number, periodMs: number): Bucket[] {
  const out = new Map<number, Bucket>();
  for (const p of points) {
    const ts = start + Math.floor((p.ts - start) / periodMs) * periodMs;
    let b = out.get(ts);
    if (!b) out.set(ts, (b = { ts, n: 0, sum: 0, min: Infinity, max: -Infinity, unit: undefined, vals: [], hasDistribution: true }));
    b.n += p.n;
    b.sum += p.sum;
    if (p.min < b.min) b.min = p.min;
    if (p.max > b.max) b.max = p.max;
    b.unit ??= p.unit ?? undefined;
    if (p.vals === null) b.vals.push([p.sum, 1]);
    else if (p.vals === "") b.hasDistribution = false;
    else for (const v of JSON.parse(p.vals) as Array<[number, number]>) b.vals.push(v);
  }
  return [...out.values()].sort((a, b) => a.ts - b.ts);
}

/** The value of one statistic for a period, undefined when it has none (a percentile over statistic sets). */
export function statOf(b: Bucket, stat: string): number | undefined {
  switch (stat) {
    case "SampleCount":
      return b.n;
    case "Sum":
      return b.sum;
    case "Minimum":
      return b.min;
    case "Maximum":
      return b.max;
    case "Average":
      return b.n ? b.sum / b.n : 0;
  }
  if (!isPercentile(stat) || !b.hasDistribution || !b.vals.length) return undefined;
  return percentile(b.vals, Number(stat.slice(1)));
}

/** Nearest-rank percentile of weighted values. */
export function percentile(vals: Array<[number, number]>, p: number): number {
  const sorted = [...vals].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, v) => s + v[1], 0);
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [v, c] of sorted) {
    seen += c;
    if (seen >= rank) return v;
  }
  return sorted[sorted.length - 1]![0];
}
