/** S3 through the SDK v3 S3Client: both addressing styles, objects, ranges, conditions, checksums, listings, versions. */
import assert from "node:assert/strict";
import { Agent } from "node:http";
import { after, before, test } from "node:test";
import {
  CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectAttributesCommand, GetObjectCommand,
  HeadBucketCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutBucketVersioningCommand,
  PutObjectCommand, PutObjectTaggingCommand, GetObjectTaggingCommand, S3Client,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let s3: S3Client;
before(async () => {
  server = await startServer();
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
});
after(() => server.stop());

const bucketName = () => uniqueName("b").toLowerCase().slice(0, 60);
const fail = async (p: Promise<unknown>) => (await p.then(() => assert.fail("expected an error"), (e: unknown) => e)) as Error & { $metadata: { httpStatusCode: number }; $response?: unknown };
const text = async (o: { Body?: { transformToString(): Promise<string> } }) => o.Body!.transformToString();

test("CreateBucket: path style; HeadBucket, ListBuckets; a second create is BucketAlreadyOwnedByYou outside us-east-1's legacy rule", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  assert.equal((await s3.send(new HeadBucketCommand({ Bucket: b }))).BucketRegion, "us-east-1");
  assert.ok((await s3.send(new ListBucketsCommand({}))).Buckets?.some((x) => x.Name === b));
  const west = new S3Client({ ...server.clientConfig, region: "eu-west-1", forcePathStyle: true });
  const wb = bucketName();
  await west.send(new CreateBucketCommand({ Bucket: wb, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
  assert.equal((await fail(west.send(new CreateBucketCommand({ Bucket: wb, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })))).name, "BucketAlreadyOwnedByYou");
  assert.equal((await fail(s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })))).name, "InvalidBucketName");
  const missing = await fail(s3.send(new HeadBucketCommand({ Bucket: bucketName() })));
  assert.equal(missing.$metadata.httpStatusCode, 404);
});

test("PutObject: virtual-hosted style ({bucket}.s3.localhost) reads what path style wrote", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "a b/ü.txt", Body: "hello", ContentType: "text/plain", Metadata: { color: "blue" } }));
  // *.localhost does not resolve on every host: the agent sends every name to the loopback server.
  const agent = new Agent({ lookup: (_h, _o, cb) => (cb as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: "127.0.0.1", family: 4 }]) });
  const port = new URL(server.endpoint).port;
  const vhost = new S3Client({ ...server.clientConfig, endpoint: `http://s3.localhost:${port}`, forcePathStyle: false, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
  const got = await vhost.send(new GetObjectCommand({ Bucket: b, Key: "a b/ü.txt" }));
  assert.equal(await text(got), "hello");
  assert.equal(got.ContentType, "text/plain");
  assert.deepEqual(got.Metadata, { color: "blue" });
  const bare = new S3Client({ ...server.clientConfig, endpoint: `http://localhost:${port}`, forcePathStyle: false, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
  assert.equal(await text(await bare.send(new GetObjectCommand({ Bucket: b, Key: "a b/ü.txt" }))), "hello");
  agent.destroy();
});

test("GetObject: ranges (first-last, open, suffix), InvalidRange 416, response-* overrides", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "0123456789" }));
  const r = await s3.send(new GetObjectCommand({ Bucket: b, Key: "k", Range: "bytes=2-4" }));
  assert.equal(await text(r), "234");
  assert.equal(r.ContentRange, "bytes 2-4/10");
  assert.equal(r.$metadata.httpStatusCode, 206);
  assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: "k", Range: "bytes=7-" }))), "789");
  assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: "k", Range: "bytes=-3" }))), "789");
  const bad = await fail(s3.send(new GetObjectCommand({ Bucket: b, Key: "k", Range: "bytes=20-30" })));
  assert.equal(bad.name, "InvalidRange");
  assert.equal(bad.$metadata.httpStatusCode, 416);
  const o = await s3.send(new GetObjectCommand({ Bucket: b, Key: "k", ResponseContentType: "application/x-test", ResponseContentDisposition: "attachment" }));
  assert.equal(o.ContentType, "application/x-test");
  assert.equal(o.ContentDisposition, "attachment");
  await text(o);
});

test("GetObject: conditional requests answer 304 and 412; PutObject If-None-Match: * refuses to overwrite", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "x" }));
  assert.equal(put.ETag, '"9dd4e461268c8034f5c8564e155c67a6"'); // MD5 of "x"
  const notModified = await fail(s3.send(new GetObjectCommand({ Bucket: b, Key: "k", IfNoneMatch: put.ETag })));
  assert.equal(notModified.$metadata.httpStatusCode, 304);
  const precondition = await fail(s3.send(new GetObjectCommand({ Bucket: b, Key: "k", IfMatch: '"nope"' })));
  assert.equal(precondition.name, "PreconditionFailed");
  assert.equal(precondition.$metadata.httpStatusCode, 412);
  assert.equal((await fail(s3.send(new HeadObjectCommand({ Bucket: b, Key: "k", IfModifiedSince: new Date(Date.now() + 3600_000) })))).$metadata.httpStatusCode, 304);
  assert.equal((await fail(s3.send(new GetObjectCommand({ Bucket: b, Key: "k", IfUnmodifiedSince: new Date(0) })))).name, "PreconditionFailed");
  assert.equal((await fail(s3.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "y", IfNoneMatch: "*" })))).name, "PreconditionFailed");
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "new", Body: "y", IfNoneMatch: "*" }));
});

