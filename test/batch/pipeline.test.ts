/**
 * The image pipeline example's core path (examples/image-pipeline): deploy.sh with the AWS CLI, then an upload
 * to the raw bucket starts a Batch job through EventBridge that writes a grayscale PGM and a thumbnail PPM to
 * the processed bucket; the array variant processes a prefix. The image is the example's own
 * (build-image.py: host python3 + the job script), given as an OCI archive instead of an ECR push.
 */
import { BatchClient, SubmitJobCommand } from "@aws-sdk/client-batch";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ociRunnerUnavailable } from "../../src/runtime/containers/oci-runner.js";
import { cliEnv, startServer, type TestServer } from "../helpers/skyport.js";
import { until, waitFinished } from "./helpers.js";

const run = promisify(execFile);
const example = new URL("../../examples/image-pipeline/", import.meta.url).pathname;
const skip = !existsSync("/usr/bin/python3") ? "python3 is not installed" : ociRunnerUnavailable();

/** A 4x2 binary PPM: red, green, blue, white / black, gray, yellow, cyan. */
const PPM = Buffer.concat([Buffer.from("P6\n4 2\n255\n"), Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128, 255, 255, 0, 0, 255, 255])]);
/** BT.601 luma of those pixels, rounded. */
const GRAY = [76, 150, 29, 255, 0, 128, 226, 179];

describe("image pipeline example", { skip }, () => {
  let server: TestServer;
  let dir: string;
  let s3: S3Client;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "skyport-pipeline-"));
    await run("python3", [join(example, "build-image.py"), "--archive", join(dir, "job.tar")]);
    server = await startServer();
    s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
    // Not execFileSync: the server runs in this process and must answer the CLI meanwhile.
    await run("bash", [join(example, "deploy.sh")], { env: { ...cliEnv(), ENDPOINT: server.endpoint, IMAGE: `oci-archive:${join(dir, "job.tar")}`, PREFIX: "pipe" } });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (key: string) => s3.send(new GetObjectCommand({ Bucket: "pipe-processed", Key: key })).then(async (r) => Buffer.from(await r.Body!.transformToByteArray()));
  const eventually = (key: string) => until(() => get(key).catch(() => undefined), (b) => b !== undefined, `s3://pipe-processed/${key}`, 120_000) as Promise<Buffer>;

  test("PutObject: an upload to the raw bucket produces a grayscale image and a thumbnail", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "pipe-raw", Key: "incoming/colors.ppm", Body: PPM }));
    const gray = await eventually("gray/colors.pgm");
    assert.equal(gray.subarray(0, 11).toString(), "P5\n4 2\n255\n");
    assert.deepEqual([...gray.subarray(11)], GRAY);
    const thumb = await eventually("thumb/colors.ppm");
    assert.equal(thumb.subarray(0, 11).toString(), "P6\n4 2\n255\n");
  });

  test("SubmitJob: the array variant processes every image under a prefix in parallel", async () => {
    for (const n of ["a", "b"]) await s3.send(new PutObjectCommand({ Bucket: "pipe-raw", Key: `batch/${n}.ppm`, Body: PPM }));
    const batch = new BatchClient(server.clientConfig);
    const { jobId } = await batch.send(new SubmitJobCommand({ jobName: "prefix", jobQueue: "pipe-q", jobDefinition: "pipe-thumbnail", arrayProperties: { size: 2 }, parameters: { bucket: "pipe-raw", key: "batch/" } }));
    const j = await waitFinished(batch, jobId!);
    assert.equal(j.status, "SUCCEEDED", JSON.stringify(j.statusReason));
    for (const n of ["a", "b"]) assert.deepEqual([...(await get(`gray/${n}.pgm`)).subarray(11)], GRAY);
  });
});
