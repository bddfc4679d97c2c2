/**
 * The AutoSnapshot add-on, driven by a ManualClock: daily snapshots at snapshotTimeOfDay, AWS's retention of
 * the 7 most recent, GetAutoSnapshots / DeleteAutoSnapshot, restores by date or the latest one into a new
 * instance (real files) or disk, DisableAddOn, and automatic snapshots going with their source.
 * The instance test needs root, bubblewrap and busybox (skipped otherwise); the disk test needs nothing.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  CopySnapshotCommand, CreateDiskCommand, CreateDiskFromSnapshotCommand, CreateDiskSnapshotCommand, DeleteDiskSnapshotCommand, GetDiskSnapshotCommand, GetDiskSnapshotsCommand, CreateInstancesCommand, CreateInstancesFromSnapshotCommand, DeleteAutoSnapshotCommand, DeleteDiskCommand,
  DeleteInstanceCommand, DisableAddOnCommand, EnableAddOnCommand, GetAutoSnapshotsCommand, GetDiskCommand, GetInstanceCommand, GetInstanceStateCommand,
  InvalidInputException, LightsailClient, NotFoundException,
} from "@aws-sdk/client-lightsail";
import { ManualClock } from "../../src/core/clock.js";
import type { LightsailProvider } from "../../src/services/lightsail/provider.js";
import { SnapshotOps } from "../../src/services/lightsail/snapshot-ops.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const can = process.getuid?.() === 0 && existsSync("/usr/bin/bwrap") && (existsSync("/bin/busybox") || existsSync("/usr/bin/busybox"));
const clock = new ManualClock(Date.parse("2026-03-01T05:00:00Z"));
let server: TestServer;
let ls: LightsailClient;
let provider: LightsailProvider;

before(async () => {
  server = await startServer({ "lightsail-blueprint-image": "debian_12=skyport:busybox" }, { clock });
  ls = new LightsailClient(server.clientConfig);
  provider = (await server.skyport.services.get("lightsail")) as LightsailProvider;
});
after(async () => {
  ls?.destroy();
  await server?.stop();
});

const tick = () => provider.shared.group(SnapshotOps).auto.tick();
const at = (iso: string) => clock.set(Date.parse(iso));

async function waitRunning(name: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await ls.send(new GetInstanceStateCommand({ instanceName: name }))).state!.name !== "running") {
    if (Date.now() > deadline) assert.fail(`${name} did not reach running`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The instance's root filesystem as mounted on the host (the merged overlay). */
async function rootOf(name: string): Promise<string> {
  const arn = (await ls.send(new GetInstanceCommand({ instanceName: name }))).instance!.arn!;
  return join(provider.shared.instances.dir(arn.split("/")[1]!), "root");
}

const dates = async (resourceName: string) => (await ls.send(new GetAutoSnapshotsCommand({ resourceName }))).autoSnapshots!.map((s) => s.date);

