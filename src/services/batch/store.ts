/**
 * Batch tables. Control-plane resources (compute environments, job queues, scheduling policies, job
 * definition revisions) are JSON documents in `batch_resources`, keyed by kind and name. Jobs are rows of
 * `batch_jobs` with the columns the scheduler and ListJobs select on (queue, status, creation time, array
 * parent, name) and the full job as JSON; every state change rewrites the row (group commit batches them).
 */
import type { Statement, Store } from "../../store/store.js";

export type ResourceKind = "ce" | "jq" | "sp" | "jd";

export interface JobRowCols {
  id: string;
  account: string;
  region: string;
  queue: string;
  status: string;
  created: number;
  name: string;
  parent: string | null;
  body: string;
}

const MIGRATIONS = [
  `CREATE TABLE batch_resources (account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (account, region, kind, name)) WITHOUT ROWID;
   CREATE TABLE batch_jobs (id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, queue TEXT NOT NULL, status TEXT NOT NULL, created INTEGER NOT NULL, name TEXT NOT NULL, parent TEXT, body TEXT NOT NULL);
   CREATE INDEX batch_jobs_queue ON batch_jobs (queue, status, created, id);
   CREATE INDEX batch_jobs_parent ON batch_jobs (parent, status, created, id);
   CREATE INDEX batch_jobs_active ON batch_jobs (status) WHERE status NOT IN ('SUCCEEDED', 'FAILED');`,
];

export class BatchStore {
  private readonly cache = new Map<string, Statement>();
  constructor(readonly store: Store) {
    store.migrate("batch", MIGRATIONS);
  }
  q(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.store.db.prepare(sql)));
    return s;
  }
  getResource<T>(account: string, region: string, kind: ResourceKind, name: string): T | undefined {
    const r = this.q("SELECT body FROM batch_resources WHERE account = ? AND region = ? AND kind = ? AND name = ?").get(account, region, kind, name) as { body: string } | undefined;
    return r ? (JSON.parse(r.body) as T) : undefined;
  }
  putResource(account: string, region: string, kind: ResourceKind, name: string, body: unknown): void {
    this.q("INSERT INTO batch_resources (account, region, kind, name, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, region, kind, name) DO UPDATE SET body = excluded.body").run(account, region, kind, name, JSON.stringify(body));
  }
  deleteResource(account: string, region: string, kind: ResourceKind, name: string): void {
    this.q("DELETE FROM batch_resources WHERE account = ? AND region = ? AND kind = ? AND name = ?").run(account, region, kind, name);
  }
  listResources<T>(account: string, region: string, kind: ResourceKind, prefix = ""): T[] {
    const rows = this.q("SELECT body FROM batch_resources WHERE account = ? AND region = ? AND kind = ? AND name >= ? AND name < ? ORDER BY name").all(account, region, kind, prefix, `${prefix}\u{10FFFF}`) as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as T);
  }
  /** Every resource of a kind in every account and region (boot). */
  allResources<T>(kind: ResourceKind): T[] {
    return (this.q("SELECT body FROM batch_resources WHERE kind = ?").all(kind) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as T);
  }
  saveJob(c: Omit<JobRowCols, "body">, body: unknown): void {
    this.q("INSERT INTO batch_jobs (id, account, region, queue, status, created, name, parent, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, queue = excluded.queue, body = excluded.body").run(c.id, c.account, c.region, c.queue, c.status, c.created, c.name, c.parent, JSON.stringify(body));
  }
  loadJob<T>(id: string): T | undefined {
    const r = this.q("SELECT body FROM batch_jobs WHERE id = ?").get(id) as { body: string } | undefined;
    return r ? (JSON.parse(r.body) as T) : undefined;
  }
  activeJobs<T>(): T[] {
    return (this.q("SELECT body FROM batch_jobs WHERE status NOT IN ('SUCCEEDED', 'FAILED') ORDER BY created, id").all() as Array<{ body: string }>).map((r) => JSON.parse(r.body) as T);
  }
  reset(): void {
    this.store.db.exec("DELETE FROM batch_resources; DELETE FROM batch_jobs;");
  }
}
