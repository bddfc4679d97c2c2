/**
 * The bubblewrap sandbox for user code. The process inside sees only what it needs, read-only: the system
 * (/usr and its merged-/usr links), a minimal /etc, /sys's huge page settings, its code and runtime at the paths the LaunchSpec names,
 * a private /tmp of a fixed size, its own /proc, /dev, pid, ipc, uts and cgroup namespaces, no capabilities,
 * and the seccomp filter of seccomp.ts. Never the host's /, /root, /home, /proc or Skyport's data dir.
 *
 * As root, a user namespace would map the sandbox uid to host uid 0 (owner of every root file it can see,
 * and uid 0 to peers of abstract sockets in the shared network namespace). So as root bubblewrap runs
 * privileged (it needs root for the mounts) with only CAP_SETUID/SETGID/SETPCAP kept, and `setpriv` then
 * becomes the unprivileged sandbox uid with an empty bounding set and no_new_privs before user code runs:
 * the code is host uid 993, not root in any namespace. Not as root, bubblewrap makes a user namespace
 * (`--unshare-user --uid 993`, further user namespaces disabled) as the only way it can work.
 * The network namespace is shared: functions call Skyport's endpoint on loopback and the internet.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, lstatSync, mkdtempSync, openSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, posix } from "node:path";
import { SkyportError } from "../aws/errors.js";
import type { Logger } from "../core/log.js";
import { compileSeccomp, hostSeccompArch } from "./seccomp.js";

/** Uid/gid of user code, inside and (as root) on the host: Lambda's sbx_user1051. */
export const SANDBOX_UID = 993;
export const SANDBOX_GID = 990;
/** System directories: bound read-only, or recreated as the merged-/usr symlinks they are on the host. */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/**
 * What of /sys a runtime reads: the transparent huge page settings, which glibc's malloc needs to use huge pages
 * when asked to (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, a node start from the Lambda snapshot: blueprint.ts).
 */
const SYS_ENTRIES = ["/sys/kernel/mm/transparent_hugepage"];
/** What of /etc a runtime needs: name resolution, TLS roots, time zone, the dynamic linker, MIME types. */
const ETC_ENTRIES = [
  "resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf", "protocols", "services", "networks",
  "ssl", "ca-certificates", "ca-certificates.conf", "pki", "crypto-policies", "localtime", "timezone",
  "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "mime.types", "os-release", "debian_version",
];

/** Where user code runs: host paths bound read-only at paths inside, a private /tmp of tmpMb, the working dir. */
export interface SandboxSpec {
  binds: Array<[host: string, inside: string]>;
  tmpMb: number;
  cwd: string;
}

/** Facts about the host the argument list depends on (gathered once by hostFacts(); tests pass their own). */
export interface SandboxHost {
  /** Skyport runs as root: privileged bubblewrap plus setpriv; otherwise a user namespace. */
  root: boolean;
  /** Entries of SYSTEM_DIRS that exist: a symlink target (merged /usr) or "dir". */
  system: Array<[path: string, linkTarget: string | "dir"]>;
  /** Paths under /etc to bind (those that exist). */
  etc: string[];
  /** Paths under /sys to bind (those that exist): SYS_ENTRIES. */
  sys: string[];
  /** setpriv on the host (under /usr, so visible inside too). */
  setpriv: string;
  /** The host's PATH, to find a bare command such as python3. */
  path: string;
}

/** /etc/passwd and /etc/group inside: root, the sandbox user (Lambda's name) and nobody. */
export const SANDBOX_PASSWD = `root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:${SANDBOX_UID}:${SANDBOX_GID}::/tmp:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n`;
export const SANDBOX_GROUP = `root:x:0:\nsbx_user1051:x:${SANDBOX_GID}:\nnogroup:x:65534:\n`;

/**
 * Descriptors bubblewrap reads at setup (so no file of ours lingers on disk): the passwd and group
 * contents above, and the seccomp program when the arch has one.
 */
export interface SandboxFds {
  passwd: number;
  group: number;
  seccomp?: number;
}

