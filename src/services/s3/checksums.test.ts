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

test("checksumOf: CRC64NVME eight bytes at a time equals one byte at a time (every length and alignment up to 40)", () => {
  // Reference: the bitwise definition (reflected polynomial 0x9a6c9329ac4bc9b5, init/xorout all ones).
  const reference = (data: Buffer) => {
    let crc = 0xffffffffffffffffn;
    for (const b of data) {
      crc ^= BigInt(b);
      for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x9a6c9329ac4bc9b5n : crc >> 1n;
    }
    const out = Buffer.alloc(8);
    out.writeBigUInt64BE(crc ^ 0xffffffffffffffffn);
    return out.toString("base64");
  };
  const data = Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 73 + 11) & 0xff));
  for (let start = 0; start < 8; start++) for (let len = 0; len <= 40; len++) {
    const slice = data.subarray(start, start + len);
    assert.equal(checksumOf("CRC64NVME", slice), reference(slice), `start ${start} length ${len}`);
  }
});
