/**
 * An embedded SSH server (ssh2) for one instance: public-key authentication against the instance's key
 * pair, or an OpenSSH user certificate from GetInstanceAccessDetails (signed by Skyport's CA for this
 * instance, cert.ts) — passwords and any other key refused — then `exec` requests and shells run through
 * the session the instance gives (a process inside its namespaces, enter.ts).
 *
 * One server may listen on several ports of the instance's address (--ssh-port and 22); each accepted
 * connection is first checked against the source allow-list (the firewall rule of port 22), then handed
 * to ssh2. A session that asks for a terminal (`ssh HOST`, `ssh -t HOST cmd`) runs under util-linux
 * `script`, which gives it a real pseudo-terminal (node has none without a native module): echo, line
 * editing, Ctrl-C and job control work; window size changes are applied with `stty -F` on that terminal.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { timingSafeEqual } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import ssh2 from "ssh2";
import { verifyUserCert } from "./cert.js";

export interface SshSession {
  argv: string[];
  env: Record<string, string>;
}

export interface SshTarget {
  /** The only user name that may log in (the instance's login user); any when undefined. */
  user?(): string | undefined;
  /** OpenSSH public key lines allowed to log in (the instance's key pair). */
  authorizedKeys(): string[];
  /** Certificates accepted: signed by this CA key (OpenSSH blob), with this key id, for the login user. */
  certificates?(): { caKey: Buffer; keyId: string; principal: string; now: number } | undefined;
  /** The process running `command` (a login shell when undefined) inside the instance; undefined when it is not running, a message when it cannot be entered. */
  enter(command: string | undefined, tty?: { rows: number; cols: number }): SshSession | string | undefined;
}

type Pty = { rows: number; cols: number };

const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

/** Signals the session's process group (the process spawned is its leader), so nothing of it lingers. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * Applies window sizes to the terminal `script` gave the session (its child's stdin) with `stty -F`, as sshd
 * would with an ioctl: one stty at a time per session, the latest size wins (a client cannot make it spawn
 * without bound).
 */
class Resizer {
  private busy = false;
  private next: { script: ChildProcess | undefined; rows: number; cols: number } | undefined;

  set(script: ChildProcess | undefined, rows: number, cols: number): void {
    this.next = { script, rows, cols };
    if (!this.busy) this.apply();
  }

  private apply(): void {
    const n = this.next;
    this.next = undefined;
    if (!n?.script?.pid || !(n.rows > 0 && n.cols > 0)) return;
    try {
      const first = readFileSync(`/proc/${n.script.pid}/task/${n.script.pid}/children`, "utf8").trim().split(/\s+/)[0];
      const tty = readlinkSync(`/proc/${first}/fd/0`);
      if (!/^\/dev\/pts\/\d+$/.test(tty)) return;
      this.busy = true;
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        this.busy = false;
        if (this.next) this.apply();
      };
      spawn("stty", ["-F", tty, "rows", String(Math.min(n.rows, 1000) | 0), "cols", String(Math.min(n.cols, 1000) | 0)], { stdio: "ignore" }).on("error", done).on("close", done);
    } catch {
      /* the session ended */
    }
  }
}

