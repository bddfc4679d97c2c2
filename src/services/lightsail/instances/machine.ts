/**
 * One running Lightsail instance: a long-lived bubblewrap sandbox over the instance's OWN root filesystem —
 * an overlay whose upper directory (the instance's writes) persists across stop/start on the read-only,
 * shared image rootfs (a full copy when overlayfs is unavailable) — with its own pid, mount, ipc, uts
 * (hostname) and NETWORK namespace, in a cgroup carrying the bundle's memory limit.
 *
 * Network: a veth pair per instance, the host end 172.26.x.(y-1)/30 and the instance's eth0 its
 * privateIpAddress 172.26.x.y/30 (default route via the host end). Skyport's port forwarder (ports.ts)
 * connects to privateIp:PORT; that is the only way in. Why veth rather than pasta/slirp4netns: no extra
 * package, one kernel path, and the private address AWS reports is real. It needs root (as bubblewrap's
 * mounts do); the host does not forward or NAT, so instances have no internet access.
 *
 * Boot: the sandbox's init (init.sh, bound read-only at /run/skyport) waits on stdin until the cgroup and
 * network are set up, then runs user data once (as root, like cloud-init; a marker in the instance's own
 * filesystem keeps it from running again), starts the blueprint's service (app blueprints: the image's
 * entrypoint), and waits. Stop: SIGTERM to init, which TERMs every process of the instance; SIGKILL to the
 * whole cgroup after STOP_GRACE_MS.
 *
 * Root inside has Docker's default capability set (no CAP_SYS_ADMIN, no raw device or module access).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCgroup, removeWhenEmpty, type Cgroup } from "../../../runtime/cgroup.js";
import type { Logger } from "../../../core/log.js";
import { CpuCgroup, moveTree } from "./cpu.js";

const STOP_GRACE_MS = 5000;
const CAPS = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP",
];
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const CLK_TCK = 100;

export interface MachineSpec {
  /** The instance's unique id (ARN uuid): names its directory, cgroup and veth. */
  id: string;
  hostname: string;
  /** Read-only image rootfs (the overlay's lower layer). */
  rootfs: string;
  /** <data dir>/lightsail/instances/<id>: upper/, work/, root/, ctl/. */
  dir: string;
  memoryMb: number;
  cpuCount: number;
  privateIp: string;
  hostIp: string;
  userData?: string;
  /** The blueprint's service: argv run at every boot (empty: none). */
  service: string[];
  env: string[];
  /** Disks: host directory → path inside. */
  disks: Array<[string, string]>;
  /** The blueprint's login user (admin, ubuntu, ec2-user, bitnami): created at boot when the image lacks it. */
  user?: string;
}

/** Root filesystem directories of an instance (also what snapshots copy). */
export const layout = (dir: string) => ({ upper: join(dir, "upper"), work: join(dir, "work"), root: join(dir, "root"), ctl: join(dir, "ctl"), copy: join(dir, "copy-mode") });

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Creates the login user when the image has none of that name, as cloud-init does on Lightsail: the first
 * free uid from 1000, a group of the same number, and its home directory (owned by it) when missing. Plain
 * file edits and shell built-ins, because images differ in having useradd/adduser or awk.
 */
function userScript(user: string | undefined): string {
  if (!user || !/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) return "";
  return `if ! grep -q '^${user}:' /etc/passwd 2>/dev/null; then
  n=1000; while grep -q "^[^:]*:[^:]*:$n:" /etc/passwd /etc/group 2>/dev/null; do n=$((n+1)); done
  echo "${user}:x:$n:$n:${user}:/home/${user}:/bin/sh" >> /etc/passwd
  grep -q '^${user}:' /etc/group 2>/dev/null || echo "${user}:x:$n:" >> /etc/group
fi
while IFS=: read -r n _ u g _ h _; do
  if [ "$n" = ${user} ] && [ -n "$h" ] && [ "$h" != / ] && [ ! -e "$h" ]; then mkdir -p "$h" && chown "$u:$g" "$h" && chmod 755 "$h"; fi
done < /etc/passwd
`;
}

function initScript(spec: MachineSpec): string {
  const service = spec.service.length ? `(${spec.service.map(sh).join(" ")} >>/var/log/skyport-service.log 2>&1 </dev/null &)` : ":";
  return `#!/bin/sh
read -r _go || exit 0
exec </dev/null
export PATH=${PATH} HOME=/root
trap 'kill -TERM -1 2>/dev/null; sleep 1; kill -KILL -1 2>/dev/null; exit 0' TERM INT
mkdir -p /var/lib/skyport /var/log
${userScript(spec.user)}if [ -f /run/skyport/user-data ] && [ ! -e /var/lib/skyport/user-data-${spec.id}.done ]; then
  : > /var/lib/skyport/user-data-${spec.id}.done
  if head -c 2 /run/skyport/user-data | grep -q '#!'; then (/run/skyport/user-data >/var/log/skyport-user-data.log 2>&1 &)
  else (/bin/sh /run/skyport/user-data >/var/log/skyport-user-data.log 2>&1 &); fi
fi
${service}
while :; do sleep 3600 & wait $!; done
`;
}

