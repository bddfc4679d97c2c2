/**
 * The AutoSnapshot add-on through the real `aws` CLI, and its scheduler started at boot: a disk with the
 * add-on enabled gets its daily snapshot from a restarted Skyport before any Lightsail request arrives.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { ManualClock } from "../../src/core/clock.js";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
const awsFor = (server: TestServer) => async (...args: string[]) => {
  const { stdout } = await run("aws", ["lightsail", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  return stdout.trim() ? JSON.parse(stdout) : {};
};

test("aws lightsail enable-add-on: the scheduler resumes at boot and takes the due snapshot; get-auto-snapshots, delete-auto-snapshot", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-ls-auto-"));
  const opts = { ephemeral: false, "data-dir": dir };
  const disk = uniqueName("vol");
  try {
    const first = await startServer(opts, { clock: new ManualClock(Date.parse("2026-05-01T05:00:00Z")) });
    try {
      const aws = awsFor(first);
      await aws("create-disk", "--disk-name", disk, "--availability-zone", "us-east-1a", "--size-in-gb", "8");
      const out = await aws("enable-add-on", "--resource-name", disk, "--add-on-request", "addOnType=AutoSnapshot,autoSnapshotAddOnRequest={snapshotTimeOfDay=06:00}");
      assert.equal(out.operations[0].operationType, "EnableAddOn");
      const addOn = (await aws("get-disk", "--disk-name", disk)).disk.addOns[0];
      assert.equal(addOn.status, "Enabled");
      assert.equal(addOn.snapshotTimeOfDay, "06:00");
      assert.deepEqual((await aws("get-auto-snapshots", "--resource-name", disk)).autoSnapshots, []);
    } finally {
      await first.stop();
    }

    // Restarted after the snapshot time: no request is made until the copy exists on disk.
    const second = await startServer(opts, { clock: new ManualClock(Date.parse("2026-05-01T06:10:00Z")) });
    try {
      const snapshots = join(dir, "lightsail", "snapshots");
      const deadline = Date.now() + 60_000;
      while (!(existsSync(snapshots) && readdirSync(snapshots).some((f) => f.startsWith("auto-")))) {
        if (Date.now() > deadline) assert.fail("no automatic snapshot was taken after the restart");
        await new Promise((r) => setTimeout(r, 50));
      }
      const aws = awsFor(second);
      const got = await aws("get-auto-snapshots", "--resource-name", disk);
      assert.equal(got.resourceName, disk);
      assert.equal(got.resourceType, "Disk");
      assert.equal(got.autoSnapshots.length, 1);
      assert.equal(got.autoSnapshots[0].date, "2026-05-01");
      assert.equal(got.autoSnapshots[0].status, "Success");
      await aws("delete-auto-snapshot", "--resource-name", disk, "--date", "2026-05-01");
      assert.deepEqual((await aws("get-auto-snapshots", "--resource-name", disk)).autoSnapshots, []);
      const { stderr } = await run("aws", ["lightsail", "delete-auto-snapshot", "--resource-name", disk, "--date", "2026-05-01", "--endpoint-url", second.endpoint], { env: cliEnv() }).catch((e) => e as { stderr: string });
      assert.match(stderr, /NotFoundException/);
      await aws("delete-disk", "--disk-name", disk);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
