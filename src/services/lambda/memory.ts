/**
 * "Max Memory Used" as Lambda reports it: the peak resident memory of the function's runtime, including the
 * runtime's own code pages. A cgroup's peak (memory.peak / max_usage_in_bytes) misses file-backed pages that were
 * already in the page cache when the environment started (the node or python binary: ~36 MB for node 20), and
 * the VmHWM of the launched process is the wrapper's (bwrap, unshare: ~2 MB) when the runtime runs below it.
 * This reads VmHWM over the launched process and its descendants; the largest is the runtime's.
 * Not yet wired: runtime/environments.ts (the lead's) decides what REPORT shows — see the report of fid-lambda.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Bounds the walk: an environment is a handful of processes; a fork bomb must not make REPORT slow. */
const MAX_PROCESSES = 256;

/** Peak resident memory (MB) of the largest process in the tree rooted at `pid`; undefined when none can be read. */
export function processTreePeakMb(pid: number): number | undefined {
  let best: number | undefined;
  const queue = [pid];
  const seen = new Set<number>();
  while (queue.length && seen.size < MAX_PROCESSES) {
    const p = queue.shift()!;
    if (seen.has(p)) continue;
    seen.add(p);
    const kb = vmHwmKb(p);
    if (kb !== undefined) best = Math.max(best ?? 0, kb);
    queue.push(...childrenOf(p));
  }
  return best === undefined ? undefined : Math.round(best / 1024);
}

function vmHwmKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Children of every thread of the process (/proc/PID/task/TID/children; Linux ≥ 3.5 with CONFIG_PROC_CHILDREN). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of safe(() => readdirSync(`/proc/${pid}/task`))) {
    for (const c of safe(() => readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" "))) {
      const n = Number(c);
      if (Number.isInteger(n) && n > 0) out.push(n);
    }
  }
  return out;
}

function safe<T>(f: () => T[]): T[] {
  try {
    return f();
  } catch {
    return [];
  }
}