/** The command and the bwrap arguments (argv[0] excluded) that run `command args` sandboxed. */
export function bwrapArgs(command: string, args: string[], spec: SandboxSpec, host: SandboxHost, fds: SandboxFds): string[] {
  for (const [h, inside] of spec.binds) if (posix.normalize(h) === "/" || posix.normalize(inside) === "/") throw new Error(`sandbox: refusing to bind ${h} at ${inside}`);
  const out: string[] = [];
  if (!host.root) out.push("--unshare-user", "--uid", String(SANDBOX_UID), "--gid", String(SANDBOX_GID), "--disable-userns");
  out.push("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--new-session", "--die-with-parent");
  out.push("--cap-drop", "ALL");
  if (host.root) out.push("--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP");
  for (const [p, target] of host.system) out.push(...(target === "dir" ? ["--ro-bind", p, p] : ["--symlink", target, p]));
  out.push("--proc", "/proc", "--dev", "/dev");
  const binds: Array<[string, string]> = [...[...host.etc, ...host.sys].map((e): [string, string] => [e, e]), ...spec.binds];
  const exe = resolveCommand(command, host, spec.binds.map(([, inside]) => inside));
  if (exe.bind) binds.push([exe.bind, exe.bind]);
  // bubblewrap creates missing parents 0700, which the unprivileged uid could not traverse.
  const parents = new Set<string>();
  for (const [, inside] of binds) for (let d = posix.dirname(inside); d !== "/"; d = posix.dirname(d)) parents.add(d);
  parents.add("/etc");
  for (const d of [...parents].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b))) out.push("--perms", "0755", "--dir", d);
  for (const [h, inside] of binds) out.push("--ro-bind", h, inside);
  out.push("--perms", "0644", "--ro-bind-data", String(fds.passwd), "/etc/passwd", "--perms", "0644", "--ro-bind-data", String(fds.group), "/etc/group");
  out.push("--perms", "1777", "--size", String(spec.tmpMb * 1024 * 1024), "--tmpfs", "/tmp");
  if (fds.seccomp !== undefined) out.push("--seccomp", String(fds.seccomp));
  out.push("--remount-ro", "/", "--chdir", spec.cwd, "--");
  if (host.root) out.push(host.setpriv, "--reuid", String(SANDBOX_UID), "--regid", String(SANDBOX_GID), "--clear-groups", "--no-new-privs", "--bounding-set", "-all", "--inh-caps", "-all", "--");
  out.push(exe.path, ...args);
  return out;
}

const isSystem = (p: string) => SYSTEM_DIRS.some((d) => p === d || p.startsWith(`${d}/`));

/**
 * Where a command is inside the sandbox. An absolute path under the system dirs or a bind is used as is;
 * a bare name is looked up on the host PATH, preferring a copy under /usr (a pyenv shim under /root would
 * not run inside). A binary elsewhere (node from /opt/node/bin) gets its install prefix bound at the same path.
 */
export function resolveCommand(command: string, host: Pick<SandboxHost, "path">, inside: string[] = []): { path: string; bind?: string } {
  if (command.startsWith("/")) {
    if (isSystem(command) || inside.some((d) => command === d || command.startsWith(`${d}/`))) return { path: command };
    let real = command;
    try {
      real = realpathSync(command);
    } catch {
      /* the launch will report it */
    }
    return { path: real, bind: dirname(dirname(real)) };
  }
  const found: string[] = [];
  for (const dir of host.path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, command);
    if (existsSync(p)) found.push(p);
  }
  const system = found.find((p) => isSystem(p) && isSystem(safeRealpath(p)));
  if (system) return { path: system };
  if (found.length) return resolveCommand(safeRealpath(found[0]!), host);
  return { path: command };
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

