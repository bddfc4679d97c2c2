/**
 * Lightsail's MySQL blueprints on a real MariaDB server per database (Debian's mariadb-server): data from
 * `mariadb-install-db` in the database's own directory, `mariadbd` on 127.0.0.1 and a port of its own with
 * its own socket, pid file and option file (`--defaults-file`: the system's /etc/mysql is never read), as
 * the unprivileged `mysql` user when Skyport runs as root.
 *
 * Accounts as on RDS for MySQL: the master user (`user`@`%`, password over TCP) holds RDS's master privileges
 * (no SUPER, FILE or SHUTDOWN: the master cannot touch the host's files); Skyport administers the server
 * as its own OS user over the private socket (unix_socket authentication, like RDS's rdsadmin), so password
 * resets and parameters work even when the master password was changed in SQL. Unlike RDS's rdsadmin,
 * that account is not protected: a master who drops root@localhost (CREATE USER privilege) locks Skyport
 * out of password resets, parameters and snapshots of that database.
 * Snapshots are `mariadb-dump --all-databases` (users as CREATE USER/GRANT, not the mysql schema), replayed
 * into a freshly installed data directory. engineVersion reports the MariaDB version that runs (e.g.
 * "10.11.19-MariaDB"), the engine stays "mysql" as AWS's blueprints say.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { allowTraverse, engineUser, run, startOnPort, Daemon, type Creds, type DbEngine, type DbServer, type EngineParameter, type MasterSpec, type SpawnOpts } from "./engine.js";
import { mariadbApplyParameters, mariadbParameters } from "./mariadb-parameters.js";

export interface MariadbInstall {
  mariadbd: string;
  installDb: string;
  client: string;
  dump: string;
  /** e.g. "10.11.19-MariaDB". */
  version: string;
}

