/** S3 uploads: multipart through @aws-sdk/lib-storage and by hand (size and order rules), presigned GET/PUT. */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListPartsCommand, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let s3: S3Client;
before(async () => {
  server = await startServer();
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
});
after(() => server.stop());

const MiB = 1024 * 1024;
const bucketName = () => uniqueName("u").toLowerCase().slice(0, 60);
const fail = async (p: Promise<unknown>) => (await p.then(() => assert.fail("expected an error"), (e: unknown) => e)) as Error & { $metadata: { httpStatusCode: number } };
const md5 = (b: Buffer) => createHash("md5").update(b).digest();

test("Upload (lib-storage): a 12 MiB stream goes up in parts and comes back intact with the md5-of-md5s ETag", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  const data = randomBytes(12 * MiB);
  const upload = new Upload({ client: s3, params: { Bucket: b, Key: "big.bin", Body: Readable.from([data.subarray(0, 7 * MiB), data.subarray(7 * MiB)]) }, partSize: 5 * MiB });
  const done = await upload.done();
  const parts = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)];
  assert.equal(done.ETag, `"${md5(Buffer.concat(parts.map(md5))).toString("hex")}-3"`);
  const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: "big.bin" }))).Body!.transformToByteArray());
  assert.ok(got.equals(data));
  const part2 = await s3.send(new GetObjectCommand({ Bucket: b, Key: "big.bin", PartNumber: 2 }));
  assert.equal(part2.ContentLength, 5 * MiB);
  assert.equal(part2.PartsCount, 3);
  await part2.Body!.transformToByteArray();
});

test("CompleteMultipartUpload: EntityTooSmall for a small non-last part, InvalidPartOrder, InvalidPart; UploadPartCopy; ListParts; Abort", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "src", Body: "0123456789" }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: "k", ChecksumAlgorithm: "CRC32" }));
  const p1 = await s3.send(new UploadPartCommand({ Bucket: b, Key: "k", UploadId, PartNumber: 1, Body: "small" }));
  const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: b, Key: "k", UploadId, PartNumber: 2, CopySource: `${b}/src`, CopySourceRange: "bytes=2-4" }));
  const listed = await s3.send(new ListPartsCommand({ Bucket: b, Key: "k", UploadId }));
  assert.deepEqual(listed.Parts?.map((p) => [p.PartNumber, p.Size]), [[1, 5], [2, 3]]);
  assert.ok((await s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads?.some((u) => u.UploadId === UploadId));
  const parts = [{ PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag, ChecksumCRC32: p2.CopyPartResult?.ChecksumCRC32 }];
  const small = await fail(s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: "k", UploadId, MultipartUpload: { Parts: parts } })));
  assert.equal(small.name, "EntityTooSmall");
  assert.equal((await fail(s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: "k", UploadId, MultipartUpload: { Parts: [parts[1]!, parts[0]!] } })))).name, "InvalidPartOrder");
  assert.equal((await fail(s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: "k", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0"' }] } })))).name, "InvalidPart");
  // A single small part is also the last one: allowed.
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: "k", UploadId, MultipartUpload: { Parts: [parts[0]!] } }));
  assert.match(done.ETag!, /^"[0-9a-f]{32}-1"$/);
  assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: "k" }))).Body!.transformToString(), "small");
  const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: "k", ChecksumMode: "ENABLED" }));
  assert.match(head.ChecksumCRC32 ?? "", /-1$/);
  const other = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: "gone" }));
  await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: "gone", UploadId: other.UploadId }));
  assert.equal((await fail(s3.send(new UploadPartCommand({ Bucket: b, Key: "gone", UploadId: other.UploadId, PartNumber: 1, Body: "x" })))).name, "NoSuchUpload");
});

test("PutObject: a stream body goes as aws-chunked with a CRC32 trailer (signed, under --enforce-sigv4) and is stored decoded", async () => {
  const strict = await startServer({ "enforce-sigv4": true });
  try {
    const c = new S3Client({ ...strict.clientConfig, forcePathStyle: true });
    const b = bucketName();
    await c.send(new CreateBucketCommand({ Bucket: b }));
    const put = await c.send(new PutObjectCommand({ Bucket: b, Key: "s", Body: Readable.from([Buffer.from("hello "), Buffer.from("world")]), ContentLength: 11, ChecksumAlgorithm: "CRC32" }));
    assert.equal(put.ChecksumCRC32, "DUoRhQ==");
    const got = await c.send(new GetObjectCommand({ Bucket: b, Key: "s" }));
    assert.equal(await got.Body!.transformToString(), "hello world");
    assert.equal(got.ContentEncoding, undefined);
  } finally {
    await strict.stop();
  }
});

test("PutObject: an aws-chunked body whose trailing checksum is wrong is BadDigest and stores nothing", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  const body = "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
  const res = await fetch(`${server.endpoint}/${b}/bad`, {
    method: "PUT",
    body,
    headers: { Authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "5", "x-amz-trailer": "x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm": "CRC32" },
  });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /<Code>BadDigest<\/Code>/);
  assert.equal((await fail(s3.send(new HeadObjectCommand({ Bucket: b, Key: "bad" })))).$metadata.httpStatusCode, 404);
});

test("PutObject: a body that is not what x-amz-content-sha256 claims is XAmzContentSHA256Mismatch", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  const res = await fetch(`${server.endpoint}/${b}/k`, {
    method: "PUT",
    body: "hello",
    headers: { Authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", "x-amz-content-sha256": createHash("sha256").update("other").digest("hex") },
  });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /<Code>XAmzContentSHA256Mismatch<\/Code>/);
  assert.equal((await fail(s3.send(new HeadObjectCommand({ Bucket: b, Key: "k" })))).$metadata.httpStatusCode, 404);
});

test("getSignedUrl: presigned PUT then presigned GET with plain fetch", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: b, Key: "p.txt" }), { expiresIn: 60 });
  const put = await fetch(putUrl, { method: "PUT", body: "presigned body" });
  assert.equal(put.status, 200);
  const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: b, Key: "p.txt" }), { expiresIn: 60 });
  const get = await fetch(getUrl);
  assert.equal(get.status, 200);
  assert.equal(await get.text(), "presigned body");
  const missing = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: b, Key: "nope" }), { expiresIn: 60 }));
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /<Code>NoSuchKey<\/Code>/);
});

test("getSignedUrl: with --enforce-sigv4 a valid presigned URL works, a tampered or over-a-week one does not", async () => {
  const strict = await startServer({ "enforce-sigv4": true });
  try {
    const c = new S3Client({ ...strict.clientConfig, forcePathStyle: true });
    const b = bucketName();
    await c.send(new CreateBucketCommand({ Bucket: b }));
    await c.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "v" }));
    const url = await getSignedUrl(c, new GetObjectCommand({ Bucket: b, Key: "k" }), { expiresIn: 60 });
    assert.equal(await (await fetch(url)).text(), "v");
    const tampered = await fetch(url.replace("/k?", "/j?"));
    assert.equal(tampered.status, 403);
    const body = await tampered.text();
    assert.match(body, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.match(body, /<StringToSign>AWS4-HMAC-SHA256&#10;/);
    assert.match(body, /<CanonicalRequest>GET&#10;\/[^<&]*\/j&#10;/);
    const long = new URL(url);
    long.searchParams.set("X-Amz-Expires", "604801");
    assert.equal((await fetch(long)).status, 400);
  } finally {
    await strict.stop();
  }
});
