/** S3 through the real aws CLI: s3 cp/sync/rm --recursive of a tree with a file over the multipart threshold, s3api. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
let server: TestServer;
let dir: string;
before(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), "skyport-s3-cli-"));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await server.stop();
});

const aws = async (...args: string[]) => (await run("aws", [...args, "--endpoint-url", server.endpoint], { env: cliEnv(), maxBuffer: 16 * 1024 * 1024 })).stdout;
const awsError = async (...args: string[]) => {
  try {
    await aws(...args);
  } catch (e) {
    return (e as { stderr: string }).stderr;
  }
  return assert.fail("the command succeeded");
};

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
  const listed = JSON.parse(await aws("s3api", "list-objects-v2", "--bucket", bucket, "--output", "json")) as { Contents: Array<{ Key: string; ETag: string }> };
  assert.deepEqual(listed.Contents.map((c) => c.Key), ["tree/big.bin", "tree/sub/a.txt", "tree/sub/deeper/b.txt"]);
  assert.match(listed.Contents[0]!.ETag, /-\d+"$/); // uploaded in parts
  const back = join(dir, "back");
  await aws("s3", "cp", "--recursive", `s3://${bucket}/tree`, back);
  assert.ok(readFileSync(join(back, "big.bin")).equals(big));
  assert.equal(readFileSync(join(back, "sub/deeper/b.txt"), "utf8"), "b");
  // A second sync uploads nothing: sizes and times match.
  assert.equal((await aws("s3", "sync", src, `s3://${bucket}/tree`)).trim(), "");
  assert.match(await awsError("s3api", "delete-bucket", "--bucket", bucket), /BucketNotEmpty/);
  await aws("s3", "rm", "--recursive", `s3://${bucket}/tree`);
  assert.equal((await aws("s3", "ls", `s3://${bucket}`, "--recursive")).trim(), "");
  await aws("s3", "rb", `s3://${bucket}`);
  assert.match(await awsError("s3api", "head-bucket", "--bucket", bucket), /404|Not Found/);
});

test("aws s3api: get-object of a missing key is NoSuchKey; put/get bucket tagging; presign", async () => {
  const bucket = uniqueName("api").toLowerCase();
  await aws("s3api", "create-bucket", "--bucket", bucket);
  assert.match(await awsError("s3api", "get-object", "--bucket", bucket, "--key", "nope", join(dir, "x")), /NoSuchKey/);
  await aws("s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging", "TagSet=[{Key=team,Value=core}]");
  assert.deepEqual(JSON.parse(await aws("s3api", "get-bucket-tagging", "--bucket", bucket, "--output", "json")).TagSet, [{ Key: "team", Value: "core" }]);
  writeFileSync(join(dir, "s.txt"), "small");
  await aws("s3", "cp", join(dir, "s.txt"), `s3://${bucket}/s.txt`);
  const url = (await aws("s3", "presign", `s3://${bucket}/s.txt`, "--expires-in", "60")).trim();
  assert.equal(await (await fetch(url)).text(), "small");
});
