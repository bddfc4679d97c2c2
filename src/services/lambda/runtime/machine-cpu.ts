/**
 * How much of the machine's CPU went unused lately, for the environment scheduler: another environment only
 * pays off while some core has time to run it. Read from /proc/stat (idle + iowait over all jiffies, times
 * the number of CPUs), over windows of at least `windowMs`; undefined where there is no /proc/stat.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

interface Sample {
  at: number;
  idle: number;
  total: number;
}

export class MachineCpu {
  private last: Sample | undefined;
  private idle: number | undefined;
  private readonly cores = Math.max(1, availableParallelism());

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly windowMs = 100,
    private readonly read: () => string | undefined = readProcStat,
  ) {}

  /** Idle cores (0 … the number of CPUs) over the last window; undefined when it cannot be measured. */
  idleCores(): number | undefined {
    const at = this.now();
    if (this.last && at - this.last.at < this.windowMs) return this.idle;
    const s = parseCpuLine(this.read(), at);
    if (!s) return undefined;
    if (this.last && s.total > this.last.total) this.idle = (this.cores * (s.idle - this.last.idle)) / (s.total - this.last.total);
    this.last = s;
    return this.idle;
  }
}

function readProcStat(): string | undefined {
  try {
    return readFileSync("/proc/stat", "latin1");
  } catch {
    return undefined;
  }
}

/** The aggregate "cpu" line: user nice system idle iowait irq softirq steal … (jiffies). */
export function parseCpuLine(stat: string | undefined, at: number): Sample | undefined {
  if (!stat?.startsWith("cpu ")) return undefined;
  const end = stat.indexOf("\n");
  const f = stat.slice(4, end < 0 ? undefined : end).trim().split(/\s+/).map(Number);
  if (f.length < 5 || f.some((x) => !Number.isFinite(x))) return undefined;
  // guest and guest_nice (fields 9, 10) are already counted in user and nice.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { at, idle: f[3]! + f[4]!, total };
}
