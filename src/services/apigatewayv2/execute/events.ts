/**
 * The Lambda proxy contract of HTTP APIs ("Create AWS Lambda proxy integrations for HTTP APIs"):
 * payload format 2.0 — lower-cased header names with repeated values joined by commas, cookies taken out of
 * the headers into `cookies`, queryStringParameters joined by commas, absent fields omitted — and 1.0, the
 * REST API's format with HTTP API's requestContext. Responses: 2.0 infers a 200 application/json answer from
 * any JSON without statusCode, and turns `cookies` into Set-Cookie headers; 1.0 is parsed as REST's is
 * (apigateway/execute/lambda-proxy.ts). A response that breaks the contract is a 500 on HTTP APIs.
 */
import type { HttpRequest } from "../../../aws/protocol/types.js";
import { clientHeaders, eventHeaders, parseProxyAnswer, sourceIpOf, withForwardedHeaders, type ProxyAnswer } from "../../apigateway/execute/lambda-proxy.js";

/** What the pipeline knows about a request when it builds an event. */
export interface EventInput {
  req: HttpRequest;
  apiId: string;
  accountId: string;
  stage: string;
  routeKey: string;
  /** The path as the client sent it on the API's host (stage segment included), still encoded. */
  rawPath: string;
  pathParameters: Record<string, string>;
  stageVariables: Record<string, string>;
  requestId: string;
  domainName: string;
  timeEpoch: number;
  time: string;
  authorizer?: Record<string, unknown>;
  /** The request's headers after X-Forwarded-* (client casing, repeats kept). */
  headers: Array<[string, string[]]>;
}

const TEXT_TYPE = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql|yaml|x-yaml|ld\+json|hal\+json|problem\+json|[a-z.+-]*\+(json|xml)))/i;

/** Whether API Gateway hands the body to the function as base64 (every non-text payload). */
export function isBinaryBody(req: HttpRequest): boolean {
  const ct = req.headers["content-type"];
  if (!ct) return false;
  return !TEXT_TYPE.test(Array.isArray(ct) ? ct[0]! : ct);
}

/** The request's headers with X-Forwarded-For/-Port/-Proto, as the integration sees them. */
export function forwardedHeaders(req: HttpRequest): Array<[string, string[]]> {
  return withForwardedHeaders(clientHeaders(req), req);
}

function queryOf(rawQuery: string): { single: Record<string, string>; multi: Record<string, string[]> } {
  const multi: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) (multi[k] ??= []).push(v);
  const single: Record<string, string> = {};
  for (const [k, v] of Object.entries(multi)) single[k] = v.join(",");
  return { single, multi };
}

/** Payload format 2.0. */
export function eventV2(e: EventInput): Record<string, unknown> {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, values] of e.headers) {
    const k = name.toLowerCase();
    if (k === "cookie") {
      for (const v of values) for (const c of v.split(";")) if (c.trim()) cookies.push(c.trim());
      continue;
    }
    headers[k] = headers[k] !== undefined ? `${headers[k]},${values.join(",")}` : values.join(",");
  }
  const { single } = queryOf(e.req.rawQuery);
  const binary = isBinaryBody(e.req);
  const event: Record<string, unknown> = {
    version: "2.0", routeKey: e.routeKey, rawPath: e.rawPath, rawQueryString: e.req.rawQuery,
  };
  if (cookies.length) event.cookies = cookies;
  event.headers = headers;
  if (Object.keys(single).length) event.queryStringParameters = single;
  event.requestContext = {
    accountId: e.accountId, apiId: e.apiId, ...(e.authorizer ? { authorizer: e.authorizer } : {}), domainName: e.domainName, domainPrefix: e.domainName.split(".")[0],
    http: { method: e.req.method, path: safeDecodePath(e.rawPath), protocol: "HTTP/1.1", sourceIp: sourceIpOf(e.req), userAgent: headers["user-agent"] ?? "" },
    requestId: e.requestId, routeKey: e.routeKey, stage: e.stage, time: e.time, timeEpoch: e.timeEpoch,
  };
  if (e.req.body.length) event.body = binary ? e.req.body.toString("base64") : e.req.body.toString("utf8");
  if (Object.keys(e.pathParameters).length) event.pathParameters = e.pathParameters;
  event.isBase64Encoded = binary && e.req.body.length > 0;
  if (Object.keys(e.stageVariables).length) event.stageVariables = e.stageVariables;
  return event;
}

