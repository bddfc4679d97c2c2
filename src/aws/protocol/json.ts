/**
 * awsJson 1.0 / 1.1: POST with `X-Amz-Target: <prefix>.<Operation>` and a JSON body; errors as
 * `{"__type": ..., "message": ...}`. With the model's awsQueryCompatible trait (CloudWatch), errors also
 * carry `x-amzn-query-error: Code;Sender|Receiver` as query clients expect.
 */
import type { RequestContext } from "../../edge/context.js";
import { constraintMessage, serializationError, ServiceError, unknownOperation } from "../errors.js";
import type { Operation, ServiceModel } from "../models/loader.js";
import { decodedBody } from "./content-encoding.js";
import { CORAL_ERROR_TYPES, quirksOf } from "./quirks.js";
import { checkTopLevel, fromJson, stringifyJson, type ParseIssues } from "./shape-json.js";
import type { HttpRequest, HttpResponse, ProtocolCodec } from "./types.js";

const ACCEPTED_CONTENT_TYPES = /^(application\/x-amz-json-1\.[01]|application\/json|text\/plain|binary\/octet-stream)?\s*(;.*)?$/i;

export class JsonCodec implements ProtocolCodec {
  resolveOperation(model: ServiceModel, req: HttpRequest): Operation | ServiceError {
    const target = req.headers["x-amz-target"];
    if (typeof target !== "string") return unknownOperation(model.service, "");
    const dot = target.lastIndexOf(".");
    const name = target.slice(dot + 1);
    const op = target.slice(0, dot) === model.metadata.targetPrefix ? model.operations.get(name) : undefined;
    if (!op) return unknownOperation(model.service, "");
    if (req.method !== "POST") return unknownOperation(model.service, "");
    return op;
  }

  parseInput(model: ServiceModel, op: Operation, req: HttpRequest): Record<string, unknown> {
    const ct = req.headers["content-type"] ?? "";
    if (!ACCEPTED_CONTENT_TYPES.test(ct)) throw serializationError(`Unsupported Content-Type: ${ct}`);
    let body: unknown = {};
    const issues: ParseIssues = { missing: [], typeErrors: quirksOf(model.service).jacksonTypeErrors ? "jackson" : undefined };
    const raw = decodedBody(req, model.service);
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        throw serializationError("Start of structure or map found where not expected");
      }
      checkTopLevel(body, issues);
    }
    if (!op.input) return {};
    const input = fromJson(op.input, body, "", issues) as Record<string, unknown>;
    if (issues.missing.length) throw missingMembers(model, issues.missing);
    return input;
  }

  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown>, ctx: RequestContext): HttpResponse {
    const body = op.output ? stringifyJson(op.output, output) : "{}";
    return { status: 200, headers: { "Content-Type": contentType(model), "x-amzn-RequestId": ctx.requestId }, body };
  }

  serializeError(model: ServiceModel, err: ServiceError, ctx: RequestContext): HttpResponse {
    const q = quirksOf(model.service);
    const type = CORAL_ERROR_TYPES[err.code] ?? `${q.errorTypePrefix}${err.code}`;
    const body: Record<string, unknown> = { __type: type };
    // Coral's deserializer errors carry "Message" where the service's own errors carry "message".
    if (err.message) body[q.jacksonTypeErrors && err.code === "SerializationException" ? "Message" : "message"] = err.message;
    if (err.fields) Object.assign(body, err.fields);
    const headers: Record<string, string | string[]> = { "Content-Type": contentType(model), "x-amzn-RequestId": ctx.requestId, ...err.headers };
    if (model.metadata.awsQueryCompatible) headers["x-amzn-query-error"] = `${err.code};${err.senderFault ? "Sender" : "Receiver"}`;
    return { status: err.status, headers, body: JSON.stringify(body) };
  }
}

const contentType = (model: ServiceModel) => `application/x-amz-json-${model.metadata.jsonVersion ?? "1.0"}`;

/** The model-constraint error the service gives for missing required members. */
export function missingMembers(model: ServiceModel, paths: string[]): ServiceError {
  const violations = paths.map((p) => `Value null at '${p}' failed to satisfy constraint: Member must not be null`);
  return new ServiceError(quirksOf(model.service).validationErrorCode, constraintMessage(violations), 400);
}
