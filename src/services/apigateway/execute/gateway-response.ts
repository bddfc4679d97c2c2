/**
 * Errors answered by the gateway itself ("Gateway responses in API Gateway", "Gateway response types"):
 * each has a response type with a default status; the API may customise a type — or DEFAULT_4XX /
 * DEFAULT_5XX, which then shape every type of that family not customised itself — with a statusCode,
 * responseParameters (gatewayresponse.header.X from 'literals', method.request.header/querystring/path.X,
 * stageVariables.X and context.X) and responseTemplates (VTL with $context.error.message,
 * $context.error.messageString, $context.error.responseType, $context.error.validationErrorString).
 * Without a template the body is AWS's default {"message":"…"} ({"Message":"…"} for the access-denied
 * answers that AWS spells so, {"message":null} for authorizer configuration errors).
 */
import type { GatewayResponse } from "../../../aws/api/apigateway.js";
import type { HttpResponse } from "../../../aws/protocol/types.js";
import type { DeploymentSnapshot } from "../snapshot.js";
import { renderTemplate } from "./vtl.js";

/** Every response type with its default status (null for the DEFAULT_* families: the error's own status). */
export const GATEWAY_RESPONSE_STATUS: Readonly<Record<string, number | null>> = {
  ACCESS_DENIED: 403, API_CONFIGURATION_ERROR: 500, AUTHORIZER_CONFIGURATION_ERROR: 500, AUTHORIZER_FAILURE: 500,
  BAD_REQUEST_PARAMETERS: 400, BAD_REQUEST_BODY: 400, DEFAULT_4XX: null, DEFAULT_5XX: null, EXPIRED_TOKEN: 403,
  INTEGRATION_FAILURE: 504, INTEGRATION_TIMEOUT: 504, INVALID_API_KEY: 403, INVALID_SIGNATURE: 403,
  MISSING_AUTHENTICATION_TOKEN: 403, QUOTA_EXCEEDED: 429, REQUEST_TOO_LARGE: 413, RESOURCE_NOT_FOUND: 404,
  THROTTLED: 429, UNAUTHORIZED: 401, UNSUPPORTED_MEDIA_TYPE: 415, WAF_FILTERED: 403,
};

/** Where the answer of a request-level value comes from: $context (error filled in), stage variables and the request. */
export interface GatewayResponseRequest {
  header?: Record<string, string>;
  querystring?: Record<string, string>;
  path?: Record<string, string>;
}

/** The request parts of a $context, bound once per request so that every gateway response can map them. */
const requests = new WeakMap<object, GatewayResponseRequest>();

/** Binds the request's header/querystring/path values to its $context (method.request.* sources of responseParameters). */
export function bindGatewayResponseRequest(context: Record<string, unknown>, request: GatewayResponseRequest): void {
  requests.set(context, request);
}

function mappedValue(src: string, context: Record<string, unknown>, stageVariables: Record<string, string>, request: GatewayResponseRequest): string | undefined {
  if (src.startsWith("'")) return src.endsWith("'") && src.length >= 2 ? src.slice(1, -1) : src.slice(1);
  const m = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(src);
  if (m) {
    const where = request[m[1] as keyof GatewayResponseRequest] ?? {};
    if (m[1] === "header") return Object.entries(where).find(([k]) => k.toLowerCase() === m[2]!.toLowerCase())?.[1];
    return where[m[2]!];
  }
  if (src.startsWith("stageVariables.")) return stageVariables[src.slice(15)];
  if (src.startsWith("context.")) {
    const v = src.slice(8).split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], context);
    return v === undefined || v === null ? undefined : typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  return undefined;
}

/**
 * An error answered by the gateway itself, shaped by the API's gateway responses (CORS headers too).
 * `status` is the error's own status (used when neither the type nor its family sets one); `message` null
 * gives AWS's {"message": null}; `bodyKey` "Message" the capitalised key of access-denied answers.
 */
export function gatewayResponse(
  s: DeploymentSnapshot, type: string, status: number, message: string, context: Record<string, unknown>, stageVariables: Record<string, string>,
  extra: Record<string, string> = {}, bodyKey: "message" | "Message" = "message", request: GatewayResponseRequest = requests.get(context) ?? {},
): HttpResponse {
  const ownStatus = status || GATEWAY_RESPONSE_STATUS[type] || 500;
  const family = ownStatus >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX";
  const find = (t: string): GatewayResponse | undefined => s.gatewayResponses.find((g) => g.responseType === t);
  const specific = find(type);
  const fallback = find(family);
  const errorMessage = message as string | null;
  const error = {
    message: errorMessage, messageString: JSON.stringify(errorMessage), responseType: type,
    validationErrorString: type === "BAD_REQUEST_BODY" || type === "BAD_REQUEST_PARAMETERS" ? errorMessage : "",
  };
  const ctx = { ...context, error };
  context.error = error; // the request's answer: access logs read $context.error.* (limits.ts)
  const headers: Record<string, string> = { "Content-Type": "application/json", "x-amzn-RequestId": String(context.requestId), ...extra };
  for (const g of [fallback, specific]) {
    for (const [dest, src] of Object.entries(g?.responseParameters ?? {})) {
      const h = /^gatewayresponse\.header\.(.+)$/.exec(dest);
      if (!h) continue;
      const v = mappedValue(src, ctx, stageVariables, request);
      if (v !== undefined) headers[h[1]!] = v;
    }
  }
  // A type's own status wins; else its family's (changing DEFAULT_4XX's status changes every 4XX type's); else the default.
  const configured = specific?.statusCode ?? fallback?.statusCode;
  const finalStatus = configured ? Number(configured) : ownStatus;
  const templates = specific?.responseTemplates && Object.keys(specific.responseTemplates).length ? specific.responseTemplates : fallback?.responseTemplates;
  const template = templates?.["application/json"] ?? (templates ? Object.values(templates)[0] : undefined);
  if (template) {
    try {
      const body = renderTemplate(template, { body: "", params: { path: request.path ?? {}, querystring: request.querystring ?? {}, header: request.header ?? {} }, context: ctx, stageVariables });
      return { status: finalStatus, headers, body };
    } catch {
      return { status: 500, headers, body: JSON.stringify({ message: "Internal server error" }) };
    }
  }
  return { status: finalStatus, headers, body: JSON.stringify({ [bodyKey]: errorMessage }) };
}
