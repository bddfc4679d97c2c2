/**
 * Object operations: PutObject, GetObject, HeadObject, DeleteObject(s), CopyObject, object tagging and
 * GetObjectAttributes. Bytes stream through object-io.ts; rows change only once the bytes are durable.
 */
import type { Readable } from "node:stream";
import type * as S from "../../aws/api/s3.js";
import type { RequestContext } from "../../edge/context.js";
import { Errors, notImplementedHere } from "./errors.js";
import { meta, quoted, type ObjectMeta, type S3Core } from "./core.js";
import { checkConditions, checksumMember, contentHeaders, metaFromInput, parseRange, parseTagQuery, storePayload, validateTags } from "./object-io.js";
import type { BucketRow, ObjectRow } from "./store.js";
import { CHECKSUM_ALGORITHMS } from "./checksums.js";
import { corsHeadersFor } from "./cors.js";

const MAX_KEY_BYTES = 1024;
const checkKey = (key: string) => {
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw Errors.keyTooLong();
};

export function objectOps(core: S3Core) {
  /** Makes a new version current; notifies; returns the version id to report (only when versioning is on). */
  const commit = (ctx: RequestContext, b: BucketRow, key: string, row: Omit<ObjectRow, "seq" | "latest" | "bucket" | "key" | "version_id">, event: string): { versionId?: string; seq: number } => {
    const versionId = core.newVersionId(b);
    core.dropBlobs(core.store.putVersion({ ...row, bucket: b.name, key, version_id: versionId }));
    const stored = core.store.version(b.name, key, versionId)!;
    core.notifier.objectEvent(ctx, b, event, stored);
    return { versionId: b.versioning ? versionId : undefined, seq: stored.seq };
  };

  const checksumOut = (m: ObjectMeta) => (m.checksum ? { [checksumMember(m.checksum.alg)]: m.checksum.value, ChecksumType: m.checksum.type } : {});

  const headOf = (row: ObjectRow, m: ObjectMeta, withChecksum: boolean) => ({
    ...contentHeaders(m),
    LastModified: new Date(row.modified),
    ETag: quoted(row.etag),
    ContentLength: row.size,
    AcceptRanges: "bytes",
    VersionId: row.version_id !== "null" ? row.version_id : undefined,
    TagCount: m.tags && Object.keys(m.tags).length ? Object.keys(m.tags).length : undefined,
    PartsCount: m.parts?.length,
    ...(withChecksum ? checksumOut(m) : {}),
  });

  /** GetObject/HeadObject's shared part: the version, the conditions, the range or part. */
  const read = (ctx: RequestContext, i: S.GetObjectInput | S.HeadObjectInput, method: string) => {
    const b = core.bucket(ctx, i.Bucket);
    const row = core.object(b, i.Key, i.VersionId, method);
    checkConditions(i, row);
    const m = meta(row);
    let range = parseRange(i.Range, row.size);
    if (i.PartNumber !== undefined) {
      const sizes = m.parts ?? [row.size];
      if (!Number.isInteger(i.PartNumber) || i.PartNumber < 1 || i.PartNumber > sizes.length) throw Errors.invalidRange(`partNumber=${i.PartNumber}`, row.size);
      const start = sizes.slice(0, i.PartNumber - 1).reduce((a, n) => a + n, 0);
      range = { start, end: start + sizes[i.PartNumber - 1]! - 1 };
    }
    const out: Record<string, unknown> = headOf(row, m, !range && i.ChecksumMode === "ENABLED");
    if (range) {
      out.ContentLength = range.end - range.start + 1;
      out.ContentRange = `bytes ${range.start}-${range.end}/${row.size}`;
      out.StatusCode = 206;
    }
    // response-* query parameters override the stored headers (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
    const r = i as S.GetObjectInput;
    if (r.ResponseContentType) out.ContentType = r.ResponseContentType;
    if (r.ResponseContentDisposition) out.ContentDisposition = r.ResponseContentDisposition;
    if (r.ResponseContentEncoding) out.ContentEncoding = r.ResponseContentEncoding;
    if (r.ResponseContentLanguage) out.ContentLanguage = r.ResponseContentLanguage;
    if (r.ResponseCacheControl) out.CacheControl = r.ResponseCacheControl;
    if (r.ResponseExpires) out.Expires = r.ResponseExpires;
    return { row, out, range };
  };

  return {
    /** Lifecycle expiration of the current version (not an AWS operation: the sweeper's). */
    expireObject: (ctx: RequestContext, b: BucketRow, key: string) => deleteOne(ctx, b, key, undefined, true),

    async PutObject(ctx: RequestContext, i: S.PutObjectInput): Promise<S.PutObjectOutput> {
      const b = core.bucket(ctx, i.Bucket);
      checkKey(i.Key);
      if (i.IfMatch !== undefined || i.IfNoneMatch !== undefined) {
        if (i.IfNoneMatch !== undefined && i.IfNoneMatch !== "*") throw notImplementedHere("If-None-Match with an ETag on PUT");
        const cur = core.store.latest(b.name, i.Key);
        checkConditions(i, cur && !cur.delete_marker ? cur : undefined, true);
      }
      const m = metaFromInput(i);
      const stored = await storePayload(core, i.Body, i, "CRC64NVME");
      // Conditions hold at commit time too: a concurrent writer may have won while the bytes streamed.
      if (i.IfMatch !== undefined || i.IfNoneMatch !== undefined) {
        const cur = core.store.latest(b.name, i.Key);
        try {
          checkConditions(i, cur && !cur.delete_marker ? cur : undefined, true);
        } catch (e) {
          core.blobs.delete([stored.id]);
          throw e;
        }
      }
      if (stored.checksum) m.checksum = { ...stored.checksum, type: "FULL_OBJECT" };
      const etag = stored.md5.toString("hex");
      const { versionId } = commit(ctx, b, i.Key, { delete_marker: 0, size: stored.size, etag, modified: ctx.clock.now(), blob: stored.id, meta: JSON.stringify(m) }, "ObjectCreated:Put");
      return { ...corsHeadersFor(core, b.name, i.Origin, "PUT"), ETag: quoted(etag), VersionId: versionId, ServerSideEncryption: m.sse ?? "AES256", ...(i.ChecksumAlgorithm || CHECKSUM_ALGORITHMS.some((a) => i[checksumMember(a)]) ? checksumOut(m) : {}), Size: stored.size } as S.PutObjectOutput;
    },

    GetObject(ctx: RequestContext, i: S.GetObjectInput): S.GetObjectOutput {
      const { row, out, range } = read(ctx, i, "GET");
      Object.assign(out, corsHeadersFor(core, i.Bucket, i.Origin, "GET"));
      out.Body = (range ? core.blobs.read(row.blob!, range.start, range.end) : row.size ? core.blobs.read(row.blob!) : emptyStream()) as Readable;
      return out as S.GetObjectOutput;
    },

    HeadObject(ctx: RequestContext, i: S.HeadObjectInput): S.HeadObjectOutput {
      const { out } = read(ctx, i, "HEAD");
      delete out.StatusCode;
      Object.assign(out, corsHeadersFor(core, i.Bucket, i.Origin, "HEAD"));
      return out as S.HeadObjectOutput;
    },

    DeleteObject(ctx: RequestContext, i: S.DeleteObjectInput): S.DeleteObjectOutput {
      const b = core.bucket(ctx, i.Bucket);
      return deleteOne(ctx, b, i.Key, i.VersionId);
    },

    DeleteObjects(ctx: RequestContext, i: S.DeleteObjectsInput): S.DeleteObjectsOutput {
      const b = core.bucket(ctx, i.Bucket);
      const objects = i.Delete?.Objects ?? [];
      if (objects.length > 1000) throw Errors.malformedXml();
      const Deleted: S.DeleteObjectsOutput["Deleted"] = [];
      const Errs: S.DeleteObjectsOutput["Errors"] = [];
      for (const o of objects) {
        try {
          const r = deleteOne(ctx, b, o.Key, o.VersionId);
          if (!i.Delete.Quiet) Deleted.push({ Key: o.Key, VersionId: o.VersionId, DeleteMarker: r.DeleteMarker, DeleteMarkerVersionId: r.DeleteMarker ? r.VersionId : undefined });
        } catch (e) {
          const err = e as { code?: string; message?: string };
          Errs.push({ Key: o.Key, VersionId: o.VersionId, Code: err.code ?? "InternalError", Message: err.message ?? "" });
        }
      }
      return { Deleted: Deleted.length ? Deleted : undefined, Errors: Errs.length ? Errs : undefined };
    },

    async CopyObject(ctx: RequestContext, i: S.CopyObjectInput): Promise<S.CopyObjectOutput> {
      const b = core.bucket(ctx, i.Bucket);
      checkKey(i.Key);
      const { row: src, versionId: srcVersion } = copySource(ctx, i.CopySource);
      checkConditions({ IfMatch: i.CopySourceIfMatch, IfNoneMatch: i.CopySourceIfNoneMatch, IfModifiedSince: i.CopySourceIfModifiedSince, IfUnmodifiedSince: i.CopySourceIfUnmodifiedSince }, src, true);
      const srcMeta = meta(src);
      const replace = i.MetadataDirective === "REPLACE";
      const sameObject = src.bucket === b.name && src.key === i.Key && (srcVersion === undefined || srcVersion === src.version_id);
      if (sameObject && !replace && !i.StorageClass && !i.ServerSideEncryption && !i.WebsiteRedirectLocation && b.versioning !== "Enabled") {
        throw Errors.invalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
      }
      const m: ObjectMeta = replace ? metaFromInput(i) : { ...srcMeta, storageClass: i.StorageClass ?? srcMeta.storageClass };
      m.tags = i.TaggingDirective === "REPLACE" ? (i.Tagging ? parseTagQuery(i.Tagging) : undefined) : srcMeta.tags;
      delete m.parts;
      const stored = await storePayload(core, src.size ? core.blobs.read(src.blob!) : emptyStream(), {}, (i.ChecksumAlgorithm as never) ?? srcMeta.checksum?.alg ?? "CRC64NVME");
      if (stored.checksum) m.checksum = { ...stored.checksum, type: "FULL_OBJECT" };
      const etag = stored.md5.toString("hex");
      const now = ctx.clock.now();
      const { versionId } = commit(ctx, b, i.Key, { delete_marker: 0, size: stored.size, etag, modified: now, blob: stored.id, meta: JSON.stringify(m) }, "ObjectCreated:Copy");
      return {
        CopyObjectResult: { ETag: quoted(etag), LastModified: new Date(now), ...(m.checksum ? { [checksumMember(m.checksum.alg)]: m.checksum.value, ChecksumType: "FULL_OBJECT" } : {}) },
        VersionId: versionId,
        CopySourceVersionId: src.version_id !== "null" ? src.version_id : undefined,
        ServerSideEncryption: m.sse ?? "AES256",
      } as S.CopyObjectOutput;
    },

    GetObjectTagging(ctx: RequestContext, i: S.GetObjectTaggingInput): S.GetObjectTaggingOutput {
      const row = core.object(core.bucket(ctx, i.Bucket), i.Key, i.VersionId);
      const tags = meta(row).tags ?? {};
      return { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })), VersionId: row.version_id !== "null" ? row.version_id : undefined };
    },

    PutObjectTagging(ctx: RequestContext, i: S.PutObjectTaggingInput): S.PutObjectTaggingOutput {
      const row = core.object(core.bucket(ctx, i.Bucket), i.Key, i.VersionId);
      const tags: Record<string, string> = {};
      for (const t of i.Tagging?.TagSet ?? []) {
        if (t.Key in tags) throw Errors.invalidTag("Cannot provide multiple Tags with the same key");
        tags[t.Key] = t.Value;
      }
      validateTags(tags);
      core.store.setMeta(row.seq, JSON.stringify({ ...meta(row), tags }));
      return { VersionId: row.version_id !== "null" ? row.version_id : undefined };
    },

    DeleteObjectTagging(ctx: RequestContext, i: S.DeleteObjectTaggingInput): S.DeleteObjectTaggingOutput {
      const row = core.object(core.bucket(ctx, i.Bucket), i.Key, i.VersionId);
      const m = meta(row);
      delete m.tags;
      core.store.setMeta(row.seq, JSON.stringify(m));
      return { VersionId: row.version_id !== "null" ? row.version_id : undefined };
    },

    GetObjectAttributes(ctx: RequestContext, i: S.GetObjectAttributesInput): S.GetObjectAttributesOutput {
      const row = core.object(core.bucket(ctx, i.Bucket), i.Key, i.VersionId);
      const m = meta(row);
      const want = new Set((i.ObjectAttributes ?? []).flatMap((a) => a.split(",")).map((a) => a.trim()));
      const out: Record<string, unknown> = { LastModified: new Date(row.modified), VersionId: row.version_id !== "null" ? row.version_id : undefined };
      if (want.has("ETag")) out.ETag = row.etag;
      if (want.has("ObjectSize")) out.ObjectSize = row.size;
      if (want.has("StorageClass")) out.StorageClass = m.storageClass ?? "STANDARD";
      if (want.has("Checksum") && m.checksum) out.Checksum = { [checksumMember(m.checksum.alg)]: m.checksum.value, ChecksumType: m.checksum.type };
      if (want.has("ObjectParts") && m.parts) {
        const max = i.MaxParts ?? 1000;
        const after = i.PartNumberMarker ?? 0;
        const parts = m.parts.map((Size, n) => ({ PartNumber: n + 1, Size })).filter((p) => p.PartNumber > after);
        out.ObjectParts = { TotalPartsCount: m.parts.length, PartNumberMarker: after, MaxParts: max, IsTruncated: parts.length > max, NextPartNumberMarker: parts.length > max ? parts[max - 1]!.PartNumber : undefined, Parts: parts.slice(0, max) };
      }
      return out as S.GetObjectAttributesOutput;
    },
  };

  function deleteOne(ctx: RequestContext, b: BucketRow, key: string, versionId?: string, lifecycle = false): { DeleteMarker?: boolean; VersionId?: string } {
    const removed = lifecycle ? "LifecycleExpiration:Delete" : "ObjectRemoved:Delete";
    if (versionId !== undefined) {
      const row = core.store.version(b.name, key, versionId);
      if (!row) {
        if (versionId !== "null" && !/^[A-Za-z0-9._-]{1,1024}$/.test(versionId)) throw Errors.invalidArgument("Invalid version id specified", "versionId", versionId);
        return { VersionId: versionId };
      }
      core.dropBlobs([core.store.deleteVersion(row)]);
      core.notifier.objectEvent(ctx, b, removed, row);
      return { VersionId: versionId, DeleteMarker: row.delete_marker ? true : undefined };
    }
    if (!b.versioning) {
      const row = core.store.latest(b.name, key);
      if (row) {
        core.dropBlobs([core.store.deleteVersion(row)]);
        core.notifier.objectEvent(ctx, b, removed, row);
      }
      return {};
    }
    // Versioned bucket: a delete marker becomes the current version (Suspended: the "null" one).
    const { versionId: vid } = commit(ctx, b, key, { delete_marker: 1, size: 0, etag: "", modified: ctx.clock.now(), blob: null, meta: "{}" }, lifecycle ? "LifecycleExpiration:DeleteMarkerCreated" : "ObjectRemoved:DeleteMarkerCreated");
    return { DeleteMarker: true, VersionId: vid ?? "null" };
  }

  /** x-amz-copy-source: "bucket/key[?versionId=…]", URL-encoded, with or without a leading slash. */
  function copySource(ctx: RequestContext, source: string): { row: ObjectRow; versionId?: string } {
    let s = source.startsWith("/") ? source.slice(1) : source;
    let versionId: string | undefined;
    const q = s.indexOf("?versionId=");
    if (q >= 0) {
      versionId = decodeURIComponent(s.slice(q + 11));
      s = s.slice(0, q);
    }
    const slash = s.indexOf("/");
    if (slash <= 0 || slash === s.length - 1) throw Errors.invalidArgument("Invalid copy source object key", "x-amz-copy-source", source);
    let bucket: string, key: string;
    try {
      bucket = decodeURIComponent(s.slice(0, slash));
      key = decodeURIComponent(s.slice(slash + 1));
    } catch {
      throw Errors.invalidArgument("Invalid copy source encoding", "x-amz-copy-source", source);
    }
    const sb = core.bucket(ctx, bucket);
    return { row: core.object(sb, key, versionId), versionId };
  }
}

export function copySourceRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m || Number(m[2]) < Number(m[1]) || Number(m[2]) >= size) throw Errors.invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", header);
  return { start: Number(m[1]), end: Number(m[2]) };
}

import { Readable as ReadableStream } from "node:stream";
const emptyStream = () => ReadableStream.from([]);
