/**
 * DynamoDB on the embedded store: tables (CreateTable/DescribeTable/UpdateTable/DeleteTable/ListTables,
 * tags, TTL with a real sweeper, limits, endpoints), items (Put/Get/Update/Delete with condition,
 * projection and update expressions and the legacy parameters), Query/Scan (indexes, pagination, 1 MB
 * pages, parallel scan), batches, transactions, PartiQL (ORDER BY within a partition, EXISTS in
 * transactions), ConsumedCapacity (operations/capacity.ts: AWS's shapes per mode and its unit math), warm
 * throughput (reported and raised on request) and streams (read by the dynamodbstreams provider), on-demand
 * backups. Requests are validated whole before any table is looked up, in AWS's order.
 * The attribute-value, expression and PartiQL cores (values/, expressions/, partiql/) are reached only
 * through operations/deps.ts: one parser, one evaluator, one number type.
 *
 * On-demand backups and point-in-time recovery restore for real (operations/backups.ts).
 * Exports to S3 (ExportTableToPointInTime, DYNAMODB_JSON and ION, full exports) and imports from S3 (ImportTable:
 * DYNAMODB_JSON, ION, CSV; GZIP or none) run in the background against Skyport's S3 (export.ts, import.ts).
 * Known gaps against AWS: global tables, incremental exports, ZSTD imports, Kinesis streaming destinations and contributor insights are not
 * implemented; resource policies are enforced only with --enforce-iam (src/aws/policy/resource-policies.ts); throughput is never throttled (ConsumedCapacity
 * and WarmThroughput are reported, not enforced; a WarmThroughput below the current one is kept at the
 * current one, not refused, since AWS's refusal message is not known); a stream has one shard for its whole
 * life (so ShardFilter CHILD_SHARDS finds none); ItemCount/TableSizeBytes of tables over 100,000 items are
 * recounted at most once a minute. PartiQL ORDER BY needs the partition fixed by an equality (no IN across
 * partitions); its refusals, and EXISTS outside a transaction, use Skyport's own wording (AWS's is not known).
 * LSI reads that fetch non-projected attributes from the table are charged to the index only.
 * Deliberate differences: tables and indexes are ACTIVE as soon as CreateTable/UpdateTable answers
 * (CreateTable still answers CREATING; with --dynamodb-create-seconds the table stays CREATING that long); ItemCount/TableSizeBytes of smaller tables are exact
 * and current (AWS refreshes them about every six hours); the TTL sweeper runs every few seconds instead of within days.
 */
import type * as api from "../../aws/api/dynamodb.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { Limits } from "./constants.js";
import {
  createBackup,
  deleteBackup,
  describeBackup,
  describeContinuousBackups,
  listBackups,
  restoreTableFromBackup,
  restoreTableToPointInTime,
  trimPitrLog,
  updateContinuousBackups,
} from "./operations/backups.js";
import { batchGetItem, batchWriteItem } from "./operations/batch.js";
import { requireTable, type Dynamo } from "./operations/context.js";
import { ItemEngine } from "./operations/engine.js";
import { deleteItem, getItem, putItem, updateItem } from "./operations/items.js";
import { batchExecuteStatement, executeStatement, executeTransaction } from "./operations/partiql.js";
import { query, scan } from "./operations/query.js";
import * as tables from "./operations/tables.js";
import { transactGetItems, transactWriteItems } from "./operations/transact.js";
import { DynamoStore } from "./store.js";
import { StreamLog } from "./streams/log.js";
import { TtlSweeper } from "./ttl.js";
import { tableNameOf } from "./validate.js";
import { TableExports } from "./export.js";
import { TableImports } from "./import.js";
import { DynamoDbMetrics } from "../cloudwatch/dynamodb-metrics.js";

export class DynamoDbProvider implements api.DynamodbHandlers {
  readonly d: Dynamo;
  readonly ttl: TtlSweeper;
  private readonly exports: TableExports;
  private readonly imports: TableImports;
  private readonly metrics: DynamoDbMetrics;

