/**
 * CloudWatch Logs tables in the embedded store.
 *
 * - `logs_groups`: one row per log group, scoped by (account, region, name); tags as JSON.
 * - `logs_streams`: one row per log stream with its first/last event times and upload sequence.
 * - `logs_events`: one row per event; `seq` (the row id, never reused) orders events of equal
 *   timestamp and makes event ids and tokens. Indexed by (group, stream, timestamp, seq) for
 *   GetLogEvents and (group, timestamp, seq) for FilterLogEvents across streams.
 * - `logs_metric_filters`: metric filter definitions; `logs_subscription_filters`: subscription filters.
 * - `logs_objects`: resources Skyport stores and returns but does not act on (resource policies,
 *   destinations, delivery sources/destinations/deliveries) and Logs Insights queries, as JSON bodies.
 *
 * PutLogEvents is the hot path (Lambda writes every invocation's logs): group and stream ids are cached
 * in memory, statements are prepared once and a batch is one transaction.
 */
import type { Db, Statement, Store } from "../../store/store.js";
import type { Position } from "./tokens.js";

export interface GroupRow {
  id: number;
  account: string;
  region: string;
  name: string;
  created: number;
  retention: number | null;
  kms: string | null;
  class: string;
  stored_bytes: number;
  tags: string;
}

export interface StreamRow {
  id: number;
  group_id: number;
  name: string;
  created: number;
  first_ts: number | null;
  last_ts: number | null;
  last_ingest: number | null;
  upload_seq: number;
}

export interface EventRow {
  seq: number;
  stream_id: number;
  ts: number;
  ingest: number;
  message: string;
}

export interface SubscriptionRow {
  group_id: number;
  name: string;
  body: string;
  created: number;
}

export interface ObjectRow {
  account: string;
  region: string;
  kind: string;
  name: string;
  body: string;
  created: number;
}

export interface MetricFilterRow {
  group_id: number;
  name: string;
  pattern: string;
  transformations: string;
  created: number;
}

const SCHEMA = [
  `CREATE TABLE logs_groups (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
     created INTEGER NOT NULL, retention INTEGER, kms TEXT, class TEXT NOT NULL,
     stored_bytes INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '{}',
     UNIQUE (account, region, name));
   CREATE TABLE logs_streams (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     group_id INTEGER NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL,
     first_ts INTEGER, last_ts INTEGER, last_ingest INTEGER, upload_seq INTEGER NOT NULL DEFAULT 0,
     UNIQUE (group_id, name));
   CREATE TABLE logs_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     group_id INTEGER NOT NULL, stream_id INTEGER NOT NULL, ts INTEGER NOT NULL, ingest INTEGER NOT NULL,
     message TEXT NOT NULL);
   CREATE INDEX logs_events_stream ON logs_events (group_id, stream_id, ts, seq);
   CREATE INDEX logs_events_group ON logs_events (group_id, ts, seq);
   CREATE TABLE logs_metric_filters (
     group_id INTEGER NOT NULL, name TEXT NOT NULL, pattern TEXT NOT NULL, transformations TEXT NOT NULL,
     created INTEGER NOT NULL,
     PRIMARY KEY (group_id, name));`,
  // 2: subscription filters (per group), and the stored-only resources (policies, destinations, deliveries,
  // queries) as JSON bodies keyed by kind and name.
  `CREATE TABLE logs_subscription_filters (
     group_id INTEGER NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, created INTEGER NOT NULL,
     PRIMARY KEY (group_id, name));
   CREATE TABLE logs_objects (
     account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
     body TEXT NOT NULL, created INTEGER NOT NULL,
     PRIMARY KEY (account, region, kind, name));`,
];

/** What PutLogEvents needs of a group, cached. */
export interface HotGroup {
  id: number;
  retention: number | null;
}

export class LogsStore {
  readonly db: Db;
  readonly s: Record<string, Statement>;
  private readonly groups = new Map<string, HotGroup>();
  private readonly streams = new Map<string, number>();

