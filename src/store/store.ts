/**
 * The embedded store: one SQLite database (better-sqlite3, WAL) per data directory plus a blob directory
 * for large payloads. Services declare their own tables (prefixed with the service name) through
 * `migrate`. A write acknowledged to a client has been committed to the WAL, so it survives `kill -9`
 * of the server (synchronous=NORMAL: only an OS crash or power loss can lose the last commits).
 * With `backgroundCheckpoints` (the server) the WAL is copied into the database file by a worker thread
 * (checkpointer.cjs) instead of inside the commit that crosses SQLite's 1,000-page mark: that copy and its
 * two fsyncs were the p99 of every write (PutItem at 16 connections: p99 19–24 ms → 7–9 ms). A commit still
 * checkpoints at WAL_BACKSTOP_PAGES, which bounds the WAL under writes that never pause.
 * The interface is kept small so a PostgreSQL implementation can follow with the same semantics.
 */
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync, renameSync, existsSync, readdirSync } from "node:fs";
import { once } from "node:events";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

export type Db = Database.Database;
export type Statement = Database.Statement;

export interface StoreOptions {
  /** Directory holding skyport.db and blobs/. */
  dir: string;
  /** fsync every commit (synchronous=FULL) — survives power loss, ~10x slower writes. */
  durable?: boolean;
  /** Checkpoint the WAL from a worker thread (every CHECKPOINT_MS) instead of in the committing call. */
  backgroundCheckpoints?: boolean;
}

const CHECKPOINT_MS = 100;
/**
 * With the worker, the committing connection still checkpoints once the WAL holds this many pages (~40 MB): under
 * writes that never pause, the worker's checkpoints never catch up with the last frame at the moment a write
 * begins, and only then does SQLite start the WAL over — it grew to 558 MB in 10 s of PutItem at 16 connections,
 * and every read searched its whole index. The frames the worker already copied are not copied again: this
 * checkpoint copies the last ~100 ms of writes, and the next write starts the WAL over.
 */
const WAL_BACKSTOP_PAGES = 10_000;

export class Store {
  readonly db: Db;
  readonly blobs: BlobStore;
  private readonly resetHooks: Array<() => void> = [];
  private group: Promise<Error | undefined> | undefined;
  private checkpointer: Worker | undefined;
  /** The group commit's statements, prepared once (db.exec would parse them again for every group). */
  private readonly groupSql: { begin: Statement; commit: Statement; rollback: Statement };

