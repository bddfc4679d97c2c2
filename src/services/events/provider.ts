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
 * Known gaps against AWS: no archives/replays, API destinations, connections, partner event sources or
 * endpoints (NotImplementedException); only Lambda, event-bus and Batch targets deliver — SQS, SNS, Kinesis,
 * Step Functions, ECS... targets are accepted and their deliveries recorded as dead letters at once; dead
 * letters are recorded in the store, not sent to SQS; bus policies and target RoleArns are stored, not
 * enforced; PutEvents does not refuse `aws.*` sources (in-process producers such as S3 use them); no
 * CloudTrail-driven rules; ManagedBy rules do not exist.
 *
 * Deliberate differences: InvalidEventPatternException messages give AWS's reason without the parser
 * position suffix; scheduled rules do not replay fires missed while the server was down; schedules and
 * retries run on env.clock, checked every second / quarter second.
 *
 * Messages not confirmed against AWS (wording ours, codes AWS's): per-entry PutTargets validation failures,
 * TestEventPattern with an event missing envelope fields, PutPermission with an invalid Policy.
 */
import type * as E from "../../aws/api/events.js";
import { parseArn } from "../../core/arn.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
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

  constructor(private readonly env: ServiceEnv) {
    this.store = new EventsStore(env.store);
    this.buses = new Buses(this.store);
    this.rules = new Rules(this.store, this.buses);
    this.router = new Router(this.store, this.buses, this.rules, env.ids, () => this.worker);
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
