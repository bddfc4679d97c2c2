/**
 * Event source mappings for DynamoDB Streams: a poller reads each enabled mapping's stream through the
 * DynamoDB Streams API (in process), filters records (FilterCriteria), and invokes the function with
 * batches of up to BatchSize records in order per shard. A failed batch is retried up to
 * MaximumRetryAttempts (-1: until the records expire), split in halves first when BisectBatchOnFunctionError
 * is on; the shard's checkpoint only moves past records that succeeded or were given up on.
 */
import type * as L from "../../aws/api/lambda.js";
import { ServiceError } from "../../aws/errors.js";
import { loadModel } from "../../aws/models/loader.js";
import { toJson } from "../../aws/protocol/shape-json.js";
import type { Clock } from "../../core/clock.js";
import type { IdGenerator } from "../../core/ids.js";
import type { Logger } from "../../core/log.js";
import type { RequestContext } from "../../edge/context.js";
import type { Store } from "../../store/store.js";
import type { ServiceHost } from "../host.js";
import { matchesAny, parseFilters } from "./filter-criteria.js";

const POLL_MS = 100;
const MIGRATION = `CREATE TABLE lambda_event_sources (uuid TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, config TEXT NOT NULL, checkpoints TEXT NOT NULL DEFAULT '{}')`;

interface Mapping {
  uuid: string;
  account: string;
  region: string;
  config: L.EventSourceMappingConfiguration;
  /** shard id → last sequence number handled. */
  checkpoints: Record<string, string>;
}

export type Invoker = (ctx: RequestContext, functionArn: string, payload: Buffer) => Promise<{ failed: boolean }>;

export class EventSourcePoller {
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  private readonly s;

