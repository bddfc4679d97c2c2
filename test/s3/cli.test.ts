/** S3 through the real aws CLI: s3 sync/cp/rm --recursive of a tree with a file over the multipart threshold. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { DeleteBucketCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
let server: TestServer;
let dir: string;
let s3: S3Client;
before(async () => {
  server = await startServer();
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
  dir = mkdtempSync(join(tmpdir(), "skyport-s3-cli-"));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
});

const aws = async (...args: string[]) => (await run("aws", [...args, "--endpoint-url", server.endpoint], { env: cliEnv(), maxBuffer: 16 * 1024 * 1024 })).stdout;

test("aws s3 sync/cp/rm --recursive: a tree with a 9 MB file (multipart) goes up and comes back byte for byte", async () => {
  const bucket = uniqueName("cli").toLowerCase();
  const src = join(dir, "src");
  mkdirSync(join(src, "sub/deeper"), { recursive: true });
  const big = randomBytes(9 * 1024 * 1024);
  writeFileSync(join(src, "big.bin"), big);
  writeFileSync(join(src, "sub/a.txt"), "a");
  writeFileSync(join(src, "sub/deeper/b.txt"), "b");
  await aws("s3", "mb", `s3://${bucket}`);
  await aws("s3", "sync", src, `s3://${bucket}/tree`);
  // Checked with the SDK: every CLI start costs seconds on a loaded machine.
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  assert.deepEqual(listed.Contents?.map((c) => c.Key), ["tree/big.bin", "tree/sub/a.txt", "tree/sub/deeper/b.txt"]);
  assert.match(listed.Contents![0]!.ETag!, /-\d+"$/); // uploaded in parts
  const back = join(dir, "back");
  await aws("s3", "cp", "--recursive", `s3://${bucket}/tree`, back);
  assert.ok(readFileSync(join(back, "big.bin")).equals(big));
  assert.equal(readFileSync(join(back, "sub/deeper/b.txt"), "utf8"), "b");
  // A second sync uploads nothing: sizes and times match.
  assert.equal((await aws("s3", "sync", src, `s3://${bucket}/tree`)).trim(), "");
  assert.equal((await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch((e: Error) => e) as Error).name, "BucketNotEmpty");
  await aws("s3", "rm", "--recursive", `s3://${bucket}/tree`);
  assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount, 0);
  await aws("s3", "rb", `s3://${bucket}`);
  assert.equal((await s3.send(new HeadBucketCommand({ Bucket: bucket })).catch((e: { $metadata: { httpStatusCode: number } }) => e) as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode, 404);
});