  constructor(env: ServiceEnv) {
    const store = new DynamoStore(env.store);
    const streams = new StreamLog(store, env.clock, env.ids);
    const engine = new ItemEngine(store, streams, env.clock);
    this.d = { store, engine, streams, clock: env.clock, ids: env.ids, createDelayMs: env.config.dynamodbCreateMs ?? 0 };
    this.ttl = new TtlSweeper(store, engine, env.clock, env.log, () => {
      streams.trim();
      trimPitrLog(this.d);
    });
    this.ttl.start();
    this.exports = new TableExports(env, this.d);
    this.imports = new TableImports(env, this.exports.rows);
    this.metrics = new DynamoDbMetrics(env.services, () => env.clock.now());
  }

  // Exports to and imports from S3 (export.ts, import.ts).
  ExportTableToPointInTime(ctx: RequestContext, input: api.ExportTableToPointInTimeInput): api.ExportTableToPointInTimeOutput {
    return this.exports.start(ctx, input);
  }
  DescribeExport(ctx: RequestContext, input: api.DescribeExportInput): api.DescribeExportOutput {
    return this.exports.describe(ctx, input);
  }
  ListExports(ctx: RequestContext, input: api.ListExportsInput): api.ListExportsOutput {
    return this.exports.list(ctx, input);
  }
  ImportTable(ctx: RequestContext, input: api.ImportTableInput): Promise<api.ImportTableOutput> {
    return this.imports.start(ctx, input);
  }
  DescribeImport(ctx: RequestContext, input: api.DescribeImportInput): api.DescribeImportOutput {
    return this.imports.describe(ctx, input);
  }
  ListImports(ctx: RequestContext, input: api.ListImportsInput): api.ListImportsOutput {
    return this.imports.list(ctx, input);
  }

