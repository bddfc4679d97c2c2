/**
 * The authorization step of the REST request path, one function the pipeline calls: the method's
 * authorizationType (NONE, AWS_IAM, COGNITO_USER_POOLS, CUSTOM = Lambda TOKEN/REQUEST) combined with the
 * API's resource policy as "How API Gateway resource policies affect authorization workflow" documents:
 * - NONE: the resource policy, when there is one, must allow explicitly; any explicit deny refuses.
 * - CUSTOM: an explicit deny of the resource policy refuses before the authorizer runs; then the
 *   authorizer's policy must allow the method ARN (Table A: resource policy Allow or nothing + authorizer
 *   Allow = Allow; any Deny = Deny).
 * - COGNITO_USER_POOLS: a valid token, then no explicit deny in the resource policy (Table C).
 * - AWS_IAM: a valid SigV4 signature; with a resource policy the caller's IAM policies and the resource
 *   policy are evaluated together (same account: either may allow; another account: both must).
 * Refusals are gateway responses: UNAUTHORIZED 401 {"message":"Unauthorized"}, ACCESS_DENIED 403
 * {"Message":"User is not authorized to access this resource[ with an explicit deny]"} or the resource
 * policy's {"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: …"},
 * AUTHORIZER_CONFIGURATION_ERROR 500 {"message":null} (x-amzn-ErrorType AuthorizerConfigurationException).
 */
import type { Authorizer, Method } from "../../../aws/api/apigateway.js";
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import type { Clock } from "../../../core/clock.js";
import type { Logger } from "../../../core/log.js";
import type { RequestContext } from "../../../edge/context.js";
import type { CallerIdentity, IdentitySource } from "../../../aws/policy/types.js";
import { evaluate } from "../../../aws/policy/evaluate.js";
import type { ServiceHost } from "../../host.js";
import { apiGatewayIdentity, cannotAssume } from "../../sts/service-roles.js";
import type { DeploymentSnapshot } from "../snapshot.js";
import { AuthorizerCache } from "./authorizer-cache.js";
import { authorizeCognito } from "./cognito-auth.js";
import { gatewayResponse } from "./gateway-response.js";
import { authorizeIam } from "./iam-auth.js";
import { lambdaFunctionOf } from "./integrations.js";
import { lambdaPermissionProblem } from "./method-access.js";
import { invokeLambdaAuthorizer, methodArnOf, policyEffect, type AuthorizerAnswer } from "./lambda-authorizer.js";
import { clientHeaders, eventHeaders, sourceIpOf, withForwardedHeaders } from "./lambda-proxy.js";
import { policyContext, resourcePolicyDeniedMessage, resourcePolicyEffect, type PolicyCaller } from "./resource-policy.js";
import { selectionMatches } from "./selection.js";

/** What the authorization step needs from the request path (kept free of the pipeline's own types). */
export interface AuthorizeRequest {
  req: HttpRequest;
  snapshot: DeploymentSnapshot;
  method: Method;
  apiId: string;
  stage: string;
  region: string;
  accountId: string;
  /** The request path after the stage ("/pets/1"). */
  path: string;
  resourceId: string;
  resourcePath: string;
  pathParameters: Record<string, string>;
  stageVariables: Record<string, string>;
  /** $context: the step fills identity.* and authorizer.*. */
  context: Record<string, unknown>;
  requestId: string;
  services: ServiceHost;
  clock: Clock;
  cache?: AuthorizerCache;
  log?: Logger;
  /** Refuse authorizer functions whose policy does not let apigateway.amazonaws.com invoke them (see method-access.ts). */
  strictPermissions?: boolean;
}

/** A request that may go on; usageIdentifierKey is the authorizer's API key (apiKeySource AUTHORIZER). */
export interface Authorized {
  usageIdentifierKey?: string;
}

const UNAUTHORIZED = { type: "UNAUTHORIZED", status: 401, message: "Unauthorized", errorType: "UnauthorizedException" } as const;

