/**
 * The REST API request path, one list of steps:
 *   route (API, stage, deployment, resource, method) → method request (required parameters, body model)
 *   → integration request (parameter mappings, mapping template / passthrough) → integration (Lambda proxy,
 *   Lambda custom, AWS service, HTTP, HTTP_PROXY, MOCK) → integration response (selection pattern, template,
 *   headers) → method response (binary conversion, compression), with gateway responses for errors.
 * The method request step also checks API keys and the integration step Lambda permissions
 * (method-access.ts); integration requests carry a hop count that ends loops (loops.ts).
 * Authorization (authorize.ts): AWS_IAM, COGNITO_USER_POOLS and Lambda (CUSTOM) authorizers with their cache,
 * combined with the API's resource policy. Throttles, usage plan quotas, the stage cache, access/execution logs
 * and metrics: limits.ts.
 */
import { gzipSync } from "node:zlib";
import type { Integration, IntegrationResponse, Stage } from "../../../aws/api/apigateway.js";
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import type { Clock } from "../../../core/clock.js";
import { userRegexEngine } from "../../../core/user-regex.js";
import type { IdGenerator } from "../../../core/ids.js";
import type { Logger } from "../../../core/log.js";
import type { RequestContext } from "../../../edge/context.js";
import type { ServiceHost } from "../../host.js";
import { apiGatewayIdentity, cannotAssume } from "../../sts/service-roles.js";
import { configurationError, invokeAs } from "./integration-role.js";
import type { DeploymentSnapshot, RestApiDataAccess } from "../snapshot.js";
import { authorizeMethod } from "./authorize.js";
import { bindGatewayResponseRequest, gatewayResponse } from "./gateway-response.js";
import { HOPS_HEADER, hopsOf, LOOP_MESSAGE, MAX_HOPS } from "./loops.js";
import { bodyMatchesModel } from "./models.js";
import { selectionMatches } from "./selection.js";
import { apiKeyOf, lambdaPermissionProblem } from "./method-access.js";
import type { RequestTrace, RestLimits } from "./limits.js";
import { clientHeaders, eventHeaders, parseProxyAnswer, sourceIpOf, withForwardedHeaders } from "./lambda-proxy.js";
import { callAwsAction, callHttp, lambdaFunctionOf, type IntegrationOutput } from "./integrations.js";
import { callS3Integration, isS3IntegrationUri } from "./s3-integration.js";
import { matchRoute, parseTarget, pickDeployment, type RouteMatch, type Target } from "./route.js";
import { renderTemplate, renderRequestTemplate, renderResponseTemplate, jsonPath, VtlError, type RequestOverride, type RequestParts, type ResponseOverride, type TemplateScope } from "./vtl.js";

export interface ExecuteDeps {
  data: RestApiDataAccess;
  services: ServiceHost;
  ids: IdGenerator;
  clock: Clock;
  random: () => number;
  /** Where a failed execution says why (AWS writes it to the execution log; the client only sees a 500). */
  log?: Logger;
  /** Refuse Lambda integrations whose function does not allow apigateway.amazonaws.com (see method-access.ts). */
  strictPermissions?: boolean;
  /** Throttles, quotas, the stage cache, access/execution logs and metrics (limits.ts); absent for TestInvokeMethod. */
  limits?: RestLimits;
}

