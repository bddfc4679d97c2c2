/**
 * The change log behind DynamoDB Streams: one row per change, written in the same transaction as the
 * item, read by the dynamodbstreams provider. One shard per stream (AWS splits shards over time; a
 * single shard keeps per-item order trivially and is what a local reader needs).
 */
import type { Clock } from "../../../core/clock.js";
import type { IdGenerator } from "../../../core/ids.js";
import { Limits } from "../constants.js";
import { decodeItem, type DynamoStore, type Item, type TableMeta } from "../store.js";
import { itemSize } from "../operations/deps.js";

/** Sequence numbers are 21-digit decimal strings (AWS's are opaque decimal strings that grow). */
const SEQ_BASE = 10n ** 20n;
export const formatSequence = (seq: number) => (SEQ_BASE + BigInt(seq)).toString();
export function parseSequence(s: string): number | undefined {
  if (!/^\d{21,40}$/.test(s)) return undefined;
  const n = BigInt(s) - SEQ_BASE;
  return n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(n);
}

export interface StreamRow {
  arn: string;
  account: string;
  region: string;
  table_name: string;
  tid: number;
  label: string;
  view_type: string;
  created: number;
  disabled: number | null;
  shard_id: string;
}

export type EventName = "INSERT" | "MODIFY" | "REMOVE";

/** userIdentity of a stream record, spelled as the DynamoDB Streams model spells it. */
export interface Identity {
  Type: string;
  PrincipalId: string;
}

/** Deletes by the TTL sweeper are marked as the service's own. */
export const TTL_IDENTITY: Identity = { Type: "Service", PrincipalId: "dynamodb.amazonaws.com" };

export class StreamLog {
  private readonly insert;
  private readonly trimStmt;
  constructor(
    private readonly store: DynamoStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {
    this.insert = store.db.prepare("INSERT INTO dynamodb_stream_records (stream, created, record) VALUES (?, ?, ?)");
    this.trimStmt = store.db.prepare("DELETE FROM dynamodb_stream_records WHERE created < ?");
  }

  /** Opens a new stream for a table (CreateTable/UpdateTable with StreamEnabled). */
  open(meta: TableMeta, viewType: string): { arn: string; label: string } {
    const now = this.clock.now();
    const label = new Date(now).toISOString().replace("Z", "");
    const arn = `${meta.arn}/stream/${label}`;
    const shardId = `shardId-${String(now).padStart(20, "0")}-${this.ids.hex(4)}`;
    this.store
      .stmt("INSERT OR REPLACE INTO dynamodb_streams (arn, account, region, table_name, tid, label, view_type, created, disabled, shard_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)")
      .run(arn, meta.account, meta.region, meta.name, meta.tid, label, viewType, now, shardId);
    return { arn, label };
  }

  /** Closes a stream: readable for 24 hours more, no new records. */
  close(arn: string): void {
    this.store.stmt("UPDATE dynamodb_streams SET disabled = ? WHERE arn = ? AND disabled IS NULL").run(this.clock.now(), arn);
  }

  /** Records one change; called inside the item's write transaction. */
  record(meta: TableMeta, eventName: EventName, keys: Item, oldItem: Item | undefined, newItem: Item | undefined, identity?: Identity): void {
    const s = meta.stream!;
    const now = this.clock.now();
    const dynamodb: Record<string, unknown> = { ApproximateCreationDateTime: Math.floor(now / 1000), Keys: keys };
    let size = itemSize(keys);
    if (newItem && (s.viewType === "NEW_IMAGE" || s.viewType === "NEW_AND_OLD_IMAGES")) {
      dynamodb.NewImage = newItem;
      size += itemSize(newItem);
    }
    if (oldItem && (s.viewType === "OLD_IMAGE" || s.viewType === "NEW_AND_OLD_IMAGES")) {
      dynamodb.OldImage = oldItem;
      size += itemSize(oldItem);
    }
    dynamodb.SizeBytes = size;
    dynamodb.StreamViewType = s.viewType;
    const record: Record<string, unknown> = {
      eventID: this.ids.hex(16),
      eventName,
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: meta.region,
      dynamodb,
    };
    if (identity) record.userIdentity = identity;
    this.insert.run(s.arn, now, JSON.stringify(record, bufferReplacer));
  }

  /** Drops records older than 24 hours and streams disabled more than 24 hours ago. */
  trim(): void {
    const cutoff = this.clock.now() - Limits.STREAM_RETENTION_MS;
    this.trimStmt.run(cutoff);
    this.store.stmt("DELETE FROM dynamodb_streams WHERE disabled IS NOT NULL AND disabled < ?").run(cutoff);
  }

  stream(arn: string): StreamRow | undefined {
    return this.store.stmt("SELECT * FROM dynamodb_streams WHERE arn = ?").get(arn) as StreamRow | undefined;
  }

  streams(account: string, region: string, tableName?: string): StreamRow[] {
    return (
      tableName
        ? this.store.stmt("SELECT * FROM dynamodb_streams WHERE account = ? AND region = ? AND table_name = ? ORDER BY arn").all(account, region, tableName)
        : this.store.stmt("SELECT * FROM dynamodb_streams WHERE account = ? AND region = ? ORDER BY arn").all(account, region)
    ) as StreamRow[];
  }

  /** First and last sequence numbers still held for a stream. */
  range(arn: string): { first?: number; last?: number } {
    const r = this.store.stmt("SELECT min(seq) AS first, max(seq) AS last FROM dynamodb_stream_records WHERE stream = ?").get(arn) as { first: number | null; last: number | null };
    return { first: r.first ?? undefined, last: r.last ?? undefined };
  }

  /** The highest sequence number ever assigned (to place LATEST iterators). */
  lastSequence(): number {
    const r = this.store.stmt("SELECT seq FROM sqlite_sequence WHERE name = 'dynamodb_stream_records'").get() as { seq: number } | undefined;
    return r?.seq ?? 0;
  }

  /** Records of a stream from sequence `from` (inclusive), at most `limit`. */
  read(arn: string, from: number, limit: number): Array<{ seq: number; record: Record<string, unknown> }> {
    const cutoff = this.clock.now() - Limits.STREAM_RETENTION_MS;
    const rows = this.store
      .stmt("SELECT seq, record FROM dynamodb_stream_records WHERE stream = ? AND seq >= ? AND created >= ? ORDER BY seq LIMIT ?")
      .all(arn, from, cutoff, limit) as Array<{ seq: number; record: string }>;
    return rows.map((r) => {
      const record = JSON.parse(r.record) as Record<string, unknown>;
      const d = record.dynamodb as Record<string, unknown>;
      for (const k of ["Keys", "NewImage", "OldImage"]) if (d[k]) d[k] = decodeItem(JSON.stringify(d[k]));
      d.SequenceNumber = formatSequence(r.seq);
      d.ApproximateCreationDateTime = new Date((d.ApproximateCreationDateTime as number) * 1000);
      return { seq: r.seq, record };
    });
  }
}

function bufferReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Uint8Array ? Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString("base64") : value;
}
