/**
 * Event buses: the default bus (implicit; stored only once it has a policy or tags), custom buses, and their
 * resource policies (PutPermission/RemovePermission; stored and returned; with --enforce-iam they join decisions on the bus's ARN).
 */
import type * as E from "../../aws/api/events.js";
import type { RequestContext } from "../../edge/context.js";
import { alreadyExists, busArn, busName, checks, decodeToken, DEFAULT_BUS, encodeToken, limitExceeded, notFound, validation, type Tag } from "./common.js";
import { Limits, Messages, Patterns } from "./constants.js";
import type { BusRow, EventsStore } from "./store.js";

interface PolicyStatement {
  Sid: string;
  Effect: string;
  Principal: unknown;
  Action: string;
  Resource: string;
  Condition?: unknown;
}

export class Buses {
  constructor(private readonly store: EventsStore) {}

  /** The bus row, or (default bus without a row) a synthetic one; undefined when the bus does not exist. */
  find(account: string, region: string, name: string): BusRow | undefined {
    const row = this.store.s.getBus!.get(account, region, name) as BusRow | undefined;
    if (row || name !== DEFAULT_BUS) return row;
    return { account, region, name, description: null, policy: null, tags: "[]", created: 0, modified: 0 };
  }

  require(ctx: RequestContext, name: string): BusRow {
    const row = this.find(ctx.accountId, ctx.region, name);
    if (!row) throw notFound(Messages.busNotFound(name));
    return row;
  }

  /** Stores the default bus's row the first time it needs one (policy, tags). */
  private materialize(ctx: RequestContext, row: BusRow): void {
    if (row.name === DEFAULT_BUS && !row.created) {
      const now = ctx.clock.now();
      this.store.s.insertBus!.run(ctx.accountId, ctx.region, DEFAULT_BUS, null, null, "[]", now, now);
      row.created = row.modified = now;
    }
  }

  create(ctx: RequestContext, input: E.CreateEventBusInput): E.CreateEventBusOutput {
    checks().required(input.Name, "name").string(input.Name, "name", 1, 256, Patterns.BUS_NAME).string(input.EventSourceName, "eventSourceName", 1, 256).throwIfAny();
    if (input.Name === DEFAULT_BUS || this.find(ctx.accountId, ctx.region, input.Name)) throw alreadyExists(Messages.busExists(input.Name));
    if (input.Name.includes("/") && !input.EventSourceName) throw validation("Event bus name must not contain '/'.");
    if ((this.store.s.countBuses!.get(ctx.accountId, ctx.region) as { n: number }).n >= Limits.MAX_BUSES) throw limitExceeded(Messages.tooManyEntries);
    const now = ctx.clock.now();
    const description = (input as { Description?: string }).Description ?? null;
    this.store.s.insertBus!.run(ctx.accountId, ctx.region, input.Name, description, null, JSON.stringify(input.Tags ?? []), now, now);
    return { EventBusArn: busArn(ctx.accountId, ctx.region, input.Name) };
  }

  describe(ctx: RequestContext, input: E.DescribeEventBusInput): E.DescribeEventBusOutput {
    const row = this.require(ctx, busName(input.Name, "name"));
    return this.view(row);
  }

  private view(row: BusRow): E.DescribeEventBusOutput & Record<string, unknown> {
    return {
      Name: row.name,
      Arn: busArn(row.account, row.region, row.name),
      ...(row.description ? { Description: row.description } : {}),
      ...(row.policy ? { Policy: row.policy } : {}),
      ...(row.created ? { CreationTime: row.created as unknown as Date, LastModifiedTime: row.modified as unknown as Date } : {}),
    };
  }

  list(ctx: RequestContext, input: E.ListEventBusesInput): E.ListEventBusesOutput {
    checks().string(input.NamePrefix, "namePrefix", 1, 256).range(input.Limit, "limit", 1, 100).throwIfAny();
    const after = decodeToken(input.NextToken);
    const rows = (this.store.s.listBuses!.all(ctx.accountId, ctx.region, after) as BusRow[]).filter((r) => r.name !== DEFAULT_BUS);
    const all = [...(after < DEFAULT_BUS ? [this.find(ctx.accountId, ctx.region, DEFAULT_BUS)!] : []), ...rows]
      .filter((r) => !input.NamePrefix || r.name.startsWith(input.NamePrefix))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const limit = input.Limit ?? 100;
    const page = all.slice(0, limit);
    return { EventBuses: page.map((r) => this.view(r)), ...(all.length > limit ? { NextToken: encodeToken(page[page.length - 1]!.name) } : {}) };
  }

