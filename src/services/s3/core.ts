/**
 * What every S3 operation shares: the tables, the blob files, bucket lookup, the object metadata format and
 * the event notifier. Operations are grouped in buckets.ts, objects.ts, listing.ts, multipart.ts.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { ObjectBlobs } from "./blobs.js";
import type { ChecksumAlgorithm } from "./checksums.js";
import { Errors } from "./errors.js";
import type { BucketRow, ObjectRow } from "./store.js";
import { S3Store } from "./store.js";
import type { Notifier } from "./notifications.js";

/** What a stored object carries besides its bytes (s3_objects.meta). */
export interface ObjectMeta {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  /** Expires, epoch ms. */
  expires?: number;
  websiteRedirect?: string;
  metadata?: Record<string, string>;
  checksum?: { alg: ChecksumAlgorithm; value: string; type: "FULL_OBJECT" | "COMPOSITE" };
  tags?: Record<string, string>;
  storageClass?: string;
  sse?: string;
  /** Multipart objects: each part's size, for PartNumber reads and GetObjectAttributes. */
  parts?: number[];
}

export type BucketConfigKind = "tagging" | "cors" | "policy" | "publicAccessBlock" | "ownership" | "encryption" | "lifecycle" | "notification" | "website" | "acl" | "accelerate" | "requestPayment" | "logging";

export const MAX_OBJECT_BYTES = 5 * 1024 ** 3;

export class S3Core {
  readonly store: S3Store;
  readonly blobs: ObjectBlobs;
  notifier!: Notifier;

  constructor(readonly env: ServiceEnv) {
    this.store = new S3Store(env.store);
    this.blobs = new ObjectBlobs(join(env.store.blobs.dir, "s3"));
  }

  /** The bucket, or NoSuchBucket. Buckets are readable from any account (no cross-account policy checks yet). */
  bucket(_ctx: RequestContext, name: string): BucketRow {
    const b = this.store.bucket(name);
    if (!b) throw Errors.noSuchBucket(name);
    return b;
  }

  config<T>(b: BucketRow, kind: BucketConfigKind): T | undefined {
    return (JSON.parse(b.config) as Record<string, T>)[kind];
  }

  setConfig(b: BucketRow, kind: BucketConfigKind, value: unknown): void {
    const cfg = JSON.parse(b.config) as Record<string, unknown>;
    if (value === undefined) delete cfg[kind];
    else cfg[kind] = value;
    b.config = JSON.stringify(cfg);
    this.store.q("UPDATE s3_buckets SET config = ? WHERE name = ?").run(b.config, b.name);
  }

  /** The version id of a new version: a fresh one when versioning is enabled, else "null". */
  newVersionId(b: BucketRow): string {
    return b.versioning === "Enabled" ? randomBytes(24).toString("base64url") : "null";
  }

  /** The version to read: the one named, or the latest (NoSuchKey when it is missing or a delete marker). */
  object(b: BucketRow, key: string, versionId?: string, method = "GET"): ObjectRow {
    if (versionId !== undefined) {
      const row = this.store.version(b.name, key, versionId);
      if (!row) throw versionId === "null" || /^[A-Za-z0-9._-]{1,1024}$/.test(versionId) ? Errors.noSuchVersion(key, versionId) : Errors.invalidArgument("Invalid version id specified", "versionId", versionId);
      if (row.delete_marker) {
        const err = Errors.methodNotAllowed(method, "DeleteMarker");
        err.headers = { "x-amz-delete-marker": "true", "x-amz-version-id": row.version_id, "Last-Modified": new Date(row.modified).toUTCString(), Allow: "DELETE" };
        throw err;
      }
      return row;
    }
    const row = this.store.latest(b.name, key);
    if (!row) throw Errors.noSuchKey(key);
    if (row.delete_marker) {
      const err = Errors.noSuchKey(key);
      err.headers = { "x-amz-delete-marker": "true", "x-amz-version-id": row.version_id };
      throw err;
    }
    return row;
  }

  /** Deletes blob files once the rows that named them are committed away. */
  dropBlobs(ids: Array<string | null | undefined>): void {
    const live = ids.filter(Boolean);
    if (!live.length) return;
    const pending = this.env.store.settled();
    if (pending) void pending.then(() => this.blobs.delete(live));
    else this.blobs.delete(live);
  }

  ownerOf(account: string): { ID: string; DisplayName: string } {
    return { ID: canonicalId(account), DisplayName: "skyport" };
  }
}

export const meta = (row: ObjectRow): ObjectMeta => JSON.parse(row.meta) as ObjectMeta;
export const quoted = (etag: string) => `"${etag}"`;
let lastMs = 0;
let counter = 0;
/**
 * S3 sequencers: hex strings of one length that grow with each event, so consumers can order the events
 * of a key (AWS's are 16+ hex digits): the clock's milliseconds then a counter within the millisecond.
 */
export function sequencer(nowMs: number): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = 0;
  } else counter++;
  return (lastMs.toString(16).padStart(12, "0") + (counter & 0xffff).toString(16).padStart(4, "0")).toUpperCase();
}
/** A stable 64-hex canonical user id for an account (AWS's are opaque 64-hex strings). */
export const canonicalId = (account: string) => Buffer.from(account.padEnd(32, "0")).toString("hex").slice(0, 64);
