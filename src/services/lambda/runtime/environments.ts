/**
 * Execution environments: one process per environment speaking the Lambda Runtime API. Init runs once per
 * environment; an idle environment is reused (warm) until it has been idle for the configured time;
 * concurrent invocations get separate environments up to the function's reserved concurrency and the
 * account limit, beyond which the caller is throttled. How many environments start at once and how much memory
 * they may take together is the scheduler's call (scheduler.ts): a request that finds no idle environment may
 * wait for one. A timeout or crash kills the environment and the next invocation starts a fresh one; the
 * server never goes down with it.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { Environment, logStreamName, runtimeErrorPayload, slotsOf, stoppedResult, ThrottledError, type EnvironmentBlueprint, type EnvironmentManagerOptions, type InvocationRequest, type InvocationResult, type Pending } from "./environment.js";
import { isStartingSpare, SPARE_WAIT_MS, SpareEnvironments } from "./spares.js";
import { EnvironmentScheduler, type EnvironmentSlot } from "./scheduler.js";
import { poolReports, type PoolReport } from "./env-report.js";

/** Lambda's init phase budget ("Lambda execution environment lifecycle": init is limited to 10 seconds). */
const INIT_BUDGET_MS = 10_000;

/** A request waiting for an environment. */
interface Waiting {
  bp: EnvironmentBlueprint;
  p: Pending;
  /** A spare of its class, still starting, that this request waits for rather than start an environment of its own. */
  spare?: Environment;
}

export class EnvironmentManager {
  /** Live environments by Runtime API token. */
  private readonly envs = new Map<string, Environment>();
  private readonly pools = new Map<string, Set<Environment>>();
  private busyTotal = 0;
  private readonly scheduler: EnvironmentScheduler<Waiting>;
  /** Provisioned environments still to start (they take start slots like any other). */
  private prestarts: EnvironmentBlueprint[] = [];
  /** What deferred starts wait for (each pumps the queue once when it resolves). */
  private readonly deferrals = new WeakSet<Promise<void>>();
  /** Spare classes wanted (the template of the last function of each, and when it last started one). */
  private readonly spares: SpareEnvironments;
  private closed = false; // the server stopped (close()): nothing starts any more

  constructor(private readonly o: EnvironmentManagerOptions) {
    this.scheduler = new EnvironmentScheduler<Waiting>(o.limits, () => o.clock.now(), o.idleCores, o.observer);
    this.spares = new SpareEnvironments(o, {
      pool: (key) => this.pool(key),
      adopt: (env) => {
        this.scheduler.noteStart(env.blueprint.poolKey);
        this.envs.set(env.token, env);
        this.pool(env.blueprint.poolKey).add(env);
        env.proc.onLine((line) => this.onLine(env, line));
        env.proc.onExit((code, signal) => this.onExit(env, code, signal));
      },
      mayStart: (poolKey) => {
        const plan = this.scheduler.planStart(this.slots(), poolKey);
        return plan.ok && !plan.evict.length; // a spare never pushes an environment out
      },
      quiet: () => this.scheduler.waiting() === 0 && this.busyTotal === 0,
      claimed: () => this.scheduler.waitingItems().flatMap((w) => (w.spare ? [w.spare] : [])),
      noteStart: (poolKey) => this.scheduler.noteStart(poolKey),
      kill: (env) => this.kill(env),
      pump: () => this.pump(),
    });
  }

  /** Runs one invocation; resolves with its result (errors of the function are results, not throws). */
  invoke(bp: EnvironmentBlueprint, req: InvocationRequest): Promise<InvocationResult> {
    if (this.closed) return Promise.resolve(stoppedResult(req.requestId));
    const pool = this.pool(bp.poolKey);
    let busyHere = 0;
    for (const e of pool) if (e.state === "busy" || (e.state === "starting" && (e.queued || e.current))) busyHere++;
    busyHere += this.scheduler.waiting(bp.poolKey);
    if (bp.reserved !== undefined && busyHere >= bp.reserved) throw new ThrottledError("ReservedFunctionConcurrentInvocationLimitExceeded");
    if (this.busyTotal >= this.o.accountLimit) throw new ThrottledError("ConcurrentInvocationLimitExceeded");

    const env = this.idleFor(bp.envKey, bp.poolKey);
    const now = this.o.clock.now();
    return new Promise<InvocationResult>((resolve) => {
      const p: Pending = { req, started: performance.now(), deadline: now + bp.timeoutSec * 1000, resolve, logLines: [] };
      if (env) return this.assign(env, p);
      let spare: Environment | undefined;
      let started: Environment | undefined;
      if (this.worthStarting(bp)) {
        started = this.spares.take(bp);
        // A spare of its class already starting is ready sooner than an environment started now would be.
        if (!started && !(spare = this.spares.starting(bp)) && !this.deferred(bp)) started = this.tryStart(bp);
      }
      if (started) return this.assign(started, p);
      this.busyTotal++; // it counts against the account's concurrency while it waits
      this.scheduler.enqueue(bp.poolKey, bp.envKey, { bp, p, spare });
      if (spare) setTimeout(() => this.pump(), SPARE_WAIT_MS).unref(); // should the spare never get ready
    });
  }

