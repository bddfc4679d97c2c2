/**
 * Export tasks (CreateExportTask / DescribeExportTasks / CancelExportTask): a log group's events in a time
 * range, written to an S3 bucket of this server (called in process) as AWS lays them out:
 * `<destinationPrefix>/<taskId>/<logStreamName>/000000.gz`, each a gzip of one line per event,
 * `<ISO-8601 timestamp> <message>`, plus `<destinationPrefix>/aws-logs-write-test` (AWS's permission probe).
 * A stream's file rolls over to 000001.gz … past CHUNK_BYTES of lines, so no object is built whole in memory:
 * events are read a page at a time (never one open SQLite iterator across awaits) and gzipped as S3 reads them.
 *
 * Tasks are rows in `logs_objects` (kind "export-task"); status goes PENDING → RUNNING → COMPLETED (or
 * CANCELLED / FAILED). Work runs after the response; tasks left PENDING/RUNNING by a restart run again at
 * the provider's start. One active (PENDING or RUNNING) task per account and Region, as AWS allows.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import type * as L from "../../aws/api/logs.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { Statement } from "../../store/store.js";
import type { ServiceEnv } from "../host.js";
import { Patterns } from "./constants.js";
import { requireGroup } from "./operations/common.js";
import type { LogsStore, ObjectRow } from "./store.js";
import { decodePageToken, encodePageToken } from "./tokens.js";
import { checks, invalidParameter, limitExceeded, notFound } from "./validate.js";

const KIND = "export-task";
/** Uncompressed bytes of lines per exported file before the next file starts. */
const CHUNK_BYTES = 64 * 1024 * 1024;
const PAGE = 1000;
/** Finished tasks kept for DescribeExportTasks per account and Region (oldest dropped first). */
const MAX_KEPT = 1000;
const STATUS_CODES = ["CANCELLED", "COMPLETED", "FAILED", "PENDING", "PENDING_CANCEL", "RUNNING"];
/** Status messages as DescribeExportTasks shows them in AWS's examples. */
const STATUS_MESSAGES: Record<string, string> = {
  PENDING: "Pending",
  RUNNING: "Started Successfully",
  COMPLETED: "Completed successfully",
  CANCELLED: "Cancelled by user",
};

interface TaskBody {
  taskId: string;
  taskName?: string;
  logGroupName: string;
  logStreamNamePrefix?: string;
  from: number;
  to: number;
  destination: string;
  destinationPrefix: string;
  status: { code: string; message?: string };
  executionInfo: { creationTime: number; completionTime?: number };
  account: string;
  region: string;
}

type OffsetToken = { o: number };
const isOffsetToken = (v: unknown): v is OffsetToken => Number.isSafeInteger((v as OffsetToken)?.o) && (v as OffsetToken).o >= 0;

export class ExportTasks {
  private readonly eventsPage: Statement;
  private readonly streamsOf: Statement;
  private readonly running = new Set<string>();
  private closed = false;

  constructor(
    private readonly store: LogsStore,
    private readonly env: ServiceEnv,
  ) {
    this.eventsPage = store.db.prepare(
      `SELECT seq, ts, message FROM logs_events WHERE group_id = ? AND stream_id = ? AND ts <= ?
         AND (ts > ? OR (ts = ? AND seq > ?)) ORDER BY ts, seq LIMIT ${PAGE}`,
    );
    this.streamsOf = store.db.prepare("SELECT id, name FROM logs_streams WHERE group_id = ? AND substr(name, 1, length(?)) = ? ORDER BY name");
    // Tasks a restart interrupted run again (their objects are simply rewritten).
    const active = store.db.prepare("SELECT body FROM logs_objects WHERE kind = ?").all(KIND) as Array<{ body: string }>;
    for (const r of active) {
      const t = JSON.parse(r.body) as TaskBody;
      if (t.status.code === "PENDING" || t.status.code === "RUNNING") this.schedule(t);
    }
  }

  close(): void {
    this.closed = true;
  }