/** Runs the method's authorization; answers the refusal, or what the rest of the request needs. */
export async function authorizeMethod(a: AuthorizeRequest): Promise<HttpResponse | Authorized> {
  const type = a.method.authorizationType ?? "NONE";
  if (type === "NONE" && !a.snapshot.api.policy) return {}; // the common case costs nothing
  const methodArn = methodArnOf(a.region, a.accountId, a.apiId, a.stage, a.req.method, a.path);
  // The abbreviated resources API Gateway expands on save ("execute-api:/stage/GET/path"), expanded for IAM's evaluator too.
  const policy = a.snapshot.api.policy ? decodePolicy(a.snapshot.api.policy).split('"execute-api:/').join(`"${methodArn.slice(0, methodArn.indexOf("/") + 1)}`) : undefined;
  const identity = a.context.identity as Record<string, unknown>;
  const refuse = (t: string, status: number, message: string | null, errorType: string, key?: "Message") =>
    gatewayResponse(a.snapshot, t, status, message as string, a.context, a.stageVariables, { "x-amzn-ErrorType": errorType }, key);
  const policyDenied = (who: string, explicit: boolean) => refuse("ACCESS_DENIED", 403, resourcePolicyDeniedMessage(who, methodArn, explicit), "AccessDeniedException", "Message");
  const pctx = () => policyContext(String(identity.sourceIp ?? ""), String(identity.userAgent ?? ""), header(a.req, "referer"), a.clock.now());

  if (type === "AWS_IAM") {
    const denied = authorizeIam(a.req, a.services, a.clock.now(), identity);
    if (denied) return refuse(denied.responseType, denied.status, denied.message, denied.errorType);
    if (!policy) return {};
    const caller = await iamCaller(a.services, String(identity.accessKey ?? ""), String(identity.accountId ?? a.accountId));
    const who = caller.kind === "root" ? `arn:aws:iam::${caller.accountId}:root` : caller.arn;
    const effect = resourcePolicyEffect(policy, methodArn, { anonymous: false, caller }, pctx());
    if (effect === "Deny") return policyDenied(who, true);
    if (caller.allPowerful) return caller.accountId === a.accountId || effect === "Allow" ? {} : policyDenied(who, false);
    const d = evaluate({ action: "execute-api:Invoke", resource: methodArn, caller, context: pctx(), resourcePolicy: policy, resourceAccountId: a.accountId });
    return d.decision === "Allow" ? {} : policyDenied(who, d.decision === "ExplicitDeny");
  }

  const anonymous: PolicyCaller = { anonymous: true };
  const before = policy ? resourcePolicyEffect(policy, methodArn, anonymous, pctx()) : undefined;
  if (before === "Deny") return policyDenied("anonymous", true);

  if (type === "COGNITO_USER_POOLS") {
    const authorizer = a.snapshot.authorizers.find((x) => x.id === a.method.authorizerId);
    const claims = await authorizeCognito(a.req, a.services, a.method, authorizer);
    if (!claims) return refuse(UNAUTHORIZED.type, UNAUTHORIZED.status, UNAUTHORIZED.message, UNAUTHORIZED.errorType);
    a.context.authorizer = { claims };
    return {};
  }

  if (type === "CUSTOM") {
    const authorizer = a.snapshot.authorizers.find((x) => x.id === a.method.authorizerId);
    const answer = authorizer ? await runLambdaAuthorizer(a, authorizer, methodArn) : ({ kind: "error", why: "the method's authorizer does not exist" } as const);
    if (answer === "unauthorized" || answer.kind === "unauthorized") return refuse(UNAUTHORIZED.type, UNAUTHORIZED.status, UNAUTHORIZED.message, UNAUTHORIZED.errorType);
    if (answer.kind !== "policy") {
      a.log?.warn(`apigateway: ${a.apiId}/${a.stage} ${a.req.method} ${a.path} (${a.requestId}): Execution failed due to configuration error: ${answer.kind === "error" ? answer.why : "the authorizer gave no policy"}`);
      return refuse("AUTHORIZER_CONFIGURATION_ERROR", 500, null, "AuthorizerConfigurationException");
    }
    const effect = policyEffect(answer.policy, methodArn);
    if (effect !== "Allow") {
      const message = effect === "Deny" ? "User is not authorized to access this resource with an explicit deny" : "User is not authorized to access this resource";
      return refuse("ACCESS_DENIED", 403, message, "AccessDeniedException", "Message");
    }
    const out: Authorized = {};
    if (answer.usageIdentifierKey) out.usageIdentifierKey = answer.usageIdentifierKey;
    return out;
  }

  // NONE: only the resource policy decides, and it must allow.
  if (before !== undefined && before !== "Allow") return policyDenied("anonymous", false);
  return {};
}

