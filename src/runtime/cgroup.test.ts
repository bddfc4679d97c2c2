/**
 * cgroup.ts against the host's real cgroups (skipped where there are none, e.g. not root): an environment's
 * cgroup holds a process and its detached children until kill(); a Skyport's start sweeps what a dead
 * Skyport left (an instance directory whose owner pid no longer runs).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cgroupBase, cgroupMode, createCgroup, MAX_PIDS, sweepCgroups } from "./cgroup.js";

const mode = cgroupMode();
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};
/** Waits (bounded) for a condition the kernel makes true asynchronously, such as a SIGKILLed process being gone. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), what);
}

const started: number[] = [];
after(() => {
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone, as it should be */
    }
  }
});

/** Starts `sh` inside the cgroup (the launcher's first step) with a detached sleeping grandchild. */
function startIn(procsFiles: string[]): Promise<number[]> {
  const child = spawn("/bin/sh", ["-c", 'for f; do echo $$ > "$f" || exit 1; done; setsid sleep 600 >/dev/null & echo $!; exec sleep 600', "sh", ...procsFiles], { stdio: ["ignore", "pipe", "ignore"], detached: true });
  child.unref();
  return new Promise((resolve) =>
    child.stdout!.once("data", (d) => {
      const pids = [child.pid!, Number(String(d).trim())];
      started.push(...pids);
      resolve(pids);
    }),
  );
}

describe("cgroups", { skip: mode === "none" ? "no writable cgroup hierarchy here" : false }, () => {
  test("createCgroup: kill() takes every process of the environment, detached ones too, and the cgroup goes", async () => {
    const cg = createCgroup(`test-${process.pid}-kill`, 64)!;
    assert.ok(cg);
    if (mode !== "v2-no-memory") assert.equal(cg.memoryLimited, true);
    const procs = await startIn(cg.procsFiles);
    for (const f of cg.procsFiles) await until(() => readFileSync(f, "utf8").trim().split("\n").length >= 2, `both processes are in ${f}`);
    for (const f of cg.procsFiles.slice(1)) assert.equal(readFileSync(join(f, "..", "pids.max"), "utf8").trim(), String(MAX_PIDS), "Lambda's 1,024 processes and threads");
    cg.kill();
    for (const pid of procs) await until(() => !alive(pid), `pid ${pid} is gone`);
    await until(() => cg.remove(), "the empty cgroup is removed");
  });

  test("sweepCgroups: kills the processes a dead Skyport left and removes its cgroups; a live one's are kept", async () => {
    const base = cgroupBase()!;
    const dead = join(base, "999999999-1", "env1"); // no such pid
    mkdirSync(dead, { recursive: true });
    const procs = await startIn([join(dead, "cgroup.procs")]);
    const mine = createCgroup(`test-${process.pid}-kept`)!;
    assert.ok(sweepCgroups() >= 2);
    for (const pid of procs) await until(() => !alive(pid), `pid ${pid} is gone`);
    await until(() => {
      try {
        readFileSync(join(base, "999999999-1", "env1", "cgroup.procs"));
        return false;
      } catch {
        return true;
      }
    }, "the dead instance's cgroup is removed");
    assert.ok(readFileSync(mine.procsFiles[0]!, "utf8") !== undefined, "this Skyport's cgroup stays");
    assert.ok(mine.remove());
  });
});
