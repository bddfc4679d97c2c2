/**
 * restXml (S3): operations by method + URI template, members bound like rest-json, bodies as XML. S3's
 * errors are a bare `<Error>` document (no ErrorResponse wrapper).
 */
import type { RequestContext } from "../../edge/context.js";
import { ServiceError } from "../errors.js";
import type { Operation, ServiceModel } from "../models/loader.js";
import { missingMembers } from "./json.js";
import { matchRestOperation, missingBound, noSuchRoute, parseBindings, serializeBindings } from "./rest-bindings.js";
import type { HttpRequest, HttpResponse, ProtocolCodec } from "./types.js";
import { escapeXml, fromXml, parseXmlDocument, toXml } from "./xml.js";
import { createHash } from "node:crypto";
import { Readable, Transform } from "node:stream";
import { AwsChunkedDecoder, isAwsChunked } from "./aws-chunked.js";
import { quirksOf } from "./quirks.js";

const labelsOf = new WeakMap<HttpRequest, Record<string, string>>();
const opsOf = new WeakMap<HttpRequest, Operation>();
const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

export class RestXmlCodec implements ProtocolCodec {
  resolveOperation(model: ServiceModel, req: HttpRequest): Operation | ServiceError {
    const cached = opsOf.get(req);
    if (cached) return cached;
    const bucket = quirksOf(model.service).virtualHostBuckets ? virtualHostBucket(req.headers.host) : undefined;
    // Virtual-hosted style: the bucket is in the host, the path is the key; matched as the path-style URL.
    const m = matchRestOperation(model, bucket === undefined ? req : { ...req, path: `/${encodeURIComponent(bucket)}${req.path}` });
    if (!m) return noSuchRoute(req);
    labelsOf.set(req, m.labels);
    opsOf.set(req, m.op);
    return m.op;
  }

  parseInput(model: ServiceModel, op: Operation, req: HttpRequest): Record<string, unknown> {
    const shape = op.input;
    if (!shape) return {};
    const out: Record<string, unknown> = {};
    parseBindings(shape, req, labelsOf.get(req) ?? {}, out);
    const missing = missingBound(shape, out);
    if (shape.payload) {
      const member = shape.members![shape.payload]!;
      if (member.streaming && req.stream) out[shape.payload] = streamedPayload(req, out);
      else if (member.type === "blob") out[shape.payload] = req.body;
      else if (member.type === "string") out[shape.payload] = req.body.toString("utf8");
      else if (req.body.length) {
        const doc = parseXmlDocument(req.body.toString("utf8"));
        const rootName = member.locationName ?? shape.payload;
        out[shape.payload] = fromXml(member, doc[rootName] ?? Object.values(doc).find((v) => typeof v === "object"));
      } else if (shape.required?.includes(shape.payload)) missing.push(shape.payload);
    }
    if (missing.length) throw missingMembers(model, missing);
    return out;
  }

  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown>, ctx: RequestContext): HttpResponse {
    const headers: Record<string, string | string[]> = { "x-amz-request-id": ctx.requestId, "x-amz-id-2": ctx.requestId };
    const shape = op.output;
    const status = serializeBindings(shape, output, headers, op.responseCode);
    let body: Buffer | string = "";
    if (shape?.payload) {
      const member = shape.members![shape.payload]!;
      const v = output[shape.payload];
      if (v instanceof Readable) {
        return { status, headers, body: "", stream: v };
      } else if (member.type === "blob" || member.type === "string") {
        body = v === undefined ? "" : typeof v === "string" ? v : Buffer.from(v as Uint8Array);
      } else if (v !== undefined) {
        const parts: string[] = [];
        toXml(member, v, member.locationName ?? shape.payload, parts, member.xmlNamespace?.uri ?? xmlns(model));
        body = XML_DECL + parts.join("");
        headers["Content-Type"] = "application/xml";
      }
    } else if (shape && Object.values(shape.members!).some((m) => !m.location)) {
      const parts: string[] = [];
      toXml(shape, output, shape.locationName ?? `${op.name}Result`, parts, shape.xmlNamespace?.uri ?? xmlns(model));
      body = XML_DECL + parts.join("");
      headers["Content-Type"] = "application/xml";
    }
    return { status, headers, body };
  }

  serializeError(_model: ServiceModel, err: ServiceError, ctx: RequestContext): HttpResponse {
    // 304 Not Modified carries no body (RFC 9110); S3 sends only its headers.
    if (err.status === 304) return { status: 304, headers: { "x-amz-request-id": ctx.requestId, "x-amz-id-2": ctx.requestId, ...err.headers }, body: "" };
    const extra = Object.entries(err.fields ?? {}).map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join("");
    const body = `${XML_DECL}<Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>${extra}<RequestId>${ctx.requestId}</RequestId><HostId>${ctx.requestId}</HostId></Error>`;
    return { status: err.status, headers: { "Content-Type": "application/xml", "x-amz-request-id": ctx.requestId, "x-amz-id-2": ctx.requestId, ...err.headers }, body };
  }
}

