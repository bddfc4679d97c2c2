/**
 * DynamoDB Streams: ListStreams, DescribeStream (with ShardFilter CHILD_SHARDS), GetShardIterator (TRIM_HORIZON, LATEST,
 * AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER) and GetRecords over the change log the DynamoDB provider
 * writes in the same transaction as each item. Records are kept 24 hours; iterators expire after 15
 * minutes. Lambda event source mappings read through env.services.call("dynamodbstreams", "GetRecords").
 *
 * Known gaps against AWS: one shard per stream for its whole life (AWS splits shards every few hours).
 * Deliberate differences: shard iterators are self-describing tokens (base64 JSON), not server state.
 */
import type * as api from "../../aws/api/dynamodbstreams.js";
import { constraintMessage, ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import { Limits } from "../dynamodb/constants.js";
import type { DynamoDbProvider } from "../dynamodb/provider.js";
import { formatSequence, parseSequence, type StreamLog, type StreamRow } from "../dynamodb/streams/log.js";
import type { ServiceEnv } from "../host.js";

const validation = (m: string) => new ServiceError("ValidationException", m, 400);
const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255}\/stream\/[^/]+$/;
const notFound = (m: string) => new ServiceError("ResourceNotFoundException", m, 400);

interface Iterator {
  /** stream ARN */
  a: string;
  /** shard id */
  s: string;
  /** next sequence number to read */
  q: number;
  /** issued at (ms) */
  t: number;
}

const encodeIterator = (it: Iterator) => Buffer.from(JSON.stringify(it)).toString("base64url");

function decodeIterator(s: string): Iterator | undefined {
  try {
    const it = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Iterator;
    return typeof it.a === "string" && typeof it.q === "number" && typeof it.t === "number" ? it : undefined;
  } catch {
    return undefined;
  }
}

export class DynamoDbStreamsProvider implements api.DynamodbstreamsHandlers {
  private log?: StreamLog;
  constructor(private readonly env: ServiceEnv) {}

  private async streams(): Promise<StreamLog> {
    if (!this.log) this.log = ((await this.env.services.get("dynamodb")!) as DynamoDbProvider).d.streams;
    return this.log;
  }

  private async stream(ctx: RequestContext, arn: string): Promise<{ log: StreamLog; row: StreamRow }> {
    // A malformed ARN is a ValidationException ("Invalid StreamArn"); a well-formed unknown one is not found.
    if (!STREAM_ARN.test(arn)) throw validation("Invalid StreamArn");
    const log = await this.streams();
    log.trim();
    const row = log.stream(arn);
    if (!row || row.account !== ctx.accountId || row.region !== ctx.region) throw notFound(`Requested resource not found: Stream: ${arn} not found`);
    return { log, row };
  }

  private async tableExists(ctx: RequestContext, name: string): Promise<boolean> {
    return !!((await this.env.services.get("dynamodb")!) as DynamoDbProvider).d.store.getTable(ctx.accountId, ctx.region, name);
  }

