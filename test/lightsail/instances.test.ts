/**
 * Lightsail instances that really run: a sandbox from the blueprint image (here skyport:busybox, built from
 * the host's busybox), user data run once, HTTP only on opened ports, stop/start keeping files, isolation.
 * Needs root, bubblewrap and busybox (as the acceptance script installs); skipped otherwise.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { after, before, test } from "node:test";
import {
  LightsailClient, CreateInstancesCommand, GetInstanceCommand, GetInstanceStateCommand, OpenInstancePublicPortsCommand,
  CloseInstancePublicPortsCommand, StopInstanceCommand, StartInstanceCommand, DeleteInstanceCommand, GetInstancePortStatesCommand,
  PutInstancePublicPortsCommand, GetInstanceAccessDetailsCommand, NotFoundException, InvalidInputException, type Instance,
  AllocateStaticIpCommand, AttachStaticIpCommand, DetachStaticIpCommand, GetStaticIpCommand, ReleaseStaticIpCommand,
  CreateDiskCommand, AttachDiskCommand, GetDiskCommand, DetachDiskCommand, DeleteDiskCommand, CreateInstanceSnapshotCommand,
  CreateInstancesFromSnapshotCommand, GetInstanceSnapshotCommand, DeleteInstanceSnapshotCommand, GetCostEstimateCommand,
  GetInstanceMetricDataCommand,
} from "@aws-sdk/client-lightsail";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const can = process.getuid?.() === 0 && existsSync("/usr/bin/bwrap") && (existsSync("/bin/busybox") || existsSync("/usr/bin/busybox"));
let server: TestServer;
let ls: LightsailClient;
before(async () => {
  if (!can) return;
  server = await startServer({ "lightsail-blueprint-image": "debian_12=skyport:busybox,nginx=skyport:busybox" });
  ls = new LightsailClient(server.clientConfig);
});
after(() => server?.stop());

/** Polls GetInstanceState until `state` (the transition runs in the background). */
async function waitState(name: string, state: string): Promise<void> {
  for (;;) {
    const s = await ls.send(new GetInstanceStateCommand({ instanceName: name }));
    if (s.state!.name === state) return;
    await new Promise((r) => setImmediate(r));
  }
}

/** GET http://ip:port/path → body, or the error code (ECONNREFUSED, ECONNRESET). */
function get(ip: string, port: number, path = "/"): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: ip, port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d)).on("end", () => resolve(body));
    });
    req.on("error", (e) => resolve(`error:${(e as NodeJS.ErrnoException).code}`));
    req.end();
  });
}

/** Runs a command inside a running instance (its namespaces) and returns stdout. */
function inside(pid: number, cmd: string): string {
  return execFileSync("nsenter", ["-t", String(pid), "-m", "-p", "-n", "-u", "/bin/sh", "-c", cmd], { encoding: "utf8" });
}

async function launch(userData?: string): Promise<Instance> {
  const name = uniqueName("web");
  const out = await ls.send(new CreateInstancesCommand({ instanceNames: [name], availabilityZone: "us-east-1a", blueprintId: "debian_12", bundleId: "nano_3_0", userData }));
  assert.equal(out.operations![0]!.operationType, "CreateInstance");
  await waitState(name, "running");
  return (await ls.send(new GetInstanceCommand({ instanceName: name }))).instance!;
}

function pidByName(name: string): number {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.includes("bwrap") && l.includes(`--hostname ${name} `) && !l.includes("ps -eo"));
  assert.ok(line, `no sandbox for ${name}`);
  // the sandbox's pid 1 is bwrap's child: the process whose parent is this bwrap
  const bwrapPid = Number(line.trim().split(/\s+/)[0]);
  const kids = execFileSync("ps", ["-o", "pid=", "--ppid", String(bwrapPid)], { encoding: "utf8" }).trim().split(/\s+/).map(Number);
  return kids[0]!;
}