const xmlns = (model: ServiceModel) => model.metadata.xmlNamespace ?? `http://${model.metadata.endpointPrefix}.amazonaws.com/doc/${model.metadata.apiVersion}/`;

/**
 * The bucket named by a virtual-hosted-style host: `{bucket}.s3.localhost`, `{bucket}.s3.{region}.amazonaws.com`,
 * `{bucket}.localhost` (ports ignored). Path-style hosts (an IP, `localhost`, `s3.localhost`, `s3.amazonaws.com`) name none.
 */
export function virtualHostBucket(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const host = hostHeader.replace(/:\d+$/, "").toLowerCase();
  if (host === "localhost" || /^[\d.]+$/.test(host) || host.startsWith("[")) return undefined;
  const labels = host.split(".");
  const s3 = labels.findIndex((l) => l === "s3" || l.startsWith("s3-"));
  if (s3 === 0) return undefined;
  if (s3 > 0) return labels.slice(0, s3).join(".");
  if (labels.length >= 2 && labels[labels.length - 1] === "localhost") return labels.slice(0, -1).join(".");
  return undefined;
}

/**
 * A streaming payload (PutObject, UploadPart): the request stream itself, or its decoded payload for
 * aws-chunked bodies, whose `aws-chunked` content coding is the transfer's, not the object's.
 */
function streamedPayload(req: HttpRequest, out: Record<string, unknown>): Readable {
  if (!isAwsChunked(req.headers)) {
    const claimed = req.headers["x-amz-content-sha256"];
    return typeof claimed === "string" && /^[0-9a-fA-F]{64}$/.test(claimed) ? verifiedSha256(req.stream!, claimed.toLowerCase()) : req.stream!;
  }
  const decoded = req.headers["x-amz-decoded-content-length"];
  if (typeof decoded === "string" && /^\d+$/.test(decoded)) out.ContentLength = Number(decoded);
  if (typeof out.ContentEncoding === "string") {
    const rest = out.ContentEncoding.split(",").map((e) => e.trim()).filter((e) => e && e.toLowerCase() !== "aws-chunked");
    if (rest.length) out.ContentEncoding = rest.join(",");
    else delete out.ContentEncoding;
  }
  const decoder = new AwsChunkedDecoder();
  req.stream!.on("error", (e) => decoder.destroy(e));
  decoder.on("error", () => undefined); // seen by the consumer's iteration, as above
  return req.stream!.pipe(decoder);
}

/** A streamed body whose x-amz-content-sha256 claims a hash: checked as the last byte passes (before anything is visible). */
function verifiedSha256(src: Readable, claimed: string): Readable {
  const hash = createHash("sha256");
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      cb(hash.digest("hex") === claimed ? undefined : new ServiceError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400));
    },
  });
  src.on("error", (e) => check.destroy(e));
  // The consumer sees the error through its iteration; this listener keeps it from also being an uncaught 'error' event.
  check.on("error", () => undefined);
  return src.pipe(check);
}
