/**
 * Lightsail through the real `aws` CLI, and instances resumed when Skyport restarts on the same data dir.
 * Needs root, bubblewrap and busybox; skipped otherwise.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { test } from "node:test";
import { promisify } from "node:util";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
const can = process.getuid?.() === 0 && existsSync("/usr/bin/bwrap") && (existsSync("/bin/busybox") || existsSync("/usr/bin/busybox"));
const IMAGES = "debian_12=skyport:busybox";

const awsFor = (server: TestServer) => async (...args: string[]) => {
  const { stdout } = await run("aws", ["lightsail", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  return stdout.trim() ? JSON.parse(stdout) : {};
};

async function waitRunning(aws: ReturnType<typeof awsFor>, name: string): Promise<void> {
  while ((await aws("get-instance-state", "--instance-name", name)).state.name !== "running") await new Promise((r) => setImmediate(r));
}

function get(ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: ip, port, path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d)).on("end", () => resolve(body));
    });
    req.on("error", (e) => resolve(`error:${(e as NodeJS.ErrnoException).code}`));
    req.end();
  });
}

test("aws lightsail: bundles, key pair, create-instances → running, ports, delete", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const server = await startServer({ "lightsail-blueprint-image": IMAGES });
  try {
    const aws = awsFor(server);
    const bundles = await aws("get-bundles");
    assert.equal(bundles.bundles.find((b: { bundleId: string }) => b.bundleId === "micro_3_0").price, 7);
    const kp = uniqueName("k");
    const created = await aws("create-key-pair", "--key-pair-name", kp);
    assert.match(created.privateKeyBase64, /PRIVATE KEY/);
    const name = uniqueName("cli");
    const out = await aws("create-instances", "--instance-names", name, "--availability-zone", "us-east-1a", "--blueprint-id", "debian_12", "--bundle-id", "nano_3_0", "--key-pair-name", kp, "--user-data", "#!/bin/sh\nmkdir -p /w; echo cli-ok > /w/index.html; httpd -p 8090 -h /w\n");
    assert.equal(out.operations[0].status, "Succeeded");
    await waitRunning(aws, name);
    const inst = (await aws("get-instance", "--instance-name", name)).instance;
    assert.equal(inst.sshKeyName, kp);
    await aws("open-instance-public-ports", "--instance-name", name, "--port-info", "fromPort=8090,toPort=8090,protocol=tcp");
    let body = "";
    for (let i = 0; i < 200 && !body.includes("cli-ok"); i++) body = await get(inst.publicIpAddress, 8090);
    assert.match(body, /cli-ok/);
    await aws("delete-instance", "--instance-name", name);
    const { stderr } = await run("aws", ["lightsail", "get-instance", "--instance-name", name, "--endpoint-url", server.endpoint], { env: cliEnv() }).catch((e) => e as { stderr: string });
    assert.match(stderr, /NotFoundException/);
  } finally {
    await server.stop();
  }
});

test("CreateInstances: a running instance is started again when Skyport restarts on its data dir, files kept, user data not re-run", { skip: !can && "needs root, bubblewrap and busybox-static (.ci/run installs them)" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-ls-"));
  const opts = { "lightsail-blueprint-image": IMAGES, ephemeral: false, "data-dir": dir };
  const name = uniqueName("boot");
  try {
    const first = await startServer(opts);
    try {
      const aws = awsFor(first);
      await aws("create-instances", "--instance-names", name, "--availability-zone", "us-east-1a", "--blueprint-id", "debian_12", "--bundle-id", "nano_3_0", "--user-data", "#!/bin/sh\necho run >> /root/user-data-runs\n");
      await waitRunning(aws, name);
      // user data runs in the background: wait for its file in the instance's own layer
      const { readdirSync } = await import("node:fs");
      const ran = () => readdirSync(join(dir, "lightsail", "instances")).some((id) => existsSync(join(dir, "lightsail", "instances", id, "upper", "root", "user-data-runs")));
      while (!ran()) await new Promise((r) => setImmediate(r));
    } finally {
      await first.stop();
    }
    const second = await startServer(opts);
    try {
      const aws = awsFor(second);
      await waitRunning(aws, name); // resumed at boot, without any start call
      const inst = (await aws("get-instance", "--instance-name", name)).instance;
      assert.equal(inst.state.name, "running");
      // the instance's own filesystem (the overlay's upper layer) holds one user-data run
      const upper = (await import("node:fs")).readdirSync(join(dir, "lightsail", "instances"));
      assert.equal(upper.length, 1);
      const runs = (await import("node:fs")).readFileSync(join(dir, "lightsail", "instances", upper[0]!, "upper", "root", "user-data-runs"), "utf8");
      assert.equal(runs, "run\n");
      await aws("delete-instance", "--instance-name", name);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
