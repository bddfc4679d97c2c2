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

test("CreateInstances: a running instance with its own addresses, user data served only on opened ports", { skip: !can }, async () => {
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

test("StopInstance: stopping → stopped, StartInstance: pending → running, files kept", { skip: !can }, async () => {
  const inst = await launch();
  inside(pidByName(inst.name!), "echo kept > /root/note");
  await ls.send(new StopInstanceCommand({ instanceName: inst.name! }));
  await waitState(inst.name!, "stopped");
  await ls.send(new StartInstanceCommand({ instanceName: inst.name! }));
  await waitState(inst.name!, "running");
  assert.equal(inside(pidByName(inst.name!), "cat /root/note").trim(), "kept");
  await ls.send(new DeleteInstanceCommand({ instanceName: inst.name! }));
});

test("CreateInstances: an instance sees neither the host's files nor another instance's", { skip: !can }, async () => {
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

test("CreateInstances: unknown blueprint, bundle, zone or key pair are refused", { skip: !can }, async () => {
  const base = { instanceNames: [uniqueName("bad")], availabilityZone: "us-east-1a", blueprintId: "debian_12", bundleId: "nano_3_0" };
  await assert.rejects(ls.send(new CreateInstancesCommand({ ...base, blueprintId: "nope" })), InvalidInputException);
  await assert.rejects(ls.send(new CreateInstancesCommand({ ...base, bundleId: "nope" })), InvalidInputException);
  await assert.rejects(ls.send(new CreateInstancesCommand({ ...base, availabilityZone: "eu-west-1a" })), InvalidInputException);
  await assert.rejects(ls.send(new CreateInstancesCommand({ ...base, keyPairName: uniqueName("nokey") })), NotFoundException);
});

test("GetInstanceAccessDetails: the default key's private key, user and address", { skip: !can }, async () => {
  const inst = await launch();
  const { accessDetails } = await ls.send(new GetInstanceAccessDetailsCommand({ instanceName: inst.name! }));
  assert.equal(accessDetails!.protocol, "ssh");
  assert.equal(accessDetails!.ipAddress, inst.publicIpAddress);
  assert.equal(accessDetails!.username, "admin");
  assert.match(accessDetails!.privateKey!, /BEGIN RSA PRIVATE KEY/);
  await ls.send(new DeleteInstanceCommand({ instanceName: inst.name! }));
});
