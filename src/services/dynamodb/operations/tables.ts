/** Control plane: CreateTable, DescribeTable, UpdateTable, DeleteTable, ListTables, TTL, tags, limits. */
import type {
  CreateTableInput,
  CreateTableOutput,
  DeleteResourcePolicyInput,
  DeleteResourcePolicyOutput,
  DeleteTableInput,
  DeleteTableOutput,
  DescribeTableInput,
  DescribeTableOutput,
  DescribeTimeToLiveInput,
  DescribeTimeToLiveOutput,
  GetResourcePolicyInput,
  GetResourcePolicyOutput,
  ListTablesInput,
  ListTablesOutput,
  ListTagsOfResourceInput,
  ListTagsOfResourceOutput,
  PutResourcePolicyInput,
  PutResourcePolicyOutput,
  TableDescription,
  TagResourceInput,
  UntagResourceInput,
  UpdateTableInput,
  UpdateTableOutput,
  UpdateTimeToLiveInput,
  UpdateTimeToLiveOutput,
} from "../../../aws/api/dynamodb.js";
import { constraintMessage, ServiceError } from "../../../aws/errors.js";
import { arn } from "../../../core/arn.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits, TableStatus } from "../constants.js";
import type { IndexMeta, KeyType, TableMeta } from "../store.js";
import { checkGsi, checkTableName, checkTags, invalid, nameViolations, notFound, tableNameOf, validateCreateTable, validation } from "../validate.js";
import { isCreating, requireTable, type Dynamo } from "./context.js";
import { describeWarm, raiseWarm } from "./warm.js";

const VIEW_TYPES = ["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"];

export function createTable(d: Dynamo, ctx: RequestContext, input: CreateTableInput): CreateTableOutput {
  const parsed = validateCreateTable(input);
  const spec = input.StreamSpecification;
  if (spec?.StreamEnabled && !VIEW_TYPES.includes(spec.StreamViewType ?? ""))
    throw validation(spec.StreamViewType === undefined ? "1 validation error detected: Value null at 'streamSpecification.streamViewType' failed to satisfy constraint: StreamViewType is required when StreamEnabled is true" : constraintMessage([`Value '${spec.StreamViewType}' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]`]));
  if (spec && !spec.StreamEnabled && spec.StreamViewType) throw validation("One or more parameter values were invalid: StreamSpecification is invalid: StreamViewType must not be specified when StreamEnabled is false");
  if (input.Tags) checkTags(input.Tags);
  if (d.store.getTable(ctx.accountId, ctx.region, input.TableName)) throw new ServiceError("ResourceInUseException", `Table already exists: ${input.TableName}`, 400);
  const now = d.clock.now();
  let iid = 1;
  const status = TableStatus.ACTIVE;
  const tableArn = arn("dynamodb", ctx.region, ctx.accountId, `table/${input.TableName}`);
  let meta = d.store.insertTable({
    account: ctx.accountId,
    region: ctx.region,
    name: input.TableName,
    tableId: d.ids.uuid(),
    arn: tableArn,
    createdMs: now,
    attributeDefinitions: input.AttributeDefinitions.map((a) => ({ AttributeName: a.AttributeName, AttributeType: a.AttributeType })),
    hashKey: parsed.hashKey,
    hashType: parsed.hashType,
    rangeKey: parsed.rangeKey,
    rangeType: parsed.rangeType,
    billingMode: parsed.billingMode,
    billingModeChangedMs: parsed.billingMode === "PAY_PER_REQUEST" ? now : undefined,
    provisioned: parsed.provisioned,
    onDemand: input.OnDemandThroughput,
    warm: raiseWarm(undefined, input.WarmThroughput),
    gsis: parsed.gsis.map((g) => ({ ...g, iid: iid++, status })),
    lsis: parsed.lsis.map((l) => ({ ...l, iid: iid++, status })),
    nextIid: 0,
    sse: input.SSESpecification?.Enabled ? { enabled: true, sseType: input.SSESpecification.SSEType ?? "KMS", kmsKeyId: input.SSESpecification.KMSMasterKeyId } : undefined,
    tableClass: input.TableClass,
    deletionProtection: input.DeletionProtectionEnabled ?? false,
    tags: input.Tags ?? [],
    resourcePolicy: input.ResourcePolicy,
    activeAtMs: d.createDelayMs > 0 ? now + d.createDelayMs : undefined,
  });
  meta.nextIid = iid;
  if (spec?.StreamEnabled) {
    const s = d.streams.open(meta, spec.StreamViewType!);
    meta.stream = { ...s, viewType: spec.StreamViewType!, enabled: true };
  }
  d.store.saveTable(meta);
  meta = d.store.getTable(ctx.accountId, ctx.region, input.TableName)!;
  // AWS answers CREATING and turns ACTIVE shortly after; Skyport's after --dynamodb-create-seconds (default 0).
  return { TableDescription: describe(d, meta, TableStatus.CREATING, false) };
}

