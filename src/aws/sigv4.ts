/**
 * SigV4: reads the credential scope from the Authorization header or presigned query parameters (the
 * access key decides the account, the scope the region and signing name) and, when enforcement is on,
 * recomputes the signature. Reference: "Create a signed AWS API request" in the IAM User Guide.
 */
import * as crypto from "node:crypto";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { accountForKey, DEFAULT_ACCOUNT, type KeyInfo } from "./credentials.js";
import { ServiceError } from "./errors.js";
import type { Protocol } from "./models/loader.js";

export { accountForKey, DEFAULT_ACCOUNT };
/** Presigned URLs live at most a week (SigV4 query authentication). */
export const MAX_PRESIGNED_EXPIRES_SEC = 604_800;

export interface SigV4Info {
  accessKeyId: string;
  /** yyyymmdd of the scope. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date (or Date) of the request, yyyymmddThhmmssZ. */
  amzDate: string;
  presigned: boolean;
  /** Presigned URLs: lifetime in seconds. */
  expires?: number;
  /** X-Amz-Security-Token of temporary credentials (header or presigned query). */
  securityToken?: string;
}

const AUTH_RE = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)/;

/** Parses SigV4 credentials from the request, or undefined when it carries none. */
export function parseSigV4(headers: IncomingHttpHeaders, query: URLSearchParams): SigV4Info | undefined {
  const auth = headers.authorization;
  if (typeof auth === "string" && auth.startsWith("AWS4-HMAC-SHA256")) {
    const m = AUTH_RE.exec(auth);
    if (!m) return undefined;
    const scope = m[1]!.split("/");
    if (scope.length < 5) return undefined;
    const amzDate = String(headers["x-amz-date"] ?? "");
    const info: SigV4Info = {
      accessKeyId: scope[0]!, scopeDate: scope[1]!, region: scope[2]!, service: scope[3]!,
      signedHeaders: m[2]!.split(";"), signature: m[3]!, amzDate, presigned: false,
    };
    const token = headers["x-amz-security-token"];
    if (typeof token === "string") info.securityToken = token;
    return info;
  }
  const cred = query.get("X-Amz-Credential");
  if (cred && query.get("X-Amz-Algorithm") === "AWS4-HMAC-SHA256") {
    const scope = cred.split("/");
    if (scope.length < 5) return undefined;
    return {
      accessKeyId: scope[0]!, scopeDate: scope[1]!, region: scope[2]!, service: scope[3]!,
      signedHeaders: (query.get("X-Amz-SignedHeaders") ?? "host").split(";"),
      signature: query.get("X-Amz-Signature") ?? "", amzDate: query.get("X-Amz-Date") ?? "",
      presigned: true, expires: Number(query.get("X-Amz-Expires") ?? "900"),
      ...(query.has("X-Amz-Security-Token") ? { securityToken: query.get("X-Amz-Security-Token")! } : {}),
    };
  }
  return undefined;
}

/** Just the credential scope's signing name, cheaply (the router's first rule). */
export function signingNameOf(headers: IncomingHttpHeaders, rawQuery: string): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === "string") {
    // Signature Version 2 ("AWS key:signature") survives only in S3.
    if (auth.startsWith("AWS ")) return "s3";
    const start = auth.indexOf("Credential=");
    if (start < 0) return undefined;
    const end = auth.indexOf(",", start);
    const scope = auth.slice(start + 11, end < 0 ? undefined : end).split("/");
    return scope[3];
  }
  if (rawQuery.includes("X-Amz-Credential=")) return new URLSearchParams(rawQuery).get("X-Amz-Credential")?.split("/")[3];
  // S3's SigV2 presigned URLs (what `aws s3 presign` of CLI v1 writes): AWSAccessKeyId, Signature, Expires.
  if (rawQuery.includes("AWSAccessKeyId=") && rawQuery.includes("Signature=")) return "s3";
  return undefined;
}

export interface VerifyRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body streams to the service unread (S3 PutObject): its hash is checked while it is stored, not here. */
  payloadUnread?: boolean;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

/** The error the protocol's services give for a request that carries no SigV4 credentials. */
export function missingSignature(protocol: Protocol): ServiceError {
  return ERRORS[protocol].missing();
}

/** Looks up the secret (and session token) of an access key; undefined when Skyport does not know it. */
export type KeyLookup = (accessKeyId: string) => KeyInfo | undefined;

/**
 * Checks the request's signature. Throws the error the service's protocol gives for a missing, unknown,
 * expired or wrong signature, a missing or wrong session token, a presigned lifetime over a week, and a
 * signed payload hash that is not the body's.
 */
