import assert from "node:assert/strict";
import { test } from "node:test";
import { virtualHostBucket } from "./rest-xml.js";

// Virtual-hosted-style hosts (https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html) and Skyport's local ones.
const CASES: Array<[string, string | undefined]> = [
  ["my-bucket.s3.localhost:4566", "my-bucket"],
  ["my.dotted.bucket.s3.localhost", "my.dotted.bucket"],
  ["my-bucket.localhost:4566", "my-bucket"],
  ["my-bucket.s3.us-west-2.amazonaws.com", "my-bucket"],
  ["my-bucket.s3-us-west-2.amazonaws.com", "my-bucket"],
  ["s3.localhost:4566", undefined],
  ["s3.us-east-1.amazonaws.com", undefined],
  ["localhost:4566", undefined],
  ["127.0.0.1:4566", undefined],
  ["[::1]:4566", undefined],
  ["example.com", undefined],
];

for (const [host, bucket] of CASES) {
  test(`virtualHostBucket: ${host}`, () => assert.equal(virtualHostBucket(host), bucket));
}