/** The TableDescription AWS returns; counts are computed on the spot (AWS refreshes them every ~6 hours). */
export function describe(d: Dynamo, meta: TableMeta, status: string = isCreating(d, meta) ? TableStatus.CREATING : TableStatus.ACTIVE, counts = true): TableDescription {
  const now = d.clock.now();
  const stats = counts ? d.store.describeStats(meta.tid, undefined, now) : { count: 0, size: 0 };
  const keySchema = (h: string, r?: string) => (r ? [{ AttributeName: h, KeyType: "HASH" }, { AttributeName: r, KeyType: "RANGE" }] : [{ AttributeName: h, KeyType: "HASH" }]);
  const projection = (i: IndexMeta) => (i.nonKeyAttributes ? { ProjectionType: i.projectionType, NonKeyAttributes: i.nonKeyAttributes } : { ProjectionType: i.projectionType });
  const throughput = (p?: { read: number; write: number }) => ({ NumberOfDecreasesToday: 0, ReadCapacityUnits: p?.read ?? 0, WriteCapacityUnits: p?.write ?? 0 });
  const out: TableDescription = {
    AttributeDefinitions: meta.attributeDefinitions,
    TableName: meta.name,
    KeySchema: keySchema(meta.hashKey, meta.rangeKey),
    TableStatus: status,
    CreationDateTime: new Date(meta.createdMs),
    ProvisionedThroughput: throughput(meta.billingMode === "PROVISIONED" ? meta.provisioned : undefined),
    TableSizeBytes: stats.size,
    ItemCount: stats.count,
    TableArn: meta.arn,
    TableId: meta.tableId,
  };
  out.BillingModeSummary =
    meta.billingModeChangedMs !== undefined ? { BillingMode: meta.billingMode, LastUpdateToPayPerRequestDateTime: new Date(meta.billingModeChangedMs) } : { BillingMode: meta.billingMode };
  if (meta.lsis.length)
    out.LocalSecondaryIndexes = meta.lsis.map((i) => {
      const s = counts ? d.store.describeStats(meta.tid, i.iid, now) : { count: 0, size: 0 };
      return { IndexName: i.name, KeySchema: keySchema(i.hashKey, i.rangeKey), Projection: projection(i), IndexSizeBytes: s.size, ItemCount: s.count, IndexArn: `${meta.arn}/index/${i.name}` };
    });
  if (meta.gsis.length)
    out.GlobalSecondaryIndexes = meta.gsis.map((i) => {
      const s = counts ? d.store.describeStats(meta.tid, i.iid, now) : { count: 0, size: 0 };
      const g: NonNullable<TableDescription["GlobalSecondaryIndexes"]>[number] = {
        IndexName: i.name,
        KeySchema: keySchema(i.hashKey, i.rangeKey),
        Projection: projection(i),
        IndexStatus: status === TableStatus.CREATING ? TableStatus.CREATING : i.status,
        ProvisionedThroughput: throughput(meta.billingMode === "PROVISIONED" ? i.provisioned : undefined),
        IndexSizeBytes: s.size,
        ItemCount: s.count,
        IndexArn: `${meta.arn}/index/${i.name}`,
      };
      if (i.onDemand) g.OnDemandThroughput = i.onDemand;
      g.WarmThroughput = describeWarm(i.warm, meta.billingMode === "PROVISIONED" ? i.provisioned : undefined, g.IndexStatus === TableStatus.CREATING ? TableStatus.CREATING : TableStatus.ACTIVE);
      return g;
    });
  if (meta.stream) {
    out.StreamSpecification = meta.stream.enabled ? { StreamEnabled: true, StreamViewType: meta.stream.viewType } : { StreamEnabled: false };
    out.LatestStreamLabel = meta.stream.label;
    out.LatestStreamArn = meta.stream.arn;
  }
  if (meta.sse?.enabled) out.SSEDescription = { Status: "ENABLED", SSEType: meta.sse.sseType ?? "KMS", KMSMasterKeyArn: meta.sse.kmsKeyId ?? arn("kms", meta.region, meta.account, "key/00000000-0000-4000-8000-000000000000") };
  if (meta.tableClass) out.TableClassSummary = { TableClass: meta.tableClass };
  if (meta.onDemand) out.OnDemandThroughput = meta.onDemand;
  out.DeletionProtectionEnabled = meta.deletionProtection;
  out.WarmThroughput = describeWarm(meta.warm, meta.billingMode === "PROVISIONED" ? meta.provisioned : undefined, status === TableStatus.CREATING ? TableStatus.CREATING : TableStatus.ACTIVE);
  return out;
}

