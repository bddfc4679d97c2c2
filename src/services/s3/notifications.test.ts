import assert from "node:assert/strict";
import { test } from "node:test";
import { eventKey } from "./notifications.js";

// Keys in S3 event records are URL-encoded with spaces as "+" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
const CASES: Array<[string, string]> = [
  ["HappyFace.jpg", "HappyFace.jpg"],
  ["red flower.jpg", "red+flower.jpg"],
  ["dir/sub/file.txt", "dir/sub/file.txt"],
  ["a+b.txt", "a%2Bb.txt"],
  ["ü.txt", "%C3%BC.txt"],
];
for (const [key, encoded] of CASES) test(`eventKey: ${JSON.stringify(key)}`, () => assert.equal(eventKey(key), encoded));
