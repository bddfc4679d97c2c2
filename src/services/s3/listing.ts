/**
 * ListObjects (v1), ListObjectsV2 and ListObjectVersions: prefix, delimiter and common prefixes, markers,
 * continuation tokens, start-after, max-keys (≤ 1000) and encoding-type=url. Common prefixes are skipped past
 * in one index seek each, so a page costs O(max-keys) rows, not O(objects under a prefix).
 */
import type * as S from "../../aws/api/s3.js";
import type { RequestContext } from "../../edge/context.js";
import { Errors } from "./errors.js";
import { quoted, meta, type S3Core } from "./core.js";
import type { ObjectRow } from "./store.js";

const MAX_KEYS = 1000;
/** After every key that starts with p (p's last UTF-16 unit incremented; UTF-8 order agrees outside surrogates). */
const after = (p: string) => p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
/** encoding-type=url: keys, prefixes and delimiters URL-encoded (clients decode them with decodeURIComponent). */
const enc = (url: boolean) => (s: string | undefined) => (s === undefined || !url ? s : encodeURIComponent(s).replace(/%2F/g, "/"));

interface Page<T> {
  items: T[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or prefix returned (the next marker). */
  last?: string;
  lastRow?: T;
}

/**
 * Walks rows from `start` (exclusive cursor), grouping keys that contain the delimiter after the prefix.
 * `fetch(from, afterCursor, limit)` returns the next rows in order.
 */
function walk<T extends { key: string }>(prefix: string, delimiter: string | undefined, maxKeys: number, fetch: (from: string, cursor: T | string | null, n: number) => T[], start: T | string | null): Page<T> {
  const page: Page<T> = { items: [], prefixes: [], truncated: false };
  let cursor: T | string | null = start;
  let from = prefix;
  if (maxKeys === 0) return page;
  for (;;) {
    const rows = fetch(from, cursor, maxKeys + 1);
    let skipped = false;
    for (const row of rows) {
      if (!row.key.startsWith(prefix)) return page;
      let cp: string | undefined;
      if (delimiter) {
        const at = row.key.indexOf(delimiter, prefix.length);
        if (at >= 0) cp = row.key.slice(0, at + delimiter.length);
      }
      if (page.items.length + page.prefixes.length >= maxKeys) {
        page.truncated = true;
        return page;
      }
      if (cp !== undefined) {
        page.prefixes.push(cp);
        page.last = cp;
        page.lastRow = undefined;
        // Every key under this common prefix is skipped in one seek.
        cursor = null;
        from = after(cp);
        skipped = true;
        break;
      }
      page.items.push(row);
      page.last = row.key;
      page.lastRow = row;
      cursor = row;
    }
    if (!skipped && rows.length < maxKeys + 1) return page;
  }
}

export function listingOps(core: S3Core) {
  const clampKeys = (n: number | undefined) => {
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw Errors.invalidArgument("Provided max-keys not an integer or within integer range", "max-keys", String(n));
    return Math.min(n ?? MAX_KEYS, MAX_KEYS);
  };
  const checkEncoding = (e: string | undefined) => {
    if (e !== undefined && e !== "url") throw Errors.invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", e);
    return e === "url";
  };
  const content = (r: ObjectRow, owner: boolean, account: string) => {
    const m = meta(r);
    return {
      Key: r.key,
      LastModified: new Date(r.modified),
      ETag: quoted(r.etag),
      Size: r.size,
      StorageClass: m.storageClass ?? "STANDARD",
      ChecksumAlgorithm: m.checksum ? [m.checksum.alg] : undefined,
      Owner: owner ? core.ownerOf(account) : undefined,
    };
  };
  const latestPage = (bucket: string, prefix: string, delimiter: string | undefined, maxKeys: number, startAfter: string | null) =>
    walk<ObjectRow>(prefix, delimiter || undefined, maxKeys, (from, cursor, n) => core.store.listLatest(bucket, from, typeof cursor === "string" ? cursor : cursor?.key ?? null, n), startAfter);

  return {
    ListObjectsV2(ctx: RequestContext, i: S.ListObjectsV2Input): S.ListObjectsV2Output {
      const b = core.bucket(ctx, i.Bucket);
      const url = checkEncoding(i.EncodingType);
      const maxKeys = clampKeys(i.MaxKeys);
      let start: string | null = i.StartAfter ?? null;
      if (i.ContinuationToken !== undefined) {
        const t = Buffer.from(i.ContinuationToken, "base64url").toString("utf8");
        if (!t.startsWith("k:")) throw Errors.invalidArgument("The continuation token provided is incorrect", "continuation-token", i.ContinuationToken);
        start = t.slice(2);
      }
      const prefix = i.Prefix ?? "";
      const page = latestPage(b.name, prefix, i.Delimiter, maxKeys, start);
      const e = enc(url);
      return {
        Name: b.name,
        Prefix: e(prefix),
        Delimiter: e(i.Delimiter),
        StartAfter: e(i.StartAfter),
        MaxKeys: maxKeys,
        EncodingType: url ? "url" : undefined,
        KeyCount: page.items.length + page.prefixes.length,
        IsTruncated: page.truncated,
        ContinuationToken: i.ContinuationToken,
        NextContinuationToken: page.truncated && page.last !== undefined ? Buffer.from(`k:${page.last}`).toString("base64url") : undefined,
        Contents: page.items.length ? page.items.map((r) => ({ ...content(r, !!i.FetchOwner, b.account), Key: e(r.key)! })) : undefined,
        CommonPrefixes: page.prefixes.length ? page.prefixes.map((p) => ({ Prefix: e(p) })) : undefined,
      } as S.ListObjectsV2Output;
    },

    ListObjects(ctx: RequestContext, i: S.ListObjectsInput): S.ListObjectsOutput {
      const b = core.bucket(ctx, i.Bucket);
      const url = checkEncoding(i.EncodingType);
      const maxKeys = clampKeys(i.MaxKeys);
      const prefix = i.Prefix ?? "";
      const page = latestPage(b.name, prefix, i.Delimiter, maxKeys, i.Marker || null);
      const e = enc(url);
      return {
        Name: b.name,
        Prefix: e(prefix),
        Delimiter: e(i.Delimiter),
        Marker: e(i.Marker ?? ""),
        MaxKeys: maxKeys,
        EncodingType: url ? "url" : undefined,
        IsTruncated: page.truncated,
        // NextMarker only with a delimiter (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html).
        NextMarker: page.truncated && i.Delimiter ? e(page.last) : undefined,
        Contents: page.items.length ? page.items.map((r) => ({ ...content(r, true, b.account), Key: e(r.key)! })) : undefined,
        CommonPrefixes: page.prefixes.length ? page.prefixes.map((p) => ({ Prefix: e(p) })) : undefined,
      } as S.ListObjectsOutput;
    },

    ListObjectVersions(ctx: RequestContext, i: S.ListObjectVersionsInput): S.ListObjectVersionsOutput {
      const b = core.bucket(ctx, i.Bucket);
      const url = checkEncoding(i.EncodingType);
      const maxKeys = clampKeys(i.MaxKeys);
      const prefix = i.Prefix ?? "";
      if (i.VersionIdMarker && !i.KeyMarker) throw Errors.invalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", i.VersionIdMarker);
      let start: ObjectRow | string | null = i.KeyMarker || null;
      if (i.KeyMarker && i.VersionIdMarker) {
        const r = core.store.version(b.name, i.KeyMarker, i.VersionIdMarker);
        if (!r) throw Errors.invalidArgument("Invalid version id specified", "version-id-marker", i.VersionIdMarker);
        start = r;
      }
      const page = walk<ObjectRow>(prefix, i.Delimiter || undefined, maxKeys, (from, cursor, n) =>
        typeof cursor === "string" || cursor === null ? core.store.listVersions(b.name, from, cursor, 0, n) : core.store.listVersions(b.name, from, cursor.key, cursor.seq, n), start);
      const e = enc(url);
      const versions = page.items.filter((r) => !r.delete_marker);
      const markers = page.items.filter((r) => r.delete_marker);
      const owner = core.ownerOf(b.account);
      return {
        Name: b.name,
        Prefix: e(prefix),
        Delimiter: e(i.Delimiter),
        KeyMarker: e(i.KeyMarker ?? ""),
        VersionIdMarker: i.VersionIdMarker ?? "",
        MaxKeys: maxKeys,
        EncodingType: url ? "url" : undefined,
        IsTruncated: page.truncated,
        NextKeyMarker: page.truncated ? e(page.lastRow?.key ?? page.last) : undefined,
        NextVersionIdMarker: page.truncated && page.lastRow ? page.lastRow.version_id : undefined,
        Versions: versions.length ? versions.map((r) => ({ ...content(r, false, b.account), Key: e(r.key)!, VersionId: r.version_id, IsLatest: !!r.latest, Owner: owner })) : undefined,
        DeleteMarkers: markers.length ? markers.map((r) => ({ Key: e(r.key)!, VersionId: r.version_id, IsLatest: !!r.latest, LastModified: new Date(r.modified), Owner: owner })) : undefined,
        CommonPrefixes: page.prefixes.length ? page.prefixes.map((p) => ({ Prefix: e(p) })) : undefined,
      } as S.ListObjectVersionsOutput;
    },
  };
}
