/**
 * DynamoDB's tables in the embedded store.
 *
 * - `dynamodb_tables`: one row per table, its definition as JSON (TableMeta), cached in memory.
 * - `dynamodb_items`: one row per item; keys encoded with encodeKeyValue so SQLite's BLOB order (memcmp)
 *   is DynamoDB's order; the item is the JSON text of its AttributeValue map (B as base64): the wire form, so
 *   GetItem without a projection answers that text as it is (protocol/shape-json.ts RawJson).
 * - `dynamodb_index_items`: one row per item per secondary index that holds it (sparse), with the
 *   projected attributes; written in the same transaction as the item.
 * - `dynamodb_stream_records` / `dynamodb_streams`: the change log read by DynamoDB Streams.
 * - `dynamodb_tokens`: TransactWriteItems ClientRequestTokens (10 minutes).
 * - `dynamodb_backups` / `dynamodb_backup_items`: on-demand backups (definition and item snapshot).
 * - `dynamodb_pitr_log`: previous images of changes to tables with point-in-time recovery on (35 days).
 */
import type { AttributeValue } from "../../aws/api/dynamodb.js";
import type { Db, Statement, Store } from "../../store/store.js";

export type Item = Record<string, AttributeValue>;
export type KeyType = "S" | "N" | "B";

export interface IndexMeta {
  name: string;
  /** Small integer naming the index in dynamodb_index_items. */
  iid: number;
  kind: "GSI" | "LSI";
  hashKey: string;
  hashType: KeyType;
  rangeKey?: string;
  rangeType?: KeyType;
  projectionType: "ALL" | "KEYS_ONLY" | "INCLUDE";
  nonKeyAttributes?: string[];
  provisioned?: { read: number; write: number };
  onDemand?: { MaxReadRequestUnits?: number; MaxWriteRequestUnits?: number };
  /** Warm throughput raised by CreateTable/UpdateTable (absent: the default). */
  warm?: Warm;
  status: string;
}

/** Warm throughput in read and write units per second. */
export interface Warm {
  read: number;
  write: number;
}

export interface StreamMeta {
  arn: string;
  label: string;
  viewType: string;
}

export interface TableMeta {
  tid: number;
  account: string;
  region: string;
  name: string;
  tableId: string;
  arn: string;
  createdMs: number;
  attributeDefinitions: Array<{ AttributeName: string; AttributeType: string }>;
  hashKey: string;
  hashType: KeyType;
  rangeKey?: string;
  rangeType?: KeyType;
  billingMode: "PROVISIONED" | "PAY_PER_REQUEST";
  billingModeChangedMs?: number;
  provisioned: { read: number; write: number };
  onDemand?: { MaxReadRequestUnits?: number; MaxWriteRequestUnits?: number };
  gsis: IndexMeta[];
  lsis: IndexMeta[];
  /** Warm throughput raised by CreateTable/UpdateTable (absent: the default). */
  warm?: Warm;
  nextIid: number;
  stream?: StreamMeta & { enabled: boolean };
  ttl?: { attribute: string; enabled: boolean };
  sse?: { enabled: boolean; sseType?: string; kmsKeyId?: string };
  tableClass?: string;
  deletionProtection: boolean;
  tags: Array<{ Key: string; Value: string }>;
  resourcePolicy?: string;
  policyRevision?: string;
  /** A new table is CREATING until then (absent: ACTIVE). */
  activeAtMs?: number;
  /** Point-in-time recovery: on since `sinceMs`. */
  pitr?: { enabled: boolean; sinceMs: number };
}

