/**
 * Every process of an instance — its init, forked by bubblewrap before Skyport knows the sandbox's pid, and
 * what user data starts — is in the instance's cgroups, so the bundle's memory limit and CPU accounting
 * (CPUUtilization, alarms) cover the whole workload. Needs root, bubblewrap and busybox; skipped otherwise.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { CreateInstancesCommand, DeleteInstanceCommand, GetInstanceCommand, GetInstanceStateCommand, LightsailClient } from "@aws-sdk/client-lightsail";
import type { LightsailProvider } from "../../src/services/lightsail/provider.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const can = process.getuid?.() === 0 && existsSync("/usr/bin/bwrap") && (existsSync("/bin/busybox") || existsSync("/usr/bin/busybox"));
let server: TestServer;
let ls: LightsailClient;
before(async () => {
  if (!can) return;
  server = await startServer({ "lightsail-blueprint-image": "debian_12=skyport:busybox" });
  ls = new LightsailClient(server.clientConfig);
});
after(async () => {
  ls?.destroy();
  await server?.stop();
});

/** pid and all its descendants. */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      out.push(...readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      /* exited */
    }
  }
  return out;
}

test("CreateInstances: init and the user data's processes are all in the instance's cgroups", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const name = uniqueName("cg");
  await ls.send(new CreateInstancesCommand({ instanceNames: [name], availabilityZone: "us-east-1a", blueprintId: "debian_12", bundleId: "nano_3_0", userData: "#!/bin/sh\nsleep 600 &\nsleep 601\n" }));
  try {
    const deadline = Date.now() + 120_000;
    while ((await ls.send(new GetInstanceStateCommand({ instanceName: name }))).state!.name !== "running") {
      if (Date.now() > deadline) assert.fail("the instance did not reach running");
      await new Promise((r) => setTimeout(r, 100));
    }
    const arn = (await ls.send(new GetInstanceCommand({ instanceName: name }))).instance!.arn!;
    const id = arn.split("/")[1]!;
    const provider = (await server.skyport.services.get("lightsail")) as LightsailProvider;
    const pid = provider.shared.instances.machines.get(arn)!.pid!;
    // user data runs in the background: wait for both sleeps
    const sleeps = () => tree(pid).filter((p) => { try { return readFileSync(`/proc/${p}/cmdline`, "utf8").startsWith("sleep\0") && /^sleep\0(600|601)\0$/.test(readFileSync(`/proc/${p}/cmdline`, "utf8")); } catch { return false; } });
    while (sleeps().length < 2) {
      if (Date.now() > deadline) assert.fail("user data's processes did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    const procs = tree(pid);
    assert.ok(procs.length >= 4, `init, its shell and two sleeps: ${procs.join(" ")}`);
    for (const p of procs) {
      let cgroups: string;
      try {
        cgroups = readFileSync(`/proc/${p}/cgroup`, "utf8");
      } catch {
        continue; // exited meanwhile
      }
      // The instance's own cgroup (v2, or the v1 memory hierarchy) names it; v1 cpuacct too where present.
      assert.match(cgroups, new RegExp(`lightsail-${id}`), `process ${p} is in the instance's cgroup:\n${cgroups}`);
      if (/^\d+:[^:]*cpuacct[^:]*:/m.test(cgroups) && existsSync("/sys/fs/cgroup/cpuacct/skyport-lightsail")) assert.match(cgroups, new RegExp(`cpuacct[^:]*:.*/skyport-lightsail/${id}`), `process ${p} is counted in the instance's cpuacct cgroup`);
    }
  } finally {
    await ls.send(new DeleteInstanceCommand({ instanceName: name }));
  }
});
