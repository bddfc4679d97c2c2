/**
 * Subscription filters: Put/Describe/DeleteSubscriptionFilter and delivery. Matching events of each
 * PutLogEvents batch go to a Lambda destination as AWS sends them — `{"awslogs":{"data": base64(gzip(JSON))}}`
 * with messageType DATA_MESSAGE, owner, logGroup, logStream, subscriptionFilters and logEvents (id, timestamp,
 * message) — through the Lambda provider in process, InvocationType Event (its persisted async queue).
 * Source: "Using CloudWatch Logs subscription filters" / "Example 2: Subscription filters with AWS Lambda".
 *
 * Gaps: Kinesis, Firehose and cross-account logs destinations are stored but receive nothing (those services
 * are not in Skyport yet); the role is not assumed; delivery is after commit, at most once per batch and
 * filter (Lambda's own queue retries the invocation).
 */
import { gzipSync } from "node:zlib";
import type * as L from "../../../aws/api/logs.js";
import { ServiceError } from "../../../aws/errors.js";
import { parseArn } from "../../../core/arn.js";
import type { RequestContext } from "../../../edge/context.js";
import type { ServiceEnv } from "../../host.js";
import { Limits, Messages, Patterns } from "../constants.js";
import { compileFilterPattern, type FilterMatcher } from "../filter-pattern.js";
import type { LogsStore, SubscriptionRow } from "../store.js";
import { decodePageToken, encodePageToken, positionDigits } from "../tokens.js";
import { checks, invalidParameter, limitExceeded, notFound } from "../validate.js";
import { checkRegexQuota, requireGroup } from "./common.js";
import { compilePattern, type StoredEvent } from "./events.js";

/** AWS: two subscription filters per log group. */
const MAX_PER_GROUP = 2;
/** Lambda's asynchronous payload limit is 256 KB; stay under it with room for the wrapper. */
const MAX_PAYLOAD_BYTES = 240 * 1024;
const LAMBDA_NOT_EXECUTABLE = "Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.";

interface Subscription {
  filterName: string;
  filterPattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: string;
}

interface Live extends Subscription {
  matcher: FilterMatcher;
}

type OffsetToken = { o: number };
const isOffsetToken = (v: unknown): v is OffsetToken => Number.isSafeInteger((v as OffsetToken)?.o) && (v as OffsetToken).o >= 0;

export class Subscriptions {
  /** Subscriptions per group id (cache; safe to lose). */
  private readonly byGroup = new Map<number, Live[]>();
  private any: boolean | undefined;

  constructor(
    private readonly store: LogsStore,
    private readonly env: ServiceEnv,
  ) {}

  reset(): void {
    this.byGroup.clear();
    this.any = undefined;
  }

  forgetGroup(groupId: number): void {
    this.byGroup.delete(groupId);
  }

  /** Whether any subscription exists at all (PutLogEvents skips the per-event work otherwise). */
  active(): boolean {
    this.any ??= (this.store.db.prepare("SELECT count(*) AS n FROM logs_subscription_filters").get() as { n: number }).n > 0;
    return this.any;
  }

  async put(ctx: RequestContext, input: L.PutSubscriptionFilterInput): Promise<L.PutSubscriptionFilterOutput> {
    checks()
      .string(input.filterName, "filterName", 1, 512, Patterns.FILTER_NAME)
      .string(input.filterPattern, "filterPattern", 0, Limits.MAX_FILTER_PATTERN_LENGTH)
      .string(input.destinationArn, "destinationArn", 1, Number.MAX_SAFE_INTEGER)
      .string(input.roleArn, "roleArn", 1, Number.MAX_SAFE_INTEGER)
      .oneOf(input.distribution, "distribution", ["Random", "ByLogStream"])
      .throwIfAny();
    compilePattern(input.filterPattern);
    const g = requireGroup(this.store, ctx, input.logGroupName);
    const dest = parseArn(input.destinationArn);
    if (!dest) throw invalidParameter(`Invalid destinationArn: ${input.destinationArn}`);
    if (dest.service === "lambda") {
      try {
        await this.env.services.call("lambda", "GetFunction", ctx, { FunctionName: input.destinationArn });
      } catch (e) {
        if (e instanceof ServiceError && e.senderFault) throw invalidParameter(LAMBDA_NOT_EXECUTABLE);
        throw e;
      }
    }
    const existing = (this.store.s.listSubscriptions!.all(g.id) as SubscriptionRow[]).map((r) => r.name);
    if (!existing.includes(input.filterName) && existing.length >= MAX_PER_GROUP) throw limitExceeded();
    checkRegexQuota(this.store, g.id, "subscription", input.filterName, input.filterPattern);
    const body: Subscription = { filterName: input.filterName, filterPattern: input.filterPattern, destinationArn: input.destinationArn, distribution: input.distribution ?? "ByLogStream" };
    if (input.roleArn !== undefined) body.roleArn = input.roleArn;
    this.store.s.putSubscription!.run(g.id, input.filterName, JSON.stringify(body), ctx.clock.now());
    this.byGroup.delete(g.id);
    this.any = true;
    return {};
  }

