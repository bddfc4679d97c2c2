/**
 * Token buckets for request throttling (API Gateway REST and HTTP APIs: account, stage, route/method and
 * usage-plan limits). AWS describes its throttles as token buckets: `burst` is the bucket size, `rate` the
 * tokens added per second; a request takes one token or is throttled
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
 *
 * The whole state of a bucket is two numbers ({@link BucketState}) and the step is a pure function
 * ({@link takeToken}), so a shared implementation (Redis with a Lua script, a SQL row with an UPDATE) can
 * hold the same counters for several Skyport nodes and compute exactly what the in-memory one computes.
 * Time always comes from the caller (an injected Clock), never from Date.now() here.
 */

/** The persisted form of one bucket: tokens left after the last take, and when that was (epoch ms). */
export interface BucketState {
  tokens: number;
  updatedMs: number;
}

/** Outcome of one take: allowed, or refused with the wait until one token will be there (ms, ≥ 1). */
export type TakeResult = { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number };

/** A set of buckets addressed by key. Implementations must apply take() atomically per key. */
export interface TokenBuckets {
  /**
   * Takes one token from the bucket `key` holding at most `burst` tokens and refilled with `rate` tokens
   * per second, at time `nowMs`. A bucket seen for the first time starts full.
   */
  take(key: string, rate: number, burst: number, nowMs: number): TakeResult;
  /** Forgets every bucket whose key starts with `prefix` (a stage redeployed, a plan deleted). */
  reset(prefix?: string): void;
}

/** Retry hint when a bucket can never refill (rate 0, or burst below one token): one hour. */
export const NEVER_REFILLS_RETRY_MS = 3_600_000;

/**
 * One bucket step, pure: refills `state` for the time elapsed, then takes a token if a whole one is there.
 * A clock running backwards refills nothing (never a negative elapsed time).
 */
export function takeToken(
  state: BucketState | undefined,
  rate: number,
  burst: number,
  nowMs: number,
): { state: BucketState; result: TakeResult } {
  const capacity = Math.max(0, burst);
  const perMs = Math.max(0, rate) / 1000;
  let tokens = capacity;
  if (state) {
    const elapsed = Math.max(0, nowMs - state.updatedMs);
    tokens = Math.min(capacity, state.tokens + elapsed * perMs);
  }
  if (tokens >= 1) {
    const left = tokens - 1;
    return { state: { tokens: left, updatedMs: nowMs }, result: { allowed: true, remaining: Math.floor(left) } };
  }
  const retryAfterMs = capacity < 1 || perMs === 0 ? NEVER_REFILLS_RETRY_MS : Math.max(1, Math.ceil((1 - tokens) / perMs));
  return { state: { tokens, updatedMs: nowMs }, result: { allowed: false, retryAfterMs } };
}

/** When a bucket left alone is full again (then it equals a missing bucket and can be dropped). */
function fullAtMs(state: BucketState, rate: number, burst: number): number {
  if (state.tokens >= burst) return state.updatedMs;
  if (rate <= 0) return Number.POSITIVE_INFINITY;
  return state.updatedMs + ((burst - state.tokens) * 1000) / rate;
}

interface Entry extends BucketState {
  fullAtMs: number;
}

/**
 * Buckets in this process's memory. Node runs take() to completion on one thread, so concurrent requests
 * cannot both spend the same token. The map is bounded: past `maxKeys` it drops buckets that have refilled
 * (indistinguishable from new ones), and if that is not enough, the oldest-touched ones.
 */
export class MemoryTokenBuckets implements TokenBuckets {
  private readonly buckets = new Map<string, Entry>();

  constructor(private readonly maxKeys = 100_000) {}

  take(key: string, rate: number, burst: number, nowMs: number): TakeResult {
    const prev = this.buckets.get(key);
    const { state, result } = takeToken(prev, rate, burst, nowMs);
    if (prev) {
      prev.tokens = state.tokens;
      prev.updatedMs = state.updatedMs;
      prev.fullAtMs = fullAtMs(state, rate, burst);
      // Re-insert so Map order is least-recently-touched first (for the eviction below).
      this.buckets.delete(key);
      this.buckets.set(key, prev);
    } else {
      if (this.buckets.size >= this.maxKeys) this.evict(nowMs);
      this.buckets.set(key, { ...state, fullAtMs: fullAtMs(state, rate, burst) });
    }
    return result;
  }

  reset(prefix = ""): void {
    if (!prefix) return this.buckets.clear();
    for (const key of this.buckets.keys()) if (key.startsWith(prefix)) this.buckets.delete(key);
  }

  /** Number of buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private evict(nowMs: number): void {
    for (const [key, e] of this.buckets) if (e.fullAtMs <= nowMs) this.buckets.delete(key);
    // Still full of busy buckets: drop the least recently touched tenth (they restart full, so the
    // error is in the caller's favour, never a spurious 429).
    let drop = this.buckets.size >= this.maxKeys ? Math.ceil(this.maxKeys / 10) : 0;
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}
