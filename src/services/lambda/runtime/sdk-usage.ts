/**
 * Whether a node function's code asks for one of the SDK modules the startup snapshot preloads (and whether a python
 * function's names boto3, which its spares import ahead). Starting from
 * the snapshot costs more than a plain start (its larger heap is deserialized, page by page: ~120 ms of CPU more
 * than `node -e 0` on a 2-core VM whose page faults cost ~10 µs) and saves more when the function loads the SDK
 * (measured there: plain start + client-s3 239 ms, + client-dynamodb 199 ms; from the blob 189 ms; a blob without
 * client-s3 would take 165 ms), so only functions that name a preloaded module — and do not bundle their own copy of
 * it — start from it. The code's own files are searched (node_modules aside), bounded; the answer is kept per code
 * directory (a deployed package never changes).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { PRELOADED } from "./snapshot-build.js";

const MAX_FILES = 500;
const MAX_BYTES = 8 * 1024 * 1024;
const CACHE_MAX = 1000;
const cache = new Map<string, boolean>();

/** `live`: a code directory edited in place (hot reload) is searched again each time. */
export function usesPreloadedSdk(taskDir: string, live = false): boolean {
  return remembered(`node:${taskDir}`, live, () => {
    const wanted = PRELOADED.filter((p) => !existsSync(join(taskDir, "node_modules", p)));
    return wanted.length > 0 && codeMentions(taskDir, /\.(c|m)?js$/, (dir) => dir === "node_modules", wanted);
  });
}

/**
 * Whether a python function's code names boto3 (or botocore) and brings no copy of its own: its spares import
 * the provided boto3 while they wait (bootstrap/python.py).
 */
export function usesBoto3(taskDir: string): boolean {
  const own = ["boto3", "botocore"];
  return remembered(`python:${taskDir}`, false, () => !own.some((p) => existsSync(join(taskDir, p))) && codeMentions(taskDir, /\.py$/, (dir) => own.includes(dir), own));
}

function remembered(key: string, live: boolean, compute: () => boolean): boolean {
  const known = live ? undefined : cache.get(key);
  if (known !== undefined) return known;
  const found = compute();
  if (!live) {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, found);
  }
  return found;
}

/** Whether a file of the code (`files`, outside folders `skip` says no to) contains one of `needles`; bounded. */
function codeMentions(taskDir: string, files: RegExp, skip: (dir: string) => boolean, needles: string[]): boolean {
  let found = false;
  let count = 0;
  let bytes = 0;
  const visit = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (found || count >= MAX_FILES || bytes >= MAX_BYTES) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!skip(e.name) && depth < 8) visit(p, depth + 1);
      } else if (e.isFile() && files.test(e.name)) {
        count++;
        try {
          if (statSync(p).size > MAX_BYTES - bytes) continue;
          const text = readFileSync(p, "utf8");
          bytes += text.length;
          found = needles.some((w) => text.includes(w));
        } catch {
          // unreadable: not ours to judge
        }
      }
    }
  };
  visit(taskDir, 0);
  return found;
}