  /** Whether a start of bp waits (EnvironmentBlueprint.startsAfter); the queue is pumped again when it may start. */
  private deferred(bp: EnvironmentBlueprint): boolean {
    const after = bp.startsAfter?.();
    if (!after) return false;
    if (this.deferrals.has(after)) return true;
    this.deferrals.add(after);
    void after.then(() => this.pump());
    return true;
  }

  /** Starts an environment when the scheduler allows it (evicting idle ones if memory is short). */
  private tryStart(bp: EnvironmentBlueprint): Environment | undefined {
    const plan = this.scheduler.planStart(this.slots(), bp.poolKey);
    if (!plan.ok) return undefined;
    for (const slot of plan.evict) this.kill(slot.env);
    return this.start(bp);
  }

  private slots(): Generator<EnvironmentSlot & { env: Environment }> {
    return slotsOf(this.envs.values());
  }

  /**
   * Gives waiting requests (oldest first) the start slots and memory that became free, then starts pending
   * provisioned environments. Called whenever an environment finishes its init, goes idle or dies.
   */
  private pump(): void {
    if (this.closed) return;
    for (let progress = true; progress; ) {
      progress = false;
      for (const head of this.scheduler.waitingKeys()) {
        const idle = this.idleFor(head.envKey, head.poolKey);
        let env = idle;
        if (!env && this.worthStarting(head.item.bp)) env = this.spares.take(head.item.bp);
        if (!env && head.item.spare && isStartingSpare(head.item.spare)) continue; // it is served when the spare is ready
        if (!env && this.worthStarting(head.item.bp) && !this.deferred(head.item.bp)) {
          const plan = this.scheduler.planStart(this.slots(), head.poolKey);
          if (!plan.ok) break; // no start slot or no memory: nothing else can start either
          for (const slot of plan.evict) this.kill(slot.env);
          env = this.start(head.item.bp);
        }
        if (!env) continue;
        const w = this.scheduler.takeFor(head.envKey)!;
        this.assign(env, w.p, true);
        progress = true;
      }
    }
    while (this.prestarts.length) {
      const bp = this.prestarts[0]!;
      const plan = this.scheduler.planStart(this.slots(), bp.poolKey);
      if (!plan.ok || plan.evict.length) break; // provisioned environments never push others out
      this.prestarts.shift();
      this.start(bp).provisioned = true;
    }
    this.spares.replenish();
  }

  /** A function was just created or updated: a spare of its class starts now (spares.ts). */
  expect(bp: EnvironmentBlueprint): void {
    if (!this.closed) this.spares.expect(bp);
  }

