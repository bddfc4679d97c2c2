/**
 * EventBridge (json 1.1): event buses (default + custom; Create/Describe/List/Delete; resource policies with
 * PutPermission/RemovePermission, stored), rules with event patterns (the whole pattern language, pattern/)
 * or schedules (rate() and six-field cron() in UTC, schedule/), targets, PutEvents (10 entries, 256 KB,
 * per-entry errors, the event envelope), TestEventPattern, tags on buses and rules.
 * Delivery: each (matched event, target) is a row of a persisted queue, delivered at least once by a worker
 * that starts at boot when rows or schedules are pending (`pendingWork` in services/index.ts), with the
 * target's Input / InputPath / InputTransformer applied, retried per RetryPolicy, then recorded as a dead
 * letter with the DeadLetterConfig ARN. Targets: Lambda (async Invoke), event buses, Batch job queues
 * (SubmitJob with BatchParameters, for when Batch is served).
 *
 * Archives and replays (archives.ts): events kept per archive pattern and retention, replayed into their bus
 * with `replay-name`.
 *
 * Known gaps against AWS: no API destinations, connections, partner event sources or
 * endpoints (NotImplementedException); only Lambda, event-bus and Batch targets deliver — SQS, SNS, Kinesis,
 * Step Functions, ECS... targets are accepted and their deliveries recorded as dead letters at once; dead
 * letters are recorded in the store, not sent to SQS; bus policies and target RoleArns are stored, not
 * enforced; PutEvents does not refuse `aws.*` sources (in-process producers such as S3 use them); no
 * CloudTrail-driven rules; ManagedBy rules do not exist.
 *
 * Deliberate differences: InvalidEventPatternException messages give AWS's reason without the parser
 * position suffix, and the engine's complexity limit for wildcards is not applied (matching is linear
 * anyway); scheduled rules do not replay fires missed while the server was down; schedules and retries run
 * on env.clock, checked every second / quarter second; DeleteEventBus deletes the bus's rules and targets;
 * an event detail nested deeper than 1000 levels is MalformedDetail; archives create no managed rule.
 *
 * Messages not confirmed against AWS (wording ours, codes AWS's): per-entry PutTargets validation failures,
 * TestEventPattern with an event missing envelope fields, PutPermission with an invalid Policy, the archive
 * and replay errors (not found, already exists, time range, cross-bus destination, cancel state).
 * Unconfirmed behaviour: `anything-but` with numbers matches string values (and vice versa).
 */
import type * as E from "../../aws/api/events.js";
import { parseArn } from "../../core/arn.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { Archives } from "./archives.js";
import { Buses } from "./buses.js";
import { busName, checks, DEFAULT_BUS, mergeTags, notFound, type Tag } from "./common.js";
import { Messages } from "./constants.js";
import { DeliveryWorker } from "./delivery.js";
import { Router } from "./ingest.js";
import { Rules } from "./rules.js";
import { EventsStore } from "./store.js";

export class EventsProvider implements E.EventsHandlers {
  readonly store: EventsStore;
  readonly worker: DeliveryWorker;
  private readonly buses: Buses;
  private readonly rules: Rules;
  private readonly router: Router;
  private readonly archives: Archives;

  constructor(private readonly env: ServiceEnv) {
    this.store = new EventsStore(env.store);
    this.buses = new Buses(this.store);
    this.rules = new Rules(this.store, this.buses);
    this.archives = new Archives(this.store, this.buses, () => env.clock.now());
    this.router = new Router(this.store, this.buses, this.rules, env.ids, this.archives, () => this.worker);
    this.archives.setReplayer((account, region, bus, event, only) => this.router.route(account, region, bus, event, env.clock.now(), only));
    this.worker = new DeliveryWorker(this.store, env, (account, region, bus, event) => {
      if (!this.buses.find(account, region, bus)) throw notFound(Messages.busNotFound(bus));
      this.router.route(account, region, bus, event, env.clock.now());
    });
  }

