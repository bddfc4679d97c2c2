/**
 * Lambda's tables: function versions ($LATEST and published ones) with their configuration as AWS reports
 * it, per-function settings (reserved concurrency, tags, resource policy, next version number), aliases,
 * and the asynchronous invocation queue. Rows are scoped by account and region.
 */
import type { FunctionConfiguration } from "../../aws/api/lambda.js";
import type { Store } from "../../store/store.js";
import { WriteMemo } from "../../store/memo.js";

export interface FunctionRow {
  config: FunctionConfiguration;
  codeHex: string;
  /** Blob id of the zip. */
  codeBlob: string;
}

export interface FunctionMeta {
  reserved: number | null;
  tags: Record<string, string>;
  policy: { Version: string; Id: string; Statement: Array<Record<string, unknown>> } | null;
  nextVersion: number;
}

export interface AliasRow {
  Name: string;
  FunctionVersion: string;
  Description?: string;
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
  RevisionId: string;
}

const MIGRATIONS = [
  `CREATE TABLE lambda_functions (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
     config TEXT NOT NULL, code_hex TEXT NOT NULL, code_blob TEXT NOT NULL,
     PRIMARY KEY (account, region, name, version))`,
  `CREATE TABLE lambda_function_meta (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
     reserved INTEGER, tags TEXT NOT NULL DEFAULT '{}', policy TEXT, next_version INTEGER NOT NULL DEFAULT 1,
     PRIMARY KEY (account, region, name))`,
  `CREATE TABLE lambda_aliases (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, alias TEXT NOT NULL, config TEXT NOT NULL,
     PRIMARY KEY (account, region, name, alias))`,
  `CREATE TABLE lambda_async_queue (
     id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, region TEXT NOT NULL, function_arn TEXT NOT NULL,
     request_id TEXT NOT NULL, payload BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL)`,
];

export class LambdaStore {
  private readonly s;
  /** Derived reads, dropped with every write of a function, version, alias or meta row (never with the async queue). */
  private readonly memo = new WriteMemo();

  /** The rows were replaced from outside (/_skyport/reset empties every table): whatever was read before is stale. */
  invalidate(): void {
    this.memo.invalidate();
  }

  /** What `compute` derives from stored rows, kept under `key` until the next write (see WriteMemo). */
  remember<T>(key: string, compute: () => T, keep?: (v: T) => boolean): T {
    return this.memo.remember(key, compute, keep);
  }

  constructor(store: Store) {
    store.migrate("lambda", MIGRATIONS);
    const db = store.db;
    this.s = {
      getFn: db.prepare("SELECT config, code_hex, code_blob FROM lambda_functions WHERE account = ? AND region = ? AND name = ? AND version = ?"),
      putFn: db.prepare("INSERT INTO lambda_functions (account, region, name, version, config, code_hex, code_blob) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, region, name, version) DO UPDATE SET config = excluded.config, code_hex = excluded.code_hex, code_blob = excluded.code_blob"),
      listLatest: db.prepare("SELECT config FROM lambda_functions WHERE account = ? AND region = ? AND version = '$LATEST' AND name > ? ORDER BY name LIMIT ?"),
      listVersions: db.prepare("SELECT config FROM lambda_functions WHERE account = ? AND region = ? AND name = ? ORDER BY CASE version WHEN '$LATEST' THEN 0 ELSE CAST(version AS INTEGER) END"),
      deleteFn: db.prepare("DELETE FROM lambda_functions WHERE account = ? AND region = ? AND name = ?"),
      deleteVersion: db.prepare("DELETE FROM lambda_functions WHERE account = ? AND region = ? AND name = ? AND version = ?"),
      getMeta: db.prepare("SELECT reserved, tags, policy, next_version FROM lambda_function_meta WHERE account = ? AND region = ? AND name = ?"),
      putMeta: db.prepare("INSERT INTO lambda_function_meta (account, region, name, reserved, tags, policy, next_version) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, region, name) DO UPDATE SET reserved = excluded.reserved, tags = excluded.tags, policy = excluded.policy, next_version = excluded.next_version"),
      deleteMeta: db.prepare("DELETE FROM lambda_function_meta WHERE account = ? AND region = ? AND name = ?"),
      sumReserved: db.prepare("SELECT COALESCE(SUM(reserved), 0) AS total FROM lambda_function_meta WHERE account = ? AND region = ? AND name != ?"),
      getAlias: db.prepare("SELECT config FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? AND alias = ?"),
      putAlias: db.prepare("INSERT INTO lambda_aliases (account, region, name, alias, config) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, region, name, alias) DO UPDATE SET config = excluded.config"),
      listAliases: db.prepare("SELECT config FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? ORDER BY alias"),
      deleteAlias: db.prepare("DELETE FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? AND alias = ?"),
      deleteAliases: db.prepare("DELETE FROM lambda_aliases WHERE account = ? AND region = ? AND name = ?"),
      unsettled: db.prepare("SELECT account, region, name FROM lambda_functions WHERE version = '$LATEST' AND (json_extract(config, '$.State') = 'Pending' OR json_extract(config, '$.LastUpdateStatus') = 'InProgress')"),
      enqueue: db.prepare("INSERT INTO lambda_async_queue (account, region, function_arn, request_id, payload, attempts, not_before) VALUES (?, ?, ?, ?, ?, 0, ?)"),
      due: db.prepare("SELECT id, account, region, function_arn, request_id, payload, attempts FROM lambda_async_queue WHERE not_before <= ? ORDER BY id LIMIT 32"),
      retry: db.prepare("UPDATE lambda_async_queue SET attempts = attempts + 1, not_before = ? WHERE id = ?"),
      postpone: db.prepare("UPDATE lambda_async_queue SET attempts = ?, not_before = ? WHERE id = ?"),
      dequeue: db.prepare("DELETE FROM lambda_async_queue WHERE id = ?"),
    };
  }

