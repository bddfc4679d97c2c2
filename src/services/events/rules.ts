/**
 * Rules and their targets: PutRule (event pattern or schedule), Describe/List/Enable/Disable/Delete,
 * ListRuleNamesByTarget, PutTargets (per-entry FailedEntries for a target that does not validate),
 * RemoveTargets, ListTargetsByRule. Scheduled rules get their first `next_fire` here.
 */
import type * as E from "../../aws/api/events.js";
import type { RequestContext } from "../../edge/context.js";
import type { Buses } from "./buses.js";
import { busName, checks, decodeToken, DEFAULT_BUS, encodeToken, limitExceeded, notFound, ruleArn, validation, type Tag } from "./common.js";
import { Limits, Messages, Patterns, RULE_STATES } from "./constants.js";
import { compilePattern } from "./pattern/compile.js";
import { parseSchedule, ScheduleSyntaxError } from "./schedule/cron.js";
import type { EventsStore, RuleRow } from "./store.js";
import { isReservedVariable, parseJsonPath, type Target } from "./transform.js";

export class Rules {
  constructor(
    private readonly store: EventsStore,
    private readonly buses: Buses,
  ) {}

  require(ctx: RequestContext, bus: string, name: string): RuleRow {
    const row = this.store.s.getRule!.get(ctx.accountId, ctx.region, bus, name) as RuleRow | undefined;
    if (!row) throw notFound(Messages.ruleNotFound(name, bus));
    return row;
  }

  private nameChecks(name: string | undefined) {
    return checks().required(name, "name").string(name, "name", 1, 64, Patterns.RULE_NAME);
  }

  put(ctx: RequestContext, input: E.PutRuleInput): E.PutRuleOutput {
    this.nameChecks(input.Name)
      .string(input.ScheduleExpression, "scheduleExpression", 0, 256)
      .string(input.EventPattern, "eventPattern", 0, Limits.MAX_EVENT_PATTERN_LENGTH)
      .oneOf(input.State, "state", RULE_STATES)
      .string(input.Description, "description", 0, 512)
      .string(input.RoleArn, "roleArn", 1, 1600)
      .throwIfAny();
    const bus = busName(input.EventBusName);
    this.buses.require(ctx, bus);
    if (!input.EventPattern && !input.ScheduleExpression) throw validation(Messages.patternOrSchedule);
    if (input.EventPattern) compilePattern(input.EventPattern);
    const existing = this.store.s.getRule!.get(ctx.accountId, ctx.region, bus, input.Name) as RuleRow | undefined;
    const now = ctx.clock.now();
    const created = existing?.created ?? now;
    const state = input.State ?? "ENABLED";
    let nextFire: number | null = null;
    if (input.ScheduleExpression) {
      if (bus !== DEFAULT_BUS) throw validation(Messages.scheduleOnlyDefault);
      try {
        const s = parseSchedule(input.ScheduleExpression, created);
        nextFire = state === "DISABLED" ? null : (s.next(now) ?? null);
      } catch (e) {
        if (e instanceof ScheduleSyntaxError) throw validation(Messages.scheduleInvalid);
        throw e;
      }
    }
    if (!existing && (this.store.s.countRules!.get(ctx.accountId, ctx.region, bus) as { n: number }).n >= Limits.MAX_RULES_PER_BUS) throw limitExceeded(Messages.tooManyEntries);
    this.store.s.upsertRule!.run({
      account: ctx.accountId,
      region: ctx.region,
      bus,
      name: input.Name,
      pattern: input.EventPattern ?? null,
      schedule: input.ScheduleExpression ?? null,
      state,
      description: input.Description ?? null,
      role_arn: input.RoleArn ?? null,
      managed_by: null,
      tags: JSON.stringify(input.Tags ?? []),
      created,
      next_fire: nextFire,
    });
    return { RuleArn: ruleArn(ctx.accountId, ctx.region, bus, input.Name) };
  }

  private view(r: RuleRow): E.DescribeRuleOutput {
    return {
      Name: r.name,
      Arn: ruleArn(r.account, r.region, r.bus, r.name),
      ...(r.pattern ? { EventPattern: r.pattern } : {}),
      ...(r.schedule ? { ScheduleExpression: r.schedule } : {}),
      State: r.state,
      ...(r.description ? { Description: r.description } : {}),
      ...(r.role_arn ? { RoleArn: r.role_arn } : {}),
      ...(r.managed_by ? { ManagedBy: r.managed_by } : {}),
      EventBusName: r.bus,
    };
  }

