/** StageCache: entries expire at their TTL and a stage's bytes stay within its cluster size, least recently used out first. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { clusterBytes, StageCache } from "../../src/services/apigateway/execute/stage-cache.js";

const res = (bytes: number) => ({ status: 200, headers: {}, body: Buffer.alloc(bytes) });

test("StageCache: byte budget with LRU eviction, TTL expiry, per-stage flush", () => {
  const c = new StageCache();
  const budget = 3 * (1000 + 256 + 1); // three 1000-byte entries with their bookkeeping and one-char keys
  c.put("api/s", budget, "a", res(1000), 60, 0);
  c.put("api/s", budget, "b", res(1000), 60, 0);
  c.put("api/s", budget, "c", res(1000), 60, 0);
  assert.ok(c.get("api/s", "a", 1)); // a is now the most recently used
  c.put("api/s", budget, "d", res(1000), 60, 1);
  assert.equal(c.get("api/s", "b", 2), undefined, "b was the least recently used");
  assert.ok(c.get("api/s", "a", 2) && c.get("api/s", "c", 2) && c.get("api/s", "d", 2));
  assert.ok(c.bytesOf("api/s") <= budget);
  c.put("api/s", budget, "huge", res(budget), 60, 2);
  assert.equal(c.get("api/s", "huge", 2), undefined, "an entry larger than the cache is not kept");
  assert.equal(c.get("api/s", "a", 60_000), undefined, "expired at its TTL");
  c.put("api/t", budget, "a", res(10), 60, 0);
  c.flush("api/s");
  assert.equal(c.bytesOf("api/s"), 0);
  assert.ok(c.get("api/t", "a", 1), "other stages keep theirs");
});

test("clusterBytes: cache cluster sizes in GB", () => {
  assert.equal(clusterBytes(undefined), 0.5 * 1024 ** 3);
  assert.equal(clusterBytes("0.5"), 0.5 * 1024 ** 3);
  assert.equal(clusterBytes("237"), 237 * 1024 ** 3);
});

test("StageCache: all stages together stay within the process-wide cap, the writing stage's oldest entries first", () => {
  const entry = 1000 + 256 + 1;
  const c = new StageCache(10, 3 * entry);
  const big = 1024 ** 3;
  c.put("api/s", big, "a", res(1000), 60, 0);
  c.put("api/t", big, "b", res(1000), 60, 0);
  c.put("api/t", big, "c", res(1000), 60, 0);
  c.put("api/t", big, "d", res(1000), 60, 0);
  assert.ok(c.bytes <= 3 * entry);
  assert.equal(c.get("api/t", "b", 1), undefined, "the writing stage's least recently used went");
  assert.ok(c.get("api/s", "a", 1) && c.get("api/t", "c", 1) && c.get("api/t", "d", 1));
  c.put("api/u", big, "e", res(1000), 60, 1);
  assert.ok(c.bytes <= 3 * entry, "a new stage's entry pushes out other stages' entries");
  assert.ok(c.get("api/u", "e", 2));
  c.flush("api/t");
  assert.equal(c.bytes, c.bytesOf("api/s") + c.bytesOf("api/u"));
});
