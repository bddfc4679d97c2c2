/**
 * The OCI distribution API of Skyport's ECR, driven by raw HTTP (the distribution spec's requests) and by the
 * acceptance's python pusher; images read back with the ECR SDK and prepared with prepareImage.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { prepareImage } from "../../src/images/index.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { ecrClient, pushBusybox, registry, serviceEnv, token } from "./helpers.js";

let server: TestServer;
let ecr: ECRClient;
before(async () => {
  server = await startServer();
  ecr = ecrClient(server);
});
after(() => server.stop());

const sha = (b: Buffer | string) => "sha256:" + createHash("sha256").update(b).digest("hex");
const env = () => serviceEnv(server);

test("GET /v2/: 401 with a Basic challenge without credentials, 200 with them", async () => {
  const anon = await registry(server, "GET", "/v2/", { auth: null });
  assert.equal(anon.status, 401);
  assert.match(String(anon.headers["www-authenticate"]), /^Basic realm="/);
  assert.equal(JSON.parse(anon.body.toString()).errors[0].code, "UNAUTHORIZED");
  assert.equal((await registry(server, "GET", "/v2/")).status, 200);
});

test("PUT manifest: an image pushed by the acceptance's pusher is described by DescribeImages and served back", async () => {
  const repo = uniqueName("busy");
  const digest = await pushBusybox(server, ecr, repo, "v1");
  const d = await ecr.send(new DescribeImagesCommand({ repositoryName: repo }));
  assert.equal(d.imageDetails?.length, 1);
  assert.deepEqual(d.imageDetails![0]!.imageTags, ["v1"]);
  assert.equal(d.imageDetails![0]!.imageDigest, digest);
  assert.equal(d.imageDetails![0]!.imageManifestMediaType, "application/vnd.oci.image.manifest.v1+json");
  assert.ok(d.imageDetails![0]!.imageSizeInBytes! > 100_000);
  const m = await registry(server, "GET", `/v2/${repo}/manifests/v1`, { headers: { Accept: "application/vnd.oci.image.manifest.v1+json" } });
  assert.equal(m.status, 200);
  assert.equal(m.headers["docker-content-digest"], digest);
  assert.equal(sha(m.body), digest);
  const got = await ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: "v1" }] }));
  assert.equal(got.images![0]!.imageManifest, m.body.toString());
});

test("prepareImage: an ECR URI with the amazonaws.com host unpacks the pushed image with its config", async () => {
  const repo = uniqueName("prep");
  const digest = await pushBusybox(server, ecr, repo, "v1");
  const [a, b] = await Promise.all([prepareImage(env(), `000000000000.dkr.ecr.us-east-1.amazonaws.com/${repo}:v1`), prepareImage(env(), `${repo}:v1`)]);
  assert.equal(a.digest, digest);
  assert.equal(a.rootfs, b.rootfs);
  assert.ok(existsSync(join(a.rootfs, "bin/busybox")));
  assert.equal(readFileSync(join(a.rootfs, "etc/hosts"), "utf8"), "127.0.0.1 localhost\n");
  assert.deepEqual(a.config.Env, ["PATH=/bin", "IMAGE_VAR=from-image"]);
  assert.equal(a.config.WorkingDir, "/work");
  await assert.rejects(prepareImage(env(), `000000000000.dkr.ecr.us-east-1.amazonaws.com/${repo}:nope`), /CannotPullContainerError: .* not found/);
  await assert.rejects(prepareImage(env(), `${repo}:nope`), /CannotPullContainerError: .* not found: manifest unknown/);
});

test("PATCH upload: a chunked upload with Content-Range, then PUT ?digest= completes it", async () => {
  const repo = uniqueName("chunk");
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
  const data = Buffer.from("x".repeat(5000) + "y".repeat(3000));
  const start = await registry(server, "POST", `/v2/${repo}/blobs/uploads/`);
  assert.equal(start.status, 202);
  const loc = String(start.headers.location);
  assert.ok(start.headers["docker-upload-uuid"]);
  const p1 = await registry(server, "PATCH", loc, { body: data.subarray(0, 5000), headers: { "Content-Range": "0-4999", "Content-Type": "application/octet-stream" } });
  assert.equal(p1.status, 202);
  assert.equal(p1.headers.range, "0-4999");
  const wrong = await registry(server, "PATCH", loc, { body: data.subarray(5000), headers: { "Content-Range": "10-20" } });
  assert.equal(wrong.status, 416);
  const done = await registry(server, "PUT", `${loc}?digest=${sha(data)}`, { body: data.subarray(5000) });
  assert.equal(done.status, 201);
  assert.equal(done.headers["docker-content-digest"], sha(data));
  const got = await registry(server, "GET", `/v2/${repo}/blobs/${sha(data)}`);
  assert.deepEqual(got.body, data);
  const part = await registry(server, "GET", `/v2/${repo}/blobs/${sha(data)}`, { headers: { Range: "bytes=4998-5001" } });
  assert.equal(part.status, 206);
  assert.equal(part.body.toString(), "xxyy");
});

test("POST upload: a monolithic upload whose bytes do not match the digest is refused with DIGEST_INVALID", async () => {
  const repo = uniqueName("bad");
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
  const r = await registry(server, "POST", `/v2/${repo}/blobs/uploads/?digest=${sha("other")}`, { body: "content" });
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body.toString()).errors[0].code, "DIGEST_INVALID");
  const h = await registry(server, "HEAD", `/v2/${repo}/blobs/${sha("other")}`);
  assert.equal(h.status, 404);
});

test("POST upload: ?mount=&from= links a blob of another repository without sending it", async () => {
  const src = uniqueName("src");
  const dst = uniqueName("dst");
  await ecr.send(new CreateRepositoryCommand({ repositoryName: src }));
  await ecr.send(new CreateRepositoryCommand({ repositoryName: dst }));
  assert.equal((await registry(server, "POST", `/v2/${src}/blobs/uploads/?digest=${sha("shared")}`, { body: "shared" })).status, 201);
  assert.equal((await registry(server, "HEAD", `/v2/${dst}/blobs/${sha("shared")}`)).status, 404);
  const m = await registry(server, "POST", `/v2/${dst}/blobs/uploads/?mount=${sha("shared")}&from=${src}`);
  assert.equal(m.status, 201);
  const h = await registry(server, "HEAD", `/v2/${dst}/blobs/${sha("shared")}`);
  assert.equal(h.status, 200);
  assert.equal(h.headers["content-length"], "6");
});

test("PUT manifest: a manifest naming a blob the repository lacks is refused with MANIFEST_BLOB_UNKNOWN", async () => {
  const repo = uniqueName("missing");
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha("nope"), size: 4 }, layers: [] });
  const r = await registry(server, "PUT", `/v2/${repo}/manifests/v1`, { body: manifest, headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" } });
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body.toString()).errors[0].code, "MANIFEST_BLOB_UNKNOWN");
});

test("PUT manifest: an IMMUTABLE repository refuses to move a tag (TAG_INVALID), and an index with its image is served by Accept", async () => {
  const repo = uniqueName("immut");
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repo, imageTagMutability: "IMMUTABLE" }));
  const cfg = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [] } }));
  await registry(server, "POST", `/v2/${repo}/blobs/uploads/?digest=${sha(cfg)}`, { body: cfg });
  const image = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.v2+json", config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: sha(cfg), size: cfg.length }, layers: [] });
  const put = await registry(server, "PUT", `/v2/${repo}/manifests/${sha(image)}`, { body: image, headers: { "Content-Type": "application/vnd.docker.distribution.manifest.v2+json" } });
  assert.equal(put.status, 201);
  const index = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.docker.distribution.manifest.list.v2+json", manifests: [{ mediaType: "application/vnd.docker.distribution.manifest.v2+json", digest: sha(image), size: image.length, platform: { architecture: "amd64", os: "linux" } }] });
  const ct = { "Content-Type": "application/vnd.docker.distribution.manifest.list.v2+json" };
  assert.equal((await registry(server, "PUT", `/v2/${repo}/manifests/latest`, { body: index, headers: ct })).status, 201);
  const again = await registry(server, "PUT", `/v2/${repo}/manifests/latest`, { body: image, headers: { "Content-Type": "application/vnd.docker.distribution.manifest.v2+json" } });
  assert.equal(again.status, 400);
  assert.equal(JSON.parse(again.body.toString()).errors[0].code, "TAG_INVALID");
  const asList = await registry(server, "GET", `/v2/${repo}/manifests/latest`, { headers: { Accept: "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json" } });
  assert.equal(asList.headers["docker-content-digest"], sha(index));
  const asImage = await registry(server, "GET", `/v2/${repo}/manifests/latest`, { headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" } });
  assert.equal(asImage.headers["docker-content-digest"], sha(image));
  const tags = await registry(server, "GET", `/v2/${repo}/tags/list`);
  assert.deepEqual(JSON.parse(tags.body.toString()), { name: repo, tags: ["latest"] });
  const unknown = await registry(server, "GET", `/v2/${repo}/manifests/nope`);
  assert.equal(unknown.status, 404);
  assert.equal(JSON.parse(unknown.body.toString()).errors[0].code, "MANIFEST_UNKNOWN");
});

test("GET /v2/<name>/tags/list: a repository that does not exist answers NAME_UNKNOWN", async () => {
  const r = await registry(server, "GET", `/v2/${uniqueName("ghost")}/tags/list`);
  assert.equal(r.status, 404);
  assert.equal(JSON.parse(r.body.toString()).errors[0].code, "NAME_UNKNOWN");
});

test("GET /v2/: under --enforce-sigv4 only GetAuthorizationToken's tokens pass (forged or other-account ones get 401)", async () => {
  const strict = await startServer({ "enforce-sigv4": true });
  try {
    const client = ecrClient(strict);
    const good = await token(client);
    assert.equal((await registry(strict, "GET", "/v2/", { auth: `Basic ${good}` })).status, 200);
    const password = Buffer.from(good, "base64").toString().slice(4);
    assert.equal((await registry(strict, "GET", "/v2/", { auth: `Bearer ${password}` })).status, 200);
    const forged = await registry(strict, "GET", "/v2/", { auth: "Basic " + Buffer.from("AWS:x").toString("base64") });
    assert.equal(forged.status, 401);
    const [payload, mac] = password.split(".");
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), account: "111111111111" })).toString("base64url");
    assert.equal((await registry(strict, "GET", "/v2/", { auth: `Bearer ${other}.${mac}` })).status, 401);
  } finally {
    await strict.stop();
  }
});
