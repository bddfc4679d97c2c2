/**
 * Log events: PutLogEvents (the hot path), GetLogEvents (one stream, forward/backward tokens) and
 * FilterLogEvents (a whole group, interleaved by time, filter patterns).
 */
import type {
  FilterLogEventsInput,
  FilterLogEventsOutput,
  GetLogEventsInput,
  GetLogEventsOutput,
  PutLogEventsInput,
  PutLogEventsOutput,
} from "../../../aws/api/logs.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits, Messages, Patterns } from "../constants.js";
import { compileFilterPattern, FilterPatternError, type FilterMatcher } from "../filter-pattern.js";
import type { EventRow, LogsStore } from "../store.js";
import { after, backwardToken, before, decodePageToken, encodePageToken, forwardToken, parseStreamToken, positionDigits, type Position } from "../tokens.js";
import { checks, invalidParameter, notFound } from "../validate.js";
import { comparePositions, resolveGroup, sequenceToken } from "./common.js";

/** Later than any event timestamp. */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;
const DAY_MS = 24 * 3600 * 1000;

/** An event as stored (subscription delivery needs its id). */
export interface StoredEvent {
  seq: number;
  timestamp: number;
  message: string;
}

/** Stores a batch; `onStored` (given only when the group has subscribers) receives the accepted events. */
export function putLogEvents(
  store: LogsStore,
  ctx: RequestContext,
  input: PutLogEventsInput,
  onStored?: (groupId: number, events: StoredEvent[]) => void,
): PutLogEventsOutput {
  const events = input.logEvents;
  const c = checks()
    .string(input.logGroupName, "logGroupName", 1, 512, Patterns.LOG_GROUP_NAME)
    .string(input.logStreamName, "logStreamName", 1, 512, Patterns.LOG_STREAM_NAME)
    .size(events, "logEvents", 1, Limits.MAX_BATCH_EVENTS);
  for (let i = 0; i < events.length; i++) c.string(events[i]!.message, `logEvents.${i + 1}.member.message`, 1, Number.MAX_SAFE_INTEGER);
  c.throwIfAny();

  const group = store.hotGroup(ctx.accountId, ctx.region, input.logGroupName);
  if (!group) throw notFound(Messages.GROUP_NOT_FOUND);
  const streamId = store.streamId(group.id, input.logStreamName);
  if (streamId === undefined) throw notFound(Messages.STREAM_NOT_FOUND);

  let batchBytes = 0;
  let prev = -Infinity;
  const sizes = new Array<number>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.timestamp < prev) throw invalidParameter(Messages.CHRONOLOGICAL);
    prev = e.timestamp;
    sizes[i] = Buffer.byteLength(e.message, "utf8");
    batchBytes += sizes[i]! + Limits.EVENT_OVERHEAD_BYTES;
  }
  if (batchBytes > Limits.MAX_BATCH_BYTES) throw invalidParameter(`Upload too large: ${batchBytes} bytes exceeds limit of ${Limits.MAX_BATCH_BYTES}`);

  // Events are in time order, so the rejected ones are a prefix (too old, then expired) and a suffix (too new).
  const now = ctx.clock.now();
  const oldest = now - Limits.MAX_EVENT_AGE_MS;
  const retained = group.retention ? now - group.retention * DAY_MS : -Infinity;
  const newest = now + Limits.MAX_EVENT_FUTURE_MS;
  let start = 0;
  let tooOldEnd = 0;
  let expiredEnd = 0;
  while (start < events.length && events[start]!.timestamp < oldest) tooOldEnd = ++start;
  while (start < events.length && events[start]!.timestamp < retained) expiredEnd = ++start;
  let end = events.length;
  while (end > start && events[end - 1]!.timestamp > newest) end--;
  if (end > start && events[end - 1]!.timestamp - events[start]!.timestamp > Limits.MAX_BATCH_SPAN_MS) throw invalidParameter(Messages.SPAN);

  let uploads: number;
  const accepted: StoredEvent[] | undefined = onStored && end > start ? [] : undefined;
  if (end > start) {
    uploads = store.tx(() => {
      const insert = store.s.insertEvent!;
      let stored = 0;
      for (let i = start; i < end; i++) {
        const e = events[i]!;
        const r = insert.run(group.id, streamId, e.timestamp, now, e.message);
        accepted?.push({ seq: Number(r.lastInsertRowid), timestamp: e.timestamp, message: e.message });
        stored += sizes[i]!;
      }
      const first = events[start]!.timestamp;
      const last = events[end - 1]!.timestamp;
      const r = store.s.afterPut!.get(first, first, last, last, now, streamId) as { upload_seq: number };
      store.s.addBytes!.run(stored, group.id);
      return r.upload_seq;
    });
  } else {
    uploads = (store.s.touchStream!.get(streamId) as { upload_seq: number }).upload_seq;
  }

  if (accepted) onStored!(group.id, accepted);
  const out: PutLogEventsOutput = { nextSequenceToken: sequenceToken(streamId, uploads) };
  if (tooOldEnd || expiredEnd || end < events.length) {
    out.rejectedLogEventsInfo = {};
    if (tooOldEnd) out.rejectedLogEventsInfo.tooOldLogEventEndIndex = tooOldEnd;
    if (expiredEnd) out.rejectedLogEventsInfo.expiredLogEventEndIndex = expiredEnd;
    if (end < events.length) out.rejectedLogEventsInfo.tooNewLogEventStartIndex = end;
  }
  return out;
}

