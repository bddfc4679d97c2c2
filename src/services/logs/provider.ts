/**
 * CloudWatch Logs (json 1.1): log groups and streams (DescribeLogGroups and the newer ListLogGroups, added
 * to the model by src/aws/models/patches/logs.json), events (PutLogEvents, GetLogEvents with forward and
 * backward tokens, FilterLogEvents with AWS's filter pattern syntax; %regex% on the linear-time engine of
 * core/user-regex.ts), retention with real expiry (a sweeper on env.clock; `sweepExpired()` runs one pass),
 * tags (log-group and resource-ARN APIs), metric filters (stored) and TestMetricFilter, subscription filters
 * with delivery to Lambda (operations/subscriptions.ts), Logs Insights queries (insights/: fields, filter,
 * stats count/sum/avg/min/max/count_distinct by fields and bin(), sort, limit, display, parse;
 * GetLogRecord for a result's @ptr; query definitions), export tasks to this server's S3 (export-tasks.ts:
 * gzip files per stream as AWS lays them out; PENDING → RUNNING → COMPLETED in the background), and,
 * stored and returned but not acted on: resource policies, destinations, delivery sources, delivery
 * destinations and deliveries (operations/objects.ts). Lambda writes each invocation's logs here in process.
 *
 * Known gaps against AWS: metric filters emit no CloudWatch metrics yet; subscription filters deliver only
 * to Lambda (Kinesis, Firehose and logs destinations are stored, nothing is sent; the role is not assumed);
 * resource policies are not enforced; deliveries move no logs; Logs Insights runs queries synchronously
 * (status is Complete at once, so StopQuery always finds them ended), has no dedup, unnest,
 * pattern, or the OpenSearch PPL/SQL languages, and results are the first 1,000,000 events of the
 * range; export tasks ignore bucket policies and KMS settings of the bucket; Live Tail, data-protection and account policies, anomaly
 * detectors and the newer operations the model lacks answer NotImplementedException; KMS keys are
 * recorded, not used; logGroupClass is recorded, not enforced.
 *
 * Deliberate differences: lastEventTimestamp is updated at once (AWS: eventually, within an hour); expired
 * events are deleted at the next sweep (AWS: up to 72 hours later); stream storedBytes is 0 as AWS reports
 * it since 2019, group storedBytes counts UTF-8 message bytes. PutLogEvents refuses an empty message with
 * the model's length error, as AWS does: in-process writers (Lambda) must not send empty lines.
 *
 * Messages not confirmed against AWS (no public record found; wording ours, codes AWS's): giving both or
 * neither of logGroupName/logGroupIdentifier, both logStreamNames and logStreamNamePrefix, both
 * logGroupNamePrefix and logGroupNamePattern, DeleteMetricFilter of a missing filter, DeleteDestination of
 * a missing destination, every delivery error (not found / in use), PutResourcePolicy with invalid JSON,
 * StartQuery's group-selection and time-range errors, GetLogRecord of a bad pointer, the
 * MalformedQueryException texts, StopQuery of an ended query, GetQueryResults of an unknown id, a missing
 * query definition, the error for a 6th regex filter pattern in a group (LimitExceededException here),
 * CreateExportTask with `to` before `from` or a bucket S3 refuses, CancelExportTask of a finished or missing task;
 * the PENDING status message ("Pending") and whether a message's own trailing newline is kept in export files.
 * Unconfirmed behaviour: unsorted Insights results come in event time order.
 */
import type * as L from "../../aws/api/logs.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { Limits, Messages, Patterns, RETENTION_DAYS } from "./constants.js";
import { groupArn, requireGroup, resolveGroup, sequenceToken } from "./operations/common.js";
import { listLogGroups } from "./operations/groups.js";
import { filterLogEvents, getLogEvents, putLogEvents, type StoredEvent } from "./operations/events.js";
import { deleteMetricFilter, describeMetricFilters, putMetricFilter, testMetricFilter } from "./operations/metric-filters.js";
import { listTagsForResource, listTagsLogGroup, tagLogGroup, tagResource, untagLogGroup, untagResource } from "./operations/tags.js";
import { ExportTasks } from "./export-tasks.js";
import { Insights } from "./operations/insights.js";
import { StoredObjects } from "./operations/objects.js";
import { Subscriptions } from "./operations/subscriptions.js";
import { LogsStore, type GroupRow, type StreamRow } from "./store.js";
import { decodePageToken, encodePageToken } from "./tokens.js";
import { alreadyExists, checks, checkStreamName, invalidParameter, notFound } from "./validate.js";

