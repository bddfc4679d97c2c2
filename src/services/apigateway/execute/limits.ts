/**
 * The REST request path's limits and observers, held once per server by the provider and called from
 * pipeline.ts at four points:
 *   admit()             after the API key check: throttles (throttle.ts) and the usage plan quota (usage.ts);
 *   beforeIntegration() the stage cache lookup (stage-cache.ts), Cache-Control invalidation;
 *   afterIntegration()  integration latency, the stage cache fill;
 *   finish()            every answer, errors included: access and execution logs (access-log.ts) and the
 *                       AWS/ApiGateway metrics (metrics.ts), all batched off the request path.
 */
import type { Stage, UsagePlan } from "../../../aws/api/apigateway.js";
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import type { Clock } from "../../../core/clock.js";
import type { Logger } from "../../../core/log.js";
import { MemoryTokenBuckets, type TokenBuckets } from "../../../core/token-bucket.js";
import type { ServiceHost } from "../../host.js";
import type { ApiLocation, DeploymentSnapshot } from "../snapshot.js";
import { logGroupOfArn, renderAccessLog, StageLogWriter } from "./access-log.js";
import { gatewayResponse } from "./gateway-response.js";
import { publishRequestMetrics } from "./metrics.js";
import type { RouteMatch, Target } from "./route.js";
import { clusterBytes, DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, StageCache, toCached } from "./stage-cache.js";
import { methodSettingFor, passesThrottles, specificMethodSetting, type ThrottleLimits } from "./throttle.js";
import type { UsageCounter } from "./usage.js";
import type { RequestParts } from "./vtl.js";

/** What the limits need from the server and the control plane. */
export interface LimitsHost {
  clock: Clock;
  services: ServiceHost;
  log?: Logger;
  /** The account-level throttle per region. */
  account: ThrottleLimits;
  usage: UsageCounter;
  usagePlanFor(location: ApiLocation, restApiId: string, stageName: string, value: string): { keyId: string; plan: UsagePlan } | undefined;
}

/** The parts of pipeline.ts's exchange the limits read. */
export interface LimitExchange {
  req: HttpRequest;
  target: Target;
  stage: Stage;
  snapshot: DeploymentSnapshot;
  route: RouteMatch;
  params: RequestParts;
  context: Record<string, unknown>;
  stageVariables: Record<string, string>;
  requestId: string;
}

/** What one request left for finish(): filled in by the pipeline as it goes. */
export interface RequestTrace {
  startedMs?: number;
  target?: Target;
  stage?: Stage;
  snapshot?: DeploymentSnapshot;
  context?: Record<string, unknown>;
  /** Set by beforeIntegration when the method caches: the entry key, and whether it was a hit. */
  cache?: { stageKey: string; key: string; ttl: number; hit: boolean; budget: number };
  integrationStartedMs?: number;
  /** The request as the integration step saw it (execution logs with dataTraceEnabled). */
  request?: { path: Record<string, string>; querystring: Record<string, string>; header: Record<string, string>; body: Buffer };
  /** A configuration error that failed the request (execution log: "Execution failed due to configuration error: …"). */
  failure?: string;
}

const REQUEST_ID_HEADERS = new Set(["x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id", "connection"]);

export class RestLimits {
  readonly buckets: TokenBuckets = new MemoryTokenBuckets();
  readonly cache = new StageCache();
  readonly logs: StageLogWriter;

  constructor(private readonly host: LimitsHost) {
    this.logs = new StageLogWriter(host.services, host.log);
  }