const SCHEMA = [
  `CREATE TABLE dynamodb_tables (
     tid INTEGER PRIMARY KEY AUTOINCREMENT,
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, meta TEXT NOT NULL,
     UNIQUE (account, region, name));
   CREATE TABLE dynamodb_items (
     tid INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, item TEXT NOT NULL, size INTEGER NOT NULL,
     expires INTEGER,
     PRIMARY KEY (tid, pk, sk)) WITHOUT ROWID;
   CREATE INDEX dynamodb_items_expires ON dynamodb_items (tid, expires) WHERE expires IS NOT NULL;
   CREATE TABLE dynamodb_index_items (
     tid INTEGER NOT NULL, iid INTEGER NOT NULL, ipk BLOB NOT NULL, isk BLOB NOT NULL,
     tpk BLOB NOT NULL, tsk BLOB NOT NULL, item TEXT NOT NULL, size INTEGER NOT NULL,
     PRIMARY KEY (tid, iid, ipk, isk, tpk, tsk)) WITHOUT ROWID;
   CREATE TABLE dynamodb_streams (
     arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, table_name TEXT NOT NULL, tid INTEGER NOT NULL,
     label TEXT NOT NULL, view_type TEXT NOT NULL, created INTEGER NOT NULL, disabled INTEGER, shard_id TEXT NOT NULL);
   CREATE INDEX dynamodb_streams_table ON dynamodb_streams (account, region, table_name);
   CREATE TABLE dynamodb_stream_records (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, created INTEGER NOT NULL, record TEXT NOT NULL);
   CREATE INDEX dynamodb_stream_records_stream ON dynamodb_stream_records (stream, seq);
   CREATE TABLE dynamodb_tokens (
     account TEXT NOT NULL, region TEXT NOT NULL, token TEXT NOT NULL, hash TEXT NOT NULL, created INTEGER NOT NULL,
     PRIMARY KEY (account, region, token));`,
  // The retention trim deletes by age every few seconds.
  `CREATE INDEX dynamodb_stream_records_created ON dynamodb_stream_records (created);`,
  `CREATE TABLE dynamodb_backups (
     arn TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, table_name TEXT NOT NULL,
     created INTEGER NOT NULL, size INTEGER NOT NULL, items INTEGER NOT NULL, meta TEXT NOT NULL);
   CREATE TABLE dynamodb_backup_items (
     arn TEXT NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, item TEXT NOT NULL, size INTEGER NOT NULL,
     PRIMARY KEY (arn, pk, sk)) WITHOUT ROWID;`,
  // Point-in-time recovery: the previous image of every change of a table with PITR on (NULL: absent).
  `CREATE TABLE dynamodb_pitr_log (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, tid INTEGER NOT NULL, ts INTEGER NOT NULL,
     pk BLOB NOT NULL, sk BLOB NOT NULL, old TEXT);
   CREATE INDEX dynamodb_pitr_log_tid_ts ON dynamodb_pitr_log (tid, ts);`,
];

/** Item → stored JSON text. B and BS members become base64 (only walked when the item has binary). */
export function encodeItem(item: Item): string {
  return hasBinary(item) ? JSON.stringify(item, binaryReplacer) : JSON.stringify(item);
}

/** Stored JSON text → Item (B/BS back to Buffers). */
export function decodeItem(text: string): Item {
  const item = JSON.parse(text) as Item;
  if (text.includes('"B')) reviveBinary(item);
  return item;
}

function binaryReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Uint8Array ? Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString("base64") : value;
}

function hasBinary(map: Record<string, AttributeValue>): boolean {
  for (const k in map) if (valueHasBinary(map[k]!)) return true;
  return false;
}

function valueHasBinary(v: AttributeValue): boolean {
  if (v.B !== undefined || v.BS !== undefined) return true;
  if (v.M) return hasBinary(v.M);
  if (v.L) for (const e of v.L) if (valueHasBinary(e)) return true;
  return false;
}

function reviveBinary(map: Record<string, AttributeValue>): void {
  for (const k in map) reviveValue(map[k]!);
}

function reviveValue(v: AttributeValue): void {
  if (typeof v.B === "string") v.B = Buffer.from(v.B, "base64");
  else if (v.BS) v.BS = (v.BS as unknown as string[]).map((s) => Buffer.from(s, "base64"));
  else if (v.M) reviveBinary(v.M);
  else if (v.L) for (const e of v.L) reviveValue(e);
}

