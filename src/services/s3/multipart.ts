/**
 * Multipart uploads: create, upload part (streamed), upload part copy, list parts, complete (parts ascending,
 * ETags matching, every part but the last ≥ 5 MiB, ETag = MD5 of the parts' MD5s + "-N", composite or
 * full-object checksums), abort, list uploads. Completing concatenates the part files into one object file.
 */
import { createHash, randomBytes } from "node:crypto";
import type * as S from "../../aws/api/s3.js";
import type { RequestContext } from "../../edge/context.js";
import { hasherFor, isChecksumAlgorithm, type ChecksumAlgorithm } from "./checksums.js";
import { quoted, type ObjectMeta, type S3Core } from "./core.js";
import { Errors } from "./errors.js";
import { checkConditions, checksumMember, metaFromInput, storePayload } from "./object-io.js";
import { copySourceRange } from "./objects.js";
import type { UploadRow } from "./store.js";

const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10000;

interface UploadMeta extends ObjectMeta {
  alg?: ChecksumAlgorithm;
  type?: "COMPOSITE" | "FULL_OBJECT";
  initiated: number;
}

export function multipartOps(core: S3Core) {
  const upload = (ctx: RequestContext, bucket: string, key: string, uploadId: string): UploadRow => {
    core.bucket(ctx, bucket);
    const u = core.store.upload(uploadId);
    if (!u || u.bucket !== bucket || u.key !== key) throw Errors.noSuchUpload(uploadId);
    return u;
  };
  const partNumber = (n: number) => {
    if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) throw Errors.invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", String(n));
  };
  const owner = (account: string) => core.ownerOf(account);

  return {
    CreateMultipartUpload(ctx: RequestContext, i: S.CreateMultipartUploadInput): S.CreateMultipartUploadOutput {
      core.bucket(ctx, i.Bucket);
      if (Buffer.byteLength(i.Key) > 1024) throw Errors.keyTooLong();
      const alg = i.ChecksumAlgorithm?.toUpperCase();
      if (alg !== undefined && !isChecksumAlgorithm(alg)) throw Errors.invalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
      const type = (i.ChecksumType as UploadMeta["type"]) ?? (alg === "CRC64NVME" ? "FULL_OBJECT" : alg ? "COMPOSITE" : undefined);
      if (type === "FULL_OBJECT" && (alg === "SHA1" || alg === "SHA256")) throw Errors.invalidRequest("The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm.".replace("sha1", alg.toLowerCase()));
      const uploadId = randomBytes(32).toString("base64url");
      const m: UploadMeta = { ...metaFromInput(i), alg: alg as ChecksumAlgorithm | undefined, type, initiated: ctx.clock.now() };
      core.store.q("INSERT INTO s3_uploads(upload_id, bucket, key, created, meta) VALUES (?, ?, ?, ?, ?)").run(uploadId, i.Bucket, i.Key, m.initiated, JSON.stringify(m));
      return { Bucket: i.Bucket, Key: i.Key, UploadId: uploadId, ChecksumAlgorithm: alg, ChecksumType: type, ServerSideEncryption: m.sse ?? "AES256" } as S.CreateMultipartUploadOutput;
    },

    async UploadPart(ctx: RequestContext, i: S.UploadPartInput): Promise<S.UploadPartOutput> {
      const u = upload(ctx, i.Bucket, i.Key, i.UploadId);
      partNumber(i.PartNumber);
      const um = JSON.parse(u.meta) as UploadMeta;
      const stored = await storePayload(core, i.Body, i, um.alg);
      if (!core.store.upload(u.upload_id)) {
        core.blobs.delete([stored.id]);
        throw Errors.noSuchUpload(i.UploadId); // aborted while the part streamed
      }
      const etag = stored.md5.toString("hex");
      core.dropBlobs([core.store.putPart({ upload_id: u.upload_id, part_number: i.PartNumber, size: stored.size, etag, modified: ctx.clock.now(), blob: stored.id, checksum: stored.checksum?.value ?? null })]);
      return { ETag: quoted(etag), ServerSideEncryption: um.sse ?? "AES256", ...(stored.checksum && um.alg ? { [checksumMember(stored.checksum.alg)]: stored.checksum.value } : {}) } as S.UploadPartOutput;
    },

    async UploadPartCopy(ctx: RequestContext, i: S.UploadPartCopyInput): Promise<S.UploadPartCopyOutput> {
      const u = upload(ctx, i.Bucket, i.Key, i.UploadId);
      partNumber(i.PartNumber);
      const um = JSON.parse(u.meta) as UploadMeta;
      const src = sourceOf(ctx, i.CopySource);
      checkConditions({ IfMatch: i.CopySourceIfMatch, IfNoneMatch: i.CopySourceIfNoneMatch, IfModifiedSince: i.CopySourceIfModifiedSince, IfUnmodifiedSince: i.CopySourceIfUnmodifiedSince }, src, true);
      const range = copySourceRange(i.CopySourceRange, src.size);
      const body = src.size === 0 ? [] : [range ? core.blobs.read(src.blob!, range.start, range.end) : core.blobs.read(src.blob!)];
      const written = await core.blobs.write(body, { maxBytes: 5 * 1024 ** 3, hashers: [] });
      let checksum: string | null = null;
      if (um.alg) {
        const h = hasherFor(um.alg);
        for await (const c of written.size ? core.blobs.read(written.id) : []) h.update(c as Buffer);
        checksum = h.digest();
      }
      const etag = written.md5.toString("hex");
      const now = ctx.clock.now();
      core.dropBlobs([core.store.putPart({ upload_id: u.upload_id, part_number: i.PartNumber, size: written.size, etag, modified: now, blob: written.id, checksum })]);
      return { CopyPartResult: { ETag: quoted(etag), LastModified: new Date(now), ...(checksum && um.alg ? { [checksumMember(um.alg)]: checksum } : {}) }, CopySourceVersionId: src.version_id !== "null" ? src.version_id : undefined } as S.UploadPartCopyOutput;
    },

    ListParts(ctx: RequestContext, i: S.ListPartsInput): S.ListPartsOutput {
      const u = upload(ctx, i.Bucket, i.Key, i.UploadId);
      const um = JSON.parse(u.meta) as UploadMeta;
      const max = Math.min(i.MaxParts ?? 1000, 1000);
      const marker = i.PartNumberMarker ?? 0;
      const parts = core.store.parts(u.upload_id).filter((p) => p.part_number > marker);
      const page = parts.slice(0, max);
      const b = core.bucket(ctx, i.Bucket);
      return {
        Bucket: u.bucket,
        Key: u.key,
        UploadId: u.upload_id,
        PartNumberMarker: marker,
        NextPartNumberMarker: page.length ? page[page.length - 1]!.part_number : undefined,
        MaxParts: max,
        IsTruncated: parts.length > max,
        Parts: page.map((p) => ({ PartNumber: p.part_number, LastModified: new Date(p.modified), ETag: quoted(p.etag), Size: p.size, ...(p.checksum && um.alg ? { [checksumMember(um.alg)]: p.checksum } : {}) })),
        Initiator: owner(b.account),
        Owner: owner(b.account),
        StorageClass: um.storageClass ?? "STANDARD",
        ChecksumAlgorithm: um.alg,
        ChecksumType: um.type,
      } as S.ListPartsOutput;
    },

    async CompleteMultipartUpload(ctx: RequestContext, i: S.CompleteMultipartUploadInput): Promise<S.CompleteMultipartUploadOutput> {
      const b = core.bucket(ctx, i.Bucket);
      const u = upload(ctx, i.Bucket, i.Key, i.UploadId);
      const um = JSON.parse(u.meta) as UploadMeta;
      const requested = i.MultipartUpload?.Parts ?? [];
      if (!requested.length) throw Errors.malformedXml();
      const have = new Map(core.store.parts(u.upload_id).map((p) => [p.part_number, p]));
      const chosen = requested.map((r, n) => {
        const num = r.PartNumber ?? 0;
        if (n > 0 && num <= (requested[n - 1]!.PartNumber ?? 0)) throw Errors.invalidPartOrder();
        const p = have.get(num);
        if (!p || (r.ETag ?? "").replace(/"/g, "") !== p.etag) throw Errors.invalidPart();
        return p;
      });
      chosen.forEach((p, n) => {
        if (n < chosen.length - 1 && p.size < MIN_PART_BYTES) throw Errors.entityTooSmall(p.size, p.part_number);
      });
      if (i.IfNoneMatch !== undefined || i.IfMatch !== undefined) {
        const cur = core.store.latest(b.name, u.key);
        checkConditions(i, cur && !cur.delete_marker ? cur : undefined, true);
      }
      const full = um.alg && um.type === "FULL_OBJECT" ? hasherFor(um.alg) : undefined;
      const written = await core.blobs.write(chosen.filter((p) => p.size).map((p) => core.blobs.read(p.blob)), { maxBytes: 5 * 1024 ** 4, hashers: full ? [full] : [] });
      if (!core.store.upload(u.upload_id)) {
        core.blobs.delete([written.id]);
        throw Errors.noSuchUpload(i.UploadId);
      }
      const etag = `${createHash("md5").update(Buffer.concat(chosen.map((p) => Buffer.from(p.etag, "hex")))).digest("hex")}-${chosen.length}`;
      const m: ObjectMeta = { ...um, parts: chosen.map((p) => p.size) };
      delete (m as Partial<UploadMeta>).alg;
      delete (m as Partial<UploadMeta>).type;
      delete (m as Partial<UploadMeta>).initiated;
      if (um.alg && full) m.checksum = { alg: um.alg, value: full.digest(), type: "FULL_OBJECT" };
      else if (um.alg && chosen.every((p) => p.checksum)) {
        const h = hasherFor(um.alg);
        for (const p of chosen) h.update(Buffer.from(p.checksum!, "base64"));
        m.checksum = { alg: um.alg, value: `${h.digest()}-${chosen.length}`, type: "COMPOSITE" };
      }
      const versionId = core.newVersionId(b);
      core.dropBlobs(core.store.putVersion({ bucket: b.name, key: u.key, version_id: versionId, delete_marker: 0, size: written.size, etag, modified: ctx.clock.now(), blob: written.id, meta: JSON.stringify(m) }));
      core.dropBlobs(core.store.dropUpload(u.upload_id));
      core.notifier.objectEvent(ctx, b, "ObjectCreated:CompleteMultipartUpload", core.store.version(b.name, u.key, versionId)!);
      return {
        Location: `${ctx.endpoint}/${b.name}/${u.key.split("/").map(encodeURIComponent).join("/")}`,
        Bucket: b.name,
        Key: u.key,
        ETag: quoted(etag),
        VersionId: b.versioning ? versionId : undefined,
        ServerSideEncryption: m.sse ?? "AES256",
        ...(m.checksum ? { [checksumMember(m.checksum.alg)]: m.checksum.value, ChecksumType: m.checksum.type } : {}),
      } as S.CompleteMultipartUploadOutput;
    },

    AbortMultipartUpload(ctx: RequestContext, i: S.AbortMultipartUploadInput): S.AbortMultipartUploadOutput {
      const u = upload(ctx, i.Bucket, i.Key, i.UploadId);
      core.dropBlobs(core.store.dropUpload(u.upload_id));
      return {};
    },

    ListMultipartUploads(ctx: RequestContext, i: S.ListMultipartUploadsInput): S.ListMultipartUploadsOutput {
      const b = core.bucket(ctx, i.Bucket);
      const max = Math.min(i.MaxUploads ?? 1000, 1000);
      const rows = core.store.q("SELECT * FROM s3_uploads WHERE bucket = ? AND key >= ? AND (key > ? OR (key = ? AND upload_id > ?)) ORDER BY key, created, upload_id LIMIT ?")
        .all(b.name, i.Prefix ?? "", i.KeyMarker ?? "", i.KeyMarker ?? "", i.UploadIdMarker ?? (i.KeyMarker ? "\u{10FFFF}" : ""), max + 1) as UploadRow[];
      const inPrefix = rows.filter((r) => r.key.startsWith(i.Prefix ?? ""));
      const page = inPrefix.slice(0, max);
      const last = page[page.length - 1];
      return {
        Bucket: b.name,
        KeyMarker: i.KeyMarker ?? "",
        UploadIdMarker: i.UploadIdMarker ?? "",
        NextKeyMarker: inPrefix.length > max ? last?.key : undefined,
        NextUploadIdMarker: inPrefix.length > max ? last?.upload_id : undefined,
        Prefix: i.Prefix,
        MaxUploads: max,
        IsTruncated: inPrefix.length > max,
        Uploads: page.map((r) => {
          const um = JSON.parse(r.meta) as UploadMeta;
          return { UploadId: r.upload_id, Key: r.key, Initiated: new Date(r.created), StorageClass: um.storageClass ?? "STANDARD", Owner: owner(b.account), Initiator: owner(b.account), ChecksumAlgorithm: um.alg };
        }),
      } as S.ListMultipartUploadsOutput;
    },
  };

  function sourceOf(ctx: RequestContext, source: string) {
    let s = source.startsWith("/") ? source.slice(1) : source;
    let versionId: string | undefined;
    const q = s.indexOf("?versionId=");
    if (q >= 0) {
      versionId = decodeURIComponent(s.slice(q + 11));
      s = s.slice(0, q);
    }
    const slash = s.indexOf("/");
    if (slash <= 0) throw Errors.invalidArgument("Invalid copy source object key", "x-amz-copy-source", source);
    const sb = core.bucket(ctx, safeDecode(s.slice(0, slash)));
    return core.object(sb, safeDecode(s.slice(slash + 1)), versionId);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw Errors.invalidArgument("Invalid copy source encoding", "x-amz-copy-source", s);
  }
}
