/**
 * The OCI runner: an image's root filesystem run as a container with bubblewrap, without Docker.
 *
 * - Root filesystem: the image's rootfs (shared, read-only, never written) is the lower layer of a private
 *   overlayfs whose upper layer is the run's scratch directory. bubblewrap 0.8 (Debian 12) has no
 *   --overlay, so as root the runner mounts the overlay itself in a private mount namespace (util-linux
 *   `unshare --mount` + `mount -t overlay`) that only the container's processes share: it disappears with
 *   them. Not as root (no overlay mount allowed outside a user namespace here), the run gets a private copy
 *   of the rootfs instead (slower for big images; the same semantics).
 * - /etc/hosts, /etc/resolv.conf and the mount points are written into the upper layer before the mount.
 * - bubblewrap binds the merged tree as /, mounts its own /proc, a minimal /dev and a private tmpfs /tmp,
 *   unshares pid/ipc/uts/cgroup namespaces, drops every capability and installs the seccomp filter of
 *   ../seccomp.ts. The network namespace is shared (jobs reach Skyport at AWS_ENDPOINT_URL).
 * - User: the image's (or the job's) User. A non-root user runs as that host uid: `setpriv` switches to it
 *   before bubblewrap, which then maps it to itself in a user namespace (no capabilities, no_new_privs).
 *   Root (the default of most images) runs as host uid 0 with no capabilities, no_new_privs and locked
 *   securebits (what bubblewrap does for root with --cap-drop ALL): it can only write what it sees, its
 *   overlay and /tmp. Known gap: as uid 0 it is root to peers of abstract sockets of the host's network
 *   namespace; an idmapped lower layer would remove that (not done).
 * - Limits: memory (memory.max / v1 limit) through ../cgroup.ts, CPU (cpu.max) when the v2 cpu controller
 *   is delegated; the cgroup also holds every process for kill.
 */
import { spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync, chownSync } from "node:fs";
import { join } from "node:path";
import { createCgroup, removeWhenEmpty, type Cgroup } from "../cgroup.js";
import { hostFacts, sandboxSupport, seccompProgram } from "../sandbox.js";
import { containerArgv, containerEnv, type ContainerExit, type ContainerHandle, type ContainerRunner, type ContainerSpec } from "./types.js";
import { resolveUser } from "./users.js";

const UNSHARE = ["/usr/bin/unshare", "/bin/unshare"].find((p) => existsSync(p)) ?? "/usr/bin/unshare";
const MOUNT = ["/usr/bin/mount", "/bin/mount"].find((p) => existsSync(p)) ?? "/bin/mount";
/** Joins the cgroups named before "--", then becomes the command after it (as process-launcher.ts does). */
const JOIN_CGROUP = 'for f; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; done; while [ "$1" != -- ]; do shift; done; shift; exec "$@"';
/** Mounts the overlay ($1 options, $2 target) in the private mount namespace, then becomes the rest. */
const MOUNT_OVERLAY = `${MOUNT} -t overlay overlay -o "$1" "$2" || exit 125; shift 2; exec "$@"`;
const SETUP_FAILED = 125;

export interface OciRunnerOptions {
  /**
   * Where runs keep their upper layer (or private copy); removed when each run ends. Every directory above it
   * must be traversable by other users (a non-root container user's bubblewrap resolves the root through it):
   * somewhere under /tmp, not under /root.
   */
  scratchDir: string;
  /** How long SIGTERM waits before everything is killed (ECS's stopTimeout default is 30 s). */
  stopGraceMs?: number;
}

/** Why the OCI runner cannot work here, or undefined when it can. */
export function ociRunnerUnavailable(): string | undefined {
  const s = sandboxSupport();
  return s.ok ? undefined : s.reason;
}

export class OciRunner implements ContainerRunner {
  readonly name = "oci" as const;
  constructor(private readonly o: OciRunnerOptions) {
    // A non-root container user's unprivileged bubblewrap must traverse the path to its root: 0711, no listing.
    mkdirSync(o.scratchDir, { recursive: true });
    chmodSync(o.scratchDir, 0o711);
  }