  drain(deadline: number): Promise<void> {
    return this.worker.drain(deadline);
  }

  close(): void {
    this.worker.close();
    this.archives.close();
  }

  /** Delivers what is due now (tests with a fake clock call this instead of waiting for the timer). */
  deliverDue(): Promise<number> {
    return this.worker.deliverDue();
  }

  /** Fires the scheduled rules that are due now (tests with a fake clock call this). */
  fireSchedules(): number {
    return this.worker.fireSchedules();
  }

  /** Deliveries that gave up, for tests and diagnostics. */
  deadLetters(account: string, region: string): Array<Record<string, unknown>> {
    return this.store.s.deadLetters!.all(account, region) as Array<Record<string, unknown>>;
  }

  // ---- buses
  CreateEventBus(ctx: RequestContext, input: E.CreateEventBusInput): E.CreateEventBusOutput {
    return this.buses.create(ctx, input);
  }
  DescribeEventBus(ctx: RequestContext, input: E.DescribeEventBusInput): E.DescribeEventBusOutput {
    return this.buses.describe(ctx, input);
  }
  /** The event bus policy for --enforce-iam (src/aws/policy/resource-policies.ts). */
  resourcePolicy(arn: string): string | undefined {
    const m = /^arn:aws[a-z-]*:events:([^:]+):(\d{12}):event-bus\/([^/]+)$/.exec(arn);
    return (m ? this.buses.find(m[2]!, m[1]!, m[3]!)?.policy : undefined) ?? undefined;
  }

  ListEventBuses(ctx: RequestContext, input: E.ListEventBusesInput): E.ListEventBusesOutput {
    return this.buses.list(ctx, input);
  }
  DeleteEventBus(ctx: RequestContext, input: E.DeleteEventBusInput): E.DeleteEventBusOutput {
    return this.buses.delete(ctx, input);
  }
  PutPermission(ctx: RequestContext, input: E.PutPermissionInput): E.PutPermissionOutput {
    return this.buses.putPermission(ctx, input);
  }
  RemovePermission(ctx: RequestContext, input: E.RemovePermissionInput): E.RemovePermissionOutput {
    return this.buses.removePermission(ctx, input);
  }

  // ---- rules and targets
  PutRule(ctx: RequestContext, input: E.PutRuleInput): E.PutRuleOutput {
    return this.rules.put(ctx, input);
  }
  DescribeRule(ctx: RequestContext, input: E.DescribeRuleInput): E.DescribeRuleOutput {
    return this.rules.describe(ctx, input);
  }
  ListRules(ctx: RequestContext, input: E.ListRulesInput): E.ListRulesOutput {
    return this.rules.list(ctx, input);
  }
  EnableRule(ctx: RequestContext, input: E.EnableRuleInput): E.EnableRuleOutput {
    return this.rules.setState(ctx, input, "ENABLED");
  }
  DisableRule(ctx: RequestContext, input: E.DisableRuleInput): E.DisableRuleOutput {
    return this.rules.setState(ctx, input, "DISABLED");
  }
  DeleteRule(ctx: RequestContext, input: E.DeleteRuleInput): E.DeleteRuleOutput {
    return this.rules.delete(ctx, input);
  }
  ListRuleNamesByTarget(ctx: RequestContext, input: E.ListRuleNamesByTargetInput): E.ListRuleNamesByTargetOutput {
    return this.rules.namesByTarget(ctx, input);
  }
  PutTargets(ctx: RequestContext, input: E.PutTargetsInput): E.PutTargetsOutput {
    return this.rules.putTargets(ctx, input);
  }
  RemoveTargets(ctx: RequestContext, input: E.RemoveTargetsInput): E.RemoveTargetsOutput {
    return this.rules.removeTargets(ctx, input);
  }
  ListTargetsByRule(ctx: RequestContext, input: E.ListTargetsByRuleInput): E.ListTargetsByRuleOutput {
    return this.rules.listTargets(ctx, input);
  }