  getFunction(account: string, region: string, name: string, version: string): FunctionRow | undefined {
    const r = this.s.getFn.get(account, region, name, version) as { config: string; code_hex: string; code_blob: string } | undefined;
    return r && { config: JSON.parse(r.config) as FunctionConfiguration, codeHex: r.code_hex, codeBlob: r.code_blob };
  }

  putFunction(account: string, region: string, name: string, version: string, row: FunctionRow): void {
    this.memo.invalidate();
    this.s.putFn.run(account, region, name, version, JSON.stringify(row.config), row.codeHex, row.codeBlob);
  }

  listLatest(account: string, region: string, after: string, limit: number): FunctionConfiguration[] {
    return (this.s.listLatest.all(account, region, after, limit) as Array<{ config: string }>).map((r) => JSON.parse(r.config) as FunctionConfiguration);
  }

  listVersions(account: string, region: string, name: string): FunctionConfiguration[] {
    return (this.s.listVersions.all(account, region, name) as Array<{ config: string }>).map((r) => JSON.parse(r.config) as FunctionConfiguration);
  }

  deleteFunction(account: string, region: string, name: string): void {
    this.memo.invalidate();
    this.s.deleteFn.run(account, region, name);
    this.s.deleteMeta.run(account, region, name);
    this.s.deleteAliases.run(account, region, name);
  }

  deleteVersion(account: string, region: string, name: string, version: string): void {
    this.memo.invalidate();
    this.s.deleteVersion.run(account, region, name, version);
  }

  getMeta(account: string, region: string, name: string): FunctionMeta {
    const r = this.s.getMeta.get(account, region, name) as { reserved: number | null; tags: string; policy: string | null; next_version: number } | undefined;
    if (!r) return { reserved: null, tags: {}, policy: null, nextVersion: 1 };
    return { reserved: r.reserved, tags: JSON.parse(r.tags) as Record<string, string>, policy: r.policy ? (JSON.parse(r.policy) as FunctionMeta["policy"]) : null, nextVersion: r.next_version };
  }

  /** The function's resource policy as stored (JSON), without parsing the rest of its meta. */
  policyText(account: string, region: string, name: string): string | undefined {
    return (this.s.getMeta.get(account, region, name) as { policy: string | null } | undefined)?.policy ?? undefined;
  }

  putMeta(account: string, region: string, name: string, m: FunctionMeta): void {
    this.memo.invalidate();
    this.s.putMeta.run(account, region, name, m.reserved, JSON.stringify(m.tags), m.policy ? JSON.stringify(m.policy) : null, m.nextVersion);
  }

  /** Reserved concurrency of every other function of the account. */
  reservedElsewhere(account: string, region: string, name: string): number {
    return (this.s.sumReserved.get(account, region, name) as { total: number }).total;
  }

  getAlias(account: string, region: string, name: string, alias: string): AliasRow | undefined {
    const r = this.s.getAlias.get(account, region, name, alias) as { config: string } | undefined;
    return r && (JSON.parse(r.config) as AliasRow);
  }

  putAlias(account: string, region: string, name: string, alias: AliasRow): void {
    this.memo.invalidate();
    this.s.putAlias.run(account, region, name, alias.Name, JSON.stringify(alias));
  }

  listAliases(account: string, region: string, name: string): AliasRow[] {
    return (this.s.listAliases.all(account, region, name) as Array<{ config: string }>).map((r) => JSON.parse(r.config) as AliasRow);
  }

  deleteAlias(account: string, region: string, name: string, alias: string): void {
    this.memo.invalidate();
    this.s.deleteAlias.run(account, region, name, alias);
  }

  /** Functions whose creation or update was under way (Pending / InProgress). */
  unsettled(): Array<{ account: string; region: string; name: string }> {
    return this.s.unsettled.all() as Array<{ account: string; region: string; name: string }>;
  }

  enqueue(account: string, region: string, functionArn: string, requestId: string, payload: Buffer, now: number): void {
    this.s.enqueue.run(account, region, functionArn, requestId, payload, now);
  }

  /** A throttled async invocation waits and keeps its attempt count (throttles are not failed attempts). */
  postpone(id: number, notBefore: number, attempts: number): void {
    this.s.postpone.run(attempts, notBefore, id);
  }

  due(now: number): Array<{ id: number; account: string; region: string; function_arn: string; request_id: string; payload: Buffer; attempts: number }> {
    return this.s.due.all(now) as Array<{ id: number; account: string; region: string; function_arn: string; request_id: string; payload: Buffer; attempts: number }>;
  }

  retry(id: number, notBefore: number): void {
    this.s.retry.run(notBefore, id);
  }

  dequeue(id: number): void {
    this.s.dequeue.run(id);
  }
}
