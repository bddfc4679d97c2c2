/**
 * One cgroup per environment: it holds every process the environment starts (a double fork or setsid does
 * not leave it), so kill() reaches them all, and it carries the memory limit. Preference: cgroup v2 with the
 * memory controller, else the v1 memory hierarchy, else v2 without controllers (tracking and kill only).
 *
 * Layout: <Skyport's own cgroup>/skyport/<pid>-<starttime>/<environment id>. Nesting under our own cgroup
 * (not the hierarchy's root) keeps user code inside whatever limits and accounting the service manager or
 * container put on Skyport, and lets several Skyports share a host. The instance directory names its owner,
 * so a Skyport starting after a `kill -9` sweeps only directories whose owner is gone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Cgroup {
  readonly dir: string;
  /** Writing a pid here moves that process in (the launcher's first step, before user code runs). */
  readonly procsFile: string;
  /** Whether the memory limit is enforced by this cgroup. */
  readonly memoryLimited: boolean;
  /** SIGKILLs every process in the cgroup (v2: cgroup.kill; v1: until cgroup.procs stays empty). */
  kill(): void;
  /** Removes the (empty) cgroup; false while processes are still exiting. */
  remove(): boolean;
  /** Whether the kernel's OOM killer killed a process of this cgroup. */
  oomKilled(): boolean;
  /** Peak memory of the cgroup in bytes (memory.peak / memory.max_usage_in_bytes), when known. */
  peakBytes(): number | undefined;
}

interface Root {
  kind: "v2" | "v1";
  /** <own cgroup>/skyport */
  skyport: string;
  memory: boolean;
}

function read(p: string): string | undefined {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
}
function write(p: string, v: string): boolean {
  try {
    writeFileSync(p, v);
    return true;
  } catch {
    return false;
  }
}

/** Mount point of a hierarchy, mapped to the directory of this process's own cgroup in it. */
function ownDir(fstype: "cgroup2" | "cgroup", ownPath: string): string | undefined {
  for (const line of (read("/proc/self/mountinfo") ?? "").split("\n")) {
    const [pre, post] = line.split(" - ");
    if (!pre || !post) continue;
    const f = pre.split(" ");
    const [type, , superOpts] = post.split(" ");
    if (type !== fstype) continue;
    if (fstype === "cgroup" && !(superOpts ?? "").split(",").includes("memory")) continue;
    const root = f[3]!;
    const mount = f[4]!.replace(/\\040/g, " ");
    // In a container the mount shows only our subtree: its root is (a prefix of) our own path.
    const rel = root === "/" ? ownPath : ownPath.startsWith(root) ? ownPath.slice(root.length) : "";
    const dir = join(mount, rel);
    return existsSync(dir) ? dir : mount;
  }
  return undefined;
}

/** This process's identity as its instance directory names it (pid plus start time, so pid reuse is seen). */
function instanceName(pid: number): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  return start ? `${pid}-${start}` : undefined;
}

let root: Root | null | undefined;
function detect(): Root | null {
  if (root !== undefined) return root;
  root = null;
  if (process.platform !== "linux") return root;
  const lines = (read("/proc/self/cgroup") ?? "").split("\n");
  const v2Path = lines.find((l) => l.startsWith("0::"))?.slice(3);
  const v1Path = lines.map((l) => l.split(":")).find((p) => p[1]?.split(",").includes("memory"))?.[2];
  const candidates: Root[] = [];
  const v2 = v2Path !== undefined ? ownDir("cgroup2", v2Path) : undefined;
  if (v2) {
    const skyport = join(v2, "skyport");
    // The memory controller must be available to us and enabled for our children (EBUSY if we hold processes
    // and are not the root: cgroup v2's no-internal-processes rule; then it is off for us).
    const memory = (read(join(v2, "cgroup.controllers")) ?? "").split(/\s+/).includes("memory") && ((read(join(v2, "cgroup.subtree_control")) ?? "").includes("memory") || write(join(v2, "cgroup.subtree_control"), "+memory"));
    candidates.push({ kind: "v2", skyport, memory });
  }
  const v1 = v1Path !== undefined ? ownDir("cgroup", v1Path) : undefined;
  if (v1) candidates.push({ kind: "v1", skyport: join(v1, "skyport"), memory: true });
  candidates.sort((a, b) => Number(b.memory) - Number(a.memory));
  for (const c of candidates) {
    try {
      mkdirSync(c.skyport, { recursive: true });
      if (c.kind === "v2" && c.memory) write(join(c.skyport, "cgroup.subtree_control"), "+memory");
      root = c;
      break;
    } catch {
      /* not writable (not root, no delegation): try the next */
    }
  }
  return root;
}