  // ---- events
  PutEvents(ctx: RequestContext, input: E.PutEventsInput): E.PutEventsOutput {
    return this.router.putEvents(ctx, input);
  }
  TestEventPattern(_ctx: RequestContext, input: E.TestEventPatternInput): E.TestEventPatternOutput {
    return this.router.testEventPattern(input);
  }

  // ---- archives and replays
  CreateArchive(ctx: RequestContext, input: E.CreateArchiveInput): E.CreateArchiveOutput {
    return this.archives.create(ctx, input);
  }
  DescribeArchive(ctx: RequestContext, input: E.DescribeArchiveInput): E.DescribeArchiveOutput {
    return this.archives.describe(ctx, input);
  }
  ListArchives(ctx: RequestContext, input: E.ListArchivesInput): E.ListArchivesOutput {
    return this.archives.list(ctx, input);
  }
  UpdateArchive(ctx: RequestContext, input: E.UpdateArchiveInput): E.UpdateArchiveOutput {
    return this.archives.update(ctx, input);
  }
  DeleteArchive(ctx: RequestContext, input: E.DeleteArchiveInput): E.DeleteArchiveOutput {
    return this.archives.delete(ctx, input);
  }
  StartReplay(ctx: RequestContext, input: E.StartReplayInput): E.StartReplayOutput {
    return this.archives.startReplay(ctx, input);
  }
  DescribeReplay(ctx: RequestContext, input: E.DescribeReplayInput): E.DescribeReplayOutput {
    return this.archives.describeReplay(ctx, input);
  }
  ListReplays(ctx: RequestContext, input: E.ListReplaysInput): E.ListReplaysOutput {
    return this.archives.listReplays(ctx, input);
  }
  CancelReplay(ctx: RequestContext, input: E.CancelReplayInput): E.CancelReplayOutput {
    return this.archives.cancelReplay(ctx, input);
  }

  // ---- tags (buses and rules, by ARN)
  ListTagsForResource(ctx: RequestContext, input: E.ListTagsForResourceInput): E.ListTagsForResourceOutput {
    const r = this.resource(ctx, input.ResourceARN);
    return { Tags: r.get() };
  }
  TagResource(ctx: RequestContext, input: E.TagResourceInput): E.TagResourceOutput {
    checks().required(input.Tags, "tags").size(input.Tags, "tags", 0, 50).throwIfAny();
    const r = this.resource(ctx, input.ResourceARN);
    r.set(mergeTags(r.get(), input.Tags));
    return {};
  }
  UntagResource(ctx: RequestContext, input: E.UntagResourceInput): E.UntagResourceOutput {
    checks().required(input.TagKeys, "tagKeys").throwIfAny();
    const r = this.resource(ctx, input.ResourceARN);
    r.set(r.get().filter((t) => !input.TagKeys.includes(t.Key)));
    return {};
  }

  private resource(ctx: RequestContext, arnText: string): { get(): Tag[]; set(tags: Tag[]): void } {
    checks().required(arnText, "resourceARN").string(arnText, "resourceARN", 1, 1600).throwIfAny();
    const a = parseArn(arnText);
    if (a?.service === "events" && a.resource.startsWith("event-bus/")) {
      const bus = busName(a.resource.slice("event-bus/".length));
      return { get: () => this.buses.tags(ctx, bus), set: (t) => this.buses.setTags(ctx, bus, t) };
    }
    if (a?.service === "events" && a.resource.startsWith("rule/")) {
      const parts = a.resource.slice("rule/".length).split("/");
      const name = parts.pop()!;
      const bus = parts.length ? parts.join("/") : DEFAULT_BUS;
      return { get: () => this.rules.tags(ctx, bus, name), set: (t) => this.rules.setTags(ctx, bus, name, t) };
    }
    throw notFound(Messages.resourceNotFound(arnText));
  }
}

export const createProvider = (env: ServiceEnv) => new EventsProvider(env);
