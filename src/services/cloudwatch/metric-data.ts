/**
 * GetMetricData: MetricStat queries read periods from the store; Expression queries evaluate metric math over
 * them (math.ts). Results are ordered by ScanBy (TimestampDescending by default) and paginated by datapoints:
 * MaxDatapoints per page, NextToken the position (result, point) where the next page starts.
 */
import type * as C from "../../aws/api/cloudwatch.js";
import type { RequestContext } from "../../edge/context.js";
import { Limits, STATISTICS } from "./constants.js";
import { evaluate, mathError, parseExpression, type MathValue, type Series } from "./math.js";
import type { MetricOps } from "./metrics.js";
import { alignStart, isPercentile, statOf } from "./stats.js";
import { checkPeriod, checkUnit, invalidValue } from "./validate.js";

type Query = C.MetricDataQueriesShape[number];
type Result = NonNullable<C.GetMetricDataOutput["MetricDataResults"]>[number];

const ID = /^[a-z][a-zA-Z0-9_]*$/;

/** Validates the queries (also those of a metric-math alarm). */
export function checkQueries(queries: Query[], field = "MetricDataQueries"): void {
  if (!queries.length) throw invalidValue(`The parameter ${field} must not be empty.`);
  if (queries.length > Limits.MAX_QUERIES) throw invalidValue(`The collection ${field} must not have a size greater than ${Limits.MAX_QUERIES}.`);
  const ids = new Set<string>();
  queries.forEach((q, i) => {
    const f = `${field}.member.${i + 1}`;
    if (!ID.test(q.Id)) throw invalidValue(`The value ${q.Id} for parameter ${f}.Id is invalid.`);
    if (ids.has(q.Id)) throw invalidValue(`The value ${q.Id} for parameter ${f}.Id is duplicated.`);
    ids.add(q.Id);
    if (!!q.MetricStat === !!q.Expression) throw invalidValue(`Exactly one element of the ${f}.MetricStat or the ${f}.Expression must be specified.`);
    if (q.MetricStat) {
      checkPeriod(q.MetricStat.Period, `${f}.MetricStat.Period`);
      checkUnit(q.MetricStat.Unit, `metricDataQueries.${i + 1}.member.metricStat.unit`);
      const s = q.MetricStat.Stat;
      if (!(STATISTICS as readonly string[]).includes(s) && !isPercentile(s)) throw invalidValue(`The value ${s} for parameter ${f}.MetricStat.Stat is not supported.`);
    }
    if (q.Expression !== undefined) {
      if (q.Expression.length > Limits.MAX_EXPRESSION_LENGTH) throw invalidValue(`The parameter ${f}.Expression must be shorter than ${Limits.MAX_EXPRESSION_LENGTH} characters.`);
      if (q.Period !== undefined) checkPeriod(q.Period, `${f}.Period`);
    }
  });
  if (!queries.some((q) => q.ReturnData !== false)) throw invalidValue("No metric data queries have ReturnData set to true.");
}