interface Exchange {
  req: HttpRequest;
  target: Target;
  stage: Stage;
  snapshot: DeploymentSnapshot;
  route: RouteMatch;
  params: RequestParts;
  stageVariables: Record<string, string>;
  context: Record<string, unknown>;
  requestId: string;
  bodyText: string;
  log?: Logger;
  /** For the execution log: why a configuration error failed the request. */
  trace?: RequestTrace;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const requestTime = (d: Date) =>
  `${String(d.getUTCDate()).padStart(2, "0")}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${d.toISOString().slice(11, 19)} +0000`;

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** Runs one request through a REST API. */
export async function executeRestRequest(req: HttpRequest, host: string, deps: ExecuteDeps): Promise<HttpResponse> {
  const requestId = deps.ids.uuid();
  const trace: RequestTrace = { startedMs: performance.now() };
  const res = await runRequest(req, host, deps, requestId, trace);
  // Every answer names the request as API Gateway's do (x-amzn-RequestId, x-amz-apigw-id, X-Amzn-Trace-Id).
  const headers = res.headers;
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (!has("x-amzn-requestid")) headers["x-amzn-RequestId"] = requestId;
  if (!has("x-amz-apigw-id")) headers["x-amz-apigw-id"] = Buffer.from(requestId.replace(/-/g, "").slice(0, 22), "hex").toString("base64").slice(0, 15) + "=";
  // An explicit Connection header keeps Node from adding its own "Keep-Alive: timeout=N", which AWS never sends.
  if (!has("connection") && !/close/i.test(String(req.headers.connection ?? ""))) headers.Connection = "keep-alive";
  if (!has("x-amzn-trace-id")) headers["X-Amzn-Trace-Id"] = `Root=1-${Math.floor(deps.clock.now() / 1000).toString(16).padStart(8, "0")}-${requestId.replace(/-/g, "").slice(0, 24)}`;
  deps.limits?.finish(trace, res);
  return res;
}

async function runRequest(req: HttpRequest, host: string, deps: ExecuteDeps, requestId: string, trace: RequestTrace): Promise<HttpResponse> {
  const hops = hopsOf(req);
  if (hops > MAX_HOPS) {
    deps.log?.warn(`apigateway: ${req.method} ${req.path} (${requestId}): refused, it passed through an HTTP integration ${hops} times (integration loop)`);
    return json(508, { message: LOOP_MESSAGE }, { "x-amzn-RequestId": requestId, "x-amzn-ErrorType": "LoopDetectedException" });
  }
  // 1. route
  const target = parseTarget(host, req.path, deps.data);
  if (target === undefined) return json(404, { message: "Not Found" }, { "x-amzn-RequestId": requestId });
  if (target === "no-stage") return json(403, { message: "Forbidden" }, { "x-amzn-RequestId": requestId, "x-amzn-ErrorType": "ForbiddenException" });
  const stage = deps.data.getStageFor(target.location, target.apiId, target.stageName);
  if (!stage) return json(403, { message: "Forbidden" }, { "x-amzn-RequestId": requestId, "x-amzn-ErrorType": "ForbiddenException" });
  const pick = pickDeployment(stage, deps.random);
  const snapshot = deps.data.getDeploymentSnapshot(target.location, target.apiId, pick.deploymentId);
  if (!snapshot) return json(500, { message: "Internal server error" }, { "x-amzn-RequestId": requestId });
  const stageVariables = { ...stage.variables, ...(pick.canary ? stage.canarySettings?.stageVariableOverrides : undefined) };
  const route = matchRoute(snapshot, target.path, req.method);
  const now = new Date(deps.clock.now());
  const context: Record<string, unknown> = {
    requestId, extendedRequestId: requestId, apiId: target.apiId, stage: target.stageName, accountId: target.location.accountId,
    httpMethod: req.method, path: `/${target.stageName}${target.path}`, protocol: "HTTP/1.1", requestTime: requestTime(now), requestTimeEpoch: now.getTime(),
    domainName: target.domainName.replace(/:\d+$/, ""), domainPrefix: target.domainName.split(".")[0],
    identity: { sourceIp: sourceIpOf(req), userAgent: String(req.headers["user-agent"] ?? ""), accountId: null, caller: null, user: null, userArn: null, apiKey: null, accessKey: null },
    error: {},
  };
  Object.assign(trace, { target, stage, snapshot, context }); // for access logs and metrics (limits.ts)
  const params = requestParts(req, route?.pathParameters ?? {});
  bindGatewayResponseRequest(context, params);
  if (!route) return gatewayResponse(snapshot, "MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token", context, stageVariables, { "x-amzn-ErrorType": "MissingAuthenticationTokenException" });
  context.resourceId = route.resource.id;
  context.resourcePath = route.resource.path;

  // 1b. authorization: IAM, Cognito, Lambda authorizers and the resource policy (authorize.ts)
  const auth = deps.data.testInvoke ? {} : await authorizeMethod({
    req, snapshot, method: route.method, apiId: target.apiId, stage: target.stageName, region: target.location.region, accountId: target.location.accountId,
    path: target.path, resourceId: route.resource.id!, resourcePath: route.resource.path!, pathParameters: route.pathParameters, stageVariables, context,
    requestId, services: deps.services, clock: deps.clock, cache: deps.data.authorizerCache, log: deps.log, strictPermissions: deps.strictPermissions,
  });
  if ("status" in auth) return auth;

  const ex: Exchange = { req, target, stage, snapshot, route, params, stageVariables, context, requestId, bodyText: req.body.toString("utf8"), log: deps.log, trace };

  // 2. method request: API key (method-access.ts), then parameters and body
  if (route.method.apiKeyRequired && deps.data.apiKeyAllows) {
    const key = snapshot.api.apiKeySource === "AUTHORIZER" ? auth.usageIdentifierKey : apiKeyOf(req);
    if (!key || !deps.data.apiKeyAllows(target.location, target.apiId, target.stageName, key)) {
      return gatewayResponse(snapshot, "INVALID_API_KEY", 403, "Forbidden", context, stageVariables, { "x-amzn-ErrorType": "ForbiddenException" });
    }
    (context.identity as Record<string, unknown>).apiKey = key;
  }
  // 2b. throttling and usage plan quotas (limits.ts)
  const limited = deps.limits?.admit(ex);
  if (limited) return limited;
  const invalid = validateMethodRequest(ex);
  if (invalid) return invalid;
  // 2c. the stage cache (limits.ts)
  const cached = deps.limits?.beforeIntegration(ex, trace);
  if (cached) return compress(ex, cached);

  // 3–5. integration request, integration, integration response
  const integration = route.method.methodIntegration!;
  let result: HttpResponse;
  try {
    result = await runIntegration(ex, integration, deps);
  } catch (e) {
    // AWS answers a broken or over-budget mapping template with a plain 500 and logs the reason.
    const why = e instanceof VtlError ? `Execution failed due to configuration error: Unable to transform request or response: ${e.message}` : "Execution failed";
    deps.log?.warn(`apigateway: ${target.apiId}/${target.stageName} ${req.method} ${target.path} (${requestId}): ${why}`, e instanceof VtlError ? undefined : e);
    result = gatewayResponse(snapshot, "DEFAULT_5XX", 500, "Internal server error", context, stageVariables);
  }
  deps.limits?.afterIntegration(ex, trace, result);
  // 6. method response: compression
  return compress(ex, result);
}

function requestParts(req: HttpRequest, path: Record<string, string>): RequestParts {
  const header: Record<string, string> = {};
  for (const [k, v] of clientHeaders(req)) header[k] = v.join(",");
  const querystring: Record<string, string> = {};
  for (const [k, v] of req.query) querystring[k] = v; // the last value, as API Gateway's single-value view
  return { path, querystring, header };
}

function validateMethodRequest(ex: Exchange): HttpResponse | undefined {
  const m = ex.route.method;
  const validator = m.requestValidatorId ? ex.snapshot.requestValidators.find((v) => v.id === m.requestValidatorId) : undefined;
  if (!validator) return undefined;
  if (validator.validateRequestParameters) {
    const missing: string[] = [];
    for (const [key, required] of Object.entries(m.requestParameters ?? {})) {
      if (!required) continue;
      const p = /^method\.request\.(path|querystring|header)\.(.+)$/.exec(key);
      if (!p) continue;
      const where = p[1] as keyof RequestParts;
      const present = where === "header" ? Object.keys(ex.params.header).some((h) => h.toLowerCase() === p[2]!.toLowerCase()) : ex.params[where][p[2]!] !== undefined;
      if (!present) missing.push(p[2]!);
    }
    if (missing.length) return gatewayResponse(ex.snapshot, "BAD_REQUEST_PARAMETERS", 400, `Missing required request parameters: [${missing.join(", ")}]`, ex.context, ex.stageVariables);
  }
  if (validator.validateRequestBody) {
    const ct = contentType(ex.req);
    const modelName = m.requestModels?.[ct] ?? m.requestModels?.["application/json"];
    const model = modelName ? ex.snapshot.models.find((x) => x.name === modelName) : undefined;
    if (model?.schema) {
      let body: unknown;
      try {
        body = JSON.parse(ex.bodyText);
      } catch {
        return gatewayResponse(ex.snapshot, "BAD_REQUEST_BODY", 400, "Invalid request body", ex.context, ex.stageVariables);
      }
      if (!bodyMatchesModel(ex.snapshot, model.name!, body)) return gatewayResponse(ex.snapshot, "BAD_REQUEST_BODY", 400, "Invalid request body", ex.context, ex.stageVariables);
    }
  }
  return undefined;
}

const contentType = (req: HttpRequest) => String(req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase();

function isBinary(ex: Exchange): boolean {
  const ct = contentType(ex.req);
  return (ex.snapshot.api.binaryMediaTypes ?? []).some((t) => t === ct || t === "*/*" || (t.endsWith("/*") && ct.startsWith(t.slice(0, -1))));
}

function scope(ex: Exchange, body: string): TemplateScope {
  return { body, params: ex.params, context: ex.context, stageVariables: ex.stageVariables };
}

/** Template selection by Content-Type and the passthrough behaviours (415 on NEVER / WHEN_NO_TEMPLATES). */
function integrationRequestBody(ex: Exchange, integration: Integration): { body: string; override?: RequestOverride } | HttpResponse {
  const templates = integration.requestTemplates ?? {};
  const ct = contentType(ex.req);
  const template = templates[ct];
  // An empty template maps nothing: the body passes through (AWS; the console's blank template).
  if (template === "") return { body: ex.bodyText };
  if (template !== undefined && template !== null) return renderRequestTemplate(template, scope(ex, ex.bodyText));
  const hasTemplates = Object.keys(templates).length > 0;
  const behaviour = integration.passthroughBehavior ?? "WHEN_NO_MATCH";
  if (behaviour === "NEVER" || (behaviour === "WHEN_NO_TEMPLATES" && hasTemplates)) {
    return gatewayResponse(ex.snapshot, "UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported Media Type", ex.context, ex.stageVariables);
  }
  // MOCK without a matching template still renders the JSON template if one exists (console default).
  if (integration.type === "MOCK" && templates["application/json"] !== undefined) return { body: renderTemplate(templates["application/json"], scope(ex, ex.bodyText)) };
  return { body: ex.bodyText };
}

const substitute = (s: string, vars: Record<string, string>) => s.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, k: string) => vars[k] ?? "");