const beingCreated = (name: string) => new ServiceError("ResourceInUseException", `Attempt to change a resource which is still in use: Table is being created: ${name}`, 400);
const tableNotFound = (name: string) => notFound(`Requested resource not found: Table: ${name} not found`);

export function describeTable(d: Dynamo, ctx: RequestContext, input: DescribeTableInput): DescribeTableOutput {
  checkTableName(input.TableName);
  const meta = d.store.getTable(ctx.accountId, ctx.region, tableNameOf(input.TableName));
  if (!meta) throw tableNotFound(tableNameOf(input.TableName));
  return { Table: describe(d, meta) };
}

export function deleteTable(d: Dynamo, ctx: RequestContext, input: DeleteTableInput): DeleteTableOutput {
  checkTableName(input.TableName);
  const meta = d.store.getTable(ctx.accountId, ctx.region, tableNameOf(input.TableName));
  if (!meta) throw tableNotFound(tableNameOf(input.TableName));
  if (isCreating(d, meta)) throw beingCreated(meta.name);
  if (meta.deletionProtection) throw validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
  const full = describe(d, meta, TableStatus.DELETING);
  // DeleteTable answers a short description: no key schema, attributes, indexes or stream.
  const description: TableDescription = {};
  for (const k of ["TableName", "TableStatus", "ProvisionedThroughput", "TableSizeBytes", "ItemCount", "TableArn", "TableId", "BillingModeSummary", "DeletionProtectionEnabled"] as const)
    if (full[k] !== undefined) (description as Record<string, unknown>)[k] = full[k];
  d.store.deleteTable(meta);
  if (meta.stream?.enabled) d.streams.close(meta.stream.arn);
  return { TableDescription: description };
}

