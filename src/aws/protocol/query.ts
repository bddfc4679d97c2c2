/**
 * awsQuery (STS, IAM, CloudWatch, CloudFormation): `Action=...&Version=...` form parameters in, XML out
 * wrapped in `<OpResponse><OpResult>` with ResponseMetadata; errors as `<ErrorResponse>`.
 */
import type { RequestContext } from "../../edge/context.js";
import { ServiceError, unknownOperation } from "../errors.js";
import type { Operation, ServiceModel, Shape } from "../models/loader.js";
import { DocumentLimits } from "./bounds.js";
import { decodedBody } from "./content-encoding.js";
import { missingMembers } from "./json.js";
import type { HttpRequest, HttpResponse, ProtocolCodec } from "./types.js";
import { escapeXml, fromText, toXml } from "./xml.js";

/** Parameter name → value. A Map, not URLSearchParams: its get() and set() scan every pair, quadratic on big forms. */
type Params = Map<string, string>;
const formOf = new WeakMap<HttpRequest, Params>();

/** The request's parameters: the form body (POST) merged over the query string. */
export function queryParams(req: HttpRequest, service: string): Params {
  let params = formOf.get(req);
  if (!params) {
    params = new Map(req.query);
    const ct = String(req.headers["content-type"] ?? "");
    if (req.body.length && (ct === "" || ct.startsWith("application/x-www-form-urlencoded"))) {
      for (const [k, v] of new URLSearchParams(decodedBody(req, service).toString("utf8"))) params.set(k, v);
    }
    formOf.set(req, params);
  }
  return params;
}

export class QueryCodec implements ProtocolCodec {
  resolveOperation(model: ServiceModel, req: HttpRequest): Operation | ServiceError {
    const action = queryParams(req, model.service).get("Action");
    if (!action) return new ServiceError("MissingAction", "Missing Action", 400);
    return model.operations.get(action) ?? new ServiceError("InvalidAction", `Could not find operation ${action} for version ${model.metadata.apiVersion}`, 400);
  }

  parseInput(model: ServiceModel, op: Operation, req: HttpRequest): Record<string, unknown> {
    if (!op.input) return {};
    const missing: string[] = [];
    const out = readStructure(op.input, queryParams(req, model.service), "", missing);
    if (missing.length) throw missingMembers(model, missing);
    return out;
  }

  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown>, ctx: RequestContext): HttpResponse {
    const parts: string[] = [`<${op.name}Response xmlns="${model.metadata.xmlNamespace}">`];
    if (op.output) {
      const wrapper = op.output.resultWrapper ?? `${op.name}Result`;
      toXml(op.output, output, wrapper, parts);
    }
    parts.push(`<ResponseMetadata><RequestId>${ctx.requestId}</RequestId></ResponseMetadata></${op.name}Response>`);
    return { status: 200, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": ctx.requestId }, body: parts.join("") };
  }

  serializeError(model: ServiceModel, err: ServiceError, ctx: RequestContext): HttpResponse {
    const body =
      `<ErrorResponse xmlns="${model.metadata.xmlNamespace}"><Error><Type>${err.senderFault ? "Sender" : "Receiver"}</Type>` +
      `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error><RequestId>${ctx.requestId}</RequestId></ErrorResponse>`;
    return { status: err.status, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": ctx.requestId, ...err.headers }, body };
  }
}

const prefixes = new WeakMap<Params, Set<string>>();

/**
 * Every dotted prefix of every parameter name ("A.member.1.Key" → "A", "A.member", "A.member.1"), built once
 * per request: asking each structure "is any key under me?" by scanning all keys would be quadratic.
 */
function prefixesOf(params: Params): Set<string> {
  let set = prefixes.get(params);
  if (!set) {
    set = new Set();
    for (const k of params.keys()) {
      for (let i = k.indexOf("."), n = 0; i > 0 && n < DocumentLimits.MAX_DEPTH; i = k.indexOf(".", i + 1), n++) set.add(k.slice(0, i));
    }
    prefixes.set(params, set);
  }
  return set;
}

function readStructure(shape: Shape, params: Params, prefix: string, missing: string[], depth = 0): Record<string, unknown> {
  // Recursive shapes would follow the client's keys (a.b.a.b...) as deep as it likes.
  if (depth > DocumentLimits.MAX_DEPTH) throw new ServiceError("MalformedQueryString", `Parameters nested deeper than ${DocumentLimits.MAX_DEPTH} levels`, 400);
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(shape.members!)) {
    const key = prefix + (m.queryName ?? m.locationName ?? name);
    const v = readValue(m, params, key, missing, depth + 1);
    if (v !== undefined) out[name] = v;
  }
  for (const r of shape.required ?? []) if (out[r] === undefined) missing.push(prefix + r);
  return out;
}

function readValue(shape: Shape, params: Params, key: string, missing: string[], depth: number): unknown {
  switch (shape.type) {
    case "structure": {
      const has = prefixesOf(params).has(key);
      return has ? readStructure(shape, params, `${key}.`, missing, depth) : undefined;
    }
    case "list": {
      const base = shape.flattened ? key : `${key}.${shape.member?.locationName ?? "member"}`;
      if (params.get(key) === "" && !params.has(`${base}.1`)) return [];
      const items: unknown[] = [];
      for (let i = 1; ; i++) {
        const v = readValue(shape.member!, params, `${base}.${i}`, missing, depth + 1);
        if (v === undefined) break;
        items.push(v);
      }
      return items.length ? items : undefined;
    }
    case "map": {
      const base = shape.flattened ? key : `${key}.entry`;
      const keyName = shape.key?.locationName ?? "key";
      const valueName = shape.value?.locationName ?? "value";
      const map: Record<string, unknown> = {};
      for (let i = 1; params.has(`${base}.${i}.${keyName}`); i++) {
        map[params.get(`${base}.${i}.${keyName}`)!] = readValue(shape.value!, params, `${base}.${i}.${valueName}`, missing, depth + 1);
      }
      return Object.keys(map).length ? map : undefined;
    }
    default: {
      const v = params.get(key);
      return v === undefined ? undefined : fromText(shape, v);
    }
  }
}