export function getLogEvents(store: LogsStore, ctx: RequestContext, input: GetLogEventsInput): GetLogEventsOutput {
  checks()
    .string(input.logStreamName, "logStreamName", 1, 512, Patterns.LOG_STREAM_NAME)
    .range(input.limit, "limit", 1, Limits.MAX_EVENTS_PAGE)
    .range(input.startTime, "startTime", 0)
    .range(input.endTime, "endTime", 0)
    .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
    .throwIfAny();
  const group = resolveGroup(store, ctx, input);
  const stream = store.getStream(group.id, input.logStreamName);
  if (!stream) throw notFound(Messages.STREAM_NOT_FOUND);

  // Bounds are exclusive positions: (S, 0) admits every event at S (seqs start at 1); (E, 0) stops before E.
  let low: Position = { ts: input.startTime ?? 0, seq: 0 };
  let high: Position = { ts: input.endTime ?? END_OF_TIME, seq: 0 };
  let fromEnd = !input.startFromHead;
  const token = input.nextToken !== undefined ? parseStreamToken(input.nextToken) : undefined;
  if (token?.forward) {
    if (comparePositions(token.at, low) > 0) low = token.at;
    fromEnd = false;
  } else if (token) {
    if (comparePositions(token.at, high) < 0) high = token.at;
    fromEnd = true;
  }
  let rows = comparePositions(low, high) < 0 ? store.readStream(group.id, stream.id, low, high, input.limit ?? Limits.MAX_EVENTS_PAGE, fromEnd) : [];
  rows = capBytes(rows, fromEnd);

  const events = rows.map((r) => ({ timestamp: r.ts, message: r.message, ingestionTime: r.ingest }));
  if (rows.length) {
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    return { events, nextForwardToken: forwardToken({ ts: last.ts, seq: last.seq }), nextBackwardToken: backwardToken({ ts: first.ts, seq: first.seq }) };
  }
  // Nothing (more) in this direction: AWS hands back the token it was given, which is how readers detect the end.
  if (token?.forward) return { events, nextForwardToken: input.nextToken, nextBackwardToken: backwardToken(after(token.at)) };
  if (token) return { events, nextForwardToken: forwardToken(before(token.at)), nextBackwardToken: input.nextToken };
  return { events, nextForwardToken: forwardToken(low), nextBackwardToken: backwardToken(after(low)) };
}

/** Keeps a page within the 1 MB response limit (the newest events when reading from the end). */
function capBytes(rows: EventRow[], fromEnd: boolean): EventRow[] {
  let bytes = 0;
  const n = rows.length;
  for (let k = 0; k < n; k++) {
    const r = rows[fromEnd ? n - 1 - k : k]!;
    bytes += r.message.length + Limits.EVENT_OVERHEAD_BYTES;
    if (bytes > Limits.MAX_RESPONSE_BYTES) return fromEnd ? rows.slice(n - k) : rows.slice(0, k);
  }
  return rows;
}

