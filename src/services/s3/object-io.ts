/**
 * Writing and reading object bytes with S3's integrity rules: Content-MD5 (InvalidDigest/BadDigest), the
 * flexible checksums given as headers or as aws-chunked trailers, ranges and conditional requests.
 */
import { Readable } from "node:stream";
import { AwsChunkedDecoder } from "../../aws/protocol/aws-chunked.js";
import { CHECKSUM_ALGORITHMS, hasherFor, isChecksumAlgorithm, type ChecksumAlgorithm, type Hasher } from "./checksums.js";
import { MAX_OBJECT_BYTES, type ObjectMeta, type S3Core } from "./core.js";
import { Errors } from "./errors.js";
import type { Written } from "./blobs.js";
import type { ObjectRow } from "./store.js";

/** The checksum members every upload operation shares. */
export interface ChecksumInput {
  ChecksumAlgorithm?: string;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ChecksumCRC64NVME?: string;
  ContentMD5?: string;
  ContentLength?: number;
}

export const checksumMember = (alg: ChecksumAlgorithm) => `Checksum${alg}` as const;

export interface Stored extends Written {
  checksum?: { alg: ChecksumAlgorithm; value: string };
}

/**
 * Streams a request payload into a blob, verifying Content-MD5 and the checksum the client sent (header or
 * trailer). `defaultAlg`: the checksum S3 computes when the client names none (CRC64NVME for objects).
 */
export async function storePayload(core: S3Core, body: unknown, input: ChecksumInput, defaultAlg?: ChecksumAlgorithm): Promise<Stored> {
  let md5: Buffer | undefined;
  if (input.ContentMD5 !== undefined) {
    md5 = Buffer.from(input.ContentMD5, "base64");
    if (md5.length !== 16 || md5.toString("base64") !== input.ContentMD5.trim()) throw Errors.invalidDigest();
  }
  const named = input.ChecksumAlgorithm?.toUpperCase();
  if (named !== undefined && !isChecksumAlgorithm(named)) throw Errors.invalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
  const given = CHECKSUM_ALGORITHMS.filter((a) => input[checksumMember(a)] !== undefined);
  if (given.length > 1) throw Errors.invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  const alg: ChecksumAlgorithm | undefined = given[0] ?? (named as ChecksumAlgorithm | undefined) ?? defaultAlg;
  const hasher: Hasher | undefined = alg ? hasherFor(alg) : undefined;
  const src = body instanceof Readable ? body : Readable.from([Buffer.from((body as Uint8Array | undefined) ?? Buffer.alloc(0))]);
  const written = await core.blobs.write(src, { hashers: hasher ? [hasher] : [], maxBytes: MAX_OBJECT_BYTES, expected: body instanceof AwsChunkedDecoder ? input.ContentLength : undefined });
  const fail = (err: Error): never => {
    core.blobs.delete([written.id]);
    throw err;
  };
  if (md5 && !md5.equals(written.md5)) fail(Errors.badDigest());
  if (input.ContentLength !== undefined && body instanceof AwsChunkedDecoder && written.size !== input.ContentLength) fail(Errors.invalidRequest("The decoded content length does not match the x-amz-decoded-content-length header"));
  let checksum: Stored["checksum"];
  if (alg && hasher) {
    const value = hasher.digest();
    const trailers = body instanceof AwsChunkedDecoder ? body.trailers : {};
    const claimed = input[checksumMember(alg)] ?? trailers[`x-amz-checksum-${alg.toLowerCase()}`];
    if (claimed !== undefined && claimed !== value) fail(Errors.badChecksum(alg));
    checksum = { alg, value };
  }
  return { ...written, checksum };
}