  async create(ctx: RequestContext, input: L.CreateExportTaskInput): Promise<L.CreateExportTaskOutput> {
    checks()
      .string(input.taskName, "taskName", 1, 512)
      .string(input.logGroupName, "logGroupName", 1, 512, Patterns.LOG_GROUP_NAME)
      .string(input.logStreamNamePrefix, "logStreamNamePrefix", 1, 512, Patterns.LOG_STREAM_NAME)
      .range(input.from, "from", 0)
      .range(input.to, "to", 0)
      .string(input.destination, "destination", 1, 512)
      .string(input.destinationPrefix, "destinationPrefix", 0, 1024)
      .throwIfAny();
    const g = requireGroup(this.store, ctx, input.logGroupName);
    // Messages below are Skyport's wording (codes AWS's); no public record of AWS's exact text was found.
    if (input.to < input.from) throw invalidParameter("The value of 'to' must be greater than or equal to the value of 'from'.");
    if (this.all(ctx.accountId, ctx.region).some((t) => t.status.code === "PENDING" || t.status.code === "RUNNING")) throw limitExceeded();
    const prefix = input.destinationPrefix ?? "exportedlogs";
    const t: TaskBody = {
      taskId: randomUUID(),
      taskName: input.taskName,
      logGroupName: g.name,
      logStreamNamePrefix: input.logStreamNamePrefix,
      from: input.from,
      to: input.to,
      destination: input.destination,
      destinationPrefix: prefix,
      status: { code: "PENDING", message: STATUS_MESSAGES.PENDING },
      executionInfo: { creationTime: ctx.clock.now() },
      account: ctx.accountId,
      region: ctx.region,
    };
    // The bucket is checked, and AWS's probe object written, before the call returns — AWS answers at once.
    // Saved before the probe's await, so a concurrent CreateExportTask already finds it active.
    this.save(t);
    try {
      await this.probe(ctx, t);
    } catch (e) {
      this.store.s.deleteObject!.run(t.account, t.region, KIND, t.taskId);
      throw e;
    }
    this.schedule(t);
    return { taskId: t.taskId };
  }

  describe(ctx: RequestContext, input: L.DescribeExportTasksInput): L.DescribeExportTasksOutput {
    checks()
      .string(input.taskId, "taskId", 1, 512)
      .oneOf(input.statusCode, "statusCode", STATUS_CODES)
      .range(input.limit, "limit", 1, 50)
      .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
      .throwIfAny();
    const start = input.nextToken !== undefined ? decodePageToken(input.nextToken, isOffsetToken).o : 0;
    const limit = input.limit ?? 50;
    const match = this.all(ctx.accountId, ctx.region).filter((t) => (input.taskId === undefined || t.taskId === input.taskId) && (input.statusCode === undefined || t.status.code === input.statusCode));
    const page = match.slice(start, start + limit);
    return {
      exportTasks: page.map(({ account: _a, region: _r, ...t }) => t),
      nextToken: start + limit < match.length ? encodePageToken({ o: start + limit }) : undefined,
    };
  }

  cancel(ctx: RequestContext, input: L.CancelExportTaskInput): L.CancelExportTaskOutput {
    checks().string(input.taskId, "taskId", 1, 512).throwIfAny();
    const t = this.get(ctx.accountId, ctx.region, input.taskId);
    if (!t) throw notFound("The specified export task does not exist.");
    if (t.status.code !== "PENDING" && t.status.code !== "RUNNING") throw new ServiceError("InvalidOperationException", "The specified export task has already finished", 400);
    this.finish(t, "CANCELLED");
    return {};
  }

  // ---------------------------------------------------------------- work

  private async probe(ctx: RequestContext, t: TaskBody): Promise<void> {
    try {
      await this.env.services.call("s3", "PutObject", this.contextFor(t, ctx.requestId), { Bucket: t.destination, Key: `${t.destinationPrefix}/aws-logs-write-test`, Body: Buffer.from("Permission Check Successful") });
    } catch (e) {
      if (e instanceof ServiceError && e.code === "NoSuchBucket") throw invalidParameter("The specified bucket does not exist");
      if (e instanceof ServiceError && e.status < 500) throw invalidParameter(`GetBucketAcl call on the given bucket failed. Please check if CloudWatch Logs has been granted permission to perform this operation. ${e.message}`);
      throw e;
    }
  }

  private schedule(t: TaskBody): void {
    if (this.running.has(t.taskId)) return;
    this.running.add(t.taskId);
    setImmediate(() => {
      this.run(t)
        .catch((e) => {
          this.env.log.warn("logs export task failed", e);
          const cur = this.get(t.account, t.region, t.taskId);
          if (cur && (cur.status.code === "PENDING" || cur.status.code === "RUNNING")) this.finish(cur, "FAILED", e instanceof Error ? e.message : String(e));
        })
        .finally(() => this.running.delete(t.taskId));
    });
  }