  describe(ctx: RequestContext, input: E.DescribeRuleInput): E.DescribeRuleOutput {
    this.nameChecks(input.Name).throwIfAny();
    const bus = busName(input.EventBusName);
    const r = this.require(ctx, bus, input.Name);
    return { ...this.view(r), CreatedBy: r.account };
  }

  list(ctx: RequestContext, input: E.ListRulesInput): E.ListRulesOutput {
    checks().string(input.NamePrefix, "namePrefix", 1, 64, Patterns.RULE_NAME).range(input.Limit, "limit", 1, 100).throwIfAny();
    const bus = busName(input.EventBusName);
    this.buses.require(ctx, bus);
    const prefix = input.NamePrefix ?? "";
    const rows = this.store.s.listRules!.all(ctx.accountId, ctx.region, bus, decodeToken(input.NextToken), prefix, prefix) as RuleRow[];
    const limit = input.Limit ?? 100;
    const page = rows.slice(0, limit);
    return { Rules: page.map((r) => this.view(r)), ...(rows.length > limit ? { NextToken: encodeToken(page[page.length - 1]!.name) } : {}) };
  }

  setState(ctx: RequestContext, input: E.EnableRuleInput, state: "ENABLED" | "DISABLED"): Record<string, never> {
    this.nameChecks(input.Name).throwIfAny();
    const bus = busName(input.EventBusName);
    const r = this.require(ctx, bus, input.Name);
    let next: number | null = null;
    if (state === "ENABLED" && r.schedule) next = parseSchedule(r.schedule, r.created).next(ctx.clock.now()) ?? null;
    this.store.s.setRuleState!.run(state, next, ctx.accountId, ctx.region, bus, input.Name);
    return {};
  }

  delete(ctx: RequestContext, input: E.DeleteRuleInput): E.DeleteRuleOutput {
    this.nameChecks(input.Name).throwIfAny();
    const bus = busName(input.EventBusName);
    const r = this.store.s.getRule!.get(ctx.accountId, ctx.region, bus, input.Name) as RuleRow | undefined;
    if (!r) return {}; // AWS answers success for a rule that does not exist
    if ((this.store.s.countTargets!.get(ctx.accountId, ctx.region, bus, input.Name) as { n: number }).n > 0) throw validation(Messages.ruleHasTargets);
    this.store.s.deleteRule!.run(ctx.accountId, ctx.region, bus, input.Name);
    return {};
  }

  namesByTarget(ctx: RequestContext, input: E.ListRuleNamesByTargetInput): E.ListRuleNamesByTargetOutput {
    checks().required(input.TargetArn, "targetArn").string(input.TargetArn, "targetArn", 1, 1600).range(input.Limit, "limit", 1, 100).throwIfAny();
    const bus = busName(input.EventBusName);
    this.buses.require(ctx, bus);
    const rows = this.store.s.rulesByTarget!.all(ctx.accountId, ctx.region, bus, input.TargetArn, decodeToken(input.NextToken)) as Array<{ rule: string }>;
    const limit = input.Limit ?? 100;
    const page = rows.slice(0, limit).map((r) => r.rule);
    return { RuleNames: page, ...(rows.length > limit ? { NextToken: encodeToken(page[page.length - 1]!) } : {}) };
  }

  targets(account: string, region: string, bus: string, rule: string): Target[] {
    return (this.store.s.getTargets!.all(account, region, bus, rule) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as Target);
  }

