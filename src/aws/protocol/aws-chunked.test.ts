import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { AwsChunkedDecoder } from "./aws-chunked.js";

// Bodies in the shapes of https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and sigv4-streaming-trailers.html.
const SIG = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
const CASES: Array<[string, string[], string | Error, Record<string, string>?]> = [
  ["signed chunks", [`5;chunk-signature=${SIG}\r\nhello\r\n6;chunk-signature=${SIG}\r\n world\r\n0;chunk-signature=${SIG}\r\n\r\n`], "hello world"],
  ["unsigned with a trailer", ["5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"], "hello", { "x-amz-checksum-crc32": "NhCmhg==" }],
  ["split at every byte", [..."a\r\n0123456789\r\n0\r\n\r\n"], "0123456789"],
  ["signed trailer", [`3;chunk-signature=${SIG}\r\nabc\r\n0;chunk-signature=${SIG}\r\nx-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:${SIG}\r\n\r\n`], "abc", { "x-amz-checksum-crc32c": "sOO8/Q==", "x-amz-trailer-signature": SIG }],
  ["no final empty line", ["3\r\nabc\r\n0\r\nx-amz-checksum-sha1:x\r\n"], "abc", { "x-amz-checksum-sha1": "x" }],
  ["bad chunk size", ["zz\r\nabc\r\n"], new Error("IncompleteBody")],
  ["cut short", ["a\r\nabc"], new Error("IncompleteBody")],
  ["data longer than its size", ["3\r\nabcd\r\n0\r\n\r\n"], new Error("IncompleteBody")],
];

for (const [name, parts, expected, trailers] of CASES) {
  test(`AwsChunkedDecoder: ${name}`, async () => {
    const d = new AwsChunkedDecoder();
    const out: Buffer[] = [];
    const run = async () => {
      for await (const c of Readable.from(parts.map((p) => Buffer.from(p, "latin1"))).pipe(d)) out.push(c as Buffer);
    };
    if (expected instanceof Error) {
      await assert.rejects(run, (e: Error & { code?: string }) => e.code === expected.message);
      return;
    }
    await run();
    assert.equal(Buffer.concat(out).toString(), expected);
    if (trailers) assert.deepEqual(d.trailers, trailers);
  });
}