test("EnableAddOn: an instance's daily automatic snapshots, 7 kept, restored by date and latest into new instances", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  at("2026-03-01T05:00:00Z");
  const src = uniqueName("auto");
  await ls.send(new CreateInstancesCommand({ instanceNames: [src], availabilityZone: "us-east-1a", blueprintId: "debian_12", bundleId: "nano_3_0" }));
  const made: string[] = [src];
  try {
    await waitRunning(src);
    const root = await rootOf(src);
    await ls.send(new EnableAddOnCommand({ resourceName: src, addOnRequest: { addOnType: "AutoSnapshot", autoSnapshotAddOnRequest: { snapshotTimeOfDay: "07:00" } } }));
    const addOn = (await ls.send(new GetInstanceCommand({ instanceName: src }))).instance!.addOns!.find((a) => a.name === "AutoSnapshot");
    assert.deepEqual({ ...addOn }, { name: "AutoSnapshot", status: "Enabled", snapshotTimeOfDay: "07:00", nextSnapshotTimeOfDay: "07:00" });
    const empty = await ls.send(new GetAutoSnapshotsCommand({ resourceName: src }));
    assert.equal(empty.resourceName, src);
    assert.equal(empty.resourceType, "Instance");
    assert.deepEqual(empty.autoSnapshots, []);

    at("2026-03-01T06:59:00Z");
    assert.equal(tick(), 0, "not before its time");
    for (let day = 1; day <= 9; day++) {
      at(`2026-03-${String(day).padStart(2, "0")}T07:0${day === 1 ? 0 : 5}:00Z`);
      writeFileSync(join(root, "root", "state"), `day-${day}\n`);
      assert.equal(tick(), 1, `day ${day}'s snapshot`);
      assert.equal(tick(), 0, "one a day");
    }
    const list = (await ls.send(new GetAutoSnapshotsCommand({ resourceName: src }))).autoSnapshots!;
    assert.deepEqual(list.map((s) => s.date), ["2026-03-09", "2026-03-08", "2026-03-07", "2026-03-06", "2026-03-05", "2026-03-04", "2026-03-03"], "the 7 most recent, newest first");
    assert.ok(list.every((s) => s.status === "Success" && s.createdAt instanceof Date && Array.isArray(s.fromAttachedDisks)));

    const base = { availabilityZone: "us-east-1a", bundleId: "nano_3_0", sourceInstanceName: src };
    const byDate = uniqueName("restored");
    await ls.send(new CreateInstancesFromSnapshotCommand({ ...base, instanceNames: [byDate], restoreDate: "2026-03-05" }));
    made.push(byDate);
    const latest = uniqueName("latest");
    await ls.send(new CreateInstancesFromSnapshotCommand({ ...base, instanceNames: [latest], useLatestRestorableAutoSnapshot: true }));
    made.push(latest);
    await waitRunning(byDate);
    await waitRunning(latest);
    assert.equal(readFileSync(join(await rootOf(byDate), "root", "state"), "utf8"), "day-5\n");
    assert.equal(readFileSync(join(await rootOf(latest), "root", "state"), "utf8"), "day-9\n");

    await assert.rejects(ls.send(new CreateInstancesFromSnapshotCommand({ ...base, instanceNames: [uniqueName("x")], restoreDate: "2026-03-01" })), NotFoundException, "dropped by retention");
    await assert.rejects(ls.send(new CreateInstancesFromSnapshotCommand({ ...base, instanceNames: [uniqueName("x")], restoreDate: "2026-03-05", useLatestRestorableAutoSnapshot: true })), InvalidInputException);
    await assert.rejects(ls.send(new CreateInstancesFromSnapshotCommand({ ...base, instanceNames: [uniqueName("x")], restoreDate: "5 March" })), InvalidInputException);
    await assert.rejects(ls.send(new CreateInstancesFromSnapshotCommand({ ...base, instanceNames: [uniqueName("x")], instanceSnapshotName: "manual", useLatestRestorableAutoSnapshot: true })), InvalidInputException);
    await assert.rejects(ls.send(new CreateInstancesFromSnapshotCommand({ ...base, instanceNames: [uniqueName("x")] })), InvalidInputException, "neither a date nor latest");

    const del = await ls.send(new DeleteAutoSnapshotCommand({ resourceName: src, date: "2026-03-03" }));
    assert.equal(del.operations![0]!.resourceName, src);
    assert.equal((await dates(src)).length, 6);
    await assert.rejects(ls.send(new DeleteAutoSnapshotCommand({ resourceName: src, date: "2026-03-03" })), NotFoundException);
    await assert.rejects(ls.send(new DeleteAutoSnapshotCommand({ resourceName: src, date: "03/04/2026" })), InvalidInputException);

    // Disabling deletes the automatic snapshots and stops the schedule.
    await ls.send(new DisableAddOnCommand({ resourceName: src, addOnType: "AutoSnapshot" }));
    assert.deepEqual(await dates(src), []);
    assert.equal((await ls.send(new GetInstanceCommand({ instanceName: src }))).instance!.addOns!.find((a) => a.name === "AutoSnapshot")!.status, "Disabled");
    at("2026-03-10T07:05:00Z");
    assert.equal(tick(), 0);
  } finally {
    for (const n of made) await ls.send(new DeleteInstanceCommand({ instanceName: n })).catch(() => undefined);
  }
});

