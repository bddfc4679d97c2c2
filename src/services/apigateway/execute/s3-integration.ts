/**
 * AWS integrations with S3 (type AWS, uri `arn:aws:apigateway:{region}:s3:path/{bucket}/{key}` or
 * `…:s3:action/{Operation}&Param=value&…`), served by Skyport's S3 in process:
 * - path: the URI's `{name}` placeholders take integration.request.path.name (mapped from the method request,
 *   or $context.requestOverride.path), the integration's HTTP method and the mapped headers / query string
 *   make an S3 REST request, which S3's own codec resolves and parses (GetObject, PutObject, ListObjects…,
 *   whatever the method and path name) — exactly as if it had come over the wire.
 * - action: the operation and its parameters come from the URI (`action/GetObject&Bucket=b&Key=k`).
 * The answer is S3's own serialized response (status, headers such as Content-Type and ETag, XML or bytes),
 * which the integration response then maps. Bodies are capped at API Gateway's 10 MB payload limit.
 */
import { codecFor } from "../../../aws/dispatch.js";
import { ServiceError } from "../../../aws/errors.js";
import { loadModel } from "../../../aws/models/loader.js";
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import type { RequestContext } from "../../../edge/context.js";
import type { InProcessCaller } from "../../sts/service-roles.js";
import type { IntegrationOutput } from "./integrations.js";
import type { RequestOverride } from "./vtl.js";

const S3_URI = /^arn:aws:apigateway:[^:]*:s3:(path|action)\/(.*)$/;
/** API Gateway's payload limit (10 MB). */
const MAX_PAYLOAD = 10 * 1024 * 1024;

export const isS3IntegrationUri = (uri: string) => S3_URI.test(uri);

export interface S3IntegrationRequest {
  uri: string;
  /** The integration's HTTP method (the method request's for ANY). */
  method: string;
  body: Buffer;
  contentType: string;
  /** integration.request.path.{name}, already percent-encoded per segment. */
  pathParam(name: string): string;
  /** integration.request.{header|querystring}.x → resolved value, in the integration's order. */
  parameters: Array<[string, string]>;
  override?: RequestOverride;
}

export async function callS3Integration(services: InProcessCaller, ctx: RequestContext, r: S3IntegrationRequest): Promise<IntegrationOutput> {
  const m = S3_URI.exec(r.uri)!;
  const model = loadModel("s3");
  const fill = (s: string) => s.replace(/\{([^}+]+)\+?\}/g, (_, k: string) => (r.override?.path[k] !== undefined ? encodeURIComponent(r.override.path[k]) : r.pathParam(k)));
  const headers: Record<string, string> = { "content-type": r.contentType, host: "s3.amazonaws.com" };
  const query = new URLSearchParams();
  for (const [dest, value] of r.parameters) {
    const h = /^integration\.request\.(header|querystring)\.(.+)$/.exec(dest);
    if (!h) continue;
    if (h[1] === "header") headers[h[2]!.toLowerCase()] = value;
    else query.set(h[2]!, value);
  }
  for (const [k, v] of Object.entries(r.override?.header ?? {})) headers[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(r.override?.querystring ?? {})) query.set(k, v);
  headers["content-length"] = String(r.body.length);
  const callCtx: RequestContext = { ...ctx, service: "s3" };
  const req: HttpRequest = { method: r.method.toUpperCase(), path: "/", rawQuery: "", query, headers, body: r.body };
  const codec = codecFor(model, req);
  let res: HttpResponse;
  try {
    if (m[1] === "path") {
      req.path = `/${fill(m[2]!).replace(/^\/+/, "")}`;
      req.rawQuery = query.toString();
      const op = codec.resolveOperation(model, req);
      if (op instanceof ServiceError) throw op;
      callCtx.operation = op.name;
      const input = codec.parseInput(model, op, req);
      res = codec.serializeOutput(model, op, (await services.call(callCtx.service, op.name, callCtx, input)) as Record<string, unknown>, callCtx);
    } else {
      // action/GetObject&Bucket=b&Key=k: the parameters are the operation's input members.
      const [name, ...pairs] = fill(m[2]!).split("&");
      const op = model.operations.get(name!);
      if (!op) throw new ServiceError("InvalidAction", `Unknown S3 action ${name}`, 400);
      callCtx.operation = op.name;
      const input: Record<string, unknown> = {};
      for (const p of pairs) {
        const i = p.indexOf("=");
        if (i > 0) input[decodeURIComponent(p.slice(0, i))] = decodeURIComponent(p.slice(i + 1));
      }
      if (op.input?.payload) input[op.input.payload] = r.body;
      res = codec.serializeOutput(model, op, (await services.call(callCtx.service, op.name, callCtx, input)) as Record<string, unknown>, callCtx);
    }
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e;
    res = codec.serializeError(model, e, callCtx);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
  let body: Buffer;
  if (res.stream) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.stream as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_PAYLOAD) {
        res.stream.destroy();
        return { status: 500, headers: {}, body: Buffer.from(JSON.stringify({ message: "Internal server error" })) };
      }
      chunks.push(c);
    }
    body = Buffer.concat(chunks);
  } else body = Buffer.isBuffer(res.body) ? res.body : Buffer.from(res.body);
  return { status: res.status, headers: out, body };
}