function run(cmd: string, args: string[], input?: string): void {
  const r = spawnSync(cmd, args, { input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${(r.stderr || r.error?.message || "").trim()}`);
}

function isMounted(path: string): boolean {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => l.split(" ")[4] === path);
}

export class Machine {
  private proc: ChildProcess | undefined;
  private cgroup: Cgroup | undefined;
  private cpu: CpuCgroup | undefined;
  /** Host pid of the instance's init (its namespaces are /proc/PID/ns/*). */
  pid: number | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: MachineSpec, private readonly log: Logger) {}

  /** The cgroup.procs files of the instance's cgroups (SSH sessions join them, so the bundle's limits hold). */
  cgroupProcsFiles(): string[] {
    return this.pid ? cgroupProcsOf(this.pid) : [];
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Mounts the instance's root filesystem (overlay, or a one-time full copy when overlayfs fails). */
  private mountRoot(): string {
    const l = layout(this.spec.dir);
    for (const d of [l.upper, l.work, l.root, l.ctl]) mkdirSync(d, { recursive: true });
    if (existsSync(l.copy)) return l.upper;
    if (isMounted(l.root)) return l.root;
    try {
      run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${this.spec.rootfs},upperdir=${l.upper},workdir=${l.work}`, l.root]);
      return l.root;
    } catch (e) {
      this.log.warn(`lightsail: overlayfs unavailable for ${this.spec.hostname} (${(e as Error).message}); copying the image instead`);
      cpSync(this.spec.rootfs, l.upper, { recursive: true, verbatimSymlinks: true, force: false, errorOnExist: false });
      writeFileSync(l.copy, "");
      return l.upper;
    }
  }

  /** Boots the instance; resolves once its init is running with network and cgroup in place. */
  async start(): Promise<void> {
    if (this.running) return;
    const spec = this.spec;
    const root = this.mountRoot();
    const l = layout(spec.dir);
    writeFileSync(join(l.ctl, "init.sh"), initScript(spec), { mode: 0o755 });
    if (spec.userData !== undefined) {
      writeFileSync(join(l.ctl, "user-data"), spec.userData);
      chmodSync(join(l.ctl, "user-data"), 0o755);
    }
    const args = [
      "--bind", root, "/", "--dev", "/dev", "--proc", "/proc", "--ro-bind", l.ctl, "/run/skyport",
      "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", spec.hostname,
      "--die-with-parent", "--new-session", "--cap-drop", "ALL", ...CAPS.flatMap((c) => ["--cap-add", c]),
      ...spec.disks.flatMap(([host, inside]) => ["--bind", host, inside]),
      "--clearenv", "--setenv", "PATH", PATH, "--setenv", "HOME", "/root", "--setenv", "HOSTNAME", spec.hostname,
      ...spec.env.flatMap((e) => { const i = e.indexOf("="); return i > 0 ? ["--setenv", e.slice(0, i), e.slice(i + 1)] : []; }),
      "--chdir", "/", "--info-fd", "3", "/bin/sh", "/run/skyport/init.sh",
    ];
    const logFd = join(spec.dir, "console.log");
    const { openSync, closeSync } = await import("node:fs");
    const out = openSync(logFd, "a");
    const proc = spawn("bwrap", args, { stdio: ["pipe", out, out, "pipe"] });
    closeSync(out);
    this.proc = proc;
    this.exited = new Promise((res) => proc.once("exit", () => res()));
    proc.once("error", (e) => this.log.warn(`lightsail: instance ${spec.hostname} did not start: ${e.message}`));
    try {
      this.pid = await childPid(proc);
      this.cgroup = createCgroup(`lightsail-${spec.id}`, spec.memoryMb);
      for (const f of this.cgroup?.procsFiles ?? []) moveTree(f, this.pid); // with init, already forked (cpu.ts)
      this.cpu = CpuCgroup.create(spec.id, this.pid, spec.cpuCount);
      this.setupNetwork(this.pid);
      proc.stdin!.end("go\n");
    } catch (e) {
      await this.stop(0);
      throw e;
    }
  }

  private setupNetwork(pid: number): void {
    const { id, hostIp, privateIp } = this.spec;
    const tag = id.replace(/-/g, "").slice(0, 10);
    const host = `lsh${tag}`;
    const peer = `lsi${tag}`;
    spawnSync("ip", ["link", "del", host]); // a leftover of a crash
    run("ip", ["-batch", "-"], `link add ${host} type veth peer name ${peer}\nlink set ${peer} netns ${pid}\naddr add ${hostIp}/30 dev ${host}\nlink set ${host} up\n`);
    run("nsenter", ["-t", String(pid), "-n", "ip", "-batch", "-"], `link set ${peer} name eth0\naddr add ${privateIp}/30 dev eth0\nlink set eth0 up\nlink set lo up\nroute add default via ${hostIp}\n`);
  }

  /** Stops the instance: TERM to its init, KILL to its cgroup after `graceMs`. The root stays (persists). */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    const proc = this.proc;
    if (proc && this.running) {
      // The sandbox's pid 1 is bubblewrap's reaper; init.sh is its child and handles TERM.
      for (const child of this.pid ? childrenOf(this.pid) : []) {
        try {
          process.kill(child, "SIGTERM");
        } catch {
          /* gone */
        }
      }
      const timer = setTimeout(() => {
        this.cgroup?.kill();
        proc.kill("SIGKILL");
      }, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.cgroup?.kill();
    if (this.cgroup) removeWhenEmpty(this.cgroup.dir);
    this.cgroup = undefined;
    this.cpu?.remove();
    this.cpu = undefined;
    this.proc = undefined;
    this.pid = undefined;
    this.unmount();
  }

  /** Unmounts the overlay (after stop, before deleting or snapshotting the upper dir). */
  unmount(): void {
    const l = layout(this.spec.dir);
    if (isMounted(l.root)) spawnSync("umount", ["-l", l.root]);
  }

  /** CPU seconds used by the instance's processes (v1 cpuacct, v2 cpu.stat, else the live processes' utime+stime). */
  cpuSeconds(): number {
    if (!this.cgroup) return 0;
    const acct = this.cpu?.seconds();
    if (acct !== undefined) return acct;
    try {
      const stat = readFileSync(join(this.cgroup.dir, "cpu.stat"), "utf8");
      const usec = /^usage_usec (\d+)/m.exec(stat);
      if (usec) return Number(usec[1]) / 1e6;
    } catch {
      /* v1 or no cpu controller */
    }
    let ticks = 0;
    for (const pid of this.cgroup.pids()) {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, "utf8");
        const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
        ticks += Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
      } catch {
        /* exited */
      }
    }
    return ticks / CLK_TCK;
  }

  /** Bytes received and sent on the instance's eth0. */
  networkBytes(): { rx: number; tx: number } {
    if (!this.pid) return { rx: 0, tx: 0 };
    try {
      const line = readFileSync(`/proc/${this.pid}/net/dev`, "utf8").split("\n").find((l) => l.trim().startsWith("eth0:"));
      const f = line!.split(":")[1]!.trim().split(/\s+/).map(Number);
      return { rx: f[0]!, tx: f[8]! };
    } catch {
      return { rx: 0, tx: 0 };
    }
  }

  /** Deletes the instance's files (after stop). */
  destroy(): void {
    this.unmount();
    rmSync(this.spec.dir, { recursive: true, force: true });
  }
}

