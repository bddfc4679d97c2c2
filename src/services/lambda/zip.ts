/**
 * A bounded zip reader for function and layer code. The central directory is read first, so a zip that
 * declares more than Lambda's unzipped limit is refused before a byte is inflated; entries are then
 * inflated one at a time in small steps straight to disk, with a running cap, because declared sizes can
 * lie (an entry that inflates past its declared size is refused as a corrupt zip). Memory stays at a few
 * MB per step whatever the zip expands to.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import { Inflate } from "fflate";

export interface ZipEntry {
  name: string;
  method: number;
  /** Declared sizes, from the central directory. */
  compressedSize: number;
  size: number;
  crc: number;
  /** Offset of the entry's local header. */
  localOffset: number;
  directory: boolean;
}

/** Why a zip cannot be used: "corrupt" (Lambda's "Could not unzip…") or "too-large" (over the unzipped limit). */
export class ZipProblem extends Error {
  constructor(readonly kind: "corrupt" | "too-large", detail: string) {
    super(detail);
  }
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_ENTRIES = 100_000;
/** Compressed bytes pushed per inflate step: deflate expands at most ~1032:1, so one step yields ≤ ~17 MB. */
const STEP_BYTES = 16 * 1024;

const corrupt = (detail: string) => new ZipProblem("corrupt", detail);

/** Reads the central directory; throws ZipProblem when it is malformed or declares more than `maxTotal` bytes. */
export function readCentralDirectory(zip: Uint8Array, maxTotal: number): ZipEntry[] {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt("no end of central directory");
  let count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && buf.readUInt32LE(eocd - 20) === EOCD64_LOCATOR) {
    const at = Number(buf.readBigUInt64LE(eocd - 12));
    if (at + 56 > buf.length || buf.readUInt32LE(at) !== EOCD64) throw corrupt("bad zip64 end of central directory");
    count = Number(buf.readBigUInt64LE(at + 32));
    offset = Number(buf.readBigUInt64LE(at + 48));
  }
  if (count > MAX_ENTRIES) throw corrupt(`more than ${MAX_ENTRIES} entries`);
  const entries: ZipEntry[] = [];
  let total = 0;
  for (let n = 0, p = offset; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw corrupt("bad central directory entry");
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    if (p + 46 + nameLen + extraLen > buf.length) throw corrupt("truncated central directory");
    const name = buf.toString("utf8", p + 46, p + 46 + nameLen);
    const entry: ZipEntry = {
      name,
      method,
      crc: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
      directory: name.endsWith("/"),
    };
    readZip64Extra(buf, p + 46 + nameLen, extraLen, entry);
    if (flags & 1) throw corrupt(`${name} is encrypted`);
    if (method !== 0 && method !== 8) throw corrupt(`${name} uses compression method ${method}`);
    total += entry.size;
    if (total > maxTotal) throw new ZipProblem("too-large", "declared sizes over the limit");
    entries.push(entry);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The zip64 extended information extra field holds the sizes and offset that did not fit in 32 bits. */
function readZip64Extra(buf: Buffer, start: number, len: number, e: ZipEntry): void {
  for (let p = start; p + 4 <= start + len; ) {
    const id = buf.readUInt16LE(p);
    const size = buf.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const next = () => {
        if (q + 8 > p + 4 + size) throw corrupt("bad zip64 extra field");
        const v = Number(buf.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      if (e.size === 0xffffffff) e.size = next();
      if (e.compressedSize === 0xffffffff) e.compressedSize = next();
      if (e.localOffset === 0xffffffff) e.localOffset = next();
      return;
    }
    p += 4 + size;
  }
}

/**
 * Inflates one entry into the file `target`, in steps. `budget` is what the whole archive may still
 * write; returns the bytes written. Throws ZipProblem past the entry's declared size or the budget.
 */
export function inflateEntryTo(zip: Uint8Array, entry: ZipEntry, target: string, budget: number): number {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = entry.localOffset;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== LOCAL) throw corrupt(`bad local header for ${entry.name}`);
  const dataStart = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > buf.length) throw corrupt(`${entry.name} is truncated`);
  const fd = openSync(target, "w", 0o755);
  let written = 0;
  let crc = 0;
  try {
    const write = (chunk: Uint8Array) => {
      written += chunk.length;
      if (written > entry.size) throw corrupt(`${entry.name} inflates past its declared size`);
      if (written > budget) throw new ZipProblem("too-large", "inflated size over the limit");
      crc = crc32(chunk, crc);
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
    };
    if (entry.method === 0) {
      for (let p = dataStart; p < dataEnd; p += STEP_BYTES) write(zip.subarray(p, Math.min(dataEnd, p + STEP_BYTES)));
    } else {
      let done = false;
      const inflater = new Inflate((chunk, final) => {
        if (chunk.length) write(chunk);
        if (final) done = true;
      });
      try {
        for (let p = dataStart; p < dataEnd; p += STEP_BYTES) inflater.push(zip.subarray(p, Math.min(dataEnd, p + STEP_BYTES)), p + STEP_BYTES >= dataEnd);
        if (dataStart === dataEnd) inflater.push(new Uint8Array(0), true);
      } catch (e) {
        if (e instanceof ZipProblem) throw e;
        throw corrupt(`${entry.name}: ${(e as Error).message}`);
      }
      if (!done) throw corrupt(`${entry.name} is truncated`);
    }
  } finally {
    closeSync(fd);
  }
  if (written !== entry.size || crc >>> 0 !== entry.crc >>> 0) throw corrupt(`${entry.name} does not match its size or checksum`);
  return written;
}
