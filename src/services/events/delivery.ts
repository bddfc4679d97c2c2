/**
 * The delivery worker and the scheduler. Matched (event, target) pairs wait in `events_deliveries`; the
 * worker takes due rows, marks the attempt *before* delivering (a crash mid-delivery retries it: at least
 * once), delivers through the target's kind, and on failure retries with backoff until the target's
 * RetryPolicy (MaximumRetryAttempts, MaximumEventAgeInSeconds, on env.clock) is spent; then the delivery is
 * recorded in `events_dead_letters` with the target's DeadLetterConfig ARN.
 * The scheduler fires scheduled rules whose persisted `next_fire` has come (env.clock), one event per due
 * rule (missed fires while the server was down are not replayed), and moves `next_fire` on.
 * Both run on real-time timers that only compare against the injected clock; tests call `deliverDue()`
 * and `fireSchedules()` directly with a fake clock.
 */
import type { ServiceEnv } from "../host.js";
import { eventTime, internalCtx, ruleArn } from "./common.js";
import { Limits } from "./constants.js";
import { parseSchedule } from "./schedule/cron.js";
import type { DeliveryRow, EventsStore, RuleRow } from "./store.js";
import { PermanentDeliveryError, targetKind, type IngestBus } from "./targets.js";
import { targetPayload, type EventEnvelope, type Target } from "./transform.js";