  delete(ctx: RequestContext, input: E.DeleteEventBusInput): E.DeleteEventBusOutput {
    checks().required(input.Name, "name").string(input.Name, "name", 1, 256, Patterns.BUS_NAME).throwIfAny();
    if (input.Name === DEFAULT_BUS) throw validation(Messages.cannotDeleteDefault);
    // AWS answers success for a bus that does not exist; the bus's rules and targets go with it.
    this.store.tx(() => {
      this.store.s.deleteBusTargets!.run(ctx.accountId, ctx.region, input.Name);
      this.store.s.deleteBusRules!.run(ctx.accountId, ctx.region, input.Name);
      this.store.s.deleteBus!.run(ctx.accountId, ctx.region, input.Name);
    });
    return {};
  }

  putPermission(ctx: RequestContext, input: E.PutPermissionInput): E.PutPermissionOutput {
    const name = busName(input.EventBusName);
    const row = this.require(ctx, name);
    const arn = busArn(ctx.accountId, ctx.region, name);
    let policy: { Version: string; Statement: PolicyStatement[] };
    if (input.Policy !== undefined) {
      try {
        policy = JSON.parse(input.Policy) as typeof policy;
        if (!policy || typeof policy !== "object" || !Array.isArray(policy.Statement)) throw new Error("no statements");
      } catch {
        throw validation("Policy is not valid.");
      }
    } else {
      checks().required(input.Action, "action").required(input.Principal, "principal").required(input.StatementId, "statementId").string(input.StatementId, "statementId", 1, 64, Patterns.TARGET_ID).throwIfAny();
      if (input.Action !== "events:PutEvents") throw validation("Provided value in parameter 'action' is not supported.");
      if (input.Principal !== "*" && !/^\d{12}$/.test(input.Principal!)) throw validation("Provided value in parameter 'principal' is not supported.");
      if (input.Principal === "*" && !input.Condition) throw validation("Parameter Condition must be specified when Principal is '*'.") ;
      const current = row.policy ? (JSON.parse(row.policy) as typeof policy) : { Version: "2012-10-17", Statement: [] };
      const statement: PolicyStatement = {
        Sid: input.StatementId!,
        Effect: "Allow",
        Principal: input.Principal === "*" ? "*" : { AWS: `arn:aws:iam::${input.Principal}:root` },
        Action: "events:PutEvents",
        Resource: arn,
        ...(input.Condition ? { Condition: { StringEquals: { [input.Condition.Key]: input.Condition.Value } } } : {}),
      };
      policy = { Version: current.Version, Statement: [...current.Statement.filter((s) => s.Sid !== statement.Sid), statement] };
    }
    this.materialize(ctx, row);
    this.store.s.setBusPolicy!.run(JSON.stringify(policy), ctx.clock.now(), ctx.accountId, ctx.region, name);
    return {};
  }

  removePermission(ctx: RequestContext, input: E.RemovePermissionInput): E.RemovePermissionOutput {
    const name = busName(input.EventBusName);
    const row = this.require(ctx, name);
    if (!row.policy) throw notFound(Messages.noPolicy);
    if (input.RemoveAllPermissions) {
      this.store.s.setBusPolicy!.run(null, ctx.clock.now(), ctx.accountId, ctx.region, name);
      return {};
    }
    checks().required(input.StatementId, "statementId").throwIfAny();
    const policy = JSON.parse(row.policy) as { Version: string; Statement: PolicyStatement[] };
    const kept = policy.Statement.filter((s) => s.Sid !== input.StatementId);
    if (kept.length === policy.Statement.length) throw notFound(Messages.statementNotFound);
    this.store.s.setBusPolicy!.run(kept.length ? JSON.stringify({ ...policy, Statement: kept }) : null, ctx.clock.now(), ctx.accountId, ctx.region, name);
    return {};
  }

  tags(ctx: RequestContext, name: string): Tag[] {
    return JSON.parse(this.require(ctx, name).tags) as Tag[];
  }

  setTags(ctx: RequestContext, name: string, tags: Tag[]): void {
    const row = this.require(ctx, name);
    this.materialize(ctx, row);
    this.store.s.setBusTags!.run(JSON.stringify(tags), ctx.accountId, ctx.region, name);
  }
}
