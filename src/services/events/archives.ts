/**
 * Archives and replays. An archive keeps every event that enters its bus and matches its pattern (all
 * events without one), except replayed events; events older than RetentionDays (0: forever) are swept.
 * StartReplay sends the archived events ingested between EventStartTime and EventEndTime back into the
 * bus, each with a `replay-name` field, to the rules of the bus (or only those in FilterArns) — AWS runs
 * replays asynchronously; Skyport runs them on the next turn (STARTING at once, then RUNNING, COMPLETED).
 * Difference: AWS implements an archive as a managed rule on the bus (visible in ListRules); Skyport does
 * not create that rule.
 */
import type * as E from "../../aws/api/events.js";
import { arn as makeArn, parseArn } from "../../core/arn.js";
import type { RequestContext } from "../../edge/context.js";
import type { Buses } from "./buses.js";
import { alreadyExists, checks, decodeToken, encodeToken, notFound, validation } from "./common.js";
import { compilePattern } from "./pattern/compile.js";
import { matchesPattern } from "./pattern/match.js";
import type { EventsStore } from "./store.js";
import type { EventEnvelope } from "./transform.js";

const NAME = { re: /^[.\-_A-Za-z0-9]+$/, text: "[\\.\\-_A-Za-z0-9]+" };
const DAY_MS = 86_400_000;

interface ArchiveBody {
  EventSourceArn: string;
  Description?: string;
  EventPattern?: string;
  RetentionDays: number;
  State: string;
  CreationTime: number;
}

interface ReplayBody {
  Description?: string;
  EventSourceArn: string;
  Destination: E.Destination;
  EventStartTime: number;
  EventEndTime: number;
  State: string;
  StateReason?: string;
  ReplayStartTime: number;
  ReplayEndTime?: number;
  EventLastReplayedTime?: number;
}

/** Routes one event into a bus, optionally only to some rules (the provider's router). */
export type Replayer = (account: string, region: string, bus: string, event: EventEnvelope, onlyRules: string[] | undefined) => void;

export class Archives {
  private readonly timer: NodeJS.Timeout;
  private replayer: Replayer | undefined;

