/**
 * Event notifications: the bucket's configuration (validated: each Lambda must exist; an `s3:TestEvent` is
 * sent to each on configuration), and delivery of object events through a persisted queue
 * (`s3_notify_queue`, written with the object's row so at-least-once holds across a kill -9; resumed at
 * boot). Lambda targets get the S3 event record as AWS writes it, through Lambda's own asynchronous
 * invoke; EventBridge gets `Object Created`/`Object Deleted` events through PutEvents (retried with backoff
 * while EventBridge answers an error — e.g. NotImplemented before it exists). SNS/SQS configurations are
 * stored, nothing is sent (no SNS/SQS in Skyport).
 */
import type * as S from "../../aws/api/s3.js";
import type { RequestContext } from "../../edge/context.js";
import { ServiceError } from "../../aws/errors.js";
import type { BucketRow, NotifyRow, ObjectRow } from "./store.js";
import { sequencer, type S3Core } from "./core.js";
import { Errors } from "./errors.js";

const EVENTS = new Set([
  "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload",
  "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated",
  "s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
  "s3:ReducedRedundancyLostObject", "s3:Replication:*", "s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete",
  "s3:LifecycleExpiration:DeleteMarkerCreated", "s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectTagging:*",
  "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete", "s3:ObjectAcl:Put", "s3:TestEvent",
]);
type NotificationConfiguration = S.GetBucketNotificationConfigurationOutput;
const MAX_ATTEMPTS = 200;
const MAX_BACKOFF_MS = 5 * 60 * 1000;
const BATCH = 50;

type Target = { kind: "lambda"; arn: string } | { kind: "eventbridge" };
interface Payload {
  account: string;
  region: string;
  body: unknown;
}

/** S3 writes keys in event records form-URL-encoded ("red flower.jpg" → "red+flower.jpg"), slashes kept. */
export const eventKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");

export class Notifier {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;

  constructor(private readonly core: S3Core) {}

  ops() {
    return {
      GetBucketNotificationConfiguration: (ctx: RequestContext, i: S.GetBucketNotificationConfigurationInput): NotificationConfiguration =>
        this.core.config<NotificationConfiguration>(this.core.bucket(ctx, i.Bucket), "notification") ?? {},
      PutBucketNotificationConfiguration: (ctx: RequestContext, i: S.PutBucketNotificationConfigurationInput) => this.configure(ctx, i),
    };
  }

  private async configure(ctx: RequestContext, i: S.PutBucketNotificationConfigurationInput): Promise<object> {
    const b = this.core.bucket(ctx, i.Bucket);
    if (b.account !== ctx.accountId) throw Errors.accessDenied();
    const cfg = i.NotificationConfiguration ?? {};
    const all = [...(cfg.LambdaFunctionConfigurations ?? []), ...(cfg.TopicConfigurations ?? []), ...(cfg.QueueConfigurations ?? [])];
    for (const c of all) {
      c.Id ??= randomId();
      for (const e of c.Events ?? []) if (!EVENTS.has(e)) throw Errors.invalidArgument("The event is not supported for notifications", e, e);
      const seen = new Set<string>();
      for (const r of c.Filter?.Key?.FilterRules ?? []) {
        const name = (r.Name ?? "").toLowerCase();
        if (name !== "prefix" && name !== "suffix") throw Errors.invalidArgument("filter rule name must be either prefix or suffix", "FilterRule.Name", r.Name);
        if (seen.has(name)) throw Errors.invalidArgument(`Cannot specify more than one ${name} rule in a filter.`, "FilterRule.Name", r.Name);
        seen.add(name);
      }
    }
    const failed: string[] = [];
    for (const c of cfg.LambdaFunctionConfigurations ?? []) {
      try {
        await this.core.env.services.call("lambda", "GetFunction", ctx, { FunctionName: c.LambdaFunctionArn });
      } catch {
        failed.push(c.LambdaFunctionArn);
      }
    }
    if (failed.length) throw Errors.invalidArgument("Unable to validate the following destination configurations", failed[0], "Not authorized to invoke function [" + failed[0] + "]");
    this.core.setConfig(b, "notification", cfg);
    // s3:TestEvent to each destination, as S3 does when a configuration is set.
    const test = { Service: "Amazon S3", Event: "s3:TestEvent", Time: new Date(ctx.clock.now()).toISOString(), Bucket: b.name, RequestId: ctx.requestId, HostId: ctx.requestId };
    for (const c of cfg.LambdaFunctionConfigurations ?? []) this.enqueue(ctx, { kind: "lambda", arn: c.LambdaFunctionArn }, test);
    return {};
  }