/** sshd's defaults where it has one (MaxAuthTries 6, LoginGraceTime 120 s, MaxSessions 10). */
const SshLimits = { MAX_SESSIONS_PER_CONNECTION: 10, MAX_CONNECTIONS: 64, MAX_COMMAND_CHARS: 64 * 1024, MAX_AUTH_TRIES: 6, LOGIN_GRACE_MS: 120_000 } as const;
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export class SshServer {
  private readonly server: ssh2.Server;
  private readonly listeners: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly children = new Set<ChildProcess>();
  private readonly clients = new Set<ssh2.Connection>();
  /** Whether a source address may connect (the port-22 rule's CIDRs); everybody when unset. */
  allow: ((ip: string) => boolean) | undefined;

  constructor(hostKey: string, private readonly target: SshTarget) {
    this.server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => this.serve(client));
    this.server.maxConnections = SshLimits.MAX_CONNECTIONS;
  }

  /** Listens on host:port too (0: any free port); resolves with the port. */
  listen(port: number, host: string): Promise<number> {
    const net = createServer((socket) => {
      const from = socket.remoteAddress?.replace(/^::ffff:/, "") ?? "";
      if (this.allow && !this.allow(from)) return socket.resetAndDestroy();
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
      this.server.injectSocket(socket);
    });
    return new Promise((resolve, reject) => {
      net.once("error", reject);
      net.listen(port, host, () => {
        net.off("error", reject);
        this.listeners.push(net);
        resolve((net.address() as AddressInfo).port);
      });
    });
  }

  private allowed(ctx: ssh2.PublicKeyAuthContext): boolean {
    const user = this.target.user?.();
    if (user !== undefined && ctx.username !== user) return false;
    if (ctx.key.algo.endsWith("-cert-v01@openssh.com")) {
      const trust = this.target.certificates?.();
      return trust !== undefined && verifyUserCert(ctx.key.data, { ...trust, principal: ctx.username }, ctx.signature ? { blob: ctx.blob!, signature: ctx.signature } : undefined);
    }
    for (const line of this.target.authorizedKeys()) {
      const key = ssh2.utils.parseKey(line);
      if (key instanceof Error || Array.isArray(key)) continue;
      const blob = key.getPublicSSH();
      if (blob.length !== ctx.key.data.length || !timingSafeEqual(blob, ctx.key.data)) continue;
      // Without a signature the client only asks whether the key would do; with one, it must verify.
      if (!ctx.signature) return true;
      return key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo as never) === true;
    }
    return false;
  }

  private serve(client: ssh2.Connection): void {
    this.clients.add(client);
    client.on("close", () => this.clients.delete(client));
    client.on("error", () => undefined);
    // Unauthenticated connections do not hold a slot for ever, nor try keys without end.
    const grace = setTimeout(() => client.end(), SshLimits.LOGIN_GRACE_MS);
    grace.unref();
    client.on("close", () => clearTimeout(grace));
    let failures = 0;
    client.on("authentication", (ctx) => {
      if (ctx.method === "publickey" && this.allowed(ctx)) return ctx.accept();
      // "none" and signature-less key checks are part of a normal login; count real failures only.
      if (ctx.method !== "none" && !(ctx.method === "publickey" && !ctx.signature) && ++failures >= SshLimits.MAX_AUTH_TRIES) return client.end();
      ctx.reject(["publickey"]);
    });
    client.on("ready", () => {
      clearTimeout(grace);
      let sessions = 0;
      client.on("session", (accept, reject) => {
        if (++sessions > SshLimits.MAX_SESSIONS_PER_CONNECTION) return reject();
        const session = accept();
        const env: Record<string, string> = {};
        const state: { pty?: Pty; child?: ChildProcess } = {};
        session.on("pty", (ok, _no, info) => {
          state.pty = { rows: info.rows, cols: info.cols };
          if (/^[\w.+-]{1,64}$/.test(info.term ?? "")) env.TERM = info.term;
          ok?.();
        });
        session.on("window-change", (ok, _no, info) => {
          if (state.pty) resizer.set(state.child, info.rows, info.cols);
          ok?.();
        });
        session.on("env", (ok, _no, info) => {
          const val = String(info.val).slice(0, 256);
          if (Object.keys(env).length < 32 && /^(LANG|LC_[A-Z]+)$/.test(info.key) && /^[\w.@:=+-]*$/.test(val)) env[info.key] = val;
          ok?.();
        });
        const resizer = new Resizer();
        session.on("exec", (ok, no, info) => {
          // A NUL cannot be passed to a program (spawn would throw): refuse such a command.
          if (info.command.length > SshLimits.MAX_COMMAND_CHARS || info.command.includes("\0")) return no();
          state.child = this.run(ok(), info.command, env, state.pty);
        });
        session.on("shell", (ok) => (state.child = this.run(ok(), undefined, env, state.pty)));
      });
    });
  }

  private run(stream: ssh2.ServerChannel, command: string | undefined, clientEnv: Record<string, string>, pty: Pty | undefined): ChildProcess | undefined {
    const s = this.target.enter(command, pty);
    if (!s || typeof s === "string") {
      stream.stderr.write(`${s ?? "The instance is not running."}\r\n`);
      stream.exit(255);
      stream.end();
      return undefined;
    }
    // script runs its -c command with $SHELL: the host's /bin/sh here, the user's shell comes later, inside.
    const argv = pty ? ["script", "-q", "-e", "--echo", "always", "-c", s.argv.map(quote).join(" "), "/dev/null"] : s.argv;
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env: { PATH, ...clientEnv, ...s.env, ...(pty ? { SHELL: "/bin/sh" } : {}) }, detached: true });
    } catch (e) {
      stream.stderr.write(`${(e as Error).message}\r\n`);
      stream.exit(255);
      stream.end();
      return undefined;
    }
    this.children.add(child);
    child.stdout!.pipe(stream, { end: false });
    child.stderr!.pipe(stream.stderr, { end: false });
    stream.pipe(child.stdin!);
    child.stdin!.on("error", () => undefined);
    child.on("error", (e) => {
      stream.stderr.write(`${e.message}\r\n`);
    });
    child.on("close", (code, signal) => {
      this.children.delete(child);
      if (signal) stream.exit(signal.replace(/^SIG/, ""), false, "");
      else stream.exit(code ?? 255);
      stream.end();
    });
    stream.on("close", () => {
      if (child.exitCode === null && child.signalCode === null) killGroup(child, "SIGHUP");
    });
    return child;
  }

  /** Open connections (tests, health). */
  connectionCount(): number {
    return this.clients.size;
  }

  /** Stops listening, ends every connection and kills every session. */
  async close(): Promise<void> {
    for (const c of this.children) killGroup(c, "SIGKILL");
    for (const c of this.clients) c.end();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
  }
}