  constructor(readonly options: StoreOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.db = new Database(join(options.dir, "skyport.db"));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${options.durable ? "FULL" : "NORMAL"}`);
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("foreign_keys = ON");
    this.db.exec("CREATE TABLE IF NOT EXISTS skyport_migrations (service TEXT PRIMARY KEY, version INTEGER NOT NULL)");
    this.groupSql = { begin: this.db.prepare("BEGIN"), commit: this.db.prepare("COMMIT"), rollback: this.db.prepare("ROLLBACK") };
    this.blobs = new BlobStore(join(options.dir, "blobs"));
    if (options.backgroundCheckpoints) this.startCheckpointer();
  }

  private startCheckpointer(): void {
    const worker = new Worker(new URL("./checkpointer.cjs", import.meta.url), {
      workerData: { sqlite: createRequire(import.meta.url).resolve("better-sqlite3"), file: this.db.name, durable: !!this.options.durable, intervalMs: CHECKPOINT_MS },
    });
    worker.unref();
    this.db.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
    // Should the worker ever fail, commits checkpoint again as SQLite does by default.
    const fallback = () => {
      if (this.checkpointer !== worker) return;
      this.checkpointer = undefined;
      if (this.db.open) this.db.pragma("wal_autocheckpoint = 1000");
    };
    worker.on("error", fallback);
    worker.on("exit", fallback);
    this.checkpointer = worker;
  }

  /**
   * Brings a service's schema up to date: runs the migrations after the last one applied, each in its
   * own transaction. Migrations are append-only: never edit one that has shipped.
   */
  migrate(service: string, migrations: ReadonlyArray<string | ((db: Db) => void)>): void {
    const row = this.db.prepare("SELECT version FROM skyport_migrations WHERE service = ?").get(service) as { version: number } | undefined;
    const from = row?.version ?? 0;
    for (let i = from; i < migrations.length; i++) {
      const m = migrations[i]!;
      this.db.transaction(() => {
        if (typeof m === "string") this.db.exec(m);
        else m(this.db);
        this.db.prepare("INSERT INTO skyport_migrations(service, version) VALUES (?, ?) ON CONFLICT(service) DO UPDATE SET version = excluded.version").run(service, i + 1);
      })();
    }
  }

  /**
   * Group commit. Every write made during this turn of the event loop joins one transaction that commits
   * on setImmediate; callers acknowledge their request only after `settled()` resolves. Writes wrapped in
   * `db.transaction()` become savepoints inside the group, so each stays all-or-nothing. One WAL commit
   * for many concurrent writes instead of one each (the commit is most of a small write's cost).
   */
  openWriteGroup(): void {
    if (this.group || this.db.inTransaction) return;
    this.groupSql.begin.run();
    this.group = new Promise((resolve) => setImmediate(() => resolve(this.commitGroup())));
  }

  /** The pending group commit, if one is open: resolves (to an Error if the commit failed) once durable. */
  settled(): Promise<Error | undefined> | undefined {
    return this.group;
  }

  private commitGroup(): Error | undefined {
    this.group = undefined;
    if (!this.db.open || !this.db.inTransaction) return undefined;
    try {
      this.groupSql.commit.run();
      return undefined;
    } catch (e) {
      try {
        this.groupSql.rollback.run();
      } catch {
        /* already rolled back */
      }
      return e as Error;
    }
  }

  /** Registers work to do on reset besides emptying the tables (in-memory caches, running processes). */
  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  /** Wipes all state: every service table emptied, every blob deleted. Schemas stay. */
  reset(): void {
    if (this.group) this.commitGroup();
    const tables = this.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'skyport_migrations'")
      .all() as Array<{ name: string }>;
    this.db.pragma("foreign_keys = OFF");
    this.db.transaction(() => {
      for (const { name } of tables) this.db.exec(`DELETE FROM "${name.replace(/"/g, '""')}"`);
    })();
    this.db.pragma("foreign_keys = ON");
    this.blobs.clear();
    for (const hook of this.resetHooks) hook();
  }

  /** Commits what is pending, stops the checkpointer, checkpoints everything and closes the database. */
  async close(): Promise<void> {
    const worker = this.checkpointer;
    this.checkpointer = undefined;
    if (worker) {
      const exited = once(worker, "exit");
      worker.ref(); // keeps the loop alive until the worker has closed its connection
      worker.postMessage("stop");
      await exited;
    }
    this.closeDb();
  }

  private closeDb(): void {
    if (!this.db.open) return;
    if (this.group) this.commitGroup();
    try {
      this.db.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      this.db.close();
    }
  }
}

/**
 * Content-addressed files for large payloads (code zips, objects, logs). Rows hold the returned id.
 * Writes go to a temp file then rename, so a blob is either whole or absent after a crash.
 */
export class BlobStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Stores bytes; returns their id (sha256 hex), which is also their checksum. */
  put(data: Uint8Array): string {
    const id = createHash("sha256").update(data).digest("hex");
    const path = this.path(id);
    if (!existsSync(path)) {
      mkdirSync(join(this.dir, id.slice(0, 2)), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, data);
      renameSync(tmp, path);
    }
    return id;
  }

  get(id: string): Buffer {
    return readFileSync(this.path(id));
  }

  has(id: string): boolean {
    return existsSync(this.path(id));
  }

  delete(id: string): void {
    rmSync(this.path(id), { force: true });
  }

  /** The file path of a blob (for executors that read code straight from disk). */
  path(id: string): string {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`bad blob id ${id}`);
    return join(this.dir, id.slice(0, 2), id);
  }

  clear(): void {
    for (const name of readdirSync(this.dir)) rmSync(join(this.dir, name), { recursive: true, force: true });
  }
}
