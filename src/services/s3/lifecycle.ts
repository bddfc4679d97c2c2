/**
 * Lifecycle expiration: a sweep (on a timer, and `sweep()` for tests with a fake clock) expires current
 * objects whose rule's Expiration.Days or Expiration.Date has passed. As S3 does, an object expires at the
 * first midnight UTC at least Days after its creation
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html).
 * Versioned buckets get a delete marker; unversioned ones lose the object. Transitions, noncurrent-version
 * and abort-incomplete-upload rules are stored, not acted on.
 */
import type { RequestContext } from "../../edge/context.js";
import type { S3Core } from "./core.js";
import type { BucketRow, ObjectRow } from "./store.js";

const DAY_MS = 86_400_000;

interface Rule {
  Status?: string;
  Prefix?: string;
  Filter?: { Prefix?: string; Tag?: { Key: string; Value: string }; And?: { Prefix?: string; Tags?: Array<{ Key: string; Value: string }> } };
  Expiration?: { Days?: number; Date?: string | Date };
}

export function sweepLifecycle(core: S3Core, deleteObject: (ctx: RequestContext, b: BucketRow, key: string) => void): number {
  const now = core.env.clock.now();
  let expired = 0;
  const buckets = core.store.q(`SELECT * FROM s3_buckets WHERE config LIKE '%"lifecycle"%'`).all() as BucketRow[];
  for (const b of buckets) {
    const rules = (core.config<Rule[]>(b, "lifecycle") ?? []).filter((r) => r.Status === "Enabled" && r.Expiration && (r.Expiration.Days !== undefined || r.Expiration.Date !== undefined));
    if (!rules.length) continue;
    const ctx: RequestContext = { requestId: core.env.ids.uuid(), accountId: b.account, region: b.region, service: "s3", operation: "LifecycleExpiration", principal: { accessKeyId: "", anonymous: false }, clock: core.env.clock, endpoint: core.env.services.localEndpoint };
    for (const r of rules) {
      const prefix = r.Filter?.Prefix ?? r.Filter?.And?.Prefix ?? r.Prefix ?? "";
      const tags = r.Filter?.Tag ? [r.Filter.Tag] : r.Filter?.And?.Tags ?? [];
      let after: string | null = null;
      for (;;) {
        const rows: ObjectRow[] = core.store.listLatest(b.name, prefix, after, 500);
        if (!rows.length) break;
        for (const row of rows) {
          after = row.key;
          if (!row.key.startsWith(prefix)) break;
          if (!isExpired(r, row.modified, now)) continue;
          if (tags.length) {
            const t = (JSON.parse(row.meta) as { tags?: Record<string, string> }).tags ?? {};
            if (!tags.every((x) => t[x.Key] === x.Value)) continue;
          }
          deleteObject(ctx, b, row.key);
          expired++;
        }
        if (rows.length < 500 || !rows[rows.length - 1]!.key.startsWith(prefix)) break;
      }
    }
  }
  return expired;
}

function isExpired(r: Rule, created: number, now: number): boolean {
  const e = r.Expiration!;
  if (e.Date !== undefined) return now >= new Date(e.Date).getTime();
  const due = Math.ceil((created + e.Days! * DAY_MS) / DAY_MS) * DAY_MS;
  return now >= due;
}
