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
  /** Writing a pid in each moves that process in (the launcher's first step, before user code runs). */
  readonly procsFiles: string[];
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
  /** The processes in it now. */
  pids(): number[];
}

interface Root {
  kind: "v2" | "v1";
  /** <own cgroup>/skyport */
  skyport: string;
  memory: boolean;
  /** pids.max is available: in the same hierarchy (v2) or, for v1, in the pids hierarchy's skyport dir. */
  pids: boolean;
  pidsV1?: string;
}

/** Lambda's quota of processes and threads per execution environment (a fork bomb stops there). */
export const MAX_PIDS = 1024;

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
function ownDir(fstype: "cgroup2" | "cgroup", ownPath: string, controller?: string): string | undefined {
  for (const line of (read("/proc/self/mountinfo") ?? "").split("\n")) {
    const [pre, post] = line.split(" - ");
    if (!pre || !post) continue;
    const f = pre.split(" ");
    const [type, , superOpts] = post.split(" ");
    if (type !== fstype) continue;
    if (controller && !(superOpts ?? "").split(",").includes(controller)) continue;
    const root = f[3]!;
    const mount = f[4]!.replace(/\\040/g, " ");
    // In a container the mount shows only our subtree: its root is (a prefix of) our own path.
    const rel = root === "/" ? ownPath : ownPath.startsWith(root) ? ownPath.slice(root.length) : "";
    const dir = join(mount, rel);
    return existsSync(dir) ? dir : mount;
  }
  return undefined;
}

/**
 * A process's identity as a Skyport instance's directories name it (pid plus start time, so pid reuse is seen): a
 * directory whose name no longer matches its pid's belongs to a server that died (its cgroups here, Batch's job layers).
 */
export function instanceName(pid: number): string | undefined {
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
  const pidsPath = lines.map((l) => l.split(":")).find((p) => p[1]?.split(",").includes("pids"))?.[2];
  const candidates: Root[] = [];
  const v2 = v2Path !== undefined ? ownDir("cgroup2", v2Path) : undefined;
  if (v2) {
    const skyport = join(v2, "skyport");
    // The memory controller must be available to us and enabled for our children (EBUSY if we hold processes
    // and are not the root: cgroup v2's no-internal-processes rule; then it is off for us).
    const memory = (read(join(v2, "cgroup.controllers")) ?? "").split(/\s+/).includes("memory") && ((read(join(v2, "cgroup.subtree_control")) ?? "").includes("memory") || write(join(v2, "cgroup.subtree_control"), "+memory"));
    const pids = (read(join(v2, "cgroup.controllers")) ?? "").split(/\s+/).includes("pids") && ((read(join(v2, "cgroup.subtree_control")) ?? "").includes("pids") || write(join(v2, "cgroup.subtree_control"), "+pids"));
    candidates.push({ kind: "v2", skyport, memory, pids });
  }
  const v1 = v1Path !== undefined ? ownDir("cgroup", v1Path, "memory") : undefined;
  if (v1) {
    const pidsDir = pidsPath !== undefined ? ownDir("cgroup", pidsPath, "pids") : undefined;
    let pidsV1: string | undefined;
    try {
      if (pidsDir) mkdirSync((pidsV1 = join(pidsDir, "skyport")), { recursive: true });
    } catch {
      pidsV1 = undefined;
    }
    candidates.push({ kind: "v1", skyport: join(v1, "skyport"), memory: true, pids: !!pidsV1, pidsV1 });
  }
  candidates.sort((a, b) => Number(b.memory) - Number(a.memory));
  for (const c of candidates) {
    try {
      mkdirSync(c.skyport, { recursive: true });
      if (c.kind === "v2") enableControllers(c.skyport, c);
      root = c;
      break;
    } catch {
      /* not writable (not root, no delegation): try the next */
    }
  }
  return root;
}

/** v2: children of a Skyport directory get the controllers we use. */
function enableControllers(dir: string, r: Root): void {
  if (r.memory) write(join(dir, "cgroup.subtree_control"), "+memory");
  if (r.pids) write(join(dir, "cgroup.subtree_control"), "+pids");
}

let instance: string | null | undefined;
let pidsInstance: string | undefined;
function instanceDir(): string | null {
  if (instance !== undefined) return instance;
  const r = detect();
  const name = instanceName(process.pid);
  instance = null;
  if (!r || !name) return instance;
  const dir = join(r.skyport, name);
  try {
    mkdirSync(dir, { recursive: true });
    if (r.kind === "v2") enableControllers(dir, r);
    instance = dir;
    if (r.pidsV1) {
      try {
        mkdirSync((pidsInstance = join(r.pidsV1, name)), { recursive: true });
      } catch {
        pidsInstance = undefined;
      }
    }
    // Leave nothing behind on a normal exit (what is still busy then goes with the next start's sweep).
    process.on("exit", () => {
      for (const d of [dir, pidsInstance]) {
        if (!d) continue;
        for (const env of subdirs(d)) removeCgroup(join(d, env));
        removeCgroup(d);
      }
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

/** Whether environments get a pids.max (MAX_PIDS). */
export function pidsLimited(): boolean {
  const r = detect();
  return !!r && !!instanceDir() && (r.kind === "v2" ? r.pids : !!pidsInstance);
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
  const name = id.replace(/[^A-Za-z0-9_.-]/g, "_");
  const dir = join(parent, name);
  try {
    mkdirSync(dir);
  } catch {
    return undefined;
  }
  const procsFiles = [join(dir, "cgroup.procs")];
  const extra: string[] = [];
  if (r.kind === "v2" && r.pids) write(join(dir, "pids.max"), String(MAX_PIDS));
  if (pidsInstance) {
    const d = join(pidsInstance, name);
    try {
      mkdirSync(d);
      write(join(d, "pids.max"), String(MAX_PIDS));
      procsFiles.push(join(d, "cgroup.procs"));
      extra.push(d);
    } catch {
      /* memory only */
    }
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
  return new EnvCgroup(dir, r.kind, memoryLimited, procsFiles, extra);
}

class EnvCgroup implements Cgroup {
  constructor(readonly dir: string, private readonly kind: "v1" | "v2", readonly memoryLimited: boolean, readonly procsFiles: string[], private readonly extraDirs: string[]) {}
  kill(): void {
    killCgroup(this.dir, this.kind);
  }
  remove(): boolean {
    // The same processes are in the extra (v1 pids) cgroup: it empties with the main one.
    return this.extraDirs.map((d) => removeCgroup(d)).every(Boolean) && removeCgroup(this.dir);
  }
  oomKilled(): boolean {
    const text = read(join(this.dir, this.kind === "v2" ? "memory.events" : "memory.oom_control")) ?? "";
    return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0) > 0;
  }
  pids(): number[] {
    return pids(this.dir);
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
  return sweepBase(r.skyport, r.kind) + (r.pidsV1 ? sweepBase(r.pidsV1, "v1") : 0);
}

function sweepBase(base: string, kind: "v1" | "v2"): number {
  const r = { skyport: base, kind };
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
