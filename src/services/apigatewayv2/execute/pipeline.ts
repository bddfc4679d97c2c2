/**
 * The HTTP API request path, one list of steps:
 *   stage (first path segment naming a stage, else `$default`) → deployment → CORS preflight → route
 *   selection → authorization (JWT, Lambda REQUEST, AWS_IAM: auth.ts) → throttling (throttle.ts) →
 *   integration (Lambda proxy 2.0/1.0, HTTP_PROXY with parameter mapping) → response parameter mapping →
 *   CORS headers → access log and metrics (observe.ts).
 * HTTP APIs answer errors as {"message": ...}: 404 Not Found, 401/403 from authorizers, 429 Too Many
 * Requests, 500 Internal Server Error on integration failures, 503 Service Unavailable on timeouts.
 */
import { randomText } from "../../../core/ids.js";
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import type { RequestContext } from "../../../edge/context.js";
import { ServiceError } from "../../../aws/errors.js";
import { apiGatewayIdentity, cannotAssume } from "../../sts/service-roles.js";
import { callHttp, invokeLambda } from "../../apigateway/execute/integrations.js";
import { HOPS_HEADER, hopsOf, LOOP_MESSAGE, MAX_HOPS } from "../../apigateway/execute/loops.js";
import { lambdaPermissionProblem } from "../../apigateway/execute/method-access.js";
import { sourceIpOf } from "../../apigateway/execute/lambda-proxy.js";
import type { IntegrationRecord, StageRecord } from "../store.js";
import { lambdaArnOf } from "../validate.js";
import { authorizeRoute } from "./auth.js";
import { isPreflight, preflightResponse, withCorsHeaders } from "./cors.js";
import type { ApiEntry, Deployed, HttpApiDataPlane, Target } from "./data-plane.js";
import { eventV1, eventV2, forwardedHeaders, parseV1Answer, parseV2Answer, type EventInput } from "./events.js";
import { mapRequest, mapResponse, type MappingSources } from "./mapping.js";
import { observe } from "./observe.js";
import { selectRoute, type RouteMatch } from "./routes.js";
import { throttled } from "./throttle.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const requestTime = (d: Date) => `${String(d.getUTCDate()).padStart(2, "0")}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${d.toISOString().slice(11, 19)} +0000`;

export const message = (status: number, text: string, headers: Record<string, string> = {}): HttpResponse =>
  ({ status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ message: text }) });

/** Everything a step may need about the request in flight. */
export interface Exchange {
  plane: HttpApiDataPlane;
  entry: ApiEntry;
  target: Target;
  req: HttpRequest;
  requestId: string;
  now: Date;
  stage?: StageRecord;
  stageName: string;
  /** Path after the stage segment, still encoded. */
  path: string;
  deployed?: Deployed;
  match?: RouteMatch;
  integration?: IntegrationRecord;
  stageVariables: Record<string, string>;
  /** $context variables (access logs, parameter mapping). */
  context: Record<string, unknown>;
  authorizer?: Record<string, unknown>;
  integrationLatencyMs?: number;
  integrationStatus?: number;
  errorMessage?: string;
  preflight?: boolean;
}

export async function runHttpApiRequest(plane: HttpApiDataPlane, entry: ApiEntry, target: Target, req: HttpRequest): Promise<HttpResponse> {
  const started = performance.now();
  const requestId = randomText(12, "base64").slice(0, 15) + "=";
  const ex: Exchange = { plane, entry, target, req, requestId, now: new Date(plane.provider.now()), stageName: "$default", path: target.rawPath, stageVariables: {}, context: {} };
  let res = await run(ex);
  if (!ex.preflight) res = withCorsHeaders(ex.deployed?.snapshot.api.CorsConfiguration, req, res);
  res.headers["apigw-requestid"] = requestId;
  observe(ex, res, performance.now() - started);
  return res;
}