export function verifySigV4(req: VerifyRequest, info: SigV4Info | undefined, protocol: Protocol, keys: KeyLookup, nowMs: number): KeyInfo {
  const errs = ERRORS[protocol];
  if (!info) throw errs.missing();
  const key = keys(info.accessKeyId);
  if (key === undefined) throw errs.unknownKey();
  if (key.sessionToken !== undefined && info.securityToken !== key.sessionToken) throw errs.unknownKey();
  const requestMs = parseAmzDate(info.amzDate);
  if (requestMs === undefined) throw errs.mismatch();
  if (info.presigned) {
    const expires = info.expires ?? 900;
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGNED_EXPIRES_SEC) throw errs.badExpires();
    if (requestMs + expires * 1000 < nowMs) throw errs.expired(info.amzDate, nowMs);
  } else if (Math.abs(nowMs - requestMs) > MAX_SKEW_MS) {
    throw errs.expired(info.amzDate, nowMs);
  }
  const claimed = req.headers["x-amz-content-sha256"];
  if (!req.payloadUnread && typeof claimed === "string" && /^[0-9a-fA-F]{64}$/.test(claimed) && claimed.toLowerCase() !== sha256Hex(req.body)) {
    throw errs.payloadMismatch();
  }
  const trace: { stringToSign?: string; canonical?: string } = {};
  const expected = computeSignature(req, info, key.secret, protocol === "rest-xml", trace);
  const a = Buffer.from(expected, "latin1");
  const b = Buffer.from(info.signature.toLowerCase(), "latin1");
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    const err = errs.mismatch();
    // S3 tells what it signed, so a client can find where its canonical request differs.
    if (protocol === "rest-xml") return throwWith(err, { AWSAccessKeyId: info.accessKeyId, StringToSign: trace.stringToSign, SignatureProvided: info.signature, CanonicalRequest: trace.canonical });
    throw err;
  }
  return key;
}

