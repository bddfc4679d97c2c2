/**
 * Applies image layers (tar, tar+gzip) to a root filesystem, safely: entry names that climb out with ".."
 * fail the layer; symbolic links met on the way to an entry are followed inside the root only (an absolute
 * target is read relative to the root, ".." stops at the root — as securejoin does); hard links must point
 * inside the root; device nodes and FIFOs are skipped; setuid/setgid bits are dropped; an existing entry is
 * replaced, never written through. Whiteouts (`.wh.name`) and opaque directories (`.wh..wh..opq`) hide
 * what lower layers put there (never what this layer put there, per the OCI image spec's layer rules).
 * Each layer's bytes are hashed on the way and must match its digest.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, createWriteStream, chmodSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, rmSync, symlinkSync, unlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract as tarExtract, type Header as Headers } from "tar-stream";

export class LayerError extends Error {}

export const UnpackLimits = {
  MAX_ENTRIES_PER_LAYER: 1_000_000,
  MAX_UNPACKED_BYTES: 32 * 1024 ** 3,
  MAX_SYMLINK_HOPS: 40,
} as const;

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

/** Splits an entry name into components; undefined when ".." climbs above the root. */
export function cleanName(name: string): string[] | undefined {
  const parts: string[] = [];
  for (const c of name.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (!parts.length) return undefined;
      parts.pop();
    } else parts.push(c);
  }
  return parts;
}

/** The host path of `parts` under `root`, following symlinks inside the root (never out of it). */
export function resolveInRoot(root: string, parts: string[], followLast: boolean): string {
  let cur: string[] = [];
  const queue = [...parts];
  let hops = 0;
  while (queue.length) {
    const c = queue.shift()!;
    if (c === "" || c === ".") continue;
    if (c === "..") {
      cur.pop();
      continue;
    }
    if (!queue.length && !followLast) {
      cur.push(c);
      break;
    }
    const p = join(root, ...cur, c);
    let st: Stats | undefined;
    try {
      st = lstatSync(p);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink()) {
      if (++hops > UnpackLimits.MAX_SYMLINK_HOPS) throw new LayerError(`too many levels of symbolic links at /${[...cur, c].join("/")}`);
      const target = readlinkSync(p);
      if (target.startsWith("/")) cur = [];
      queue.unshift(...target.split("/"));
      continue;
    }
    cur.push(c);
  }
  return join(root, ...cur);
}

