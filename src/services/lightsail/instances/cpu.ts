/**
 * CPU accounting and the bundle's vCPU limit for an instance where the environment cgroup (runtime/cgroup.ts)
 * is a cgroup v1 memory one: the v1 `cpuacct` (cumulative usage, so work of processes that have exited
 * still counts) and `cpu` (CFS quota = vCPUs × period) hierarchies, nested under Skyport's own cgroup.
 * On cgroup v2 the environment cgroup's own cpu.stat / cpu.max serve, and this finds nothing to do.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeWhenEmpty } from "../../../runtime/cgroup.js";

const ROOT = "/sys/fs/cgroup";
const PERIOD_US = 100_000;

/** Skyport's own cgroup path in a v1 hierarchy naming `controller`, or undefined. */
function ownPath(controller: string): string | undefined {
  try {
    for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
      const [, ctrls, path] = line.split(":");
      if (ctrls?.split(",").includes(controller)) return path;
    }
  } catch {
    /* not Linux */
  }
  return undefined;
}

function v1Dir(controller: string, id: string): string | undefined {
  const own = ownPath(controller);
  if (own === undefined) return undefined;
  for (const mount of [controller, "cpu,cpuacct", "cpuacct,cpu"]) {
    const base = join(ROOT, mount, own);
    if (!existsSync(join(base, "cgroup.procs"))) continue;
    const dir = join(base, "skyport-lightsail", id);
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export class CpuCgroup {
  private constructor(private readonly acct: string | undefined, private readonly cpu: string | undefined) {}

  /**
   * The v1 cpuacct/cpu cgroups of an instance holding `pid` and the processes it already started, with the
   * vCPU quota; v2 hosts get none. Why the descendants: bubblewrap's pid 1 forks the instance's init before
   * Skyport learns its pid, and a process moved into a cgroup does not take its existing children along —
   * without them nothing the instance runs would be counted or limited.
   */
  static create(id: string, pid: number, cpus: number): CpuCgroup {
    if (existsSync(join(ROOT, "cgroup.controllers"))) return new CpuCgroup(undefined, undefined); // pure v2
    const acct = v1Dir("cpuacct", id);
    const cpu = v1Dir("cpu", id);
    for (const d of [acct, cpu]) if (d) try { moveTree(join(d, "cgroup.procs"), pid); } catch { /* best effort */ }
    if (cpu) {
      try {
        writeFileSync(join(cpu, "cpu.cfs_period_us"), String(PERIOD_US));
        writeFileSync(join(cpu, "cpu.cfs_quota_us"), String(cpus * PERIOD_US));
      } catch {
        /* no CFS quota here */
      }
    }
    return new CpuCgroup(acct, cpu);
  }

  /** Cumulative CPU seconds, or undefined when there is no cpuacct cgroup. */
  seconds(): number | undefined {
    if (!this.acct) return undefined;
    try {
      return Number(readFileSync(join(this.acct, "cpuacct.usage"), "utf8").trim()) / 1e9;
    } catch {
      return undefined;
    }
  }

  /** Removes the cgroups once their processes are gone, and any empty one a stopped or crashed instance left. */
  remove(): void {
    for (const d of [this.acct, this.cpu]) if (d) removeWhenEmpty(d);
    sweepCpuCgroups();
  }
}

/**
 * Writes `pid`, then each of its descendants, into a cgroup.procs file. The parent goes first: a child it
 * forks afterwards is born in the cgroup, one forked before is in the children list read after the write.
 */
export function moveTree(procsFile: string, pid: number): void {
  writeFileSync(procsFile, String(pid)); // throws as a plain write would: the caller decides
  const queue = childrenOf(pid);
  for (let i = 0; i < queue.length && i < 4096; i++) {
    try {
      writeFileSync(procsFile, String(queue[i]));
    } catch {
      continue; // exited meanwhile
    }
    queue.push(...childrenOf(queue[i]!));
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Removes every empty instance cpu/cpuacct cgroup (rmdir fails on one that still has processes: safe to share). */
export function sweepCpuCgroups(): void {
  for (const controller of ["cpuacct", "cpu"]) {
    const own = ownPath(controller);
    if (own === undefined) continue;
    const parent = join(ROOT, controller, own, "skyport-lightsail");
    let names: string[] = [];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        rmdirSync(join(parent, n));
      } catch {
        /* in use, or not a cgroup */
      }
    }
  }
}
