/**
 * Backups. Point-in-time recovery: UpdateContinuousBackups turns on a log of previous item images (35
 * days), RestoreTableToPointInTime rebuilds a table as of a time from today's items and that log.
 * On-demand backups: CreateBackup snapshots a table's definition and items (copied inside one
 * transaction, so the snapshot is consistent); RestoreTableFromBackup creates a new table from it and
 * rebuilds its indexes; DescribeBackup, ListBackups, DeleteBackup. Backups are AVAILABLE at once.
 * Gap: index overrides on restore are refused.
 */
import type {
  BackupDescription,
  BackupDetails,
  ContinuousBackupsDescription,
  CreateBackupInput,
  CreateBackupOutput,
  DeleteBackupInput,
  DeleteBackupOutput,
  DescribeBackupInput,
  DescribeBackupOutput,
  DescribeContinuousBackupsInput,
  DescribeContinuousBackupsOutput,
  ListBackupsInput,
  ListBackupsOutput,
  RestoreTableFromBackupInput,
  RestoreTableFromBackupOutput,
  RestoreTableToPointInTimeInput,
  RestoreTableToPointInTimeOutput,
  UpdateContinuousBackupsInput,
  UpdateContinuousBackupsOutput,
} from "../../../aws/api/dynamodb.js";
import { constraintMessage, ServiceError } from "../../../aws/errors.js";
import { arn } from "../../../core/arn.js";
import type { RequestContext } from "../../../edge/context.js";
import { TableStatus } from "../constants.js";
import { decodeItem, type TableMeta } from "../store.js";
import { checkTableName, nameViolations, tableNameOf, validation } from "../validate.js";
import type { Dynamo } from "./context.js";
import { itemSize } from "./deps.js";
import { describe } from "./tables.js";

interface BackupRow {
  arn: string;
  account: string;
  region: string;
  name: string;
  table_name: string;
  created: number;
  size: number;
  items: number;
  meta: string;
}

const tableNotFound = (name: string) => new ServiceError("TableNotFoundException", `Table not found: ${name}`, 400);
const backupNotFound = (a: string) => new ServiceError("BackupNotFoundException", `Backup not found: ${a}`, 400);

function details(r: BackupRow): BackupDetails {
  return { BackupArn: r.arn, BackupName: r.name, BackupSizeBytes: r.size, BackupStatus: "AVAILABLE", BackupType: "USER", BackupCreationDateTime: new Date(r.created) };
}

function description(r: BackupRow, status = "AVAILABLE"): BackupDescription {
  const m = JSON.parse(r.meta) as TableMeta;
  const ks = (h: string, rk?: string) => (rk ? [{ AttributeName: h, KeyType: "HASH" }, { AttributeName: rk, KeyType: "RANGE" }] : [{ AttributeName: h, KeyType: "HASH" }]);
  const proj = (i: TableMeta["gsis"][number]) => (i.nonKeyAttributes ? { ProjectionType: i.projectionType, NonKeyAttributes: i.nonKeyAttributes } : { ProjectionType: i.projectionType });
  const out: BackupDescription = {
    BackupDetails: { ...details(r), BackupStatus: status },
    SourceTableDetails: {
      TableName: m.name,
      TableId: m.tableId,
      TableArn: m.arn,
      TableSizeBytes: r.size,
      KeySchema: ks(m.hashKey, m.rangeKey),
      TableCreationDateTime: new Date(m.createdMs),
      ProvisionedThroughput: { ReadCapacityUnits: m.provisioned.read, WriteCapacityUnits: m.provisioned.write },
      ItemCount: r.items,
      BillingMode: m.billingMode,
    },
    SourceTableFeatureDetails: {},
  };
  const f = out.SourceTableFeatureDetails!;
  if (m.lsis.length) f.LocalSecondaryIndexes = m.lsis.map((i) => ({ IndexName: i.name, KeySchema: ks(i.hashKey, i.rangeKey), Projection: proj(i) }));
  if (m.gsis.length)
    f.GlobalSecondaryIndexes = m.gsis.map((i) => ({
      IndexName: i.name,
      KeySchema: ks(i.hashKey, i.rangeKey),
      Projection: proj(i),
      ProvisionedThroughput: { ReadCapacityUnits: i.provisioned?.read ?? 0, WriteCapacityUnits: i.provisioned?.write ?? 0 },
    }));
  if (m.stream?.enabled) f.StreamDescription = { StreamEnabled: true, StreamViewType: m.stream.viewType };
  if (m.ttl?.enabled) f.TimeToLiveDescription = { TimeToLiveStatus: "ENABLED", AttributeName: m.ttl.attribute };
  return out;
}