const header = (req: HttpRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
};

/** RestApi.policy is stored as given, or with its quotes escaped as GetRestApi returns it. */
function decodePolicy(p: string): string {
  return p.trimStart().startsWith("{\\") ? p.replace(/\\"/g, '"').replace(/\\\\/g, "\\") : p;
}

async function iamCaller(services: ServiceHost, accessKeyId: string, accountId: string): Promise<CallerIdentity> {
  const root: CallerIdentity = { accountId, arn: `arn:aws:iam::${accountId}:root`, principalArn: `arn:aws:iam::${accountId}:root`, userId: accountId, kind: "root", identityPolicies: [], principalTags: {}, allPowerful: true };
  if (!accessKeyId || services.credentials.isConfigured(accessKeyId)) return root;
  const iam = (await services.get("iam")) as unknown as IdentitySource | undefined;
  const known = iam?.identify ? await iam.identify(accessKeyId) : undefined;
  return known ?? { ...root, arn: `arn:aws:iam::${accountId}:user/unknown`, kind: "user", userId: accessKeyId, allPowerful: false };
}

/** The identity-source values of a REQUEST authorizer, or undefined when one is missing (401 without invoking). */
function requestIdentity(a: AuthorizeRequest, sources: string[]): string[] | undefined {
  const values: string[] = [];
  for (const src of sources) {
    let v: string | undefined;
    const m = /^method\.request\.(header|multivalueheader|querystring|multivaluequerystring)\.(.+)$/i.exec(src);
    if (m) {
      const kind = m[1]!.toLowerCase();
      if (kind.endsWith("header")) {
        const raw = a.req.headers[m[2]!.toLowerCase()];
        v = raw === undefined ? undefined : Array.isArray(raw) ? raw.join(",") : raw;
      } else {
        const all = a.req.query.getAll(m[2]!);
        v = all.length ? (kind === "querystring" ? all[all.length - 1] : all.join(",")) : undefined;
      }
    } else if (src.startsWith("stageVariables.")) v = a.stageVariables[src.slice(15)];
    else if (src.startsWith("context.")) {
      const found = src.slice(8).split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], a.context);
      v = found === undefined || found === null ? undefined : String(found);
    }
    if (v === undefined || v === "") return undefined;
    values.push(v);
  }
  return values;
}

function requestEvent(a: AuthorizeRequest, methodArn: string): Record<string, unknown> {
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of a.req.query) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const { headers, multiValueHeaders } = eventHeaders(withForwardedHeaders(clientHeaders(a.req), a.req));
  return {
    type: "REQUEST", methodArn, resource: a.resourcePath, path: a.path, httpMethod: a.req.method,
    headers: headers ?? {}, multiValueHeaders: multiValueHeaders ?? {}, queryStringParameters: query, multiValueQueryStringParameters: multiQuery,
    pathParameters: a.pathParameters, stageVariables: a.stageVariables,
    requestContext: {
      path: a.context.path, accountId: a.accountId, resourceId: a.resourceId, stage: a.stage, domainPrefix: a.context.domainPrefix, requestId: a.requestId,
      identity: { cognitoIdentityPoolId: null, accountId: null, cognitoIdentityId: null, caller: null, sourceIp: sourceIpOf(a.req), principalOrgId: null, accessKey: null, cognitoAuthenticationType: null, cognitoAuthenticationProvider: null, userArn: null, userAgent: header(a.req, "user-agent") ?? "", user: null },
      domainName: a.context.domainName, resourcePath: a.resourcePath, httpMethod: a.req.method, extendedRequestId: a.requestId,
      requestTime: a.context.requestTime, requestTimeEpoch: a.context.requestTimeEpoch, protocol: "HTTP/1.1", apiId: a.apiId,
    },
  };
}

const substituteStageVariables = (s: string, vars: Record<string, string>) => s.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, k: string) => vars[k] ?? "");

function lambdaContext(a: AuthorizeRequest): RequestContext {
  return { requestId: a.requestId, accountId: a.accountId, region: a.region, service: "apigateway", operation: "", principal: { accessKeyId: a.accountId, anonymous: false }, clock: a.clock, endpoint: "" };
}

