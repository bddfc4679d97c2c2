import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, test } from "node:test";
import { MachineCpu, parseCpuLine } from "./machine-cpu.js";

describe("MachineCpu", () => {
  test("parses the aggregate cpu line of /proc/stat (proc(5): user nice system idle iowait irq softirq steal guest guest_nice)", () => {
    const s = parseCpuLine("cpu  100 5 50 800 20 1 4 20 7 0\ncpu0 50 2 25 400 10 0 2 10 0 0\n", 1);
    assert.deepEqual(s, { at: 1, idle: 820, total: 1000 });
    assert.equal(parseCpuLine("intr 1 2 3\n", 1), undefined);
    assert.equal(parseCpuLine(undefined, 1), undefined);
    assert.equal(parseCpuLine("cpu  1 x 3 4 5\n", 1), undefined);
  });
  test("idle cores are measured over windows of at least windowMs", () => {
    let now = 0;
    let stat = "cpu  0 0 0 0 0 0 0 0 0 0\n";
    const cpu = new MachineCpu(() => now, 100, () => stat);
    const cores = Math.max(1, availableParallelism());
    assert.equal(cpu.idleCores(), undefined); // one sample: no window yet
    now = 150;
    stat = "cpu  60 0 10 25 5 0 0 0 0 0\n"; // 30 of 100 jiffies idle or waiting for I/O
    assert.equal(cpu.idleCores(), cores * 0.3);
    now = 200;
    stat = "cpu  60 0 10 125 5 0 0 0 0 0\n";
    assert.equal(cpu.idleCores(), cores * 0.3); // 50 ms later: still the last window's figure
    now = 260;
    assert.equal(cpu.idleCores(), cores * 1); // the 100 jiffies since were all idle
  });
});