  /** Throttles, then the quota: a 429 gateway response, or undefined to go on. */
  admit(ex: LimitExchange): HttpResponse | undefined {
    const identity = ex.context.identity as Record<string, unknown>;
    const now = this.host.clock.now();
    const { location, apiId, stageName } = ex.target;
    const apiKey = ex.route.method.apiKeyRequired && typeof identity.apiKey === "string" ? identity.apiKey : undefined;
    const plan = apiKey ? this.host.usagePlanFor(location, apiId, stageName, apiKey) : undefined;
    if (plan) identity.apiKeyId = plan.keyId;
    const throttle = { accountId: location.accountId, region: location.region, apiId, stage: ex.stage, resourcePath: ex.route.resource.path!, httpMethod: ex.req.method, plan: plan && { plan: plan.plan, keyId: plan.keyId } };
    if (!passesThrottles(this.buckets, this.host.account, throttle, now)) {
      return gatewayResponse(ex.snapshot, "THROTTLED", 429, "Too Many Requests", ex.context, ex.stageVariables, { "x-amzn-ErrorType": "TooManyRequestsException" });
    }
    if (plan && !this.host.usage.take(location.accountId, location.region, plan.plan.id!, plan.keyId, plan.plan.quota, now)) {
      return gatewayResponse(ex.snapshot, "QUOTA_EXCEEDED", 429, "Limit Exceeded", ex.context, ex.stageVariables, { "x-amzn-ErrorType": "LimitExceededException" });
    }
    return undefined;
  }

  /** The stage cache: a cached answer, a 403 for a refused invalidation, or undefined to call the integration. */
  beforeIntegration(ex: LimitExchange, trace: RequestTrace): HttpResponse | undefined {
    trace.integrationStartedMs = performance.now();
    trace.request = { ...ex.params, body: ex.req.body };
    const caching = cachingOf(ex.stage, ex.route.resource.path!, ex.req.method);
    if (!caching) return undefined;
    const stageKey = `${ex.target.apiId}/${ex.target.stageName}`;
    const key = cacheKeyOf(ex);
    trace.cache = { stageKey, key, ttl: caching.ttl, hit: false, budget: clusterBytes(ex.stage.cacheClusterSize) };
    if (/(^|,)\s*max-age\s*=\s*0\s*(,|$)/i.test(String(ex.req.headers["cache-control"] ?? ""))) {
      // Invalidation needs authorization (execute-api:InvalidateCache): here, an IAM-authorized (signed) method.
      const authorized = !caching.requireAuthorization || ex.route.method.authorizationType === "AWS_IAM";
      if (authorized) return undefined; // fetch and replace the entry
      if (caching.strategy === "FAIL_WITH_403") {
        return gatewayResponse(ex.snapshot, "ACCESS_DENIED", 403, "Forbidden", ex.context, ex.stageVariables, { "x-amzn-ErrorType": "AccessDeniedException" });
      }
      if (caching.strategy === "SUCCEED_WITH_RESPONSE_HEADER") (ex.context as { cacheWarning?: boolean }).cacheWarning = true;
    }
    const hit = this.cache.get(stageKey, key, this.host.clock.now());
    if (!hit) return undefined;
    trace.cache.hit = true;
    const headers = { ...hit.headers };
    if ((ex.context as { cacheWarning?: boolean }).cacheWarning) headers.Warning = '199 "Cache-Control headers were ignored because the caller was unauthorized."';
    return { status: hit.status, headers, body: hit.body };
  }

  /** Integration latency for logs and metrics, and the cache fill with a successful answer. */
  afterIntegration(ex: LimitExchange, trace: RequestTrace, res: HttpResponse): void {
    if (trace.integrationStartedMs !== undefined) ex.context.integrationLatency = Math.round(performance.now() - trace.integrationStartedMs);
    ex.context.integrationStatus = res.status;
    // $context.integration.* are the newer names of the same values.
    ex.context.integration = { latency: ex.context.integrationLatency, status: res.status };
    const c = trace.cache;
    if (c && !c.hit && res.status >= 200 && res.status < 300 && !res.stream) {
      const cached = toCached(res);
      for (const h of Object.keys(cached.headers)) if (REQUEST_ID_HEADERS.has(h.toLowerCase())) delete cached.headers[h];
      this.cache.put(c.stageKey, c.budget, c.key, cached, c.ttl, this.host.clock.now());
    }
    if (c && (ex.context as { cacheWarning?: boolean }).cacheWarning) res.headers.Warning = '199 "Cache-Control headers were ignored because the caller was unauthorized."';
  }