export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private scheduleTimer: NodeJS.Timeout | undefined;
  private busy: Promise<number> | undefined;
  private closed = false;
  private again = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: EventsStore,
    private readonly env: ServiceEnv,
    private readonly ingestBus: IngestBus,
  ) {
    this.timer = setInterval(() => void this.deliverDue().catch((e) => env.log.warn("events delivery pass failed", e)), Limits.DELIVERY_POLL_MS);
    this.timer.unref();
    this.scheduleTimer = setInterval(() => {
      try {
        this.fireSchedules();
      } catch (e) {
        env.log.warn("events scheduler pass failed", e);
      }
    }, Limits.SCHEDULE_POLL_MS);
    this.scheduleTimer.unref();
  }

  /** Queues one delivery per target, due now. */
  enqueue(rule: RuleRow, targets: Target[], event: EventEnvelope, ingested: number): void {
    if (!targets.length) return;
    const arn = ruleArn(rule.account, rule.region, rule.bus, rule.name);
    const text = JSON.stringify(event);
    for (const t of targets) this.store.s.enqueue!.run(rule.account, rule.region, arn, rule.name, JSON.stringify(t), text, ingested, ingested);
    setImmediate(() => void this.deliverDue().catch((e) => this.env.log.warn("events delivery pass failed", e)));
  }

  /** One pass over the due deliveries; resolves with how many were attempted once they have all settled. */
  deliverDue(): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    if (this.busy) {
      // Coalesce: the running loop makes one more pass instead of a chain of passes per caller.
      this.again = true;
      return this.busy;
    }
    this.busy = (async () => {
      let total = 0;
      let n: number;
      do {
        this.again = false;
        n = await this.pass();
        total += n;
      } while ((this.again || n === Limits.DELIVERY_BATCH) && !this.closed);
      return total;
    })().finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async pass(): Promise<number> {
    const now = this.env.clock.now();
    const rows = this.store.s.due!.all(now, Limits.DELIVERY_BATCH) as DeliveryRow[];
    const work = rows.map((row) => {
      // Marked before delivering: a crash mid-delivery leaves the row to be retried (at least once).
      this.store.s.markAttempt!.run(now + backoff(row.attempts), row.seq);
      const p = this.attempt(row, now).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      return p;
    });
    await Promise.all(work);
    return rows.length;
  }

  private async attempt(row: DeliveryRow, now: number): Promise<void> {
    const target = JSON.parse(row.target) as Target;
    const event = JSON.parse(row.event) as EventEnvelope;
    const ctx = internalCtx({ clock: this.env.clock, endpoint: this.env.services.localEndpoint }, this.env.ids.uuid(), row.account, row.region);
    let error: string;
    let permanent = false;
    try {
      const found = targetKind(target.Arn);
      if (!found) throw new PermanentDeliveryError(`Skyport cannot deliver to targets of this kind yet: ${target.Arn}`);
      const payload = targetPayload(target, event, { ruleArn: row.rule_arn, ruleName: row.rule_name, ingestionTime: row.ingested });
      await found.kind.deliver({ ctx, services: this.env.services, target, arn: found.arn, payload, event, ingestBus: this.ingestBus });
      this.store.s.dequeue!.run(row.seq);
      return;
    } catch (e) {
      const err = e as { code?: string; name?: string; message?: string };
      permanent = e instanceof PermanentDeliveryError || PERMANENT_CODES.has(err.code ?? "");
      error = `${err.code ?? err.name ?? "Error"}: ${err.message ?? String(e)}`;
    }
    const attempts = row.attempts + 1;
    const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? Limits.DEFAULT_MAX_RETRY_ATTEMPTS;
    const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? Limits.DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
    if (permanent || attempts > maxRetries || now - row.ingested >= maxAgeMs) {
      this.store.tx(() => {
        this.store.s.deadLetter!.run(row.account, row.region, row.rule_arn, target.Id, target.DeadLetterConfig?.Arn ?? null, row.event, error, attempts, now);
        this.store.s.dequeue!.run(row.seq);
      });
      this.env.log.warn(`events: delivery to ${target.Arn} (rule ${row.rule_arn}) failed for good after ${attempts} attempt(s): ${error}`);
    } else {
      this.store.s.failed!.run(error, now + backoff(row.attempts), row.seq);
    }
  }

  /** Fires every scheduled rule whose time has come; returns how many fired. */
  fireSchedules(): number {
    if (this.closed) return 0;
    const now = this.env.clock.now();
    let fired = 0;
    for (const rule of this.store.s.dueSchedules!.all(now) as RuleRow[]) {
      let next: number | undefined;
      try {
        next = parseSchedule(rule.schedule!, rule.created).next(Math.max(now, rule.next_fire!));
      } catch {
        next = undefined;
      }
      this.store.tx(() => {
        this.store.s.setNextFire!.run(next ?? null, rule.account, rule.region, rule.bus, rule.name);
        if (rule.state === "DISABLED") return;
        const targets = (this.store.s.getTargets!.all(rule.account, rule.region, rule.bus, rule.name) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as Target);
        this.enqueue(rule, targets, scheduledEvent(this.env.ids.uuid(), rule, rule.next_fire!), now);
        fired++;
      });
    }
    return fired;
  }

  /** Waits for deliveries in flight (graceful shutdown), until `deadline` (epoch ms). */
  async drain(deadline: number): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0 || !this.inFlight.size) return;
    await Promise.race([Promise.all(this.inFlight), new Promise((r) => setTimeout(r, left).unref())]);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    clearInterval(this.scheduleTimer);
  }
}

/** Target answers that no retry can change (the payload itself is refused): dead-lettered at once. */
const PERMANENT_CODES = new Set(["InvalidRequestContentException", "RequestTooLargeException", "RequestEntityTooLargeException"]);

const backoff = (attempts: number) => Limits.RETRY_DELAYS_MS[Math.min(attempts, Limits.RETRY_DELAYS_MS.length - 1)]!;

/** The event a scheduled rule sends ("Scheduled Event" from aws.events, the rule as its resource). */
export function scheduledEvent(id: string, rule: RuleRow, at: number): EventEnvelope {
  return {
    version: "0",
    id,
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: rule.account,
    time: eventTime(at),
    region: rule.region,
    resources: [ruleArn(rule.account, rule.region, rule.bus, rule.name)],
    detail: {},
  };
}