export function listTables(d: Dynamo, ctx: RequestContext, input: ListTablesInput): ListTablesOutput {
  const v: string[] = [];
  if (input.Limit !== undefined && input.Limit < 1) v.push(`Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  if (input.Limit !== undefined && input.Limit > Limits.MAX_LIST_TABLES) v.push(`Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`);
  v.push(...nameViolations(input.ExclusiveStartTableName, "exclusiveStartTableName", 1, 1024));
  if (v.length) throw validation(constraintMessage(v));
  const limit = input.Limit ?? Limits.MAX_LIST_TABLES;
  const names = d.store.listTables(ctx.accountId, ctx.region, input.ExclusiveStartTableName ?? "", limit + 1);
  const out: ListTablesOutput = { TableNames: names.slice(0, limit) };
  if (names.length > limit) out.LastEvaluatedTableName = names[limit - 1];
  return out;
}

export function updateTable(d: Dynamo, ctx: RequestContext, input: UpdateTableInput): UpdateTableOutput {
  checkTableName(input.TableName);
  const found = d.store.getTable(ctx.accountId, ctx.region, tableNameOf(input.TableName));
  if (!found) throw tableNotFound(tableNameOf(input.TableName));
  if (isCreating(d, found)) throw beingCreated(found.name);
  const meta: TableMeta = structuredClone(found);
  const anything =
    input.ProvisionedThroughput || input.BillingMode || input.StreamSpecification || input.GlobalSecondaryIndexUpdates || input.SSESpecification ||
    input.ReplicaUpdates || input.TableClass || input.DeletionProtectionEnabled !== undefined || input.OnDemandThroughput || input.WarmThroughput;
  if (!anything) throw validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  if (input.ReplicaUpdates) throw validation("Skyport does not support global table replicas (ReplicaUpdates)");
  const now = d.clock.now();

  if (input.BillingMode) {
    if (input.BillingMode !== "PROVISIONED" && input.BillingMode !== "PAY_PER_REQUEST")
      throw validation(constraintMessage([`Value '${input.BillingMode}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]`]));
    if (input.BillingMode === "PAY_PER_REQUEST" && input.ProvisionedThroughput)
      throw invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
    if (input.BillingMode === "PROVISIONED" && meta.billingMode === "PAY_PER_REQUEST" && !input.ProvisionedThroughput)
      throw invalid("ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
    if (input.BillingMode !== meta.billingMode) {
      meta.billingMode = input.BillingMode;
      meta.billingModeChangedMs = now;
      if (input.BillingMode === "PAY_PER_REQUEST") for (const g of meta.gsis) g.provisioned = undefined;
      else for (const g of meta.gsis) g.provisioned ??= { read: input.ProvisionedThroughput!.ReadCapacityUnits, write: input.ProvisionedThroughput!.WriteCapacityUnits };
    }
  }
  if (input.ProvisionedThroughput) {
    if (meta.billingMode === "PAY_PER_REQUEST") throw invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
    const pt = input.ProvisionedThroughput;
    if (!input.BillingMode && pt.ReadCapacityUnits === meta.provisioned.read && pt.WriteCapacityUnits === meta.provisioned.write && !input.GlobalSecondaryIndexUpdates && !input.StreamSpecification)
      throw validation(`The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: ${pt.ReadCapacityUnits}. Requested ReadCapacityUnits: ${pt.ReadCapacityUnits}. Current WriteCapacityUnits provisioned for the table: ${pt.WriteCapacityUnits}. Requested WriteCapacityUnits: ${pt.WriteCapacityUnits}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.`);
    meta.provisioned = { read: pt.ReadCapacityUnits, write: pt.WriteCapacityUnits };
  }
  if (input.OnDemandThroughput) meta.onDemand = input.OnDemandThroughput;
  meta.warm = raiseWarm(meta.warm, input.WarmThroughput);
  if (input.DeletionProtectionEnabled !== undefined) meta.deletionProtection = input.DeletionProtectionEnabled;
  if (input.TableClass) meta.tableClass = input.TableClass;
  if (input.SSESpecification) meta.sse = input.SSESpecification.Enabled === false ? undefined : { enabled: true, sseType: input.SSESpecification.SSEType ?? "KMS", kmsKeyId: input.SSESpecification.KMSMasterKeyId };

  const backfills: number[] = [];
  const dropped: number[] = [];
  if (input.GlobalSecondaryIndexUpdates) {
    if (input.GlobalSecondaryIndexUpdates.length > 1 && input.GlobalSecondaryIndexUpdates.filter((u) => u.Create || u.Delete).length > 1)
      throw validation("Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table");
    const defs = new Map(meta.attributeDefinitions.map((a) => [a.AttributeName, a.AttributeType as KeyType]));
    for (const a of input.AttributeDefinitions ?? []) {
      const known = defs.get(a.AttributeName);
      if (known && known !== a.AttributeType) throw invalid(`Cannot change the type of an existing attribute definition. AttributeName: ${a.AttributeName}`);
      defs.set(a.AttributeName, a.AttributeType as KeyType);
    }
    for (const u of input.GlobalSecondaryIndexUpdates) {
      if (u.Create) {
        if (meta.gsis.some((g) => g.name === u.Create!.IndexName) || meta.lsis.some((l) => l.name === u.Create!.IndexName))
          throw invalid(`Attempting to create an index which already exists`);
        if (meta.gsis.length >= Limits.MAX_GSI_PER_TABLE) throw invalid(`GlobalSecondaryIndex count exceeds the per-table limit of ${Limits.MAX_GSI_PER_TABLE}`);
        const g = checkGsi(u.Create, [...defs.keys()], defs, meta.billingMode);
        const iid = meta.nextIid++;
        meta.gsis.push({ ...g, iid, status: TableStatus.ACTIVE });
        backfills.push(iid);
        for (const k of [g.hashKey, g.rangeKey]) {
          if (k && !meta.attributeDefinitions.some((a) => a.AttributeName === k)) meta.attributeDefinitions.push({ AttributeName: k, AttributeType: defs.get(k)! });
        }
      } else if (u.Delete) {
        const i = meta.gsis.findIndex((g) => g.name === u.Delete!.IndexName);
        if (i < 0) throw notFound(`Requested resource not found: Index: ${u.Delete.IndexName} not found`);
        dropped.push(meta.gsis[i]!.iid);
        meta.gsis.splice(i, 1);
      } else if (u.Update) {
        const g = meta.gsis.find((x) => x.name === u.Update!.IndexName);
        if (!g) throw notFound(`Requested resource not found: Index: ${u.Update.IndexName} not found`);
        if (u.Update.ProvisionedThroughput) {
          if (meta.billingMode === "PAY_PER_REQUEST") throw invalid(`ProvisionedThroughput should not be specified for index: ${g.name} when BillingMode is PAY_PER_REQUEST`);
          g.provisioned = { read: u.Update.ProvisionedThroughput.ReadCapacityUnits, write: u.Update.ProvisionedThroughput.WriteCapacityUnits };
        }
        if (u.Update.OnDemandThroughput) g.onDemand = u.Update.OnDemandThroughput;
        g.warm = raiseWarm(g.warm, u.Update.WarmThroughput);
      }
    }
    // Keep only the definitions some key still uses, as AWS does.
    const used = new Set([meta.hashKey, meta.rangeKey, ...meta.gsis.flatMap((g) => [g.hashKey, g.rangeKey]), ...meta.lsis.flatMap((l) => [l.hashKey, l.rangeKey])]);
    meta.attributeDefinitions = meta.attributeDefinitions.filter((a) => used.has(a.AttributeName));
  }

  const spec = input.StreamSpecification;
  if (spec) {
    if (spec.StreamEnabled) {
      if (!VIEW_TYPES.includes(spec.StreamViewType ?? "")) throw validation("One or more parameter values were invalid: StreamSpecification is invalid: StreamViewType must be specified when StreamEnabled is true");
      if (meta.stream?.enabled) throw validation(`Table already has an enabled stream: ${meta.stream.arn}`);
      const s = d.streams.open(meta, spec.StreamViewType!);
      meta.stream = { ...s, viewType: spec.StreamViewType!, enabled: true };
    } else {
      if (!meta.stream?.enabled) throw validation(`Table already has no stream enabled`);
      d.streams.close(meta.stream.arn);
      meta.stream = { ...meta.stream, enabled: false };
    }
  }

  d.store.tx(() => {
    for (const iid of dropped) d.store.s.deleteIndexItemsOfIndex.run(meta.tid, iid);
    d.store.saveTable(meta);
  });
  for (const iid of backfills) d.engine.backfill(meta, iid);
  const out = describe(d, meta, TableStatus.UPDATING);
  // The answer to a request that raised warm throughput shows it UPDATING, as AWS's does; it is ACTIVE at once.
  if (input.WarmThroughput) out.WarmThroughput!.Status = TableStatus.UPDATING;
  for (const u of input.GlobalSecondaryIndexUpdates ?? []) {
    const g = u.Update?.WarmThroughput && out.GlobalSecondaryIndexes?.find((x) => x.IndexName === u.Update!.IndexName);
    if (g) g.WarmThroughput!.Status = TableStatus.UPDATING;
  }
  return { TableDescription: out };
}

export function updateTimeToLive(d: Dynamo, ctx: RequestContext, input: UpdateTimeToLiveInput): UpdateTimeToLiveOutput {
  const found = requireTable(d, ctx, input.TableName, `Requested resource not found: Table: ${tableNameOf(input.TableName)} not found`);
  const spec = input.TimeToLiveSpecification;
  if (!spec.AttributeName) throw validation(constraintMessage(["Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1"]));
  if (spec.Enabled && found.ttl?.enabled) throw validation("TimeToLive is already enabled");
  if (!spec.Enabled && !found.ttl?.enabled) throw validation("TimeToLive is already disabled");
  if (!spec.Enabled && found.ttl && found.ttl.attribute !== spec.AttributeName) throw validation(`TimeToLive is active on a different AttributeName: current AttributeName is ${found.ttl.attribute}`);
  const meta: TableMeta = { ...found, ttl: { attribute: spec.AttributeName, enabled: spec.Enabled } };
  d.store.saveTable(meta);
  d.engine.refreshExpiry(meta);
  return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
}

export function describeTimeToLive(d: Dynamo, ctx: RequestContext, input: DescribeTimeToLiveInput): DescribeTimeToLiveOutput {
  const meta = requireTable(d, ctx, input.TableName, `Requested resource not found: Table: ${tableNameOf(input.TableName)} not found`);
  if (!meta.ttl?.enabled) return { TimeToLiveDescription: { TimeToLiveStatus: "DISABLED" } };
  return { TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: meta.ttl.attribute } };
}

