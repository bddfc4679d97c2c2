/**
 * What the environment scheduler does, told to the operator: /_skyport/health lists each function's
 * environments, starts and queue waits, and a log line at info says when invocations had to wait for an
 * environment (at most one line per function every REPORT_EVERY_MS, only when there was waiting), and every
 * SAMPLE_EVERY_MS the counts go to the Skyport/Lambda metrics (cloudwatch/lambda-metrics.ts).
 */
import type { Logger } from "../../../core/log.js";
import type { Environment } from "./environment.js";
import type { EnvironmentManager } from "./environments.js";
import type { EnvironmentScheduler, EnvironmentSlot, PoolStats, SchedulerLimits } from "./scheduler.js";

const REPORT_EVERY_MS = 5_000;
const SAMPLE_EVERY_MS = 1_000;

/** What the health endpoint and the logs tell about a function's environments. */
export interface PoolReport extends PoolStats {
  poolKey: string;
  environments: number;
  starting: number;
  busy: number;
  /** Ready for work (idle, or a spare waiting for its function). */
  idle: number;
  waiting: number;
  memoryMb: number;
}

/** Counts the live environments (the manager's slots) per function, with the scheduler's figures for each. */
export function poolReports(slots: Iterable<EnvironmentSlot & { env: Environment }>, scheduler: EnvironmentScheduler<unknown>): PoolReport[] {
  const out = new Map<string, PoolReport>();
  const get = (poolKey: string): PoolReport => {
    let r = out.get(poolKey);
    if (!r) out.set(poolKey, (r = { poolKey, environments: 0, starting: 0, busy: 0, idle: 0, waiting: scheduler.waiting(poolKey), memoryMb: 0, ...scheduler.poolStats(poolKey) }));
    return r;
  };
  for (const s of slots) {
    const r = get(s.poolKey);
    r.environments++;
    if (s.starting) r.starting++;
    if (s.env.current || s.env.queued) r.busy++;
    if (s.idle) r.idle++;
    r.memoryMb += s.memoryMb ?? 0;
  }
  for (const poolKey of scheduler.allStats().keys()) get(poolKey);
  return [...out.values()];
}

export class EnvironmentReporter {
  private readonly timer: NodeJS.Timeout;
  private readonly sampler?: NodeJS.Timeout;
  private readonly lastWaits = new Map<string, number>();

  constructor(
    private readonly envs: EnvironmentManager,
    private readonly limits: SchedulerLimits,
    private readonly log: Logger,
    /** Takes the counts every SAMPLE_EVERY_MS (the metrics). */
    sample?: (pools: PoolReport[]) => void,
  ) {
    this.timer = setInterval(() => this.logWaits(), REPORT_EVERY_MS);
    this.timer.unref();
    if (sample) {
      this.sampler = setInterval(() => sample(this.envs.report()), SAMPLE_EVERY_MS);
      this.sampler.unref();
    }
  }

  health(): Record<string, unknown> {
    const pools = this.envs.report();
    const sum = (f: (r: PoolReport) => number) => pools.reduce((n, r) => n + f(r), 0);
    return {
      environments: sum((r) => r.environments),
      starting: sum((r) => r.starting),
      waiting: sum((r) => r.waiting),
      memoryMb: sum((r) => r.memoryMb),
      memoryBudgetMb: this.limits.memoryBudgetMb,
      maxStarting: this.limits.maxStarting,
      functions: pools.map((r) => ({
        function: r.poolKey,
        environments: r.environments,
        starting: r.starting,
        busy: r.busy,
        idle: r.idle,
        waiting: r.waiting,
        memoryMb: r.memoryMb,
        starts: r.starts,
        waits: r.waits,
        waitMsAvg: r.waits ? Math.round(r.waitMsTotal / r.waits) : 0,
        waitMsMax: Math.round(r.waitMsMax),
      })),
    };
  }

  private logWaits(): void {
    if (!this.log.enabled("info")) return;
    for (const r of this.envs.report()) {
      const before = this.lastWaits.get(r.poolKey) ?? 0;
      if (r.waits === before) continue;
      this.lastWaits.set(r.poolKey, r.waits);
      this.log.info(
        `lambda: ${r.poolKey}: ${r.waits - before} invocations waited for an environment (max so far ${Math.round(r.waitMsMax)} ms); ` +
          `${r.environments} environments (${r.starting} starting), ${r.memoryMb} MB; budget ${this.limits.memoryBudgetMb} MB, ${this.limits.maxStarting} starting at once`,
      );
    }
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.sampler);
  }
}