type FilterToken = { t: number; s: number };
const isFilterToken = (v: unknown): v is FilterToken =>
  typeof v === "object" && v !== null && Number.isSafeInteger((v as FilterToken).t) && Number.isSafeInteger((v as FilterToken).s);

export function filterLogEvents(store: LogsStore, ctx: RequestContext, input: FilterLogEventsInput): FilterLogEventsOutput {
  checks()
    .size(input.logStreamNames, "logStreamNames", 1, Limits.MAX_LOG_STREAM_NAMES)
    .string(input.logStreamNamePrefix, "logStreamNamePrefix", 1, 512, Patterns.LOG_STREAM_NAME)
    .string(input.filterPattern, "filterPattern", 0, Limits.MAX_FILTER_PATTERN_LENGTH)
    .range(input.limit, "limit", 1, Limits.MAX_EVENTS_PAGE)
    .range(input.startTime, "startTime", 0)
    .range(input.endTime, "endTime", 0)
    .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
    .throwIfAny();
  if (input.logStreamNames && input.logStreamNamePrefix !== undefined) throw invalidParameter(Messages.STREAM_NAMES_AND_PREFIX);
  const group = resolveGroup(store, ctx, input);
  const matcher = compilePattern(input.filterPattern);

  const names = new Map<number, string>();
  for (const r of store.s.streamNames!.all(group.id) as Array<{ id: number; name: string }>) names.set(r.id, r.name);
  let allowed: Set<number> | undefined;
  if (input.logStreamNames) {
    const wanted = new Set(input.logStreamNames);
    allowed = new Set([...names].filter(([, n]) => wanted.has(n)).map(([id]) => id));
  } else if (input.logStreamNamePrefix !== undefined) {
    const prefix = input.logStreamNamePrefix;
    allowed = new Set([...names].filter(([, n]) => n.startsWith(prefix)).map(([id]) => id));
  }

  const limit = input.limit ?? Limits.MAX_EVENTS_PAGE;
  let from: Position = { ts: input.startTime ?? 0, seq: 0 };
  if (input.nextToken !== undefined) {
    const t = decodePageToken(input.nextToken, isFilterToken);
    if (comparePositions({ ts: t.t, seq: t.s }, from) > 0) from = { ts: t.t, seq: t.s };
  }
  const events: NonNullable<FilterLogEventsOutput["events"]> = [];
  let bytes = 0;
  let scanned = 0;
  let resume: Position | undefined;
  let last: Position | undefined;
  if (!allowed || allowed.size) {
    for (const r of store.s.scanGroup!.iterate(group.id, from.ts, from.seq, input.endTime ?? END_OF_TIME) as IterableIterator<EventRow>) {
      if (++scanned > Limits.FILTER_SCAN_BUDGET) {
        resume = last;
        break;
      }
      if ((allowed && !allowed.has(r.stream_id)) || !matcher.match(r.message)) {
        if (events.length < limit) last = { ts: r.ts, seq: r.seq };
        continue;
      }
      const size = r.message.length + Limits.EVENT_OVERHEAD_BYTES;
      if (events.length >= limit || bytes + size > Limits.MAX_RESPONSE_BYTES) {
        // A further match exists: the next page starts after the last event returned.
        resume = last;
        break;
      }
      bytes += size;
      last = { ts: r.ts, seq: r.seq };
      events.push({ logStreamName: names.get(r.stream_id), timestamp: r.ts, message: r.message, ingestionTime: r.ingest, eventId: positionDigits(last) });
    }
  }
  const out: FilterLogEventsOutput = { events };
  if (resume) out.nextToken = encodePageToken({ t: resume.ts, s: resume.seq } satisfies FilterToken);
  return out;
}

/** A filter pattern, or AWS's InvalidParameterException for a bad one. */
export function compilePattern(pattern: string | undefined): FilterMatcher {
  try {
    return compileFilterPattern(pattern);
  } catch (e) {
    if (e instanceof FilterPatternError) throw invalidParameter(e.message);
    throw e;
  }
}
