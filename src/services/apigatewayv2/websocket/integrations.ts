/**
 * Running a WebSocket route's integration: AWS_PROXY (Lambda, the event of events.ts), MOCK and AWS (Lambda
 * custom or an AWS service action) with request templates chosen by templateSelectionExpression and
 * integration responses chosen by status code, HTTP/HTTP_PROXY (the message as the body). The REST path's
 * pieces are reused: invokeLambda, callAwsAction, callHttp, the VTL renderer and selection patterns.
 */
import type { GetIntegrationOutput } from "../../../aws/api/apigatewayv2.js";
import type { RequestContext } from "../../../edge/context.js";
import { callAwsAction, callHttp, invokeLambda, lambdaFunctionOf } from "../../apigateway/execute/integrations.js";
import { selectionMatches } from "../../apigateway/execute/selection.js";
import { renderTemplate, type TemplateScope } from "../../apigateway/execute/vtl.js";
import type { ServiceHost } from "../../host.js";
import { apiGatewayIdentity } from "../../sts/service-roles.js";
import type { Connection } from "./connections.js";
import { WsLimits } from "./constants.js";
import type { WsApi } from "./control-plane.js";
import { lambdaEvent, requestContextOf, type EventParts } from "./events.js";
import { evaluateSelection, parseMessageBody } from "./select.js";

export interface WsIntegrationResult {
  status: number;
  /** What a two-way route sends back (undefined: nothing). */
  body?: string;
  /** Headers a $connect proxy integration adds to the handshake (Sec-WebSocket-Protocol). */
  headers: Record<string, string>;
  /** The integration itself failed (function error, bad template): the client gets "Internal server error". */
  failed?: boolean;
}

export interface IntegrationDeps {
  services: ServiceHost;
  ctx: (w: WsApi) => RequestContext;
}

export async function runIntegration(deps: IntegrationDeps, w: WsApi, integration: GetIntegrationOutput, c: Connection, parts: EventParts): Promise<WsIntegrationResult> {
  const type = integration.IntegrationType;
  const uri = integration.IntegrationUri ?? "";
  // CredentialsArn: the role API Gateway assumes for AWS/AWS_PROXY integrations (--enforce-iam; sts/service-roles.ts).
  const acting = await apiGatewayIdentity(deps.services, deps.ctx(w), type === "AWS" || type === "AWS_PROXY" ? integration.CredentialsArn : undefined);
  if (acting === "refused") return { status: 500, headers: {}, failed: true };
  if (type === "AWS_PROXY") {
    const fn = lambdaFunctionOf(uri) ?? uri;
    const event = lambdaEvent(c, parts);
    if (w.stage.StageVariables && Object.keys(w.stage.StageVariables).length) event.stageVariables = w.stage.StageVariables;
    const out = await invokeLambda(acting.caller, acting.ctx, fn, Buffer.from(JSON.stringify(event)));
    if (out.functionError) return { status: 500, headers: {}, failed: true };
    return proxyAnswer(out.payload);
  }
  if (type === "HTTP_PROXY") {
    const res = await callHttp(integration.IntegrationMethod ?? "POST", uri, { "content-type": "application/json" }, Buffer.from(parts.body ?? ""), integration.TimeoutInMillis ?? WsLimits.INTEGRATION_TIMEOUT_MS);
    return { status: res.status, headers: {}, body: res.body.toString("utf8") };
  }
  // MOCK, AWS, HTTP: a request template, the call, then the integration response's template.
  const scope: TemplateScope = { body: parts.body ?? "", params: { path: {}, querystring: Object.fromEntries(parts.query ?? []), header: parts.headers ?? {} }, context: requestContextOf(c, parts), stageVariables: w.stage.StageVariables ?? {} };
  let request: string;
  try {
    request = renderRequest(integration, scope);
  } catch {
    return { status: 500, headers: {}, failed: true };
  }
  let status: number;
  let responseBody: string;
  if (type === "MOCK") {
    const parsed = parseMessageBody(request) as { statusCode?: unknown } | undefined;
    status = typeof parsed?.statusCode === "number" ? parsed.statusCode : 200;
    responseBody = "";
  } else if (type === "AWS") {
    const fn = lambdaFunctionOf(uri);
    if (fn) {
      const out = await invokeLambda(acting.caller, acting.ctx, fn, Buffer.from(request));
      if (out.functionError) return { status: 500, headers: {}, failed: true };
      status = 200;
      responseBody = out.payload.toString("utf8");
    } else {
      const out = await callAwsAction(acting.caller, acting.ctx, uri, request);
      status = out.status;
      responseBody = out.body.toString("utf8");
    }
  } else {
    const out = await callHttp(integration.IntegrationMethod ?? "POST", uri, { "content-type": "application/json" }, Buffer.from(request), integration.TimeoutInMillis ?? WsLimits.INTEGRATION_TIMEOUT_MS);
    status = out.status;
    responseBody = out.body.toString("utf8");
  }
  const responses = w.integrationResponses[integration.IntegrationId ?? ""] ?? [];
  const chosen = responses.find((r) => r.IntegrationResponseKey !== "$default" && keyMatches(r.IntegrationResponseKey, status)) ?? responses.find((r) => r.IntegrationResponseKey === "$default");
  if (!chosen) return { status, headers: {}, body: type === "MOCK" ? undefined : responseBody };
  const templates = chosen.ResponseTemplates ?? {};
  const key = chosen.TemplateSelectionExpression ? evaluateSelection(chosen.TemplateSelectionExpression, parseMessageBody(responseBody)) : undefined;
  const template = (key !== undefined ? templates[key] : undefined) ?? templates.$default ?? (Object.keys(templates).length === 1 ? Object.values(templates)[0] : undefined);
  if (template === undefined) return { status, headers: {}, body: responseBody };
  try {
    return { status, headers: {}, body: renderTemplate(template, { ...scope, body: responseBody }) };
  } catch {
    return { status: 500, headers: {}, failed: true };
  }
}