/** The table an ARN names, for the tagging operations. */
function tableOfArn(d: Dynamo, ctx: RequestContext, resourceArn: string): TableMeta {
  const m = /^arn:aws[a-z-]*:dynamodb:([^:]+):(\d{12}):table\/([a-zA-Z0-9_.-]{3,255})$/.exec(resourceArn);
  if (!m) throw validation("Invalid TableArn");
  const meta = m[1] === ctx.region && m[2] === ctx.accountId ? d.store.getTable(ctx.accountId, ctx.region, m[3]!) : undefined;
  if (!meta) throw notFound(`Requested resource not found: ResourcArn: ${resourceArn} not found`);
  return meta;
}

export function tagResource(d: Dynamo, ctx: RequestContext, input: TagResourceInput): void {
  const meta = structuredClone(tableOfArn(d, ctx, input.ResourceArn));
  if (!input.Tags.length) throw validation("1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1");
  checkTags(input.Tags);
  for (const t of input.Tags) {
    const i = meta.tags.findIndex((x) => x.Key === t.Key);
    if (i >= 0) meta.tags[i] = { Key: t.Key, Value: t.Value };
    else meta.tags.push({ Key: t.Key, Value: t.Value });
  }
  if (meta.tags.length > 50) throw validation("One or more parameter values were invalid: The number of tags exceeds the limit of 50");
  d.store.saveTable(meta);
}