/** "gzip" | "zstd" | "tar" from a layer file's first bytes. */
export function compressionOf(file: string): "gzip" | "zstd" | "tar" {
  const fd = openSync(file, "r");
  const b = Buffer.alloc(4);
  try {
    readSync(fd, b, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (b[0] === 0x1f && b[1] === 0x8b) return "gzip";
  if (b.readUInt32LE(0) === 0xfd2fb528) return "zstd";
  return "tar";
}

function removeExisting(path: string, keepDir: boolean): Stats | undefined {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return undefined;
  }
  if (st.isDirectory() && keepDir) return st;
  if (st.isDirectory()) rmSync(path, { recursive: true, force: true });
  else unlinkSync(path);
  return undefined;
}

/** Applies one layer file to `root`; `digest` is checked against the file's bytes. */
export async function applyLayer(root: string, file: string, digest: string): Promise<void> {
  const kind = compressionOf(file);
  if (kind === "zstd") throw new LayerError(`layer ${digest} is zstd-compressed, which Skyport cannot unpack yet (push it with gzip or uncompressed layers)`);
  const hash = createHash("sha256");
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const created = new Set<string>();
  let entries = 0;
  let bytes = 0;
  const ex = tarExtract();
  ex.on("entry", (header: Headers, source: unknown, next: (e?: Error | null) => void) => {
    // tar-stream hands out streamx streams: close enough to node streams for pipe/resume/async iteration.
    const stream = source as Readable;
    if (++entries > UnpackLimits.MAX_ENTRIES_PER_LAYER) return next(new LayerError(`layer ${digest} has more than ${UnpackLimits.MAX_ENTRIES_PER_LAYER} entries`));
    applyEntry(root, header, stream, created, (n) => {
      bytes += n;
      if (bytes > UnpackLimits.MAX_UNPACKED_BYTES) throw new LayerError(`image unpacks to more than ${UnpackLimits.MAX_UNPACKED_BYTES} bytes`);
    }).then(
      () => next(),
      (e) => {
        stream.resume();
        next(e as Error);
      },
    );
  });
  const source = createReadStream(file);
  try {
    if (kind === "gzip") await pipeline(source, hasher, createGunzip(), ex);
    else await pipeline(source, hasher, ex);
  } catch (e) {
    if (e instanceof LayerError) throw e;
    throw new LayerError(`layer ${digest} is not a valid ${kind === "gzip" ? "gzip-compressed " : ""}tar archive: ${(e as Error).message}`);
  }
  const got = "sha256:" + hash.digest("hex");
  if (got !== digest) throw new LayerError(`layer ${digest} does not match its digest (its bytes hash to ${got})`);
}

async function applyEntry(root: string, h: Headers, stream: Readable, created: Set<string>, count: (n: number) => void): Promise<void> {
  const parts = cleanName(h.name);
  if (!parts) throw new LayerError(`layer entry "${h.name}" escapes the root filesystem`);
  if (!parts.length) return void stream.resume(); // "./" itself
  const base = parts[parts.length - 1]!;
  const parent = resolveInRoot(root, parts.slice(0, -1), true);
  if (base.startsWith(WHITEOUT)) {
    stream.resume();
    if (base === OPAQUE) {
      let names: string[] = [];
      try {
        names = readdirSync(parent);
      } catch {
        return;
      }
      for (const n of names) if (!created.has(join(parent, n))) rmSync(join(parent, n), { recursive: true, force: true });
    } else {
      const victim = join(parent, base.slice(WHITEOUT.length));
      if (!created.has(victim)) rmSync(victim, { recursive: true, force: true });
    }
    return;
  }
  const dest = join(parent, base);
  const mode = (h.mode ?? 0o644) & 0o1777; // no setuid/setgid
  switch (h.type) {
    case "directory": {
      stream.resume();
      mkdirSync(parent, { recursive: true });
      if (!removeExisting(dest, true)) mkdirSync(dest);
      chmodSync(dest, mode | 0o700);
      break;
    }
    case "file":
    case "contiguous-file": {
      mkdirSync(parent, { recursive: true });
      removeExisting(dest, false);
      let n = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _e, cb) {
          n += chunk.length;
          try {
            count(chunk.length);
          } catch (e) {
            return cb(e as Error);
          }
          cb(null, chunk);
        },
      });
      await pipeline(stream, counter, createWriteStream(dest, { flags: "wx", mode: 0o600 }));
      chmodSync(dest, mode);
      void n;
      break;
    }
    case "symlink": {
      stream.resume();
      mkdirSync(parent, { recursive: true });
      removeExisting(dest, false);
      symlinkSync(h.linkname ?? "", dest);
      break;
    }
    case "link": {
      stream.resume();
      const target = cleanName(h.linkname ?? "");
      if (!target || !target.length) throw new LayerError(`layer entry "${h.name}" is a hard link out of the root filesystem ("${h.linkname}")`);
      const from = resolveInRoot(root, target, false);
      let st: Stats;
      try {
        st = lstatSync(from);
      } catch {
        throw new LayerError(`layer entry "${h.name}" is a hard link to "${h.linkname}", which does not exist`);
      }
      if (st.isDirectory()) throw new LayerError(`layer entry "${h.name}" is a hard link to a directory`);
      mkdirSync(parent, { recursive: true });
      removeExisting(dest, false);
      linkSync(from, dest);
      break;
    }
    default:
      // character/block devices, FIFOs and anything else: never created (an unprivileged runtime cannot use them safely).
      stream.resume();
      return;
  }
  created.add(dest);
}
