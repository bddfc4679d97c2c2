/**
 * The integrations of the request path: Lambda proxy (payload format 1.0), Lambda custom (AWS), AWS
 * service actions of Skyport's own services (in process, through the protocol layer's shape codec), HTTP
 * and HTTP_PROXY (pooled keep-alive node:http client), and MOCK.
 */
import { lookup as dnsLookup } from "node:dns";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import type { LookupFunction } from "node:net";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { codecFor } from "../../../aws/dispatch.js";
import { ServiceError, unknownOperation } from "../../../aws/errors.js";
import { loadModel } from "../../../aws/models/loader.js";
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import type { RequestContext } from "../../../edge/context.js";
import type { InProcessCaller } from "../../sts/service-roles.js";

/** What an integration answered, before integration response mapping. */
export interface IntegrationOutput {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Lambda custom integrations: the function's errorMessage (selection patterns match it). */
  errorMessage?: string;
}

const LAMBDA_URI = /^arn:aws:apigateway:[^:]+:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/;
const ACTION_URI = /^arn:aws:apigateway:[^:]+:([a-z0-9-]+):action\/([A-Za-z0-9]+)/;
const SERVICE_NAMES: Record<string, string> = { dynamodb: "dynamodb", lambda: "lambda", logs: "logs", sts: "sts", s3: "s3", monitoring: "cloudwatch", events: "events" };

/** The function a Lambda integration URI names. */
export function lambdaFunctionOf(uri: string): string | undefined {
  return LAMBDA_URI.exec(uri)?.[1];
}

export async function invokeLambda(services: InProcessCaller, ctx: RequestContext, functionArn: string, payload: Buffer): Promise<{ payload: Buffer; functionError?: string }> {
  const out = await services.call<{ Payload?: Uint8Array; FunctionError?: string }>("lambda", "Invoke", ctx, { FunctionName: functionArn, Payload: payload, InvocationType: "RequestResponse" });
  return { payload: Buffer.from(out.Payload ?? new Uint8Array()), functionError: out.FunctionError };
}

/**
 * An AWS service action (arn:aws:apigateway:region:dynamodb:action/PutItem): the mapped body is parsed and
 * the answer serialized by the service's own protocol codec, exactly as if it had come over the wire, and
 * the call itself stays in process.
 */
export async function callAwsAction(services: InProcessCaller, ctx: RequestContext, uri: string, body: string): Promise<IntegrationOutput> {
  const m = ACTION_URI.exec(uri);
  const service = m ? SERVICE_NAMES[m[1]!] : undefined;
  if (!m || !service) return { status: 500, headers: {}, body: Buffer.from(JSON.stringify({ message: `Skyport cannot call AWS service ${m?.[1] ?? uri} from an integration` })) };
  const model = loadModel(service);
  const action = m[2]!;
  const target = model.metadata.targetPrefix ? `${model.metadata.targetPrefix}.${action}` : undefined;
  const req: HttpRequest = {
    method: "POST", path: "/", rawQuery: "", query: new URLSearchParams(),
    headers: { "content-type": `application/x-amz-json-${model.metadata.jsonVersion ?? "1.0"}`, ...(target ? { "x-amz-target": target } : {}) },
    body: Buffer.from(body),
  };
  const codec = codecFor(model, req);
  const callCtx = { ...ctx, service, operation: action };
  const answer = async () => {
    const op = model.operations.get(action);
    if (!op) throw unknownOperation(service, action);
    const input = codec.parseInput(model, op, req);
    callCtx.operation = op.name;
    return codec.serializeOutput(model, op, (await services.call(service, op.name, callCtx, input)) as Record<string, unknown>, callCtx);
  };
  let res: HttpResponse;
  try {
    res = await answer();
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e;
    res = codec.serializeError(model, e, callCtx);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
  return { status: res.status, headers, body: Buffer.isBuffer(res.body) ? res.body : Buffer.from(res.body) };
}

/**
 * `*.localhost` is loopback (RFC 6761), as browsers resolve it; the OS resolver often does not, and
 * function URLs and execute-api hosts on Skyport are such names. Everything else goes to the OS.
 */
const lookupLocalhost: LookupFunction = (hostname, options, callback) => {
  if (hostname === "localhost" || hostname.endsWith(".localhost")) {
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
    return callback(null, "127.0.0.1", 4);
  }
  return dnsLookup(hostname, options, callback as never);
};

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 });
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer", "host", "content-length"]);

/** HTTP(S) call for HTTP and HTTP_PROXY integrations; a timeout becomes 504 as on AWS. */
export function callHttp(method: string, url: string, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<IntegrationOutput> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const send = u.protocol === "https:" ? httpsRequest : httpRequest;
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k.toLowerCase())) outHeaders[k] = v;
    if (body.length) outHeaders["content-length"] = String(body.length);
    let done = false;
    const finish = (r: IntegrationOutput) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    const req = send(u, { method, headers: outHeaders, agent: u.protocol === "https:" ? httpsAgent : httpAgent, lookup: lookupLocalhost }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) h[k] = Array.isArray(v) ? v.join(",") : v;
        finish({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
      });
      res.on("error", () => finish(gatewayError(502, "Internal server error")));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      finish(gatewayError(504, "Endpoint request timed out"));
    });
    req.on("error", () => finish(gatewayError(502, "Internal server error")));
    req.end(body);
  });
}

function gatewayError(status: number, message: string): IntegrationOutput & { gateway: true } {
  return { status, headers: { "Content-Type": "application/json" }, body: Buffer.from(JSON.stringify({ message })), gateway: true };
}

export { gatewayError };
