/**
 * A real PostgreSQL server per Lightsail database: `initdb` into the database's own data directory, then
 * `postgres` on 127.0.0.1 and a port of its own, as an unprivileged user when Skyport runs as root
 * (PostgreSQL refuses to run as root). Uses the Debian binaries (/usr/lib/postgresql/N/bin) or PATH.
 * Snapshots are `pg_dumpall` files (roles + databases), restored with `psql` into a fresh cluster.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { userInfo } from "node:os";

/** Runs a command to completion without blocking the event loop; rejects with the tail of its stderr. */
function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; env: NodeJS.ProcessEnv; input?: string }, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { uid: opts.uid, gid: opts.gid, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-65536)));
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once("error", (e) => reject(new Error(`${what} failed: ${e.message}`)));
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} failed: ${(err || out).trim().slice(-500)}`))));
    child.stdin.end(opts.input ?? "");
  });
}

/** The PostgreSQL binaries found on this machine. */
export interface PostgresInstall {
  bin: string;
  /** Major version, e.g. "15". */
  major: string;
  /** Full version, e.g. "15.18". */
  version: string;
}

/** Finds the newest PostgreSQL install, or undefined (the caller names the Debian package). */
export function findPostgres(): PostgresInstall | undefined {
  const dirs: string[] = [];
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a))) dirs.push(join(root, v, "bin"));
  for (const p of (process.env.PATH ?? "").split(":")) if (p) dirs.push(p);
  for (const bin of dirs) {
    if (!existsSync(join(bin, "initdb")) || !existsSync(join(bin, "postgres"))) continue;
    const r = spawnSync(join(bin, "postgres"), ["--version"], { encoding: "utf8" });
    const m = /(\d+)(?:\.(\d+))?/.exec(r.stdout ?? "");
    if (!m) continue;
    return { bin, major: m[1]!, version: m[0] };
  }
  return undefined;
}

/** The user PostgreSQL runs as: ourselves, or `postgres` (else `nobody`) when we are root. */
export function engineUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (r.status === 0 && g.status === 0) return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (released before the engine binds it; engines start one at a time). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Lets `user` traverse from / down to `dir` (adds o+x to directories we own that lack it: never read, never write). */
function allowTraverse(dir: string): void {
  let d = dirname(dir);
  const me = userInfo().uid;
  while (d !== "/" && d !== ".") {
    const st = statSync(d);
    if (st.uid === me && (st.mode & 0o001) === 0) chmodSync(d, (st.mode & 0o7777) | 0o001);
    d = dirname(d);
  }
}

export interface PostgresSpec {
  /** The cluster's directory (created). */
  dir: string;
  masterUsername: string;
  masterPassword: string;
  masterDatabaseName: string;
}

/** One database's PostgreSQL server. */
export class PostgresServer {
  private child?: ChildProcess;
  private readonly user = engineUser();
  port = 0;

  constructor(private readonly install: PostgresInstall, readonly dir: string) {}

  private get dataDir(): string {
    return join(this.dir, "pgdata");
  }

  private spawnOpts(extra: { stdin?: string } = {}): { uid?: number; gid?: number; env: NodeJS.ProcessEnv; input?: string } {
    return { ...(this.user ?? {}), env: { PATH: process.env.PATH, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" }, input: extra.stdin };
  }

  private clientEnv(password: string): { env: NodeJS.ProcessEnv } {
    return { env: { PATH: process.env.PATH, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" } };
  }

  private own(path: string): void {
    if (this.user) chownSync(path, this.user.uid, this.user.gid);
  }

  /** initdb with the master user as superuser, its password (scram over TCP), and the master database. */
  async initialize(spec: PostgresSpec): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.own(this.dir);
    if (this.user) allowTraverse(this.dir);
    const pwfile = join(this.dir, "pw.tmp");
    writeFileSync(pwfile, spec.masterPassword + "\n", { mode: 0o600 });
    this.own(pwfile);
    try {
      await run(join(this.install.bin, "initdb"), ["-D", this.dataDir, "-U", spec.masterUsername, `--pwfile=${pwfile}`, "--auth=scram-sha-256", "--encoding=UTF8", "--no-instructions", "--no-sync"], this.spawnOpts(), "initdb");
    } finally {
      rmSync(pwfile, { force: true });
    }
    if (spec.masterDatabaseName !== "postgres") {
      const create = `CREATE DATABASE "${spec.masterDatabaseName}" OWNER "${spec.masterUsername}";\n`;
      await run(join(this.install.bin, "postgres"), ["--single", "-D", this.dataDir, "-j", "template1"], this.spawnOpts({ stdin: create }), `creating database ${spec.masterDatabaseName}`);
    }
  }

  /** Starts the server on a free port (or `port`); resolves once it accepts connections. */
  async start(port?: number): Promise<void> {
    if (this.child) return;
    this.port = port ?? (await freePort());
    const args = ["-D", this.dataDir, "-h", "127.0.0.1", "-p", String(this.port), "-k", "", "-c", "shared_buffers=16MB", "-c", "max_connections=30", "-c", "logging_collector=off"];
    const child = spawn(join(this.install.bin, "postgres"), args, { ...(this.user ?? {}), env: this.spawnOpts().env, stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    let log = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`postgres did not start: ${log.slice(-500)}`)), 60_000);
      child.stderr!.on("data", (d: Buffer) => {
        log = (log + d.toString()).slice(-4000);
        if (log.includes("ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`postgres exited (${code}): ${log.slice(-500)}`));
      });
    }).catch((e) => {
      this.child = undefined;
      child.kill("SIGKILL");
      throw e;
    });
    child.stderr!.resume();
    child.once("exit", () => {
      if (this.child === child) this.child = undefined;
    });
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Fast shutdown (SIGINT: abort transactions, checkpoint, exit); SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGINT");
    });
  }

  /** Runs SQL as the master user over TCP (the server must be running); resolves to psql's unaligned output (fields separated by \\x1f). */
  sql(spec: { masterUsername: string; masterPassword: string }, sql: string): Promise<string> {
    const args = ["-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(this.port), "-U", spec.masterUsername, "-d", "postgres", "-c", sql];
    return run(join(this.install.bin, "psql"), args, this.clientEnv(spec.masterPassword), "psql");
  }

  /** Writes a pg_dumpall (roles without passwords, every database) of the running server to `file`. */
  async dump(spec: { masterUsername: string; masterPassword: string }, file: string): Promise<void> {
    const args = ["-h", "127.0.0.1", "-p", String(this.port), "-U", spec.masterUsername, "-f", file, "--no-role-passwords"];
    await run(join(this.install.bin, "pg_dumpall"), args, this.clientEnv(spec.masterPassword), "pg_dumpall");
  }

  /** Replays a dump into this running, freshly initialised server ("already exists" errors for the master role are expected). */
  async restore(spec: { masterUsername: string; masterPassword: string }, file: string): Promise<void> {
    const args = ["-X", "-q", "-h", "127.0.0.1", "-p", String(this.port), "-U", spec.masterUsername, "-d", "postgres", "-f", file];
    await run(join(this.install.bin, "psql"), args, this.clientEnv(spec.masterPassword), "restore");
  }

  /** Removes the cluster's files (the server must be stopped). */
  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
