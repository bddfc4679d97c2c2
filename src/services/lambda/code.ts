/**
 * Function code on disk: a zip is stored once as a blob and extracted once per code hash to
 * <data-dir>/lambda/code/<sha256>/task. A `node_modules` link next to `task/` points at Skyport's own
 * node_modules, so nodejs functions import the AWS SDK v3 without bundling it (ESM resolution walks up
 * from the handler's folder; NODE_PATH alone is ignored by ESM) — as the real nodejs runtime provides it.
 */
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { ServiceError } from "../../aws/errors.js";
import { Limits, Messages } from "./constants.js";
import { inflateEntryTo, readCentralDirectory, ZipProblem, type ZipEntry } from "./zip.js";

/** Skyport's own node_modules (walks up from this file: src/ or dist/ layout alike). */
export const SKYPORT_NODE_MODULES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../node_modules");

export interface CodeInfo {
  /** base64 SHA-256 of the zip, as Lambda reports CodeSha256. */
  sha256: string;
  hex: string;
  size: number;
}

export function describeZip(zip: Uint8Array): CodeInfo {
  const digest = createHash("sha256").update(zip).digest();
  return { sha256: digest.toString("base64"), hex: digest.toString("hex"), size: zip.length };
}

/** A zip whose central directory was read and checked; entries are inflated only by extractCode. */
export interface ZipArchive {
  zip: Uint8Array;
  entries: ZipEntry[];
}

/** The archive of a function without a zip (hot reload from a directory): nothing to extract. */
export const NO_ARCHIVE: ZipArchive = { zip: new Uint8Array(0), entries: [] };

const unzippedTooLarge = () => new ServiceError("InvalidParameterValueException", `Unzipped size must be smaller than ${Limits.MAX_UNZIPPED_BYTES} bytes`, 400);
const badZip = () => new ServiceError("InvalidParameterValueException", Messages.badZip, 400);

/** Checks the zip can be read and declares no more than Lambda's unzipped limit; throws Lambda's error otherwise. */
export function checkZip(zip: Uint8Array): ZipArchive {
  if (zip.length > Limits.MAX_ZIP_BYTES) throw new ServiceError("RequestEntityTooLargeException", Messages.zipTooLarge, 413);
  try {
    return { zip, entries: readCentralDirectory(zip, Limits.MAX_UNZIPPED_BYTES) };
  } catch (e) {
    if (e instanceof ZipProblem && e.kind === "too-large") throw unzippedTooLarge();
    throw badZip();
  }
}

/**
 * Extracts the code (once per hash) and returns the task root. Entries stream to disk with a running cap
 * on the total (declared sizes can lie); past it, or on a corrupt entry, nothing is kept and Lambda's error is thrown.
 */
export function extractCode(codeRoot: string, info: CodeInfo, archive: () => ZipArchive): string {
  const dir = join(codeRoot, info.hex);
  const task = join(dir, "task");
  if (existsSync(task)) return task;
  const tmp = join(codeRoot, `${info.hex}.${process.pid}.${Date.now()}.tmp`);
  mkdirSync(tmp, { recursive: true });
  const { zip, entries } = archive();
  let budget = Limits.MAX_UNZIPPED_BYTES;
  try {
    for (const entry of entries) {
      const target = resolve(tmp, entry.name);
      if (!target.startsWith(tmp + sep)) continue; // no path traversal out of the task root
      if (entry.directory) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      budget -= inflateEntryTo(zip, entry, target, budget);
      chmodSync(target, 0o755); // bootstrap and binaries must run whatever the zip's tool recorded
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof ZipProblem) throw e.kind === "too-large" ? unzippedTooLarge() : badZip();
    throw e;
  }
  mkdirSync(dir, { recursive: true });
  try {
    renameSync(tmp, task);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another extraction won the race
  }
  if (!existsSync(join(dir, "node_modules"))) {
    try {
      symlinkSync(SKYPORT_NODE_MODULES, join(dir, "node_modules"), "dir");
    } catch {
      /* exists */
    }
  }
  return task;
}

/** An archive's unzipped size: its entries' declared sizes (extraction holds every entry to its own). */
export function unzippedBytes(archive: ZipArchive): number {
  let n = 0;
  for (const e of archive.entries) if (!e.directory) n += e.size;
  return n;
}

/** The unzipped size of each code hash extracted (a hash's tree never changes). */
const extractedSizes = new Map<string, number>();

