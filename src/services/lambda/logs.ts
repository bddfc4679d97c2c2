/**
 * Function logs to CloudWatch Logs: lines are buffered per log stream off the invoke path and written in
 * batches (PutLogEvents through the logs provider, in process) to /aws/lambda/<name>, creating the group
 * and stream on first use as the Lambda service does.
 */
import { ServiceError } from "../../aws/errors.js";
import type { Logger } from "../../core/log.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceHost } from "../host.js";
import type { EnvironmentBlueprint } from "./runtime/environments.js";

interface Buffered {
  account: string;
  region: string;
  group: string;
  stream: string;
  events: Array<{ timestamp: number; message: string }>;
}

const FLUSH_MS = 100;

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
    if (!b) this.buffers.set(key, (b = { account: bp.account, region: bp.region, group, stream, events: [] }));
    b.events.push(...events);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_MS);
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    const batch = [...this.buffers.values()];
    this.buffers.clear();
    this.flushing = this.flushing.then(() => this.write(batch)).catch((e) => this.log.warn("lambda: writing function logs failed", e));
    return this.flushing;
  }

  private async write(batch: Buffered[]): Promise<void> {
    for (const b of batch) {
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
      for (let i = 0; i < events.length; i += 5000) {
        await this.services.call("logs", "PutLogEvents", ctx, { logGroupName: b.group, logStreamName: b.stream, logEvents: events.slice(i, i + 5000) }).catch((e) => {
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

function ignoreExists(e: unknown): void {
  if (e instanceof ServiceError && e.code === "ResourceAlreadyExistsException") return;
  throw e;
}
