/** Builds layer tars in memory for tests (tar-stream's packer), optionally gzipped, and writes them as blobs. */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

export type Entry = { name: string; type?: "file" | "directory" | "symlink" | "link" | "character-device" | "fifo"; body?: string | Buffer; linkname?: string; mode?: number };

export async function makeTar(entries: Entry[], gzip = false): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => p.on("end", () => resolve()));
  for (const e of entries) {
    const type = e.type ?? "file";
    const body = type === "file" ? (Buffer.isBuffer(e.body) ? e.body : Buffer.from(e.body ?? "")) : undefined;
    await new Promise<void>((resolve, reject) =>
      p.entry({ name: e.name, type, linkname: e.linkname, mode: e.mode ?? (type === "directory" ? 0o755 : 0o644), size: body?.length ?? 0, devmajor: 1, devminor: 3 }, body ?? "", (err) => (err ? reject(err) : resolve())),
    );
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}

export const sha256 = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

/** Writes bytes to dir/<hex> and returns [path, digest]. */
export function writeBlob(dir: string, data: Buffer): [string, string] {
  const d = sha256(data);
  const path = join(dir, d.slice(7));
  writeFileSync(path, data);
  return [path, d];
}
