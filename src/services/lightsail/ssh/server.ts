/**
 * An embedded SSH server (ssh2) for one instance: public-key authentication against the instance's key
 * pair only (passwords and other keys refused), then `exec` requests and shells run through the argv the
 * instance gives (a process inside its namespaces, e.g. nsenter into its sandbox).
 *
 * Sessions have no pseudo-terminal (node has none without a native module): `ssh HOST cmd` and piped
 * shells work; an interactive `ssh HOST` gets a shell without line editing or job control.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import ssh2 from "ssh2";

export interface SshTarget {
  /** OpenSSH public key lines allowed to log in (the instance's key pair). */
  authorizedKeys(): string[];
  /** argv of a process running `command` (or a login shell when undefined) inside the instance; undefined when it is not running. */
  enter(command: string | undefined): string[] | undefined;
}

const SshLimits = { MAX_SESSIONS_PER_CONNECTION: 10, MAX_CONNECTIONS: 64, MAX_COMMAND_CHARS: 64 * 1024 } as const;

export class SshServer {
  private readonly server: ssh2.Server;
  private readonly children = new Set<ChildProcess>();
  private readonly clients = new Set<ssh2.Connection>();

  constructor(hostKey: string, private readonly target: SshTarget) {
    this.server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => this.serve(client));
    this.server.maxConnections = SshLimits.MAX_CONNECTIONS;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  private allowed(ctx: ssh2.PublicKeyAuthContext): boolean {
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
        session.on("pty", (ok) => ok?.());
        session.on("window-change", (ok) => ok?.());
        session.on("env", (ok, _no, info) => {
          if (Object.keys(env).length < 32 && /^(LANG|LC_[A-Z]+|TERM)$/.test(info.key)) env[info.key] = String(info.val).slice(0, 256);
          ok?.();
        });
        session.on("exec", (ok, no, info) => {
          if (info.command.length > SshLimits.MAX_COMMAND_CHARS) return no();
          this.run(ok(), info.command, env);
        });
        session.on("shell", (ok) => this.run(ok(), undefined, env));
      });
    });
  }

  private run(stream: ssh2.ServerChannel, command: string | undefined, env: Record<string, string>): void {
    const argv = this.target.enter(command);
    if (!argv) {
      stream.stderr.write("The instance is not running.\r\n");
      stream.exit(255);
      stream.end();
      return;
    }
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", ...env } });
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

  async close(): Promise<void> {
    for (const c of this.children) c.kill("SIGKILL");
    for (const c of this.clients) c.end();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
