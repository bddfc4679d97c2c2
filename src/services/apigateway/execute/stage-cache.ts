/**
 * The stage cache ("Cache settings for REST APIs"): with the stage's cache cluster enabled and `cachingEnabled`
 * in the method's settings, integration responses are kept for `cacheTtlInSeconds` (default 300, 0 disables,
 * at most 3600) under a key of the method, resource and the values of the integration's `cacheKeyParameters`.
 * Caching through `*\/*` covers GET methods only, as on AWS; another verb needs its own method setting.
 * Each stage's cache holds at most its cluster size (0.5 GB … 237 GB) in bytes and drops the least recently
 * used entries beyond it. Entries live in this process (a shared store could hold them later, like the buckets),
 * so all stages together hold at most MAX_TOTAL_BYTES: a cluster size is a budget, not memory set aside.
 */
import type { HttpResponse } from "../../../aws/protocol/types.js";

const GB = 1024 * 1024 * 1024;
export const DEFAULT_TTL_SECONDS = 300;
export const MAX_TTL_SECONDS = 3600;
/** Bookkeeping counted per entry besides its bytes (key, headers, object). */
const ENTRY_OVERHEAD_BYTES = 256;
/** What every stage cache together may take of the server's memory. */
export const MAX_TOTAL_BYTES = 256 * 1024 * 1024;

export interface CachedResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

interface Entry extends CachedResponse {
  expiresMs: number;
  bytes: number;
}

interface StageStore {
  budgetBytes: number;
  bytes: number;
  /** Map order is least recently used first. */
  entries: Map<string, Entry>;
}

/** The byte budget of a cache cluster size ("0.5", "1.6", … GB). */
export const clusterBytes = (size: string | undefined) => Math.floor((Number(size ?? "0.5") || 0.5) * GB);

export class StageCache {
  private readonly stages = new Map<string, StageStore>();
  private totalBytes = 0;

  constructor(private readonly maxStages = 10_000, private readonly maxTotalBytes = MAX_TOTAL_BYTES) {}

  get(stageKey: string, key: string, nowMs: number): CachedResponse | undefined {
    const s = this.stages.get(stageKey);
    const e = s?.entries.get(key);
    if (!s || !e) return undefined;
    s.entries.delete(key);
    if (e.expiresMs <= nowMs) {
      s.bytes -= e.bytes;
      this.totalBytes -= e.bytes;
      return undefined;
    }
    s.entries.set(key, e); // most recently used now
    return e;
  }

  put(stageKey: string, budgetBytes: number, key: string, res: CachedResponse, ttlSeconds: number, nowMs: number): void {
    let s = this.stages.get(stageKey);
    if (!s) {
      if (this.stages.size >= this.maxStages) this.reset();
      this.stages.set(stageKey, (s = { budgetBytes, bytes: 0, entries: new Map() }));
    }
    s.budgetBytes = budgetBytes;
    let headerBytes = 0;
    for (const [k, v] of Object.entries(res.headers)) headerBytes += k.length + String(v).length;
    const bytes = res.body.length + key.length + headerBytes + ENTRY_OVERHEAD_BYTES;
    if (bytes > s.budgetBytes || bytes > this.maxTotalBytes) return;
    const old = s.entries.get(key);
    if (old) {
      s.entries.delete(key);
      s.bytes -= old.bytes;
      this.totalBytes -= old.bytes;
    }
    s.entries.set(key, { status: res.status, headers: res.headers, body: res.body, expiresMs: nowMs + ttlSeconds * 1000, bytes });
    s.bytes += bytes;
    this.totalBytes += bytes;
    this.evict(s, () => s.bytes > s.budgetBytes);
    // Over the process-wide cap: this stage's older entries go first, then other stages'.
    const overTotal = () => this.totalBytes > this.maxTotalBytes;
    this.evict(s, overTotal, key);
    for (const other of this.stages.values()) if (overTotal() && other !== s) this.evict(other, overTotal);
  }

  private evict(s: StageStore, over: () => boolean, keep?: string): void {
    for (const [k, e] of s.entries) {
      if (!over()) break;
      if (k === keep) continue;
      s.entries.delete(k);
      s.bytes -= e.bytes;
      this.totalBytes -= e.bytes;
    }
  }

  /** FlushStageCache (and a redeployment's or stage deletion's clean-up). */
  flush(stageKey: string): void {
    this.totalBytes -= this.stages.get(stageKey)?.bytes ?? 0;
    this.stages.delete(stageKey);
  }

  /** Bytes held for a stage (tests, health). */
  bytesOf(stageKey: string): number {
    return this.stages.get(stageKey)?.bytes ?? 0;
  }

  /** Bytes held by all stages. */
  get bytes(): number {
    return this.totalBytes;
  }

  reset(): void {
    this.stages.clear();
    this.totalBytes = 0;
  }
}

/** A response as the cache keeps it (the body as bytes). */
export function toCached(r: HttpResponse): CachedResponse {
  return { status: r.status, headers: { ...r.headers }, body: typeof r.body === "string" ? Buffer.from(r.body) : r.body };
}