  async ListStreams(ctx: RequestContext, input: api.ListStreamsInput): Promise<api.ListStreamsOutput> {
    if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > 100))
      throw validation(constraintMessage([`Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value ${input.Limit < 1 ? "greater than or equal to 1" : "less than or equal to 100"}`]));
    const log = await this.streams();
    log.trim();
    let rows = log.streams(ctx.accountId, ctx.region, input.TableName);
    if (input.TableName && !rows.length && !(await this.tableExists(ctx, input.TableName)))
      throw notFound(`Requested resource not found: Table: ${input.TableName} not found`);
    if (input.ExclusiveStartStreamArn) rows = rows.filter((r) => r.arn > input.ExclusiveStartStreamArn!);
    const limit = input.Limit ?? 100;
    const out: api.ListStreamsOutput = { Streams: rows.slice(0, limit).map((r) => ({ StreamArn: r.arn, TableName: r.table_name, StreamLabel: r.label })) };
    if (rows.length > limit) out.LastEvaluatedStreamArn = rows[limit - 1]!.arn;
    return out;
  }

  async DescribeStream(ctx: RequestContext, input: api.DescribeStreamInput): Promise<api.DescribeStreamOutput> {
    const filterType = input.ShardFilter?.Type;
    if (filterType !== undefined && filterType !== "CHILD_SHARDS")
      throw validation(constraintMessage([`Value '${filterType}' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [CHILD_SHARDS]`]));
    const { log, row } = await this.stream(ctx, input.StreamArn);
    const range = log.range(row.arn);
    const meta = ((await this.env.services.get("dynamodb")!) as DynamoDbProvider).d.store.getTable(row.account, row.region, row.table_name);
    const keySchema = meta && meta.tid === row.tid
      ? [{ AttributeName: meta.hashKey, KeyType: "HASH" }, ...(meta.rangeKey ? [{ AttributeName: meta.rangeKey, KeyType: "RANGE" }] : [])]
      : undefined;
    const seqRange: { StartingSequenceNumber?: string; EndingSequenceNumber?: string } = {
      StartingSequenceNumber: formatSequence(range.first ?? log.lastSequence() + 1),
    };
    if (row.disabled !== null) seqRange.EndingSequenceNumber = formatSequence(range.last ?? log.lastSequence());
    let shards = input.ExclusiveStartShardId && input.ExclusiveStartShardId >= row.shard_id ? [] : [{ ShardId: row.shard_id, SequenceNumberRange: seqRange }];
    // CHILD_SHARDS lists the shards whose parent is ShardFilter.ShardId; a Skyport stream's one shard has no
    // parent, so no shard is anyone's child.
    if (filterType) shards = shards.filter((s) => "ParentShardId" in s && s.ParentShardId === input.ShardFilter!.ShardId);
    return {
      StreamDescription: {
        StreamArn: row.arn,
        StreamLabel: row.label,
        StreamStatus: row.disabled === null ? "ENABLED" : "DISABLED",
        StreamViewType: row.view_type,
        CreationRequestDateTime: new Date(row.created),
        TableName: row.table_name,
        KeySchema: keySchema,
        Shards: shards,
      },
    };
  }

  async GetShardIterator(ctx: RequestContext, input: api.GetShardIteratorInput): Promise<api.GetShardIteratorOutput> {
    const types = ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"];
    if (!types.includes(input.ShardIteratorType))
      throw validation(constraintMessage([`Value '${input.ShardIteratorType}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]`]));
    const { log, row } = await this.stream(ctx, input.StreamArn);
    if (input.ShardId !== row.shard_id) throw notFound(`Requested resource not found: Shard does not exist`);
    const bySeq = input.ShardIteratorType.endsWith("_SEQUENCE_NUMBER");
    if (bySeq && input.SequenceNumber === undefined) throw validation(`Must provide a SequenceNumber for ShardIteratorType ${input.ShardIteratorType}`);
    if (!bySeq && input.SequenceNumber !== undefined) throw validation(`SequenceNumber must not be provided for ShardIteratorType ${input.ShardIteratorType}`);
    let from: number;
    if (input.ShardIteratorType === "TRIM_HORIZON") from = 0;
    else if (input.ShardIteratorType === "LATEST") from = log.lastSequence() + 1;
    else {
      const seq = parseSequence(input.SequenceNumber!);
      if (seq === undefined) throw validation(`Invalid SequenceNumber: ${input.SequenceNumber}`);
      const first = log.range(row.arn).first;
      if (first !== undefined && seq < first) throw new ServiceError("TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in a shard.", 400);
      from = input.ShardIteratorType === "AT_SEQUENCE_NUMBER" ? seq : seq + 1;
    }
    return { ShardIterator: encodeIterator({ a: row.arn, s: row.shard_id, q: from, t: this.env.clock.now() }) };
  }

  async GetRecords(ctx: RequestContext, input: api.GetRecordsInput): Promise<api.GetRecordsOutput> {
    if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > Limits.MAX_GET_RECORDS))
      throw validation(constraintMessage([`Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value ${input.Limit < 1 ? "greater than or equal to 1" : "less than or equal to 1000"}`]));
    const it = decodeIterator(input.ShardIterator);
    if (!it) throw validation("Invalid ShardIterator");
    if (this.env.clock.now() - it.t > Limits.SHARD_ITERATOR_TTL_MS) throw new ServiceError("ExpiredIteratorException", "Iterator expired. The iterator was created at time " + new Date(it.t).toUTCString() + " while right now it is " + new Date(this.env.clock.now()).toUTCString() + " which is further in the future than the tolerated delay of 900000 milliseconds.", 400);
    const { log, row } = await this.stream(ctx, it.a);
    const records = log.read(row.arn, it.q, input.Limit ?? Limits.MAX_GET_RECORDS);
    const next = records.length ? records[records.length - 1]!.seq + 1 : it.q;
    const out: api.GetRecordsOutput = { Records: records.map((r) => r.record as NonNullable<api.GetRecordsOutput["Records"]>[number]) };
    // A closed shard read to its end has no next iterator.
    const drained = row.disabled !== null && next > (log.range(row.arn).last ?? 0);
    if (!drained) out.NextShardIterator = encodeIterator({ ...it, q: next, t: this.env.clock.now() });
    return out;
  }
}

export const createProvider = (env: ServiceEnv) => new DynamoDbStreamsProvider(env);