/**
 * The cgroup.procs file of every cgroup `pid` is in (v1 hierarchies by their mount's controllers, v2 by its
 * mount): whatever cgroups the instance got (memory here, CPU in cpu.ts), a process written there joins them.
 */
export function cgroupProcsOf(pid: number): string[] {
  try {
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => {
      const [pre, post] = l.split(" - ");
      const f = (pre ?? "").split(" ");
      const g = (post ?? "").split(" ");
      return { root: f[3] ?? "", point: f[4] ?? "", fs: g[0] ?? "", opts: (g[2] ?? "").split(",") };
    }).filter((m) => m.fs === "cgroup" || m.fs === "cgroup2");
    const out: string[] = [];
    for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n")) {
      const m = /^(\d+):([^:]*):(.*)$/.exec(line);
      if (!m || m[3] === "/") continue;
      const ctrls = m[2] ? m[2].split(",") : [];
      const mount = ctrls.length === 0 ? mounts.find((x) => x.fs === "cgroup2") : mounts.find((x) => x.fs === "cgroup" && ctrls.every((c) => x.opts.includes(c)));
      if (!mount || !m[3]!.startsWith(mount.root)) continue;
      const rel = mount.root === "/" ? m[3]! : m[3]!.slice(mount.root.length);
      out.push(join(mount.point, rel, "cgroup.procs"));
    }
    return out.filter((f) => existsSync(f));
  } catch {
    return [];
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Reads bubblewrap's info fd: {"child-pid": N}. */
function childPid(proc: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const info = proc.stdio[3] as NodeJS.ReadableStream;
    const fail = (why: string) => reject(new Error(`bubblewrap did not start the instance: ${why}`));
    info.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = /"child-pid"\s*:\s*(\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    proc.once("exit", (code) => fail(`exit ${code}`));
    proc.once("error", (e) => fail(e.message));
  });
}