  /** Logs and metrics of one answered request (every answer once the stage is known). */
  finish(trace: RequestTrace, res: HttpResponse): void {
    const { target, stage, snapshot, context } = trace;
    if (!target || !stage || !snapshot || !context) return;
    const latency = trace.startedMs === undefined ? 0 : Math.round(performance.now() - trace.startedMs);
    const length = res.stream ? Number(res.headers["Content-Length"] ?? 0) : typeof res.body === "string" ? Buffer.byteLength(res.body) : res.body.length;
    context.status = res.status;
    context.responseLength = length;
    context.responseLatency = latency;
    if (res.status >= 400) noteError(context, res);
    const now = this.host.clock.now();
    const resourcePath = typeof context.resourcePath === "string" ? context.resourcePath : undefined;
    const setting = resourcePath ? methodSettingFor(stage, resourcePath, String(context.httpMethod)) : (stage.methodSettings?.["*/*"] as Record<string, unknown> | undefined);
    const access = stage.accessLogSettings;
    if (access?.destinationArn && access.format) {
      const dest = logGroupOfArn(access.destinationArn);
      if (dest) this.logs.add(dest.account, dest.region, dest.group, `${target.apiId}_${target.stageName}`, now, renderAccessLog(access.format, context), false);
    }
    const level = setting?.loggingLevel;
    if ((level === "INFO" || (level === "ERROR" && res.status >= 400)) && resourcePath) this.executionLog(trace, res, level, setting?.dataTraceEnabled === true, now);
    publishRequestMetrics(this.host.services, target, snapshot.api.name ?? target.apiId, res.status, latency, context, setting?.metricsEnabled === true, trace.cache ? trace.cache.hit : undefined, now);
  }

  /** Flushes buffered logs (tests, shutdown). */
  flush(): Promise<void> {
    return this.logs.flush();
  }

  /** FlushStageCache. */
  flushStage(restApiId: string, stageName: string): void {
    this.cache.flush(`${restApiId}/${stageName}`);
  }

  reset(): void {
    this.buckets.reset();
    this.cache.reset();
    this.logs.reset();
  }

  private executionLog(trace: RequestTrace, res: HttpResponse, level: string, dataTrace: boolean, now: number): void {
    const { target, context } = trace as Required<Pick<RequestTrace, "target" | "context">>;
    const id = String(context.requestId);
    const lines: string[] = [];
    if (level === "INFO") {
      lines.push(`(${id}) Extended Request Id: ${String(context.extendedRequestId)}`);
      lines.push(`(${id}) Starting execution for request: ${id}`);
      lines.push(`(${id}) HTTP Method: ${String(context.httpMethod)}, Resource Path: ${String(context.path)}`);
      const identity = context.identity as Record<string, unknown> | undefined;
      if (identity?.apiKeyId) lines.push(`(${id}) API Key ID: ${String(identity.apiKeyId)}`);
      if (dataTrace && trace.request) {
        const r = trace.request;
        lines.push(`(${id}) Method request path: ${JSON.stringify(r.path)}`);
        lines.push(`(${id}) Method request query string: ${JSON.stringify(r.querystring)}`);
        lines.push(`(${id}) Method request headers: ${JSON.stringify(masked(r.header)).slice(0, 1000)}`);
        lines.push(`(${id}) Method request body before transformations: ${r.body.subarray(0, 1000).toString("utf8")}`);
      }
      if (trace.cache) lines.push(`(${id}) ${trace.cache.hit ? "Cache hit" : "Cache miss"} for ${trace.cache.key}`);
      if (context.integrationLatency !== undefined) lines.push(`(${id}) Received response. Status: ${String(context.integrationStatus)}, Integration latency: ${String(context.integrationLatency)} ms`);
    }
    if (dataTrace) {
      const body = typeof res.body === "string" ? res.body : res.stream ? "[stream]" : res.body.toString("utf8");
      lines.push(`(${id}) Method response body after transformations: ${body.slice(0, 1000)}`);
    }
    const err = (context.error as Record<string, unknown> | undefined)?.message;
    if (trace.failure) lines.push(`(${id}) Execution failed due to configuration error: ${trace.failure}`);
    if (res.status >= 400 && err) lines.push(`(${id}) ${res.status >= 500 ? "Execution failed" : "Request failed"}: ${String(err)}`);
    lines.push(`(${id}) Method completed with status: ${res.status}`);
    const { accountId, region } = target.location;
    for (const line of lines) this.logs.add(accountId, region, `API-Gateway-Execution-Logs_${target.apiId}/${target.stageName}`, target.stageName, now, line, true);
  }
}

