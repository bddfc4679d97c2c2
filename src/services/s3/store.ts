/**
 * S3 tables in the embedded store. Bucket names are global (one namespace for every account, as on AWS).
 *
 * - `s3_buckets`: one row per bucket; `config` holds the bucket's subresources as JSON by kind (tagging,
 *   cors, policy, publicAccessBlock, ownership, encryption, lifecycle, notification).
 * - `s3_objects`: one row per object version (`version_id` "null" when unversioned); `latest` marks the
 *   current version of a key; delete markers have no blob. The bytes live in a blob file (blobs.ts).
 *   Keys compare as BINARY (memcmp of UTF-8), the order S3 lists them in.
 * - `s3_uploads` / `s3_parts`: multipart uploads in progress and their parts (each part its own blob file).
 * - `s3_notify_queue`: event notifications waiting for delivery (Lambda, EventBridge); at-least-once.
 */
import type { Db, Statement, Store } from "../../store/store.js";

export interface BucketRow {
  name: string;
  account: string;
  region: string;
  created: number;
  versioning: string | null;
  config: string;
}

export interface ObjectRow {
  seq: number;
  bucket: string;
  key: string;
  version_id: string;
  latest: number;
  delete_marker: number;
  size: number;
  etag: string;
  modified: number;
  blob: string | null;
  meta: string;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  created: number;
  meta: string;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  size: number;
  etag: string;
  modified: number;
  blob: string;
  checksum: string | null;
}

export interface NotifyRow {
  id: number;
  due: number;
  attempts: number;
  target: string;
  payload: string;
}

const MIGRATIONS = [
  `CREATE TABLE s3_buckets (name TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, created INTEGER NOT NULL,
     versioning TEXT, config TEXT NOT NULL DEFAULT '{}');
   CREATE INDEX s3_buckets_account ON s3_buckets(account, name);
   CREATE TABLE s3_objects (seq INTEGER PRIMARY KEY AUTOINCREMENT, bucket TEXT NOT NULL, key TEXT NOT NULL, version_id TEXT NOT NULL,
     latest INTEGER NOT NULL, delete_marker INTEGER NOT NULL DEFAULT 0, size INTEGER NOT NULL, etag TEXT NOT NULL,
     modified INTEGER NOT NULL, blob TEXT, meta TEXT NOT NULL DEFAULT '{}');
   CREATE UNIQUE INDEX s3_objects_version ON s3_objects(bucket, key, version_id);
   CREATE INDEX s3_objects_latest ON s3_objects(bucket, key) WHERE latest = 1;
   CREATE INDEX s3_objects_history ON s3_objects(bucket, key, seq);
   CREATE TABLE s3_uploads (upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, created INTEGER NOT NULL, meta TEXT NOT NULL);
   CREATE INDEX s3_uploads_bucket ON s3_uploads(bucket, key, created);
   CREATE TABLE s3_parts (upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
     modified INTEGER NOT NULL, blob TEXT NOT NULL, checksum TEXT, PRIMARY KEY (upload_id, part_number));
   CREATE TABLE s3_notify_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, due INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     target TEXT NOT NULL, payload TEXT NOT NULL);`,
];

export class S3Store {
  readonly db: Db;
  private readonly stmts: Record<string, Statement> = {};

  constructor(readonly store: Store) {
    store.migrate("s3", MIGRATIONS);
    this.db = store.db;
  }

  /** A prepared statement, prepared once. */
  q(sql: string): Statement {
    return (this.stmts[sql] ??= this.db.prepare(sql));
  }

  bucket(name: string): BucketRow | undefined {
    return this.q("SELECT * FROM s3_buckets WHERE name = ?").get(name) as BucketRow | undefined;
  }

  latest(bucket: string, key: string): ObjectRow | undefined {
    return this.q("SELECT * FROM s3_objects WHERE bucket = ? AND key = ? AND latest = 1").get(bucket, key) as ObjectRow | undefined;
  }

  version(bucket: string, key: string, versionId: string): ObjectRow | undefined {
    return this.q("SELECT * FROM s3_objects WHERE bucket = ? AND key = ? AND version_id = ?").get(bucket, key, versionId) as ObjectRow | undefined;
  }

