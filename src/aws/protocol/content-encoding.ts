/**
 * Compressed request bodies of the JSON and query protocols (`Content-Encoding: gzip` or `deflate`, as the
 * SDKs send for operations with the requestCompression trait, e.g. CloudWatch PutMetricData). Decoded by
 * the codecs, after SigV4 (which signs the bytes on the wire), and never past the service's body limit:
 * a small bomb stops inflating there. rest-xml (S3) is not decoded: there Content-Encoding describes the
 * object and is stored with it.
 */
import { gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import { ServiceError } from "../errors.js";
import { quirksOf } from "./quirks.js";
import type { HttpRequest } from "./types.js";

const decoded = new WeakMap<HttpRequest, Buffer>();
/** Stacked codings ("gzip, gzip, ...") each inflate up to the limit: a few are plenty. */
const MAX_CODINGS = 2;

/** The request body with its Content-Encoding undone (cached per request). */
export function decodedBody(req: HttpRequest, service: string): Buffer {
  const raw = req.headers["content-encoding"];
  if (!raw || !req.body.length) return req.body; // the common case: no cache entry, no allocation
  const cached = decoded.get(req);
  if (cached) return cached;
  // Codings apply in the order listed; undo them last to first. "identity" is no coding.
  const codings = raw.split(",").map((c) => c.trim().toLowerCase()).filter((c) => c && c !== "identity");
  if (codings.length > MAX_CODINGS) throw new ServiceError("UnsupportedMediaTypeException", `At most ${MAX_CODINGS} content codings are supported`, 415);
  const limit = quirksOf(service).maxBodyBytes;
  let body = req.body;
  for (let i = codings.length - 1; i >= 0; i--) body = decode(body, codings[i]!, limit, service);
  decoded.set(req, body);
  return body;
}

function decode(body: Buffer, coding: string, limit: number, service: string): Buffer {
  const inflate = coding === "gzip" || coding === "x-gzip" ? gunzipSync : coding === "deflate" ? inflateSync : undefined;
  if (!inflate) throw new ServiceError("UnsupportedMediaTypeException", `Unsupported Content-Encoding: ${coding}; use gzip or deflate`, 415);
  try {
    try {
      return inflate(body, { maxOutputLength: limit });
    } catch (e) {
      // HTTP's "deflate" is zlib-wrapped, but some clients send raw deflate.
      if (coding !== "deflate" || (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw e;
      return inflateRawSync(body, { maxOutputLength: limit });
    }
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      const q = quirksOf(service).tooLarge;
      throw new ServiceError(q.code, q.message, q.status);
    }
    throw new ServiceError("SerializationException", `The request body is not valid ${coding} data`, 400);
  }
}