test("PutObject: checksums are verified and returned (CRC32, CRC32C, SHA1, SHA256, CRC64NVME); a wrong Content-MD5 is BadDigest", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  for (const alg of ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"] as const) {
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: alg, Body: "123456789", ChecksumAlgorithm: alg }));
    const member = `Checksum${alg}` as const;
    assert.ok(put[member], `${alg} returned`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: alg, ChecksumMode: "ENABLED" }));
    assert.equal(head[member], put[member]);
  }
  const crc = await s3.send(new HeadObjectCommand({ Bucket: b, Key: "CRC32", ChecksumMode: "ENABLED" }));
  assert.equal(crc.ChecksumCRC32, Buffer.from("cbf43926", "hex").toString("base64"));
  const wrong = await fail(s3.send(new PutObjectCommand({ Bucket: b, Key: "bad", Body: "abc", ChecksumCRC32: "AAAAAA==" })));
  assert.equal(wrong.name, "BadDigest");
  const md5 = await fail(s3.send(new PutObjectCommand({ Bucket: b, Key: "bad", Body: "abc", ContentMD5: Buffer.alloc(16).toString("base64") })));
  assert.equal(md5.name, "BadDigest");
  assert.equal((await fail(s3.send(new GetObjectCommand({ Bucket: b, Key: "bad" })))).name, "NoSuchKey");
  const attrs = await s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: "SHA256", ObjectAttributes: ["ETag", "ObjectSize", "Checksum", "StorageClass"] }));
  assert.equal(attrs.ObjectSize, 9);
  assert.equal(attrs.Checksum?.ChecksumSHA256, Buffer.from("15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225", "hex").toString("base64"));
});

test("ListObjectsV2: prefix, delimiter, common prefixes, continuation, start-after, encoding-type=url; ListObjects v1 markers", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  for (const k of ["a/1", "a/2", "b/x/1", "b/y", "c", "d e"]) await s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }));
  const top = await s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: "/" }));
  assert.deepEqual(top.CommonPrefixes?.map((p) => p.Prefix), ["a/", "b/"]);
  assert.deepEqual(top.Contents?.map((c) => c.Key), ["c", "d e"]);
  assert.equal(top.KeyCount, 4);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 2, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
    assert.equal(page.IsTruncated, !!token);
  } while (token);
  assert.deepEqual(keys, ["a/1", "a/2", "b/x/1", "b/y", "c", "d e"]);
  assert.deepEqual((await s3.send(new ListObjectsV2Command({ Bucket: b, StartAfter: "b/y" }))).Contents?.map((c) => c.Key), ["c", "d e"]);
  assert.deepEqual((await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: "b/", Delimiter: "/" }))).CommonPrefixes?.map((p) => p.Prefix), ["b/x/"]);
  const url = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: "d", EncodingType: "url" }));
  assert.equal(url.Contents?.[0]?.Key, "d%20e");
  const v1 = await s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: "/", MaxKeys: 1 }));
  assert.equal(v1.IsTruncated, true);
  assert.equal(v1.NextMarker, "a/");
  assert.equal((await fail(s3.send(new DeleteBucketCommand({ Bucket: b })))).name, "BucketNotEmpty");
  const del = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: ["a/1", "a/2", "b/x/1", "b/y", "c", "d e"].map((Key) => ({ Key })) } }));
  assert.equal(del.Deleted?.length, 6);
  await s3.send(new DeleteBucketCommand({ Bucket: b }));
});

test("PutBucketVersioning: versions and delete markers; GetObject by version; ListObjectVersions", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: "Enabled" } }));
  const v1 = await s3.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "one" }));
  const v2 = await s3.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "two" }));
  assert.ok(v1.VersionId && v2.VersionId && v1.VersionId !== v2.VersionId);
  const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: "k" }));
  assert.equal(del.DeleteMarker, true);
  assert.equal((await fail(s3.send(new GetObjectCommand({ Bucket: b, Key: "k" })))).name, "NoSuchKey");
  assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: "k", VersionId: v1.VersionId }))), "one");
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
  assert.deepEqual(versions.Versions?.map((v) => v.VersionId), [v2.VersionId, v1.VersionId]);
  assert.equal(versions.DeleteMarkers?.[0]?.IsLatest, true);
  await s3.send(new DeleteObjectCommand({ Bucket: b, Key: "k", VersionId: del.VersionId }));
  assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: "k" }))), "two");
});

test("CopyObject: copies bytes and metadata (or replaces them); tagging round trip", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "src", Body: "data", ContentType: "text/x", Metadata: { m: "1" }, Tagging: "t=1" }));
  await s3.send(new CopyObjectCommand({ Bucket: b, Key: "dst", CopySource: `${b}/src` }));
  const dst = await s3.send(new GetObjectCommand({ Bucket: b, Key: "dst" }));
  assert.equal(await text(dst), "data");
  assert.equal(dst.ContentType, "text/x");
  assert.equal(dst.TagCount, 1);
  await s3.send(new CopyObjectCommand({ Bucket: b, Key: "dst2", CopySource: `${b}/src`, MetadataDirective: "REPLACE", Metadata: { m: "2" } }));
  assert.deepEqual((await s3.send(new HeadObjectCommand({ Bucket: b, Key: "dst2" }))).Metadata, { m: "2" });
  await s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: "dst", Tagging: { TagSet: [{ Key: "a", Value: "b" }] } }));
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: "dst" }))).TagSet, [{ Key: "a", Value: "b" }]);
  assert.equal((await fail(s3.send(new CopyObjectCommand({ Bucket: b, Key: "x", CopySource: `${b}/missing` })))).name, "NoSuchKey");
});
