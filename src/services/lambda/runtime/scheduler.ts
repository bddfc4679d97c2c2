/**
 * The environment scheduler: fits Lambda's execution environments to the machine Skyport runs on. AWS starts
 * an environment for every concurrent request; on a laptop or a CI runner, 50 runtimes initialising at once
 * fight for two cores and nothing answers for seconds. So two global budgets bound what may start:
 *   - environments *starting* at once (default: the number of cores), and
 *   - the memory of all live environments (their measured memory, an estimate until measured) under a cap.
 * A request that finds no idle environment waits, in arrival order, for the first of: an environment of its
 * function becoming idle, or a start slot (idle environments of other functions are evicted, least recently
 * used first, when memory is what is missing). Past its first environment (until one of its invocations has been
 * measured: the start slots, or twice them for a burst no larger than that), another environment starts for a function only when its queue would take longer to drain through the environments
 * it has than a new one takes to initialise (both measured) — its second on that alone (one environment alternates
 * between computing and waiting on its round trips to Skyport; a second overlaps them) — and from its third only
 * while the machine has a whole idle core for each environment of the function starting, this one included
 * (machine-cpu.ts) — unless its oldest request has already waited STARVED_MS and its invocations mostly wait rather than compute (a function that sleeps on a
 * machine busy with something else; the runtime clients report each invocation's CPU time). On a saturated machine
 * more environments only split the same CPU more ways, each one colder (a new environment runs its first
 * hundreds of invocations unoptimised) and each one more memory: 50 connections to a function that calls
 * DynamoDB settle on 2–3 environments on two cores instead of 15 and more, at better throughput (each one warmer).
 * Throttling (reserved and account concurrency) is decided
 * before, by the caller, exactly as without the scheduler: the queueing only shows as latency.
 * Pure bookkeeping — no processes, no timers — so it is tested with a fake clock.
 */

/** A request that waited this long gets a new environment even on a saturated machine, ms. */
export const STARVED_MS = 1000;
/** Environments a function with a queue gets whatever the CPU (two overlap one's computing with the other's waiting). */
export const PIPELINED = 2;
/** A function whose invocations spend at least this share of their time on the CPU gets no starvation valve. */
export const CPU_BOUND_SHARE = 0.1;

interface Timing {
  /** Moving averages: an invocation's duration, an init's, and the share of an invocation spent on the CPU. */
  invokeMs?: number;
  initMs?: number;
  cpuShare?: number;
}

export interface SchedulerLimits {
  /** Environments initialising at once. */
  maxStarting: number;
  /** Cap on the sum of live environments' memory, MB. */
  memoryBudgetMb: number;
  /** Memory assumed for an environment of a function none of whose environments was measured yet, MB. */
  estimateMb: number;
}

/** What the scheduler needs to know about a live environment. */
export interface EnvironmentSlot {
  poolKey: string;
  envKey: string;
  /** Still initialising. */
  starting: boolean;
  /** Waiting for work (may be evicted). */
  idle: boolean;
  /** Clock ms when it last finished work (or started). */
  lastUsed: number;
  /** Measured memory, MB. */
  memoryMb?: number;
  /** Pre-started for provisioned concurrency: never evicted. */
  provisioned?: boolean;
}

export interface PoolStats {
  starts: number;
  /** Invocations that had to wait for an environment, and how long in total and at most (ms). */
  waits: number;
  waitMsTotal: number;
  waitMsMax: number;
}

interface Waiter<W> {
  poolKey: string;
  envKey: string;
  since: number;
  item: W;
}

/** Told of each start, init and wait as it happens (the Skyport/Lambda metrics: cloudwatch/lambda-metrics.ts). */
export interface SchedulerObserver {
  started(poolKey: string): void;
  initialised(poolKey: string, ms: number): void;
  /** An invocation waited `ms` for an environment. */
  waited(poolKey: string, ms: number): void;
}

export type StartPlan<S> = { ok: true; evict: S[] } | { ok: false; reason: "starting" | "memory" };

export class EnvironmentScheduler<W> {
  private waiters: Array<Waiter<W>> = [];
  private readonly stats = new Map<string, PoolStats>();
  /** Last measured memory per pool: the estimate for its next environment. */
  private readonly measured = new Map<string, number>();
  /** Moving averages of invoke and init durations per pool, ms. */
  private readonly timing = new Map<string, Timing>();