function backupRow(d: Dynamo, ctx: RequestContext, backupArn: string): BackupRow {
  const r = d.store.stmt("SELECT * FROM dynamodb_backups WHERE arn = ?").get(backupArn) as BackupRow | undefined;
  if (!r || r.account !== ctx.accountId || r.region !== ctx.region) throw backupNotFound(backupArn);
  return r;
}

export function createBackup(d: Dynamo, ctx: RequestContext, input: CreateBackupInput): CreateBackupOutput {
  checkTableName(input.TableName);
  const v = nameViolations(input.BackupName, "backupName", 3, 255);
  if (v.length) throw validation(constraintMessage(v));
  const name = tableNameOf(input.TableName);
  const meta = d.store.getTable(ctx.accountId, ctx.region, name);
  if (!meta) throw tableNotFound(name);
  const now = d.clock.now();
  const backupArn = `${meta.arn}/backup/${String(now).padStart(17, "0")}-${d.ids.hex(4)}`;
  const row = d.store.tx(() => {
    const stats = d.store.tableStats(meta.tid);
    d.store.stmt("INSERT INTO dynamodb_backup_items (arn, pk, sk, item, size) SELECT ?, pk, sk, item, size FROM dynamodb_items WHERE tid = ?").run(backupArn, meta.tid);
    const r: BackupRow = { arn: backupArn, account: ctx.accountId, region: ctx.region, name: input.BackupName, table_name: meta.name, created: now, size: stats.size, items: stats.count, meta: JSON.stringify(meta) };
    d.store.db
      .prepare("INSERT INTO dynamodb_backups (arn, account, region, name, table_name, created, size, items, meta) VALUES (@arn, @account, @region, @name, @table_name, @created, @size, @items, @meta)")
      .run(r);
    return r;
  });
  return { BackupDetails: details(row) };
}

export function describeBackup(d: Dynamo, ctx: RequestContext, input: DescribeBackupInput): DescribeBackupOutput {
  return { BackupDescription: description(backupRow(d, ctx, input.BackupArn)) };
}

export function deleteBackup(d: Dynamo, ctx: RequestContext, input: DeleteBackupInput): DeleteBackupOutput {
  const r = backupRow(d, ctx, input.BackupArn);
  d.store.tx(() => {
    d.store.stmt("DELETE FROM dynamodb_backup_items WHERE arn = ?").run(r.arn);
    d.store.stmt("DELETE FROM dynamodb_backups WHERE arn = ?").run(r.arn);
  });
  return { BackupDescription: description(r, "DELETED") };
}

export function listBackups(d: Dynamo, ctx: RequestContext, input: ListBackupsInput): ListBackupsOutput {
  if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > 100))
    throw validation(constraintMessage([`Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value ${input.Limit < 1 ? "greater than or equal to 1" : "less than or equal to 100"}`]));
  let rows = d.store.stmt("SELECT * FROM dynamodb_backups WHERE account = ? AND region = ? ORDER BY created, arn").all(ctx.accountId, ctx.region) as BackupRow[];
  if (input.TableName) rows = rows.filter((r) => r.table_name === tableNameOf(input.TableName!));
  if (input.BackupType && input.BackupType !== "USER" && input.BackupType !== "ALL") rows = [];
  const lo = input.TimeRangeLowerBound?.getTime();
  const hi = input.TimeRangeUpperBound?.getTime();
  if (lo !== undefined) rows = rows.filter((r) => r.created >= lo);
  if (hi !== undefined) rows = rows.filter((r) => r.created < hi);
  if (input.ExclusiveStartBackupArn) {
    const i = rows.findIndex((r) => r.arn === input.ExclusiveStartBackupArn);
    rows = i < 0 ? rows : rows.slice(i + 1);
  }
  const limit = input.Limit ?? rows.length;
  const page = rows.slice(0, limit);
  const out: ListBackupsOutput = {
    BackupSummaries: page.map((r) => {
      const m = JSON.parse(r.meta) as TableMeta;
      return { TableName: r.table_name, TableId: m.tableId, TableArn: m.arn, ...details(r) };
    }),
  };
  if (rows.length > limit && page.length) out.LastEvaluatedBackupArn = page[page.length - 1]!.arn;
  return out;
}

