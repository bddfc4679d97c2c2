/**
 * PutEvents and the routing of an event on a bus: entries are validated one by one (per-entry ErrorCode
 * and ErrorMessage as AWS reports them), wrapped in the event envelope, and matched against the bus's
 * enabled pattern rules; each match queues one delivery per target. TestEventPattern uses the same engine.
 * Entry size follows "Calculating PutEvents event entry size" (Time 14 bytes, UTF-8 lengths of Source,
 * DetailType, Detail and each Resource).
 */
import type * as E from "../../aws/api/events.js";
import type { RequestContext } from "../../edge/context.js";
import type { IdGenerator } from "../../core/ids.js";
import type { Buses } from "./buses.js";
import { busName, checks, eventTime, validation } from "./common.js";
import { Limits, Messages } from "./constants.js";
import type { DeliveryWorker } from "./delivery.js";
import { compilePattern, type CompiledPattern } from "./pattern/compile.js";
import { matchesPattern } from "./pattern/match.js";
import type { Rules } from "./rules.js";
import type { EventsStore, RuleRow } from "./store.js";
import type { EventEnvelope } from "./transform.js";

type Entry = E.PutEventsInput["Entries"][number];
type ResultEntry = NonNullable<E.PutEventsOutput["Entries"]>[number];

const PATTERN_CACHE_MAX = 2000;

export class Router {
  /** Compiled patterns by text (safe to lose). */
  private readonly compiled = new Map<string, CompiledPattern>();

  constructor(
    private readonly store: EventsStore,
    private readonly buses: Buses,
    private readonly rules: Rules,
    private readonly ids: IdGenerator,
    private readonly worker: () => DeliveryWorker,
  ) {}

  putEvents(ctx: RequestContext, input: E.PutEventsInput): E.PutEventsOutput {
    checks().required(input.Entries, "entries").size(input.Entries, "entries", 1, Limits.MAX_PUT_EVENTS_ENTRIES).throwIfAny();
    let total = 0;
    for (const e of input.Entries) total += entrySize(e);
    if (total > Limits.MAX_PUT_EVENTS_BYTES) throw validation(Messages.entriesTooBig);
    const now = ctx.clock.now();
    const results: ResultEntry[] = input.Entries.map((entry) => this.putEntry(ctx, entry, now));
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }

  private putEntry(ctx: RequestContext, entry: Entry, now: number): ResultEntry {
    const fail = (ErrorCode: string, ErrorMessage: string): ResultEntry => ({ ErrorCode, ErrorMessage });
    if (!entry.Source) return fail("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.");
    if (!entry.DetailType) return fail("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
    if (entry.Detail === undefined || entry.Detail === null) return fail("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.");
    // In-process producers (S3) may hand the detail over already parsed.
    let detail: unknown = entry.Detail;
    if (typeof detail === "string") {
      if (jsonDepth(detail) > Limits.MAX_DETAIL_DEPTH) return fail("MalformedDetail", "Detail is malformed.");
      try {
        detail = JSON.parse(detail);
      } catch {
        return fail("MalformedDetail", "Detail is malformed.");
      }
    }
    if (!detail || typeof detail !== "object" || Array.isArray(detail)) return fail("MalformedDetail", "Detail is malformed.");
    let bus: string;
    try {
      bus = busName(entry.EventBusName);
    } catch (e) {
      return fail("InvalidArgument", (e as Error).message);
    }
    if (!this.buses.find(ctx.accountId, ctx.region, bus)) return fail("ResourceNotFoundException", Messages.busNotFound(bus));
    const id = this.ids.uuid();
    const time = entry.Time instanceof Date && !Number.isNaN(entry.Time.getTime()) ? entry.Time.getTime() : now;
    const event: EventEnvelope = {
      version: "0",
      id,
      "detail-type": entry.DetailType,
      source: entry.Source,
      account: ctx.accountId,
      time: eventTime(time),
      region: ctx.region,
      resources: entry.Resources ?? [],
      detail,
    };
    this.route(ctx.accountId, ctx.region, bus, event, now);
    return { EventId: id };
  }

  /** Matches an event against the bus's enabled pattern rules and queues the deliveries. */
  route(account: string, region: string, bus: string, event: EventEnvelope, now: number): number {
    let matched = 0;
    for (const rule of this.store.s.patternRules!.all(account, region, bus) as RuleRow[]) {
      if (!matchesPattern(this.pattern(rule.pattern!), event)) continue;
      matched++;
      this.worker().enqueue(rule, this.rules.targets(account, region, bus, rule.name), event, now);
    }
    return matched;
  }

  private pattern(text: string): CompiledPattern {
    let p = this.compiled.get(text);
    if (!p) {
      if (this.compiled.size >= PATTERN_CACHE_MAX) this.compiled.clear();
      p = compilePattern(text);
      this.compiled.set(text, p);
    }
    return p;
  }

  testEventPattern(input: E.TestEventPatternInput): E.TestEventPatternOutput {
    checks().required(input.EventPattern, "eventPattern").string(input.EventPattern, "eventPattern", 0, Limits.MAX_EVENT_PATTERN_LENGTH).required(input.Event, "event").throwIfAny();
    const pattern = compilePattern(input.EventPattern);
    let event: unknown;
    try {
      if (jsonDepth(input.Event) > Limits.MAX_DETAIL_DEPTH) throw new Error("too deep");
      event = JSON.parse(input.Event);
    } catch {
      throw validation("Parameter Event is not valid.");
    }
    if (!event || typeof event !== "object" || Array.isArray(event)) throw validation("Parameter Event is not valid.");
    // The API reference makes these envelope fields mandatory.
    if (!["id", "account", "source", "time", "region", "resources", "detail-type"].every((k) => Object.hasOwn(event as object, k))) throw validation("Parameter Event is not valid.");
    return { Result: matchesPattern(pattern, event) };
  }
}

/** Deepest nesting of a JSON text, in one linear scan (deep nesting would overflow the stack later). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

function utf8(s: string | undefined): number {
  return s ? Buffer.byteLength(s) : 0;
}

function entrySize(e: Entry): number {
  let n = e.Time ? 14 : 0;
  n += utf8(e.Source) + utf8(e.DetailType);
  n += typeof e.Detail === "string" ? utf8(e.Detail) : e.Detail ? utf8(JSON.stringify(e.Detail)) : 0;
  for (const r of e.Resources ?? []) n += utf8(r);
  return n;
}