/** Evaluates every query over [start, end); returns each id's series (arrays flattened to several results). */
export function runQueries(ops: MetricOps, ctx: RequestContext, queries: Query[], start: number, end: number, now: number): Map<string, Series[]> {
  const byId = new Map(queries.map((q) => [q.Id, q]));
  const values = new Map<string, MathValue>();
  const visiting = new Set<string>();
  const firstPeriod = queries.find((q) => q.MetricStat)?.MetricStat?.Period ?? queries.find((q) => q.Period)?.Period ?? 60;
  const gridFor = (periodSec: number) => {
    const grid: number[] = [];
    for (let t = alignStart(start, now, periodSec); t < end && grid.length <= Limits.MAX_DATAPOINTS_DATA; t += periodSec * 1000) grid.push(t);
    return grid;
  };
  const resolve = (id: string): MathValue => {
    const have = values.get(id);
    if (have !== undefined) return have;
    const q = byId.get(id);
    if (!q) throw mathError(`Error in expression: Unrecognized parameter ${id}`);
    if (visiting.has(id)) throw mathError(`Circular dependency in expression ${id}`);
    visiting.add(id);
    let v: MathValue;
    if (q.MetricStat) {
      const ms = q.MetricStat;
      const buckets = ops.buckets(ctx.accountId, ctx.region, ms.Metric, start, end, ms.Period, ms.Unit, isPercentile(ms.Stat));
      const s: Series = { label: q.Label ?? ms.Metric.MetricName ?? q.Id, ts: [], v: [] };
      for (const b of buckets) {
        const x = statOf(b, ms.Stat);
        if (x === undefined) continue;
        s.ts.push(b.ts);
        s.v.push(x);
      }
      v = s;
    } else {
      const period = q.Period ?? firstPeriod;
      const { node } = parseExpression(q.Expression!);
      v = evaluate(node, {
        resolve,
        metrics: () => queries.filter((m) => m.MetricStat).map((m) => resolve(m.Id) as Series),
        grid: gridFor(period),
        periodSec: period,
      });
      if (typeof v === "number") {
        const c = v;
        const grid = gridFor(period);
        v = { label: q.Label ?? q.Id, ts: grid, v: grid.map(() => c) };
      }
    }
    visiting.delete(id);
    values.set(id, v);
    return v;
  };
  const out = new Map<string, Series[]>();
  for (const q of queries) {
    const v = resolve(q.Id);
    const list = Array.isArray(v) ? v : [v as Series];
    out.set(q.Id, list.map((s) => ({ ...s, label: q.Label ?? (q.Expression && !Array.isArray(v) ? q.Id : s.label) })));
  }
  return out;
}

export function getMetricData(ops: MetricOps, ctx: RequestContext, input: C.GetMetricDataInput, now: number): C.GetMetricDataOutput {
  checkQueries(input.MetricDataQueries);
  const start = input.StartTime.getTime();
  const end = input.EndTime.getTime();
  if (end <= start) throw invalidValue("The parameter StartTime must be less than the parameter EndTime.");
  const scanBy = input.ScanBy ?? "TimestampDescending";
  if (scanBy !== "TimestampDescending" && scanBy !== "TimestampAscending") throw invalidValue(`1 validation error detected: Value '${scanBy}' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [TimestampDescending, TimestampAscending]`);
  const max = input.MaxDatapoints ?? Limits.MAX_DATAPOINTS_DATA;
  if (max < 1) throw invalidValue("The parameter MaxDatapoints must be greater than 0.");
  let [ri, pi] = [0, 0];
  if (input.NextToken) {
    const m = /^(\d+)\.(\d+)$/.exec(Buffer.from(input.NextToken, "base64url").toString());
    if (!m) throw invalidValue("The value of NextToken is invalid.");
    [ri, pi] = [Number(m[1]), Number(m[2])];
  }
  const series = runQueries(ops, ctx, input.MetricDataQueries, start, end, now);
  const all: Result[] = [];
  for (const q of input.MetricDataQueries) {
    if (q.ReturnData === false) continue;
    for (const s of series.get(q.Id)!) {
      const idx = s.ts.map((_, i) => i).filter((i) => Number.isFinite(s.v[i]) && s.ts[i]! < end);
      if (scanBy === "TimestampDescending") idx.reverse();
      all.push({ Id: q.Id, Label: s.label, Timestamps: idx.map((i) => new Date(s.ts[i]!)), Values: idx.map((i) => s.v[i]!), StatusCode: "Complete" });
    }
  }
  // Pagination by datapoints: every result appears on each page (empty once consumed), as AWS pages them.
  const page: Result[] = [];
  let budget = max;
  let next: string | undefined;
  all.forEach((r, i) => {
    const from = i < ri ? r.Values!.length : i === ri ? pi : 0;
    const take = Math.min(budget, r.Values!.length - from);
    budget -= take;
    if (take < r.Values!.length - from && next === undefined) next = Buffer.from(`${i}.${from + take}`).toString("base64url");
    page.push({ ...r, Timestamps: r.Timestamps!.slice(from, from + take), Values: r.Values!.slice(from, from + take), StatusCode: next !== undefined && take < r.Values!.length - from ? "PartialData" : "Complete" });
  });
  return { MetricDataResults: page, NextToken: next, Messages: [] };
}