  /** Inserts a new version (replacing one with the same version id); it becomes the latest. Returns blobs to delete. */
  putVersion(row: Omit<ObjectRow, "seq" | "latest">): string[] {
    return this.db.transaction(() => {
      const garbage: string[] = [];
      const same = this.version(row.bucket, row.key, row.version_id);
      if (same) {
        if (same.blob) garbage.push(same.blob);
        this.q("DELETE FROM s3_objects WHERE seq = ?").run(same.seq);
      }
      this.q("UPDATE s3_objects SET latest = 0 WHERE bucket = ? AND key = ? AND latest = 1").run(row.bucket, row.key);
      this.q("INSERT INTO s3_objects(bucket, key, version_id, latest, delete_marker, size, etag, modified, blob, meta) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)")
        .run(row.bucket, row.key, row.version_id, row.delete_marker, row.size, row.etag, row.modified, row.blob, row.meta);
      return garbage;
    })();
  }

  /** Deletes one version; the newest remaining version of the key becomes the latest. Returns its blob. */
  deleteVersion(row: ObjectRow): string | null {
    this.db.transaction(() => {
      this.q("DELETE FROM s3_objects WHERE seq = ?").run(row.seq);
      if (row.latest) {
        const next = this.q("SELECT seq FROM s3_objects WHERE bucket = ? AND key = ? ORDER BY seq DESC LIMIT 1").get(row.bucket, row.key) as { seq: number } | undefined;
        if (next) this.q("UPDATE s3_objects SET latest = 1 WHERE seq = ?").run(next.seq);
      }
    })();
    return row.blob;
  }

  setMeta(seq: number, meta: string): void {
    this.q("UPDATE s3_objects SET meta = ? WHERE seq = ?").run(meta, seq);
  }

  hasObjects(bucket: string): boolean {
    return this.q("SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1").get(bucket) !== undefined || this.q("SELECT 1 FROM s3_uploads WHERE bucket = ? LIMIT 1").get(bucket) !== undefined;
  }

  /** Current (non-deleted) objects with key > after and key >= from, in key order. */
  listLatest(bucket: string, from: string, after: string | null, limit: number): ObjectRow[] {
    return this.q(
      "SELECT * FROM s3_objects WHERE bucket = ? AND latest = 1 AND delete_marker = 0 AND key >= ? AND (? IS NULL OR key > ?) ORDER BY key LIMIT ?",
    ).all(bucket, from, after, after, limit) as ObjectRow[];
  }

  /** Every version with (key, -seq) after the cursor, keys ascending, newest version first. */
  listVersions(bucket: string, from: string, afterKey: string | null, afterSeq: number, limit: number): ObjectRow[] {
    return this.q(
      `SELECT * FROM s3_objects WHERE bucket = ? AND key >= ? AND (? IS NULL OR key > ? OR (key = ? AND seq < ?))
       ORDER BY key, seq DESC LIMIT ?`,
    ).all(bucket, from, afterKey, afterKey, afterKey, afterSeq, limit) as ObjectRow[];
  }

  upload(uploadId: string): UploadRow | undefined {
    return this.q("SELECT * FROM s3_uploads WHERE upload_id = ?").get(uploadId) as UploadRow | undefined;
  }

  parts(uploadId: string): PartRow[] {
    return this.q("SELECT * FROM s3_parts WHERE upload_id = ? ORDER BY part_number").all(uploadId) as PartRow[];
  }

  /** Stores a part (replacing one with the same number); returns the blob replaced. */
  putPart(p: PartRow): string | undefined {
    const old = this.q("SELECT blob FROM s3_parts WHERE upload_id = ? AND part_number = ?").get(p.upload_id, p.part_number) as { blob: string } | undefined;
    this.q("INSERT OR REPLACE INTO s3_parts(upload_id, part_number, size, etag, modified, blob, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(p.upload_id, p.part_number, p.size, p.etag, p.modified, p.blob, p.checksum);
    return old?.blob;
  }

  /** Removes an upload and its parts; returns their blobs. */
  dropUpload(uploadId: string): string[] {
    return this.db.transaction(() => {
      const blobs = (this.q("SELECT blob FROM s3_parts WHERE upload_id = ?").all(uploadId) as Array<{ blob: string }>).map((r) => r.blob);
      this.q("DELETE FROM s3_parts WHERE upload_id = ?").run(uploadId);
      this.q("DELETE FROM s3_uploads WHERE upload_id = ?").run(uploadId);
      return blobs;
    })();
  }
}