  constructor(
    readonly limits: SchedulerLimits,
    private readonly now: () => number,
    /** Idle cores lately (machine-cpu.ts); undefined: unknown, CPU never holds a start back. */
    private readonly idleCores: () => number | undefined = () => undefined,
    private readonly observer?: SchedulerObserver,
  ) {}

  /** The memory an environment of `poolKey` is expected to take, MB. */
  estimateMb(poolKey: string): number {
    return this.measured.get(poolKey) ?? this.limits.estimateMb;
  }

  /** Records a measurement (it also becomes the pool's estimate). */
  measuredMb(poolKey: string, mb: number): void {
    if (mb > 0) this.measured.set(poolKey, mb);
  }

  /**
   * Whether an environment for `poolKey` may start now, given the live ones, and which idle environments must
   * go first to make room. An environment may always start when none is alive (a function bigger than the
   * whole budget still runs, alone).
   */
  planStart<S extends EnvironmentSlot>(live: Iterable<S>, poolKey: string): StartPlan<S> {
    const all = [...live];
    if (all.filter((s) => s.starting).length >= this.limits.maxStarting) return { ok: false, reason: "starting" };
    const need = this.estimateMb(poolKey);
    let used = 0;
    for (const s of all) used += s.memoryMb ?? this.estimateMb(s.poolKey);
    const evict: S[] = [];
    if (all.length > 0 && used + need > this.limits.memoryBudgetMb) {
      const idle = all.filter((s) => s.idle && !s.provisioned).sort((a, b) => a.lastUsed - b.lastUsed);
      for (const s of idle) {
        if (used + need <= this.limits.memoryBudgetMb) break;
        evict.push(s);
        used -= s.memoryMb ?? this.estimateMb(s.poolKey);
      }
      if (used + need > this.limits.memoryBudgetMb && evict.length < all.length) return { ok: false, reason: "memory" };
    }
    return { ok: true, evict };
  }

  /** An invocation took `ms`; `cpuMs` of it on the CPU, when its runtime said (Skyport's own runtime clients do). */
  noteInvokeMs(poolKey: string, ms: number, cpuMs?: number): void {
    // Keeps the idle-CPU window current while invocations run (machine-cpu.ts reads /proc/stat at most once a
    // window): when requests begin to queue, the first start decision sees the load of the moment before — with no
    // window yet it would read "unknown", and unknown CPU never holds a start back.
    this.idleCores();
    const t = this.timings(poolKey);
    t.invokeMs = t.invokeMs === undefined ? ms : t.invokeMs * 0.8 + ms * 0.2;
    if (cpuMs === undefined) return;
    const share = Math.min(1, cpuMs / Math.max(ms, 0.01));
    t.cpuShare = t.cpuShare === undefined ? share : t.cpuShare * 0.8 + share * 0.2;
  }

  noteInitMs(poolKey: string, ms: number): void {
    this.observer?.initialised(poolKey, ms);
    const t = this.timings(poolKey);
    t.initMs = t.initMs === undefined ? ms : t.initMs * 0.8 + ms * 0.2;
  }

  /**
   * Whether a new environment pays off for a function that has `environments` live ones (`starting` of them
   * still initialising) and `waiting` requests queued: always its first, and until one of its invocations has been
   * measured up to the start slots — twice them when no more requests wait than that (a small burst on a function never
   * run: AWS gives each its environment); beyond, only when
   * draining the queue through the environments it has (or its oldest request's wait so far) would take longer than
   * initialising one more, and (from its third, PIPELINED) the machine has a whole idle core for each one starting,
   * this one included, or its oldest request has waited STARVED_MS.
   */
  worthStarting(poolKey: string, environments: number, waiting: number, starting = 0): boolean {
    const t = this.timing.get(poolKey);
    if (environments === 0) return true;
    if (t?.invokeMs === undefined) {
      // A small burst on a function never run gets an environment per request, as on AWS (up to twice the start
      // slots); a larger one only the start slots until an invocation tells what one costs: on a saturated machine
      // every start beyond takes 200–300 ms of CPU from serving the queue (200 connections from cold: 5
      // environments and 14–89 requests in the first second, against 2–3 and 104–177).
      const burst = waiting <= this.limits.maxStarting * 2 ? 2 : 1;
      if (environments < this.limits.maxStarting * burst) return true;
    }
    // The queue's drain time: the invocations ahead through the environments there are, or what its oldest request has
    // already waited when that is more (an invocation's own duration leaves out the time between invocations: the
    // Runtime API's round trip and the server's turns, a good part of each request's cost on a busy machine).
    const oldest = this.waiters.find((w) => w.poolKey === poolKey);
    const waited = oldest ? this.now() - oldest.since : 0;
    if (t?.invokeMs !== undefined && t.initMs !== undefined && Math.max((waiting * t.invokeMs) / environments, waited) <= t.initMs) return false;
    // One environment alternates between computing and waiting (its SDK calls, the Runtime API's round trip): a
    // second overlaps the two even on a busy machine — behind one, a long queue waits on those round trips with
    // CPU to spare. The CPU decides from the third.
    if (environments < PIPELINED) return true;
    const idle = this.idleCores();
    if (idle === undefined || starting < Math.floor(idle)) return true;
    // The valve is for functions that mostly wait (sleep, call out): for one whose invocations keep a core busy a
    // good part of the time, more environments on a saturated machine only split the CPU further — its requests
    // wait in a long queue because of the CPU, and new environments would make that worse, not better.
    if ((t?.cpuShare ?? 0) >= CPU_BOUND_SHARE) return false;
    return oldest !== undefined && waited >= STARVED_MS;
  }

