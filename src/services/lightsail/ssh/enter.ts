/**
 * How an SSH session gets INTO an instance, with nothing of the host's: the command runs in the instance's
 * own mount namespace (its overlay root, its /proc, its disks — never a host path), its pid, uts, ipc, net
 * and cgroup namespaces, its cgroups, as the blueprint's login user with no capabilities and no_new_privs.
 *
 * The chain, every binary but the last from the HOST (nothing of the instance runs before privileges are gone):
 *   sh -c 'join the cgroups; exec …'  →  setpriv --no-new-privs --bounding-set=<only what nsenter needs>
 *   →  nsenter -t PID --mount --uts --ipc --net --pid --cgroup --root --wd --setuid UID --setgid GID  →  the instance's /bin/sh
 * nsenter joins the namespaces (CAP_SYS_ADMIN), chroots to the instance's root (CAP_SYS_CHROOT) and then drops
 * to UID, which clears every capability; no_new_privs keeps a setuid binary or file capability of the instance
 * from raising them again (so `sudo` cannot work: a deliberate difference from Lightsail, where the user may
 * sudo). UID 0 is refused: root would keep what remains of the bounding set in the host's user namespace.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from "node:fs";

const MAX_FILE_BYTES = 1 << 20;
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface LoginUser {
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** The `user` entry of an /etc/passwd text (undefined when absent, malformed, or uid 0). */
export function parsePasswd(text: string, user: string): LoginUser | undefined {
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 7 || f[0] !== user) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!/^\d{1,10}$/.test(f[2]!) || !/^\d{1,10}$/.test(f[3]!) || uid === 0 || uid > 0xfffffffe || gid > 0xfffffffe) return undefined;
    const safe = (p: string, dflt: string) => (/^\/[\w./-]{0,255}$/.test(p) && !p.split("/").some((x) => x === ".." || x === ".") ? p : dflt);
    return { uid, gid, home: safe(f[5]!, "/"), shell: safe(f[6]!.trim(), "/bin/sh") };
  }
  return undefined;
}

/**
 * The login user as the instance's /etc/passwd says. The instance's root could make that file say anything —
 * the uid only decides who the session runs as inside the instance, and uid 0 is refused.
 */
export function loginUser(pid: number, user: string): LoginUser | undefined {
  const text = readInstanceFile(pid, "/etc/passwd");
  return text === undefined ? undefined : parsePasswd(text, user);
}

/**
 * A small file of the instance (at most 1 MB), read from the host through /proc/PID/root: no symlink on the
 * way (an absolute one would resolve against the HOST's root), no "..", non-blocking, and only when it is a
 * regular file — a FIFO or device there must not stall Skyport.
 */
export function readInstanceFile(pid: number, path: string): string | undefined {
  const parts = path.split("/").filter(Boolean);
  if (!path.startsWith("/") || parts.some((x) => x === ".." || x === ".")) return undefined;
  let fd: number | undefined;
  try {
    for (let i = 1; i < parts.length; i++) if (lstatSync(`/proc/${pid}/root/${parts.slice(0, i).join("/")}`).isSymbolicLink()) return undefined;
    fd = openSync(`/proc/${pid}/root${path}`, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(Math.min(fstatSync(fd).size, MAX_FILE_BYTES));
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString("utf8");
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The key lines of an OpenSSH authorized_keys text (options before the key type are not supported: skipped). */
export function authorizedKeyLines(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+/.test(l)).slice(0, 100);
}

export interface Session {
  argv: string[];
  env: Record<string, string>;
}

/**
 * argv and environment of `command` (a login shell when undefined) run by `who` inside the instance whose
 * namespaces are those of host pid `pid`, after joining the cgroups whose cgroup.procs files are given;
 * with `tty`, the terminal it runs on (ssh/server.ts gives it one) gets that size first.
 */
export function sessionArgv(pid: number, who: LoginUser & { name: string }, command: string | undefined, cgroupProcs: string[], tty?: { rows: number; cols: number }): Session {
  const join = 'while [ "$1" != -- ]; do echo $$ > "$1" 2>/dev/null; shift; done; shift; exec "$@"';
  const size = tty && tty.rows > 0 && tty.cols > 0 ? `stty rows ${Math.min(tty.rows, 1000) | 0} cols ${Math.min(tty.cols, 1000) | 0} 2>/dev/null; ` : "";
  // $1 is the user's shell, $2 the command: positional, so no SHELL of ours reaches the host programs before.
  const inner = `SHELL=$1; export SHELL; ${size}cd "$HOME" 2>/dev/null || cd /; [ -x "$SHELL" ] || SHELL=/bin/sh; ` + (command === undefined ? 'exec "$SHELL" -l' : 'exec "$SHELL" -c "$2"');
  return {
    argv: [
      "/bin/sh", "-c", join, "sh", ...cgroupProcs, "--",
      "setpriv", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all,+sys_admin,+sys_chroot,+setuid,+setgid", "--",
      "nsenter", "-t", String(pid), "--mount", "--uts", "--ipc", "--net", "--pid", "--cgroup", "--root", "--wd", `--setuid=${who.uid}`, `--setgid=${who.gid}`, "--",
      "/bin/sh", "-c", inner, "sh", who.shell, ...(command === undefined ? [] : [command]),
    ],
    env: { PATH, HOME: who.home, USER: who.name, LOGNAME: who.name },
  };
}