export function untagResource(d: Dynamo, ctx: RequestContext, input: UntagResourceInput): void {
  const meta = structuredClone(tableOfArn(d, ctx, input.ResourceArn));
  meta.tags = meta.tags.filter((t) => !input.TagKeys.includes(t.Key));
  d.store.saveTable(meta);
}

const policyNotFound = (detail: string) => new ServiceError("PolicyNotFoundException", `Resource-based policy not found for the provided ResourceArn: ${detail}`, 400);
const revisionMismatch = (table: string, expected: string, current: string | undefined) =>
  policyNotFound(`Requested update for policy with revision id ${expected}, but the policy associated to target table ${table} has revision id ${current ?? "NO_POLICY"}.`);

/** The table of a resource-policy request; a missing one is named as AWS names it. */
function policyTable(d: Dynamo, ctx: RequestContext, resourceArn: string): TableMeta {
  const m = /^arn:aws[a-z-]*:dynamodb:([^:]+):(\d{12}):table\/([a-zA-Z0-9_.-]{3,255})$/.exec(resourceArn);
  if (!m) throw validation("Invalid TableArn");
  const meta = m[1] === ctx.region && m[2] === ctx.accountId ? d.store.getTable(ctx.accountId, ctx.region, m[3]!) : undefined;
  if (!meta) throw notFound(`Requested resource not found: Table: ${m[3]} not found`);
  return meta;
}