let facts: SandboxHost | undefined;
/** Gathers the host facts once. */
export function hostFacts(): SandboxHost {
  if (facts) return facts;
  const system: SandboxHost["system"] = [];
  for (const p of SYSTEM_DIRS) {
    try {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) system.push([p, readlinkSync(p)]);
      else if (st.isDirectory()) system.push([p, "dir"]);
    } catch {
      /* absent on this host */
    }
  }
  let etcNames: string[] = [];
  try {
    etcNames = readdirSync("/etc");
  } catch {
    /* no /etc */
  }
  // Debian's python3 reads /etc/python3.x/sitecustomize.py.
  const etc = [...ETC_ENTRIES, ...etcNames.filter((n) => /^python3(\.\d+)?$/.test(n))].filter((n) => etcNames.includes(n)).map((n) => `/etc/${n}`);
  const setpriv = ["/usr/bin/setpriv", "/usr/sbin/setpriv", "/bin/setpriv"].find((p) => existsSync(p)) ?? "setpriv";
  const sys = SYS_ENTRIES.filter((p) => existsSync(p));
  facts = { root: process.getuid?.() === 0, system, etc, sys, setpriv, path: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin" };
  return facts;
}

let program: Buffer | null | undefined;
/** The host arch's seccomp program (compiled once), or null when the arch has no syscall table. */
export function seccompProgram(): Buffer | null {
  if (program === undefined) {
    const arch = hostSeccompArch();
    program = arch ? compileSeccomp(arch) : null;
  }
  return program;
}

let support: { ok: true } | { ok: false; reason: string } | undefined;
/** Whether the full sandbox can be built here (bwrap installed and allowed to do all of the above); probed once. */
export function sandboxSupport(): { ok: true } | { ok: false; reason: string } {
  if (support) return support;
  try {
    const host = hostFacts();
    if (host.root && !existsSync(host.setpriv)) return (support = { ok: false, reason: "setpriv (util-linux) is not installed" });
    // The launcher passes these through pipes; spawnSync cannot, so the probe uses files removed right after.
    const dir = mkdtempSync(join(tmpdir(), "skyport-probe-"));
    try {
      const data = [SANDBOX_PASSWD, SANDBOX_GROUP, seccompProgram()].filter((d) => d !== null);
      const fds = data.map((d, i) => {
        writeFileSync(join(dir, String(i)), d);
        return openSync(join(dir, String(i)), "r");
      });
      try {
        const args = bwrapArgs("/bin/sh", ["-c", "exit 0"], { binds: [], tmpMb: 1, cwd: "/" }, host, { passwd: 3, group: 4, seccomp: fds.length > 2 ? 5 : undefined });
        const r = spawnSync("bwrap", args, { stdio: ["ignore", "ignore", "pipe", ...fds], timeout: 10_000, cwd: "/" });
        if (r.error) support = { ok: false, reason: (r.error as NodeJS.ErrnoException).code === "ENOENT" ? "bwrap (bubblewrap) is not installed" : r.error.message };
        else if (r.status !== 0) support = { ok: false, reason: `bwrap failed: ${(r.stderr?.toString() ?? "").trim().split("\n")[0] || `exit ${r.status ?? r.signal}`}` };
        else support = { ok: true };
      } finally {
        fds.forEach((fd) => closeSync(fd));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch (e) {
    support = { ok: false, reason: (e as Error).message };
  }
  return support;
}

/**
 * Decides at startup whether user code runs sandboxed: `bubblewrap` refuses to start without a working
 * sandbox; `auto` falls back to plain processes with a loud warning (louder as root); `off` is as asked.
 */
export function resolveSandboxMode(mode: "auto" | "bubblewrap" | "off", log: Logger): "bubblewrap" | "off" {
  const root = process.getuid?.() === 0;
  if (mode === "off") {
    if (root) log.warn("lambda: --lambda-sandbox off while running as root: function code runs unisolated, as root, on this host");
    return "off";
  }
  const s = sandboxSupport();
  if (s.ok) return "bubblewrap";
  if (mode === "bubblewrap") throw new SkyportError(`--lambda-sandbox bubblewrap: cannot build the function sandbox here (${s.reason}); install bubblewrap (with user namespaces allowed) or choose --lambda-sandbox off`);
  log.warn(
    root
      ? `lambda: WARNING: no sandbox (${s.reason}): function code runs UNISOLATED AS ROOT on this host (it can read and change everything, including Skyport's data); install bubblewrap, or run Skyport as an unprivileged user`
      : `lambda: no sandbox (${s.reason}): function code runs as plain processes with Skyport's user's rights; install bubblewrap to isolate it`,
  );
  return "off";
}