/** Payload format 1.0 (REST's proxy event shape; requestContext as HTTP APIs fill it). */
export function eventV1(e: EventInput): Record<string, unknown> {
  const { single, multi } = queryOf(e.req.rawQuery);
  const binary = isBinaryBody(e.req);
  const hasQuery = Object.keys(single).length > 0;
  const last: Record<string, string> = {};
  for (const [k, v] of Object.entries(multi)) last[k] = v[v.length - 1]!;
  const space = e.routeKey.indexOf(" ");
  const resource = e.routeKey === "$default" ? "$default" : e.routeKey.slice(space + 1);
  const path = safeDecodePath(e.rawPath);
  return {
    version: "1.0", resource, path, httpMethod: e.req.method, ...eventHeaders(e.headers),
    queryStringParameters: hasQuery ? last : null, multiValueQueryStringParameters: hasQuery ? multi : null,
    requestContext: {
      accountId: e.accountId, apiId: e.apiId, ...(e.authorizer ? { authorizer: e.authorizer } : {}), domainName: e.domainName, domainPrefix: e.domainName.split(".")[0],
      extendedRequestId: e.requestId, httpMethod: e.req.method,
      identity: { accessKey: null, accountId: null, caller: null, cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null, cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: sourceIpOf(e.req), user: null, userAgent: String(e.req.headers["user-agent"] ?? ""), userArn: null },
      path, protocol: "HTTP/1.1", requestId: e.requestId, requestTime: e.time, requestTimeEpoch: e.timeEpoch, resourceId: e.routeKey, resourcePath: resource, stage: e.stage,
    },
    pathParameters: Object.keys(e.pathParameters).length ? e.pathParameters : null,
    stageVariables: Object.keys(e.stageVariables).length ? e.stageVariables : null,
    body: e.req.body.length ? (binary ? e.req.body.toString("base64") : e.req.body.toString("utf8")) : null,
    isBase64Encoded: binary && e.req.body.length > 0,
  };
}

function safeDecodePath(p: string): string {
  try {
    return decodeURI(p);
  } catch {
    return p;
  }
}

/**
 * A 2.0 function answer. JSON without statusCode (or not an object) is the body of a 200 application/json;
 * with statusCode: headers, multiValueHeaders are not part of 2.0, cookies become Set-Cookie. Undefined → 500.
 */
export function parseV2Answer(payload: Buffer): ProxyAnswer | undefined {
  let r: unknown;
  try {
    r = JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
  if (r === null || typeof r !== "object" || Array.isArray(r) || !("statusCode" in r)) {
    return { status: 200, headers: { "content-type": "application/json" }, body: payload };
  }
  const o = r as { statusCode?: unknown; headers?: unknown; body?: unknown; cookies?: unknown; isBase64Encoded?: unknown };
  const status = Number(o.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return undefined;
  if (o.headers !== undefined && o.headers !== null && (typeof o.headers !== "object" || Array.isArray(o.headers))) return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries((o.headers as Record<string, unknown> | null) ?? {})) {
    if (v === null || v === undefined || /^(content-length|transfer-encoding|connection|keep-alive)$/i.test(k)) continue;
    headers[k.toLowerCase()] = String(v);
  }
  if (Array.isArray(o.cookies) && o.cookies.length) headers["set-cookie"] = o.cookies.map(String);
  let body: Buffer;
  if (o.body === undefined || o.body === null) body = Buffer.alloc(0);
  else if (typeof o.body === "string") body = o.isBase64Encoded === true ? Buffer.from(o.body, "base64") : Buffer.from(o.body);
  else body = Buffer.from(JSON.stringify(o.body));
  return { status, headers, body };
}

/** A 1.0 function answer (REST's rules). */
export function parseV1Answer(payload: Buffer): ProxyAnswer | undefined {
  return parseProxyAnswer(payload);
}
