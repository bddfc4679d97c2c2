/** S3 through the real aws CLI: s3api errors and configuration, presign (CLI v1 writes SigV2 presigned URLs). */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