/** The request template templateSelectionExpression picks (else `$default`, else the only one), or the body as is. */
function renderRequest(integration: GetIntegrationOutput, scope: TemplateScope): string {
  const templates = integration.RequestTemplates ?? {};
  const names = Object.keys(templates);
  if (!names.length) return scope.body;
  const key = integration.TemplateSelectionExpression ? evaluateSelection(integration.TemplateSelectionExpression, parseMessageBody(scope.body)) : undefined;
  const template = (key !== undefined ? templates[key] : undefined) ?? templates.$default ?? (names.length === 1 ? templates[names[0]!] : undefined);
  if (template === undefined) return scope.body;
  return renderTemplate(template, scope);
}

/** Integration response keys of WebSocket APIs are `/regex/` over the status code, or a plain code. */
function keyMatches(key: string, status: number): boolean {
  const m = /^\/(.*)\/$/.exec(key);
  return m ? selectionMatches(m[1]!, String(status)) : key === String(status);
}

/** A Lambda proxy integration's answer: {statusCode, headers, body}; a plain value counts as a 200 with that body. */
function proxyAnswer(payload: Buffer): WsIntegrationResult {
  const text = payload.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: 200, headers: {}, body: text };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || !("statusCode" in parsed)) return { status: 200, headers: {}, body: parsed === null ? undefined : typeof parsed === "string" ? parsed : text };
  const o = parsed as { statusCode?: unknown; headers?: Record<string, unknown>; body?: unknown; isBase64Encoded?: boolean };
  const status = Number(o.statusCode);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== null && typeof v !== "object") headers[k] = String(v);
  let body = o.body === undefined || o.body === null ? undefined : typeof o.body === "string" ? o.body : JSON.stringify(o.body);
  if (body !== undefined && o.isBase64Encoded) body = Buffer.from(body, "base64").toString("utf8");
  return { status: Number.isInteger(status) ? status : 502, headers, body, failed: !Number.isInteger(status) };
}