export function restoreTableFromBackup(d: Dynamo, ctx: RequestContext, input: RestoreTableFromBackupInput): RestoreTableFromBackupOutput {
  const v = nameViolations(input.TargetTableName, "targetTableName", 3, 255);
  if (v.length) throw validation(constraintMessage(v));
  const r = backupRow(d, ctx, input.BackupArn);
  if (input.GlobalSecondaryIndexOverride || input.LocalSecondaryIndexOverride) throw validation("Skyport does not support index overrides when restoring a backup");
  if (d.store.getTable(ctx.accountId, ctx.region, input.TargetTableName)) throw new ServiceError("TableAlreadyExistsException", `Table already exists: ${input.TargetTableName}`, 400);
  const src = JSON.parse(r.meta) as TableMeta;
  const now = d.clock.now();
  const { tid: _tid, stream: _stream, ttl: _ttl, ...rest } = src;
  const billing = (input.BillingModeOverride as TableMeta["billingMode"] | undefined) ?? src.billingMode;
  const pt = input.ProvisionedThroughputOverride;
  const meta = d.store.tx(() => {
    const m = d.store.insertTable({
      ...rest,
      name: input.TargetTableName,
      tableId: d.ids.uuid(),
      arn: arn("dynamodb", ctx.region, ctx.accountId, `table/${input.TargetTableName}`),
      createdMs: now,
      billingMode: billing,
      billingModeChangedMs: billing === "PAY_PER_REQUEST" ? now : undefined,
      provisioned: pt ? { read: pt.ReadCapacityUnits, write: pt.WriteCapacityUnits } : src.provisioned,
      tags: [],
      deletionProtection: false,
    });
    d.store.stmt("INSERT INTO dynamodb_items (tid, pk, sk, item, size, expires) SELECT ?, pk, sk, item, size, NULL FROM dynamodb_backup_items WHERE arn = ?").run(m.tid, r.arn);
    return m;
  });
  for (const idx of meta.gsis.concat(meta.lsis)) d.engine.backfill(meta, idx.iid);
  return { TableDescription: describe(d, meta, TableStatus.CREATING, false) };
}

/** AWS keeps 35 days of point-in-time history; restores go back at most that far. */
export const PITR_WINDOW_MS = 35 * 24 * 3600 * 1000;
/** The latest restorable time trails now by five minutes on AWS. */
const PITR_LAG_MS = 5 * 60 * 1000;

function continuousBackups(d: Dynamo, meta: TableMeta): ContinuousBackupsDescription {
  if (!meta.pitr?.enabled) return { ContinuousBackupsStatus: "ENABLED", PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "DISABLED" } };
  const now = d.clock.now();
  const earliest = Math.max(meta.pitr.sinceMs, now - PITR_WINDOW_MS);
  return {
    ContinuousBackupsStatus: "ENABLED",
    PointInTimeRecoveryDescription: {
      PointInTimeRecoveryStatus: "ENABLED",
      EarliestRestorableDateTime: new Date(earliest),
      LatestRestorableDateTime: new Date(Math.max(earliest, now - PITR_LAG_MS)),
    },
  };
}

function sourceTable(d: Dynamo, ctx: RequestContext, nameOrArn: string): TableMeta {
  checkTableName(nameOrArn);
  const name = tableNameOf(nameOrArn);
  const meta = d.store.getTable(ctx.accountId, ctx.region, name);
  if (!meta) throw tableNotFound(name);
  return meta;
}

export function describeContinuousBackups(d: Dynamo, ctx: RequestContext, input: DescribeContinuousBackupsInput): DescribeContinuousBackupsOutput {
  return { ContinuousBackupsDescription: continuousBackups(d, sourceTable(d, ctx, input.TableName)) };
}

export function updateContinuousBackups(d: Dynamo, ctx: RequestContext, input: UpdateContinuousBackupsInput): UpdateContinuousBackupsOutput {
  const meta = structuredClone(sourceTable(d, ctx, input.TableName));
  const on = input.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled;
  if (on && !meta.pitr?.enabled) meta.pitr = { enabled: true, sinceMs: d.clock.now() };
  if (!on && meta.pitr?.enabled) {
    meta.pitr = undefined;
    d.store.stmt("DELETE FROM dynamodb_pitr_log WHERE tid = ?").run(meta.tid);
  }
  d.store.saveTable(meta);
  return { ContinuousBackupsDescription: continuousBackups(d, meta) };
}

