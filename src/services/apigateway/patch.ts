/**
 * PatchOperations as API Gateway applies them (op add|replace|remove|copy on paths like /name,
 * /binaryMediaTypes/image~1png, /variables/x): one generic implementation for every Update* operation.
 * Reference: "PatchOperation" in the API Gateway REST API reference.
 */
import { ServiceError } from "../../aws/errors.js";

export interface PatchOperation {
  op?: string;
  path?: string;
  value?: string;
  from?: string;
}

const unescape = (s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~");

/** Optional hook for paths with their own meaning (stage method settings); return true when handled. */
export type PatchHook = (op: PatchOperation, segments: string[]) => boolean;

export function applyPatch(target: Record<string, unknown>, ops: PatchOperation[] | undefined, allowed?: RegExp, hook?: PatchHook): void {
  for (const op of ops ?? []) {
    if (!op.path || !op.path.startsWith("/")) throw new ServiceError("BadRequestException", `Invalid patch path ${op.path ?? ""}`, 400);
    if (allowed && !allowed.test(op.path)) throw new ServiceError("BadRequestException", `Invalid patch path ${op.path}`, 400);
    const segments = op.path.slice(1).split("/").map(unescape);
    if (hook?.(op, segments)) continue;
    const kind = op.op ?? "replace";
    let parent: Record<string, unknown> = target;
    const chain: Array<[Record<string, unknown>, string]> = [];
    for (const seg of segments.slice(0, -1)) {
      chain.push([parent, seg]);
      const next = parent[seg];
      if (Array.isArray(next)) {
        // "/binaryMediaTypes/image~1png": the last segment is the array element itself.
        parent = { __array: next, __key: seg, __owner: parent } as unknown as Record<string, unknown>;
        break;
      }
      if (next === undefined || next === null || typeof next !== "object") parent[seg] = {};
      parent = parent[seg] as Record<string, unknown>;
    }
    const last = segments[segments.length - 1]!;
    if ("__array" in parent) {
      const owner = parent.__owner as Record<string, unknown>;
      const key = parent.__key as string;
      const arr = (owner[key] as string[]).filter((x) => x !== last);
      if (kind === "add" || kind === "replace") arr.push(op.value ?? last);
      owner[key] = arr;
      continue;
    }
    if (kind === "remove") {
      if (Array.isArray(parent[last]) && op.value) parent[last] = (parent[last] as string[]).filter((x) => x !== op.value);
      else delete parent[last];
      // A map left empty goes too (AWS omits it afterwards), and so do maps the walk itself created.
      for (let i = chain.length - 1; i >= 0; i--) {
        const [owner, key] = chain[i]!;
        const v = owner[key];
        if (v === null || typeof v !== "object" || Array.isArray(v) || Object.keys(v).length > 0) break;
        delete owner[key];
      }
    } else if (kind === "add" || kind === "replace") {
      parent[last] = coerce(parent[last], op.value);
    } else if (kind === "copy") {
      if (!op.from) throw new ServiceError("BadRequestException", "Missing 'from' for copy", 400);
      const from = op.from.slice(1).split("/").map(unescape).reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], target);
      parent[last] = from;
    } else {
      throw new ServiceError("BadRequestException", `Invalid patch operation specified. Must be one of: [add, remove, replace, move, copy, test]`, 400);
    }
  }
}

/** Keeps the field's type: numbers and booleans arrive as strings. */
export function coerce(existing: unknown, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  if (typeof existing === "number") return Number(value);
  if (typeof existing === "boolean") return value === "true";
  if (Array.isArray(existing)) return value.split(",");
  return value;
}