/** The method's cache settings when it caches (cluster on, cachingEnabled, GET unless set for the method itself). */
function cachingOf(stage: Stage, resourcePath: string, httpMethod: string): { ttl: number; requireAuthorization: boolean; strategy: string } | undefined {
  if (!stage.cacheClusterEnabled) return undefined;
  const setting = methodSettingFor(stage, resourcePath, httpMethod);
  if (setting?.cachingEnabled !== true) return undefined;
  // Through `*/*` only GET methods cache; another verb caches when its own setting says so.
  if (httpMethod !== "GET" && specificMethodSetting(stage, resourcePath, httpMethod)?.cachingEnabled !== true) return undefined;
  const ttl = typeof setting.cacheTtlInSeconds === "number" ? Math.min(MAX_TTL_SECONDS, Math.max(0, setting.cacheTtlInSeconds)) : DEFAULT_TTL_SECONDS;
  if (ttl === 0) return undefined;
  return {
    ttl,
    requireAuthorization: setting.requireAuthorizationForCacheControl !== false,
    strategy: typeof setting.unauthorizedCacheControlHeaderStrategy === "string" ? setting.unauthorizedCacheControlHeaderStrategy : "SUCCEED_WITH_RESPONSE_HEADER",
  };
}

/** The cache key: method, resource and the values of the integration's cacheKeyParameters. */
function cacheKeyOf(ex: LimitExchange): string {
  let key = `${ex.req.method} ${ex.route.resource.path}`;
  for (const p of ex.route.method.methodIntegration?.cacheKeyParameters ?? []) {
    const m = /^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(.+)$/.exec(p);
    if (!m) continue;
    const where = m[1]!.replace("multivalue", "") as keyof RequestParts;
    const bag = ex.params[where];
    const v = where === "header" ? Object.entries(bag).find(([k]) => k.toLowerCase() === m[2]!.toLowerCase())?.[1] : bag[m[2]!];
    key += `\u0000${p}=${v ?? ""}`;
  }
  return key;
}

/** Request headers for the execution log, credentials masked but for their last characters (as AWS's log shows them). */
function masked(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = /^(authorization|x-api-key|x-amz-security-token|cookie)$/i.test(k) ? `*****${v.slice(-4)}` : v;
  return out;
}

/** $context.error.message/messageString/responseType for a gateway error answer (its JSON message). */
function noteError(context: Record<string, unknown>, res: HttpResponse): void {
  const error = (context.error ??= {}) as Record<string, unknown>;
  if (error.message !== undefined || res.stream) return;
  const text = typeof res.body === "string" ? res.body : res.body.length < 4096 ? res.body.toString("utf8") : "";
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof m === "string") {
      error.message = m;
      error.messageString = JSON.stringify(m);
    }
  } catch {
    /* not a gateway answer */
  }
}