/**
 * Resource-based policies are stored and returned, and join --enforce-iam decisions (src/aws/policy/resource-policies.ts).
 * Putting the same policy again changes nothing (same revision id); ExpectedRevisionId "NO_POLICY" asks
 * that the table has no policy yet.
 */
export function putResourcePolicy(d: Dynamo, ctx: RequestContext, input: PutResourcePolicyInput): PutResourcePolicyOutput {
  const meta = structuredClone(policyTable(d, ctx, input.ResourceArn));
  try {
    JSON.parse(input.Policy);
  } catch {
    throw validation("Invalid policy document: the policy is not valid JSON");
  }
  const expected = input.ExpectedRevisionId;
  const current = meta.resourcePolicy ? meta.policyRevision ?? String(meta.createdMs) : undefined;
  if (expected === "NO_POLICY" && current !== undefined)
    throw policyNotFound(`Requested policy update expecting none to be present for table ${meta.name}, but a policy exists with revision id ${current}.`);
  if (expected !== undefined && expected !== "NO_POLICY" && expected !== current) throw revisionMismatch(meta.name, expected, current);
  if (current !== undefined && meta.resourcePolicy === input.Policy) return { RevisionId: current };
  meta.resourcePolicy = input.Policy;
  meta.policyRevision = String(d.clock.now());
  d.store.saveTable(meta);
  return { RevisionId: meta.policyRevision };
}

export function getResourcePolicy(d: Dynamo, ctx: RequestContext, input: GetResourcePolicyInput): GetResourcePolicyOutput {
  const meta = policyTable(d, ctx, input.ResourceArn);
  if (!meta.resourcePolicy) throw new ServiceError("PolicyNotFoundException", `Resource-based policy not found for the provided ResourceArn: ${input.ResourceArn}`, 400);
  return { Policy: meta.resourcePolicy, RevisionId: meta.policyRevision ?? String(meta.createdMs) };
}

export function deleteResourcePolicy(d: Dynamo, ctx: RequestContext, input: DeleteResourcePolicyInput): DeleteResourcePolicyOutput {
  const meta = structuredClone(policyTable(d, ctx, input.ResourceArn));
  if (!meta.resourcePolicy) throw new ServiceError("PolicyNotFoundException", `Resource-based policy not found for the provided ResourceArn: ${input.ResourceArn}`, 400);
  const current = meta.policyRevision ?? String(meta.createdMs);
  if (input.ExpectedRevisionId !== undefined && input.ExpectedRevisionId !== current) throw revisionMismatch(meta.name, input.ExpectedRevisionId, current);
  const revision = String(d.clock.now());
  meta.resourcePolicy = undefined;
  meta.policyRevision = undefined;
  d.store.saveTable(meta);
  return { RevisionId: revision };
}

export function listTagsOfResource(d: Dynamo, ctx: RequestContext, input: ListTagsOfResourceInput): ListTagsOfResourceOutput {
  const meta = tableOfArn(d, ctx, input.ResourceArn);
  return { Tags: meta.tags };
}
