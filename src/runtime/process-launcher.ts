/**
 * Process supervision for user code (function environments now; batch jobs and instances later): starts a
 * command with its environment, streams its output line by line, and kills it (and its process group)
 * on demand. The local implementation runs plain child processes, optionally inside bubblewrap when it is
 * installed and asked for; a Docker or Kubernetes launcher can implement the same interface.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Run inside a sandbox (bubblewrap): host directories bound read-only, a private /tmp of tmpMb. */
  sandbox?: { binds: Array<[host: string, inside: string]>; tmpMb: number; cwd: string };
}

export interface LaunchedProcess {
  readonly pid: number | undefined;
  /** Called once per output line (stdout and stderr), without the newline. */
  onLine(cb: (line: string) => void): void;
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Kills the process and everything it started. */
  kill(): void;
  readonly exited: boolean;
}

export interface ProcessLauncher {
  launch(spec: LaunchSpec): LaunchedProcess;
}

class LocalProcess implements LaunchedProcess {
  private lineCbs: Array<(line: string) => void> = [];
  private exitCbs: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
  exited = false;

  constructor(private readonly child: ChildProcess) {
    const split = (stream: NodeJS.ReadableStream | null) => {
      if (!stream) return;
      let buf = "";
      stream.setEncoding?.("utf8");
      stream.on("data", (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          for (const cb of this.lineCbs) cb(line);
        }
      });
      stream.on("end", () => {
        if (buf) for (const cb of this.lineCbs) cb(buf);
        buf = "";
      });
    };
    split(child.stdout);
    split(child.stderr);
    child.on("exit", (code, signal) => {
      this.exited = true;
      for (const cb of this.exitCbs) cb(code, signal);
    });
    child.on("error", () => {
      if (this.exited) return;
      this.exited = true;
      for (const cb of this.exitCbs) cb(127, null);
    });
  }

  get pid() {
    return this.child.pid;
  }
  onLine(cb: (line: string) => void) {
    this.lineCbs.push(cb);
  }
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void) {
    if (this.exited) cb(this.child.exitCode, this.child.signalCode);
    else this.exitCbs.push(cb);
  }
  kill() {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, "SIGKILL"); // the whole process group
    } catch {
      this.child.kill("SIGKILL");
    }
  }
}

const live = new Set<LaunchedProcess>();
let exitHookInstalled = false;

/** Plain child processes, each the leader of its own process group so kill() takes its children too. */
export class LocalProcessLauncher implements ProcessLauncher {
  launch(spec: LaunchSpec): LaunchedProcess {
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // Never leave user code running behind us, whatever way the server goes down.
      process.on("exit", () => {
        for (const p of live) p.kill();
      });
    }
    let command = spec.command;
    let args = spec.args;
    if (spec.sandbox) {
      // Read-only system, a fresh /var holding the code and runtime where Lambda puts them (/var/task,
      // /var/runtime), private /tmp of the configured size and pid namespace;
      // the network stays shared (the Runtime API and Skyport's endpoint are on loopback).
      const binds = spec.sandbox.binds.flatMap(([host, inside]) => ["--ro-bind", host, inside]);
      args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--size", String(spec.sandbox.tmpMb * 1024 * 1024), "--tmpfs", "/tmp", "--tmpfs", "/var", "--tmpfs", "/opt", ...binds,
        "--unshare-pid", "--unshare-ipc", "--die-with-parent", "--chdir", spec.sandbox.cwd, "--", command, ...args];
      command = "bwrap";
    }
    const child = spawn(command, args, { cwd: spec.cwd, env: spec.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const p = new LocalProcess(child);
    live.add(p);
    p.onExit(() => live.delete(p));
    return p;
  }
}

let bwrap: boolean | undefined;
/** Whether bubblewrap is installed and works here (optional sandbox); checked once. */
export function hasBubblewrap(): boolean {
  bwrap ??= spawnSync("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "true"], { stdio: "ignore", timeout: 5000 }).status === 0;
  return bwrap;
}
