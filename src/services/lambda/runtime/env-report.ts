/**
 * What the environment scheduler does, told to the operator: /_skyport/health lists each function's
 * environments, starts and queue waits, and a log line at info says when invocations had to wait for an
 * environment (at most one line per function every REPORT_EVERY_MS, only when there was waiting).
 */
import type { Logger } from "../../../core/log.js";
import type { EnvironmentManager, PoolReport } from "./environments.js";
import type { SchedulerLimits } from "./scheduler.js";

const REPORT_EVERY_MS = 5_000;

export class EnvironmentReporter {
  private readonly timer: NodeJS.Timeout;
  private readonly lastWaits = new Map<string, number>();

  constructor(
    private readonly envs: EnvironmentManager,
    private readonly limits: SchedulerLimits,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => this.logWaits(), REPORT_EVERY_MS);
    this.timer.unref();
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
  }
}
