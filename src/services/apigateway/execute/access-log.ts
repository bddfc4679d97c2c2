/**
 * Stage logs to CloudWatch Logs, written off the request path:
 * - access logs: `accessLogSettings.format` with its `$context.*` variables substituted (CLF, JSON, XML, CSV
 *   are all just text around the variables), one line per request into the destination group, which must
 *   exist (AWS does not create it either; lines for a missing group are dropped with one warning);
 * - execution logs: with `loggingLevel` INFO or ERROR in the method settings, AWS's step lines into
 *   `API-Gateway-Execution-Logs_{apiId}/{stage}` (created on first use, as API Gateway does), with the
 *   request and response bodies when `dataTraceEnabled`.
 * Lines are buffered per stream and sent in PutLogEvents batches (in process) at most every FLUSH_MS.
 */
import { ServiceError } from "../../../aws/errors.js";
import type { Logger } from "../../../core/log.js";
import type { RequestContext } from "../../../edge/context.js";
import type { ServiceHost } from "../../host.js";
import { batches } from "../../lambda/logs.js";

const FLUSH_MS = 250;
/** Buffered lines per stream between two flushes; beyond it lines are dropped (and counted in the warning). */
const MAX_BUFFERED = 20_000;
const MAX_LINE_CHARS = 200_000;

/** Value of `$context.a.b` in the request's context; "-" when absent, as AWS prints missing variables. */
function lookup(context: Record<string, unknown>, path: string): string {
  let v: unknown = context;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object") return "-";
    v = (v as Record<string, unknown>)[part];
  }
  if (v === undefined || v === null || v === "") return "-";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** Substitutes `$context.x.y` variables in an access log format (a trailing dot is the format's own). */
export function renderAccessLog(format: string, context: Record<string, unknown>): string {
  return format.replace(/\$context\.([A-Za-z0-9_.-]+)/g, (_, name: string) => {
    const trimmed = name.replace(/[.-]+$/, "");
    return lookup(context, trimmed).replace(/[\r\n]+/g, " ") + name.slice(trimmed.length);
  });
}

/** The log group named by an access log destination ARN (`arn:aws:logs:r:a:log-group:NAME[:*]`). */
export function logGroupOfArn(arn: string): { region: string; account: string; group: string } | undefined {
  const m = /^arn:aws[a-z-]*:logs:([^:]*):(\d{12}):log-group:(.+?)(?::\*)?$/.exec(arn);
  return m ? { region: m[1]!, account: m[2]!, group: m[3]! } : undefined;
}

interface Buffered {
  account: string;
  region: string;
  group: string;
  stream: string;
  create: boolean;
  events: Array<{ timestamp: number; message: string }>;
  dropped: number;
}

/** Buffers log lines per stream and writes them to CloudWatch Logs in batches. */
export class StageLogWriter {
  private readonly buffers = new Map<string, Buffered>();
  private readonly known = new Set<string>();
  private readonly warned = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly services: ServiceHost, private readonly log?: Logger) {}

  /** Queues one line; `create` makes the group and stream when missing (execution logs), else only the stream. */
  add(account: string, region: string, group: string, stream: string, timestamp: number, message: string, create: boolean): void {
    const key = `${account}\u0000${region}\u0000${group}\u0000${stream}`;
    let b = this.buffers.get(key);
    if (!b) this.buffers.set(key, (b = { account, region, group, stream, create, events: [], dropped: 0 }));
    if (b.events.length >= MAX_BUFFERED) b.dropped++;
    else b.events.push({ timestamp, message: message.length > MAX_LINE_CHARS ? message.slice(0, MAX_LINE_CHARS) : message || " " });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Writes what is buffered (also for tests and shutdown). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.buffers.values()];
    this.buffers.clear();
    if (batch.length) this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  reset(): void {
    this.buffers.clear();
    this.known.clear();
    this.warned.clear();
  }

  private async write(batch: Buffered[]): Promise<void> {
    for (const b of batch) {
      await this.writeStream(b).catch((e) => {
        const once = `${b.account}/${b.region}/${b.group}`;
        if (this.warned.has(once) || this.warned.size > 1000) return;
        this.warned.add(once);
        this.log?.warn(`apigateway: log lines for ${b.group} (${b.account}, ${b.region}) dropped: ${e instanceof ServiceError ? e.message : String(e)}`);
      });
    }
  }

  private async writeStream(b: Buffered): Promise<void> {
    const ctx = { requestId: "", accountId: b.account, region: b.region, service: "apigateway", operation: "", principal: { accessKeyId: b.account, anonymous: false }, clock: { now: () => Date.now() }, endpoint: "" } as RequestContext;
    const streamKey = `${b.account}\u0000${b.region}\u0000${b.group}\u0000${b.stream}`;
    if (!this.known.has(streamKey)) {
      if (b.create) await this.services.call("logs", "CreateLogGroup", ctx, { logGroupName: b.group }).catch(ignoreExists);
      await this.services.call("logs", "CreateLogStream", ctx, { logGroupName: b.group, logStreamName: b.stream }).catch(ignoreExists);
      if (this.known.size > 10_000) this.known.clear();
      this.known.add(streamKey);
    }
    if (b.dropped) b.events.push({ timestamp: b.events.at(-1)?.timestamp ?? Date.now(), message: `[Skyport] ${b.dropped} log lines dropped: more than ${MAX_BUFFERED} within ${FLUSH_MS} ms` });
    const events = b.events.map((e, i) => ({ ...e, i })).sort((x, y) => x.timestamp - y.timestamp || x.i - y.i).map(({ timestamp, message }) => ({ timestamp, message }));
    for (const slice of batches(events)) {
      await this.services.call("logs", "PutLogEvents", ctx, { logGroupName: b.group, logStreamName: b.stream, logEvents: slice }).catch((e) => {
        if (e instanceof ServiceError && e.code === "ResourceNotFoundException") this.known.delete(streamKey);
        throw e;
      });
    }
  }
}

function ignoreExists(e: unknown): void {
  if (e instanceof ServiceError && e.code === "ResourceAlreadyExistsException") return;
  throw e;
}
