/** Metric filters: stored and described, TestMetricFilter (metrics themselves come with CloudWatch). */
import type * as L from "../../../aws/api/logs.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits, Messages, Patterns } from "../constants.js";
import type { LogsStore, MetricFilterRow } from "../store.js";
import { decodePageToken, encodePageToken } from "../tokens.js";
import { checks, invalidParameter, limitExceeded, notFound } from "../validate.js";
import { checkRegexQuota, requireGroup } from "./common.js";
import { compilePattern } from "./events.js";

type OffsetToken = { o: number };
const isOffsetToken = (v: unknown): v is OffsetToken => Number.isSafeInteger((v as OffsetToken)?.o) && (v as OffsetToken).o >= 0;


export function putMetricFilter(store: LogsStore, ctx: RequestContext, input: L.PutMetricFilterInput): L.PutMetricFilterOutput {
  const c = checks()
    .string(input.filterName, "filterName", 1, 512, Patterns.FILTER_NAME)
    .string(input.filterPattern, "filterPattern", 0, Limits.MAX_FILTER_PATTERN_LENGTH)
    .size(input.metricTransformations, "metricTransformations", 1, 1);
  input.metricTransformations.forEach((t, i) => {
    c.string(t.metricName, `metricTransformations.${i + 1}.member.metricName`, 0, 255, Patterns.METRIC_NAME)
      .string(t.metricNamespace, `metricTransformations.${i + 1}.member.metricNamespace`, 0, 255, Patterns.METRIC_NAME)
      .string(t.metricValue, `metricTransformations.${i + 1}.member.metricValue`, 0, 100)
      .oneOf(t.unit, `metricTransformations.${i + 1}.member.unit`, METRIC_UNITS);
  });
  c.throwIfAny();
  compilePattern(input.filterPattern);
  const g = requireGroup(store, ctx, input.logGroupName);
  store.tx(() => {
    const exists = store.s.getFilter!.get(g.id, input.filterName);
    if (!exists && (store.s.countFilters!.get(g.id) as { n: number }).n >= Limits.MAX_METRIC_FILTERS_PER_GROUP) throw limitExceeded();
    checkRegexQuota(store, g.id, "metric", input.filterName, input.filterPattern);
    store.s.putFilter!.run(g.id, input.filterName, input.filterPattern, JSON.stringify(input.metricTransformations), ctx.clock.now());
  });
  return {};
}

export function describeMetricFilters(store: LogsStore, ctx: RequestContext, input: L.DescribeMetricFiltersInput): L.DescribeMetricFiltersOutput {
  checks()
    .string(input.filterNamePrefix, "filterNamePrefix", 1, 512, Patterns.FILTER_NAME)
    .string(input.metricName, "metricName", 0, 255, Patterns.METRIC_NAME)
    .string(input.metricNamespace, "metricNamespace", 0, 255, Patterns.METRIC_NAME)
    .range(input.limit, "limit", 1, Limits.MAX_DESCRIBE_LIMIT)
    .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
    .throwIfAny();
  if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
    const [missing, given] = input.metricName === undefined ? ["metricName", "metricNamespace"] : ["metricNamespace", "metricName"];
    throw invalidParameter(`1 validation error detected: Value null at '${missing}' failed to satisfy constraint: If you include the ${given} parameter in your request, you must also include the ${missing} parameter.`);
  }
  const g = input.logGroupName !== undefined ? requireGroup(store, ctx, input.logGroupName) : undefined;
  const gid = g?.id ?? null;
  const rows = (store.s.listFilters!.all(ctx.accountId, ctx.region, gid, gid) as Array<MetricFilterRow & { group_name: string }>).filter((f) => {
    if (input.filterNamePrefix !== undefined && !f.name.startsWith(input.filterNamePrefix)) return false;
    if (input.metricName === undefined) return true;
    const ts = JSON.parse(f.transformations) as L.MetricTransformationsShape;
    return ts.some((t) => t.metricName === input.metricName && t.metricNamespace === input.metricNamespace);
  });
  const offset = input.nextToken !== undefined ? decodePageToken(input.nextToken, isOffsetToken).o : 0;
  const limit = input.limit ?? Limits.MAX_DESCRIBE_LIMIT;
  const page = rows.slice(offset, offset + limit);
  const out: L.DescribeMetricFiltersOutput = {
    metricFilters: page.map((f) => ({
      filterName: f.name,
      filterPattern: f.pattern,
      metricTransformations: JSON.parse(f.transformations) as L.MetricTransformationsShape,
      creationTime: f.created,
      logGroupName: f.group_name,
    })),
  };
  if (offset + limit < rows.length) out.nextToken = encodePageToken({ o: offset + limit } satisfies OffsetToken);
  return out;
}

export function deleteMetricFilter(store: LogsStore, ctx: RequestContext, input: L.DeleteMetricFilterInput): L.DeleteMetricFilterOutput {
  checks().string(input.filterName, "filterName", 1, 512, Patterns.FILTER_NAME).throwIfAny();
  const g = requireGroup(store, ctx, input.logGroupName);
  if (!store.s.deleteFilter!.run(g.id, input.filterName).changes) throw notFound(Messages.FILTER_NOT_FOUND);
  return {};
}

export function testMetricFilter(_store: LogsStore, _ctx: RequestContext, input: L.TestMetricFilterInput): L.TestMetricFilterOutput {
  checks()
    .string(input.filterPattern, "filterPattern", 0, Limits.MAX_FILTER_PATTERN_LENGTH)
    .size(input.logEventMessages, "logEventMessages", 1, 50)
    .throwIfAny();
  const m = compilePattern(input.filterPattern);
  const matches: NonNullable<L.TestMetricFilterOutput["matches"]> = [];
  input.logEventMessages.forEach((message, i) => {
    const extractedValues = m.extract(message);
    if (extractedValues) matches.push({ eventNumber: i + 1, eventMessage: message, extractedValues });
  });
  return { matches };
}

/** The units CloudWatch metrics accept (StandardUnit). */
const METRIC_UNITS = [
  "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits",
  "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
  "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
  "Terabits/Second", "Count/Second", "None",
];
