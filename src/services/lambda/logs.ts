/**
 * Function logs to CloudWatch Logs: lines are buffered per log stream off the invoke path and written in
 * batches (PutLogEvents through the logs provider, in process) to /aws/lambda/<name>, creating the group
 * and stream on first use as the Lambda service does. Batches are cut at PutLogEvents' limits (10,000 events,
 * 1,048,576 bytes with 26 bytes per event), a line over 256 KB is truncated, and a function that floods its
 * log (more than FLOOD_BYTES buffered before a flush) loses the excess lines — never START/END/REPORT — with
 * one line saying how many were dropped.
 */
import { ServiceError } from "../../aws/errors.js";
import type { Logger } from "../../core/log.js";
import { publishEmf } from "../cloudwatch/emf.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceHost } from "../host.js";
import type { EnvironmentBlueprint } from "./runtime/environment.js";

interface Buffered {
  account: string;
  region: string;
  group: string;
  stream: string;
  events: Array<{ timestamp: number; message: string }>;
  bytes: number;
  dropped: number;
}

const FLUSH_MS = 100;
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
/** Lambda's largest log event; longer lines are cut. */
const MAX_LINE_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES;
/** Buffered bytes per stream between two flushes before lines are dropped (a flood, ~320 MB/s). */
const FLOOD_BYTES = 32 * 1024 * 1024;
const PLATFORM_LINE = /^(START|END|REPORT) RequestId: /;

export class LogBatcher {
  private readonly buffers = new Map<string, Buffered>();
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: ServiceHost,
    private readonly ctxFor: (account: string, region: string) => RequestContext,
    private readonly log: Logger,
  ) {}

  add(bp: EnvironmentBlueprint, stream: string, events: Array<{ timestamp: number; message: string }>): void {
    const group = `/aws/lambda/${bp.functionName}`;
    const key = `${bp.account}\u0000${bp.region}\u0000${group}\u0000${stream}`;
    let b = this.buffers.get(key);
    if (!b) this.buffers.set(key, (b = { account: bp.account, region: bp.region, group, stream, events: [], bytes: 0, dropped: 0 }));
    for (const e of events) {
      if (e.message === "") continue; // PutLogEvents takes no empty message
      publishEmf(this.services, bp.account, bp.region, e.message, e.timestamp);
      let message = e.message;
      let bytes = Buffer.byteLength(message);
      if (bytes > MAX_LINE_BYTES) {
        message = Buffer.from(message).subarray(0, MAX_LINE_BYTES).toString("utf8").replace(/\uFFFD$/, "");
        bytes = Buffer.byteLength(message);
      }
      if (b.bytes + bytes > FLOOD_BYTES && !PLATFORM_LINE.test(message)) {
        b.dropped++;
        continue;
      }
      if (b.dropped && PLATFORM_LINE.test(message)) this.noteDropped(b, e.timestamp);
      b.bytes += bytes;
      b.events.push({ timestamp: e.timestamp, message });
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_MS);
  }

  private noteDropped(b: Buffered, timestamp: number): void {
    b.events.push({ timestamp, message: `[Skyport] ${b.dropped} log lines dropped: the function wrote more than ${FLOOD_BYTES / 1048576} MB within ${FLUSH_MS} ms` });
    b.dropped = 0;
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    for (const b of this.buffers.values()) if (b.dropped) this.noteDropped(b, b.events.at(-1)?.timestamp ?? Date.now());
    const batch = [...this.buffers.values()];
    this.buffers.clear();
    this.flushing = this.flushing.then(() => this.write(batch)).catch((e) => this.log.warn("lambda: writing function logs failed", e));
    return this.flushing;
  }

  private async write(batch: Buffered[]): Promise<void> {
    for (const b of batch) {
      // One stream's failure must not lose the others' lines.
      await this.writeStream(b).catch((e) => this.log.warn(`lambda: writing function logs to ${b.group} failed`, e));
    }
  }

  private async writeStream(b: Buffered): Promise<void> {
    {
      const ctx = this.ctxFor(b.account, b.region);
      const groupKey = `${b.account}\u0000${b.region}\u0000${b.group}`;
      const streamKey = `${groupKey}\u0000${b.stream}`;
      if (!this.known.has(groupKey)) {
        await this.services.call("logs", "CreateLogGroup", ctx, { logGroupName: b.group }).catch(ignoreExists);
        this.known.add(groupKey);
      }
      if (!this.known.has(streamKey)) {
        await this.services.call("logs", "CreateLogStream", ctx, { logGroupName: b.group, logStreamName: b.stream }).catch(ignoreExists);
        this.known.add(streamKey);
      }
      const events = b.events.map((e, i) => ({ ...e, i })).sort((x, y) => x.timestamp - y.timestamp || x.i - y.i).map(({ timestamp, message }) => ({ timestamp, message }));
      for (const slice of batches(events)) {
        await this.services.call("logs", "PutLogEvents", ctx, { logGroupName: b.group, logStreamName: b.stream, logEvents: slice }).catch((e) => {
          if (e instanceof ServiceError && e.code === "ResourceNotFoundException") {
            this.known.delete(groupKey);
            this.known.delete(streamKey);
          }
          throw e;
        });
      }
    }
  }

  /** Forget which groups exist (after /_skyport/reset). */
  reset(): void {
    this.known.clear();
    this.buffers.clear();
  }
}

/** Cuts events into PutLogEvents batches within its event-count and byte limits. */
export function batches<T extends { message: string }>(events: T[]): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = Buffer.byteLength(e.message) + EVENT_OVERHEAD_BYTES;
    if (cur.length && (cur.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(e);
    bytes += size;
  }
  if (cur.length) out.push(cur);
  return out;
}

function ignoreExists(e: unknown): void {
  if (e instanceof ServiceError && e.code === "ResourceAlreadyExistsException") return;
  throw e;
}
