/** Errors answered by the gateway itself, shaped by the API's gateway responses (status, headers, template). */
import type { GatewayResponse } from "../../../aws/api/apigateway.js";
import type { HttpResponse } from "../../../aws/protocol/types.js";
import type { DeploymentSnapshot } from "../snapshot.js";
import { renderTemplate } from "./vtl.js";

const DEFAULT_STATUS: Record<string, number> = { DEFAULT_4XX: 400, DEFAULT_5XX: 500 };

/** An error answered by the gateway itself, shaped by the API's gateway responses (CORS headers too). */
export function gatewayResponse(s: DeploymentSnapshot, type: string, status: number, message: string, context: Record<string, unknown>, stageVariables: Record<string, string>, extra: Record<string, string> = {}): HttpResponse {
  const family = status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX";
  const find = (t: string): GatewayResponse | undefined => s.gatewayResponses.find((g) => g.responseType === t);
  const specific = find(type);
  const fallback = find(family);
  const headers: Record<string, string> = { "Content-Type": "application/json", "x-amzn-RequestId": String(context.requestId), ...extra };
  for (const g of [fallback, specific]) {
    for (const [dest, src] of Object.entries(g?.responseParameters ?? {})) {
      const h = /^gatewayresponse\.header\.(.+)$/.exec(dest);
      if (h) headers[h[1]!] = src.startsWith("'") ? src.slice(1, -1) : src;
    }
  }
  const g = specific ?? fallback;
  const finalStatus = g?.statusCode ? Number(g.statusCode) : (status || DEFAULT_STATUS[family]!);
  const template = g?.responseTemplates?.["application/json"];
  if (template) {
    const ctx = { ...context, error: { message, messageString: JSON.stringify(message), responseType: type } };
    try {
      return { status: finalStatus, headers, body: renderTemplate(template, { body: "", params: { path: {}, querystring: {}, header: {} }, context: ctx, stageVariables }) };
    } catch {
      return { status: 500, headers, body: JSON.stringify({ message: "Internal server error" }) };
    }
  }
  return { status: finalStatus, headers, body: JSON.stringify({ message }) };
}

