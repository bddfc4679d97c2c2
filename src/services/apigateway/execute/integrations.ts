/**
 * The integrations of the request path: Lambda proxy (payload format 1.0), Lambda custom (AWS), AWS
 * service actions of Skyport's own services (in process, through the protocol layer's shape codec), HTTP
 * and HTTP_PROXY (pooled keep-alive node:http client), and MOCK.
 */
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { ServiceError } from "../../../aws/errors.js";
import { loadModel } from "../../../aws/models/loader.js";
import { fromJson, toJson } from "../../../aws/protocol/shape-json.js";
import type { RequestContext } from "../../../edge/context.js";
import type { ServiceHost } from "../../host.js";

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

export async function invokeLambda(services: ServiceHost, ctx: RequestContext, functionArn: string, payload: Buffer): Promise<{ payload: Buffer; functionError?: string }> {
  const out = await services.call<{ Payload?: Uint8Array; FunctionError?: string }>("lambda", "Invoke", ctx, { FunctionName: functionArn, Payload: payload, InvocationType: "RequestResponse" });
  return { payload: Buffer.from(out.Payload ?? new Uint8Array()), functionError: out.FunctionError };
}

/** An AWS service action (arn:aws:apigateway:region:dynamodb:action/PutItem) with a wire-format JSON body. */
export async function callAwsAction(services: ServiceHost, ctx: RequestContext, uri: string, body: string): Promise<IntegrationOutput> {
  const m = ACTION_URI.exec(uri);
  const service = m ? SERVICE_NAMES[m[1]!] : undefined;
  if (!m || !service) return { status: 500, headers: {}, body: Buffer.from(JSON.stringify({ message: `Skyport cannot call AWS service ${m?.[1] ?? uri} from an integration` })) };
  const model = loadModel(service);
  const op = model.operations.get(m[2]!);
  if (!op) return { status: 400, headers: { "Content-Type": "application/json" }, body: Buffer.from(JSON.stringify({ __type: "UnknownOperationException" })) };
  try {
    let wire: unknown = {};
    if (body.trim()) wire = JSON.parse(body);
    const issues = { missing: [] as string[] };
    const input = op.input ? (fromJson(op.input, wire, "", issues) as Record<string, unknown>) : {};
    if (issues.missing.length) throw new ServiceError("ValidationException", `1 validation error detected: Value null at '${issues.missing[0]}' failed to satisfy constraint: Member must not be null`, 400);
    const output = await services.call(service, op.name, ctx, input);
    return { status: 200, headers: { "Content-Type": "application/json" }, body: Buffer.from(JSON.stringify(op.output ? toJson(op.output, output) ?? {} : {})) };
  } catch (e) {
    if (e instanceof SyntaxError) return { status: 400, headers: { "Content-Type": "application/json" }, body: Buffer.from(JSON.stringify({ __type: "SerializationException", message: "Could not parse the request body as JSON" })) };
    if (!(e instanceof ServiceError)) throw e;
    return { status: e.status, headers: { "Content-Type": "application/json" }, body: Buffer.from(JSON.stringify({ __type: e.code, message: e.message, ...e.fields })) };
  }
}

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
    const req = send(u, { method, headers: outHeaders, agent: u.protocol === "https:" ? httpsAgent : httpAgent }, (res) => {
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