  async run(spec: ContainerSpec): Promise<ContainerHandle> {
    const host = hostFacts();
    const { rootfs, config } = spec.image;
    const user = resolveUser(rootfs, spec.user ?? config.User);
    const argv = containerArgv(config, spec.command);
    if (!argv.length) throw new Error("CannotStartContainerError: no command specified");
    const cwd = config.WorkingDir || "/";
    const dir = join(this.o.scratchDir, spec.id.replace(/[^A-Za-z0-9_.-]/g, "_"));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    const overlay = host.root;
    let root: string;
    let prefix: string[] = [];
    if (overlay) {
      const upper = join(dir, "upper");
      const work = join(dir, "work");
      root = join(dir, "merged");
      for (const d of [upper, work, root]) mkdirSync(d);
      for (const p of [rootfs, upper, work]) if (/[,:\s\\]/.test(p)) throw new Error(`overlay: unusable path ${p}`);
      prepareLayer(upper, rootfs, cwd, user.uid, user.gid, spec.hostname ?? spec.id);
      prefix = [UNSHARE, "--mount", "--propagation", "private", "--", "/bin/sh", "-c", MOUNT_OVERLAY, "skyport-overlay", `lowerdir=${rootfs},upperdir=${upper},workdir=${work}`, root];
    } else {
      root = join(dir, "root");
      cpSync(rootfs, root, { recursive: true, verbatimSymlinks: true });
      prepareLayer(root, root, cwd, user.uid, user.gid, spec.hostname ?? spec.id);
    }
    // As root with a non-root user, or whenever Skyport is not root: bubblewrap runs unprivileged in a user namespace.
    const userns = !host.root || user.uid !== 0;
    const program = seccompProgram();
    const bw: string[] = [];
    if (userns) bw.push("--unshare-user", "--uid", String(user.uid), "--gid", String(user.gid), "--disable-userns");
    bw.push("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--new-session", "--die-with-parent");
    bw.push("--hostname", (spec.hostname ?? "job").slice(0, 63), "--cap-drop", "ALL");
    bw.push("--bind", root, "/", "--proc", "/proc", "--dev", "/dev");
    bw.push("--perms", "1777", "--size", String((spec.tmpMb ?? 512) * 1024 * 1024), "--tmpfs", "/tmp");
    if (program) bw.push("--seccomp", "3");
    bw.push("--chdir", cwd, "--", ...argv);
    let cmd = ["bwrap", ...bw];
    if (host.root && user.uid !== 0) cmd = [host.setpriv, "--reuid", String(user.uid), "--regid", String(user.gid), "--clear-groups", "--no-new-privs", "--", ...cmd];
    cmd = [...prefix, ...cmd];
    const cgroup = createCgroup(`batch-${spec.id}`, spec.memoryMb);
    if (cgroup && spec.vcpus) writeQuiet(join(cgroup.dir, "cpu.max"), `${Math.max(1000, Math.round(spec.vcpus * 100_000))} 100000`);
    if (cgroup) cmd = ["/bin/sh", "-c", JOIN_CGROUP, "skyport-job", ...cgroup.procsFiles, "--", ...cmd];
    const env = containerEnv(config, spec.env);
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd: "/", env, stdio: ["ignore", "pipe", "pipe", "pipe"], detached: true });
    const pipe = child.stdio[3] as NodeJS.WritableStream | null;
    pipe?.on("error", () => {});
    pipe?.end(program ?? Buffer.alloc(0));
    return new OciHandle(child, cgroup, dir, spec, this.o.stopGraceMs ?? 30_000);
  }
}

