import { randomBytes, randomFillSync, randomUUID } from "node:crypto";

/**
 * Random bytes as text, cut from a pool filled 4 KB at a time: one randomBytes() call costs ~8 µs on these
 * machines, which a request path that takes an id per request should not pay (randomUUID() pools the same way).
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
export function randomText(bytes: number, encoding: "hex" | "base64" | "base64url"): string {
  if (bytes > pool.length) return randomBytes(bytes).toString(encoding);
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += bytes;
  return pool.toString(encoding, poolAt - bytes, poolAt);
}

/** Id generation, injected so tests can make ids deterministic. */
export interface IdGenerator {
  /** A v4 UUID (request ids, Lambda request ids). */
  uuid(): string;
  /** `length` characters of [a-z0-9] (API Gateway ids, Lambda URL ids). */
  alnum(length: number): string;
  /** `bytes` random bytes as hex. */
  hex(bytes: number): string;
}

const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

export const randomIds: IdGenerator = {
  uuid: () => randomUUID(),
  alnum(length) {
    const bytes = randomBytes(length);
    let s = "";
    for (let i = 0; i < length; i++) s += ALNUM[bytes[i]! % ALNUM.length];
    return s;
  },
  hex: (bytes) => randomText(bytes, "hex"),
};

/** Deterministic ids for tests. */
export class SequentialIds implements IdGenerator {
  private n = 0;
  uuid(): string {
    const h = (++this.n).toString(16).padStart(12, "0");
    return `00000000-0000-4000-8000-${h}`;
  }
  alnum(length: number): string {
    return (++this.n).toString(36).padStart(length, "0").slice(-length);
  }
  hex(bytes: number): string {
    return (++this.n).toString(16).padStart(bytes * 2, "0").slice(-bytes * 2);
  }
}
