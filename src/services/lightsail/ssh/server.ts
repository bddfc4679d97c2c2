/**
 * An embedded SSH server (ssh2) for one instance: public-key authentication against the instance's key
 * pair, or an OpenSSH user certificate from GetInstanceAccessDetails (signed by Skyport's CA for this
 * instance, cert.ts) — passwords and any other key refused — then `exec` requests and shells run through
 * the session the instance gives (a process inside its namespaces, enter.ts).
 *
 * One server may listen on several ports of the instance's address (--ssh-port and 22); each accepted
 * connection is first checked against the source allow-list (the firewall rule of port 22), then handed
 * to ssh2. Sessions have no pseudo-terminal (node has none without a native module): the pty request is
 * refused, so the OpenSSH client keeps the local terminal in line mode; `ssh HOST cmd`, piped shells and an
 * interactive `ssh HOST` (a shell with prompts, without line editing or job control) work.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { timingSafeEqual } from "node:crypto";
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
  /** The process running `command` (a login shell when undefined) inside the instance; undefined when it is not running. */
  enter(command: string | undefined, interactive: boolean): SshSession | undefined;
}

const SshLimits = { MAX_SESSIONS_PER_CONNECTION: 10, MAX_CONNECTIONS: 64, MAX_COMMAND_CHARS: 64 * 1024 } as const;
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
    client.on("authentication", (ctx) => {
      if (ctx.method === "publickey" && this.allowed(ctx)) return ctx.accept();
      ctx.reject(["publickey"]);
    });
    client.on("ready", () => {
      let sessions = 0;
      client.on("session", (accept, reject) => {
        if (++sessions > SshLimits.MAX_SESSIONS_PER_CONNECTION) return reject();
        const session = accept();
        const env: Record<string, string> = {};
        let pty = false;
        // No pseudo-terminal to give: refusing makes the client say so and keep its terminal in line mode.
        session.on("pty", (_ok, no) => {
          pty = true;
          no?.();
        });
        session.on("window-change", (ok) => ok?.());
        session.on("env", (ok, _no, info) => {
          if (Object.keys(env).length < 32 && /^(LANG|LC_[A-Z]+|TERM)$/.test(info.key)) env[info.key] = String(info.val).slice(0, 256);
          ok?.();
        });
        session.on("exec", (ok, no, info) => {
          if (info.command.length > SshLimits.MAX_COMMAND_CHARS) return no();
          this.run(ok(), info.command, env, false);
        });
        session.on("shell", (ok) => this.run(ok(), undefined, env, pty));
      });
    });
  }

  private run(stream: ssh2.ServerChannel, command: string | undefined, clientEnv: Record<string, string>, interactive: boolean): void {
    const s = this.target.enter(command, interactive);
    if (!s) {
      stream.stderr.write("The instance is not running.\r\n");
      stream.exit(255);
      stream.end();
      return;
    }
    const child = spawn(s.argv[0]!, s.argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env: { PATH, ...clientEnv, ...s.env } });
    this.children.add(child);
    child.stdout.pipe(stream, { end: false });
    child.stderr.pipe(stream.stderr, { end: false });
    stream.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
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
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGHUP");
    });
  }

  /** Open connections (tests, health). */
  connectionCount(): number {
    return this.clients.size;
  }

  /** Stops listening, ends every connection and kills every session. */
  async close(): Promise<void> {
    for (const c of this.children) c.kill("SIGKILL");
    for (const c of this.clients) c.end();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
  }
}