/** Parsed Range header: the inclusive byte range, or undefined to serve the whole object (absent or ignorable). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes=(\d*)-(\d*)\s*$/.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return undefined; // not a single byte range: ignored, as S3 does
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw Errors.invalidRange(header, size);
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) throw Errors.invalidRange(header, size);
  return { start, end: m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

export interface Conditions {
  IfMatch?: string;
  IfNoneMatch?: string;
  IfModifiedSince?: Date;
  IfUnmodifiedSince?: Date;
}

const etagList = (h: string) => h.split(",").map((s) => s.trim().replace(/^W\//, "").replace(/^"|"$/g, ""));

/**
 * RFC 9110 evaluation as S3 does it (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html):
 * If-Match true wins over a failing If-Unmodified-Since; If-None-Match false wins over If-Modified-Since.
 * `write`: for PUT/copy targets, a failing If-None-Match is 412, not 304.
 */
export function checkConditions(c: Conditions, row: ObjectRow | undefined, write = false): void {
  const etag = row?.etag;
  const modifiedSec = row ? Math.floor(row.modified / 1000) * 1000 : 0;
  if (c.IfMatch !== undefined) {
    if (!row) throw write ? Errors.noSuchKey("") : Errors.preconditionFailed("If-Match");
    const list = etagList(c.IfMatch);
    if (!list.includes("*") && !list.includes(etag!)) throw Errors.preconditionFailed("If-Match");
  } else if (c.IfUnmodifiedSince && row && modifiedSec > c.IfUnmodifiedSince.getTime()) {
    throw Errors.preconditionFailed("If-Unmodified-Since");
  }
  if (c.IfNoneMatch !== undefined && row) {
    const list = etagList(c.IfNoneMatch);
    if (list.includes("*") || list.includes(etag!)) throw write ? Errors.preconditionFailed("If-None-Match") : Errors.notModified();
  } else if (c.IfNoneMatch === undefined && c.IfModifiedSince && row && !write && modifiedSec <= c.IfModifiedSince.getTime()) {
    throw Errors.notModified();
  }
}

/** The content headers of a stored object, as GetObject/HeadObject output members. */
export function contentHeaders(m: ObjectMeta): Record<string, unknown> {
  return {
    ContentType: m.contentType ?? "binary/octet-stream",
    ContentEncoding: m.contentEncoding,
    ContentDisposition: m.contentDisposition,
    ContentLanguage: m.contentLanguage,
    CacheControl: m.cacheControl,
    Expires: m.expires !== undefined ? new Date(m.expires) : undefined,
    WebsiteRedirectLocation: m.websiteRedirect,
    Metadata: m.metadata && Object.keys(m.metadata).length ? m.metadata : undefined,
    StorageClass: m.storageClass && m.storageClass !== "STANDARD" ? m.storageClass : undefined,
    ServerSideEncryption: m.sse ?? "AES256",
  };
}

/** The content headers given to PutObject/CopyObject/CreateMultipartUpload, as stored metadata. */
export function metaFromInput(i: Record<string, unknown>): ObjectMeta {
  const s = (k: string) => (typeof i[k] === "string" ? (i[k] as string) : undefined);
  const m: ObjectMeta = {
    contentType: s("ContentType"),
    contentEncoding: s("ContentEncoding"),
    contentDisposition: s("ContentDisposition"),
    contentLanguage: s("ContentLanguage"),
    cacheControl: s("CacheControl"),
    expires: i.Expires instanceof Date && !Number.isNaN(i.Expires.getTime()) ? i.Expires.getTime() : undefined,
    websiteRedirect: s("WebsiteRedirectLocation"),
    metadata: i.Metadata as Record<string, string> | undefined,
    storageClass: s("StorageClass"),
    sse: s("ServerSideEncryption"),
  };
  if (typeof i.Tagging === "string") m.tags = parseTagQuery(i.Tagging);
  return m;
}

/** x-amz-tagging: a URL query string of tags. */
export function parseTagQuery(q: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(q)) tags[k] = v;
  validateTags(tags);
  return tags;
}

export function validateTags(tags: Record<string, string>, max = 10): void {
  const keys = Object.keys(tags);
  if (keys.length > max) throw Errors.invalidTag("Object tags cannot be greater than 10");
  for (const k of keys) {
    if (k.length < 1 || k.length > 128) throw Errors.invalidTag("The TagKey you have provided is invalid");
    if ((tags[k] ?? "").length > 256) throw Errors.invalidTag("The TagValue you have provided is invalid");
  }
}