let instance: string | null | undefined;
function instanceDir(): string | null {
  if (instance !== undefined) return instance;
  const r = detect();
  const name = instanceName(process.pid);
  instance = null;
  if (!r || !name) return instance;
  const dir = join(r.skyport, name);
  try {
    mkdirSync(dir, { recursive: true });
    if (r.kind === "v2" && r.memory) write(join(dir, "cgroup.subtree_control"), "+memory");
    instance = dir;
    // Leave nothing behind on a normal exit (what is still busy then goes with the next start's sweep).
    process.on("exit", () => {
      for (const env of subdirs(dir)) removeCgroup(join(dir, env));
      removeCgroup(dir);
    });
  } catch {
    /* stays null: no cgroups */
  }
  return instance;
}

/** The directory holding every Skyport instance's cgroups (<own cgroup>/skyport), when cgroups are usable. */
export function cgroupBase(): string | undefined {
  return detect()?.skyport;
}

/** How environments are contained here, for the startup log. */
export function cgroupMode(): "v2" | "v2-no-memory" | "v1-memory" | "none" {
  const r = detect();
  if (!r || !instanceDir()) return "none";
  return r.kind === "v1" ? "v1-memory" : r.memory ? "v2" : "v2-no-memory";
}

/** Creates the cgroup of one environment with its memory limit, or undefined when cgroups are unavailable. */
export function createCgroup(id: string, memoryMb?: number): Cgroup | undefined {
  const r = detect();
  const parent = instanceDir();
  if (!r || !parent) return undefined;
  const dir = join(parent, id.replace(/[^A-Za-z0-9_.-]/g, "_"));
  try {
    mkdirSync(dir);
  } catch {
    return undefined;
  }
  let memoryLimited = false;
  if (memoryMb !== undefined && r.memory) {
    const bytes = String(memoryMb * 1024 * 1024);
    if (r.kind === "v2") {
      memoryLimited = write(join(dir, "memory.max"), bytes);
      write(join(dir, "memory.swap.max"), "0");
      write(join(dir, "memory.oom.group"), "1"); // the whole environment dies on OOM, as on Lambda
    } else {
      memoryLimited = write(join(dir, "memory.limit_in_bytes"), bytes);
      // memsw (memory + swap) equal to the limit means no swap; absent when swap accounting is off.
      write(join(dir, "memory.memsw.limit_in_bytes"), bytes);
      write(join(dir, "memory.swappiness"), "0");
    }
  }
  return new EnvCgroup(dir, r.kind, memoryLimited);
}

class EnvCgroup implements Cgroup {
  readonly procsFile: string;
  constructor(readonly dir: string, private readonly kind: "v1" | "v2", readonly memoryLimited: boolean) {
    this.procsFile = join(dir, "cgroup.procs");
  }
  kill(): void {
    killCgroup(this.dir, this.kind);
  }
  remove(): boolean {
    return removeCgroup(this.dir);
  }
  oomKilled(): boolean {
    const text = read(join(this.dir, this.kind === "v2" ? "memory.events" : "memory.oom_control")) ?? "";
    return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0) > 0;
  }
  peakBytes(): number | undefined {
    const v = read(join(this.dir, this.kind === "v2" ? "memory.peak" : "memory.max_usage_in_bytes"));
    return v === undefined ? undefined : Number(v.trim());
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

function pids(dir: string): number[] {
  return (read(join(dir, "cgroup.procs")) ?? "").split("\n").filter(Boolean).map(Number);
}

function killCgroup(dir: string, kind: "v1" | "v2"): void {
  if (kind === "v2" && write(join(dir, "cgroup.kill"), "1")) return;
  // v1 has no atomic kill: repeat while a process forks faster than we kill (bounded).
  for (let round = 0; round < 100; round++) {
    const list = pids(dir);
    if (!list.length) return;
    for (const pid of list) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

/** Removes a cgroup once its killed processes have finished exiting (retried briefly off the event loop). */
export function removeWhenEmpty(dir: string, attempt = 0): void {
  if (removeCgroup(dir) || attempt >= 40) return;
  setTimeout(() => removeWhenEmpty(dir, attempt + 1), 25 * (attempt + 1)).unref();
}

function removeCgroup(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/**
 * Kills and removes what Skyports that are gone (kill -9, crash) left behind: their instance directories,
 * every process still in them, and the directories. Returns how many processes it killed.
 */
export function sweepCgroups(): number {
  const r = detect();
  if (!r) return 0;
  let killed = 0;
  let owners: string[] = [];
  try {
    owners = readdirSync(r.skyport);
  } catch {
    return 0;
  }
  for (const owner of owners) {
    const m = /^(\d+)-\d+$/.exec(owner);
    if (!m || instanceName(Number(m[1])) === owner) continue; // alive (or not ours to judge)
    const dir = join(r.skyport, owner);
    for (const env of subdirs(dir)) {
      const d = join(dir, env);
      killed += pids(d).length;
      killCgroup(d, r.kind);
      removeWhenEmpty(d);
    }
    const tryOwner = (attempt: number) => {
      if (removeCgroup(dir) || attempt >= 40) return;
      setTimeout(() => tryOwner(attempt + 1), 25 * (attempt + 1)).unref();
    };
    tryOwner(0);
  }
  return killed;
}
