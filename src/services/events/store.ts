/**
 * EventBridge tables in the embedded store.
 *
 * - `events_buses`: custom buses (the default bus exists implicitly; a row appears when it gets a policy),
 *   with their resource policy and tags as JSON.
 * - `events_rules`: rules per (account, region, bus, name): the pattern or schedule, state, tags, and for
 *   scheduled rules `next_fire` (epoch ms on env.clock) — the scheduler's persisted cursor.
 * - `events_targets`: the PutTargets body of each target, as JSON.
 * - `events_deliveries`: the delivery queue — one row per (matched event, target), delivered at least once
 *   by the worker, retried per the target's RetryPolicy; `not_before` orders retries.
 * - `events_dead_letters`: deliveries that exhausted their retries or age, with the DeadLetterConfig ARN and
 *   the error, recorded (Skyport has no SQS to send them to yet).
 */
import type { Db, Statement, Store } from "../../store/store.js";

const SCHEMA = [
  `CREATE TABLE events_buses (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
     description TEXT, policy TEXT, tags TEXT NOT NULL DEFAULT '[]', created INTEGER NOT NULL, modified INTEGER NOT NULL,
     PRIMARY KEY (account, region, name));
   CREATE TABLE events_rules (
     account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, name TEXT NOT NULL,
     pattern TEXT, schedule TEXT, state TEXT NOT NULL, description TEXT, role_arn TEXT, managed_by TEXT,
     tags TEXT NOT NULL DEFAULT '[]', created INTEGER NOT NULL, next_fire INTEGER,
     PRIMARY KEY (account, region, bus, name));
   CREATE INDEX events_rules_schedule ON events_rules (next_fire) WHERE next_fire IS NOT NULL;
   CREATE TABLE events_targets (
     account TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, rule TEXT NOT NULL, id TEXT NOT NULL,
     arn TEXT NOT NULL, body TEXT NOT NULL,
     PRIMARY KEY (account, region, bus, rule, id));
   CREATE INDEX events_targets_arn ON events_targets (account, region, arn);
   CREATE TABLE events_deliveries (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     account TEXT NOT NULL, region TEXT NOT NULL, rule_arn TEXT NOT NULL, rule_name TEXT NOT NULL,
     target TEXT NOT NULL, event TEXT NOT NULL, ingested INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL, last_error TEXT);
   CREATE INDEX events_deliveries_due ON events_deliveries (not_before, seq);
   CREATE TABLE events_dead_letters (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     account TEXT NOT NULL, region TEXT NOT NULL, rule_arn TEXT NOT NULL, target_id TEXT NOT NULL,
     dead_letter_arn TEXT, event TEXT NOT NULL, error TEXT NOT NULL, attempts INTEGER NOT NULL, recorded INTEGER NOT NULL);`,
];

export interface BusRow {
  account: string;
  region: string;
  name: string;
  description: string | null;
  policy: string | null;
  tags: string;
  created: number;
  modified: number;
}

export interface RuleRow {
  account: string;
  region: string;
  bus: string;
  name: string;
  pattern: string | null;
  schedule: string | null;
  state: string;
  description: string | null;
  role_arn: string | null;
  managed_by: string | null;
  tags: string;
  created: number;
  next_fire: number | null;
}

export interface DeliveryRow {
  seq: number;
  account: string;
  region: string;
  rule_arn: string;
  rule_name: string;
  target: string;
  event: string;
  ingested: number;
  attempts: number;
  not_before: number;
  last_error: string | null;
}

export class EventsStore {
  readonly db: Db;
  readonly s: Record<string, Statement>;

