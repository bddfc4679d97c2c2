/**
 * skopeo (containers/image, the Debian package) against Skyport's registry: an OCI layout built offline from
 * busybox is pushed, pulled back into docker-archive and oci-archive files, and those archives prepared by
 * prepareImage. skopeo reaches the registry at 127.0.0.1:PORT (the default account and region), as `*.localhost`
 * names do not resolve through glibc here.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CreateRepositoryCommand, DescribeImagesCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { prepareImage } from "../../src/images/index.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { ecrClient, run, serviceEnv, token } from "./helpers.js";
import { writeOciLayout } from "./oci-layout.js";

const skopeo = existsSync("/usr/bin/skopeo");
let server: TestServer;
let ecr: ECRClient;
const work = mkdtempSync(join(tmpdir(), "skopeo-test-"));
before(async () => {
  server = await startServer();
  ecr = ecrClient(server);
});
after(async () => {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

const creds = async () => Buffer.from(await token(ecr), "base64").toString("utf8");
const copy = (...args: string[]) => run("skopeo", ["--insecure-policy", "copy", "--retry-times", "0", ...args], { timeout: 60_000 });

test("skopeo copy: an OCI layout pushed to ECR, pulled back to docker-archive and oci-archive, each prepared", { skip: !skopeo && "skopeo is not installed" }, async () => {
  const repo = uniqueName("skopeo");
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
  const layout = join(work, "layout");
  await writeOciLayout(layout, "v1");
  const reg = `127.0.0.1:${server.skyport.port}`;
  await copy("--dest-tls-verify=false", "--dest-creds", await creds(), `oci:${layout}:v1`, `docker://${reg}/${repo}:v1`);
  const d = await ecr.send(new DescribeImagesCommand({ repositoryName: repo }));
  assert.deepEqual(d.imageDetails?.[0]?.imageTags, ["v1"]);

  const dockerArchive = join(work, "img.tar");
  const ociArchive = join(work, "img-oci.tar");
  await copy("--src-tls-verify=false", "--src-creds", await creds(), `docker://${reg}/${repo}:v1`, `docker-archive:${dockerArchive}:${repo}:v1`);
  await copy("--src-tls-verify=false", "--src-creds", await creds(), `docker://${reg}/${repo}:v1`, `oci-archive:${ociArchive}:v1`);

  const env = serviceEnv(server);
  for (const ref of [`docker-archive:${dockerArchive}`, `oci-archive:${ociArchive}:v1`, `${reg}/${repo}:v1`]) {
    const img = await prepareImage(env, ref);
    assert.equal(readFileSync(join(img.rootfs, "etc/motd"), "utf8"), "from-oci-layout\n", ref);
    assert.deepEqual(img.config.Cmd, ["sh"], ref);
  }
});