/** The signature AWS would compute for the request (exported for tests). */
export function computeSignature(req: VerifyRequest, info: SigV4Info, secret: string, s3: boolean, trace?: { stringToSign?: string; canonical?: string }): string {
  let canonicalHeaders = "";
  for (const h of info.signedHeaders) {
    const v = req.headers[h];
    canonicalHeaders += `${h}:${Array.isArray(v) ? v.map(trimValue).join(",") : trimValue(v ?? "")}\n`;
  }
  let payloadHash = req.headers["x-amz-content-sha256"] as string | undefined;
  if (!payloadHash) payloadHash = info.presigned && s3 ? "UNSIGNED-PAYLOAD" : sha256Hex(req.body);
  const canonical = `${req.method}\n${canonicalUri(req.rawPath, s3)}\n${canonicalQuery(req.rawQuery, info.presigned)}\n${canonicalHeaders}\n${info.signedHeaders.join(";")}\n${payloadHash}`;
  const scope = `${info.scopeDate}/${info.region}/${info.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${info.amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  if (trace) Object.assign(trace, { stringToSign, canonical });
  return signingKey(secret, info.scopeDate, info.region, info.service).sign(stringToSign);
}

/**
 * SHA-256 in hex. Node's one-shot crypto.hash (20.12+) costs a fifth of a createHash object, and a request
 * signature needs two or three of them: the largest part of what --enforce-sigv4 adds to a small request.
 */
const oneShot = (crypto as { hash?: (alg: string, data: string | Buffer, enc: string) => string }).hash;
export const sha256Hex: (data: string | Buffer) => string = oneShot
  ? (data) => oneShot("sha256", data, "hex")
  : (data) => createHash("sha256").update(data).digest("hex");

/**
 * A derived signing key with its HMAC pads precomputed (RFC 2104: HMAC(K, m) = H(K^opad || H(K^ipad || m))),
 * so signing a request is two one-shot hashes instead of an Hmac object (about 9 µs each under load).
 */
class SigningKey {
  private readonly ipad = Buffer.alloc(64, 0x36);
  private readonly opad = Buffer.alloc(64, 0x5c);
  constructor(readonly key: Buffer) {
    for (let i = 0; i < key.length; i++) {
      this.ipad[i]! ^= key[i]!;
      this.opad[i]! ^= key[i]!;
    }
  }
  sign(data: string): string {
    if (!oneShot) return createHmac("sha256", this.key).update(data).digest("hex");
    const inner = Buffer.from(oneShot("sha256", Buffer.concat([this.ipad, Buffer.from(data)]), "latin1"), "latin1");
    return oneShot("sha256", Buffer.concat([this.opad, inner]), "hex");
  }
}

/** Derived signing keys (four HMACs each) by secret and scope: a key is valid for a whole day's requests. */
const signingKeys = new Map<string, SigningKey>();
const MAX_SIGNING_KEYS = 1000;

function signingKey(secret: string, date: string, region: string, service: string): SigningKey {
  const id = `${secret}\u0000${date}\u0000${region}\u0000${service}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = new SigningKey(hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request"));
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
/** Header values as SigV4 canonicalises them: trimmed, inner runs of spaces collapsed (most need neither). */
const trimValue = (v: string) => (/^\s|\s$|[^\S ]|  /.test(v) ? v.trim().replace(/\s+/g, " ") : v);

/** RFC 3986 encoding as SigV4 wants it. */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalUri(rawPath: string, s3: boolean): string {
  if (!rawPath || rawPath === "/") return "/";
  if (s3) return rawPath;
  // Other services: the path exactly as the client sent it (already encoded once) is encoded once more, segment
  // by segment — as the SDKs sign it: characters a model URI leaves raw (the "@" of "/@connections/") stay
  // encoded once ("%40"), not decoded and encoded twice.
  return rawPath.split("/").map((seg) => uriEncode(seg)).join("/");
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  if (!rawQuery) return "";
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const k = safeDecode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, " "));
    const v = eq < 0 ? "" : safeDecode(part.slice(eq + 1).replace(/\+/g, " "));
    if (presigned && k === "X-Amz-Signature") continue;
    pairs.push([uriEncode(k), uriEncode(v)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

// Most requests of a second carry the same X-Amz-Date: keep the last one parsed.
let lastAmzDate = "";
let lastAmzMs: number | undefined;
function parseAmzDate(s: string): number | undefined {
  if (s === lastAmzDate) return lastAmzMs;
  lastAmzMs = parseAmzDateText(s);
  lastAmzDate = s;
  return lastAmzMs;
}

function parseAmzDateText(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

const MISMATCH_JSON = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN = "The security token included in the request is invalid.";

function fmtAmz(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}
const expiredMessage = (amzDate: string, now: number) =>
  `Signature expired: ${amzDate} is now earlier than ${fmtAmz(now - MAX_SKEW_MS)} (${fmtAmz(now)} - 15 min.)`;

interface AuthErrors {
  missing(): ServiceError;
  /** X-Amz-Expires of a presigned request out of 1..604800. */
  badExpires(): ServiceError;
  /** x-amz-content-sha256 is not the hash of the body. */
  payloadMismatch(): ServiceError;
  unknownKey(): ServiceError;
  mismatch(): ServiceError;
  expired(amzDate: string, now: number): ServiceError;
}

const EXPIRES_MESSAGE = "X-Amz-Expires must be less than a week (in seconds) that is 604800";
const jsonErrors: AuthErrors = {
  missing: () => new ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", 403),
  badExpires: () => new ServiceError("InvalidSignatureException", EXPIRES_MESSAGE, 403),
  payloadMismatch: () => new ServiceError("InvalidSignatureException", MISMATCH_JSON, 403),
  unknownKey: () => new ServiceError("UnrecognizedClientException", INVALID_TOKEN, 403),
  mismatch: () => new ServiceError("InvalidSignatureException", MISMATCH_JSON, 403),
  expired: (d, now) => new ServiceError("InvalidSignatureException", expiredMessage(d, now), 403),
};

/** The errors each protocol's services give (observed AWS answers). */
const ERRORS: Record<Protocol, AuthErrors> = {
  json: jsonErrors,
  "rest-json": jsonErrors,
  query: {
    missing: () => new ServiceError("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
    badExpires: () => new ServiceError("SignatureDoesNotMatch", EXPIRES_MESSAGE, 403),
    payloadMismatch: () => new ServiceError("SignatureDoesNotMatch", MISMATCH_JSON, 403),
    unknownKey: () => new ServiceError("InvalidClientTokenId", INVALID_TOKEN, 403),
    mismatch: () => new ServiceError("SignatureDoesNotMatch", MISMATCH_JSON, 403),
    expired: (d, now) => new ServiceError("SignatureDoesNotMatch", expiredMessage(d, now), 403),
  },
  "rest-xml": {
    missing: () => new ServiceError("AccessDenied", "Access Denied", 403),
    badExpires: () => new ServiceError("AuthorizationQueryParametersError", EXPIRES_MESSAGE, 400),
    payloadMismatch: () => new ServiceError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400),
    unknownKey: () => new ServiceError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403),
    mismatch: () => new ServiceError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", 403),
    expired: () => new ServiceError("AccessDenied", "Request has expired", 403),
  },
};

/** Signs a request with SigV4 (Skyport's own clients: `skyport reset`, tests); returns the headers to send. */
export function signRequest(o: { method: string; url: string; body?: Buffer; accessKeyId: string; secret: string; sessionToken?: string; region: string; service: string; now?: number }): Record<string, string> {
  const u = new URL(o.url);
  const body = o.body ?? Buffer.alloc(0);
  const amzDate = fmtAmz(o.now ?? Date.now());
  const headers: Record<string, string> = { host: u.host, "x-amz-date": amzDate, "x-amz-content-sha256": sha256Hex(body) };
  if (o.sessionToken) headers["x-amz-security-token"] = o.sessionToken;
  const signedHeaders = Object.keys(headers).sort();
  const info: SigV4Info = { accessKeyId: o.accessKeyId, scopeDate: amzDate.slice(0, 8), region: o.region, service: o.service, signedHeaders, signature: "", amzDate, presigned: false };
  const signature = computeSignature({ method: o.method, rawPath: u.pathname, rawQuery: u.search.slice(1), headers, body }, info, o.secret, false);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${o.accessKeyId}/${info.scopeDate}/${o.region}/${o.service}/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  return headers;
}

/** Rethrows a ServiceError with extra members in its error document. */
function throwWith(err: ServiceError, fields: Record<string, unknown>): never {
  throw new ServiceError(err.code, err.message, err.status, err.senderFault, { ...err.fields, ...fields });
}
