import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { processTreePeakMb } from "./memory.js";

test("processTreePeakMb: finds the runtime's peak below a wrapper process, shared code pages included", async () => {
  // sh stands for the wrapper (bwrap, unshare); the node below it touches 64 MB, then says so and waits.
  const child = spawn("sh", ["-c", `${process.execPath} -e 'globalThis.b = Buffer.alloc(64 * 1048576, 1); console.log("ready"); setInterval(() => {}, 1000)'`], { stdio: ["ignore", "pipe", "inherit"], detached: true });
  try {
    await once(child.stdout!, "data");
    const wrapperOnly = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]) / 1024;
    const peak = processTreePeakMb(child.pid!)!;
    assert.ok(wrapperOnly < 16, `the wrapper alone is small (${wrapperOnly} MB)`);
    // 64 MB of buffer plus node's own resident code and heap.
    assert.ok(peak >= 64 + 20, `the tree's peak counts the runtime: ${peak} MB`);
  } finally {
    process.kill(-child.pid!, "SIGKILL");
    await once(child, "exit");
  }
});

test("processTreePeakMb: a process that is gone reads as undefined", () => {
  assert.equal(processTreePeakMb(2 ** 22 + 12345), undefined);
});