/** TOKEN / REQUEST: identity sources, validation expression, cache, invocation; fills $context.authorizer. */
async function runLambdaAuthorizer(a: AuthorizeRequest, authorizer: Authorizer, methodArn: string): Promise<AuthorizerAnswer | "unauthorized"> {
  const functionArn = lambdaFunctionOf(substituteStageVariables(authorizer.authorizerUri ?? "", a.stageVariables));
  if (!functionArn) return { kind: "error", why: `Invalid authorizer URI ${authorizer.authorizerUri ?? ""}` };
  let identityValues: string[];
  let event: () => Record<string, unknown>; // built only on a cache miss
  if (authorizer.type === "TOKEN") {
    const name = (authorizer.identitySource ?? "method.request.header.Authorization").replace(/^method\.request\.header\./i, "").toLowerCase();
    const token = header(a.req, name);
    if (!token) return "unauthorized";
    // A user regex over the whole token, on RE2 (linear time); a mismatch is 401 without invoking.
    if (authorizer.identityValidationExpression && !selectionMatches(authorizer.identityValidationExpression, token)) return "unauthorized";
    identityValues = [token];
    event = () => ({ type: "TOKEN", methodArn, authorizationToken: token });
  } else {
    const sources = (authorizer.identitySource ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const values = requestIdentity(a, sources);
    if (!values) return "unauthorized";
    identityValues = values;
    event = () => requestEvent(a, methodArn);
  }
  const ttl = authorizer.authorizerResultTtlInSeconds ?? 300;
  const cacheable = !!a.cache && ttl > 0 && identityValues.length > 0;
  const key = cacheable ? AuthorizerCache.key(a.apiId, a.stage, authorizer.id!, identityValues) : "";
  const started = a.clock.now();
  const invoke = async (): Promise<AuthorizerAnswer> => {
    // authorizerCredentials: the role API Gateway assumes to invoke the function (--enforce-iam; sts/service-roles.ts).
    const acting = await apiGatewayIdentity(a.services, lambdaContext(a), authorizer.authorizerCredentials);
    if (acting === "refused") return { kind: "error", why: cannotAssume(authorizer.authorizerCredentials!) };
    const refused = await permissionRefusal(a, authorizer, functionArn);
    return refused ?? invokeLambdaAuthorizer(acting.caller, acting.ctx, functionArn, event());
  };
  const answer = cacheable ? (await a.cache!.getOrProduce(key, ttl, invoke, (x) => x.kind === "policy")).answer : await invoke();
  const latency = a.clock.now() - started;
  if (answer.kind === "policy") {
    // REST passes context values on as strings ($context.authorizer.key, requestContext.authorizer.key).
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(answer.context)) values[k] = String(v);
    a.context.authorizer = { ...values, principalId: answer.principalId, integrationLatency: latency };
  }
  return answer;
}

const warnedPermissions = new Set<string>();

/**
 * The authorizer function must let apigateway.amazonaws.com invoke it from
 * arn:aws:execute-api:{region}:{account}:{apiId}/authorizers/{authorizerId} unless the authorizer has
 * credentials (a role). AWS answers 500 AuthorizerConfigurationException; Skyport does so with
 * --enforce-sigv4 and otherwise logs it once and invokes, as for integrations (method-access.ts).
 */
async function permissionRefusal(a: AuthorizeRequest, authorizer: Authorizer, functionArn: string): Promise<AuthorizerAnswer | undefined> {
  if (authorizer.authorizerCredentials) return undefined;
  const sourceArn = `arn:aws:execute-api:${a.region}:${a.accountId}:${a.apiId}/authorizers/${authorizer.id}`;
  let problem: string | undefined;
  try {
    problem = await lambdaPermissionProblem(a.services, lambdaContext(a), functionArn, sourceArn);
  } catch {
    return undefined; // the invocation itself says what is wrong (no such function…)
  }
  if (!problem) return undefined;
  if (a.strictPermissions) return { kind: "error", why: `Invalid permissions on Lambda function: ${problem}` };
  const once = `${functionArn} ${sourceArn}`;
  if (!warnedPermissions.has(once) && warnedPermissions.size < 10_000) {
    warnedPermissions.add(once);
    a.log?.warn(`apigateway: ${a.apiId}/${a.stage} authorizer ${authorizer.id}: ${problem}; AWS answers 500 (AuthorizerConfigurationException) — Skyport invokes it anyway unless --enforce-sigv4 (add it with lambda add-permission --principal apigateway.amazonaws.com)`);
  }
  return undefined;
}
