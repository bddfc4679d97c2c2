/**
 * The publishing interface other services use for their AWS/* metrics: `metricSink(env.services).put(...)`
 * costs a map lookup and an array push on the caller's path. Values are aggregated per metric (same
 * dimensions, unit and second) into Values/Counts data — percentiles stay exact — and written to the metric
 * store in one transaction per flush, FLUSH_MS after the first put, off the request path — and when the server
 * stops (ServiceHost.onClose), so that the last requests' metrics survive a restart.
 */
import type { ServiceHost } from "../host.js";
import type { MetricDatum } from "./metrics.js";

const FLUSH_MS = 200;
/** Distinct values per datum (PutMetricData's Values limit). */
const MAX_DISTINCT = 150;

export interface MetricSink {
  /** Records one value of a metric at `timestampMs`. */
  put(account: string, region: string, namespace: string, name: string, dimensions: Record<string, string>, value: number, unit: string, timestampMs: number): void;
  /** Writes what is buffered (tests, shutdown); `into` is the store side when the caller is the provider itself. */
  flush(into?: MetricIngest): Promise<void>;
}

interface Pending {
  account: string;
  region: string;
  namespace: string;
  datum: { MetricName: string; Dimensions: Array<{ Name: string; Value: string }>; Unit: string; Timestamp: Date; Values: number[]; Counts: number[] };
  index: Map<number, number>;
}

/** The store side of the sink (the CloudWatch provider). */
export interface MetricIngest {
  ingest(account: string, region: string, namespace: string, data: MetricDatum[]): void;
}

/** One level of the pending index: each key of a put (account, region, …, each dimension, the second) is a level, so a put builds no string. */
type Level = Map<string | number, Level | Pending>;

class BatchedMetricSink implements MetricSink {
  /** The data points to write, in the order their series first appeared. */
  private batch: Pending[] = [];
  /** The same points, found by the put's keys; reset with the batch. */
  private index: Level = new Map();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly services: ServiceHost) {
    services.onClose(() => this.flush()); // a server stopped right after a request keeps its metrics
  }

  put(account: string, region: string, namespace: string, name: string, dimensions: Record<string, string>, value: number, unit: string, timestampMs: number): void {
    if (!Number.isFinite(value)) return;
    const second = Math.floor(timestampMs / 1000) * 1000;
    let level = this.index;
    level = step(step(step(step(step(level, account), region), namespace), name), unit);
    // A dimension's name and value are separate levels: {a: "b=c"} and {"a=b": "c"} stay apart.
    for (const k in dimensions) level = step(step(level, k), dimensions[k]!);
    let p = level.get(second) as Pending | undefined;
    if (!p || p.index.size >= MAX_DISTINCT) {
      p = { account, region, namespace, datum: { MetricName: name, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })), Unit: unit, Timestamp: new Date(second), Values: [], Counts: [] }, index: new Map() };
      level.set(second, p);
      this.batch.push(p);
    }
    const i = p.index.get(value);
    if (i === undefined) {
      p.index.set(value, p.datum.Values.length);
      p.datum.Values.push(value);
      p.datum.Counts.push(1);
    } else p.datum.Counts[i]!++;
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  flush(into?: MetricIngest): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = [];
    this.index = new Map();
    if (!batch.length) return this.writing;
    this.writing = this.writing.then(async () => {
      // The provider itself when it flushes on close (asking the host then would start a new one).
      const provider = into ?? ((await this.services.get("cloudwatch")) as unknown as MetricIngest | undefined);
      if (!provider) return;
      const groups = new Map<string, { account: string; region: string; namespace: string; data: MetricDatum[] }>();
      for (const p of batch) {
        const g = `${p.account}\u0000${p.region}\u0000${p.namespace}`;
        let e = groups.get(g);
        if (!e) groups.set(g, (e = { account: p.account, region: p.region, namespace: p.namespace, data: [] }));
        e.data.push(p.datum);
      }
      for (const g of groups.values()) provider.ingest(g.account, g.region, g.namespace, g.data);
    }).catch(() => undefined);
    return this.writing;
  }
}

/** The next level of the pending index under `key` (created when missing). The second is a leaf; a level is never one. */
function step(level: Level, key: string): Level {
  let next = level.get(key) as Level | undefined;
  if (!next) level.set(key, (next = new Map()));
  return next;
}

const sinks = new WeakMap<ServiceHost, MetricSink>();

/** The metric sink of a server (one per ServiceHost). */
export function metricSink(services: ServiceHost): MetricSink {
  let s = sinks.get(services);
  if (!s) sinks.set(services, (s = new BatchedMetricSink(services)));
  return s;
}
