/**
 * One execution environment and the shapes around it: what a function version needs to start one (its
 * blueprint, or a spare's template), an invocation and its result, what the manager (environments.ts) is built
 * with, and the small file and naming helpers it uses.
 */
import { copyFileSync, linkSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../../../core/clock.js";
import type { IdGenerator } from "../../../core/ids.js";
import type { LaunchedProcess, LaunchSpec, ProcessLauncher } from "../../../runtime/process-launcher.js";
import type { EnvironmentSlot, SchedulerLimits, SchedulerObserver } from "./scheduler.js";
import { processTreePeakMb } from "../memory.js";

/** How often an environment's memory is measured again (it grows as the function warms up), ms. */
const MEASURE_EVERY_MS = 5_000;
/** How often Max Memory Used is read again from /proc, ms. */
const PEAK_EVERY_MS = 1_000;

/** What a function version needs to start an environment. */
export interface EnvironmentBlueprint {
  account: string;
  region: string;
  /** Functions share a pool; environments are reused only for the same key (version + revision). */
  poolKey: string;
  envKey: string;
  functionName: string;
  version: string;
  memoryMb: number;
  timeoutSec: number;
  /** Lines a cold start logs first (INIT_START, interpreter notes). */
  initLines?: string[];
  /** The function's execution role (its temporary credentials stand for it). */
  role?: string;
  /** The launch spec, given the Runtime API address, the log stream name and the credentials of the new environment. */
  launchSpec(runtimeApi: string, logStream: string, credentials: EnvironmentCredentials): LaunchSpec;
  /** Account-level and function-level concurrency limits. */
  reserved?: number;
  /** Present when the function can take over a pre-started spare environment (see SpareTemplate). */
  spare?: SpareTemplate;
  /** While a start now would be slower than a start soon (its snapshot blob is being checked): when to start. */
  startsAfter?(): Promise<void> | undefined;
}

/**
 * Spare environments: the runtime already started (sandbox, process, bootstrap) with an empty code directory,
 * waiting to become a function's environment — a cold start then costs only the function's own init. A spare
 * serves one function for its whole life and is never handed back.
 */
export interface SpareTemplate {
  /** Spares of a class are interchangeable (runtime family, memory size, /tmp size). */
  classKey: string;
  /** The function's code on the host, linked into the spare's code directory when it takes it over. */
  hostTask: string;
  /** How a spare of this class is launched (its code directory empty until then). */
  launch(runtimeApi: string, codeDir: string): LaunchSpec;
  /** The environment variables the function's runtime gets when it takes the spare over. */
  env(runtimeApi: string, logStream: string, credentials: EnvironmentCredentials, codeDir: string): Record<string, string>;
}

export interface InvocationRequest {
  requestId: string;
  payload: Buffer;
  invokedArn: string;
  clientContext?: string;
}

export interface InvocationResult {
  payload: Buffer;
  /** "Unhandled" when the function failed. */
  functionError?: string;
  /** Log lines of this invocation, START to REPORT. */
  logLines: string[];
  logStream: string;
  durationMs: number;
}

/** Temporary credentials handed to an environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). */
export interface EnvironmentCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** Where an environment's log lines go (CloudWatch Logs, batched by the caller). */
export type LogSink = (bp: EnvironmentBlueprint, logStream: string, lines: Array<{ timestamp: number; message: string }>) => void;

export interface Pending {
  req: InvocationRequest;
  /** performance.now() at START (durations are real time, whatever the injected clock says). */
  started: number;
  deadline: number;
  resolve(r: InvocationResult): void;
  logLines: string[];
  timer?: NodeJS.Timeout;
  /** CPU time the runtime spent on it, when it said (Skyport's runtime clients send Skyport-Cpu-Us with the answer). */
  cpuMs?: number;
}

export class Environment {
  state: "starting" | "idle" | "busy" | "dead" = "starting";
  waitingNext?: (inv: Pending) => void;
  queued?: Pending;
  current?: Pending;
  /** performance.now() when the process was started. */
  initStarted: number;
  initDurationMs?: number;
  initLogs: string[] = [];
  initReported = false;
  /** Retire after the invocation in flight (its code or configuration changed). */
  retire = false;
  idleTimer?: NodeJS.Timeout;
  initTimer?: NodeJS.Timeout;
  initError?: Buffer;
  /** Clock ms of its last finished invocation (or its start): the least recently used idle one is evicted first. */
  lastUsed = 0;
  /** Measured memory (PSS of its processes), MB, and when (clock ms). */
  memoryMb?: number;
  measuredAt = 0;
  /** How many times memory was measured: the first measurements are never skipped (see measure()). */
  measures = 0;
  /** Pre-started for provisioned concurrency: kept warm, never evicted. */
  provisioned = false;
  /** Max Memory Used as last read, MB, and when (performance.now()). */
  peak?: number;
  peakAt = 0;
  /** A spare: its class, its code directory on the host, and its wait for a function (set while it waits). */
  spareClass?: string;
  codeDir?: string;
  awaitingAssignment?: (env: Record<string, string> | undefined) => void;
  constructor(
    readonly id: string,
    /** The secret in the environment's Runtime API address: only the environment knows it (never logged). */
    readonly token: string,
    /** Undefined for a spare until a function takes it over. */
    public credentials: EnvironmentCredentials | undefined,
    public blueprint: EnvironmentBlueprint,
    public logStream: string,
    readonly proc: LaunchedProcess,
    now: number,
  ) {
    this.initStarted = now;
  }

  /**
   * Max Memory Used: the runtime's peak RSS over its process tree (a cgroup's peak misses the binary's cached
   * pages). Reading /proc for every invocation cost the server more than a tenth of its time under load, so the
   * figure is read again at most every PEAK_EVERY_MS (a peak only grows; a REPORT may lag it by that much).
   */
  peakMb(): number {
    const now = performance.now();
    if (this.peak === undefined || now - this.peakAt >= PEAK_EVERY_MS) {
      this.peak = Math.max(this.proc.pid ? processTreePeakMb(this.proc.pid) ?? 0 : 0, this.proc.peakMemoryMb() ?? 0, this.peak ?? 0);
      this.peakAt = now;
    }
    return this.peak;
  }

  /** The REPORT line of an invocation: its duration, memory, and the Init Duration on the first one only. */
  reportLine(requestId: string, durationMs: number): string {
    let report = `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(durationMs))} ms\tMemory Size: ${this.blueprint.memoryMb} MB\tMax Memory Used: ${this.peakMb()} MB\t`;
    if (this.initDurationMs !== undefined && !this.initReported) {
      report += `Init Duration: ${this.initDurationMs.toFixed(2)} ms\t`;
      this.initReported = true;
    }
    return report;
  }

  /**
   * Measures the environment's memory (PSS) when due: after init and again after the first invocation (what
   * init allocated may not be resident yet when the runtime first polls), then at most every MEASURE_EVERY_MS.
   * Returns the new figure, MB, or undefined when none was taken.
   */
  measure(now: number): number | undefined {
    if (this.memoryMb !== undefined && this.measures >= 2 && now - this.measuredAt < MEASURE_EVERY_MS) return undefined;
    const mb = this.proc.memoryMb();
    if (mb === undefined) return undefined;
    this.memoryMb = mb;
    this.measuredAt = now;
    this.measures++;
    return mb;
  }
}

export class ThrottledError extends Error {
  constructor(readonly reason: "ReservedFunctionConcurrentInvocationLimitExceeded" | "ConcurrentInvocationLimitExceeded") {
    super("Rate Exceeded.");
  }
}

/** The payload of an invocation the runtime did not answer: `{"errorType", "errorMessage": "RequestId: … Error: …"}`. */
export function runtimeErrorPayload(requestId: string, errorType: string, error: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage: `RequestId: ${requestId} Error: ${error}` }));
}