  constructor(store: Store) {
    store.migrate("logs", SCHEMA);
    this.db = store.db;
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      insertGroup: p("INSERT INTO logs_groups (account, region, name, created, kms, class, tags) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      getGroup: p("SELECT * FROM logs_groups WHERE account = ? AND region = ? AND name = ?"),
      listGroups: p(
        `SELECT * FROM logs_groups WHERE account = ? AND region = ? AND name > ?
           AND (? IS NULL OR substr(name, 1, length(?)) = ?) ORDER BY name`,
      ),
      groupsWithRetention: p("SELECT id, retention FROM logs_groups WHERE retention IS NOT NULL"),
      setRetention: p("UPDATE logs_groups SET retention = ? WHERE id = ?"),
      setTags: p("UPDATE logs_groups SET tags = ? WHERE id = ?"),
      addBytes: p("UPDATE logs_groups SET stored_bytes = max(0, stored_bytes + ?) WHERE id = ?"),
      deleteGroup: p("DELETE FROM logs_groups WHERE id = ?"),
      deleteGroupStreams: p("DELETE FROM logs_streams WHERE group_id = ?"),
      deleteGroupEvents: p("DELETE FROM logs_events WHERE group_id = ?"),
      deleteGroupFilters: p("DELETE FROM logs_metric_filters WHERE group_id = ?"),
      deleteGroupSubscriptions: p("DELETE FROM logs_subscription_filters WHERE group_id = ?"),

      putSubscription: p(
        `INSERT INTO logs_subscription_filters (group_id, name, body, created) VALUES (?, ?, ?, ?)
           ON CONFLICT (group_id, name) DO UPDATE SET body = excluded.body`,
      ),
      listSubscriptions: p("SELECT * FROM logs_subscription_filters WHERE group_id = ? ORDER BY name"),
      deleteSubscription: p("DELETE FROM logs_subscription_filters WHERE group_id = ? AND name = ?"),

      putObject: p(
        `INSERT INTO logs_objects (account, region, kind, name, body, created) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (account, region, kind, name) DO UPDATE SET body = excluded.body`,
      ),
      getObject: p("SELECT * FROM logs_objects WHERE account = ? AND region = ? AND kind = ? AND name = ?"),
      listObjects: p("SELECT * FROM logs_objects WHERE account = ? AND region = ? AND kind = ? AND name > ? ORDER BY name"),
      countObjects: p("SELECT count(*) AS n FROM logs_objects WHERE account = ? AND region = ? AND kind = ?"),
      deleteOldObjects: p("DELETE FROM logs_objects WHERE account = ? AND region = ? AND kind = ? AND created < ?"),
      deleteObject: p("DELETE FROM logs_objects WHERE account = ? AND region = ? AND kind = ? AND name = ?"),

      insertStream: p("INSERT INTO logs_streams (group_id, name, created) VALUES (?, ?, ?)"),
      getStream: p("SELECT * FROM logs_streams WHERE group_id = ? AND name = ?"),
      streamIdsByPrefix: p("SELECT id, name FROM logs_streams WHERE group_id = ? AND substr(name, 1, length(?)) = ?"),
      streamNames: p("SELECT id, name FROM logs_streams WHERE group_id = ?"),
      listStreamsByName: p(
        `SELECT * FROM logs_streams WHERE group_id = ? AND name > ? AND (? IS NULL OR substr(name, 1, length(?)) = ?)
           ORDER BY name LIMIT ?`,
      ),
      listStreamsByNameDesc: p(
        `SELECT * FROM logs_streams WHERE group_id = ? AND name < ? AND (? IS NULL OR substr(name, 1, length(?)) = ?)
           ORDER BY name DESC LIMIT ?`,
      ),
      listStreamsByTime: p(
        `SELECT * FROM logs_streams WHERE group_id = ? AND (coalesce(last_ts, 0), id) > (?, ?)
           ORDER BY coalesce(last_ts, 0), id LIMIT ?`,
      ),
      listStreamsByTimeDesc: p(
        `SELECT * FROM logs_streams WHERE group_id = ? AND (coalesce(last_ts, 0), id) < (?, ?)
           ORDER BY coalesce(last_ts, 0) DESC, id DESC LIMIT ?`,
      ),
      afterPut: p(
        `UPDATE logs_streams SET first_ts = min(coalesce(first_ts, ?), ?), last_ts = max(coalesce(last_ts, ?), ?),
           last_ingest = ?, upload_seq = upload_seq + 1 WHERE id = ? RETURNING upload_seq`,
      ),
      touchStream: p("UPDATE logs_streams SET upload_seq = upload_seq + 1 WHERE id = ? RETURNING upload_seq"),
      deleteStream: p("DELETE FROM logs_streams WHERE id = ?"),
      streamBytes: p("SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) AS bytes FROM logs_events WHERE group_id = ? AND stream_id = ?"),
      deleteStreamEvents: p("DELETE FROM logs_events WHERE group_id = ? AND stream_id = ?"),

      getEvent: p("SELECT seq, group_id, stream_id, ts, ingest, message FROM logs_events WHERE seq = ?"),
      getGroupById: p("SELECT * FROM logs_groups WHERE id = ?"),
      getStreamById: p("SELECT * FROM logs_streams WHERE id = ?"),
      insertEvent: p("INSERT INTO logs_events (group_id, stream_id, ts, ingest, message) VALUES (?, ?, ?, ?, ?)"),
      readForward: p(
        `SELECT seq, stream_id, ts, ingest, message FROM logs_events
           WHERE group_id = ? AND stream_id = ? AND (ts, seq) > (?, ?) AND (ts, seq) < (?, ?)
           ORDER BY ts, seq LIMIT ?`,
      ),
      readBackward: p(
        `SELECT seq, stream_id, ts, ingest, message FROM logs_events
           WHERE group_id = ? AND stream_id = ? AND (ts, seq) > (?, ?) AND (ts, seq) < (?, ?)
           ORDER BY ts DESC, seq DESC LIMIT ?`,
      ),
      scanGroup: p(
        `SELECT seq, stream_id, ts, ingest, message FROM logs_events
           WHERE group_id = ? AND (ts, seq) > (?, ?) AND ts <= ? ORDER BY ts, seq`,
      ),
      expiredBytes: p("SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) AS bytes, count(*) AS n FROM logs_events WHERE group_id = ? AND ts < ?"),
      deleteExpired: p("DELETE FROM logs_events WHERE group_id = ? AND ts < ?"),

      putFilter: p(
        `INSERT INTO logs_metric_filters (group_id, name, pattern, transformations, created) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (group_id, name) DO UPDATE SET pattern = excluded.pattern, transformations = excluded.transformations`,
      ),
      getFilter: p("SELECT * FROM logs_metric_filters WHERE group_id = ? AND name = ?"),
      deleteFilter: p("DELETE FROM logs_metric_filters WHERE group_id = ? AND name = ?"),
      groupFilterPatterns: p("SELECT name, pattern FROM logs_metric_filters WHERE group_id = ?"),
      countFilters: p("SELECT count(*) AS n FROM logs_metric_filters WHERE group_id = ?"),
      listFilters: p(
        `SELECT f.*, g.name AS group_name FROM logs_metric_filters f JOIN logs_groups g ON g.id = f.group_id
           WHERE g.account = ? AND g.region = ? AND (? IS NULL OR g.id = ?) ORDER BY g.name, f.name`,
      ),
    };
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** The cached id and retention of a group, or undefined. */
  hotGroup(account: string, region: string, name: string): HotGroup | undefined {
    const key = `${account}\0${region}\0${name}`;
    let g = this.groups.get(key);
    if (!g) {
      const row = this.s.getGroup!.get(account, region, name) as GroupRow | undefined;
      if (!row) return undefined;
      g = { id: row.id, retention: row.retention };
      this.groups.set(key, g);
    }
    return g;
  }

  /** The cached id of a stream, or undefined. */
  streamId(groupId: number, name: string): number | undefined {
    const key = `${groupId}\0${name}`;
    let id = this.streams.get(key);
    if (id === undefined) {
      const row = this.s.getStream!.get(groupId, name) as StreamRow | undefined;
      if (!row) return undefined;
      id = row.id;
      this.streams.set(key, id);
    }
    return id;
  }

  getGroup(account: string, region: string, name: string): GroupRow | undefined {
    return this.s.getGroup!.get(account, region, name) as GroupRow | undefined;
  }

  getStream(groupId: number, name: string): StreamRow | undefined {
    return this.s.getStream!.get(groupId, name) as StreamRow | undefined;
  }

  /** Forget cached ids of a group (deleted, or its retention changed). */
  forgetGroup(account: string, region: string, name: string): void {
    this.groups.delete(`${account}\0${region}\0${name}`);
  }

  forgetStream(groupId: number, name: string): void {
    this.streams.delete(`${groupId}\0${name}`);
  }

  /** Drops every cached id (after /_skyport/reset, or a group delete that took many streams). */
  clearCaches(): void {
    this.groups.clear();
    this.streams.clear();
  }

  /** Events of one stream strictly between two positions, ascending (or the last `limit` of them). */
  readStream(groupId: number, streamId: number, low: Position, high: Position, limit: number, fromEnd: boolean): EventRow[] {
    const st = fromEnd ? this.s.readBackward! : this.s.readForward!;
    const rows = st.all(groupId, streamId, low.ts, low.seq, high.ts, high.seq, limit) as EventRow[];
    return fromEnd ? rows.reverse() : rows;
  }
}