export interface ItemRow {
  pk: Buffer;
  sk: Buffer;
  item: string;
  size: number;
}

export interface IndexRow extends ItemRow {
  ipk: Buffer;
  isk: Buffer;
}

/** Tables, items and index entries; statements prepared once and cached. */
export class DynamoStore {
  readonly db: Db;
  private readonly metas = new Map<string, TableMeta | null>();
  private readonly cache = new Map<string, Statement>();
  private readonly stats = new Map<string, { count: number; size: number; at: number }>();
  readonly s: ReturnType<typeof prepareStatements>;
  /** Runs fn in a transaction (a savepoint when already inside one); one wrapper, made once. */
  readonly tx: <T>(fn: () => T) => T;

  constructor(store: Store) {
    store.migrate("dynamodb", SCHEMA);
    this.db = store.db;
    this.s = prepareStatements(this.db);
    const t = this.db.transaction((fn: () => unknown) => fn());
    this.tx = t as unknown as <T>(fn: () => T) => T;
  }

  /** A statement for dynamically built SQL (query shapes), prepared once per distinct text. */
  stmt(sql: string): Statement {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }

  /** Like stmt, in raw mode: rows come as arrays of column values (no per-row object). */
  rawStmt(sql: string): Statement {
    const key = `raw:${sql}`;
    let st = this.cache.get(key);
    if (!st) {
      st = this.db.prepare(sql).raw(true);
      this.cache.set(key, st);
    }
    return st;
  }

  getTable(account: string, region: string, name: string): TableMeta | undefined {
    const key = `${account}\0${region}\0${name}`;
    let m = this.metas.get(key);
    if (m === undefined) {
      const row = this.s.getTable.get(account, region, name) as { tid: number; meta: string } | undefined;
      m = row ? { ...(JSON.parse(row.meta) as TableMeta), tid: row.tid } : null;
      this.metas.set(key, m);
    }
    return m ?? undefined;
  }

  /** Inserts a table; returns its tid. */
  insertTable(meta: Omit<TableMeta, "tid">): TableMeta {
    const r = this.s.insertTable.run(meta.account, meta.region, meta.name, JSON.stringify(meta));
    const full = { ...meta, tid: Number(r.lastInsertRowid) } as TableMeta;
    this.metas.set(`${meta.account}\0${meta.region}\0${meta.name}`, full);
    return full;
  }

  saveTable(meta: TableMeta): void {
    this.s.updateTable.run(JSON.stringify(meta), meta.tid);
    this.metas.set(`${meta.account}\0${meta.region}\0${meta.name}`, meta);
  }

  /** Removes a table with all its items, index entries and token rows. Streams stay readable (24 h). */
  deleteTable(meta: TableMeta): void {
    this.db.transaction(() => {
      this.s.deleteItems.run(meta.tid);
      this.s.deleteIndexItemsOfTable.run(meta.tid);
      this.db.prepare("DELETE FROM dynamodb_pitr_log WHERE tid = ?").run(meta.tid);
      this.s.deleteTable.run(meta.tid);
    })();
    this.metas.delete(`${meta.account}\0${meta.region}\0${meta.name}`);
  }

  listTables(account: string, region: string, after: string, limit: number): string[] {
    return (this.s.listTables.all(account, region, after, limit) as Array<{ name: string }>).map((r) => r.name);
  }

  /** All tables of every account (TTL sweeper). */
  allTables(): TableMeta[] {
    return (this.s.allTables.all() as Array<{ tid: number; meta: string }>).map((r) => ({ ...(JSON.parse(r.meta) as TableMeta), tid: r.tid }));
  }

  forgetCache(): void {
    this.metas.clear();
    this.stats.clear();
  }

  tableStats(tid: number): { count: number; size: number } {
    const r = this.s.tableStats.get(tid) as { c: number; s: number | null };
    return { count: r.c, size: r.s ?? 0 };
  }

