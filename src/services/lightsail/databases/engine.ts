/**
 * What a Lightsail database engine is to database-ops.ts (one server per database, its own data directory,
 * 127.0.0.1 and a port of its own), and the process plumbing PostgreSQL (postgres.ts) and MariaDB
 * (mariadb.ts) share: running tools without blocking, the unprivileged user, free ports, daemons started
 * until their "ready" line and stopped with their graceful signal.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, createReadStream, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { userInfo } from "node:os";
import type * as L from "../../../aws/api/lightsail.js";

export interface Creds {
  masterUsername: string;
  masterPassword: string;
}
export interface MasterSpec extends Creds {
  masterDatabaseName: string;
}

/** One database's server. Every method but initialize/destroy/start needs it running (except stop). */
export interface DbServer {
  readonly dir: string;
  readonly port: number;
  readonly running: boolean;
  /** A fresh data directory with the master user (its password) and the master database; `forRestore`: the dump brings the databases. */
  initialize(spec: MasterSpec, opts?: { forRestore?: boolean }): Promise<void>;
  /** Starts on `port` (or a free one; see startOnPort); resolves once it accepts connections. */
  start(port?: number): Promise<void>;
  stop(): Promise<void>;
  setMasterPassword(creds: Creds, password: string): Promise<void>;
  /** Writes a logical dump of every user database (and the users) to `file`. */
  dump(creds: Creds, file: string): Promise<void>;
  /** Replays a dump into this freshly initialised, running server; the master password stays `creds.masterPassword`. */
  restore(creds: Creds, file: string): Promise<void>;
  parameters(creds: Creds): Promise<EngineParameter[]>;
  /** Applies checked values; resolves to true when one waits for a reboot (static). */
  applyParameters(creds: Creds, values: { p: EngineParameter; value: string }[]): Promise<boolean>;
  /** Removes the server's files (it must be stopped). */
  destroy(): void;
}

/** A parameter in Lightsail's shape (the fields the checks rely on are required). */
export type EngineParameter = NonNullable<L.ParametersShape>[number] & {
  parameterName: string;
  isModifiable: boolean;
  applyType: "static" | "dynamic";
};

/** An installed engine: what GetRelationalDatabase reports and how to make a server. */
export interface DbEngine {
  engine: "postgres" | "mysql";
  /** engineVersion as reported (what really runs). */
  version: string;
  server(dir: string): DbServer;
}

/** `input` is written to the tool's stdin; `inputFile` is streamed to it instead (dumps can be large). */
export type SpawnOpts = { uid?: number; gid?: number; env: NodeJS.ProcessEnv; input?: string; inputFile?: string };

const MAX_OUTPUT = 4 * 1024 * 1024;

/** Runs a command to completion without blocking the event loop; rejects with the tail of its stderr. */
export function run(cmd: string, args: string[], opts: SpawnOpts, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { uid: opts.uid, gid: opts.gid, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    // Outputs are bounded (parameter lists are ~200 KB): past the cap the tool is stopped, never cut silently.
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.length > MAX_OUTPUT) {
        child.kill("SIGKILL");
        reject(new Error(`${what} failed: more than ${MAX_OUTPUT} characters of output`));
      }
    });
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once("error", (e) => reject(new Error(`${what} failed: ${e.message}`)));
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} failed: ${(err || out).trim().slice(-500)}`))));
    child.stdin.on("error", () => undefined); // a tool that exits before reading its input
    if (opts.inputFile === undefined) child.stdin.end(opts.input ?? "");
    else
      createReadStream(opts.inputFile)
        .once("error", (e) => {
          child.kill("SIGKILL");
          reject(new Error(`${what} failed: ${e.message}`));
        })
        .pipe(child.stdin);
  });
}

/** The user an engine runs as: ourselves, or the first of `names` that exists when we are root (engines refuse root). */
export function engineUser(names: string[]): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of names) {
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

/** Whether `port` on 127.0.0.1 can be listened on now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

const PORT_TRIES = 10;
const PORT_RETRY_MS = 200;

/**
 * Starts a server with `launch` on the port it had (`saved`: its endpoint stays the same across restarts) or, with
 * none, a free one. While the server was down another process may have taken its port (any outgoing connection's
 * local port comes from the same range): the port is tried for ~2 s (a connection's port is soon released), then
 * a free one is used — as it is when the engine itself reports the address in use. Resolves to the port it runs on.
 */
export async function startOnPort(saved: number | undefined, launch: (port: number) => Promise<void>): Promise<number> {
  let port = saved;
  for (let i = 0; port !== undefined && !(await portFree(port)); i++) {
    if (i === PORT_TRIES) port = undefined;
    else await new Promise((r) => setTimeout(r, PORT_RETRY_MS));
  }
  port ??= await freePort();
  try {
    await launch(port);
  } catch (e) {
    if (!/address already in use/i.test((e as Error).message)) throw e;
    port = await freePort();
    await launch(port);
  }
  return port;
}

/** Lets the engine's user traverse from / down to `dir` (adds o+x to directories we own that lack it: never read, never write). */
export function allowTraverse(dir: string): void {
  let d = dirname(dir);
  const me = userInfo().uid;
  while (d !== "/" && d !== ".") {
    const st = statSync(d);
    if (st.uid === me && (st.mode & 0o001) === 0) chmodSync(d, (st.mode & 0o7777) | 0o001);
    d = dirname(d);
  }
}

/**
 * A database server process: started and awaited until its log says it is ready, forgotten when it exits,
 * stopped gracefully with the engine's own signal (SIGKILL after 20 s).
 */
export class Daemon {
  private child: ChildProcess | undefined;

  constructor(private readonly what: string, private readonly stopSignal: NodeJS.Signals) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Spawns `cmd` and resolves once its stderr shows `ready`; kills it and rejects if it exits or takes a minute. */
  async start(cmd: string, args: string[], opts: SpawnOpts, ready: string): Promise<void> {
    const what = this.what;
    const child = spawn(cmd, args, { uid: opts.uid, gid: opts.gid, env: opts.env, stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} did not start: ${log.slice(-500)}`)), 60_000);
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`${what} did not start: ${e.message}`));
      });
      child.stderr!.on("data", (d: Buffer) => {
        log = (log + d.toString()).slice(-4000);
        if (log.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${code}): ${log.slice(-500)}`));
      });
    }).catch((e) => {
      child.kill("SIGKILL");
      throw e;
    });
    child.stderr!.removeAllListeners("data");
    child.stderr!.resume();
    this.child = child;
    child.once("exit", () => {
      if (this.child === child) this.child = undefined;
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(this.stopSignal);
    });
  }
}