test("EnableAddOn: a disk's automatic snapshot restores into a new disk, CopySnapshot keeps it (and copies across regions); a time change waits for tomorrow; snapshots go with the disk", async () => {
  at("2026-04-01T10:00:00Z");
  const disk = uniqueName("data");
  await ls.send(new CreateDiskCommand({ diskName: disk, availabilityZone: "us-east-1a", sizeInGb: 8 }));
  const dirOf = (name: string) => provider.shared.db.get<{ sk: { dir: string } }>({ accountId: "000000000000", region: "us-east-1" }, "Disk", name)!.body.sk.dir;
  writeFileSync(join(dirOf(disk), "file.txt"), "on the disk\n");
  await ls.send(new EnableAddOnCommand({ resourceName: disk, addOnRequest: { addOnType: "AutoSnapshot", autoSnapshotAddOnRequest: { snapshotTimeOfDay: "12:00" } } }));
  at("2026-04-01T12:00:00Z");
  assert.equal(tick(), 1);
  assert.deepEqual(await dates(disk), ["2026-04-01"]);
  assert.equal((await ls.send(new GetAutoSnapshotsCommand({ resourceName: disk }))).resourceType, "Disk");

  // Today's is taken: a later time takes effect tomorrow (no second snapshot today).
  await ls.send(new EnableAddOnCommand({ resourceName: disk, addOnRequest: { addOnType: "AutoSnapshot", autoSnapshotAddOnRequest: { snapshotTimeOfDay: "15:00" } } }));
  const addOn = (await ls.send(new GetDiskCommand({ diskName: disk }))).disk!.addOns!.find((a) => a.name === "AutoSnapshot")!;
  assert.equal(addOn.snapshotTimeOfDay, "15:00");
  assert.equal(addOn.nextSnapshotTimeOfDay, "15:00");
  at("2026-04-01T15:00:00Z");
  assert.equal(tick(), 0);
  at("2026-04-02T14:59:00Z");
  assert.equal(tick(), 0);
  at("2026-04-02T15:00:00Z");
  assert.equal(tick(), 1);

  const copy = uniqueName("copy");
  await ls.send(new CreateDiskFromSnapshotCommand({ diskName: copy, availabilityZone: "us-east-1a", sizeInGb: 8, sourceDiskName: disk, restoreDate: "2026-04-01" }));
  assert.equal(readFileSync(join(dirOf(copy), "file.txt"), "utf8"), "on the disk\n");
  await assert.rejects(ls.send(new CreateDiskFromSnapshotCommand({ diskName: uniqueName("x"), availabilityZone: "us-east-1a", sizeInGb: 8, sourceDiskName: disk })), InvalidInputException);
  await assert.rejects(ls.send(new GetAutoSnapshotsCommand({ resourceName: uniqueName("nothing") })), NotFoundException);

  // CopySnapshot keeps an automatic snapshot as a manual one (AWS's "Keep"), and copies across regions.
  const kept1 = uniqueName("kept");
  await ls.send(new CopySnapshotCommand({ sourceResourceName: disk, restoreDate: "2026-04-01", sourceRegion: "us-east-1", targetSnapshotName: kept1 }));
  const manual = (await ls.send(new GetDiskSnapshotCommand({ diskSnapshotName: kept1 }))).diskSnapshot!;
  assert.equal(manual.isFromAutoSnapshot, true);
  assert.equal(manual.fromDiskName, disk);
  assert.equal(manual.state, "completed");
  await assert.rejects(ls.send(new CopySnapshotCommand({ sourceResourceName: disk, useLatestRestorableAutoSnapshot: true, sourceRegion: "us-east-1", targetSnapshotName: kept1 })), InvalidInputException, "name taken");
  await assert.rejects(ls.send(new CopySnapshotCommand({ sourceSnapshotName: kept1, restoreDate: "2026-04-01", sourceRegion: "us-east-1", targetSnapshotName: uniqueName("x") })), InvalidInputException);
  const west = new LightsailClient({ ...server.clientConfig, region: "us-west-2" });
  try {
    const far = uniqueName("far");
    const op = await west.send(new CopySnapshotCommand({ sourceSnapshotName: kept1, sourceRegion: "us-east-1", targetSnapshotName: far }));
    assert.equal(op.operations![0]!.location!.regionName, "us-west-2");
    const copied = (await west.send(new GetDiskSnapshotCommand({ diskSnapshotName: far }))).diskSnapshot!;
    assert.match(copied.arn!, /^arn:aws:lightsail:us-west-2:/);
    await assert.rejects(ls.send(new GetDiskSnapshotCommand({ diskSnapshotName: far })), NotFoundException, "not in the source region");
    await west.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: far }));
  } finally {
    west.destroy();
  }
  const fromKept = uniqueName("fromkept");
  await ls.send(new CreateDiskFromSnapshotCommand({ diskName: fromKept, availabilityZone: "us-east-1a", sizeInGb: 8, diskSnapshotName: kept1 }));
  assert.equal(readFileSync(join(dirOf(fromKept), "file.txt"), "utf8"), "on the disk\n");

  // Deleting the source deletes its automatic snapshots (rows and copies) at the next pass; kept copies stay.
  const kept = provider.shared.db.all<{ resourceName: string; sk: { dir: string } }>("AutoSnapshot").filter((r) => r.body.resourceName === disk);
  assert.equal(kept.length, 2);
  await ls.send(new DeleteDiskCommand({ diskName: disk }));
  tick();
  assert.equal(provider.shared.db.all<{ resourceName: string }>("AutoSnapshot").filter((r) => r.body.resourceName === disk).length, 0);
  for (const r of kept) assert.equal(existsSync(r.body.sk.dir), false);
  assert.equal((await ls.send(new GetDiskSnapshotCommand({ diskSnapshotName: kept1 }))).diskSnapshot!.name, kept1);
  for (const d of [copy, fromKept]) await ls.send(new DeleteDiskCommand({ diskName: d }));
  await ls.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: kept1 }));
});

test("CreateDiskSnapshot: /_skyport/reset leaves no snapshot copy behind", async () => {
  const disk = uniqueName("tmp");
  await ls.send(new CreateDiskCommand({ diskName: disk, availabilityZone: "us-east-1a", sizeInGb: 8 }));
  await ls.send(new CreateDiskSnapshotCommand({ diskName: disk, diskSnapshotName: uniqueName("s") }));
  const snapshots = join(server.skyport.config.dataDir, "lightsail", "snapshots");
  assert.ok(existsSync(snapshots));
  assert.equal((await fetch(`${server.endpoint}/_skyport/reset`, { method: "POST" })).status, 200);
  assert.equal(existsSync(snapshots), false);
  assert.deepEqual((await ls.send(new GetDiskSnapshotsCommand({}))).diskSnapshots, []);
});