  putTargets(ctx: RequestContext, input: E.PutTargetsInput): E.PutTargetsOutput {
    checks().required(input.Rule, "rule").string(input.Rule, "rule", 1, 64, Patterns.RULE_NAME).required(input.Targets, "targets").size(input.Targets, "targets", 1, 10).throwIfAny();
    const c = checks();
    input.Targets.forEach((t, i) => c.required(t.Id, `targets.${i + 1}.member.id`).string(t.Id, `targets.${i + 1}.member.id`, 1, 64, Patterns.TARGET_ID).required(t.Arn, `targets.${i + 1}.member.arn`).string(t.Arn, `targets.${i + 1}.member.arn`, 1, 1600));
    c.throwIfAny();
    const bus = busName(input.EventBusName);
    this.require(ctx, bus, input.Rule);
    const existing = new Set(this.targets(ctx.accountId, ctx.region, bus, input.Rule).map((t) => t.Id));
    const adding = input.Targets.filter((t) => !existing.has(t.Id)).length;
    if (existing.size + adding > Limits.MAX_TARGETS_PER_RULE) throw limitExceeded(Messages.tooManyEntries);
    const failed: NonNullable<E.PutTargetsOutput["FailedEntries"]> = [];
    for (const t of input.Targets) {
      const problem = targetProblem(t);
      if (problem) {
        failed.push({ TargetId: t.Id, ErrorCode: "ValidationException", ErrorMessage: problem });
        continue;
      }
      this.store.s.upsertTarget!.run(ctx.accountId, ctx.region, bus, input.Rule, t.Id, t.Arn, JSON.stringify(t));
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  removeTargets(ctx: RequestContext, input: E.RemoveTargetsInput): E.RemoveTargetsOutput {
    checks().required(input.Rule, "rule").string(input.Rule, "rule", 1, 64, Patterns.RULE_NAME).required(input.Ids, "ids").size(input.Ids, "ids", 1, 100).throwIfAny();
    const bus = busName(input.EventBusName);
    this.require(ctx, bus, input.Rule);
    const failed: NonNullable<E.RemoveTargetsOutput["FailedEntries"]> = [];
    for (const id of input.Ids) {
      // AWS reports no failure for an id the rule does not have.
      this.store.s.deleteTarget!.run(ctx.accountId, ctx.region, bus, input.Rule, id);
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  listTargets(ctx: RequestContext, input: E.ListTargetsByRuleInput): E.ListTargetsByRuleOutput {
    checks().required(input.Rule, "rule").string(input.Rule, "rule", 1, 64, Patterns.RULE_NAME).range(input.Limit, "limit", 1, 100).throwIfAny();
    const bus = busName(input.EventBusName);
    this.require(ctx, bus, input.Rule);
    const after = decodeToken(input.NextToken);
    const all = this.targets(ctx.accountId, ctx.region, bus, input.Rule).filter((t) => t.Id > after);
    const limit = input.Limit ?? 100;
    const page = all.slice(0, limit);
    return { Targets: page, ...(all.length > limit ? { NextToken: encodeToken(page[page.length - 1]!.Id) } : {}) };
  }

  tags(ctx: RequestContext, bus: string, name: string): Tag[] {
    return JSON.parse(this.require(ctx, bus, name).tags) as Tag[];
  }

  setTags(ctx: RequestContext, bus: string, name: string, tags: Tag[]): void {
    this.require(ctx, bus, name);
    this.store.s.setRuleTags!.run(JSON.stringify(tags), ctx.accountId, ctx.region, bus, name);
  }
}

/** Why a target cannot be stored (wording ours: AWS's per-entry messages are not documented). */
function targetProblem(t: Target): string | undefined {
  const given = [t.Input !== undefined, t.InputPath !== undefined, t.InputTransformer !== undefined].filter(Boolean).length;
  if (given > 1) return "Only one of Input, InputPath, or InputTransformer can be provided.";
  if (!t.Arn.startsWith("arn:")) return `Parameter ${t.Arn} is not valid. Reason: Provided Arn is not in correct format.`;
  if (t.Input !== undefined) {
    if (t.Input.length > 8192) return "Input must have length less than or equal to 8192.";
    try {
      JSON.parse(t.Input);
    } catch {
      return "Input is not valid JSON text.";
    }
  }
  if (t.InputPath !== undefined && (t.InputPath.length > 256 || !parseJsonPath(t.InputPath))) return `InputPath ${t.InputPath} is not a valid JsonPath.`;
  const tr = t.InputTransformer;
  if (tr) {
    if (typeof tr.InputTemplate !== "string" || tr.InputTemplate.length < 1 || tr.InputTemplate.length > 8192) return "InputTemplate must have length between 1 and 8192.";
    const paths = Object.entries(tr.InputPathsMap ?? {});
    if (paths.length > Limits.MAX_INPUT_PATHS) return `InputPathsMap must have at most ${Limits.MAX_INPUT_PATHS} entries.`;
    for (const [k, v] of paths) {
      if (!Patterns.INPUT_PATH_KEY.test(k) || k.length > 256) return `InputPathsMap key ${k} is not valid.`;
      if (isReservedVariable(k) || k.startsWith("aws.")) return `InputPathsMap contains reserved key ${k}.`;
      if (typeof v !== "string" || v.length > 256 || !parseJsonPath(v)) return `InputPathsMap value ${String(v)} for key ${k} is not a valid JsonPath.`;
    }
  }
  const rp = t.RetryPolicy;
  if (rp?.MaximumRetryAttempts !== undefined && (rp.MaximumRetryAttempts < 0 || rp.MaximumRetryAttempts > 185)) return "MaximumRetryAttempts must be between 0 and 185.";
  if (rp?.MaximumEventAgeInSeconds !== undefined && (rp.MaximumEventAgeInSeconds < 60 || rp.MaximumEventAgeInSeconds > 86400)) return "MaximumEventAgeInSeconds must be between 60 and 86400.";
  return undefined;
}
