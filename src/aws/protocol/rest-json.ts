/**
 * restJson1: operations chosen by method + URI template; members bound to labels, query, headers and the
 * status code; the rest (or the payload member) as the JSON body. Errors carry `x-amzn-ErrorType`.
 */
import type { RequestContext } from "../../edge/context.js";
import { ServiceError } from "../errors.js";
import type { Operation, ServiceModel, Shape } from "../models/loader.js";
import { decodedBody } from "./content-encoding.js";
import { missingMembers } from "./json.js";
import { quirksOf } from "./quirks.js";
import { matchRestOperation, missingBound, noSuchRoute, parseBindings, serializeBindings } from "./rest-bindings.js";
import { fromJson, toJson, type ParseIssues } from "./shape-json.js";
import type { HttpRequest, HttpResponse, ProtocolCodec } from "./types.js";

const labelsOf = new WeakMap<HttpRequest, Record<string, string>>();

export class RestJsonCodec implements ProtocolCodec {
  resolveOperation(model: ServiceModel, req: HttpRequest): Operation | ServiceError {
    const m = matchRestOperation(model, req);
    if (!m) return noSuchRoute(req);
    labelsOf.set(req, m.labels);
    return m.op;
  }

  parseInput(model: ServiceModel, op: Operation, req: HttpRequest): Record<string, unknown> {
    const shape = op.input;
    if (!shape) return {};
    const out: Record<string, unknown> = {};
    parseBindings(shape, req, labelsOf.get(req) ?? {}, out);
    const issues: ParseIssues = { missing: missingBound(shape, out) };
    if (shape.payload) {
      const member = shape.members![shape.payload]!;
      if (member.type === "blob") out[shape.payload] = req.body;
      else if (member.type === "string") out[shape.payload] = req.body.toString("utf8");
      else if (req.body.length) out[shape.payload] = fromJson(member, parseJsonBody(model, decodedBody(req, model.service)), shape.payload, issues);
    } else if (req.body.length) {
      const body = fromJson(shape, parseJsonBody(model, decodedBody(req, model.service)), "", issues) as Record<string, unknown>;
      for (const k in body) if (out[k] === undefined) out[k] = body[k];
    } else if (shape.required) {
      for (const r of shape.required) if (!shape.members![r]?.location && out[r] === undefined) issues.missing.push(lowerFirst(r));
    }
    if (issues.missing.length) throw missingMembers(model, issues.missing);
    return out;
  }

  serializeOutput(_model: ServiceModel, op: Operation, output: Record<string, unknown>, ctx: RequestContext): HttpResponse {
    const headers: Record<string, string | string[]> = { "x-amzn-RequestId": ctx.requestId };
    const shape = op.output;
    const status = serializeBindings(shape, output, headers, op.responseCode);
    let body: Buffer | string = "";
    if (shape?.payload) {
      const member = shape.members![shape.payload]!;
      const v = output[shape.payload];
      if (member.type === "blob" || member.type === "string") {
        body = v === undefined ? "" : typeof v === "string" ? v : Buffer.from(v as Uint8Array);
        headers["Content-Type"] ??= member.type === "blob" ? (quirksOf(_model.service).blobPayloadContentType?.[op.name] ?? "application/octet-stream") : "text/plain";
      } else {
        body = JSON.stringify(toJson(member, v) ?? {});
        headers["Content-Type"] = "application/json";
      }
    } else if (shape) {
      body = JSON.stringify(toJson(shape, output) ?? {});
      headers["Content-Type"] = "application/json";
    }
    return { status, headers, body };
  }

  serializeError(model: ServiceModel, err: ServiceError, ctx: RequestContext): HttpResponse {
    const q = quirksOf(model.service);
    const body: Record<string, unknown> = { ...q.errorFields };
    body[q.errorMessageKey] = err.message;
    if (q.errorMessageAlias) body[q.errorMessageAlias] = err.message;
    if (err.fields) Object.assign(body, err.fields);
    return {
      status: err.status,
      headers: { "Content-Type": "application/json", "x-amzn-RequestId": ctx.requestId, "x-amzn-ErrorType": err.code, ...err.headers },
      body: JSON.stringify(body),
    };
  }
}

/** The body as a JSON object; anything else (malformed, null, an array, a scalar) is the service's malformed-body error. */
function parseJsonBody(model: ServiceModel, body: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new ServiceError(quirksOf(model.service).malformedBodyCode, "Could not parse request body into json: Unexpected character", 400);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ServiceError(quirksOf(model.service).malformedBodyCode, `Could not parse request body into json: expected an object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`, 400);
  }
  return value;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
export type { Shape };