async function run(ex: Exchange): Promise<HttpResponse> {
  const { req, entry, plane } = ex;
  if (entry.api.DisableExecuteApiEndpoint) return message(403, "Forbidden");
  if (hopsOf(req) > MAX_HOPS) return message(508, LOOP_MESSAGE);
  // 1. stage: a first segment naming a stage selects it; anything else goes to $default (no path prefix).
  const first = /^\/([^/]+)/.exec(ex.target.rawPath)?.[1];
  const named = first && first !== "$default" ? plane.stage(entry, safeDecode(first)) : undefined;
  if (named) {
    ex.stage = named;
    ex.stageName = named.StageName;
    ex.path = ex.target.rawPath.slice(first!.length + 1) || "/";
  } else {
    ex.stage = plane.stage(entry, "$default");
  }
  fillContext(ex);
  if (!ex.stage?.DeploymentId) return message(404, "Not Found");
  ex.stageVariables = ex.stage.StageVariables ?? {};
  ex.deployed = plane.deployment(entry.api.ApiId, ex.stage.DeploymentId);
  if (!ex.deployed) return message(404, "Not Found");
  const cors = ex.deployed.snapshot.api.CorsConfiguration;
  // 2. CORS preflight, answered by API Gateway itself
  if (isPreflight(cors, req)) {
    ex.preflight = true;
    return preflightResponse(cors!, req);
  }
  // 3. route
  ex.match = selectRoute(ex.deployed.table, req.method, ex.path);
  if (!ex.match) return message(404, "Not Found");
  ex.context.routeKey = ex.match.route.RouteKey;
  // 4. authorization
  const denied = await authorizeRoute(ex);
  if (denied) return denied;
  // 5. throttling
  if (throttled(ex)) return message(429, "Too Many Requests");
  // 6. integration
  const integrationId = /^integrations\/(.+)$/.exec(ex.match.route.Target ?? "")?.[1];
  ex.integration = integrationId ? ex.deployed.integrations.get(integrationId) : undefined;
  if (!ex.integration) return message(500, "Internal Server Error");
  const t0 = performance.now();
  let res: HttpResponse;
  try {
    res = await callIntegration(ex, ex.integration);
  } catch (e) {
    ex.errorMessage = (e as Error).message;
    plane.provider.log.warn(`apigatewayv2: ${entry.api.ApiId}/${ex.stageName} ${req.method} ${ex.path} (${ex.requestId}): integration failed: ${ex.errorMessage}`);
    res = message(500, "Internal Server Error");
  }
  ex.integrationLatencyMs = performance.now() - t0;
  ex.integrationStatus = res.status;
  // 7. response parameter mapping
  return ex.integration.ResponseParameters?.[String(res.status)] ? mapResponse(ex.integration.ResponseParameters, res, mappingSources(ex)) : res;
}

function fillContext(ex: Exchange): void {
  const c = ex.context;
  c.accountId = ex.entry.account;
  c.apiId = ex.entry.api.ApiId;
  c.domainName = ex.target.domainName;
  c.domainPrefix = ex.target.domainName.split(".")[0];
  c.httpMethod = ex.req.method;
  c.path = safeDecode(ex.target.rawPath);
  c.protocol = "HTTP/1.1";
  c.requestId = ex.requestId;
  c.extendedRequestId = ex.requestId;
  c.requestTime = requestTime(ex.now);
  c.requestTimeEpoch = ex.now.getTime();
  c.stage = ex.stageName;
  c.routeKey = "-";
  c.identity = { sourceIp: sourceIpOf(ex.req), userAgent: String(ex.req.headers["user-agent"] ?? "") };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const substituteStageVariables = (s: string, vars: Record<string, string>) => s.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, k: string) => vars[k] ?? "");

export function mappingSources(ex: Exchange): MappingSources {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ex.req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(ex.req.rawQuery)) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  return { headers, query, path: ex.match?.pathParameters ?? {}, rawPath: safeDecode(ex.target.rawPath), body: ex.req.body.toString("utf8"), context: ex.context, stageVariables: ex.stageVariables };
}

/** The in-process identity a Lambda call is made with (the API's owner). */
export function ownerCtx(ex: Exchange): RequestContext {
  return { ...ex.plane.provider.internalCtx(ex.entry.account, ex.entry.region, ex.requestId), principal: { accessKeyId: ex.entry.account, anonymous: false } };
}

/** execute-api ARN of the request ({apiId}/{stage}/{METHOD}/{path} or .../$default), as Lambda permissions see it. */
export function sourceArnOf(ex: Exchange): string {
  const key = ex.match!.route.RouteKey;
  const tail = key === "$default" ? "$default" : `${key.slice(0, key.indexOf(" "))}${key.slice(key.indexOf(" ") + 1)}`;
  return `arn:aws:execute-api:${ex.entry.region}:${ex.entry.account}:${ex.entry.api.ApiId}/${ex.stageName}/${tail}`;
}