/** The bytes of the files an extracted code hash (a function's or a layer's) holds; 0 when it is not on disk. */
export function extractedBytes(codeRoot: string, hex: string): number {
  const dir = join(codeRoot, hex, "task");
  let n = extractedSizes.get(dir);
  if (n === undefined) {
    n = existsSync(dir) ? treeBytes(dir) : 0;
    extractedSizes.set(dir, n);
  }
  return n;
}

function treeBytes(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) n += treeBytes(path);
    else if (entry.isFile()) n += statSync(path).size;
  }
  return n;
}

/** Lambda's limit on a function's code and its layers together, unzipped (CreateFunction and both updates check it). */
export function checkCombinedSize(bytes: number): void {
  if (bytes > Limits.MAX_UNZIPPED_BYTES) {
    throw new ServiceError("InvalidParameterValueException", `Function code combined with layers exceeds the maximum allowed size of ${Limits.MAX_UNZIPPED_BYTES} bytes. The actual size is ${bytes} bytes.`, 400);
  }
}

/**
 * The task root of a function with layers run outside the sandbox: <hex>.layered/task, the files of <hex>/task
 * hard-linked (copied where a link cannot be made), made once per code hash. No node_modules link to the provided SDK
 * is on node's walk up from it, so the function's NODE_PATH decides, its layers before the SDK, as on Lambda (the
 * sandbox binds no SDK on the walk for such a function either). From <hex>/task the walk finds the link first, and a
 * layer's own copy of an SDK package lost to the provided one, for require and import alike.
 */
export function layeredTaskRoot(codeRoot: string, hex: string): string {
  return buildOnce(join(codeRoot, `${hex}.layered`, "task"), (tmp) => linkTree(join(codeRoot, hex, "task"), tmp));
}

/**
 * Outside the sandbox, a path under /var/task or /opt (as a function names its wrapper script) as the host has it:
 * in the code's folder, or in the folder of its layers (`opt`, layers.ts). Any other path is the host's already.
 */
export function hostPathOf(path: string, hostTask: string, opt: string | undefined): string {
  const under = (dir: string) => path === dir || path.startsWith(`${dir}/`);
  if (under("/var/task")) return hostTask + path.slice("/var/task".length);
  if (opt && under("/opt")) return opt + path.slice("/opt".length);
  return path;
}

/**
 * Puts the tree of `from` into `to`: its folders made, its files hard-linked (copied where a link cannot be made),
 * replacing what `to` already holds at the same path, as extracting one zip over another does.
 */
export function linkTree(from: string, to: string): void {
  if (existsSync(to) && !lstatSync(to).isDirectory()) rmSync(to, { force: true });
  mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      linkTree(source, target);
      continue;
    }
    rmSync(target, { recursive: true, force: true });
    try {
      linkSync(source, target);
    } catch {
      copyFileSync(source, target);
    }
  }
}

/** `build(tmp)` makes a folder that then appears at `dir` whole; made once: an existing `dir` is kept. */
export function buildOnce(dir: string, build: (tmp: string) => void): string {
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.${process.pid}.${Date.now()}.tmp`;
  try {
    build(tmp);
    mkdirSync(dirname(dir), { recursive: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw e; // else another launch made it first
  }
  return dir;
}

/**
 * Code.S3Bucket/S3Key[/S3ObjectVersion]: the zip read from Skyport's S3 in process (the S3 slice's addition).
 * A missing bucket or key is Lambda's InvalidParameterValueException quoting S3's error, as AWS words it.
 */
export async function zipFromS3(services: { call<O>(s: string, op: string, ctx: import("../../edge/context.js").RequestContext, input: object): Promise<O> }, ctx: import("../../edge/context.js").RequestContext, bucket: string, key: string | undefined, version: string | undefined): Promise<Buffer> {
  let out: { Body?: AsyncIterable<Buffer>; ContentLength?: number };
  try {
    out = await services.call("s3", "GetObject", ctx, { Bucket: bucket, Key: key ?? "", VersionId: version });
  } catch (e) {
    if (e instanceof ServiceError && e.status < 500) throw new ServiceError("InvalidParameterValueException", `Error occurred while GetObject. S3 Error Code: ${e.code}. S3 Error Message: ${e.message}`, 400);
    throw e;
  }
  if ((out.ContentLength ?? 0) > S3_ZIP_MAX_BYTES) {
    (out.Body as unknown as { destroy?(): void })?.destroy?.();
    throw new ServiceError("InvalidParameterValueException", `Unzipped size must be smaller than ${S3_ZIP_MAX_BYTES} bytes`, 400);
  }
  const chunks: Buffer[] = [];
  for await (const c of out.Body ?? []) chunks.push(c);
  return Buffer.concat(chunks);
}
const S3_ZIP_MAX_BYTES = 262144000;