  /** Queues the notifications an object event triggers (in the caller's write, so they commit together). */
  objectEvent(ctx: RequestContext, b: BucketRow, eventName: string, row: ObjectRow): void {
    const cfg = this.core.config<NotificationConfiguration>(b, "notification");
    if (!cfg) return;
    const created = eventName.startsWith("ObjectCreated");
    const lifecycle = eventName.startsWith("LifecycleExpiration");
    const object: Record<string, unknown> = { key: eventKey(row.key) };
    if (created) Object.assign(object, { size: row.size, eTag: row.etag });
    if (row.version_id !== "null") object.versionId = row.version_id;
    const seq = sequencer(ctx.clock.now());
    object.sequencer = seq;
    for (const c of cfg.LambdaFunctionConfigurations ?? []) {
      if (!matchesEvent(c.Events ?? [], eventName) || !matchesFilter(c.Filter?.Key?.FilterRules ?? [], row.key)) continue;
      this.enqueue(ctx, { kind: "lambda", arn: c.LambdaFunctionArn }, {
        Records: [{
          eventVersion: "2.1",
          eventSource: "aws:s3",
          awsRegion: b.region,
          eventTime: new Date(row.modified).toISOString(),
          eventName,
          userIdentity: { principalId: `AWS:${ctx.principal.accessKeyId || ctx.accountId}` },
          requestParameters: { sourceIPAddress: "127.0.0.1" },
          responseElements: { "x-amz-request-id": ctx.requestId, "x-amz-id-2": ctx.requestId },
          s3: {
            s3SchemaVersion: "1.0",
            configurationId: c.Id,
            bucket: { name: b.name, ownerIdentity: { principalId: b.account }, arn: `arn:aws:s3:::${b.name}` },
            object,
          },
        }],
      });
    }
    if (cfg.EventBridgeConfiguration) {
      const reason = { "ObjectCreated:Put": "PutObject", "ObjectCreated:Copy": "CopyObject", "ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload" }[eventName as string] ?? (lifecycle ? "Lifecycle Expiration" : "DeleteObject");
      const detail: Record<string, unknown> = {
        version: "0",
        bucket: { name: b.name },
        object: { key: row.key, ...(created ? { size: row.size, etag: row.etag } : {}), ...(row.version_id !== "null" ? { "version-id": row.version_id } : {}), sequencer: seq },
        "request-id": ctx.requestId,
        requester: ctx.accountId,
        "source-ip-address": "127.0.0.1",
        reason,
      };
      if (!created) detail["deletion-type"] = row.delete_marker || eventName.endsWith("DeleteMarkerCreated") ? "Delete Marker Created" : "Permanently Deleted";
      this.enqueue(ctx, { kind: "eventbridge" }, {
        Entries: [{ Source: "aws.s3", DetailType: created ? "Object Created" : "Object Deleted", Detail: JSON.stringify(detail), Resources: [`arn:aws:s3:::${b.name}`] }],
      });
    }
  }

  private enqueue(ctx: RequestContext, target: Target, body: unknown): void {
    const payload: Payload = { account: ctx.accountId, region: ctx.region, body };
    this.core.store.q("INSERT INTO s3_notify_queue(due, attempts, target, payload) VALUES (?, 0, ?, ?)").run(ctx.clock.now(), JSON.stringify(target), JSON.stringify(payload));
    // Deliver once the row (and the object with it) is committed.
    const pending = this.core.env.store.settled();
    if (pending) void pending.then(() => this.kick());
    else setImmediate(() => this.kick());
  }

  /** Delivers what is due now; reschedules itself for the next due row. */
  kick(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.closed) return;
    const next = this.core.store.q("SELECT MIN(due) AS due FROM s3_notify_queue").get() as { due: number | null };
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (next.due === null) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, next.due - this.core.env.clock.now()));
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    const env = this.core.env;
    for (;;) {
      const rows = this.core.store.q("SELECT * FROM s3_notify_queue WHERE due <= ? ORDER BY id LIMIT ?").all(env.clock.now(), BATCH) as NotifyRow[];
      if (!rows.length || this.closed) return;
      for (const row of rows) {
        const target = JSON.parse(row.target) as Target;
        const p = JSON.parse(row.payload) as Payload;
        const ctx: RequestContext = { requestId: env.ids.uuid(), accountId: p.account, region: p.region, service: "s3", operation: "", principal: { accessKeyId: "", anonymous: false }, clock: env.clock, endpoint: env.services.localEndpoint };
        try {
          if (target.kind === "lambda") await env.services.call("lambda", "Invoke", ctx, { FunctionName: target.arn, InvocationType: "Event", Payload: Buffer.from(JSON.stringify(p.body)) });
          else {
            const r = await env.services.call<{ FailedEntryCount?: number }>("events", "PutEvents", ctx, p.body as object);
            if (r.FailedEntryCount) throw new Error("PutEvents failed an entry");
          }
          this.core.store.q("DELETE FROM s3_notify_queue WHERE id = ?").run(row.id);
        } catch (e) {
          const gone = e instanceof ServiceError && e.code === "ResourceNotFoundException";
          if (gone || row.attempts + 1 >= MAX_ATTEMPTS) {
            env.log.warn(`s3: dropping a notification to ${target.kind === "lambda" ? target.arn : "EventBridge"} after ${row.attempts + 1} attempts: ${(e as Error).message}`);
            this.core.store.q("DELETE FROM s3_notify_queue WHERE id = ?").run(row.id);
          } else {
            const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** row.attempts);
            this.core.store.q("UPDATE s3_notify_queue SET attempts = attempts + 1, due = ? WHERE id = ?").run(env.clock.now() + backoff, row.id);
          }
        }
      }
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

function matchesEvent(events: string[], eventName: string): boolean {
  const full = `s3:${eventName}`;
  return events.some((e) => e === full || (e.endsWith(":*") && full.startsWith(e.slice(0, -1))));
}

function matchesFilter(rules: Array<{ Name?: string; Value?: string }>, key: string): boolean {
  for (const r of rules) {
    const name = (r.Name ?? "").toLowerCase();
    if (name === "prefix" && !key.startsWith(r.Value ?? "")) return false;
    if (name === "suffix" && !key.endsWith(r.Value ?? "")) return false;
  }
  return true;
}

const randomId = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