async function callIntegration(ex: Exchange, integration: IntegrationRecord): Promise<HttpResponse> {
  const uri = substituteStageVariables(integration.IntegrationUri ?? "", ex.stageVariables);
  if (integration.IntegrationType === "AWS_PROXY") {
    const fn = lambdaArnOf(uri);
    if (!fn) return message(500, "Internal Server Error");
    if (ex.plane.services.config.enforceSigV4 && !integration.CredentialsArn) {
      const problem = await lambdaPermissionProblem(ex.plane.services, ownerCtx(ex), fn, sourceArnOf(ex));
      if (problem) {
        ex.plane.provider.log.warn(`apigatewayv2: ${ex.entry.api.ApiId}/${ex.stageName} (${ex.requestId}): Invalid permissions on Lambda function: ${problem}`);
        return message(500, "Internal Server Error");
      }
    }
    const input: EventInput = {
      req: ex.req, apiId: ex.entry.api.ApiId, accountId: ex.entry.account, stage: ex.stageName, routeKey: ex.match!.route.RouteKey, rawPath: ex.target.rawPath,
      pathParameters: ex.match!.pathParameters, stageVariables: ex.stageVariables, requestId: ex.requestId, domainName: ex.target.domainName,
      timeEpoch: ex.now.getTime(), time: ex.context.requestTime as string, authorizer: ex.authorizer, headers: forwardedHeaders(ex.req),
    };
    const v2 = integration.PayloadFormatVersion === "2.0";
    // CredentialsArn: the role API Gateway assumes to invoke the function (--enforce-iam; sts/service-roles.ts).
    const acting = await apiGatewayIdentity(ex.plane.services, ownerCtx(ex), integration.CredentialsArn);
    if (acting === "refused") return configurationError(ex, cannotAssume(integration.CredentialsArn!));
    let out: { payload: Buffer; functionError?: string };
    try {
      out = await invokeLambda(acting.caller, acting.ctx, fn, Buffer.from(JSON.stringify(v2 ? eventV2(input) : eventV1(input))));
    } catch (e) {
      if (e instanceof ServiceError && e.status === 403) return configurationError(ex, "Invalid permissions on Lambda function");
      throw e;
    }
    const answer = out.functionError ? undefined : v2 ? parseV2Answer(out.payload) : parseV1Answer(out.payload);
    if (!answer) {
      ex.errorMessage = out.functionError ? `The Lambda function returned an error (${out.functionError})` : "The Lambda function returned a malformed response";
      ex.plane.provider.log.warn(`apigatewayv2: ${ex.entry.api.ApiId}/${ex.stageName} ${ex.req.method} ${ex.path} (${ex.requestId}): ${ex.errorMessage}`);
      return message(500, "Internal Server Error");
    }
    if (!Object.keys(answer.headers).some((h) => h.toLowerCase() === "content-type")) answer.headers["content-type"] = "application/json";
    return { status: answer.status, headers: answer.headers, body: answer.body };
  }
  if (integration.IntegrationType === "HTTP_PROXY") return callHttpProxy(ex, integration, uri);
  ex.errorMessage = `Skyport does not run ${integration.IntegrationType}${integration.IntegrationSubtype ? ` (${integration.IntegrationSubtype})` : ""} integrations on HTTP APIs yet`;
  ex.plane.provider.log.warn(`apigatewayv2: ${ex.entry.api.ApiId} (${ex.requestId}): ${ex.errorMessage}`);
  return message(500, "Internal Server Error");
}

/** A configuration error: 500 to the client, the reason in $context.integrationErrorMessage and the server log. */
function configurationError(ex: Exchange, why: string): HttpResponse {
  ex.errorMessage = why;
  ex.plane.provider.log.warn(`apigatewayv2: ${ex.entry.api.ApiId}/${ex.stageName} (${ex.requestId}): ${why}`);
  return message(500, "Internal Server Error");
}

const DROP_HEADERS = /^(host|connection|keep-alive|transfer-encoding|content-length|upgrade|te|trailer|proxy-connection)$/i;

async function callHttpProxy(ex: Exchange, integration: IntegrationRecord, uri: string): Promise<HttpResponse> {
  const params = ex.match!.pathParameters;
  let url: URL;
  try {
    url = new URL(uri.replace(/\{([^}+]+)\+?\}/g, (_, k: string) => (params[k] ?? "").split("/").map(encodeURIComponent).join("/")));
  } catch {
    return message(500, "Internal Server Error");
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of forwardedHeaders(ex.req)) if (!DROP_HEADERS.test(k)) headers[k] = v.join(",");
  const out = { headers, query: [...new URLSearchParams(ex.req.rawQuery)] as Array<[string, string]>, path: undefined as string | undefined };
  if (integration.RequestParameters) mapRequest(integration.RequestParameters, out, mappingSources(ex));
  if (out.path !== undefined) url.pathname = out.path.startsWith("/") ? out.path : `/${out.path}`;
  for (const [k, v] of out.query) url.searchParams.append(k, v);
  headers[HOPS_HEADER] = String(hopsOf(ex.req) + 1);
  const verb = !integration.IntegrationMethod || integration.IntegrationMethod === "ANY" ? ex.req.method : integration.IntegrationMethod;
  const res = await callHttp(verb, url.toString(), out.headers, ex.req.body, integration.TimeoutInMillis ?? 30000);
  if ((res as { gateway?: boolean }).gateway) {
    ex.errorMessage = res.status === 504 ? "Integration timed out" : "The integration endpoint could not be reached";
    return res.status === 504 ? message(503, "Service Unavailable") : message(500, "Internal Server Error");
  }
  return { status: res.status, headers: res.headers, body: res.body };
}