  CreateTable(ctx: RequestContext, input: api.CreateTableInput): api.CreateTableOutput {
    return tables.createTable(this.d, ctx, input);
  }
  DescribeTable(ctx: RequestContext, input: api.DescribeTableInput): api.DescribeTableOutput {
    return tables.describeTable(this.d, ctx, input);
  }
  UpdateTable(ctx: RequestContext, input: api.UpdateTableInput): api.UpdateTableOutput {
    return tables.updateTable(this.d, ctx, input);
  }
  DeleteTable(ctx: RequestContext, input: api.DeleteTableInput): api.DeleteTableOutput {
    return tables.deleteTable(this.d, ctx, input);
  }
  ListTables(ctx: RequestContext, input: api.ListTablesInput): api.ListTablesOutput {
    return tables.listTables(this.d, ctx, input);
  }
  UpdateTimeToLive(ctx: RequestContext, input: api.UpdateTimeToLiveInput): api.UpdateTimeToLiveOutput {
    return tables.updateTimeToLive(this.d, ctx, input);
  }
  DescribeTimeToLive(ctx: RequestContext, input: api.DescribeTimeToLiveInput): api.DescribeTimeToLiveOutput {
    return tables.describeTimeToLive(this.d, ctx, input);
  }
  TagResource(ctx: RequestContext, input: api.TagResourceInput): api.TagResourceOutput {
    tables.tagResource(this.d, ctx, input);
    return {};
  }
  UntagResource(ctx: RequestContext, input: api.UntagResourceInput): api.UntagResourceOutput {
    tables.untagResource(this.d, ctx, input);
    return {};
  }
  ListTagsOfResource(ctx: RequestContext, input: api.ListTagsOfResourceInput): api.ListTagsOfResourceOutput {
    return tables.listTagsOfResource(this.d, ctx, input);
  }
  PutResourcePolicy(ctx: RequestContext, input: api.PutResourcePolicyInput): api.PutResourcePolicyOutput {
    return tables.putResourcePolicy(this.d, ctx, input);
  }
  GetResourcePolicy(ctx: RequestContext, input: api.GetResourcePolicyInput): api.GetResourcePolicyOutput {
    return tables.getResourcePolicy(this.d, ctx, input);
  }
  DeleteResourcePolicy(ctx: RequestContext, input: api.DeleteResourcePolicyInput): api.DeleteResourcePolicyOutput {
    return tables.deleteResourcePolicy(this.d, ctx, input);
  }
  DescribeLimits(): api.DescribeLimitsOutput {
    return {
      AccountMaxReadCapacityUnits: Limits.ACCOUNT_MAX_CAPACITY_UNITS,
      AccountMaxWriteCapacityUnits: Limits.ACCOUNT_MAX_CAPACITY_UNITS,
      TableMaxReadCapacityUnits: Limits.TABLE_MAX_CAPACITY_UNITS,
      TableMaxWriteCapacityUnits: Limits.TABLE_MAX_CAPACITY_UNITS,
    };
  }
  /** Points endpoint-discovery clients back at Skyport itself rather than at dynamodb.<region>.amazonaws.com. */
  DescribeEndpoints(ctx: RequestContext): api.DescribeEndpointsOutput {
    return { Endpoints: [{ Address: ctx.endpoint.replace(/^https?:\/\//, ""), CachePeriodInMinutes: 1440 }] };
  }

  DescribeContinuousBackups(ctx: RequestContext, input: api.DescribeContinuousBackupsInput): api.DescribeContinuousBackupsOutput {
    return describeContinuousBackups(this.d, ctx, input);
  }
  UpdateContinuousBackups(ctx: RequestContext, input: api.UpdateContinuousBackupsInput): api.UpdateContinuousBackupsOutput {
    return updateContinuousBackups(this.d, ctx, input);
  }
  RestoreTableToPointInTime(ctx: RequestContext, input: api.RestoreTableToPointInTimeInput): api.RestoreTableToPointInTimeOutput {
    return restoreTableToPointInTime(this.d, ctx, input);
  }
  CreateBackup(ctx: RequestContext, input: api.CreateBackupInput): api.CreateBackupOutput {
    return createBackup(this.d, ctx, input);
  }
  DescribeBackup(ctx: RequestContext, input: api.DescribeBackupInput): api.DescribeBackupOutput {
    return describeBackup(this.d, ctx, input);
  }
  DeleteBackup(ctx: RequestContext, input: api.DeleteBackupInput): api.DeleteBackupOutput {
    return deleteBackup(this.d, ctx, input);
  }
  ListBackups(ctx: RequestContext, input: api.ListBackupsInput): api.ListBackupsOutput {
    return listBackups(this.d, ctx, input);
  }
  RestoreTableFromBackup(ctx: RequestContext, input: api.RestoreTableFromBackupInput): api.RestoreTableFromBackupOutput {
    return restoreTableFromBackup(this.d, ctx, input);
  }

  /** Kinesis streaming destinations cannot be configured in Skyport, so a table has none. */
  DescribeKinesisStreamingDestination(ctx: RequestContext, input: api.DescribeKinesisStreamingDestinationInput): api.DescribeKinesisStreamingDestinationOutput {
    const meta = requireTable(this.d, ctx, input.TableName, `Requested resource not found: Table: ${tableNameOf(input.TableName)} not found`);
    return { TableName: meta.name, KinesisDataStreamDestinations: [] };
  }

  /** Contributor Insights cannot be enabled in Skyport, so it is DISABLED for every table and index. */
  DescribeContributorInsights(ctx: RequestContext, input: api.DescribeContributorInsightsInput): api.DescribeContributorInsightsOutput {
    const meta = requireTable(this.d, ctx, input.TableName, `Requested resource not found: Table: ${tableNameOf(input.TableName)} not found`);
    if (input.IndexName && !meta.gsis.some((g) => g.name === input.IndexName) && !meta.lsis.some((l) => l.name === input.IndexName))
      throw new ServiceError("ResourceNotFoundException", `Requested resource not found: Index: ${input.IndexName} not found`, 400);
    const out: api.DescribeContributorInsightsOutput = { TableName: meta.name, ContributorInsightsStatus: "DISABLED" };
    if (input.IndexName) out.IndexName = input.IndexName;
    return out;
  }

  ListContributorInsights(ctx: RequestContext, input: api.ListContributorInsightsInput): api.ListContributorInsightsOutput {
    if (input.TableName) requireTable(this.d, ctx, input.TableName);
    return { ContributorInsightsSummaries: [] };
  }

  PutItem(ctx: RequestContext, input: api.PutItemInput): api.PutItemOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "PutItem", input, () => [input.TableName], () => undefined, () => putItem(this.d, ctx, input));
  }
  GetItem(ctx: RequestContext, input: api.GetItemInput): api.GetItemOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "GetItem", input, () => [input.TableName], () => undefined, () => getItem(this.d, ctx, input));
  }
  UpdateItem(ctx: RequestContext, input: api.UpdateItemInput): api.UpdateItemOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "UpdateItem", input, () => [input.TableName], () => undefined, () => updateItem(this.d, ctx, input));
  }
  DeleteItem(ctx: RequestContext, input: api.DeleteItemInput): api.DeleteItemOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "DeleteItem", input, () => [input.TableName], () => undefined, () => deleteItem(this.d, ctx, input));
  }
  Query(ctx: RequestContext, input: api.QueryInput): api.QueryOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "Query", input, () => [input.TableName], () => undefined, () => query(this.d, ctx, input));
  }
  Scan(ctx: RequestContext, input: api.ScanInput): api.ScanOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "Scan", input, () => [input.TableName], () => undefined, () => scan(this.d, ctx, input));
  }
  BatchGetItem(ctx: RequestContext, input: api.BatchGetItemInput): api.BatchGetItemOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "BatchGetItem", input, () => Object.keys(input.RequestItems ?? {}), () => undefined, () => batchGetItem(this.d, ctx, input));
  }
  BatchWriteItem(ctx: RequestContext, input: api.BatchWriteItemInput): api.BatchWriteItemOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "BatchWriteItem", input, () => Object.keys(input.RequestItems ?? {}), () => undefined, () => batchWriteItem(this.d, ctx, input));
  }
  TransactWriteItems(ctx: RequestContext, input: api.TransactWriteItemsInput): api.TransactWriteItemsOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "TransactWriteItems", input, () => transactTables(input.TransactItems), () => undefined, () => transactWriteItems(this.d, ctx, input));
  }
  TransactGetItems(ctx: RequestContext, input: api.TransactGetItemsInput): api.TransactGetItemsOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "TransactGetItems", input, () => transactTables(input.TransactItems), () => undefined, () => transactGetItems(this.d, ctx, input));
  }
  ExecuteStatement(ctx: RequestContext, input: api.ExecuteStatementInput): api.ExecuteStatementOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "ExecuteStatement", input, () => statementTables([input.Statement]), () => input.Statement, () => executeStatement(this.d, ctx, input));
  }
  BatchExecuteStatement(ctx: RequestContext, input: api.BatchExecuteStatementInput): api.BatchExecuteStatementOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "BatchExecuteStatement", input, () => statementTables((input.Statements ?? []).map((x) => x.Statement)), () => input.Statements?.[0]?.Statement, () => batchExecuteStatement(this.d, ctx, input));
  }
  ExecuteTransaction(ctx: RequestContext, input: api.ExecuteTransactionInput): api.ExecuteTransactionOutput {
    return this.metrics.run(ctx.accountId, ctx.region, "ExecuteTransaction", input, () => statementTables((input.TransactStatements ?? []).map((x) => x.Statement)), () => undefined, () => executeTransaction(this.d, ctx, input));
  }

  /** The table's resource policy for --enforce-iam (src/aws/policy/resource-policies.ts); also for its indexes and streams. */
  resourcePolicy(arn: string): string | undefined {
    const m = /^arn:aws[a-z-]*:dynamodb:([^:]+):(\d{12}):table\/([a-zA-Z0-9_.-]{3,255})(?:\/|$)/.exec(arn);
    return m ? this.d.store.getTable(m[2]!, m[1]!, m[3]!)?.resourcePolicy : undefined;
  }

  /** Runs one TTL pass now (tests; the timer runs it every few seconds). */
  sweepExpired(): number {
    return this.ttl.sweep();
  }

  reset(): void {
    this.d.store.forgetCache();
  }

  close(): void {
    this.ttl.stop();
  }
}

export const createProvider = (env: ServiceEnv) => new DynamoDbProvider(env);

/** The tables a transaction names (for its metrics). */
function transactTables(items: Array<Record<string, { TableName?: string } | undefined>> | undefined): string[] {
  const out = new Set<string>();
  for (const it of items ?? []) for (const arm of Object.values(it)) if (arm?.TableName) out.add(arm.TableName);
  return [...out];
}

/** The tables PartiQL statements name: the quoted or bare identifier after FROM / INTO / UPDATE / DELETE FROM. */
function statementTables(statements: Array<string | undefined>): string[] {
  const out = new Set<string>();
  for (const s of statements) {
    const m = /\b(?:from|into|update)\s+"?([A-Za-z0-9_.-]{1,255})"?/i.exec((s ?? "").slice(0, 8192));
    if (m) out.add(m[1]!);
  }
  return [...out];
}
