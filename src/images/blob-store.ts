/**
 * The image blob store: layers, configs and manifests, content-addressed by sha256 under
 * `<data dir>/images/blobs/sha256/<hex>`, verified on write (a blob whose bytes do not hash to the digest
 * it was announced with is never stored), written to a temp file then renamed (whole or absent after a crash).
 * Ephemeral servers have a temp data dir, removed at close with everything in it.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { DIGEST } from "./media.js";

export class DigestMismatchError extends Error {}
export class TooLargeError extends Error {}

export class BlobFiles {
  readonly blobs: string;
  readonly tmp: string;
  readonly rootfs: string;

  constructor(readonly root: string) {
    this.blobs = join(root, "blobs", "sha256");
    this.tmp = join(root, "tmp");
    this.rootfs = join(root, "rootfs");
    for (const d of [this.blobs, this.tmp, this.rootfs]) mkdirSync(d, { recursive: true });
  }

  path(digest: string): string {
    if (!DIGEST.test(digest)) throw new Error(`bad digest ${digest}`);
    return join(this.blobs, digest.slice(7));
  }

  has(digest: string): boolean {
    return DIGEST.test(digest) && existsSync(this.path(digest));
  }

  /** Size in bytes, or undefined when absent. */
  size(digest: string): number | undefined {
    if (!DIGEST.test(digest)) return undefined;
    try {
      return statSync(this.path(digest)).size;
    } catch {
      return undefined;
    }
  }

  read(digest: string): Buffer {
    return readFileSync(this.path(digest));
  }

  stream(digest: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.path(digest), range);
  }

  /** Stores bytes; throws DigestMismatchError when `expected` is given and differs. */
  put(data: Buffer, expected?: string): string {
    const digest = "sha256:" + createHash("sha256").update(data).digest("hex");
    if (expected && expected !== digest) throw new DigestMismatchError(`digest mismatch: expected ${expected}, got ${digest}`);
    const path = this.path(digest);
    if (!existsSync(path)) {
      const tmp = join(this.tmp, randomUUID());
      writeFileSync(tmp, data);
      renameSync(tmp, path);
    }
    return digest;
  }

  /** Streams into the store with hashing on the way; at most `maxBytes`. */
  async putStream(input: Readable, expected: string | undefined, maxBytes: number): Promise<{ digest: string; size: number }> {
    const tmp = join(this.tmp, randomUUID());
    try {
      const { digest, size } = await writeHashed(input, tmp, maxBytes);
      if (expected && expected !== digest) throw new DigestMismatchError(`digest mismatch: expected ${expected}, got ${digest}`);
      if (!existsSync(this.path(digest))) renameSync(tmp, this.path(digest));
      return { digest, size };
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** Moves a file already hashed (an assembled chunked upload) into the store. */
  adopt(file: string, digest: string): void {
    if (existsSync(this.path(digest))) rmSync(file, { force: true });
    else renameSync(file, this.path(digest));
  }

  delete(digest: string): void {
    rmSync(this.path(digest), { force: true });
  }
}

/** Copies a stream to a file (appending when `append`), hashing what it writes; fails past maxBytes. */
export function writeHashed(input: Readable, file: string, maxBytes: number, append = false): Promise<{ digest: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    const out = createWriteStream(file, { flags: append ? "a" : "w" });
    let size = 0;
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      input.unpipe(out);
      input.resume();
      out.destroy();
      reject(e);
    };
    input.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) return fail(new TooLargeError(`blob larger than ${maxBytes} bytes`));
      hash.update(c);
    });
    input.on("error", fail);
    out.on("error", fail);
    out.on("finish", () => {
      if (!failed) resolve({ digest: "sha256:" + hash.digest("hex"), size });
    });
    input.pipe(out);
  });
}
