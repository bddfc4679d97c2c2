/**
 * Small per-function and per-account settings Lambda stores as documents (provisioned concurrency, recursion,
 * code signing configurations and their use, layer version policies): one table keyed by (account, region,
 * kind, key), the document as JSON.
 */
import type { Store } from "../../store/store.js";

const MIGRATION = `CREATE TABLE lambda_settings (account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (account, region, kind, key))`;

type Scope = { accountId: string; region: string };

export class SettingsTable {
  private readonly s;

  constructor(store: Store) {
    store.migrate("lambda-settings", [MIGRATION]);
    const db = store.db;
    this.s = {
      get: db.prepare("SELECT doc FROM lambda_settings WHERE account = ? AND region = ? AND kind = ? AND key = ?"),
      put: db.prepare("INSERT INTO lambda_settings (account, region, kind, key, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, region, kind, key) DO UPDATE SET doc = excluded.doc"),
      delete: db.prepare("DELETE FROM lambda_settings WHERE account = ? AND region = ? AND kind = ? AND key = ?"),
      // Keys under a prefix, in key order (substr avoids LIKE's wildcards in user names).
      list: db.prepare("SELECT key, doc FROM lambda_settings WHERE account = ? AND region = ? AND kind = ? AND substr(key, 1, ?) = ? ORDER BY key"),
    };
  }

  get<T>(scope: Scope, kind: string, key: string): T | undefined {
    const r = this.s.get.get(scope.accountId, scope.region, kind, key) as { doc: string } | undefined;
    return r ? (JSON.parse(r.doc) as T) : undefined;
  }

  put(scope: Scope, kind: string, key: string, doc: unknown): void {
    this.s.put.run(scope.accountId, scope.region, kind, key, JSON.stringify(doc));
  }

  delete(scope: Scope, kind: string, key: string): boolean {
    return this.s.delete.run(scope.accountId, scope.region, kind, key).changes > 0;
  }

  list<T>(scope: Scope, kind: string, prefix: string): Array<{ key: string; doc: T }> {
    return (this.s.list.all(scope.accountId, scope.region, kind, prefix.length, prefix) as Array<{ key: string; doc: string }>).map((r) => ({ key: r.key, doc: JSON.parse(r.doc) as T }));
  }
}
