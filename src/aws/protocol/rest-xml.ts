/**
 * restXml (S3): operations by method + URI template, members bound like rest-json, bodies as XML. S3's
 * errors are a bare `<Error>` document (no ErrorResponse wrapper).
 */
import type { RequestContext } from "../../edge/context.js";
import type { ServiceError } from "../errors.js";
import type { Operation, ServiceModel } from "../models/loader.js";
import { missingMembers } from "./json.js";
import { matchRestOperation, missingBound, noSuchRoute, parseBindings, serializeBindings } from "./rest-bindings.js";
import type { HttpRequest, HttpResponse, ProtocolCodec } from "./types.js";
import { escapeXml, fromXml, parseXmlDocument, toXml } from "./xml.js";

const labelsOf = new WeakMap<HttpRequest, Record<string, string>>();
const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

export class RestXmlCodec implements ProtocolCodec {
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
    const missing = missingBound(shape, out);
    if (shape.payload) {
      const member = shape.members![shape.payload]!;
      if (member.type === "blob") out[shape.payload] = req.body;
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
      if (member.type === "blob" || member.type === "string") {
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
    const extra = Object.entries(err.fields ?? {}).map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join("");
    const body = `${XML_DECL}<Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>${extra}<RequestId>${ctx.requestId}</RequestId><HostId>${ctx.requestId}</HostId></Error>`;
    return { status: err.status, headers: { "Content-Type": "application/xml", "x-amz-request-id": ctx.requestId, ...err.headers }, body };
  }
}

const xmlns = (model: ServiceModel) => model.metadata.xmlNamespace ?? `http://${model.metadata.endpointPrefix}.amazonaws.com/doc/${model.metadata.apiVersion}/`;
