/** S3 lifecycle expiration on a fake clock: objects expire at the first midnight UTC at least Days after creation. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CreateBucketCommand, GetBucketLifecycleConfigurationCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutBucketLifecycleConfigurationCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ManualClock } from "../../src/core/clock.js";
import { startTestSkyport, type RunningSkyport } from "../../src/server/skyport.js";
import type { S3Provider } from "../../src/services/s3/provider.js";

const clock = new ManualClock(Date.UTC(2026, 0, 1, 10, 0, 0));
let sky: RunningSkyport;
let s3: S3Client;
before(async () => {
  sky = await startTestSkyport({}, { clock });
  s3 = new S3Client({ endpoint: sky.url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, forcePathStyle: true, maxAttempts: 1 });
});
after(() => sky.close());

const sweep = async () => ((await sky.services.get("s3")) as S3Provider).sweepLifecycle();
const HOUR = 3600_000;

test("PutBucketLifecycleConfiguration: Expiration.Days expires matching objects at the next midnight UTC after Days; a versioned bucket gets delete markers", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "life" }));
  await s3.send(new PutObjectCommand({ Bucket: "life", Key: "logs/a", Body: "a" }));
  await s3.send(new PutObjectCommand({ Bucket: "life", Key: "keep/b", Body: "b" }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: "life", LifecycleConfiguration: { Rules: [{ ID: "logs", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 1 } }] } }));
  assert.equal((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "life" }))).Rules?.[0]?.Expiration?.Days, 1);
  clock.advance(24 * HOUR); // Jan 2 10:00: one day old, but the expiry is Jan 3 00:00
  assert.equal(await sweep(), 0);
  clock.advance(14 * HOUR); // Jan 3 00:00
  assert.equal(await sweep(), 1);
  assert.deepEqual((await s3.send(new ListObjectsV2Command({ Bucket: "life" }))).Contents?.map((c) => c.Key), ["keep/b"]);

  await s3.send(new CreateBucketCommand({ Bucket: "life-v" }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: "life-v", VersioningConfiguration: { Status: "Enabled" } }));
  await s3.send(new PutObjectCommand({ Bucket: "life-v", Key: "x", Body: "x" }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: "life-v", LifecycleConfiguration: { Rules: [{ ID: "all", Status: "Enabled", Filter: {}, Expiration: { Days: 2 } }] } }));
  clock.advance(3 * 24 * HOUR);
  assert.ok((await sweep()) >= 1);
  const v = await s3.send(new ListObjectVersionsCommand({ Bucket: "life-v" }));
  assert.equal(v.Versions?.length, 1);
  assert.equal(v.DeleteMarkers?.[0]?.IsLatest, true);
});
