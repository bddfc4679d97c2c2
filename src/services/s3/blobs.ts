/**
 * Object bytes on disk, streamed both ways — never a whole object in memory. A write goes to a temp file,
 * is fsynced, then renamed into place; only then does the caller insert the row that makes it visible, so a
 * `kill -9` mid-upload leaves at worst a temp file (swept at start), never a half object.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, readdirSync, rmSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { ServiceError } from "../../aws/errors.js";
import type { Hasher } from "./checksums.js";

export interface Written {
  id: string;
  size: number;
  md5: Buffer;
  sha256?: string;
}

export interface WriteOptions {
  /** Extra checksums computed as the bytes pass. */
  hashers?: Hasher[];
  maxBytes: number;
  /** Declared length: fewer bytes is an IncompleteBody. */
  expected?: number;
  /** Also compute the SHA-256 (hex), to check x-amz-content-sha256. */
  sha256?: boolean;
}

export class ObjectBlobs {
  private readonly tmp: string;

  constructor(readonly dir: string) {
    this.tmp = join(dir, "tmp");
    mkdirSync(this.tmp, { recursive: true });
    // Uploads cut short by a crash: their temp files were never made visible.
    for (const f of readdirSync(this.tmp)) rmSync(join(this.tmp, f), { force: true });
  }

  path(id: string): string {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`bad object blob id ${id}`);
    return join(this.dir, id.slice(0, 2), id);
  }

  /** Streams `src` (or several sources one after the other) into a new blob. */
  async write(src: Readable | Readable[], o: WriteOptions): Promise<Written> {
    const id = randomBytes(16).toString("hex");
    const tmp = join(this.tmp, id);
    const md5 = createHash("md5");
    const sha = o.sha256 ? createHash("sha256") : undefined;
    // Recreated on demand: a /_skyport/reset empties the whole blob directory.
    mkdirSync(this.tmp, { recursive: true });
    const fh = await open(tmp, "w");
    let size = 0;
    try {
      for (const s of Array.isArray(src) ? src : [src]) {
        for await (const chunk of s as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > o.maxBytes) throw new ServiceError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400);
          md5.update(chunk);
          sha?.update(chunk);
          if (o.hashers) for (const h of o.hashers) h.update(chunk);
          let off = 0;
          while (off < chunk.length) off += (await fh.write(chunk, off)).bytesWritten;
        }
      }
      if (o.expected !== undefined && size < o.expected) {
        throw new ServiceError("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header", 400);
      }
      await fh.sync();
      await fh.close();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      if (e instanceof ServiceError) throw e;
      throw new ServiceError("IncompleteBody", "The request body terminated unexpectedly", 400);
    }
    mkdirSync(join(this.dir, id.slice(0, 2)), { recursive: true });
    await rename(tmp, this.path(id));
    return { id, size, md5: md5.digest(), sha256: sha?.digest("hex") };
  }

  /** The bytes of a blob, or of its inclusive range [start, end]. */
  read(id: string, start?: number, end?: number): Readable {
    return createReadStream(this.path(id), start === undefined ? undefined : { start, end });
  }

  delete(ids: Array<string | null | undefined>): void {
    for (const id of ids) if (id) rmSync(this.path(id), { force: true });
  }
}