  /** The envKeys that have waiting requests, each with its pool, oldest first. */
  waitingKeys(): Array<{ poolKey: string; envKey: string; item: W }> {
    const seen = new Set<string>();
    const out: Array<{ poolKey: string; envKey: string; item: W }> = [];
    for (const w of this.waiters) {
      if (seen.has(w.envKey)) continue;
      seen.add(w.envKey);
      out.push(w);
    }
    return out;
  }

  /** Every waiting request, oldest first. */
  waitingItems(): W[] {
    return this.waiters.map((w) => w.item);
  }

  /** Queues a request that found no environment; served in arrival order. */
  enqueue(poolKey: string, envKey: string, item: W): void {
    this.waiters.push({ poolKey, envKey, since: this.now(), item });
  }

  /** The oldest waiting request an environment of `envKey` can serve, taken off the queue. */
  takeFor(envKey: string): W | undefined {
    const i = this.waiters.findIndex((w) => w.envKey === envKey);
    return i < 0 ? undefined : this.take(i);
  }

  /** The oldest waiting request (for a start slot), left on the queue. */
  head(): { poolKey: string; envKey: string; item: W } | undefined {
    return this.waiters[0];
  }

  /** Takes the oldest waiting request off the queue. */
  takeHead(): W | undefined {
    return this.waiters.length ? this.take(0) : undefined;
  }

  /** Removes a waiting request (its caller gave up or the function went away); true when it was queued. */
  remove(pred: (item: W) => boolean): W[] {
    const gone = this.waiters.filter((w) => pred(w.item));
    if (gone.length) this.waiters = this.waiters.filter((w) => !pred(w.item));
    return gone.map((w) => w.item);
  }

  /** Requests of a pool waiting for an environment (they count against its concurrency). */
  waiting(poolKey?: string): number {
    if (poolKey === undefined) return this.waiters.length;
    let n = 0;
    for (const w of this.waiters) if (w.poolKey === poolKey) n++;
    return n;
  }

  noteStart(poolKey: string): void {
    this.pool(poolKey).starts++;
    this.observer?.started(poolKey);
  }

  /** Per-pool counters (starts, waits). */
  poolStats(poolKey: string): PoolStats {
    return { ...this.pool(poolKey) };
  }

  allStats(): Map<string, PoolStats> {
    return new Map([...this.stats].map(([k, v]) => [k, { ...v }]));
  }

  private take(i: number): W {
    const [w] = this.waiters.splice(i, 1);
    const waited = this.now() - w!.since;
    const s = this.pool(w!.poolKey);
    s.waits++;
    s.waitMsTotal += waited;
    s.waitMsMax = Math.max(s.waitMsMax, waited);
    this.observer?.waited(w!.poolKey, waited);
    return w!.item;
  }

  private timings(poolKey: string): Timing {
    let t = this.timing.get(poolKey);
    if (!t) this.timing.set(poolKey, (t = {}));
    return t;
  }

  private pool(poolKey: string): PoolStats {
    let s = this.stats.get(poolKey);
    if (!s) this.stats.set(poolKey, (s = { starts: 0, waits: 0, waitMsTotal: 0, waitMsMax: 0 }));
    return s;
  }
}
