/**
 * Job output to CloudWatch Logs (group /aws/batch/job, stream <jobDefinitionName>/default/<taskId>), written
 * in process through the logs provider in batches (every FLUSH_MS and when the attempt ends), creating the
 * group and stream first as Batch does.
 */
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";

export const LOG_GROUP = "/aws/batch/job";
const FLUSH_MS = 200;
const MAX_BATCH = 5000;
const MAX_LINE_BYTES = 256 * 1024 - 26;

const ignoreExists = (e: unknown) => {
  if (!(e instanceof ServiceError && e.code === "ResourceAlreadyExistsException")) throw e;
};

export class JobLogStream {
  private events: Array<{ timestamp: number; message: string }> = [];
  private timer?: NodeJS.Timeout;
  private chain: Promise<void>;
  private dropped = 0;

  constructor(private readonly env: ServiceEnv, private readonly ctx: RequestContext, readonly stream: string) {
    this.chain = (async () => {
      await env.services.call("logs", "CreateLogGroup", ctx, { logGroupName: LOG_GROUP }).catch(ignoreExists);
      await env.services.call("logs", "CreateLogStream", ctx, { logGroupName: LOG_GROUP, logStreamName: stream }).catch(ignoreExists);
    })().catch((e) => env.log.warn(`batch: cannot create log stream ${stream}`, e));
  }

  line(message: string): void {
    if (!message) return;
    if (this.events.length >= MAX_BATCH * 4) {
      this.dropped++;
      return;
    }
    if (Buffer.byteLength(message) > MAX_LINE_BYTES) message = Buffer.from(message).subarray(0, MAX_LINE_BYTES).toString("utf8");
    this.events.push({ timestamp: this.env.clock.now(), message });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dropped) {
      this.events.push({ timestamp: this.env.clock.now(), message: `[Skyport] ${this.dropped} log lines dropped: the job wrote faster than they could be stored` });
      this.dropped = 0;
    }
    const events = this.events;
    this.events = [];
    if (!events.length) return this.chain;
    this.chain = this.chain.then(async () => {
      for (let i = 0; i < events.length; i += MAX_BATCH) {
        await this.env.services.call("logs", "PutLogEvents", this.ctx, { logGroupName: LOG_GROUP, logStreamName: this.stream, logEvents: events.slice(i, i + MAX_BATCH) }).catch((e) => this.env.log.warn(`batch: writing job logs to ${this.stream} failed`, e));
      }
    });
    return this.chain;
  }
}
