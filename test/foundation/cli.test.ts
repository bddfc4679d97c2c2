/**
 * The `skyport` command: validation errors are one plain line and a non-zero exit (never a stack trace);
 * start serves, status reports, SIGTERM stops cleanly. Runs the CLI from source through tsx.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { freePort } from "../helpers/process-server.js";

const root = new URL("../..", import.meta.url).pathname;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 30_000 });

const ERRORS: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
  ["bad port", ["start", "--port", "99999"], {}, /--port \(SKYPORT_PORT\) must be a whole number from 0 to 65535, not "99999"/],
  ["bad port from the environment", ["start"], { SKYPORT_PORT: "abc" }, /must be a whole number/],
  ["bad region", ["start", "--region", "mars"], {}, /--region must look like an AWS region/],
  ["bad log level", ["start", "--log-level", "loud"], {}, /--log-level must be one of/],
  ["unknown flag", ["start", "--nope"], {}, /Unknown option '--nope'/],
  ["unknown command", ["launch"], {}, /unknown command "launch"/],
];

for (const [name, args, env, message] of ERRORS) {
  test(`skyport start: ${name} → plain message, exit 1`, () => {
    const r = cli(args, env);
    assert.equal(r.status, 1);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  });
}

test("skyport start: data dir that is a file → plain message, exit 1", () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-cli-"));
  const file = join(dir, "f");
  writeFileSync(file, "x");
  const r = cli(["start", "--port", "0", "--data-dir", file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /data dir .* exists and is not a directory/);
  rmSync(dir, { recursive: true, force: true });
});

test("skyport start: port in use → plain message, exit 1", async () => {
  const blocker = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => blocker.once("listening", r));
  const port = (blocker.address() as { port: number }).port;
  const r = cli(["start", "--port", String(port), "--ephemeral"]);
  blocker.close();
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`port ${port} on 127.0.0.1 is already in use`));
});

test("skyport start/status: banner, status output, SIGTERM stops cleanly and keeps the data dir", async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "skyport-cli-"));
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "start", "--port", String(port), "--data-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.resume(); // request log lines: an unread pipe would block the server once full
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000);
      child.stdout.on("data", () => {
        if (out.includes("ready on")) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    assert.match(out, new RegExp(`Skyport \\S+ ready on http://127.0.0.1:${port}`));
    assert.match(out, /services: .*sts/);
    const status = spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "status", "--port", String(port)], { encoding: "utf8" });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /running for \d+ s/);
    assert.match(status.stdout, /sts\s+available/);
  } finally {
    child.kill("SIGTERM");
  }
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  assert.equal(code, 0);
  assert.ok(existsSync(join(dir, "skyport.db")));
  rmSync(dir, { recursive: true, force: true });
});

test("skyport start: SIGTERM while the server is still starting → exit 0, nothing left in the temp dir", async () => {
  // The ephemeral data dir is made first thing in the start; the signal is sent as soon as it appears.
  let duringStart = 0;
  for (let attempt = 0; attempt < 5 && duringStart < 2; attempt++) {
    const tmp = mkdtempSync(join(tmpdir(), "skyport-cli-"));
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "start", "--port", "0", "--ephemeral"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TMPDIR: tmp } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    while (child.exitCode === null && !readdirSync(tmp).some((n) => n.startsWith("skyport-"))) await new Promise((r) => setTimeout(r, 1));
    const beforeBanner = !out.includes("ready on");
    child.kill("SIGTERM");
    const code = await exited;
    const left = readdirSync(tmp).filter((n) => n.startsWith("skyport")); // tsx keeps its cache here too
    rmSync(tmp, { recursive: true, force: true });
    assert.equal(code, 0, out);
    assert.deepEqual(left, [], "the stopped server removed everything it made");
    if (beforeBanner) duringStart++;
  }
  assert.ok(duringStart >= 2, `the signal reached ${duringStart} of 5 servers before they were ready`);
});

test("skyport status: nothing running → exit 1 with a plain message", async () => {
  const port = await freePort();
  const r = cli(["status", "--port", String(port)]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no Skyport answers at http:\/\/127\.0\.0\.1:\d+/);
});

test("an ephemeral server stopped right after it starts removes its whole data dir (openssl may still be making the certificate)", async () => {
  const { startServer } = await import("../helpers/skyport.js");
  for (let i = 0; i < 5; i++) {
    const s = await startServer();
    const dir = s.skyport.config.dataDir;
    await s.stop();
    assert.equal(existsSync(dir), false, `${dir} is gone`);
  }
});
