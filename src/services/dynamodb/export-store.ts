/**
 * Rows of DynamoDB exports and imports (`dynamodb_transfers`, its own migration key): the description
 * as JSON, keyed by ARN, listed per account and Region newest first. Both kinds run in the background;
 * rows left IN_PROGRESS by a restart are picked up again when the provider starts.
 */
import type { Statement, Store } from "../../store/store.js";

export type TransferKind = "export" | "import";

export interface TransferRow {
  arn: string;
  kind: TransferKind;
  account: string;
  region: string;
  table_arn: string;
  created: number;
  body: string;
}

const SCHEMA = [
  `CREATE TABLE dynamodb_transfers (
     arn TEXT PRIMARY KEY, kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
     table_arn TEXT NOT NULL, created INTEGER NOT NULL, body TEXT NOT NULL);
   CREATE INDEX dynamodb_transfers_list ON dynamodb_transfers (account, region, kind, created);`,
];

export class TransferStore {
  private readonly s: Record<"put" | "get" | "list" | "active", Statement>;

  constructor(store: Store) {
    store.migrate("dynamodb-transfers", SCHEMA);
    const p = (sql: string) => store.db.prepare(sql);
    this.s = {
      put: p(
        `INSERT INTO dynamodb_transfers (arn, kind, account, region, table_arn, created, body) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (arn) DO UPDATE SET body = excluded.body`,
      ),
      get: p("SELECT * FROM dynamodb_transfers WHERE arn = ? AND kind = ?"),
      list: p(
        `SELECT * FROM dynamodb_transfers WHERE account = ? AND region = ? AND kind = ? AND (? IS NULL OR table_arn = ?)
           ORDER BY created DESC, arn LIMIT ? OFFSET ?`,
      ),
      active: p("SELECT * FROM dynamodb_transfers WHERE kind = ? AND body LIKE '%\"IN_PROGRESS\"%'"),
    };
  }

  put<T>(kind: TransferKind, arn: string, account: string, region: string, tableArn: string, created: number, body: T): void {
    this.s.put.run(arn, kind, account, region, tableArn, created, JSON.stringify(body));
  }

  get<T>(kind: TransferKind, arn: string): T | undefined {
    const r = this.s.get.get(arn, kind) as TransferRow | undefined;
    return r ? (JSON.parse(r.body) as T) : undefined;
  }

  list<T>(kind: TransferKind, account: string, region: string, tableArn: string | undefined, limit: number, offset: number): T[] {
    return (this.s.list.all(account, region, kind, tableArn ?? null, tableArn ?? null, limit, offset) as TransferRow[]).map((r) => JSON.parse(r.body) as T);
  }

  /** Rows whose status is IN_PROGRESS (work a restart interrupted). */
  active<T>(kind: TransferKind): T[] {
    return (this.s.active.all(kind) as TransferRow[]).map((r) => JSON.parse(r.body) as T);
  }
}
