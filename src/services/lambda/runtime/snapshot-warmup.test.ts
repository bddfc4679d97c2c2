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
