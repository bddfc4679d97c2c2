/**
 * S3 durability: a kill -9 mid-upload leaves no half object (the old version stays, the temp file is swept);
 * persisted background work (lifecycle rules, queued notifications) brings S3 up at boot.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketLifecycleConfigurationCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startTestSkyport } from "../../src/server/skyport.js";
import { freePort, start } from "../helpers/process-server.js";


const client = (port: number) => new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, forcePathStyle: true, maxAttempts: 1 });
const tmpFiles = (dir: string) => {
  const t = join(dir, "blobs/s3/tmp");
  return existsSync(t) ? readdirSync(t).map((f) => statSync(join(t, f)).size) : [];
};

test("PutObject: kill -9 mid-upload leaves the previous object whole and no partial one", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-s3-crash-"));
  const port = await freePort();
  let child = await start(port, dir);
  try {
    const s3 = client(port);
    await s3.send(new CreateBucketCommand({ Bucket: "crash" }));
    await s3.send(new PutObjectCommand({ Bucket: "crash", Key: "k", Body: "old" }));
    // An unsigned-payload PUT that announces 8 MiB and sends 2 MiB, then waits.
    const req = request({ host: "127.0.0.1", port, method: "PUT", path: "/crash/k", headers: { "Content-Length": String(8 * 1024 * 1024), Authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
    req.on("error", () => undefined);
    req.write(Buffer.alloc(2 * 1024 * 1024, 7));
    // The bytes are on disk in a temp file before the kill (polled, not timed).
    for (let i = 0; i < 400 && !tmpFiles(dir).some((n) => n > 0); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(tmpFiles(dir).some((n) => n > 0), "the upload was streaming to a temp file");
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    req.destroy();
    child = await start(port, dir);
    const s3b = client(port);
    assert.equal(await (await s3b.send(new GetObjectCommand({ Bucket: "crash", Key: "k" }))).Body!.transformToString(), "old");
    assert.deepEqual((await s3b.send(new ListObjectsV2Command({ Bucket: "crash" }))).Contents?.map((c) => [c.Key, c.Size]), [["k", 3]]);
    assert.deepEqual(tmpFiles(dir), [], "the temp file was swept at start");
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("PutBucketLifecycleConfiguration: a bucket with lifecycle rules starts S3 at boot (its sweeper), before any S3 call", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-s3-boot-"));
  try {
    let sky = await startTestSkyport({ ephemeral: false, "data-dir": dir });
    const s3 = new S3Client({ endpoint: sky.url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: "boot" }));
    await sky.close();
    sky = await startTestSkyport({ ephemeral: false, "data-dir": dir });
    assert.ok(!sky.services.started().includes("s3"), "nothing pending: S3 waits for its first call");
    const s3b = new S3Client({ endpoint: sky.url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, forcePathStyle: true, maxAttempts: 1 });
    await s3b.send(new PutBucketLifecycleConfigurationCommand({ Bucket: "boot", LifecycleConfiguration: { Rules: [{ ID: "r", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 1 } }] } }));
    await sky.close();
    sky = await startTestSkyport({ ephemeral: false, "data-dir": dir });
    try {
      assert.ok(sky.services.started().includes("s3"), "s3 started at boot for its lifecycle sweeper");
    } finally {
      await sky.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("PutObject: works again after /_skyport/reset emptied the blob directory", async () => {
  const sky = await startTestSkyport();
  try {
    const s3 = new S3Client({ endpoint: sky.url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: "rst" }));
    await s3.send(new PutObjectCommand({ Bucket: "rst", Key: "k", Body: "before" }));
    assert.equal((await fetch(`${sky.url}/_skyport/reset`, { method: "POST" })).status, 200);
    await s3.send(new CreateBucketCommand({ Bucket: "rst" }));
    await s3.send(new PutObjectCommand({ Bucket: "rst", Key: "k", Body: "after" }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: "rst", Key: "k" }))).Body!.transformToString(), "after");
  } finally {
    await sky.close();
  }
});
