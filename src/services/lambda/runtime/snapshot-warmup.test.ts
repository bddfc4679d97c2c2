/**
 * The snapshot's SDK warm-up (bootstrap/snapshot-warmup.cjs), run in a node process on the real SDK: every warmed
 * request path completes against its in-memory answers, and nothing of the building machine stays in the SDK's module
 * state — its shared config files are never read (only misses under a folder that does not exist), the environment
 * is put back, and the once-per-process Node version warning is left for the function.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const WARMUP = join(here, "bootstrap", "snapshot-warmup.cjs");

const SCRIPT = `
const fsp = require("node:fs/promises");
const reads = [];
const readFile = fsp.readFile;
fsp.readFile = (path, ...rest) => (reads.push(String(path)), readFile(path, ...rest));
const preloaded = {
  "@aws-sdk/client-dynamodb": require("@aws-sdk/client-dynamodb"),
  "@aws-sdk/lib-dynamodb": require("@aws-sdk/lib-dynamodb"),
  "@aws-sdk/client-s3": require("@aws-sdk/client-s3"),
};
const { state } = require("@aws-sdk/core/client");
require(process.argv[1]).warmup(preloaded, state).then((failed) => {
  process.stdout.write(JSON.stringify({ failed, reads, warningEmitted: state.warningEmitted, home: process.env.HOME, config: process.env.AWS_CONFIG_FILE ?? null }));
});`;

const home = mkdtempSync(join(tmpdir(), "skyport-warmup-"));
after(() => rmSync(home, { recursive: true, force: true }));

test("warm-up: every client's requests complete in memory; no shared config file of this machine is read; env and the SDK's warning latch are put back", () => {
  mkdirSync(join(home, ".aws"));
  writeFileSync(join(home, ".aws", "config"), "[default]\nregion = eu-west-3\n");
  writeFileSync(join(home, ".aws", "credentials"), "[default]\naws_access_key_id = HOSTKEY\naws_secret_access_key = hostsecret\n");
  const out = execFileSync(process.execPath, ["-e", SCRIPT, WARMUP], { cwd: join(here, "..", "..", "..", ".."), env: { PATH: process.env.PATH ?? "", HOME: home }, encoding: "utf8" });
  const r = JSON.parse(out) as { failed: string[]; reads: string[]; warningEmitted: boolean; home: string; config: string | null };
  assert.deepEqual(r.failed, []);
  assert.ok(r.reads.length > 0, "the SDK looked for its shared config files");
  assert.deepEqual(r.reads.filter((p) => !p.startsWith("/nonexistent/skyport-snapshot-warmup/")), []);
  assert.equal(r.warningEmitted, false);
  assert.equal(r.home, home);
  assert.equal(r.config, null);
});

const SPARE_SCRIPT = `
const preloaded = {
  "@aws-sdk/client-dynamodb": require("@aws-sdk/client-dynamodb"),
  "@aws-sdk/lib-dynamodb": require("@aws-sdk/lib-dynamodb"),
  "@aws-sdk/client-s3": require("@aws-sdk/client-s3"),
};
const { state } = require("@aws-sdk/core/client");
const { spareWarmup } = require(process.argv[1]);
(async () => {
  // Stopped by done(): after the yield that follows the request during which it turned true.
  let checks = 0;
  let turned = 0;
  await spareWarmup(preloaded, state, () => ++checks > 5 && (turned ||= checks), 60_000);
  const stopped = { checks, turned, home: process.env.HOME, config: process.env.AWS_CONFIG_FILE ?? null, warningEmitted: state.warningEmitted };
  // Stopped by its CPU budget, never done().
  const cpu0 = process.cpuUsage();
  let rounds = 0;
  await spareWarmup(preloaded, state, () => (rounds++, false), 150);
  const c = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ stopped, budget: { rounds, cpuMs: (c.user + c.system) / 1000 } }));
})();`;

test("a spare's warm-up: stops at the first yield after done() turns true or once its CPU budget is spent, and puts the environment back", () => {
  const out = execFileSync(process.execPath, ["-e", SPARE_SCRIPT, WARMUP], { cwd: join(here, "..", "..", "..", ".."), env: { PATH: process.env.PATH ?? "", HOME: home }, encoding: "utf8" });
  const r = JSON.parse(out) as { stopped: { checks: number; turned: number; home: string; config: string | null; warningEmitted: boolean }; budget: { rounds: number; cpuMs: number } };
  assert.equal(r.stopped.checks, r.stopped.turned, "no request after done() turned true");
  assert.equal(r.stopped.home, home);
  assert.equal(r.stopped.config, null);
  assert.equal(r.stopped.warningEmitted, false);
  assert.ok(r.budget.rounds > 0);
  assert.ok(r.budget.cpuMs >= 150, `it stopped only once its budget was spent (${r.budget.cpuMs} ms)`);
});