function lambdaCtx(ex: Exchange): RequestContext {
  return { requestId: ex.requestId, accountId: ex.target.location.accountId, region: ex.target.location.region, service: "apigateway", operation: "", principal: { accessKeyId: ex.target.location.accountId, anonymous: false }, clock: { now: () => Date.now() }, endpoint: "" };
}

async function runIntegration(ex: Exchange, integration: Integration, deps: ExecuteDeps): Promise<HttpResponse> {
  const uri = substitute(integration.uri ?? "", ex.stageVariables);
  // The integration's credentials role, assumed by API Gateway under --enforce-iam (sts/service-roles.ts).
  const acting = await apiGatewayIdentity(deps.services, lambdaCtx(ex), integration.type === "AWS" || integration.type === "AWS_PROXY" ? integration.credentials : undefined, (ex.context.identity as { accessKey?: string } | undefined)?.accessKey ?? undefined);
  if (acting === "refused") return configurationError(ex, cannotAssume(integration.credentials!));
  const { ctx, caller } = acting;
  switch (integration.type) {
    case "AWS_PROXY": {
      const fn = lambdaFunctionOf(uri);
      if (!fn) return gatewayResponse(ex.snapshot, "DEFAULT_5XX", 500, "Internal server error", ex.context, ex.stageVariables);
      const denied = await lambdaDenied(ex, integration, fn, deps);
      if (denied) return denied;
      const out = await invokeAs(ex, acting, fn, Buffer.from(JSON.stringify(proxyEvent(ex))));
      return "status" in out ? out : proxyResponse(ex, out);
    }
    case "MOCK": {
      const r = integrationRequestBody(ex, integration);
      if ("status" in r) return r;
      let status = 200;
      try {
        const parsed = JSON.parse(r.body || "{}") as { statusCode?: number };
        if (parsed.statusCode) status = Number(parsed.statusCode);
      } catch {
        /* a MOCK template that is not JSON answers 200 */
      }
      return integrationResponse(ex, integration, { status, headers: {}, body: Buffer.alloc(0) });
    }
    case "AWS": {
      const r = integrationRequestBody(ex, integration);
      if ("status" in r) return r;
      const fn = lambdaFunctionOf(uri);
      if (fn) {
        const denied = await lambdaDenied(ex, integration, fn, deps);
        if (denied) return denied;
        const out = await invokeAs(ex, acting, fn, Buffer.from(r.body || "{}"));
        if ("status" in out) return out;
        let errorMessage: string | undefined;
        if (out.functionError) {
          try {
            errorMessage = String((JSON.parse(out.payload.toString("utf8")) as { errorMessage?: string }).errorMessage ?? "");
          } catch {
            errorMessage = out.payload.toString("utf8");
          }
        }
        return integrationResponse(ex, integration, { status: 200, headers: {}, body: out.payload, errorMessage });
      }
      if (isS3IntegrationUri(uri)) {
        // S3 path/action integrations (s3-integration.ts): the passthrough body keeps its bytes.
        const verb = !integration.httpMethod || integration.httpMethod === "ANY" ? ex.req.method : integration.httpMethod;
        const parameters = Object.entries(integration.requestParameters ?? {}).map(([d, src]): [string, string] => [d, resolveSource(ex, src) ?? ""]);
        const body = r.body === ex.bodyText ? ex.req.body : Buffer.from(r.body);
        return integrationResponse(ex, integration, await callS3Integration(caller, ctx, { uri, method: verb, body, contentType: contentType(ex.req), pathParam: (k) => mappedPathParam(ex, integration, k), parameters, override: r.override }));
      }
      return integrationResponse(ex, integration, await callAwsAction(caller, ctx, uri, r.body));
    }
    case "HTTP":
    case "HTTP_PROXY": {
      const proxy = integration.type === "HTTP_PROXY";
      let body = ex.req.body;
      let override: RequestOverride | undefined;
      if (!proxy) {
        const r = integrationRequestBody(ex, integration);
        if ("status" in r) return r;
        body = Buffer.from(r.body);
        override = r.override;
      }
      let url = uri.replace(/\{([^}+]+)\+?\}/g, (_, k: string) =>
        override?.path[k] !== undefined ? encodeURIComponent(override.path[k]) : mappedPathParam(ex, integration, k));
      if (proxy && ex.req.rawQuery) url += (url.includes("?") ? "&" : "?") + ex.req.rawQuery;
      const headers: Record<string, string> = proxy ? Object.fromEntries(withForwardedHeaders(clientHeaders(ex.req), ex.req).map(([k, v]) => [k, v.join(",")])) : { "content-type": contentType(ex.req) };
      const query: Record<string, string> = {};
      for (const [dest, src] of Object.entries(integration.requestParameters ?? {})) {
        const h = /^integration\.request\.(header|querystring)\.(.+)$/.exec(dest);
        if (h) (h[1] === "header" ? headers : query)[h[2]!] = resolveSource(ex, src) ?? "";
      }
      // $context.requestOverride from the request template replaces the mapped values.
      if (override) {
        Object.assign(headers, override.header);
        Object.assign(query, override.querystring);
      }
      const qs = new URLSearchParams(query).toString();
      if (qs) url += (url.includes("?") ? "&" : "?") + qs;
      for (const k of Object.keys(headers)) if (k.toLowerCase() === HOPS_HEADER) delete headers[k];
      headers[HOPS_HEADER] = String(hopsOf(ex.req) + 1);
      const verb = !integration.httpMethod || integration.httpMethod === "ANY" ? ex.req.method : integration.httpMethod;
      const out = await callHttp(verb, url, headers, body, integration.timeoutInMillis ?? 29000);
      if ((out as { gateway?: boolean }).gateway) {
        return gatewayResponse(ex.snapshot, out.status === 504 ? "INTEGRATION_TIMEOUT" : "INTEGRATION_FAILURE", out.status, out.status === 504 ? "Endpoint request timed out" : "Internal server error", ex.context, ex.stageVariables);
      }
      if (proxy) return { status: out.status, headers: out.headers, body: out.body };
      return integrationResponse(ex, integration, out);
    }
    default:
      return gatewayResponse(ex.snapshot, "DEFAULT_5XX", 500, "Internal server error", ex.context, ex.stageVariables);
  }
}

