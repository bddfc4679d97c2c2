/**
 * Values derived from a store's rows, kept until the next write of those rows: for reads on hot paths (Lambda's
 * Invoke target and GetPolicy, API Gateway's API location and stage on every execute-api request). The store
 * calls `invalidate()` with each write (and on reset); everything remembered before is then read again. A value
 * `keep` refuses is not kept, nor is a throw. Bounded: past `max` entries everything is read again.
 */
export class WriteMemo {
  /** Changes with every write: what was computed at another generation is stale. */
  private gen = 0;
  private memoGen = 0;
  private readonly memo = new Map<string, unknown>();

  constructor(private readonly max = 1000) {}

  invalidate(): void {
    this.gen++;
  }

  remember<T>(key: string, compute: () => T, keep: (v: T) => boolean = () => true): T {
    if (this.memoGen !== this.gen || this.memo.size >= this.max) {
      this.memo.clear();
      this.memoGen = this.gen;
    }
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const v = compute();
    if (keep(v)) this.memo.set(key, v);
    return v;
  }
}
