/**
 * A real PostgreSQL server per Lightsail database: `initdb` into the database's own data directory, then
 * `postgres` on 127.0.0.1 and a port of its own, as an unprivileged user when Skyport runs as root
 * (PostgreSQL refuses to run as root). Uses the Debian binaries (/usr/lib/postgresql/N/bin) or PATH.
 * Snapshots are `pg_dumpall` files (roles + databases), restored with `psql` into a fresh cluster.
 */
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { allowTraverse, engineUser, run, startOnPort, Daemon, type Creds, type DbEngine, type DbServer, type EngineParameter, type MasterSpec, type SpawnOpts } from "./engine.js";
import { pgApplyParameters, pgParameters } from "./postgres-parameters.js";

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

/** The installed PostgreSQL as a Lightsail engine (undefined when none: the caller names the package). */
export function postgresEngine(): DbEngine | undefined {
  const install = findPostgres();
  return install && { engine: "postgres", version: install.version, server: (dir) => new PostgresServer(install, dir) };
}

/** One database's PostgreSQL server. */
export class PostgresServer implements DbServer {
  // Fast shutdown (SIGINT: abort transactions, checkpoint, exit).
  private readonly daemon = new Daemon("postgres", "SIGINT");
  private readonly user = engineUser(["postgres", "nobody"]);
  port = 0;

  constructor(
    private readonly install: PostgresInstall,
    readonly dir: string,
  ) {}

  private get dataDir(): string {
    return join(this.dir, "pgdata");
  }

  private spawnOpts(extra: { stdin?: string } = {}): SpawnOpts {
    return { ...(this.user ?? {}), env: { PATH: process.env.PATH, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" }, input: extra.stdin };
  }

  private clientEnv(password: string): SpawnOpts {
    return { env: { PATH: process.env.PATH, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" } };
  }

  private own(path: string): void {
    if (this.user) chownSync(path, this.user.uid, this.user.gid);
  }

  /** initdb with the master user as superuser, its password (scram over TCP), and the master database (for a restore: the dump creates it). */
  async initialize(spec: MasterSpec, opts: { forRestore?: boolean } = {}): Promise<void> {
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
    if (!opts.forRestore && spec.masterDatabaseName !== "postgres") {
      const create = `CREATE DATABASE "${spec.masterDatabaseName}" OWNER "${spec.masterUsername}";\n`;
      await run(join(this.install.bin, "postgres"), ["--single", "-D", this.dataDir, "-j", "template1"], this.spawnOpts({ stdin: create }), `creating database ${spec.masterDatabaseName}`);
    }
  }

  async start(port?: number): Promise<void> {
    if (this.daemon.running) return;
    this.port = await startOnPort(port, async (p) => {
      const args = ["-D", this.dataDir, "-h", "127.0.0.1", "-p", String(p), "-k", "", "-c", "shared_buffers=16MB", "-c", "max_connections=30", "-c", "logging_collector=off"];
      await this.daemon.start(join(this.install.bin, "postgres"), args, this.spawnOpts(), "ready to accept connections");
    });
  }

  get running(): boolean {
    return this.daemon.running;
  }

  stop(): Promise<void> {
    return this.daemon.stop();
  }

  /** Runs SQL as the master user over TCP; resolves to psql's unaligned output (fields separated by \\x1f). */
  sql(creds: Creds, sql: string): Promise<string> {
    const args = ["-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(this.port), "-U", creds.masterUsername, "-d", "postgres", "-c", sql];
    return run(join(this.install.bin, "psql"), args, this.clientEnv(creds.masterPassword), "psql");
  }

  async setMasterPassword(creds: Creds, password: string): Promise<void> {
    await this.sql(creds, `ALTER ROLE "${creds.masterUsername}" PASSWORD '${password.replace(/'/g, "''")}'`);
  }

  /** A pg_dumpall (roles without passwords, every database). */
  async dump(creds: Creds, file: string): Promise<void> {
    const args = ["-h", "127.0.0.1", "-p", String(this.port), "-U", creds.masterUsername, "-f", file, "--no-role-passwords"];
    await run(join(this.install.bin, "pg_dumpall"), args, this.clientEnv(creds.masterPassword), "pg_dumpall");
  }

  /** Replays a dump ("already exists" errors for the master role are expected; role passwords are not in it). */
  async restore(creds: Creds, file: string): Promise<void> {
    const args = ["-X", "-q", "-h", "127.0.0.1", "-p", String(this.port), "-U", creds.masterUsername, "-d", "postgres", "-f", file];
    await run(join(this.install.bin, "psql"), args, this.clientEnv(creds.masterPassword), "restore");
  }

  parameters(creds: Creds): Promise<EngineParameter[]> {
    return pgParameters(this, creds);
  }

  applyParameters(creds: Creds, values: { p: EngineParameter; value: string }[]): Promise<boolean> {
    return pgApplyParameters(this, creds, values);
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
