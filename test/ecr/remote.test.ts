/**
 * Pulling from a remote registry with the anonymous token flow (distribution's token authentication spec:
 * 401 + `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, token from the realm, retry with it), against a
 * small stand-in registry on loopback (there is no internet here): an index is resolved to the host's
 * platform, blobs are verified, and once pulled the image still prepares when the registry is gone.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { prepareImage } from "../../src/images/index.js";
import { hostPlatform } from "../../src/images/media.js";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { serviceEnv } from "./helpers.js";
import { makeTar } from "./tar-fixtures.js";

const sha = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");
let server: TestServer;
let fake: Server;
let port = 0;
const blobs = new Map<string, { body: Buffer; type: string }>();
const seen: string[] = [];

before(async () => {
  server = await startServer();
  const layer = await makeTar([{ name: "hello.txt", body: "from-remote\n" }], true);
  const config = Buffer.from(JSON.stringify({ architecture: hostPlatform().split("/")[1], os: "linux", config: { Cmd: ["/hello"] } }));
  const image = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(layer), size: layer.length }] }));
  const [os, arch] = hostPlatform().split("/");
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(image), size: image.length, platform: { os, architecture: arch } }, { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:" + "b".repeat(64), size: 10, platform: { os: "linux", architecture: "s390x" } }] }));
  for (const [b, type] of [[layer, "application/octet-stream"], [config, "application/octet-stream"], [image, "application/vnd.oci.image.manifest.v1+json"], [index, "application/vnd.oci.image.index.v1+json"]] as const) blobs.set(sha(b), { body: b, type });
  blobs.set("latest", { body: index, type: "application/vnd.oci.image.index.v1+json" });
  fake = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url!.startsWith("/token")) {
      const u = new URL(req.url!, "http://x");
      assert.equal(u.searchParams.get("scope"), "repository:team/hello:pull");
      return res.end(JSON.stringify({ token: "tok-123" }));
    }
    if (req.headers.authorization !== "Bearer tok-123") {
      res.writeHead(401, { "WWW-Authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="fake",scope="repository:team/hello:pull"` });
      return res.end();
    }
    const m = /^\/v2\/team\/hello\/(manifests|blobs)\/(.+)$/.exec(req.url!);
    const b = m ? blobs.get(m[2]!) : undefined;
    if (!b) return res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    res.writeHead(200, { "Content-Type": b.type, "Content-Length": b.body.length });
    res.end(b.body);
  });
  await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
  port = (fake.address() as AddressInfo).port;
});
after(async () => {
  fake.close();
  await server.stop();
});

test("prepareImage: a tag the remote registry does not have is CannotPullContainerError … not found", async () => {
  await assert.rejects(prepareImage(serviceEnv(server), `127.0.0.1:${port}/team/hello:missing`), /CannotPullContainerError: .*: not found: manifest unknown/);
});

test("prepareImage: a remote image behind an anonymous Bearer token is pulled, its platform chosen from the index, and kept for offline use", async () => {
  const ref = `127.0.0.1:${port}/team/hello:latest`;
  const img = await prepareImage(serviceEnv(server), ref);
  assert.equal(readFileSync(join(img.rootfs, "hello.txt"), "utf8"), "from-remote\n");
  assert.deepEqual(img.config.Cmd, ["/hello"]);
  assert.ok(seen.some((s) => s.startsWith("GET /token")));
  assert.ok(!seen.some((s) => s.includes("b".repeat(64))), "the other platform's manifest is not fetched");
  await new Promise<void>((r) => fake.close(() => r()));
  const again = await prepareImage(serviceEnv(server), ref);
  assert.equal(again.digest, img.digest);
});