/** The answer to an invocation that found the server stopping before an environment was free. */
export function stoppedResult(requestId: string): InvocationResult {
  const payload = runtimeErrorPayload(requestId, "Runtime.ExitError", "the server stopped before an environment was free");
  return { payload, functionError: "Unhandled", logLines: [], logStream: "", durationMs: 0 };
}

export function logStreamName(now: number, version: string, id: string): string {
  const d = new Date(now);
  return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}/[${version}]${id}`;
}

/** Mirrors a code tree into an (empty) directory with hard links, copying where links cannot be made. */
export function linkTree(from: string, to: string): void {
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const a = join(from, e.name);
    const b = join(to, e.name);
    if (e.isDirectory()) {
      mkdirSync(b, { mode: statSync(a).mode & 0o7777 });
      linkTree(a, b);
    } else if (e.isSymbolicLink()) {
      symlinkSync(readlinkSync(a), b);
    } else {
      try {
        linkSync(a, b);
      } catch {
        copyFileSync(a, b);
      }
    }
  }
}

/** What the environment manager (environments.ts) is built with. */
export interface EnvironmentManagerOptions {
  launcher: ProcessLauncher;
  clock: Clock;
  ids: IdGenerator;
  idleMs: number;
  accountLimit: number;
  /** host:port/prefix of the Runtime API, without the environment id. */
  runtimeApiBase: () => string;
  logSink: LogSink;
  /** Issues an environment's temporary credentials; `revoke` forgets them when it dies. */
  credentials: { issue(bp: EnvironmentBlueprint): EnvironmentCredentials; revoke(c: EnvironmentCredentials): void };
  /** Start slots and the memory budget of all environments (see scheduler.ts). */
  limits: SchedulerLimits;
  /** Spare environments kept ready per class (0: none); their code directories live under sparesDir. */
  spares: number;
  sparesDir: string;
  /** Idle cores lately (machine-cpu.ts): no environment past the minimum starts on a saturated machine. */
  idleCores?: () => number | undefined;
  /** Told of each environment start, init and queue wait (the Skyport/Lambda metrics). */
  observer?: SchedulerObserver;
}

/** The live environments as the scheduler sees them. */
export function* slotsOf(envs: Iterable<Environment>): Generator<EnvironmentSlot & { env: Environment }> {
  for (const env of envs) {
    if (env.state === "dead") continue;
    yield {
      env,
      poolKey: env.blueprint.poolKey,
      envKey: env.blueprint.envKey,
      // A spare starting is background work: it never holds a start slot a waiting request could use.
      starting: env.initDurationMs === undefined && !env.awaitingAssignment && !(env.spareClass && !env.credentials),
      idle: env.state === "idle" || !!env.awaitingAssignment,
      lastUsed: env.lastUsed,
      memoryMb: env.memoryMb,
      provisioned: env.provisioned,
    };
  }
}