  /**
   * Item count and size for DescribeTable. Exact for tables under 100,000 items; larger ones are counted
   * at most once a minute (counting reads the whole table, and AWS itself refreshes these about every
   * six hours).
   */
  describeStats(tid: number, iid: number | undefined, nowMs: number): { count: number; size: number } {
    const key = `${tid}:${iid ?? ""}`;
    const hit = this.stats.get(key);
    if (hit && hit.count >= 100_000 && nowMs - hit.at < 60_000) return hit;
    const fresh = iid === undefined ? this.tableStats(tid) : this.indexStats(tid, iid);
    this.stats.set(key, { ...fresh, at: nowMs });
    return fresh;
  }

  indexStats(tid: number, iid: number): { count: number; size: number } {
    const r = this.s.indexStats.get(tid, iid) as { c: number; s: number | null };
    return { count: r.c, size: r.s ?? 0 };
  }
}

function prepareStatements(db: Db) {
  return {
    getTable: db.prepare("SELECT tid, meta FROM dynamodb_tables WHERE account = ? AND region = ? AND name = ?"),
    insertTable: db.prepare("INSERT INTO dynamodb_tables (account, region, name, meta) VALUES (?, ?, ?, ?)"),
    updateTable: db.prepare("UPDATE dynamodb_tables SET meta = ? WHERE tid = ?"),
    deleteTable: db.prepare("DELETE FROM dynamodb_tables WHERE tid = ?"),
    listTables: db.prepare("SELECT name FROM dynamodb_tables WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?"),
    allTables: db.prepare("SELECT tid, meta FROM dynamodb_tables"),
    tableStats: db.prepare("SELECT count(*) AS c, sum(size) AS s FROM dynamodb_items WHERE tid = ?"),
    indexStats: db.prepare("SELECT count(*) AS c, sum(size) AS s FROM dynamodb_index_items WHERE tid = ? AND iid = ?"),
    getItem: db.prepare("SELECT item FROM dynamodb_items WHERE tid = ? AND pk = ? AND sk = ?").pluck(),
    getItemText: db.prepare("SELECT item, size FROM dynamodb_items WHERE tid = ? AND pk = ? AND sk = ?").raw(),
    putItem: db.prepare("INSERT OR REPLACE INTO dynamodb_items (tid, pk, sk, item, size, expires) VALUES (?, ?, ?, ?, ?, ?)"),
    deleteItem: db.prepare("DELETE FROM dynamodb_items WHERE tid = ? AND pk = ? AND sk = ?"),
    deleteItems: db.prepare("DELETE FROM dynamodb_items WHERE tid = ?"),
    putIndexItem: db.prepare("INSERT OR REPLACE INTO dynamodb_index_items (tid, iid, ipk, isk, tpk, tsk, item, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
    deleteIndexItem: db.prepare("DELETE FROM dynamodb_index_items WHERE tid = ? AND iid = ? AND ipk = ? AND isk = ? AND tpk = ? AND tsk = ?"),
    deleteIndexItemsOfIndex: db.prepare("DELETE FROM dynamodb_index_items WHERE tid = ? AND iid = ?"),
    deleteIndexItemsOfTable: db.prepare("DELETE FROM dynamodb_index_items WHERE tid = ?"),
    logChange: db.prepare("INSERT INTO dynamodb_pitr_log (tid, ts, pk, sk, old) VALUES (?, ?, ?, ?, ?)"),
    allItems: db.prepare("SELECT pk, sk, item FROM dynamodb_items WHERE tid = ?"),
    expired: db.prepare("SELECT pk, sk, item FROM dynamodb_items WHERE tid = ? AND expires IS NOT NULL AND expires < ? LIMIT ?"),
    setExpires: db.prepare("UPDATE dynamodb_items SET expires = ? WHERE tid = ? AND pk = ? AND sk = ?"),
    clearExpires: db.prepare("UPDATE dynamodb_items SET expires = NULL WHERE tid = ? AND expires IS NOT NULL"),
  };
}
