/**
 * Function code on disk: a zip is stored once as a blob and extracted once per code hash to
 * <data-dir>/lambda/code/<sha256>/task. A `node_modules` link next to `task/` points at Skyport's own
 * node_modules, so nodejs functions import the AWS SDK v3 without bundling it (ESM resolution walks up
 * from the handler's folder; NODE_PATH alone is ignored by ESM) — as the real nodejs runtime provides it.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";
import { ServiceError } from "../../aws/errors.js";
import { Limits, Messages } from "./constants.js";

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

/** Checks the zip can be read; throws Lambda's error otherwise. */
export function checkZip(zip: Uint8Array): Record<string, Uint8Array> {
  if (zip.length > Limits.MAX_ZIP_BYTES) throw new ServiceError("RequestEntityTooLargeException", Messages.zipTooLarge, 413);
  try {
    return unzipSync(zip);
  } catch {
    throw new ServiceError("InvalidParameterValueException", Messages.badZip, 400);
  }
}

/** Extracts the code (once per hash) and returns the task root. */
export function extractCode(codeRoot: string, info: CodeInfo, files: () => Record<string, Uint8Array>): string {
  const dir = join(codeRoot, info.hex);
  const task = join(dir, "task");
  if (existsSync(task)) return task;
  const tmp = join(codeRoot, `${info.hex}.${process.pid}.${Date.now()}.tmp`);
  mkdirSync(tmp, { recursive: true });
  let total = 0;
  for (const [name, data] of Object.entries(files())) {
    const target = resolve(tmp, name);
    if (!target.startsWith(tmp + sep)) continue; // no path traversal out of the task root
    if (name.endsWith("/")) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    total += data.length;
    if (total > Limits.MAX_UNZIPPED_BYTES) {
      rmSync(tmp, { recursive: true, force: true });
      throw new ServiceError("InvalidParameterValueException", `Unzipped size must be smaller than ${Limits.MAX_UNZIPPED_BYTES} bytes`, 400);
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
    chmodSync(target, 0o755); // zip modes are not carried by fflate; bootstrap and binaries must run
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
