/**
 * Token buckets as API Gateway documents them: the bucket starts full with `burst` tokens, each request takes
 * one, `rate` tokens per second flow back up to `burst`; an empty bucket throttles
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryTokenBuckets, NEVER_REFILLS_RETRY_MS, takeToken, type BucketState } from "./token-bucket.js";

// Each step: advance the clock by `at` ms since the previous step, take `n` tokens, expect `ok` of them allowed.
const CASES: Array<{ name: string; rate: number; burst: number; steps: Array<{ at: number; n: number; ok: number }> }> = [
  { name: "burst is spent at once, then throttled", rate: 1, burst: 5, steps: [{ at: 0, n: 8, ok: 5 }] },
  { name: "rate refills one token per 1/rate s", rate: 10, burst: 2, steps: [{ at: 0, n: 3, ok: 2 }, { at: 100, n: 2, ok: 1 }, { at: 250, n: 3, ok: 2 }] },
  { name: "refill never exceeds burst", rate: 100, burst: 3, steps: [{ at: 0, n: 3, ok: 3 }, { at: 60_000, n: 10, ok: 3 }] },
  { name: "fractional rate (0.5 rps)", rate: 0.5, burst: 1, steps: [{ at: 0, n: 2, ok: 1 }, { at: 1000, n: 1, ok: 0 }, { at: 1000, n: 1, ok: 1 }] },
  { name: "partial tokens accumulate across steps", rate: 3, burst: 1, steps: [{ at: 0, n: 1, ok: 1 }, { at: 200, n: 1, ok: 0 }, { at: 200, n: 1, ok: 1 }] },
  { name: "burst 0 throttles everything", rate: 100, burst: 0, steps: [{ at: 0, n: 3, ok: 0 }, { at: 5000, n: 1, ok: 0 }] },
  { name: "rate 0 allows only the burst, ever", rate: 0, burst: 2, steps: [{ at: 0, n: 3, ok: 2 }, { at: 3_600_000, n: 1, ok: 0 }] },
  { name: "clock going backwards refills nothing", rate: 1, burst: 1, steps: [{ at: 0, n: 1, ok: 1 }, { at: -5000, n: 1, ok: 0 }] },
  { name: "account default 10000 rps / 5000 burst", rate: 10_000, burst: 5000, steps: [{ at: 0, n: 6000, ok: 5000 }, { at: 100, n: 2000, ok: 1000 }] },
];

test("TokenBucket: burst then rate refill (table)", () => {
  for (const c of CASES) {
    const buckets = new MemoryTokenBuckets();
    let now = 1_700_000_000_000;
    c.steps.forEach((s, i) => {
      now += s.at;
      let ok = 0;
      for (let k = 0; k < s.n; k++) if (buckets.take("k", c.rate, c.burst, now).allowed) ok++;
      assert.equal(ok, s.ok, `${c.name}: step ${i}`);
    });
  }
});

test("TokenBucket: retryAfterMs is the time until one whole token", () => {
  let state: BucketState | undefined;
  ({ state } = takeToken(state, 4, 1, 0));
  const r = takeToken(state, 4, 1, 100).result; // 0.4 token there, 0.6 more at 4/s = 150 ms
  assert.deepEqual(r, { allowed: false, retryAfterMs: 150 });
  assert.deepEqual(takeToken(undefined, 0, 0, 0).result, { allowed: false, retryAfterMs: NEVER_REFILLS_RETRY_MS });
  assert.deepEqual(takeToken(undefined, 5, 3, 0).result, { allowed: true, remaining: 2 });
});

test("TokenBucket: under 4x overload the accepted rate is burst + rate × time", () => {
  // 400 requests/s offered for 10 s against 100 rps / 50 burst, interleaved on two keys that must not share.
  const buckets = new MemoryTokenBuckets();
  const accepted = { a: 0, b: 0 };
  for (let i = 0; i < 4000; i++) {
    const now = 1000 + i * 2.5;
    if (buckets.take("a", 100, 50, now).allowed) accepted.a++;
    if (buckets.take("b", 100, 50, now).allowed) accepted.b++;
  }
  // 50 at start + 100/s over the 9.9975 s between first and last request.
  assert.equal(accepted.a, 1049);
  assert.equal(accepted.b, 1049);
});

test("TokenBucket: keys are independent and reset(prefix) forgets only matching ones", () => {
  const buckets = new MemoryTokenBuckets();
  assert.equal(buckets.take("api1/prod", 1, 1, 0).allowed, true);
  assert.equal(buckets.take("api1/prod", 1, 1, 0).allowed, false);
  assert.equal(buckets.take("api2/prod", 1, 1, 0).allowed, true);
  buckets.reset("api1/");
  assert.equal(buckets.take("api1/prod", 1, 1, 0).allowed, true);
  assert.equal(buckets.take("api2/prod", 1, 1, 0).allowed, false);
});

test("TokenBucket: the key map stays bounded, dropping refilled buckets first", () => {
  const buckets = new MemoryTokenBuckets(100);
  for (let i = 0; i < 100; i++) buckets.take(`idle${i}`, 1000, 1, 0); // full again 1 ms later
  buckets.take("busy", 0, 5, 0); // never refills: must survive eviction
  for (let i = 0; i < 500; i++) buckets.take(`new${i}`, 1000, 1, 10 + 2 * i); // each full before the next
  assert.ok(buckets.size <= 100, `size ${buckets.size}`);
  for (let i = 0; i < 4; i++) buckets.take("busy", 0, 5, 2000);
  // 1 + 4 taken of 5: had the bucket been dropped, a 6th would pass.
  assert.equal(buckets.take("busy", 0, 5, 2000).allowed, false);
});