  private async run(task: TaskBody): Promise<void> {
    if (this.closed || !this.stillActive(task)) return;
    task.status = { code: "RUNNING", message: STATUS_MESSAGES.RUNNING };
    this.save(task);
    const ctx = this.contextFor(task, randomUUID());
    const g = this.store.getGroup(task.account, task.region, task.logGroupName);
    const prefix = task.logStreamNamePrefix ?? "";
    const streams = g ? (this.streamsOf.all(g.id, prefix, prefix) as Array<{ id: number; name: string }>) : [];
    for (const s of streams) {
      const cursor = { ts: task.from - 1, seq: Number.MAX_SAFE_INTEGER, done: false };
      for (let file = 0; !cursor.done; file++) {
        if (this.closed || !this.stillActive(task)) return;
        const lines = this.chunk(g!.id, s.id, task.to, cursor);
        const first = await lines.next();
        if (first.done) break; // no (more) events in range: AWS writes no empty file
        const body = Readable.from((async function* () {
          yield first.value;
          yield* lines;
        })()).pipe(createGzip());
        const key = `${task.destinationPrefix}/${task.taskId}/${s.name}/${String(file).padStart(6, "0")}.gz`;
        await this.env.services.call("s3", "PutObject", ctx, { Bucket: task.destination, Key: key, Body: body, ContentType: "application/octet-stream", ContentEncoding: "gzip" });
      }
    }
    if (this.stillActive(task)) this.finish(task, "COMPLETED");
  }

  /** Lines of one file: pages of events after the cursor, up to CHUNK_BYTES; sets cursor.done at the end. */
  private async *chunk(groupId: number, streamId: number, to: number, cursor: { ts: number; seq: number; done: boolean }): AsyncGenerator<Buffer> {
    let bytes = 0;
    while (bytes < CHUNK_BYTES) {
      const rows = this.eventsPage.all(groupId, streamId, to, cursor.ts, cursor.ts, cursor.seq) as Array<{ seq: number; ts: number; message: string }>;
      if (rows.length < PAGE) cursor.done = true;
      if (!rows.length) return;
      const text = rows.map((r) => `${new Date(r.ts).toISOString()} ${r.message}${r.message.endsWith("\n") ? "" : "\n"}`).join("");
      const last = rows[rows.length - 1]!;
      // seq orders events of one timestamp; the first page starts at ts = from - 1 with any seq.
      cursor.ts = last.ts;
      cursor.seq = last.seq;
      const buf = Buffer.from(text);
      bytes += buf.length;
      yield buf;
      if (cursor.done) return;
    }
  }

  // ---------------------------------------------------------------- rows

  private contextFor(t: TaskBody, requestId: string): RequestContext {
    return { requestId, accountId: t.account, region: t.region, service: "logs", operation: "CreateExportTask", principal: { accessKeyId: "", anonymous: false }, clock: this.env.clock, endpoint: this.env.services.localEndpoint };
  }

  private stillActive(t: TaskBody): boolean {
    const cur = this.get(t.account, t.region, t.taskId);
    return !!cur && (cur.status.code === "PENDING" || cur.status.code === "RUNNING");
  }

  private finish(t: TaskBody, code: string, message = STATUS_MESSAGES[code]): void {
    t.status = { code, message };
    t.executionInfo.completionTime = this.env.clock.now();
    this.save(t);
  }

  private save(t: TaskBody): void {
    this.store.s.putObject!.run(t.account, t.region, KIND, t.taskId, JSON.stringify(t), t.executionInfo.creationTime);
  }

  private get(account: string, region: string, id: string): TaskBody | undefined {
    const r = this.store.s.getObject!.get(account, region, KIND, id) as ObjectRow | undefined;
    return r ? (JSON.parse(r.body) as TaskBody) : undefined;
  }

  /** Every task of the account and Region, newest first. Bounded by MAX_KEPT (older finished tasks are dropped). */
  private all(account: string, region: string): TaskBody[] {
    const rows = this.store.s.listObjects!.all(account, region, KIND, "") as ObjectRow[];
    const tasks = rows.map((r) => JSON.parse(r.body) as TaskBody).sort((a, b) => b.executionInfo.creationTime - a.executionInfo.creationTime);
    for (const old of tasks.slice(MAX_KEPT)) this.store.s.deleteObject!.run(account, region, KIND, old.taskId);
    return tasks.slice(0, MAX_KEPT);
  }
}
