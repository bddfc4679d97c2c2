/**
 * The checksums S3 computes and verifies (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
 * CRC32 (zlib's), CRC32C and CRC64NVME (table-driven, reflected), SHA1, SHA256, and the MD5 behind ETags.
 * Values are base64 of the big-endian digest, as in the x-amz-checksum-* headers. All incremental: objects stream.
 */
import { createHash, type Hash } from "node:crypto";
import { crc32 } from "node:zlib";

export const CHECKSUM_ALGORITHMS = ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface Hasher {
  update(data: Buffer): void;
  /** base64 of the digest. */
  digest(): string;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

// CRC64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, init and xorout all ones; the table as two 32-bit halves.
const CRC64_LO = new Uint32Array(256);
const CRC64_HI = new Uint32Array(256);
(() => {
  const POLY_HI = 0x9a6c9329;
  const POLY_LO = 0xac4bc9b5;
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    CRC64_LO[i] = lo;
    CRC64_HI[i] = hi;
  }
})();

const be32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString("base64");
};

class Crc32 implements Hasher {
  private c = 0;
  update(data: Buffer): void {
    this.c = crc32(data, this.c);
  }
  digest(): string {
    return be32(this.c);
  }
}

class Crc32c implements Hasher {
  private c = 0xffffffff;
  update(data: Buffer): void {
    let c = this.c;
    for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    this.c = c >>> 0;
  }
  digest(): string {
    return be32((this.c ^ 0xffffffff) >>> 0);
  }
}

// Slicing-by-8 tables (T[k][i] = T[k-1][i] advanced by one zero byte): eight bytes per step, as S3 computes
// CRC64NVME for every object stored without a checksum of its own.
const S64_LO: Uint32Array[] = [CRC64_LO];
const S64_HI: Uint32Array[] = [CRC64_HI];
for (let k = 1; k < 8; k++) {
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const pl = S64_LO[k - 1]![i]!;
    const ph = S64_HI[k - 1]![i]!;
    const idx = pl & 0xff;
    lo[i] = (((pl >>> 8) | (ph << 24)) ^ CRC64_LO[idx]!) >>> 0;
    hi[i] = ((ph >>> 8) ^ CRC64_HI[idx]!) >>> 0;
  }
  S64_LO.push(lo);
  S64_HI.push(hi);
}
const [L0, L1, L2, L3, L4, L5, L6, L7] = S64_LO as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
const [H0, H1, H2, H3, H4, H5, H6, H7] = S64_HI as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

class Crc64Nvme implements Hasher {
  private lo = 0xffffffff;
  private hi = 0xffffffff;
  update(data: Buffer): void {
    let lo = this.lo;
    let hi = this.hi;
    let i = 0;
    const end8 = data.length - (data.length % 8);
    for (; i < end8; i += 8) {
      const xl = (lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
      const xh = (hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24))) >>> 0;
      lo = (L7[xl & 0xff]! ^ L6[(xl >>> 8) & 0xff]! ^ L5[(xl >>> 16) & 0xff]! ^ L4[xl >>> 24]! ^ L3[xh & 0xff]! ^ L2[(xh >>> 8) & 0xff]! ^ L1[(xh >>> 16) & 0xff]! ^ L0[xh >>> 24]!) >>> 0;
      hi = (H7[xl & 0xff]! ^ H6[(xl >>> 8) & 0xff]! ^ H5[(xl >>> 16) & 0xff]! ^ H4[xl >>> 24]! ^ H3[xh & 0xff]! ^ H2[(xh >>> 8) & 0xff]! ^ H1[(xh >>> 16) & 0xff]! ^ H0[xh >>> 24]!) >>> 0;
    }
    for (; i < data.length; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ CRC64_LO[idx]!) >>> 0;
      hi = ((hi >>> 8) ^ CRC64_HI[idx]!) >>> 0;
    }
    this.lo = lo;
    this.hi = hi;
  }
  digest(): string {
    const b = Buffer.alloc(8);
    b.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    b.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return b.toString("base64");
  }
}

class CryptoHasher implements Hasher {
  private readonly h: Hash;
  constructor(alg: string) {
    this.h = createHash(alg);
  }
  update(data: Buffer): void {
    this.h.update(data);
  }
  digest(): string {
    return this.h.digest("base64");
  }
}

export function hasherFor(alg: ChecksumAlgorithm): Hasher {
  switch (alg) {
    case "CRC32":
      return new Crc32();
    case "CRC32C":
      return new Crc32c();
    case "CRC64NVME":
      return new Crc64Nvme();
    case "SHA1":
      return new CryptoHasher("sha1");
    case "SHA256":
      return new CryptoHasher("sha256");
  }
}

/** One-shot checksum of bytes (composite checksums of multipart uploads). */
export function checksumOf(alg: ChecksumAlgorithm, data: Buffer): string {
  const h = hasherFor(alg);
  h.update(data);
  return h.digest();
}

export const isChecksumAlgorithm = (s: string | undefined): s is ChecksumAlgorithm => !!s && (CHECKSUM_ALGORITHMS as readonly string[]).includes(s.toUpperCase());
