/**
 * Embedded Metric Format: a function log line that is (or, after Lambda's "time\trequestId\tLEVEL\t" prefix,
 * ends with) an EMF JSON document produces the metrics its `_aws.CloudWatchMetrics` directives declare, one
 * metric per dimension set, values taken from the document's root members. Invalid documents stay plain
 * logs, as on AWS.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import type { ServiceHost } from "../host.js";
import { UNITS } from "./constants.js";
import { metricSink } from "./publish.js";

const PREFIXED = /^[^\t]*\t[^\t]*\t[A-Z]+\t(\{.*\})\s*$/s;
const MAX_METRICS = 100;
const MAX_DIMENSIONS = 30;
const MAX_VALUES = 100;

interface Directive {
  Namespace?: unknown;
  Dimensions?: unknown;
  Metrics?: unknown;
}

/** Publishes the metrics of one log line when it is an EMF document; cheap for other lines. */
export function publishEmf(services: ServiceHost, account: string, region: string, line: string, fallbackTs: number): void {
  if (!line.includes('"_aws"')) return;
  const json = line.startsWith("{") ? line : PREFIXED.exec(line)?.[1];
  if (!json) return;
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return;
  }
  const aws = doc._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return;
  const ts = typeof aws.Timestamp === "number" && Number.isFinite(aws.Timestamp) ? aws.Timestamp : fallbackTs;
  const sink = metricSink(services);
  for (const d of aws.CloudWatchMetrics as Directive[]) {
    if (typeof d?.Namespace !== "string" || !d.Namespace || d.Namespace.length > 255 || !Array.isArray(d.Metrics) || !Array.isArray(d.Dimensions)) continue;
    const sets: Array<Record<string, string>> = [];
    for (const set of d.Dimensions as unknown[]) {
      if (!Array.isArray(set) || set.length > MAX_DIMENSIONS) continue;
      const dims: Record<string, string> = {};
      let ok = true;
      for (const k of set) {
        if (typeof k !== "string" || typeof doc[k] !== "string") ok = false;
        else dims[k] = doc[k] as string;
      }
      if (ok) sets.push(dims);
    }
    if (!(d.Dimensions as unknown[]).length) sets.push({});
    for (const m of (d.Metrics as Array<{ Name?: unknown; Unit?: unknown }>).slice(0, MAX_METRICS)) {
      if (typeof m?.Name !== "string" || !m.Name) continue;
      const unit = typeof m.Unit === "string" && (UNITS as readonly string[]).includes(m.Unit) ? m.Unit : "None";
      const raw = doc[m.Name];
      const values = (Array.isArray(raw) ? raw.slice(0, MAX_VALUES) : [raw]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      for (const dims of sets) for (const v of values) sink.put(account, region, d.Namespace, m.Name, dims, v, unit, ts);
    }
  }
}