  /** A spare's bootstrap asks what it is to become (long poll): resolves with the function's variables. */
  assignment(token: string): Promise<Record<string, string> | undefined> {
    const env = this.envs.get(token);
    if (!env?.spareClass || env.state === "dead" || env.credentials) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      env.awaitingAssignment = resolve;
      this.pump(); // it no longer takes a start slot: a waiting request may take it, or another start
    });
  }

  /** Whether another environment of this version pays off, given those it has and the requests waiting. */
  private worthStarting(bp: EnvironmentBlueprint): boolean {
    let n = 0;
    let starting = 0;
    for (const e of this.pool(bp.poolKey)) {
      if (e.blueprint.envKey !== bp.envKey || e.state === "dead" || e.retire) continue;
      n++;
      if (e.state === "starting") starting++;
    }
    return this.scheduler.worthStarting(bp.poolKey, n, this.scheduler.waiting(bp.poolKey) + 1, starting);
  }

  private idleFor(envKey: string, poolKey: string): Environment | undefined {
    for (const e of this.pool(poolKey)) {
      if (e.blueprint.envKey !== envKey) continue;
      if (e.state === "idle" || (e.state === "starting" && !e.queued && !e.current && !e.retire)) return e;
    }
    return undefined;
  }

  /** Pre-starts environments for provisioned concurrency (up to `count` for the blueprint's version). */
  provision(bp: EnvironmentBlueprint, count: number): void {
    let have = 0;
    for (const e of this.pool(bp.poolKey)) if (e.provisioned && e.blueprint.envKey === bp.envKey && e.state !== "dead") have++;
    for (const q of this.prestarts) if (q.envKey === bp.envKey) have++;
    for (; have < count; have++) this.prestarts.push(bp);
    this.pump();
  }

  /** Environments, starts and waits per function (health endpoint, logs). */
  report(): PoolReport[] {
    return poolReports(this.slots(), this.scheduler);
  }

  private pool(key: string): Set<Environment> {
    let p = this.pools.get(key);
    if (!p) this.pools.set(key, (p = new Set()));
    return p;
  }

  private start(bp: EnvironmentBlueprint): Environment {
    const id = this.o.ids.hex(16);
    const logStream = logStreamName(this.o.clock.now(), bp.version, id);
    this.spares.note(bp);
    const token = randomBytes(24).toString("hex");
    const credentials = this.o.credentials.issue(bp);
    const spec = bp.launchSpec(`${this.o.runtimeApiBase()}/${token}`, logStream, credentials);
    const proc = this.o.launcher.launch(spec);
    const env = new Environment(id, token, credentials, bp, logStream, proc, performance.now());
    env.lastUsed = this.o.clock.now();
    this.scheduler.noteStart(bp.poolKey);
    if (bp.initLines?.length) env.initLogs.push(...bp.initLines);
    this.envs.set(token, env);
    this.pool(bp.poolKey).add(env);
    proc.onLine((line) => this.onLine(env, line));
    proc.onExit((code, signal) => this.onExit(env, code, signal));
    return env;
  }

  /** `counted`: the request already counts as in flight (it waited in the scheduler's queue). */
  private assign(env: Environment, p: Pending, counted = false): void {
    if (env.idleTimer) clearTimeout(env.idleTimer);
    if (env.state === "idle") {
      env.state = "busy";
    }
    if (!counted) this.busyTotal++;
    // The function's timeout runs from the invoke phase; a cold environment's init has its own budget.
    if (env.initDurationMs === undefined) this.armInit(env, p);
    if (env.waitingNext) {
      const give = env.waitingNext;
      env.waitingNext = undefined;
      env.current = p;
      env.state = "busy";
      this.begin(env, p);
      give(p);
    } else {
      env.queued = p;
    }
  }

  /**
   * Init has its own budget (10 s on AWS) outside the function's timeout. When it runs out, AWS reports the
   * init timeout and goes on initializing within the invoke phase: from then on the function's timeout counts.
   */
  private armInit(env: Environment, p: Pending): void {
    if (env.initTimer) return;
    env.initTimer = setTimeout(() => {
      if (env.initDurationMs !== undefined || env.state === "dead") return;
      const waited = performance.now() - env.initStarted;
      env.initLogs.push(`INIT_REPORT Init Duration: ${waited.toFixed(2)} ms\tPhase: init\tStatus: timeout`);
      const q = env.queued ?? p;
      if (!q.timer && (env.queued === q || env.current === q)) this.armTimeout(env, q);
    }, INIT_BUDGET_MS);
    env.initTimer.unref();
  }

  private armTimeout(env: Environment, p: Pending): void {
    p.deadline = this.o.clock.now() + env.blueprint.timeoutSec * 1000;
    p.timer = setTimeout(() => this.timeout(env, p), env.blueprint.timeoutSec * 1000);
  }

  private begin(env: Environment, p: Pending): void {
    if (!p.timer) this.armTimeout(env, p);
    p.started = performance.now();
    this.line(env, p, `START RequestId: ${p.req.requestId} Version: ${env.blueprint.version}`);
  }

  /** Whether a Runtime API token belongs to a live environment. */
  knows(token: string): boolean {
    return this.envs.has(token);
  }

  /** GET /next from an environment: resolves with the next invocation for it. */
  next(token: string): Promise<Pending | undefined> {
    const env = this.envs.get(token);
    if (!env || env.state === "dead") return Promise.resolve(undefined);
    let initDone = false;
    if (env.initDurationMs === undefined) {
      env.initDurationMs = performance.now() - env.initStarted;
      this.scheduler.noteInitMs(env.blueprint.poolKey, env.initDurationMs);
      if (env.initTimer) clearTimeout(env.initTimer);
      if (env.initLogs.length) this.flushLines(env, env.initLogs.splice(0));
      this.measure(env);
      initDone = true;
    }
    if (!env.queued && !env.retire) {
      // A request waiting for an environment of this function takes this one.
      const w = this.scheduler.takeFor(env.blueprint.envKey);
      if (w) {
        if (env.idleTimer) clearTimeout(env.idleTimer);
        env.queued = w.p;
      }
    }
    if (env.queued) {
      const p = env.queued;
      env.queued = undefined;
      env.current = p;
      env.state = "busy";
      this.begin(env, p);
      if (initDone) this.pump(); // a start slot became free
      return Promise.resolve(p);
    }
    env.state = "idle";
    this.armIdle(env);
    const ready = new Promise<Pending | undefined>((resolve) => {
      env.waitingNext = resolve;
    });
    this.pump(); // a start slot, or an idle environment another function's waiting request may evict
    return ready;
  }

  /** Measures an environment's memory when it is due (environment.ts); the scheduler's estimate follows. */
  private measure(env: Environment): void {
    const mb = env.measure(this.o.clock.now());
    if (mb !== undefined) this.scheduler.measuredMb(env.blueprint.poolKey, mb);
  }

  /**
   * POST /response or /error for the environment's current invocation: undefined when that is not the invocation
   * named, else a promise that resolves once the invocation is finished (the environment may take its next then).
   */
  complete(token: string, requestId: string, payload: Buffer, failed: boolean, cpuMs?: number): Promise<void> | undefined {
    const env = this.envs.get(token);
    const p = env?.current;
    if (!env || !p || p.req.requestId !== requestId) return undefined;
    p.cpuMs = cpuMs;
    // Output the function wrote just before answering may still sit in its stdout pipe: let the loop read it.
    if (p.timer) clearTimeout(p.timer);
    return new Promise((resolve) =>
      setImmediate(() => {
        if (env.current === p) this.finish(env, p, payload, failed ? "Unhandled" : undefined);
        resolve();
      }),
    );
  }

  /** POST /response larger than the Runtime API takes: the invocation fails at once with ResponseSizeTooLarge. */
  responseTooLarge(token: string, requestId: string, limitBytes: number): Promise<void> | undefined {
    const payload = Buffer.from(JSON.stringify({ errorMessage: `Response payload size exceeded maximum allowed payload size (${limitBytes} bytes).`, errorType: "Function.ResponseSizeTooLarge" }));
    return this.complete(token, requestId, payload, true);
  }

  /** POST /init/error: the environment failed to initialize. */
  initError(token: string, payload: Buffer): void {
    const env = this.envs.get(token);
    if (!env) return;
    env.initError = payload;
    const p = env.queued ?? env.current;
    if (p) {
      env.queued = undefined;
      env.current = p;
      this.begin(env, p);
      this.finish(env, p, payload, "Unhandled");
    }
    this.kill(env);
  }

  /** Payload for invocations of the environment (the deadline and ARN go in headers). */
  private finish(env: Environment, p: Pending, payload: Buffer, functionError?: string): void {
    if (p.timer) clearTimeout(p.timer);
    env.current = undefined;
    env.lastUsed = this.o.clock.now();
    this.busyTotal--;
    if (env.state !== "dead") this.measure(env);
    const durationMs = Math.max(0.01, performance.now() - p.started);
    this.scheduler.noteInvokeMs(env.blueprint.poolKey, durationMs, p.cpuMs);
    this.line(env, p, `END RequestId: ${p.req.requestId}`);
    this.line(env, p, env.reportLine(p.req.requestId, durationMs));
    if (env.state !== "dead") env.state = "starting"; // until it asks for the next event
    if (env.retire && env.state !== "dead") this.kill(env);
    p.resolve({ payload, functionError, logLines: p.logLines, logStream: env.logStream, durationMs });
  }

  private timeout(env: Environment, p: Pending): void {
    if (env.current !== p && env.queued !== p) return;
    if (env.queued === p) {
      env.queued = undefined;
      env.current = p;
      this.begin(env, p);
    }
    const secs = env.blueprint.timeoutSec.toFixed(2);
    const stamp = new Date(this.o.clock.now()).toISOString();
    this.line(env, p, `${stamp} ${p.req.requestId} Task timed out after ${secs} seconds`);
    const payload = runtimeErrorPayload(p.req.requestId, "Sandbox.Timedout", `Task timed out after ${secs} seconds`);
    this.finish(env, p, payload, "Unhandled");
    this.kill(env);
  }

  private onExit(env: Environment, code: number | null, signal: NodeJS.Signals | null): void {
    const wasDead = env.state === "dead";
    env.state = "dead";
    this.forget(env);
    const p = env.current ?? env.queued;
    if (!p || wasDead) return;
    env.queued = undefined;
    if (env.current !== p) {
      env.current = p;
      this.begin(env, p);
    }
    const how = signal ? `signal: ${signal === "SIGKILL" ? "killed" : signal === "SIGABRT" ? "aborted (core dumped)" : signal}` : `exit status ${code}`;
    const oom = signal === "SIGABRT" || signal === "SIGKILL" || p.logLines.some((l) => /heap out of memory|MemoryError/.test(l));
    const payload = env.initError ?? runtimeErrorPayload(p.req.requestId, oom ? "Runtime.OutOfMemory" : "Runtime.ExitError", `Runtime exited with error: ${how}`);
    this.line(env, p, `RequestId: ${p.req.requestId} Error: Runtime exited with error: ${how}\n${oom ? "Runtime.OutOfMemory" : "Runtime.ExitError"}`);
    this.finish(env, p, payload, "Unhandled");
  }

  private onLine(env: Environment, line: string): void {
    const p = env.current;
    if (p) this.line(env, p, line);
    else if (env.initDurationMs === undefined) env.initLogs.push(line);
    else this.flushLines(env, [line]);
  }

  private line(env: Environment, p: Pending, line: string): void {
    p.logLines.push(line);
    this.flushLines(env, [line]);
  }

  private flushLines(env: Environment, lines: string[]): void {
    const ts = this.o.clock.now();
    this.o.logSink(env.blueprint, env.logStream, lines.map((message) => ({ timestamp: ts, message })));
  }

  private armIdle(env: Environment): void {
    if (env.idleTimer) clearTimeout(env.idleTimer);
    env.idleTimer = setTimeout(() => {
      if (env.state === "idle") this.kill(env);
    }, this.o.idleMs);
    env.idleTimer.unref();
  }

  private kill(env: Environment): void {
    if (env.idleTimer) clearTimeout(env.idleTimer);
    if (env.initTimer) clearTimeout(env.initTimer);
    env.state = "dead";
    this.forget(env);
    env.proc.kill();
  }

  private forget(env: Environment): void {
    const known = this.envs.get(env.token) === env;
    if (known && env.credentials) this.o.credentials.revoke(env.credentials);
    if (known && env.codeDir) rmSync(env.codeDir, { recursive: true, force: true });
    env.awaitingAssignment?.(undefined);
    env.awaitingAssignment = undefined;
    this.envs.delete(env.token);
    this.pools.get(env.blueprint.poolKey)?.delete(env);
    // Its memory and (if it was starting) its start slot are free: waiting requests may start one. Deferred:
    // forget runs inside kill(), which pump() itself calls to evict.
    if (known && (this.scheduler.waiting() > 0 || this.prestarts.length)) queueMicrotask(() => this.pump());
  }

  /** Kills the environments of a function (deleted or updated) — all when no key is given. */
  drain(poolKey?: string, keepEnvKey?: string): void {
    for (const env of [...this.envs.values()]) {
      if (poolKey !== undefined && env.blueprint.poolKey !== poolKey) continue;
      if (keepEnvKey !== undefined && env.blueprint.envKey === keepEnvKey) continue;
      if (env.current || env.queued) {
        env.retire = true; // let the running invocation finish; the environment goes right after
        continue;
      }
      this.kill(env);
    }
  }

  killAll(): void {
    this.prestarts = [];
    for (const w of this.scheduler.remove(() => true)) {
      this.busyTotal--;
      w.p.resolve(stoppedResult(w.p.req.requestId));
    }
    for (const env of [...this.envs.values()]) {
      const p = env.current ?? env.queued;
      this.kill(env);
      if (p && p.timer) clearTimeout(p.timer);
    }
  }

  /** Server shutdown: kills every environment; nothing starts after (a spare's directory would outlive the data dir). */
  close(): void {
    this.closed = true;
    this.killAll();
  }

  /** Invocations running or waiting for an environment. */
  inFlight(): number {
    return this.busyTotal;
  }

  /** Environments currently alive (for tests and health). */
  count(poolKey?: string): number {
    if (poolKey === undefined) return this.envs.size;
    return this.pools.get(poolKey)?.size ?? 0;
  }
}