  constructor(
    private readonly store: EventsStore,
    private readonly buses: Buses,
    private readonly now: () => number,
  ) {
    this.timer = setInterval(() => this.sweep(), 60_000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  setReplayer(r: Replayer): void {
    this.replayer = r;
  }

  private get(ctx: RequestContext, name: string): ArchiveBody {
    const row = this.store.db.prepare("SELECT body FROM events_archives WHERE account = ? AND region = ? AND name = ?").get(ctx.accountId, ctx.region, name) as { body: string } | undefined;
    if (!row) throw notFound(`Archive ${name} does not exist.`);
    return JSON.parse(row.body) as ArchiveBody;
  }

  private put(ctx: RequestContext, name: string, bus: string, body: ArchiveBody): void {
    this.store.db.prepare("INSERT INTO events_archives (account, region, name, bus, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, region, name) DO UPDATE SET body = excluded.body").run(ctx.accountId, ctx.region, name, bus, JSON.stringify(body));
  }

  private stats(ctx: RequestContext, name: string): { n: number; bytes: number } {
    return this.store.db.prepare("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM events_archived WHERE account = ? AND region = ? AND archive = ?").get(ctx.accountId, ctx.region, name) as { n: number; bytes: number };
  }

  create(ctx: RequestContext, input: E.CreateArchiveInput): E.CreateArchiveOutput {
    checks().required(input.ArchiveName, "archiveName").string(input.ArchiveName, "archiveName", 1, 48, NAME).required(input.EventSourceArn, "eventSourceArn").string(input.EventSourceArn, "eventSourceArn", 1, 1600).string(input.Description, "description", 0, 512).range(input.RetentionDays, "retentionDays", 0, 2 ** 31 - 1).throwIfAny();
    const bus = busOfArn(input.EventSourceArn);
    this.buses.require(ctx, bus);
    if (input.EventPattern) compilePattern(input.EventPattern);
    if (this.store.db.prepare("SELECT 1 FROM events_archives WHERE account = ? AND region = ? AND name = ?").get(ctx.accountId, ctx.region, input.ArchiveName)) throw alreadyExists(`Archive ${input.ArchiveName} already exists.`);
    const body: ArchiveBody = { EventSourceArn: input.EventSourceArn, Description: input.Description, EventPattern: input.EventPattern, RetentionDays: input.RetentionDays ?? 0, State: "ENABLED", CreationTime: ctx.clock.now() };
    this.put(ctx, input.ArchiveName, bus, body);
    return { ArchiveArn: this.arn(ctx, input.ArchiveName), State: body.State, CreationTime: body.CreationTime as unknown as Date };
  }

  private arn(ctx: RequestContext, name: string): string {
    return makeArn("events", ctx.region, ctx.accountId, `archive/${name}`);
  }

  describe(ctx: RequestContext, input: E.DescribeArchiveInput): E.DescribeArchiveOutput {
    const a = this.get(ctx, input.ArchiveName);
    const s = this.stats(ctx, input.ArchiveName);
    return { ArchiveArn: this.arn(ctx, input.ArchiveName), ArchiveName: input.ArchiveName, EventSourceArn: a.EventSourceArn, Description: a.Description, EventPattern: a.EventPattern, State: a.State, RetentionDays: a.RetentionDays, SizeBytes: s.bytes, EventCount: s.n, CreationTime: a.CreationTime as unknown as Date };
  }

  list(ctx: RequestContext, input: E.ListArchivesInput): E.ListArchivesOutput {
    checks().range(input.Limit, "limit", 1, 100).throwIfAny();
    const rows = this.store.db.prepare("SELECT name, body FROM events_archives WHERE account = ? AND region = ? AND name > ? ORDER BY name").all(ctx.accountId, ctx.region, decodeToken(input.NextToken)) as Array<{ name: string; body: string }>;
    const all = rows
      .map((r) => ({ name: r.name, a: JSON.parse(r.body) as ArchiveBody }))
      .filter((r) => (!input.NamePrefix || r.name.startsWith(input.NamePrefix)) && (!input.EventSourceArn || r.a.EventSourceArn === input.EventSourceArn) && (!input.State || r.a.State === input.State));
    const limit = input.Limit ?? 100;
    const page = all.slice(0, limit);
    return {
      Archives: page.map(({ name, a }) => {
        const s = this.stats(ctx, name);
        return { ArchiveName: name, EventSourceArn: a.EventSourceArn, State: a.State, RetentionDays: a.RetentionDays, SizeBytes: s.bytes, EventCount: s.n, CreationTime: a.CreationTime as unknown as Date };
      }),
      ...(all.length > limit ? { NextToken: encodeToken(page[page.length - 1]!.name) } : {}),
    };
  }

  update(ctx: RequestContext, input: E.UpdateArchiveInput): E.UpdateArchiveOutput {
    const a = this.get(ctx, input.ArchiveName);
    if (input.EventPattern) compilePattern(input.EventPattern);
    const body: ArchiveBody = { ...a, ...(input.Description !== undefined ? { Description: input.Description } : {}), ...(input.EventPattern !== undefined ? { EventPattern: input.EventPattern } : {}), ...(input.RetentionDays !== undefined ? { RetentionDays: input.RetentionDays } : {}) };
    this.put(ctx, input.ArchiveName, busOfArn(a.EventSourceArn), body);
    return { ArchiveArn: this.arn(ctx, input.ArchiveName), State: body.State, CreationTime: body.CreationTime as unknown as Date };
  }

  delete(ctx: RequestContext, input: E.DeleteArchiveInput): E.DeleteArchiveOutput {
    this.get(ctx, input.ArchiveName);
    this.store.tx(() => {
      this.store.db.prepare("DELETE FROM events_archived WHERE account = ? AND region = ? AND archive = ?").run(ctx.accountId, ctx.region, input.ArchiveName);
      this.store.db.prepare("DELETE FROM events_archives WHERE account = ? AND region = ? AND name = ?").run(ctx.accountId, ctx.region, input.ArchiveName);
    });
    return {};
  }

  /** Keeps an event that entered `bus` in every archive of the bus whose pattern it matches. */
  record(account: string, region: string, bus: string, event: EventEnvelope, now: number): void {
    if (Object.hasOwn(event, "replay-name")) return;
    const rows = this.store.db.prepare("SELECT name, body FROM events_archives WHERE account = ? AND region = ? AND bus = ?").all(account, region, bus) as Array<{ name: string; body: string }>;
    if (!rows.length) return;
    const text = JSON.stringify(event);
    for (const r of rows) {
      const a = JSON.parse(r.body) as ArchiveBody;
      if (a.State !== "ENABLED" || (a.EventPattern && !matchesPattern(compilePattern(a.EventPattern), event))) continue;
      this.store.db.prepare("INSERT INTO events_archived (account, region, archive, ingested, bytes, event) VALUES (?, ?, ?, ?, ?, ?)").run(account, region, r.name, now, Buffer.byteLength(text), text);
    }
  }

  /** Deletes archived events older than their archive's retention. */
  sweep(): void {
    const now = this.now();
    for (const r of this.store.db.prepare("SELECT account, region, name, body FROM events_archives").all() as Array<{ account: string; region: string; name: string; body: string }>) {
      const days = (JSON.parse(r.body) as ArchiveBody).RetentionDays;
      if (days > 0) this.store.db.prepare("DELETE FROM events_archived WHERE account = ? AND region = ? AND archive = ? AND ingested < ?").run(r.account, r.region, r.name, now - days * DAY_MS);
    }
  }

  // ---- replays

  private getReplay(ctx: RequestContext, name: string): ReplayBody {
    const row = this.store.db.prepare("SELECT body FROM events_replays WHERE account = ? AND region = ? AND name = ?").get(ctx.accountId, ctx.region, name) as { body: string } | undefined;
    if (!row) throw notFound(`Replay ${name} does not exist.`);
    return JSON.parse(row.body) as ReplayBody;
  }

  private putReplay(ctx: RequestContext, name: string, body: ReplayBody): void {
    this.store.db.prepare("INSERT INTO events_replays (account, region, name, body) VALUES (?, ?, ?, ?) ON CONFLICT (account, region, name) DO UPDATE SET body = excluded.body").run(ctx.accountId, ctx.region, name, JSON.stringify(body));
  }

  private replayArn(ctx: RequestContext, name: string): string {
    return makeArn("events", ctx.region, ctx.accountId, `replay/${name}`);
  }

  startReplay(ctx: RequestContext, input: E.StartReplayInput): E.StartReplayOutput {
    checks().required(input.ReplayName, "replayName").string(input.ReplayName, "replayName", 1, 64, NAME).required(input.EventSourceArn, "eventSourceArn").required(input.EventStartTime, "eventStartTime").required(input.EventEndTime, "eventEndTime").required(input.Destination, "destination").throwIfAny();
    const archive = parseArn(input.EventSourceArn)?.resource.replace(/^archive\//, "") ?? "";
    const a = this.get(ctx, archive);
    if (input.Destination.Arn !== a.EventSourceArn) throw validation("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.");
    const start = new Date(input.EventStartTime).getTime();
    const end = new Date(input.EventEndTime).getTime();
    if (!(start < end)) throw validation("Parameter EventStartTime is not valid. Reason: EventStartTime must be before EventEndTime.");
    if (this.store.db.prepare("SELECT 1 FROM events_replays WHERE account = ? AND region = ? AND name = ?").get(ctx.accountId, ctx.region, input.ReplayName)) throw alreadyExists(`Replay ${input.ReplayName} already exists.`);
    const body: ReplayBody = { Description: input.Description, EventSourceArn: input.EventSourceArn, Destination: input.Destination, EventStartTime: start, EventEndTime: end, State: "STARTING", ReplayStartTime: ctx.clock.now() };
    this.putReplay(ctx, input.ReplayName, body);
    setImmediate(() => this.run(ctx, input.ReplayName, archive));
    return { ReplayArn: this.replayArn(ctx, input.ReplayName), State: "STARTING", ReplayStartTime: body.ReplayStartTime as unknown as Date };
  }

  /** Sends the replay's events into the bus; stops early when the replay was cancelled. */
  private run(ctx: RequestContext, name: string, archive: string): void {
    let body = this.getReplay(ctx, name);
    if (body.State !== "STARTING") return;
    body = { ...body, State: "RUNNING" };
    this.putReplay(ctx, name, body);
    const bus = busOfArn(body.Destination.Arn);
    const rows = this.store.db.prepare("SELECT event, ingested FROM events_archived WHERE account = ? AND region = ? AND archive = ? AND ingested >= ? AND ingested < ? ORDER BY ingested, seq").all(ctx.accountId, ctx.region, archive, body.EventStartTime, body.EventEndTime) as Array<{ event: string; ingested: number }>;
    for (const r of rows) {
      const event = { ...(JSON.parse(r.event) as EventEnvelope), "replay-name": name };
      this.replayer?.(ctx.accountId, ctx.region, bus, event, body.Destination.FilterArns);
      body.EventLastReplayedTime = r.ingested;
    }
    this.putReplay(ctx, name, { ...body, State: "COMPLETED", ReplayEndTime: this.now() });
  }

  describeReplay(ctx: RequestContext, input: E.DescribeReplayInput): E.DescribeReplayOutput {
    const r = this.getReplay(ctx, input.ReplayName);
    return { ReplayName: input.ReplayName, ReplayArn: this.replayArn(ctx, input.ReplayName), ...(r as unknown as E.DescribeReplayOutput) };
  }

  listReplays(ctx: RequestContext, input: E.ListReplaysInput): E.ListReplaysOutput {
    checks().range(input.Limit, "limit", 1, 100).throwIfAny();
    const rows = this.store.db.prepare("SELECT name, body FROM events_replays WHERE account = ? AND region = ? AND name > ? ORDER BY name").all(ctx.accountId, ctx.region, decodeToken(input.NextToken)) as Array<{ name: string; body: string }>;
    const all = rows
      .map((r) => ({ name: r.name, b: JSON.parse(r.body) as ReplayBody }))
      .filter((r) => (!input.NamePrefix || r.name.startsWith(input.NamePrefix)) && (!input.State || r.b.State === input.State) && (!input.EventSourceArn || r.b.EventSourceArn === input.EventSourceArn));
    const limit = input.Limit ?? 100;
    const page = all.slice(0, limit);
    return {
      Replays: page.map(({ name, b }) => ({ ReplayName: name, EventSourceArn: b.EventSourceArn, State: b.State, StateReason: b.StateReason, EventStartTime: b.EventStartTime as unknown as Date, EventEndTime: b.EventEndTime as unknown as Date, EventLastReplayedTime: b.EventLastReplayedTime as unknown as Date, ReplayStartTime: b.ReplayStartTime as unknown as Date, ReplayEndTime: b.ReplayEndTime as unknown as Date })),
      ...(all.length > limit ? { NextToken: encodeToken(page[page.length - 1]!.name) } : {}),
    };
  }

  cancelReplay(ctx: RequestContext, input: E.CancelReplayInput): E.CancelReplayOutput {
    const r = this.getReplay(ctx, input.ReplayName);
    if (r.State !== "STARTING" && r.State !== "RUNNING") throw validation(`Replay ${input.ReplayName} is not in a state that can be cancelled.`);
    this.putReplay(ctx, input.ReplayName, { ...r, State: "CANCELLED", ReplayEndTime: this.now() });
    return { ReplayArn: this.replayArn(ctx, input.ReplayName), State: "CANCELLING" };
  }
}

function busOfArn(a: string): string {
  const i = a.indexOf(":event-bus/");
  if (i < 0) throw validation(`Parameter EventSourceArn is not valid. Reason: Provided Arn is not in correct format.`);
  return a.slice(i + ":event-bus/".length);
}
