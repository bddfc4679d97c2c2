/**
 * Starting the servers a benchmark compares: Skyport (the built bin, as a user runs it) and the peers
 * that run on this machine (moto_server, dynalite, serverless-offline). Each start is timed from process
 * spawn to the first healthy answer; every process is killed by stopAll() (also on exit).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { request } from "node:http";

export interface Started {
  name: string;
  url: string;
  port: number;
  pid: number;
  startMs: number;
  proc: ChildProcess;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => {
      req.destroy();
      resolve(0);
    });
    req.end();
  });
}

/** Spawns a server and waits until `healthPath` answers (any HTTP status counts as up when anyStatus). */
export async function startProcess(name: string, cmd: string, args: string[], port: number, healthPath: string, opts: { anyStatus?: boolean; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Started> {
  const t0 = process.hrtime.bigint();
  const proc = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...opts.env }, cwd: opts.cwd, detached: false });
  running.add(proc);
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited at start: ${stderr}`);
    const status = await probe(url + healthPath);
    if (status === 200 || (opts.anyStatus && status > 0)) break;
    if (Date.now() > deadline) throw new Error(`${name} not healthy in time: ${stderr}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { name, url, port, pid: proc.pid!, startMs, proc };
}

const root = new URL("../..", import.meta.url).pathname;

export async function startSkyport(extraArgs: string[] = [], nodeArgs: string[] = []): Promise<Started> {
  const port = await freePort();
  return startProcess("skyport", process.execPath, [...nodeArgs, `${root}bin/skyport.js`, "start", "--port", String(port), "--ephemeral", "--log-level", "warn", ...extraArgs], port, "/_skyport/health");
}

export async function startMoto(): Promise<Started> {
  const port = await freePort();
  return startProcess("moto_server", "moto_server", ["-p", String(port)], port, "/moto-api/", { anyStatus: true });
}

export async function startDynalite(): Promise<Started> {
  const port = await freePort();
  return startProcess("dynalite", process.execPath, [`${root}bench/node_modules/dynalite/cli.js`, "--port", String(port)], port, "/", { anyStatus: true });
}

/** bench/peers/http-floor.mjs: node:http answering a fixed item, the most one Node.js process can serve (a reference, not a peer). */
export async function startHttpFloor(): Promise<Started> {
  const port = await freePort();
  return startProcess("node:http floor", process.execPath, [`${root}bench/peers/http-floor.mjs`, String(port)], port, "/", { anyStatus: true });
}

export async function stop(s: Started): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once("exit", r));
  s.proc.kill("SIGTERM");
  const t = setTimeout(() => s.proc.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(t);
  running.delete(s.proc);
}

/** Resident set size of a process (and its children, e.g. pyenv shims exec'ing python), in MB. */
export function rssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim();
      for (const c of children.split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return Math.round(kb / 102.4) / 10;
}

/**
 * Proportional set size of a process tree, MB: shared pages (the node binary every environment maps) are
 * split between the processes sharing them, so the sum is what the tree really costs the machine.
 */
export function pssMb(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      kb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"))?.[1] ?? 0);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim();
      for (const c of children.split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return Math.round(kb / 102.4) / 10;
}

/** CPU time (user+system) of a process tree so far, in ms. */
export function cpuMs(pid: number): number {
  let ticks = 0;
  const visit = (p: number) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim();
      for (const c of children.split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return ticks * 10; // USER_HZ = 100
}