const warnedPermissions = new Set<string>();

/** 500 when the function's policy does not let API Gateway invoke it (strict mode); a log line either way. */
async function lambdaDenied(ex: Exchange, integration: Integration, fn: string, deps: ExecuteDeps): Promise<HttpResponse | undefined> {
  if (integration.credentials) return undefined; // AWS invokes with the integration's role instead
  const sourceArn = `arn:aws:execute-api:${ex.target.location.region}:${ex.target.location.accountId}:${ex.target.apiId}/${ex.target.stageName}/${ex.req.method}${ex.route.resource.path}`;
  const problem = await lambdaPermissionProblem(deps.services, lambdaCtx(ex), fn, sourceArn);
  if (!problem) return undefined;
  const where = `apigateway: ${ex.target.apiId}/${ex.target.stageName} ${ex.req.method} ${ex.target.path} (${ex.requestId})`;
  if (!deps.strictPermissions) {
    const once = `${fn} ${sourceArn}`;
    if (!warnedPermissions.has(once) && warnedPermissions.size < 10000) {
      warnedPermissions.add(once);
      deps.log?.warn(`${where}: ${problem}; AWS answers 500 (Invalid permissions on Lambda function) — Skyport invokes it anyway unless --enforce-sigv4 (add it with lambda add-permission --principal apigateway.amazonaws.com)`);
    }
    return undefined;
  }
  deps.log?.warn(`${where}: Execution failed due to configuration error: Invalid permissions on Lambda function: ${problem}`);
  return gatewayResponse(ex.snapshot, "DEFAULT_5XX", 500, "Internal server error", ex.context, ex.stageVariables);
}