  constructor(private readonly store: Store) {
    store.migrate("events", SCHEMA);
    this.db = store.db;
    const p = (sql: string) => this.db.prepare(sql);
    this.s = {
      getBus: p("SELECT * FROM events_buses WHERE account = ? AND region = ? AND name = ?"),
      listBuses: p("SELECT * FROM events_buses WHERE account = ? AND region = ? AND name > ? ORDER BY name"),
      countBuses: p("SELECT count(*) AS n FROM events_buses WHERE account = ? AND region = ?"),
      insertBus: p("INSERT INTO events_buses (account, region, name, description, policy, tags, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      setBusPolicy: p("UPDATE events_buses SET policy = ?, modified = ? WHERE account = ? AND region = ? AND name = ?"),
      setBusTags: p("UPDATE events_buses SET tags = ? WHERE account = ? AND region = ? AND name = ?"),
      deleteBus: p("DELETE FROM events_buses WHERE account = ? AND region = ? AND name = ?"),
      deleteBusRules: p("DELETE FROM events_rules WHERE account = ? AND region = ? AND bus = ?"),
      deleteBusTargets: p("DELETE FROM events_targets WHERE account = ? AND region = ? AND bus = ?"),
      getRule: p("SELECT * FROM events_rules WHERE account = ? AND region = ? AND bus = ? AND name = ?"),
      listRules: p("SELECT * FROM events_rules WHERE account = ? AND region = ? AND bus = ? AND name > ? AND substr(name, 1, length(?)) = ? ORDER BY name"),
      countRules: p("SELECT count(*) AS n FROM events_rules WHERE account = ? AND region = ? AND bus = ?"),
      patternRules: p("SELECT * FROM events_rules WHERE account = ? AND region = ? AND bus = ? AND pattern IS NOT NULL AND state != 'DISABLED'"),
      upsertRule: p(
        `INSERT INTO events_rules (account, region, bus, name, pattern, schedule, state, description, role_arn, managed_by, tags, created, next_fire)
         VALUES (@account, @region, @bus, @name, @pattern, @schedule, @state, @description, @role_arn, @managed_by, @tags, @created, @next_fire)
         ON CONFLICT (account, region, bus, name) DO UPDATE SET pattern = excluded.pattern, schedule = excluded.schedule, state = excluded.state,
           description = excluded.description, role_arn = excluded.role_arn, next_fire = excluded.next_fire`,
      ),
      setRuleState: p("UPDATE events_rules SET state = ?, next_fire = ? WHERE account = ? AND region = ? AND bus = ? AND name = ?"),
      setRuleTags: p("UPDATE events_rules SET tags = ? WHERE account = ? AND region = ? AND bus = ? AND name = ?"),
      setNextFire: p("UPDATE events_rules SET next_fire = ? WHERE account = ? AND region = ? AND bus = ? AND name = ?"),
      dueSchedules: p("SELECT * FROM events_rules WHERE next_fire IS NOT NULL AND next_fire <= ? ORDER BY next_fire LIMIT 100"),
      deleteRule: p("DELETE FROM events_rules WHERE account = ? AND region = ? AND bus = ? AND name = ?"),
      getTargets: p("SELECT body FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND rule = ? ORDER BY id"),
      countTargets: p("SELECT count(*) AS n FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND rule = ?"),
      upsertTarget: p("INSERT INTO events_targets (account, region, bus, rule, id, arn, body) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, region, bus, rule, id) DO UPDATE SET arn = excluded.arn, body = excluded.body"),
      hasTarget: p("SELECT 1 FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND rule = ? AND id = ?"),
      deleteTarget: p("DELETE FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND rule = ? AND id = ?"),
      rulesByTarget: p("SELECT DISTINCT rule FROM events_targets WHERE account = ? AND region = ? AND bus = ? AND arn = ? AND rule > ? ORDER BY rule"),
      enqueue: p("INSERT INTO events_deliveries (account, region, rule_arn, rule_name, target, event, ingested, not_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      due: p("SELECT * FROM events_deliveries WHERE not_before <= ? ORDER BY not_before, seq LIMIT ?"),
      nextDue: p("SELECT min(not_before) AS t FROM events_deliveries"),
      markAttempt: p("UPDATE events_deliveries SET attempts = attempts + 1, not_before = ? WHERE seq = ?"),
      failed: p("UPDATE events_deliveries SET last_error = ?, not_before = ? WHERE seq = ?"),
      dequeue: p("DELETE FROM events_deliveries WHERE seq = ?"),
      deadLetter: p("INSERT INTO events_dead_letters (account, region, rule_arn, target_id, dead_letter_arn, event, error, attempts, recorded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      deadLetters: p("SELECT * FROM events_dead_letters WHERE account = ? AND region = ? ORDER BY seq"),
    };
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