test("CreateInstances: a running instance with its own addresses, user data served only on opened ports", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const inst = await launch("#!/bin/sh\nmkdir -p /www\necho hello-lightsail > /www/index.html\nhttpd -p 8080 -h /www\n");
  assert.match(inst.publicIpAddress!, /^127\.\d+\.\d+\.\d+$/);
  assert.match(inst.privateIpAddress!, /^172\.26\.\d+\.\d+$/);
  assert.equal(inst.state!.name, "running");
  assert.equal(inst.state!.code, 16);
  assert.deepEqual(inst.networking!.ports!.map((p) => p.fromPort), [22, 80]);
  // not open yet: refused
  assert.equal(await get(inst.publicIpAddress!, 8080), "error:ECONNREFUSED");
  await ls.send(new OpenInstancePublicPortsCommand({ instanceName: inst.name!, portInfo: { fromPort: 8080, toPort: 8080, protocol: "tcp" } }));
  let body = "";
  for (let i = 0; i < 200 && !body.includes("hello-lightsail"); i++) body = await get(inst.publicIpAddress!, 8080); // user data runs in the background
  assert.match(body, /hello-lightsail/);
  const states = await ls.send(new GetInstancePortStatesCommand({ instanceName: inst.name! }));
  assert.ok(states.portStates!.some((p) => p.fromPort === 8080 && p.state === "open"));
  // a rule that admits only another network resets the connection
  await ls.send(new PutInstancePublicPortsCommand({ instanceName: inst.name!, portInfos: [{ fromPort: 8080, toPort: 8080, protocol: "tcp", cidrs: ["10.0.0.0/8"] }] }));
  assert.match(await get(inst.publicIpAddress!, 8080), /^error:/);
  await ls.send(new CloseInstancePublicPortsCommand({ instanceName: inst.name!, portInfo: { fromPort: 8080, toPort: 8080, protocol: "tcp" } }));
  assert.equal(await get(inst.publicIpAddress!, 8080), "error:ECONNREFUSED");
  await ls.send(new DeleteInstanceCommand({ instanceName: inst.name! }));
  await assert.rejects(ls.send(new GetInstanceCommand({ instanceName: inst.name! })), NotFoundException);
});

test("StopInstance: stopping → stopped, StartInstance: pending → running, files kept", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const inst = await launch();
  inside(pidByName(inst.name!), "echo kept > /root/note");
  await ls.send(new StopInstanceCommand({ instanceName: inst.name! }));
  await waitState(inst.name!, "stopped");
  await ls.send(new StartInstanceCommand({ instanceName: inst.name! }));
  await waitState(inst.name!, "running");
  assert.equal(inside(pidByName(inst.name!), "cat /root/note").trim(), "kept");
  await ls.send(new DeleteInstanceCommand({ instanceName: inst.name! }));
});

test("CreateInstances: an instance sees neither the host's files nor another instance's", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const [a, b] = [await launch(), await launch()];
  inside(pidByName(a.name!), "echo secret-a > /root/a.txt");
  const pidB = pidByName(b.name!);
  const exists = (path: string) => inside(pidB, `test -e ${path} && echo yes || echo no`).trim();
  assert.equal(exists("/root/a.txt"), "no");
  assert.equal(inside(pidB, "find / -xdev -name a.txt 2>/dev/null | wc -l").trim(), "0");
  assert.equal(exists(process.cwd()), "no", "the host's files are not there");
  assert.equal(exists("/etc/shadow"), "no");
  assert.equal(inside(pidB, "hostname").trim(), b.name);
  assert.ok(!inside(pidB, "ps -o args").includes("node"), "host processes are invisible");
  for (const i of [a, b]) await ls.send(new DeleteInstanceCommand({ instanceName: i.name! }));
});

test("CreateInstances: unknown blueprint, bundle, zone or key pair are refused", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const base = { instanceNames: [uniqueName("bad")], availabilityZone: "us-east-1a", blueprintId: "debian_12", bundleId: "nano_3_0" };
  await assert.rejects(ls.send(new CreateInstancesCommand({ ...base, blueprintId: "nope" })), InvalidInputException);
  await assert.rejects(ls.send(new CreateInstancesCommand({ ...base, bundleId: "nope" })), InvalidInputException);
  await assert.rejects(ls.send(new CreateInstancesCommand({ ...base, availabilityZone: "eu-west-1a" })), InvalidInputException);
  await assert.rejects(ls.send(new CreateInstancesCommand({ ...base, keyPairName: uniqueName("nokey") })), NotFoundException);
});