  constructor(
    store: Store,
    private readonly services: ServiceHost,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly log: Logger,
    private readonly ctxFor: (account: string, region: string) => RequestContext,
    private readonly invoke: Invoker,
  ) {
    store.migrate("lambda-event-sources", [MIGRATION]);
    const db = store.db;
    this.s = {
      get: db.prepare("SELECT uuid, account, region, config, checkpoints FROM lambda_event_sources WHERE uuid = ?"),
      list: db.prepare("SELECT uuid, account, region, config, checkpoints FROM lambda_event_sources WHERE account = ? AND region = ? ORDER BY uuid"),
      all: db.prepare("SELECT uuid, account, region, config, checkpoints FROM lambda_event_sources"),
      put: db.prepare("INSERT INTO lambda_event_sources (uuid, account, region, config, checkpoints) VALUES (?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET config = excluded.config, checkpoints = excluded.checkpoints"),
      delete: db.prepare("DELETE FROM lambda_event_sources WHERE uuid = ?"),
    };
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  private row(r: { uuid: string; account: string; region: string; config: string; checkpoints: string }): Mapping {
    const config = JSON.parse(r.config) as L.EventSourceMappingConfiguration;
    if (typeof config.LastModified === "string") config.LastModified = new Date(config.LastModified);
    config.EventSourceMappingArn ??= mappingArn({ accountId: r.account, region: r.region }, r.uuid); // mappings stored before the ARN was kept
    return { uuid: r.uuid, account: r.account, region: r.region, config, checkpoints: JSON.parse(r.checkpoints) as Record<string, string> };
  }

  private save(m: Mapping): void {
    this.s.put.run(m.uuid, m.account, m.region, JSON.stringify(m.config), JSON.stringify(m.checkpoints));
  }

  get(ctx: RequestContext, uuid: string): Mapping {
    const r = this.s.get.get(uuid) as Parameters<EventSourcePoller["row"]>[0] | undefined;
    if (!r || r.account !== ctx.accountId || r.region !== ctx.region) throw new ServiceError("ResourceNotFoundException", `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: ${ctx.requestId})`, 404);
    return this.row(r);
  }

  list(ctx: RequestContext): Mapping[] {
    return (this.s.list.all(ctx.accountId, ctx.region) as Array<Parameters<EventSourcePoller["row"]>[0]>).map((r) => this.row(r));
  }

  async create(ctx: RequestContext, input: L.CreateEventSourceMappingInput, functionArn: string): Promise<L.EventSourceMappingConfiguration> {
    const arn = input.EventSourceArn ?? "";
    if (!/^arn:aws:dynamodb:[^:]+:\d{12}:table\/[^/]+\/stream\/.+$/.test(arn)) throw new ServiceError("InvalidParameterValueException", "Skyport supports event source mappings for DynamoDB streams (arn:aws:dynamodb:...:table/<name>/stream/<label>).", 400);
    if (!input.StartingPosition || !["TRIM_HORIZON", "LATEST"].includes(input.StartingPosition)) throw new ServiceError("InvalidParameterValueException", "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null", 400);
    const batch = input.BatchSize ?? 100;
    if (batch < 1 || batch > 10000) throw new ServiceError("InvalidParameterValueException", `BatchSize must be between 1 and 10000 for DynamoDB streams.`, 400);
    parseFilters(input.FilterCriteria?.Filters);
    const description = (await this.services.call<{ StreamDescription?: { Shards?: Array<{ ShardId?: string }> } }>("dynamodbstreams", "DescribeStream", ctx, { StreamArn: arn })).StreamDescription;
    const checkpoints: Record<string, string> = {};
    if (input.StartingPosition === "LATEST") {
      for (const shard of description?.Shards ?? []) {
        const it = await this.services.call<{ ShardIterator?: string }>("dynamodbstreams", "GetShardIterator", ctx, { StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: "LATEST" });
        checkpoints[shard.ShardId!] = `iter:${it.ShardIterator}`;
      }
    }
    const uuid = this.ids.uuid();
    const config: L.EventSourceMappingConfiguration = {
      UUID: uuid, EventSourceMappingArn: mappingArn(ctx, uuid), StartingPosition: input.StartingPosition, BatchSize: batch, MaximumBatchingWindowInSeconds: input.MaximumBatchingWindowInSeconds ?? 0,
      ParallelizationFactor: input.ParallelizationFactor ?? 1, EventSourceArn: arn, FilterCriteria: input.FilterCriteria, FunctionArn: functionArn,
      LastModified: new Date(this.clock.now()), LastProcessingResult: "No records processed", State: input.Enabled === false ? "Disabled" : "Enabled",
      StateTransitionReason: "User action", DestinationConfig: input.DestinationConfig ?? { OnFailure: {} }, MaximumRecordAgeInSeconds: input.MaximumRecordAgeInSeconds ?? -1,
      BisectBatchOnFunctionError: input.BisectBatchOnFunctionError ?? false, MaximumRetryAttempts: input.MaximumRetryAttempts ?? -1, TumblingWindowInSeconds: input.TumblingWindowInSeconds ?? 0,
      FunctionResponseTypes: input.FunctionResponseTypes ?? [],
    };
    this.save({ uuid, account: ctx.accountId, region: ctx.region, config, checkpoints });
    return { ...config, State: config.State === "Enabled" ? "Creating" : "Disabled" };
  }

  update(ctx: RequestContext, input: L.UpdateEventSourceMappingInput): L.EventSourceMappingConfiguration {
    const m = this.get(ctx, input.UUID);
    const c = m.config;
    if (input.BatchSize !== undefined) c.BatchSize = input.BatchSize;
    if (input.Enabled !== undefined) c.State = input.Enabled ? "Enabled" : "Disabled";
    if (input.FilterCriteria !== undefined) {
      parseFilters(input.FilterCriteria.Filters);
      c.FilterCriteria = input.FilterCriteria;
    }
    if (input.MaximumRetryAttempts !== undefined) c.MaximumRetryAttempts = input.MaximumRetryAttempts;
    if (input.BisectBatchOnFunctionError !== undefined) c.BisectBatchOnFunctionError = input.BisectBatchOnFunctionError;
    if (input.MaximumBatchingWindowInSeconds !== undefined) c.MaximumBatchingWindowInSeconds = input.MaximumBatchingWindowInSeconds;
    c.LastModified = new Date(this.clock.now());
    this.save(m);
    return c;
  }

  delete(ctx: RequestContext, uuid: string): L.EventSourceMappingConfiguration {
    const m = this.get(ctx, uuid);
    this.s.delete.run(uuid);
    return { ...m.config, State: "Deleting" };
  }

  /** Removes the mappings of a deleted function. */
  deleteForFunction(account: string, region: string, functionArn: string): void {
    for (const r of this.s.all.all() as Array<Parameters<EventSourcePoller["row"]>[0]>) {
      const m = this.row(r);
      if (m.account === account && m.region === region && m.config.FunctionArn === functionArn) this.s.delete.run(m.uuid);
    }
  }

  /** One polling round over every enabled mapping (exposed so tests can drive it). */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const r of this.s.all.all() as Array<Parameters<EventSourcePoller["row"]>[0]>) {
        const m = this.row(r);
        if (m.config.State !== "Enabled") continue;
        try {
          await this.pollMapping(m);
        } catch (e) {
          if (!(e instanceof ServiceError && e.code === "ResourceNotFoundException")) this.log.warn(`lambda: event source ${m.uuid}`, e);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async pollMapping(m: Mapping): Promise<void> {
    const ctx = this.ctxFor(m.account, m.region);
    const arn = m.config.EventSourceArn!;
    const shards = (await this.services.call<{ StreamDescription?: { Shards?: Array<{ ShardId?: string }> } }>("dynamodbstreams", "DescribeStream", ctx, { StreamArn: arn })).StreamDescription?.Shards ?? [];
    const filters = parseFilters(m.config.FilterCriteria?.Filters);
    const recordShape = loadModel("dynamodbstreams").operations.get("GetRecords")!.output!.members!.Records!.member!;
    for (const shard of shards) {
      const shardId = shard.ShardId!;
      const cp = m.checkpoints[shardId];
      let iterator: string | undefined;
      if (cp?.startsWith("iter:")) iterator = cp.slice(5);
      else {
        const req = cp ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: cp } : { ShardIteratorType: m.config.StartingPosition === "LATEST" ? "LATEST" : "TRIM_HORIZON" };
        iterator = (await this.services.call<{ ShardIterator?: string }>("dynamodbstreams", "GetShardIterator", ctx, { StreamArn: arn, ShardId: shardId, ...req })).ShardIterator;
      }
      if (!iterator) continue;
      const out = await this.services.call<{ Records?: Array<Record<string, unknown>>; NextShardIterator?: string }>("dynamodbstreams", "GetRecords", ctx, { ShardIterator: iterator, Limit: Math.min(m.config.BatchSize ?? 100, 1000) });
      const records = out.Records ?? [];
      if (!records.length) {
        // Nothing new: keep a LATEST position as an iterator until the first record arrives.
        if (cp?.startsWith("iter:") && out.NextShardIterator) m.checkpoints[shardId] = `iter:${out.NextShardIterator}`;
        this.save(m);
        continue;
      }
      const events = records.map((rec) => lambdaRecord(toJson(recordShape, rec) as Record<string, unknown>, arn));
      const selected = events.filter((e) => matchesAny(filters, e));
      const ok = selected.length ? await this.deliver(ctx, m, selected) : true;
      const last = (records[records.length - 1]!.dynamodb as { SequenceNumber?: string }).SequenceNumber!;
      if (ok) {
        m.checkpoints[shardId] = last;
        m.config.LastProcessingResult = "OK";
      }
      this.save(m);
    }
  }

  /** Invokes with retries and bisection; true when the batch is done with (succeeded or given up). */
  private async deliver(ctx: RequestContext, m: Mapping, events: Array<Record<string, unknown>>): Promise<boolean> {
    const maxRetries = m.config.MaximumRetryAttempts ?? -1;
    const attempt = async (batch: Array<Record<string, unknown>>, retriesLeft: number): Promise<boolean> => {
      const r = await this.invoke(ctx, m.config.FunctionArn!, lambdaEvent(batch));
      if (!r.failed) return true;
      if (m.config.BisectBatchOnFunctionError && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        const a = await attempt(batch.slice(0, half), retriesLeft);
        return a && (await attempt(batch.slice(half), retriesLeft));
      }
      if (retriesLeft === 0) {
        m.config.LastProcessingResult = "PROBLEM: Function call failed";
        return true; // given up: the checkpoint moves on
      }
      return retriesLeft < 0 ? false : attempt(batch, retriesLeft - 1);
    };
    return attempt(events, maxRetries);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

const mappingArn = (ctx: { accountId: string; region: string }, uuid: string) => `arn:aws:lambda:${ctx.region}:${ctx.accountId}:event-source-mapping:${uuid}`;

/**
 * The event a batch is delivered as. Lambda writes ApproximateCreationDateTime as a floating-point number of
 * seconds (1678831218.0): JSON.stringify drops the ".0" of a whole number, so it is put back. Only the stream
 * record's own member can match — attribute values inside images are typed maps ({"S": ...}), never bare numbers.
 */
export function lambdaEvent(batch: Array<Record<string, unknown>>): Buffer {
  return Buffer.from(JSON.stringify({ Records: batch }).replace(/"ApproximateCreationDateTime":(-?\d+)(?=[,}])/g, '"ApproximateCreationDateTime":$1.0'));
}

/** A stream record as Lambda's DynamoDB event carries it (userIdentity keys in lower camel case). */
function lambdaRecord(rec: Record<string, unknown>, arn: string): Record<string, unknown> {
  const id = rec.userIdentity as { Type?: string; PrincipalId?: string } | undefined;
  const out: Record<string, unknown> = { ...rec, eventSourceARN: arn };
  if (id) out.userIdentity = { type: id.Type, principalId: id.PrincipalId };
  return out;
}

export function toOutput(m: { config: L.EventSourceMappingConfiguration }): L.EventSourceMappingConfiguration {
  return m.config;
}