/** Drops point-in-time history older than the 35-day window (run by the sweeper). */
export function trimPitrLog(d: Dynamo): void {
  d.store.stmt("DELETE FROM dynamodb_pitr_log WHERE ts < ?").run(d.clock.now() - PITR_WINDOW_MS);
}

/**
 * Restores the table as it was at a time: today's items with every change made after that time undone
 * (the earliest later change of each key holds the item as it was, or NULL when it did not exist).
 */
export function restoreTableToPointInTime(d: Dynamo, ctx: RequestContext, input: RestoreTableToPointInTimeInput): RestoreTableToPointInTimeOutput {
  const v = nameViolations(input.TargetTableName, "targetTableName", 3, 255);
  if (v.length) throw validation(constraintMessage(v));
  const source = input.SourceTableArn ?? input.SourceTableName;
  if (!source) throw validation("Either SourceTableArn or SourceTableName must be specified");
  const src = sourceTable(d, ctx, source);
  if (!src.pitr?.enabled) throw new ServiceError("PointInTimeRecoveryUnavailableException", `Point in time recovery is not enabled for table '${src.name}'`, 400);
  if (input.GlobalSecondaryIndexOverride || input.LocalSecondaryIndexOverride) throw validation("Skyport does not support index overrides when restoring a table");
  if (d.store.getTable(ctx.accountId, ctx.region, input.TargetTableName)) throw new ServiceError("TableAlreadyExistsException", `Table already exists: ${input.TargetTableName}`, 400);
  const pb = continuousBackups(d, src).PointInTimeRecoveryDescription!;
  const earliest = pb.EarliestRestorableDateTime!.getTime();
  const latest = pb.LatestRestorableDateTime!.getTime();
  let at: number;
  if (input.UseLatestRestorableTime) {
    if (input.RestoreDateTime) throw validation("Only one of RestoreDateTime or UseLatestRestorableTime can be specified");
    at = latest;
  } else {
    if (!input.RestoreDateTime) throw validation("Either RestoreDateTime or UseLatestRestorableTime must be specified");
    at = input.RestoreDateTime.getTime();
    if (at < earliest || at > d.clock.now())
      throw new ServiceError("InvalidRestoreTimeException", `RestoreDateTime ${input.RestoreDateTime.toISOString()} is not within the restorable time range [${new Date(earliest).toISOString()}, ${new Date(latest).toISOString()}]`, 400);
  }
  const now = d.clock.now();
  const billing = (input.BillingModeOverride as TableMeta["billingMode"] | undefined) ?? src.billingMode;
  const pt = input.ProvisionedThroughputOverride;
  const { tid: _tid, stream: _stream, ttl: _ttl, pitr: _pitr, ...rest } = src;
  const meta = d.store.tx(() => {
    const m = d.store.insertTable({
      ...rest,
      name: input.TargetTableName,
      tableId: d.ids.uuid(),
      arn: arn("dynamodb", ctx.region, ctx.accountId, `table/${input.TargetTableName}`),
      createdMs: now,
      billingMode: billing,
      billingModeChangedMs: billing === "PAY_PER_REQUEST" ? now : undefined,
      provisioned: pt ? { read: pt.ReadCapacityUnits, write: pt.WriteCapacityUnits } : src.provisioned,
      tags: [],
      deletionProtection: false,
      resourcePolicy: undefined,
      policyRevision: undefined,
    });
    d.store.stmt("INSERT INTO dynamodb_items (tid, pk, sk, item, size, expires) SELECT ?, pk, sk, item, size, NULL FROM dynamodb_items WHERE tid = ?").run(m.tid, src.tid);
    const undo = d.store
      .stmt(
        `SELECT l.pk, l.sk, l.old FROM dynamodb_pitr_log l
         JOIN (SELECT pk, sk, min(seq) AS seq FROM dynamodb_pitr_log WHERE tid = ? AND ts > ? GROUP BY pk, sk) f ON l.seq = f.seq`,
      )
      .all(src.tid, at) as Array<{ pk: Buffer; sk: Buffer; old: string | null }>;
    for (const u of undo) {
      if (u.old === null) d.store.s.deleteItem.run(m.tid, u.pk, u.sk);
      else d.store.s.putItem.run(m.tid, u.pk, u.sk, u.old, itemSize(decodeItem(u.old)), null);
    }
    return m;
  });
  for (const idx of meta.gsis.concat(meta.lsis)) d.engine.backfill(meta, idx.iid);
  return { TableDescription: describe(d, meta, TableStatus.CREATING, false) };
}