function mappedPathParam(ex: Exchange, integration: Integration, name: string): string {
  const src = integration.requestParameters?.[`integration.request.path.${name}`];
  const v = src ? resolveSource(ex, src) : ex.params.path[name];
  return (v ?? "").split("/").map(encodeURIComponent).join("/");
}

/** A mapping source: 'literal', method.request.{path|querystring|header}.x, stageVariables.x, context.x. */
function resolveSource(ex: Exchange, src: string): string | undefined {
  if (src.startsWith("'") && src.endsWith("'")) return src.slice(1, -1);
  const m = /^method\.request\.(path|querystring|header)\.(.+)$/.exec(src);
  if (m) return m[1] === "header" ? Object.entries(ex.params.header).find(([k]) => k.toLowerCase() === m[2]!.toLowerCase())?.[1] : ex.params[m[1] as "path" | "querystring"][m[2]!];
  const s = /^stageVariables\.(.+)$/.exec(src);
  if (s) return ex.stageVariables[s[1]!];
  const c = /^context\.(.+)$/.exec(src);
  if (c) return String(c[1]!.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], ex.context) ?? "");
  return undefined;
}

/** The Lambda proxy integration's event, payload format 1.0 (headers and identity: see lambda-proxy.ts). */
function proxyEvent(ex: Exchange): Record<string, unknown> {
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of ex.req.query) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const binary = isBinary(ex);
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource: ex.route.resource.path,
    path: ex.target.path,
    httpMethod: ex.req.method,
    ...eventHeaders(withForwardedHeaders(clientHeaders(ex.req), ex.req)),
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(ex.route.pathParameters).length ? ex.route.pathParameters : null,
    stageVariables: Object.keys(ex.stageVariables).length ? ex.stageVariables : null,
    requestContext: {
      resourceId: ex.route.resource.id, resourcePath: ex.route.resource.path, httpMethod: ex.req.method, extendedRequestId: ex.requestId,
      requestTime: ex.context.requestTime, path: ex.context.path, accountId: ex.target.location.accountId, protocol: "HTTP/1.1", stage: ex.target.stageName,
      domainPrefix: ex.context.domainPrefix, requestTimeEpoch: ex.context.requestTimeEpoch, requestId: ex.requestId,
      // $context.identity carries what authorization learned (AWS_IAM: accessKey, accountId, caller, user, userArn).
      identity: { cognitoIdentityPoolId: null, accountId: null, cognitoIdentityId: null, caller: null, sourceIp: sourceIpOf(ex.req), principalOrgId: null, accessKey: null, cognitoAuthenticationType: null, cognitoAuthenticationProvider: null, userArn: null, userAgent: String(ex.req.headers["user-agent"] ?? ""), user: null, ...(ex.context.identity as object) },
      domainName: ex.context.domainName, apiId: ex.target.apiId,
      ...(ex.context.authorizer ? { authorizer: ex.context.authorizer } : {}),
    },
    body: ex.req.body.length ? (binary ? ex.req.body.toString("base64") : ex.bodyText) : null,
    isBase64Encoded: binary && ex.req.body.length > 0,
  };
}

