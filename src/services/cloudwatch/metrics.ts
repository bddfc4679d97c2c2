/** PutMetricData, GetMetricStatistics and ListMetrics over the metric store. */
import type * as C from "../../aws/api/cloudwatch.js";
import type { RequestContext } from "../../edge/context.js";
import { Limits, STATISTICS } from "./constants.js";
import { alignStart, bucketize, isPercentile, statOf, type Bucket } from "./stats.js";
import { canonicalDims, parseDims, type CloudWatchStore, type Dimension, type PointInput } from "./store.js";
import { checkDimensions, checkName, checkNamespace, checkPeriod, checkUnit, combination, invalidValue, missing } from "./validate.js";

export type MetricDatum = C.PutMetricDataInput["MetricData"][number];

/** One datum reduced to a stored point (validation done by the caller). */
export function toPoint(d: MetricDatum, now: number): PointInput {
  const ts = d.Timestamp ? d.Timestamp.getTime() : now;
  const hires = d.StorageResolution === 1;
  if (d.StatisticValues) {
    const s = d.StatisticValues;
    return { ts, unit: d.Unit, n: s.SampleCount, sum: s.Sum, min: s.Minimum, max: s.Maximum, vals: null, hires };
  }
  if (d.Values?.length) {
    const vals = d.Values.map((v, i) => [v, d.Counts?.[i] ?? 1] as [number, number]);
    let n = 0, sum = 0, min = Infinity, max = -Infinity;
    for (const [v, c] of vals) {
      n += c;
      sum += v * c;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { ts, unit: d.Unit, n, sum, min, max, vals, hires };
  }
  const v = d.Value ?? 0;
  return { ts, unit: d.Unit, n: 1, sum: v, min: v, max: v, hires };
}

export function validateDatum(d: MetricDatum, i: number, now: number): void {
  const f = `MetricData.member.${i + 1}`;
  checkName(d.MetricName, `metricData.${i + 1}.member.metricName`);
  checkDimensions(d.Dimensions, `metricData.${i + 1}.member.dimensions`);
  checkUnit(d.Unit, `metricData.${i + 1}.member.unit`);
  const given = [d.Value !== undefined && "Value", d.StatisticValues && "StatisticValues", d.Values && "Values"].filter(Boolean) as string[];
  if (given.length > 1) throw combination(`The parameters ${f}.${given[0]} and ${f}.${given[1]} are mutually exclusive and you have specified both.`);
  if (!given.length) throw missing(`At least one of the parameters ${f}.Value, ${f}.StatisticValues or ${f}.Values must be specified.`);
  if (d.Values && d.Values.length > Limits.MAX_VALUES) throw invalidValue(`The collection ${f}.Values must not have a size greater than ${Limits.MAX_VALUES}.`);
  if (d.Counts && (!d.Values || d.Counts.length !== d.Values.length)) throw invalidValue(`The parameters ${f}.Values and ${f}.Counts must be of the same size.`);
  if (d.StatisticValues && d.StatisticValues.SampleCount <= 0) throw invalidValue(`The parameter ${f}.StatisticValues.SampleCount must be greater than 0.`);
  if (d.StorageResolution !== undefined && d.StorageResolution !== 1 && d.StorageResolution !== 60) throw invalidValue(`The parameter ${f}.StorageResolution must be either 1 or 60.`);
  if (d.Timestamp) {
    const t = d.Timestamp.getTime();
    if (t < now - Limits.MAX_PAST_MS) throw invalidValue(`The parameter ${f}.Timestamp must specify a time no more than two weeks in the past.`);
    if (t > now + Limits.MAX_FUTURE_MS) throw invalidValue(`The parameter ${f}.Timestamp must specify a time no more than two hours in the future.`);
  }
}

export class MetricOps {
  constructor(private readonly store: CloudWatchStore, private readonly now: () => number) {}

  PutMetricData(ctx: RequestContext, input: C.PutMetricDataInput): C.PutMetricDataOutput {
    checkNamespace(input.Namespace);
    if (input.Namespace.startsWith("AWS/")) throw invalidValue(`The value ${input.Namespace} for parameter Namespace is invalid.`);
    if (!input.MetricData.length) throw missing("The parameter MetricData is required.");
    if (input.MetricData.length > Limits.MAX_METRIC_DATA) throw invalidValue(`The collection MetricData must not have a size greater than ${Limits.MAX_METRIC_DATA}.`);
    const now = this.now();
    input.MetricData.forEach((d, i) => validateDatum(d, i, now));
    this.ingest(ctx.accountId, ctx.region, input.Namespace, input.MetricData);
    return {};
  }

  /** Stores validated data (also the in-process path of service metrics, which may use AWS/ namespaces). */
  ingest(account: string, region: string, namespace: string, data: MetricDatum[]): void {
    const now = this.now();
    this.store.tx(() => {
      for (const d of data) this.store.addPoint(this.store.metricId(account, region, namespace, d.MetricName, canonicalDims(d.Dimensions), now), toPoint(d, now));
    });
  }

  /** Periods of one metric between start and end; `unit` keeps only points of that unit. */
  buckets(account: string, region: string, m: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] }, start: number, end: number, periodSec: number, unit?: string, withPercentiles = true): Bucket[] {
    const id = this.store.findMetric(account, region, m.Namespace ?? "", m.MetricName ?? "", canonicalDims(m.Dimensions));
    if (id === undefined) return [];
    const from = alignStart(start, this.now(), periodSec);
    let pts = this.store.points(id, from, end, withPercentiles);
    if (unit) pts = pts.filter((p) => (p.unit ?? "None") === unit);
    return bucketize(pts, from, periodSec * 1000);
  }

  GetMetricStatistics(ctx: RequestContext, input: C.GetMetricStatisticsInput): C.GetMetricStatisticsOutput {
    checkNamespace(input.Namespace);
    checkName(input.MetricName, "metricName");
    checkDimensions(input.Dimensions, "dimensions");
    checkUnit(input.Unit, "unit");
    checkPeriod(input.Period);
    const stats = input.Statistics ?? [];
    const ext = input.ExtendedStatistics ?? [];
    if (!stats.length && !ext.length) throw missing("Must specify either Statistics or ExtendedStatistics.");
    if (stats.length > 5 || ext.length > 10) throw invalidValue("The collection Statistics must not have a size greater than 5 and ExtendedStatistics not greater than 10.");
    for (const s of stats) if (!(STATISTICS as readonly string[]).includes(s)) throw invalidValue(`1 validation error detected: Value '[${stats.join(", ")}]' at 'statistics' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [Maximum, SampleCount, Sum, Minimum, Average]]`);
    for (const s of ext) if (!isPercentile(s)) throw invalidValue(`The value ${s} for parameter ExtendedStatistics is not supported.`);
    const start = input.StartTime.getTime();
    const end = input.EndTime.getTime();
    if (end <= start) throw invalidValue("The parameter StartTime must be less than the parameter EndTime.");
    const n = Math.ceil((end - start) / (input.Period * 1000));
    if (n > Limits.MAX_DATAPOINTS_STATISTICS) {
      throw combination(`You have requested up to ${n.toLocaleString("en-US")} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`);
    }
    const Datapoints = this.buckets(ctx.accountId, ctx.region, input, start, end, input.Period, input.Unit, ext.length > 0).map((b) => {
      const dp: NonNullable<C.GetMetricStatisticsOutput["Datapoints"]>[number] = { Timestamp: new Date(b.ts), Unit: input.Unit ?? b.unit ?? "None" };
      for (const s of stats) (dp as Record<string, unknown>)[s] = statOf(b, s);
      if (ext.length) {
        dp.ExtendedStatistics = {};
        for (const s of ext) {
          const v = statOf(b, s);
          if (v !== undefined) dp.ExtendedStatistics[s] = v;
        }
      }
      return dp;
    });
    return { Label: input.MetricName, Datapoints };
  }

  ListMetrics(ctx: RequestContext, input: C.ListMetricsInput): C.ListMetricsOutput {
    if (input.Namespace !== undefined) checkNamespace(input.Namespace);
    checkName(input.MetricName, "metricName");
    if (input.Dimensions && input.Dimensions.length > 10) throw invalidValue("The collection Dimensions must not have a size greater than 10.");
    if (input.RecentlyActive !== undefined && input.RecentlyActive !== "PT3H") throw invalidValue(`1 validation error detected: Value '${input.RecentlyActive}' at 'recentlyActive' failed to satisfy constraint: Member must satisfy enum value set: [PT3H]`);
    let after = 0;
    if (input.NextToken) {
      after = Number(Buffer.from(input.NextToken, "base64url").toString());
      if (!Number.isSafeInteger(after)) throw invalidValue("The value of NextToken is invalid.");
    }
    const since = input.RecentlyActive ? this.now() - Limits.RECENT_MS : 0;
    const out: C.Metric[] = [];
    let lastId = after;
    for (;;) {
      const rows = this.store.metrics(ctx.accountId, ctx.region, input.Namespace, input.MetricName, since, lastId, Limits.LIST_PAGE);
      for (const r of rows) {
        lastId = r.id;
        const dims = parseDims(r.dims);
        if (input.Dimensions?.some((f) => !dims.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)))) continue;
        out.push({ Namespace: r.namespace, MetricName: r.name, Dimensions: dims });
        if (out.length === Limits.LIST_PAGE) return { Metrics: out, NextToken: Buffer.from(String(lastId)).toString("base64url") };
      }
      if (rows.length < Limits.LIST_PAGE) return { Metrics: out };
    }
  }
}