const DAY_MS = 24 * 3600 * 1000;
const LOG_GROUP_CLASSES = ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"] as const;
/** Sorts after any stream name (descending listings start below it). */
const MAX_NAME = "\u{10FFFF}";

type NameToken = { n: string };
type TimeToken = { t: number; i: number };
const isNameToken = (v: unknown): v is NameToken => typeof (v as NameToken)?.n === "string";
const isTimeToken = (v: unknown): v is TimeToken => Number.isSafeInteger((v as TimeToken)?.t) && Number.isSafeInteger((v as TimeToken)?.i);

export class LogsProvider implements L.LogsHandlers {
  readonly store: LogsStore;
  private readonly subs: Subscriptions;
  private readonly objects: StoredObjects;
  private readonly insights: Insights;
  private readonly exports: ExportTasks;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly env: ServiceEnv) {
    this.store = new LogsStore(env.store);
    this.subs = new Subscriptions(this.store, env);
    this.objects = new StoredObjects(this.store, env);
    this.insights = new Insights(this.store, env);
    this.exports = new ExportTasks(this.store, env);
    this.timer = setInterval(() => {
      try {
        this.sweepExpired();
      } catch (e) {
        env.log.warn("logs retention sweep failed", e);
      }
    }, Limits.RETENTION_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.exports.close();
  }

  reset(): void {
    this.store.clearCaches();
    this.subs.reset();
  }

  /** Deletes every event older than its group's retention (per env.clock); returns how many. */
  sweepExpired(): number {
    const now = this.env.clock.now();
    let deleted = 0;
    for (const g of this.store.s.groupsWithRetention!.all() as Array<{ id: number; retention: number }>) {
      const cutoff = now - g.retention * DAY_MS;
      const { bytes, n } = this.store.s.expiredBytes!.get(g.id, cutoff) as { bytes: number; n: number };
      if (!n) continue;
      this.store.tx(() => {
        this.store.s.deleteExpired!.run(g.id, cutoff);
        this.store.s.addBytes!.run(-bytes, g.id);
      });
      deleted += n;
    }
    return deleted;
  }

  // ------------------------------------------------------------------ log groups

  CreateLogGroup(ctx: RequestContext, input: L.CreateLogGroupInput): L.CreateLogGroupOutput {
    checks()
      .string(input.logGroupName, "logGroupName", 1, 512, Patterns.LOG_GROUP_NAME)
      .string(input.kmsKeyId, "kmsKeyId", 0, 256)
      .oneOf(input.logGroupClass, "logGroupClass", LOG_GROUP_CLASSES)
      .tags(input.tags, "tags")
      .throwIfAny();
    if (this.store.getGroup(ctx.accountId, ctx.region, input.logGroupName)) throw alreadyExists(Messages.GROUP_EXISTS);
    try {
      this.store.s.insertGroup!.run(ctx.accountId, ctx.region, input.logGroupName, ctx.clock.now(), input.kmsKeyId ?? null, input.logGroupClass ?? "STANDARD", JSON.stringify(input.tags ?? {}));
    } catch (e) {
      if ((e as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw alreadyExists(Messages.GROUP_EXISTS);
      throw e;
    }
    return {};
  }

  DeleteLogGroup(ctx: RequestContext, input: L.DeleteLogGroupInput): L.DeleteLogGroupOutput {
    const g = requireGroup(this.store, ctx, input.logGroupName);
    this.store.tx(() => {
      this.store.s.deleteGroupEvents!.run(g.id);
      this.store.s.deleteGroupStreams!.run(g.id);
      this.store.s.deleteGroupFilters!.run(g.id);
      this.store.s.deleteGroupSubscriptions!.run(g.id);
      this.store.s.deleteGroup!.run(g.id);
    });
    this.store.clearCaches();
    this.subs.forgetGroup(g.id);
    return {};
  }

  DescribeLogGroups(ctx: RequestContext, input: L.DescribeLogGroupsInput): L.DescribeLogGroupsOutput {
    checks()
      .string(input.logGroupNamePrefix, "logGroupNamePrefix", 1, 512, Patterns.LOG_GROUP_NAME)
      .string(input.logGroupNamePattern, "logGroupNamePattern", 0, 512, Patterns.LOG_GROUP_NAME_PATTERN)
      .range(input.limit, "limit", 1, Limits.MAX_DESCRIBE_LIMIT)
      .oneOf(input.logGroupClass, "logGroupClass", LOG_GROUP_CLASSES)
      .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
      .throwIfAny();
    if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) throw invalidParameter(Messages.PREFIX_AND_PATTERN);
    const after = input.nextToken !== undefined ? decodePageToken(input.nextToken, isNameToken).n : "";
    const prefix = input.logGroupNamePrefix ?? null;
    // API reference: "a case-sensitive substring search".
    const pattern = input.logGroupNamePattern;
    const limit = input.limit ?? Limits.MAX_DESCRIBE_LIMIT;
    const page: GroupRow[] = [];
    let more = false;
    for (const g of this.store.s.listGroups!.iterate(ctx.accountId, ctx.region, after, prefix, prefix, prefix) as IterableIterator<GroupRow>) {
      if (pattern && !g.name.includes(pattern)) continue;
      if (input.logGroupClass && g.class !== input.logGroupClass) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(g);
    }
    // "If you specify logGroupNamePattern in your request, then only arn, creationTime, and logGroupName are included in the response."
    const out: L.DescribeLogGroupsOutput = {
      logGroups: page.map((g) => (pattern !== undefined ? { logGroupName: g.name, creationTime: g.created, arn: `${groupArn(g)}:*` } : this.describeGroup(g))),
    };
    if (more) out.nextToken = encodePageToken({ n: page[page.length - 1]!.name } satisfies NameToken);
    return out;
  }

  ListLogGroups(ctx: RequestContext, input: L.ListLogGroupsInput): L.ListLogGroupsOutput {
    return listLogGroups(this.store, ctx, input);
  }

  private describeGroup(g: GroupRow): NonNullable<L.DescribeLogGroupsOutput["logGroups"]>[number] {
    const a = groupArn(g);
    const d: NonNullable<L.DescribeLogGroupsOutput["logGroups"]>[number] = { logGroupName: g.name, creationTime: g.created };
    if (g.retention !== null) d.retentionInDays = g.retention;
    d.metricFilterCount = (this.store.s.countFilters!.get(g.id) as { n: number }).n;
    d.arn = `${a}:*`;
    d.storedBytes = g.stored_bytes;
    if (g.kms) d.kmsKeyId = g.kms;
    d.logGroupClass = g.class;
    d.logGroupArn = a;
    return d;
  }

  PutRetentionPolicy(ctx: RequestContext, input: L.PutRetentionPolicyInput): L.PutRetentionPolicyOutput {
    checks().oneOf(input.retentionInDays, "retentionInDays", RETENTION_DAYS).throwIfAny();
    const g = requireGroup(this.store, ctx, input.logGroupName);
    this.store.s.setRetention!.run(input.retentionInDays, g.id);
    this.store.forgetGroup(g.account, g.region, g.name);
    return {};
  }

  DeleteRetentionPolicy(ctx: RequestContext, input: L.DeleteRetentionPolicyInput): L.DeleteRetentionPolicyOutput {
    const g = requireGroup(this.store, ctx, input.logGroupName);
    this.store.s.setRetention!.run(null, g.id);
    this.store.forgetGroup(g.account, g.region, g.name);
    return {};
  }

  // ------------------------------------------------------------------ log streams

  CreateLogStream(ctx: RequestContext, input: L.CreateLogStreamInput): L.CreateLogStreamOutput {
    checkStreamName(input.logStreamName);
    const g = requireGroup(this.store, ctx, input.logGroupName);
    try {
      this.store.s.insertStream!.run(g.id, input.logStreamName, ctx.clock.now());
    } catch (e) {
      if ((e as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw alreadyExists(Messages.STREAM_EXISTS);
      throw e;
    }
    return {};
  }

  DeleteLogStream(ctx: RequestContext, input: L.DeleteLogStreamInput): L.DeleteLogStreamOutput {
    checkStreamName(input.logStreamName);
    const g = requireGroup(this.store, ctx, input.logGroupName);
    const s = this.store.getStream(g.id, input.logStreamName);
    if (!s) throw notFound(Messages.STREAM_NOT_FOUND);
    this.store.tx(() => {
      const { bytes } = this.store.s.streamBytes!.get(g.id, s.id) as { bytes: number };
      this.store.s.deleteStreamEvents!.run(g.id, s.id);
      this.store.s.deleteStream!.run(s.id);
      this.store.s.addBytes!.run(-bytes, g.id);
    });
    this.store.forgetStream(g.id, s.name);
    return {};
  }

  DescribeLogStreams(ctx: RequestContext, input: L.DescribeLogStreamsInput): L.DescribeLogStreamsOutput {
    checks()
      .string(input.logStreamNamePrefix, "logStreamNamePrefix", 1, 512, Patterns.LOG_STREAM_NAME)
      .oneOf(input.orderBy, "orderBy", ["LogStreamName", "LastEventTime"])
      .range(input.limit, "limit", 1, Limits.MAX_DESCRIBE_LIMIT)
      .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
      .throwIfAny();
    const byTime = input.orderBy === "LastEventTime";
    if (byTime && input.logStreamNamePrefix !== undefined) throw invalidParameter(Messages.ORDER_BY_PREFIX);
    const g = resolveGroup(this.store, ctx, input);
    const limit = input.limit ?? Limits.MAX_DESCRIBE_LIMIT;
    const desc = input.descending === true;
    let rows: StreamRow[];
    if (byTime) {
      const t = input.nextToken !== undefined ? decodePageToken(input.nextToken, isTimeToken) : desc ? { t: Number.MAX_SAFE_INTEGER, i: Number.MAX_SAFE_INTEGER } : { t: -1, i: 0 };
      rows = (desc ? this.store.s.listStreamsByTimeDesc! : this.store.s.listStreamsByTime!).all(g.id, t.t, t.i, limit + 1) as StreamRow[];
    } else {
      const after = input.nextToken !== undefined ? decodePageToken(input.nextToken, isNameToken).n : desc ? MAX_NAME : "";
      const prefix = input.logStreamNamePrefix ?? null;
      rows = (desc ? this.store.s.listStreamsByNameDesc! : this.store.s.listStreamsByName!).all(g.id, after, prefix, prefix, prefix, limit + 1) as StreamRow[];
    }
    const more = rows.length > limit;
    if (more) rows = rows.slice(0, limit);
    const a = groupArn(g);
    const out: L.DescribeLogStreamsOutput = {
      logStreams: rows.map((s) => {
        const d: NonNullable<L.DescribeLogStreamsOutput["logStreams"]>[number] = { logStreamName: s.name, creationTime: s.created };
        if (s.first_ts !== null) d.firstEventTimestamp = s.first_ts;
        if (s.last_ts !== null) d.lastEventTimestamp = s.last_ts;
        if (s.last_ingest !== null) d.lastIngestionTime = s.last_ingest;
        d.uploadSequenceToken = sequenceToken(s.id, s.upload_seq);
        d.arn = `${a}:log-stream:${s.name}`;
        d.storedBytes = 0;
        return d;
      }),
    };
    if (more) {
      const last = rows[rows.length - 1]!;
      out.nextToken = byTime ? encodePageToken({ t: last.last_ts ?? 0, i: last.id } satisfies TimeToken) : encodePageToken({ n: last.name } satisfies NameToken);
    }
    return out;
  }

  // ------------------------------------------------------------------ events

  PutLogEvents(ctx: RequestContext, input: L.PutLogEventsInput): L.PutLogEventsOutput {
    if (!this.subs.active()) return putLogEvents(this.store, ctx, input);
    let stored: { groupId: number; events: StoredEvent[] } | undefined;
    const out = putLogEvents(this.store, ctx, input, (groupId, events) => (stored = { groupId, events }));
    // Delivery happens off the request: the caller's answer never waits for (or fails with) a subscriber.
    if (stored) setImmediate((s: typeof stored & object) => this.subs.deliver(ctx, s.groupId, input.logGroupName, input.logStreamName, s.events), stored);
    return out;
  }

  GetLogEvents(ctx: RequestContext, input: L.GetLogEventsInput): L.GetLogEventsOutput {
    return getLogEvents(this.store, ctx, input);
  }

  FilterLogEvents(ctx: RequestContext, input: L.FilterLogEventsInput): L.FilterLogEventsOutput {
    return filterLogEvents(this.store, ctx, input);
  }

  // ------------------------------------------------------------------ tags (operations/tags.ts)

  TagLogGroup(ctx: RequestContext, input: L.TagLogGroupInput): L.TagLogGroupOutput {
    return tagLogGroup(this.store, ctx, input);
  }

  UntagLogGroup(ctx: RequestContext, input: L.UntagLogGroupInput): L.UntagLogGroupOutput {
    return untagLogGroup(this.store, ctx, input);
  }

  ListTagsLogGroup(ctx: RequestContext, input: L.ListTagsLogGroupInput): L.ListTagsLogGroupOutput {
    return listTagsLogGroup(this.store, ctx, input);
  }

  TagResource(ctx: RequestContext, input: L.TagResourceInput): L.TagResourceOutput {
    return tagResource(this.store, ctx, input);
  }

  UntagResource(ctx: RequestContext, input: L.UntagResourceInput): L.UntagResourceOutput {
    return untagResource(this.store, ctx, input);
  }

  ListTagsForResource(ctx: RequestContext, input: L.ListTagsForResourceInput): L.ListTagsForResourceOutput {
    return listTagsForResource(this.store, ctx, input);
  }

  // ------------------------------------------------------------------ metric filters (operations/metric-filters.ts)

  PutMetricFilter(ctx: RequestContext, input: L.PutMetricFilterInput): L.PutMetricFilterOutput {
    return putMetricFilter(this.store, ctx, input);
  }

  DescribeMetricFilters(ctx: RequestContext, input: L.DescribeMetricFiltersInput): L.DescribeMetricFiltersOutput {
    return describeMetricFilters(this.store, ctx, input);
  }

  DeleteMetricFilter(ctx: RequestContext, input: L.DeleteMetricFilterInput): L.DeleteMetricFilterOutput {
    return deleteMetricFilter(this.store, ctx, input);
  }

  TestMetricFilter(ctx: RequestContext, input: L.TestMetricFilterInput): L.TestMetricFilterOutput {
    return testMetricFilter(this.store, ctx, input);
  }

  // ------------------------------------------------------------------ stored only: policies, destinations, deliveries (operations/objects.ts)

  PutResourcePolicy(ctx: RequestContext, input: L.PutResourcePolicyInput): L.PutResourcePolicyOutput {
    return this.objects.putResourcePolicy(ctx, input);
  }

  DescribeResourcePolicies(ctx: RequestContext, input: L.DescribeResourcePoliciesInput): L.DescribeResourcePoliciesOutput {
    return this.objects.describeResourcePolicies(ctx, input);
  }

  DeleteResourcePolicy(ctx: RequestContext, input: L.DeleteResourcePolicyInput): L.DeleteResourcePolicyOutput {
    return this.objects.deleteResourcePolicy(ctx, input);
  }

  PutDestination(ctx: RequestContext, input: L.PutDestinationInput): L.PutDestinationOutput {
    return this.objects.putDestination(ctx, input);
  }

  PutDestinationPolicy(ctx: RequestContext, input: L.PutDestinationPolicyInput): L.PutDestinationPolicyOutput {
    return this.objects.putDestinationPolicy(ctx, input);
  }

  DescribeDestinations(ctx: RequestContext, input: L.DescribeDestinationsInput): L.DescribeDestinationsOutput {
    return this.objects.describeDestinations(ctx, input);
  }

  DeleteDestination(ctx: RequestContext, input: L.DeleteDestinationInput): L.DeleteDestinationOutput {
    return this.objects.deleteDestination(ctx, input);
  }

  PutDeliverySource(ctx: RequestContext, input: L.PutDeliverySourceInput): L.PutDeliverySourceOutput {
    return this.objects.putDeliverySource(ctx, input);
  }

  PutDeliveryDestination(ctx: RequestContext, input: L.PutDeliveryDestinationInput): L.PutDeliveryDestinationOutput {
    return this.objects.putDeliveryDestination(ctx, input);
  }

  CreateDelivery(ctx: RequestContext, input: L.CreateDeliveryInput): L.CreateDeliveryOutput {
    return this.objects.createDelivery(ctx, input);
  }

  GetDelivery(ctx: RequestContext, input: L.GetDeliveryInput): L.GetDeliveryOutput {
    return this.objects.getDelivery(ctx, input);
  }

  GetDeliverySource(ctx: RequestContext, input: L.GetDeliverySourceInput): L.GetDeliverySourceOutput {
    return this.objects.getDeliverySource(ctx, input);
  }

  GetDeliveryDestination(ctx: RequestContext, input: L.GetDeliveryDestinationInput): L.GetDeliveryDestinationOutput {
    return this.objects.getDeliveryDestination(ctx, input);
  }

  DescribeDeliveries(ctx: RequestContext, input: L.DescribeDeliveriesInput): L.DescribeDeliveriesOutput {
    return this.objects.describeDeliveries(ctx, input);
  }

  DescribeDeliverySources(ctx: RequestContext, input: L.DescribeDeliverySourcesInput): L.DescribeDeliverySourcesOutput {
    return this.objects.describeDeliverySources(ctx, input);
  }

  DescribeDeliveryDestinations(ctx: RequestContext, input: L.DescribeDeliveryDestinationsInput): L.DescribeDeliveryDestinationsOutput {
    return this.objects.describeDeliveryDestinations(ctx, input);
  }

  DeleteDelivery(ctx: RequestContext, input: L.DeleteDeliveryInput): L.DeleteDeliveryOutput {
    return this.objects.deleteDelivery(ctx, input);
  }

  DeleteDeliverySource(ctx: RequestContext, input: L.DeleteDeliverySourceInput): L.DeleteDeliverySourceOutput {
    return this.objects.deleteDeliverySource(ctx, input);
  }

  DeleteDeliveryDestination(ctx: RequestContext, input: L.DeleteDeliveryDestinationInput): L.DeleteDeliveryDestinationOutput {
    return this.objects.deleteDeliveryDestination(ctx, input);
  }

  // ------------------------------------------------------------------ Logs Insights (operations/insights.ts)

  StartQuery(ctx: RequestContext, input: L.StartQueryInput): L.StartQueryOutput {
    return this.insights.startQuery(ctx, input);
  }

  GetQueryResults(ctx: RequestContext, input: L.GetQueryResultsInput): L.GetQueryResultsOutput {
    return this.insights.getQueryResults(ctx, input);
  }

  StopQuery(ctx: RequestContext, input: L.StopQueryInput): L.StopQueryOutput {
    return this.insights.stopQuery(ctx, input);
  }

  DescribeQueries(ctx: RequestContext, input: L.DescribeQueriesInput): L.DescribeQueriesOutput {
    return this.insights.describeQueries(ctx, input);
  }

  GetLogRecord(ctx: RequestContext, input: L.GetLogRecordInput): L.GetLogRecordOutput {
    return this.insights.getLogRecord(ctx, input);
  }

  PutQueryDefinition(ctx: RequestContext, input: L.PutQueryDefinitionInput): L.PutQueryDefinitionOutput {
    return this.insights.putQueryDefinition(ctx, input);
  }

  DescribeQueryDefinitions(ctx: RequestContext, input: L.DescribeQueryDefinitionsInput): L.DescribeQueryDefinitionsOutput {
    return this.insights.describeQueryDefinitions(ctx, input);
  }

  DeleteQueryDefinition(ctx: RequestContext, input: L.DeleteQueryDefinitionInput): L.DeleteQueryDefinitionOutput {
    return this.insights.deleteQueryDefinition(ctx, input);
  }

  // ------------------------------------------------------------------ export tasks (export-tasks.ts)

  CreateExportTask(ctx: RequestContext, input: L.CreateExportTaskInput): Promise<L.CreateExportTaskOutput> {
    return this.exports.create(ctx, input);
  }

  DescribeExportTasks(ctx: RequestContext, input: L.DescribeExportTasksInput): L.DescribeExportTasksOutput {
    return this.exports.describe(ctx, input);
  }

  CancelExportTask(ctx: RequestContext, input: L.CancelExportTaskInput): L.CancelExportTaskOutput {
    return this.exports.cancel(ctx, input);
  }

  // ------------------------------------------------------------------ subscription filters

  PutSubscriptionFilter(ctx: RequestContext, input: L.PutSubscriptionFilterInput): Promise<L.PutSubscriptionFilterOutput> {
    return this.subs.put(ctx, input);
  }

  DescribeSubscriptionFilters(ctx: RequestContext, input: L.DescribeSubscriptionFiltersInput): L.DescribeSubscriptionFiltersOutput {
    return this.subs.describe(ctx, input);
  }

  DeleteSubscriptionFilter(ctx: RequestContext, input: L.DeleteSubscriptionFilterInput): L.DeleteSubscriptionFilterOutput {
    return this.subs.delete(ctx, input);
  }
}

export const createProvider = (env: ServiceEnv) => new LogsProvider(env);
