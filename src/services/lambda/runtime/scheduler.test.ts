/**
 * The environment scheduler's decisions, on a fake clock: start slots and the memory budget are respected,
 * idle environments are evicted least recently used first (provisioned ones never), waiting requests are
 * served in arrival order, waits are measured, and a new environment starts past the minimum only when the
 * queue would take longer to drain than an init.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "../../../core/clock.js";
import { MachineCpu } from "./machine-cpu.js";
import { EnvironmentScheduler, STARVED_MS, type EnvironmentSlot } from "./scheduler.js";

const limits = { maxStarting: 2, memoryBudgetMb: 200, estimateMb: 50 };
const slot = (over: Partial<EnvironmentSlot> & { name?: string } = {}): EnvironmentSlot & { name?: string } => ({
  poolKey: "f",
  envKey: "f:1",
  starting: false,
  idle: false,
  lastUsed: 0,
  memoryMb: 50,
  ...over,
});

describe("EnvironmentScheduler.planStart", () => {
  const cases: Array<[string, Array<EnvironmentSlot & { name?: string }>, string, { ok: boolean; reason?: string; evict?: string[] }]> = [
    ["nothing alive: a start is always allowed", [], "f", { ok: true, evict: [] }],
    ["one of two start slots taken", [slot({ starting: true })], "f", { ok: true, evict: [] }],
    ["both start slots taken", [slot({ starting: true }), slot({ starting: true })], "f", { ok: false, reason: "starting" }],
    ["memory left for one more", [slot(), slot(), slot()], "f", { ok: true, evict: [] }],
    ["budget full of busy environments", [slot(), slot(), slot(), slot()], "f", { ok: false, reason: "memory" }],
    [
      "budget full: the least recently used idle environment goes",
      [slot({ name: "busy" }), slot({ name: "idle-late", idle: true, lastUsed: 50 }), slot({ name: "idle-early", idle: true, lastUsed: 10, poolKey: "g" }), slot({ name: "busy2" })],
      "f",
      { ok: true, evict: ["idle-early"] },
    ],
    ["provisioned idle environments are never evicted", [slot(), slot(), slot({ idle: true, provisioned: true }), slot()], "f", { ok: false, reason: "memory" }],
    ["unmeasured environments count at the estimate", [slot({ memoryMb: undefined }), slot({ memoryMb: undefined }), slot({ memoryMb: undefined }), slot({ memoryMb: 60 })], "f", { ok: false, reason: "memory" }],
  ];
  for (const [name, live, pool, want] of cases) {
    test(name, () => {
      const s = new EnvironmentScheduler<string>(limits, () => 0);
      const plan = s.planStart(live, pool);
      assert.equal(plan.ok, want.ok);
      if (plan.ok) assert.deepEqual(plan.evict.map((e) => (e as { name?: string }).name), want.evict);
      else assert.equal(plan.reason, want.reason);
    });
  }

  test("a function bigger than the whole budget still runs, alone", () => {
    const s = new EnvironmentScheduler<string>({ ...limits, memoryBudgetMb: 100 }, () => 0);
    s.measuredMb("big", 300);
    assert.equal(s.planStart([], "big").ok, true);
    const plan = s.planStart([slot({ poolKey: "small", idle: true, memoryMb: 20 })], "big");
    assert.deepEqual(plan, { ok: true, evict: [slot({ poolKey: "small", idle: true, memoryMb: 20 })] });
  });

  test("a measurement becomes the pool's estimate", () => {
    const s = new EnvironmentScheduler<string>(limits, () => 0);
    assert.equal(s.estimateMb("f"), 50);
    s.measuredMb("f", 32);
    assert.equal(s.estimateMb("f"), 32);
    assert.equal(s.estimateMb("g"), 50);
  });
});

describe("EnvironmentScheduler queue", () => {
  test("waiting requests are served in arrival order, per version, and their waits are measured", () => {
    const clock = new ManualClock(0);
    const s = new EnvironmentScheduler<string>(limits, () => clock.now());
    s.enqueue("f", "f:1", "a1");
    clock.advance(10);
    s.enqueue("g", "g:1", "b1");
    clock.advance(10);
    s.enqueue("f", "f:1", "a2");
    assert.equal(s.waiting(), 3);
    assert.equal(s.waiting("f"), 2);
    assert.deepEqual(s.waitingKeys().map((w) => w.item), ["a1", "b1"]);
    clock.advance(100);
    assert.equal(s.takeFor("f:1"), "a1"); // waited 120 ms
    assert.equal(s.head()?.item, "b1");
    clock.advance(30);
    assert.equal(s.takeFor("f:1"), "a2"); // waited 130 ms
    assert.equal(s.takeFor("f:1"), undefined);
    assert.deepEqual(s.poolStats("f"), { starts: 0, waits: 2, waitMsTotal: 250, waitMsMax: 130 });
    assert.equal(s.takeHead(), "b1");
    assert.equal(s.waiting(), 0);
  });

  test("the observer is told of each start, init and wait as it happens, with the wait's length", () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    const s = new EnvironmentScheduler<string>(limits, () => clock.now(), undefined, {
      started: (k) => seen.push(`started ${k}`),
      initialised: (k, ms) => seen.push(`initialised ${k} ${ms}`),
      waited: (k, ms) => seen.push(`waited ${k} ${ms}`),
    });
    s.enqueue("f", "f:1", "a1");
    s.noteStart("f");
    clock.advance(40);
    s.noteInitMs("f", 38.5);
    assert.equal(s.takeFor("f:1"), "a1");
    s.enqueue("f", "f:1", "a2");
    clock.advance(5);
    assert.deepEqual(s.remove((x) => x === "a2"), ["a2"]); // taken off the queue (its caller gave up): not served, no wait
    assert.deepEqual(seen, ["started f", "initialised f 38.5", "waited f 40"]);
  });

  test("remove takes matching requests off the queue", () => {
    const s = new EnvironmentScheduler<string>(limits, () => 0);
    for (const x of ["a", "b", "c"]) s.enqueue("f", "f:1", x);
    assert.deepEqual(s.remove((x) => x !== "b"), ["a", "c"]);
    assert.equal(s.takeFor("f:1"), "b");
  });
});

describe("EnvironmentScheduler.worthStarting", () => {
  test("on a saturated machine: a function's first two environments start (the second with a queue to drain); until an invocation was measured, the start slots, or twice them for a small burst", () => {
    const s = new EnvironmentScheduler<string>(limits, () => 0, () => 0);
    s.noteInitMs("f", 300);
    assert.equal(s.worthStarting("f", 0, 1), true);
    assert.equal(s.worthStarting("f", limits.maxStarting * 2 - 1, limits.maxStarting * 2), true); // a small burst: one each
    assert.equal(s.worthStarting("f", limits.maxStarting * 2, limits.maxStarting * 2), false);
    assert.equal(s.worthStarting("f", limits.maxStarting - 1, 400), true); // a large one: the start slots
    assert.equal(s.worthStarting("f", limits.maxStarting, 400), false);
    s.noteInvokeMs("f", 5);
    assert.equal(s.worthStarting("f", 0, 1), true);
    assert.equal(s.worthStarting("f", 1, 400), true); // the second overlaps the first's round trips
    assert.equal(s.worthStarting("f", 1, 2), false); // …when the queue would take longer to drain than an init
    assert.equal(s.worthStarting("f", 2, 400), false); // measured: the CPU decides from the third
  });
  test("past that, only when the queue drains slower than an init", () => {
    const s = new EnvironmentScheduler<string>(limits, () => 0);
    s.noteInvokeMs("f", 5);
    s.noteInitMs("f", 300);
    assert.equal(s.worthStarting("f", 4, 10), false); // 10 × 5 ms / 4 = 12.5 ms < 300 ms
    assert.equal(s.worthStarting("f", 4, 400), true); // 400 × 5 / 4 = 500 ms > 300 ms
  });
  test("without measurements a start is worth it", () => {
    const s = new EnvironmentScheduler<string>(limits, () => 0);
    assert.equal(s.worthStarting("f", 10, 1), true);
  });
  test("past the minimum, a start needs a whole idle core for each one starting, itself included", () => {
    let idle: number | undefined = 0.9;
    const s = new EnvironmentScheduler<string>(limits, () => 0, () => idle);
    s.noteInvokeMs("f", 5);
    s.noteInitMs("f", 300);
    assert.equal(s.worthStarting("f", 0, 1), true); // the first: CPU does not matter
    assert.equal(s.worthStarting("f", 4, 400), false); // the queue is long, but the machine is saturated
    idle = 1.2;
    assert.equal(s.worthStarting("f", 4, 400, 0), true);
    assert.equal(s.worthStarting("f", 4, 400, 1), false);
    idle = 2.1;
    assert.equal(s.worthStarting("f", 4, 400, 1), true);
    assert.equal(s.worthStarting("f", 4, 400, 2), false);
    assert.equal(s.worthStarting("f", 4, 10, 0), false); // idle CPU, but the queue drains faster than an init
    idle = undefined;
    assert.equal(s.worthStarting("f", 4, 400, 3), true); // unknown CPU never holds a start back
  });
  test("the idle-CPU window is kept current by the invocations: the first decision when requests begin to queue is not 'unknown'", () => {
    let now = 0;
    let stat = "cpu  0 0 0 0 0 0 0 0 0 0\n";
    const cpu = new MachineCpu(() => now, 100, () => stat);
    const s = new EnvironmentScheduler<string>(limits, () => now, () => cpu.idleCores());
    s.noteInitMs("f", 50);
    s.noteInvokeMs("f", 5); // the first sample
    now = 150;
    stat = "cpu  190 0 10 0 0 0 0 0 0 0\n"; // every jiffy since was busy
    s.noteInvokeMs("f", 5); // one request at a time: nothing queues, but the window moves on
    now = 160;
    assert.equal(s.worthStarting("f", 2, 50), false); // 50 requests queue at once on a saturated machine
    now = 300;
    stat = "cpu  190 0 10 200 0 0 0 0 0 0\n"; // and then it is idle
    assert.equal(s.worthStarting("f", 2, 50), true);
  });
  test("on a saturated machine, a request that waited STARVED_MS still gets a new environment", () => {
    let now = 0;
    const s = new EnvironmentScheduler<string>(limits, () => now, () => 0);
    s.noteInvokeMs("f", 1000); // a function that sleeps a second
    s.noteInitMs("f", 200);
    s.enqueue("f", "f:1", "a");
    assert.equal(s.worthStarting("f", 4, 2), false);
    now = STARVED_MS - 1;
    assert.equal(s.worthStarting("f", 4, 2), false);
    now = STARVED_MS;
    assert.equal(s.worthStarting("f", 4, 2), true);
    assert.equal(s.worthStarting("g", 4, 2), false); // another function's wait does not count
  });
  test("the starvation valve is for functions that mostly wait: one whose invocations compute waits for the CPU instead", () => {
    let now = 0;
    const s = new EnvironmentScheduler<string>(limits, () => now, () => 0);
    s.noteInitMs("f", 200);
    s.enqueue("f", "f:1", "a");
    s.noteInvokeMs("f", 1000, 2); // sleeps a second on 2 ms of CPU: 0.2 %
    now = STARVED_MS * 5;
    assert.equal(s.worthStarting("f", 4, 2), true);
    const c = new EnvironmentScheduler<string>(limits, () => now, () => 0);
    c.noteInitMs("c", 200);
    c.enqueue("c", "c:1", "a");
    now += STARVED_MS * 5;
    c.noteInvokeMs("c", 1000, 150); // 15 % of its time on the CPU (e.g. waiting on a saturated DynamoDB in between)
    assert.equal(c.worthStarting("c", 4, 2), false); // however long its queue has waited
    assert.equal(c.worthStarting("c", 0, 1), true); // its first environment still starts
    for (let i = 0; i < 30; i++) c.noteInvokeMs("c", 1000, 1); // its invocations now wait: the share averages down
    assert.equal(c.worthStarting("c", 4, 2), true);
  });
  test("the queue's drain time is at least what its oldest request has waited (an invocation's duration leaves out the time between invocations)", () => {
    let now = 0;
    const s = new EnvironmentScheduler<string>(limits, () => now, () => 0);
    s.noteInvokeMs("f", 1);
    s.noteInitMs("f", 300);
    s.enqueue("f", "f:1", "a");
    now = 300;
    assert.equal(s.worthStarting("f", 1, 100), false); // 100 × 1 ms, and 300 ms waited: not more than an init
    now = 301;
    assert.equal(s.worthStarting("f", 1, 100), true);
    assert.equal(s.worthStarting("f", 2, 100), false); // the third still needs an idle core
  });
  test("durations are moving averages", () => {
    const s = new EnvironmentScheduler<string>(limits, () => 0);
    s.noteInitMs("f", 100);
    s.noteInvokeMs("f", 10);
    s.noteInvokeMs("f", 60); // 10 × 0.8 + 60 × 0.2 = 20
    assert.equal(s.worthStarting("f", 4, 20), false); // 20 × 20 / 4 = 100, not more than 100
    assert.equal(s.worthStarting("f", 4, 21), true);
  });
});
