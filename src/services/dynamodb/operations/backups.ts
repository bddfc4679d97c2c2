/**
 * On-demand backups: CreateBackup snapshots a table's definition and items (copied inside one
 * transaction, so the snapshot is consistent); RestoreTableFromBackup creates a new table from it and
 * rebuilds its indexes; DescribeBackup, ListBackups, DeleteBackup. Backups are AVAILABLE at once.
 * Gap: index overrides on restore are refused.
 */
import type {
  BackupDescription,
  BackupDetails,
  CreateBackupInput,
  CreateBackupOutput,
  DeleteBackupInput,
  DeleteBackupOutput,
  DescribeBackupInput,
  DescribeBackupOutput,
  ListBackupsInput,
  ListBackupsOutput,
  RestoreTableFromBackupInput,
  RestoreTableFromBackupOutput,
} from "../../../aws/api/dynamodb.js";
import { constraintMessage, ServiceError } from "../../../aws/errors.js";
import { arn } from "../../../core/arn.js";
import type { RequestContext } from "../../../edge/context.js";
import { TableStatus } from "../constants.js";
import type { TableMeta } from "../store.js";
import { checkTableName, nameViolations, tableNameOf, validation } from "../validate.js";
import type { Dynamo } from "./context.js";
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
  const v = nameViolations(input.TargetTableName, "targetTableName", 1, 255);
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