/** Writes /etc/hosts, /etc/resolv.conf and the mount points into the layer the container writes. */
function prepareLayer(layer: string, lower: string, cwd: string, uid: number, gid: number, hostname: string): void {
  if (!isLink(join(lower, "etc"))) {
    mkdirSync(join(layer, "etc"), { recursive: true, mode: 0o755 });
    writeFileSync(join(layer, "etc/hosts"), `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname.replace(/[^A-Za-z0-9.-]/g, "-").slice(0, 63)}\n`, { mode: 0o644 });
    let resolv = "nameserver 127.0.0.1\n";
    try {
      resolv = readFileSync("/etc/resolv.conf", "utf8");
    } catch {
      /* the host has none */
    }
    writeFileSync(join(layer, "etc/resolv.conf"), resolv, { mode: 0o644 });
  }
  // Mount points bubblewrap needs (an unprivileged bubblewrap could not create them in a root-owned /).
  for (const [d, mode] of [["proc", 0o555], ["dev", 0o755], ["tmp", 0o1777]] as const) {
    if (!existsSync(join(lower, d))) mkdirSync(join(layer, d), { mode });
  }
  // Docker creates a missing WorkingDir.
  const rel = cwd.replace(/^\/+/, "");
  if (rel && !existsSync(join(lower, rel)) && !rel.split("/").includes("..")) {
    mkdirSync(join(layer, rel), { recursive: true, mode: 0o755 });
    try {
      chownSync(join(layer, rel), uid, gid);
    } catch {
      /* not root: it is ours already */
    }
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function writeQuiet(p: string, v: string): void {
  try {
    writeFileSync(p, v);
  } catch {
    /* controller not available */
  }
}

const SIGNALS: Record<number, NodeJS.Signals> = { 1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 6: "SIGABRT", 9: "SIGKILL", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 11: "SIGSEGV" };

class OciHandle implements ContainerHandle {
  private readonly done: Promise<ContainerExit>;
  private setupError?: string;
  private killTimer?: NodeJS.Timeout;
  private exited = false;

  constructor(private readonly child: ReturnType<typeof spawn>, private readonly cgroup: Cgroup | undefined, dir: string, spec: ContainerSpec, private readonly graceMs: number) {
    const split = (stream: NodeJS.ReadableStream | null, name: "stdout" | "stderr") => {
      if (!stream) return;
      let buf = "";
      stream.setEncoding("utf8");
      const emit = (line: string) => {
        // bubblewrap's own complaints (a missing command, a failed mount) are the container's start failure.
        if (name === "stderr" && /^(bwrap|skyport-overlay|mount): /.test(line)) this.setupError ??= line.replace(/^bwrap: /, "");
        else spec.onLine(line, name);
      };
      stream.on("data", (d: string) => {
        buf += d;
        if (buf.length > 256 * 1024) {
          emit(buf);
          buf = "";
        }
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          emit(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      stream.on("end", () => buf && emit(buf));
    };
    split(child.stdout, "stdout");
    split(child.stderr, "stderr");
    const streamsDone = Promise.all([child.stdout, child.stderr].map((s) => new Promise<void>((r) => (s ? s.on("close", () => r()) : r()))));
    this.done = new Promise<ContainerExit>((resolve) => {
      child.on("error", (e) => resolve({ exitCode: null, signal: null, reason: `CannotStartContainerError: ${e.message}` }));
      child.on("exit", (code, signal) => {
        this.exited = true;
        if (this.killTimer) clearTimeout(this.killTimer);
        let out: ContainerExit = { exitCode: code, signal };
        if (code !== null && code > 128 && SIGNALS[code - 128]) out = { exitCode: null, signal: SIGNALS[code - 128]! };
        const oom = this.cgroup?.oomKilled();
        this.cgroup?.kill();
        if (this.cgroup) removeWhenEmpty(this.cgroup.dir);
        void streamsDone.then(() => {
          if (oom) out = { exitCode: 137, signal: "SIGKILL", reason: "OutOfMemoryError: Container killed due to memory usage" };
          else if (this.setupError) out = { exitCode: code === SETUP_FAILED ? null : code, signal: null, reason: `CannotStartContainerError: ${this.setupError}` };
          rmSync(dir, { recursive: true, force: true });
          resolve(out);
        });
      });
    });
  }

  get pid() {
    return this.child.pid;
  }
  wait() {
    return this.done;
  }
  kill(signal: NodeJS.Signals = "SIGKILL") {
    if (this.exited) return;
    if (signal !== "SIGKILL") {
      // The job's own processes get the signal (bubblewrap would not pass it on); everything dies after the grace.
      for (const pid of this.cgroup?.pids() ?? []) {
        if (readComm(pid) === "bwrap" || pid === this.child.pid) continue;
        try {
          process.kill(pid, signal);
        } catch {
          /* gone */
        }
      }
      this.killTimer ??= setTimeout(() => this.kill("SIGKILL"), this.cgroup ? this.graceMs : 0);
      this.killTimer.unref();
      return;
    }
    this.cgroup?.kill();
    try {
      if (this.child.pid) process.kill(-this.child.pid, "SIGKILL");
    } catch {
      this.child.kill("SIGKILL");
    }
  }
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

