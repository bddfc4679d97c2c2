/**
 * CloudWatch tables in the embedded store.
 *
 * - `cloudwatch_metrics`: one row per metric identity (account, region, namespace, name, dimensions in
 *   canonical order), with the time of its last PutMetricData for ListMetrics' RecentlyActive.
 * - `cloudwatch_pts`: what was put, one row per datum at its own timestamp: count/sum/min/max and, for
 *   percentiles, the raw values (`vals`: JSON [[value, count], ...]; NULL for a single Value, which is `sum`;
 *   '' for a statistic set, which has no distribution; `res` the resolution rollup.ts merged it to). Clustered
 *   by (metric, ts, seq) for range scans (`seq` orders points of the same millisecond), indexed by (res, ts) for rollups.
 * - `cloudwatch_alarms`: metric and composite alarms as JSON bodies, with their state for filters.
 * - `cloudwatch_history`: alarm history items; `cloudwatch_dashboards`: dashboard bodies.
 */
import type { Statement, Store } from "../../store/store.js";

export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricRow {
  id: number;
  namespace: string;
  name: string;
  dims: string;
  last_put: number;
}

export interface PointRow {
  ts: number;
  unit: string | null;
  n: number;
  sum: number;
  min: number;
  max: number;
  vals: string | null;
}

export interface PointInput {
  ts: number;
  unit?: string;
  n: number;
  sum: number;
  min: number;
  max: number;
  /** [value, count] pairs for percentiles; undefined for a single value; null for a statistic set. */
  vals?: Array<[number, number]> | null;
  hires: boolean;
}

const SCHEMA = [
  `CREATE TABLE cloudwatch_metrics (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, dims TEXT NOT NULL,
     last_put INTEGER NOT NULL,
     UNIQUE (account, region, namespace, name, dims))`,
  `CREATE TABLE cloudwatch_points (
     metric_id INTEGER NOT NULL, ts INTEGER NOT NULL, unit TEXT, hires INTEGER NOT NULL DEFAULT 0,
     n REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, vals TEXT)`,
  `CREATE INDEX cloudwatch_points_by_metric ON cloudwatch_points (metric_id, ts)`,
  `CREATE TABLE cloudwatch_alarms (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL,
     body TEXT NOT NULL, PRIMARY KEY (account, region, name))`,
  `CREATE TABLE cloudwatch_history (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, region TEXT NOT NULL, alarm TEXT NOT NULL,
     type TEXT NOT NULL, ts INTEGER NOT NULL, item_type TEXT NOT NULL, summary TEXT NOT NULL, data TEXT NOT NULL)`,
  `CREATE INDEX cloudwatch_history_by_alarm ON cloudwatch_history (account, region, alarm, ts)`,
  `CREATE TABLE cloudwatch_dashboards (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, modified INTEGER NOT NULL,
     PRIMARY KEY (account, region, name))`,
  `CREATE TABLE cloudwatch_tags (arn TEXT PRIMARY KEY, tags TEXT NOT NULL)`,
  // rollup.ts: the resolution a row was rolled up to (0: as put)
  `ALTER TABLE cloudwatch_points ADD COLUMN res INTEGER NOT NULL DEFAULT 0`,
  // Points clustered by (metric, ts): a range scan reads consecutive pages instead of one table lookup per
  // index entry (3x faster for GetMetricData over a day); `seq` tells apart points of the same second.
  `CREATE TABLE cloudwatch_pts (
     metric_id INTEGER NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL, unit TEXT, hires INTEGER NOT NULL DEFAULT 0,
     n REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, vals TEXT, res INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (metric_id, ts, seq)) WITHOUT ROWID;
   INSERT INTO cloudwatch_pts SELECT metric_id, ts, rowid, unit, hires, n, sum, min, max, vals, res FROM cloudwatch_points;
   DROP TABLE cloudwatch_points;
   CREATE INDEX cloudwatch_pts_by_age ON cloudwatch_pts (res, ts)`,
];

/** Dimensions in the canonical order that makes a metric's identity (sorted by name). */
export function canonicalDims(dims: Dimension[] | undefined): string {
  if (!dims?.length) return "[]";
  return JSON.stringify([...dims].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)).map((d) => [d.Name, d.Value]));
}

