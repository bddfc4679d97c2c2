/**
 * `skyport image import FILE --tag REPO:TAG` (the CLI) and prepareImage on archives: an OCI layout built offline
 * from busybox, tarred into an oci-archive, imported into a data directory that a server then serves.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { prepareImage } from "../../src/images/index.js";
import { startServer } from "../helpers/skyport.js";
import { ecrClient, serviceEnv } from "./helpers.js";
import { writeOciLayout } from "./oci-layout.js";

const root = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "image-import-"));
after(() => rmSync(work, { recursive: true, force: true }));
const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { encoding: "utf8", timeout: 60_000 });

test("skyport image import: an oci-archive lands in ECR as repo:tag and prepares from its ECR URI", async () => {
  const layout = join(work, "layout");
  const digest = await writeOciLayout(layout, "v1");
  const archive = join(work, "busy-oci.tar");
  execFileSync("tar", ["-cf", archive, "-C", layout, "."]);
  const data = join(work, "data");
  const r = cli("image", "import", archive, "--tag", "imported/busy:v1", "--data-dir", data);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`imported oci-archive .* \\(${digest}\\) as 000000000000\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/imported/busy:v1`));
  const server = await startServer({ ephemeral: false, "data-dir": data });
  try {
    const d = await ecrClient(server).send(new DescribeImagesCommand({ repositoryName: "imported/busy" }));
    assert.deepEqual(d.imageDetails?.[0]?.imageTags, ["v1"]);
    const img = await prepareImage(serviceEnv(server), "000000000000.dkr.ecr.us-east-1.amazonaws.com/imported/busy:v1");
    assert.equal(img.digest, digest);
    assert.equal(readFileSync(join(img.rootfs, "etc/motd"), "utf8"), "from-oci-layout\n");
    const direct = await prepareImage(serviceEnv(server), `oci-archive:${archive}:v1`);
    assert.equal(direct.rootfs, img.rootfs);
  } finally {
    await server.stop();
  }
});

test("skyport image import: a file that is not an image archive fails with one plain line", () => {
  const bad = join(work, "bad.tar");
  execFileSync("tar", ["-cf", bad, "-C", root, "package.json"]);
  const r = cli("image", "import", bad, "--data-dir", join(work, "data2"));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot import .*bad\.tar: no manifest\.json in the archive/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test("prepareImage: a reference to an unreachable remote registry fails fast with CannotPullContainerError", async () => {
  const server = await startServer();
  try {
    await assert.rejects(prepareImage(serviceEnv(server), "registry.invalid/nothing/here:v1"), (e: Error) => /^CannotPullContainerError: registry\.invalid\/nothing\/here:v1: cannot reach registry registry\.invalid/.test(e.message));
    await assert.rejects(prepareImage(serviceEnv(server), "oci-archive:/no/such/file.tar"), /CannotPullContainerError: .*archive \/no\/such\/file\.tar not found/);
    await assert.rejects(prepareImage(serviceEnv(server), "Not A Reference"), /CannotPullContainerError: invalid/);
  } finally {
    await server.stop();
  }
});
