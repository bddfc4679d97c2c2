/**
 * Time to Live: a background sweeper that really deletes expired items (attribute value, epoch seconds,
 * earlier than now per env.clock), recording each as a TTL delete in the table's stream. AWS skips items
 * whose TTL is more than five years in the past; so do we. `sweep()` runs one pass (tests call it).
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/log.js";
import { Limits } from "./constants.js";
import type { ItemEngine } from "./operations/engine.js";
import { decodeItem, type DynamoStore } from "./store.js";
import { TTL_IDENTITY } from "./streams/log.js";

const FIVE_YEARS_S = 5 * 365 * 24 * 3600;

export class TtlSweeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: DynamoStore,
    private readonly engine: ItemEngine,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Other periodic trims run on the same timer (stream retention, point-in-time history). */
    private readonly housekeeping?: () => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.sweep();
        this.housekeeping?.();
      } catch (e) {
        this.log.warn("dynamodb TTL sweep failed", e);
      }
    }, Limits.TTL_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Deletes every expired item of every table with TTL enabled; returns how many. */
  sweep(): number {
    const nowS = Math.floor(this.clock.now() / 1000);
    let deleted = 0;
    for (const listed of this.store.allTables()) {
      if (!listed.ttl?.enabled) continue;
      // The cached definition is the one writes use (it knows the current stream).
      const meta = this.store.getTable(listed.account, listed.region, listed.name) ?? listed;
      for (;;) {
        const rows = this.store.s.expired.all(meta.tid, nowS, Limits.TTL_SWEEP_BATCH) as Array<{ pk: Buffer; sk: Buffer; item: string }>;
        if (!rows.length) break;
        this.store.tx(() => {
          for (const r of rows) {
            const item = decodeItem(r.item);
            const exp = this.engine.expiresOf(meta, item);
            if (exp === null || exp >= nowS) continue;
            if (exp < nowS - FIVE_YEARS_S) {
              this.store.s.setExpires.run(null, meta.tid, r.pk, r.sk);
              continue;
            }
            this.engine.write(meta, { pk: r.pk, sk: r.sk }, item, undefined, TTL_IDENTITY);
            deleted++;
          }
        });
        if (rows.length < Limits.TTL_SWEEP_BATCH) break;
      }
    }
    return deleted;
  }
}