test("GetInstanceAccessDetails: a temporary private key and its certificate, user and address", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const inst = await launch();
  const { accessDetails } = await ls.send(new GetInstanceAccessDetailsCommand({ instanceName: inst.name! }));
  assert.equal(accessDetails!.protocol, "ssh");
  assert.equal(accessDetails!.ipAddress, inst.publicIpAddress);
  assert.equal(accessDetails!.username, "admin");
  assert.match(accessDetails!.privateKey!, /BEGIN OPENSSH PRIVATE KEY/);
  assert.match(accessDetails!.certKey!, /^ssh-ed25519-cert-v01@openssh\.com AAAA/);
  assert.ok(accessDetails!.expiresAt!.getTime() > Date.now());
  await ls.send(new DeleteInstanceCommand({ instanceName: inst.name! }));
});

test("AttachStaticIp: the instance moves to the static address, its open ports follow", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const inst = await launch("#!/bin/sh\nmkdir -p /www\necho static-ok > /www/index.html\nhttpd -p 8081 -h /www\n");
  await ls.send(new OpenInstancePublicPortsCommand({ instanceName: inst.name!, portInfo: { fromPort: 8081, toPort: 8081, protocol: "tcp" } }));
  const ipName = uniqueName("ip");
  await ls.send(new AllocateStaticIpCommand({ staticIpName: ipName }));
  const { staticIp } = await ls.send(new GetStaticIpCommand({ staticIpName: ipName }));
  assert.match(staticIp!.ipAddress!, /^127\./);
  await ls.send(new AttachStaticIpCommand({ staticIpName: ipName, instanceName: inst.name! }));
  const moved = (await ls.send(new GetInstanceCommand({ instanceName: inst.name! }))).instance!;
  assert.equal(moved.publicIpAddress, staticIp!.ipAddress);
  assert.equal(moved.isStaticIp, true);
  let body = "";
  for (let i = 0; i < 200 && !body.includes("static-ok"); i++) body = await get(staticIp!.ipAddress!, 8081);
  assert.match(body, /static-ok/);
  assert.equal(await get(inst.publicIpAddress!, 8081), "error:ECONNREFUSED");
  await ls.send(new DetachStaticIpCommand({ staticIpName: ipName }));
  const after = (await ls.send(new GetInstanceCommand({ instanceName: inst.name! }))).instance!;
  assert.notEqual(after.publicIpAddress, staticIp!.ipAddress);
  assert.equal(after.isStaticIp, false);
  await ls.send(new ReleaseStaticIpCommand({ staticIpName: ipName }));
  await assert.rejects(ls.send(new GetStaticIpCommand({ staticIpName: ipName })), NotFoundException);
  await ls.send(new DeleteInstanceCommand({ instanceName: inst.name! }));
});

test("AttachDisk: a directory mounted at the disk path, kept after detaching", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const inst = await launch();
  const disk = uniqueName("disk");
  await ls.send(new CreateDiskCommand({ diskName: disk, availabilityZone: "us-east-1a", sizeInGb: 8 }));
  await ls.send(new AttachDiskCommand({ diskName: disk, instanceName: inst.name!, diskPath: "/data" }));
  assert.equal((await ls.send(new GetDiskCommand({ diskName: disk }))).disk!.attachedTo, inst.name);
  await waitState(inst.name!, "running");
  let pid = 0;
  for (let i = 0; i < 200; i++) { // the attach reboots the running instance
    try { pid = pidByName(inst.name!); if (inside(pid, "grep -c ' /data ' /proc/mounts || true").trim() !== "0") break; } catch { /* rebooting */ }
    await new Promise((r) => setImmediate(r));
  }
  inside(pid, "echo on-disk > /data/file");
  await ls.send(new DetachDiskCommand({ diskName: disk }));
  const other = await launch();
  await ls.send(new AttachDiskCommand({ diskName: disk, instanceName: other.name!, diskPath: "/mnt/d" }));
  let text = "";
  for (let i = 0; i < 400 && text !== "on-disk"; i++) {
    try { text = inside(pidByName(other.name!), "cat /mnt/d/file 2>/dev/null || true").trim(); } catch { /* rebooting */ }
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(text, "on-disk");
  await assert.rejects(ls.send(new DeleteDiskCommand({ diskName: disk })), InvalidInputException);
  await ls.send(new DetachDiskCommand({ diskName: disk }));
  await ls.send(new DeleteDiskCommand({ diskName: disk }));
  for (const i of [inst, other]) await ls.send(new DeleteInstanceCommand({ instanceName: i.name! }));
});

