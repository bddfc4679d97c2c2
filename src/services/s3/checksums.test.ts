import assert from "node:assert/strict";
import { test } from "node:test";
import { checksumOf, type ChecksumAlgorithm } from "./checksums.js";

// Check values of "123456789" from the CRC catalogue (reveng.sourceforge.io/crc-catalogue), as big-endian base64.
const hexB64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");
const CASES: Array<[ChecksumAlgorithm, string, string]> = [
  ["CRC32", "123456789", hexB64("cbf43926")],
  ["CRC32C", "123456789", hexB64("e3069283")],
  ["CRC64NVME", "123456789", hexB64("ae8b14860a799888")],
  ["SHA1", "abc", hexB64("a9993e364706816aba3e25717850c26c9cd0d89d")],
  ["SHA256", "abc", hexB64("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")],
  ["CRC32", "", hexB64("00000000")],
];

for (const [alg, input, expected] of CASES) {
  test(`checksumOf: ${alg} of ${JSON.stringify(input)}`, () => {
    assert.equal(checksumOf(alg, Buffer.from(input)), expected);
  });
}