export function parseDims(dims: string): Dimension[] {
  return (JSON.parse(dims) as Array<[string, string]>).map(([Name, Value]) => ({ Name, Value }));
}

export class CloudWatchStore {
  private readonly stmts = new Map<string, Statement>();
  private readonly ids = new Map<string, number>();
  private seq: number | undefined;

  constructor(readonly store: Store) {
    store.migrate("cloudwatch", SCHEMA);
    store.onReset(() => {
      this.ids.clear();
      this.seq = undefined;
    });
  }

  /** A prepared statement, prepared once. */
  q(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.store.db.prepare(sql)));
    return s;
  }

  tx<T>(fn: () => T): T {
    return this.store.db.transaction(fn)();
  }

  /** The id of a metric, created on first put; its last_put is moved forward. */
  metricId(account: string, region: string, namespace: string, name: string, dims: string, now: number): number {
    const key = `${account}\u0000${region}\u0000${namespace}\u0000${name}\u0000${dims}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      const row = this.q("SELECT id FROM cloudwatch_metrics WHERE account = ? AND region = ? AND namespace = ? AND name = ? AND dims = ?").get(account, region, namespace, name, dims) as { id: number } | undefined;
      id = row?.id ?? Number(this.q("INSERT INTO cloudwatch_metrics (account, region, namespace, name, dims, last_put) VALUES (?, ?, ?, ?, ?, ?)").run(account, region, namespace, name, dims, now).lastInsertRowid);
      this.ids.set(key, id);
    }
    this.q("UPDATE cloudwatch_metrics SET last_put = ? WHERE id = ? AND last_put < ?").run(now, id, now);
    return id;
  }

  findMetric(account: string, region: string, namespace: string, name: string, dims: string): number | undefined {
    return (this.q("SELECT id FROM cloudwatch_metrics WHERE account = ? AND region = ? AND namespace = ? AND name = ? AND dims = ?").get(account, region, namespace, name, dims) as { id: number } | undefined)?.id;
  }

  addPoint(metricId: number, p: PointInput): void {
    const vals = p.vals === undefined ? null : p.vals === null ? "" : JSON.stringify(p.vals);
    this.q("INSERT INTO cloudwatch_pts (metric_id, ts, seq, unit, hires, n, sum, min, max, vals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").run(metricId, p.ts, this.nextSeq(), p.unit ?? null, p.hires ? 1 : 0, p.n, p.sum, p.min, p.max, vals);
  }

  /** A number no stored point has yet (unique per server; points are told apart by (metric, ts, seq)). */
  nextSeq(): number {
    if (this.seq === undefined) this.seq = ((this.q("SELECT max(seq) FROM cloudwatch_pts").pluck().get() as number | null) ?? 0) + 1;
    return this.seq++;
  }

  /** Points of a metric in [from, to), oldest first; `vals` only when a percentile needs them (it is the costly column). */
  points(metricId: number, from: number, to: number, withVals = true): PointRow[] {
    const sql = withVals
      ? "SELECT ts, unit, n, sum, min, max, vals FROM cloudwatch_pts WHERE metric_id = ? AND ts >= ? AND ts < ? ORDER BY ts"
      : "SELECT ts, unit, n, sum, min, max, CASE WHEN vals = '' THEN '' END AS vals FROM cloudwatch_pts WHERE metric_id = ? AND ts >= ? AND ts < ? ORDER BY ts";
    return this.q(sql).all(metricId, from, to) as PointRow[];
  }

  metrics(account: string, region: string, namespace: string | undefined, name: string | undefined, activeSince: number, afterId: number, limit: number): MetricRow[] {
    return this.q(
      "SELECT id, namespace, name, dims, last_put FROM cloudwatch_metrics WHERE account = @account AND region = @region AND (@ns IS NULL OR namespace = @ns) AND (@name IS NULL OR name = @name) AND last_put >= @since AND id > @after ORDER BY id LIMIT @limit",
    ).all({ account, region, ns: namespace ?? null, name: name ?? null, since: activeSince, after: afterId, limit }) as MetricRow[];
  }
}