test("CreateInstancesFromSnapshot: a new instance with the snapshot's files", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const inst = await launch();
  inside(pidByName(inst.name!), "echo from-snapshot > /root/state.txt");
  const snap = uniqueName("snap");
  await ls.send(new CreateInstanceSnapshotCommand({ instanceName: inst.name!, instanceSnapshotName: snap }));
  const got = (await ls.send(new GetInstanceSnapshotCommand({ instanceSnapshotName: snap }))).instanceSnapshot!;
  assert.equal(got.state, "available");
  assert.equal(got.fromInstanceName, inst.name);
  assert.equal(got.fromBlueprintId, "debian_12");
  inside(pidByName(inst.name!), "echo changed-later > /root/state.txt");
  const copy = uniqueName("copy");
  await ls.send(new CreateInstancesFromSnapshotCommand({ instanceNames: [copy], instanceSnapshotName: snap, availabilityZone: "us-east-1b", bundleId: "micro_3_0" }));
  await waitState(copy, "running");
  assert.equal(inside(pidByName(copy), "cat /root/state.txt").trim(), "from-snapshot");
  await ls.send(new DeleteInstanceSnapshotCommand({ instanceSnapshotName: snap }));
  for (const n of [inst.name!, copy]) await ls.send(new DeleteInstanceCommand({ instanceName: n }));
});

test("GetCostEstimate: bundle price per hour (price / 744) for the hours the instance ran", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const inst = await launch();
  const now = Date.now();
  const out = await ls.send(new GetCostEstimateCommand({ resourceName: inst.name!, startTime: new Date(now - 86400_000), endTime: new Date(now + 3600_000) }));
  const est = out.resourcesBudgetEstimate![0]!;
  assert.equal(est.resourceName, inst.name);
  assert.equal(est.resourceType, "Instance");
  const results = est.costEstimates![0]!.resultsByTime!;
  const hours = results.reduce((a, r) => a + r.unit!, 0);
  const cost = results.reduce((a, r) => a + r.usageCost!, 0);
  assert.ok(hours > 0 && hours <= 1, `hours ${hours}`);
  assert.ok(Math.abs(cost - (hours * 5) / 744) < 1e-4, `cost ${cost} for ${hours} h of nano_3_0 ($5)`);
  assert.ok(results.every((r) => r.currency === "USD" && String(r.pricingUnit) === "Hours"));
  await ls.send(new DeleteInstanceCommand({ instanceName: inst.name! }));
});

test("GetInstanceMetricData: CPUUtilization measured from the instance's own processes", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  // bounded busy work by the instance's own processes (user data), then a marker file
  const inst = await launch("#!/bin/sh\ni=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; touch /tmp/busy-done\n");
  const before = Date.now();
  const pid = pidByName(inst.name!);
  while (inside(pid, "test -e /tmp/busy-done && echo y || echo n").trim() !== "y") await new Promise((r) => setImmediate(r));
  const out = await ls.send(new GetInstanceMetricDataCommand({ instanceName: inst.name!, metricName: "CPUUtilization", period: 60, startTime: new Date(before - 600_000), endTime: new Date(Date.now() + 600_000), unit: "Percent", statistics: ["Maximum", "SampleCount"] }));
  assert.equal(out.metricName, "CPUUtilization");
  assert.ok(out.metricData!.some((d) => d.maximum! > 0), JSON.stringify(out.metricData));
  assert.ok(out.metricData!.every((d) => d.unit === "Percent"));
  await assert.rejects(ls.send(new GetInstanceMetricDataCommand({ instanceName: inst.name!, metricName: "Nope" as "CPUUtilization", period: 60, startTime: new Date(before), endTime: new Date(), unit: "Percent", statistics: ["Maximum"] })), InvalidInputException);
  await ls.send(new DeleteInstanceCommand({ instanceName: inst.name! }));
});