function which(name: string, extra: string[]): string | undefined {
  for (const d of [...extra, ...(process.env.PATH ?? "").split(":")]) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

/** Finds MariaDB's server and tools, or undefined (the caller names the Debian package). */
export function findMariadb(): MariadbInstall | undefined {
  const mariadbd = which("mariadbd", ["/usr/sbin", "/usr/libexec"]);
  const installDb = which("mariadb-install-db", ["/usr/bin"]);
  const client = which("mariadb", ["/usr/bin"]);
  const dump = which("mariadb-dump", ["/usr/bin"]);
  if (!mariadbd || !installDb || !client || !dump) return undefined;
  const v = /Ver\s+(\d+\.\d+\.\d+)(-MariaDB)?/.exec(spawnSync(mariadbd, ["--version"], { encoding: "utf8" }).stdout ?? "");
  if (!v) return undefined;
  return { mariadbd, installDb, client, dump, version: `${v[1]}-MariaDB` };
}

export function mariadbEngine(): DbEngine | undefined {
  const install = findMariadb();
  return install && { engine: "mysql", version: install.version, server: (dir) => new MariadbServer(install, dir) };
}

/** RDS for MySQL's master user privileges (no SUPER, FILE, SHUTDOWN). */
const MASTER_PRIVILEGES =
  "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER";

/** A SQL string literal (the password rules allow ' and \). */
export function sqlString(v: string): string {
  return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** Settings every server gets before the user's parameters (which may override the tunables). */
const BASE_OPTIONS = ["skip-name-resolve", "innodb_buffer_pool_size=32M", "innodb_log_file_size=8M", "character_set_server=utf8mb4", "local_infile=OFF"];

/** One database's MariaDB server. */
export class MariadbServer implements DbServer {
  // Normal shutdown (SIGTERM: InnoDB flushes and the server exits).
  private readonly daemon = new Daemon("mariadbd", "SIGTERM");
  private readonly user = engineUser(["mysql", "nobody"]);
  /** The OS user Skyport administers the server as (unix_socket authentication). */
  readonly admin = userInfo().username;
  port = 0;

  constructor(
    readonly install: MariadbInstall,
    readonly dir: string,
  ) {}

  private get dataDir(): string {
    return join(this.dir, "data");
  }
  private get optionFile(): string {
    return join(this.dir, "my.cnf");
  }
  /** Parameters set with UpdateRelationalDatabaseParameters, written into the option file at each start. */
  get paramsFile(): string {
    return join(this.dir, "parameters.json");
  }
  /** Unix socket paths are limited to 107 bytes: a long data directory gets one in the temp dir. */
  get socket(): string {
    const own = join(this.dir, "mysqld.sock");
    if (Buffer.byteLength(own) < 100) return own;
    return join(tmpdir(), `skyport-mariadb-${createHash("sha256").update(this.dir).digest("hex").slice(0, 20)}.sock`);
  }

  private env(): SpawnOpts["env"] {
    return { PATH: process.env.PATH, LANG: "C.UTF-8", LC_ALL: "C.UTF-8", HOME: this.dir };
  }
  private engineOpts(): SpawnOpts {
    return { ...(this.user ?? {}), env: this.env() };
  }
  private own(path: string): void {
    if (this.user) chownSync(path, this.user.uid, this.user.gid);
  }

  storedParameters(): Record<string, string> {
    try {
      return JSON.parse(readFileSync(this.paramsFile, "utf8")) as Record<string, string>;
    } catch {
      return {};
    }
  }

  /** The server's option file: ours first, then the user's parameters (values are checked: no quotes, backslashes or control characters). */
  private writeOptions(): void {
    const params = Object.entries(this.storedParameters()).map(([k, v]) => `${k}="${v}"`);
    const lines = ["[mariadbd]", `datadir="${this.dataDir}"`, `socket="${this.socket}"`, `pid-file="${join(this.dir, "mariadbd.pid")}"`, "bind-address=127.0.0.1", ...BASE_OPTIONS, ...params, ""];
    writeFileSync(this.optionFile, lines.join("\n"), { mode: 0o644 });
  }

  async initialize(spec: MasterSpec, opts: { forRestore?: boolean } = {}): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.own(this.dir);
    if (this.user) allowTraverse(this.dir);
    this.writeOptions();
    // Bootstrap runs without grant tables: FLUSH PRIVILEGES loads them so CREATE USER works.
    const sql = [
      "FLUSH PRIVILEGES;",
      `CREATE USER '${spec.masterUsername}'@'%' IDENTIFIED BY ${sqlString(spec.masterPassword)};`,
      `GRANT ${MASTER_PRIVILEGES} ON *.* TO '${spec.masterUsername}'@'%' WITH GRANT OPTION;`,
      opts.forRestore ? "" : `CREATE DATABASE \`${spec.masterDatabaseName}\`;`,
      "",
    ].join("\n");
    const extra = join(this.dir, "init.sql");
    writeFileSync(extra, sql, { mode: 0o600 });
    this.own(extra);
    try {
      const args = [`--defaults-file=${this.optionFile}`, `--datadir=${this.dataDir}`, "--auth-root-authentication-method=socket", `--auth-root-socket-user=${this.admin}`, "--skip-test-db", "--force", `--extra-file=${extra}`];
      await run(this.install.installDb, args, this.engineOpts(), "mariadb-install-db");
    } finally {
      rmSync(extra, { force: true });
    }
  }

  async start(port?: number): Promise<void> {
    if (this.daemon.running) return;
    this.writeOptions();
    this.port = await startOnPort(port, async (p) => {
      rmSync(this.socket, { force: true }); // left by a server that was killed
      await this.daemon.start(this.install.mariadbd, [`--defaults-file=${this.optionFile}`, `--port=${p}`], this.engineOpts(), "ready for connections");
    });
  }

  get running(): boolean {
    return this.daemon.running;
  }

  stop(): Promise<void> {
    return this.daemon.stop();
  }

  /** Runs SQL as the administrator over the socket; resolves to batch output (tab-separated, special characters escaped). */
  sql(sql: string): Promise<string> {
    const args = ["--no-defaults", `--socket=${this.socket}`, `--user=${this.admin}`, "--batch", "--skip-column-names", "--connect-timeout=10", "-e", sql];
    return run(this.install.client, args, { env: this.env() }, "mariadb");
  }

  async setMasterPassword(creds: Creds, password: string): Promise<void> {
    await this.sql(`ALTER USER '${creds.masterUsername}'@'%' IDENTIFIED BY ${sqlString(password)}`);
  }

  async dump(_creds: Creds, file: string): Promise<void> {
    const args = ["--no-defaults", `--socket=${this.socket}`, `--user=${this.admin}`, "--all-databases", "--ignore-database=mysql", "--system=users", "--insert-ignore", "--routines", "--events", "--triggers", "--single-transaction", `--result-file=${file}`];
    await run(this.install.dump, args, { env: this.env() }, "mariadb-dump");
  }

  /** Replays the dump (databases, then users with their old password hashes), then sets the new master password. */
  async restore(creds: Creds, file: string): Promise<void> {
    const args = ["--no-defaults", `--socket=${this.socket}`, `--user=${this.admin}`, "--batch"];
    await run(this.install.client, args, { env: this.env(), inputFile: file }, "restore");
    await this.setMasterPassword(creds, creds.masterPassword);
  }

  parameters(_creds: Creds): Promise<EngineParameter[]> {
    return mariadbParameters(this);
  }

  applyParameters(_creds: Creds, values: { p: EngineParameter; value: string }[]): Promise<boolean> {
    return mariadbApplyParameters(this, values);
  }

  destroy(): void {
    rmSync(this.socket, { force: true }); // in the temp dir when the data dir's path is long
    rmSync(this.dir, { recursive: true, force: true });
  }
}