  describe(ctx: RequestContext, input: L.DescribeSubscriptionFiltersInput): L.DescribeSubscriptionFiltersOutput {
    checks()
      .string(input.filterNamePrefix, "filterNamePrefix", 1, 512, Patterns.FILTER_NAME)
      .range(input.limit, "limit", 1, Limits.MAX_DESCRIBE_LIMIT)
      .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
      .throwIfAny();
    const g = requireGroup(this.store, ctx, input.logGroupName);
    const rows = (this.store.s.listSubscriptions!.all(g.id) as SubscriptionRow[]).filter((r) => input.filterNamePrefix === undefined || r.name.startsWith(input.filterNamePrefix));
    const offset = input.nextToken !== undefined ? decodePageToken(input.nextToken, isOffsetToken).o : 0;
    const limit = input.limit ?? Limits.MAX_DESCRIBE_LIMIT;
    const out: L.DescribeSubscriptionFiltersOutput = {
      subscriptionFilters: rows.slice(offset, offset + limit).map((r) => {
        const b = JSON.parse(r.body) as Subscription;
        return { filterName: b.filterName, logGroupName: g.name, filterPattern: b.filterPattern, destinationArn: b.destinationArn, ...(b.roleArn ? { roleArn: b.roleArn } : {}), distribution: b.distribution, creationTime: r.created };
      }),
    };
    if (offset + limit < rows.length) out.nextToken = encodePageToken({ o: offset + limit } satisfies OffsetToken);
    return out;
  }

  delete(ctx: RequestContext, input: L.DeleteSubscriptionFilterInput): L.DeleteSubscriptionFilterOutput {
    checks().string(input.filterName, "filterName", 1, 512, Patterns.FILTER_NAME).throwIfAny();
    const g = requireGroup(this.store, ctx, input.logGroupName);
    if (!this.store.s.deleteSubscription!.run(g.id, input.filterName).changes) throw notFound(Messages.SUBSCRIPTION_NOT_FOUND);
    this.byGroup.delete(g.id);
    return {};
  }

  /** Sends the matching events of one stored batch to each subscription of the group (after the answer). */
  deliver(ctx: RequestContext, groupId: number, groupName: string, streamName: string, events: StoredEvent[]): void {
    const subs = this.live(groupId);
    for (const s of subs) {
      const matched = events.filter((e) => s.matcher.match(e.message));
      if (!matched.length || parseArn(s.destinationArn)?.service !== "lambda") continue;
      const logEvents = matched.map((e) => ({ id: positionDigits({ ts: e.timestamp, seq: e.seq }), timestamp: e.timestamp, message: e.message }));
      for (const payload of payloads(ctx.accountId, groupName, streamName, s.filterName, logEvents)) {
        this.env.services
          .call("lambda", "Invoke", ctx, { FunctionName: s.destinationArn, InvocationType: "Event", Payload: payload })
          .catch((e: unknown) => this.env.log.warn(`logs: subscription filter ${s.filterName} of ${groupName} could not invoke ${s.destinationArn}`, e));
      }
    }
  }

  private live(groupId: number): Live[] {
    let subs = this.byGroup.get(groupId);
    if (!subs) {
      subs = (this.store.s.listSubscriptions!.all(groupId) as SubscriptionRow[]).map((r) => {
        const b = JSON.parse(r.body) as Subscription;
        return { ...b, matcher: compileFilterPattern(b.filterPattern) };
      });
      this.byGroup.set(groupId, subs);
    }
    return subs;
  }
}

type LogEvent = { id: string; timestamp: number; message: string };

/** The Lambda event(s) for these events: one, or halves until each fits Lambda's async payload limit. */
function payloads(owner: string, logGroup: string, logStream: string, filterName: string, logEvents: LogEvent[]): Buffer[] {
  const data = gzipSync(JSON.stringify({ messageType: "DATA_MESSAGE", owner, logGroup, logStream, subscriptionFilters: [filterName], logEvents })).toString("base64");
  if (data.length <= MAX_PAYLOAD_BYTES || logEvents.length === 1) return [Buffer.from(JSON.stringify({ awslogs: { data } }))];
  const mid = logEvents.length >> 1;
  return [...payloads(owner, logGroup, logStream, filterName, logEvents.slice(0, mid)), ...payloads(owner, logGroup, logStream, filterName, logEvents.slice(mid))];
}