/** The Lambda proxy response contract; anything else is a 502, as on AWS. */
function proxyResponse(ex: Exchange, out: { payload: Buffer; functionError?: string }): HttpResponse {
  const answer = out.functionError ? undefined : parseProxyAnswer(out.payload);
  if (!answer) {
    ex.log?.warn(`apigateway: ${ex.target.apiId}/${ex.target.stageName} ${ex.req.method} ${ex.target.path} (${ex.requestId}): Execution failed due to configuration error: Malformed Lambda proxy response`);
    return gatewayResponse(ex.snapshot, "DEFAULT_5XX", 502, "Internal server error", ex.context, ex.stageVariables);
  }
  const headers = answer.headers;
  if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = "application/json";
  headers["x-amzn-RequestId"] = ex.requestId;
  return { status: answer.status, headers, body: answer.body };
}

/** Chooses the integration response (selection pattern on the error message or status code) and maps it. */
function integrationResponse(ex: Exchange, integration: Integration, out: IntegrationOutput): HttpResponse {
  const responses = Object.values(integration.integrationResponses ?? {});
  const subject = integration.type === "AWS" && lambdaFunctionOf(integration.uri ?? "") ? (out.errorMessage ?? "") : String(out.status);
  let chosen: IntegrationResponse | undefined;
  if (out.errorMessage !== undefined || integration.type !== "AWS" || !lambdaFunctionOf(integration.uri ?? "")) {
    chosen = responses.find((r) => r.selectionPattern && selectionMatches(r.selectionPattern, subject));
  }
  chosen ??= responses.find((r) => !r.selectionPattern);
  if (!chosen) return gatewayResponse(ex.snapshot, "DEFAULT_5XX", 500, "Internal server error", ex.context, ex.stageVariables);
  let status = Number(chosen.statusCode);
  const bodyText = out.body.toString("utf8");
  const templates = chosen.responseTemplates ?? {};
  const accept = String(ex.req.headers.accept ?? "").split(",")[0]!.trim();
  const template = templates[accept] ?? templates["application/json"] ?? Object.values(templates)[0];
  let body: Buffer = out.body;
  let ct = "application/json";
  let override: ResponseOverride | undefined;
  if (template !== undefined && template !== null && template !== "") {
    const r = renderResponseTemplate(template, scope(ex, bodyText));
    body = Buffer.from(r.body);
    override = r.override;
  }
  else if (out.headers["content-type"]) ct = out.headers["content-type"];
  if (chosen.contentHandling === "CONVERT_TO_BINARY") body = Buffer.from(body.toString("utf8"), "base64");
  else if (chosen.contentHandling === "CONVERT_TO_TEXT") body = Buffer.from(body.toString("base64"));
  const headers: Record<string, string> = { "Content-Type": ct, "x-amzn-RequestId": ex.requestId };
  for (const [dest, src] of Object.entries(chosen.responseParameters ?? {})) {
    const h = /^method\.response\.header\.(.+)$/.exec(dest);
    if (!h) continue;
    let v: string | undefined;
    if (src.startsWith("'")) v = src.slice(1, -1);
    else if (src.startsWith("integration.response.header.")) v = out.headers[src.slice(28).toLowerCase()];
    else if (src === "integration.response.body") v = bodyText;
    else if (src.startsWith("integration.response.body.")) {
      const found = jsonPath(safeParse(bodyText), `$.${src.slice(26)}`);
      v = found === undefined ? undefined : typeof found === "string" ? found : JSON.stringify(found);
    } else v = resolveSource(ex, src);
    if (v !== undefined) headers[h[1]!] = v;
  }
  // $context.responseOverride from the template wins over the integration response's status and mappings.
  if (override) {
    if (override.status !== undefined) status = override.status;
    Object.assign(headers, override.header);
  }
  return { status, headers, body };
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function compress(ex: Exchange, r: HttpResponse): HttpResponse {
  const min = ex.snapshot.api.minimumCompressionSize;
  if (min === undefined || min === null) return r;
  const body = typeof r.body === "string" ? Buffer.from(r.body) : r.body;
  if (body.length < min || !/\bgzip\b/.test(String(ex.req.headers["accept-encoding"] ?? ""))) return r;
  return { ...r, headers: { ...r.headers, "Content-Encoding": "gzip" }, body: gzipSync(body) };
}
