/**
 * REQUEST Lambda authorizers on $connect ("Create a Lambda REQUEST authorizer function" for WebSocket
 * APIs): identity sources `route.request.header.X`, `route.request.querystring.X`, `stageVariables.X`,
 * `context.X` must all be present (else 401); the function gets AWS's REQUEST event with the methodArn
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect` and answers an IAM policy: an explicit
 * Deny or no Allow for the methodArn → 403, a function error → 500, an "Unauthorized" error → 401.
 * Verdicts (Allow with its context, or Deny) are cached for authorizerResultTtlInSeconds (default 300, 0: off)
 * by the identity sources' values, and forgotten on ResetAuthorizersCache.
 */
import type { GetAuthorizerOutput } from "../../../aws/api/apigatewayv2.js";
import { invokeLambda, lambdaFunctionOf } from "../../apigateway/execute/integrations.js";
import { apiGatewayIdentity } from "../../sts/service-roles.js";
import type { Connection } from "./connections.js";
import type { WsApi } from "./control-plane.js";
import { requestContextOf, type EventParts } from "./events.js";
import type { IntegrationDeps } from "./integrations.js";

export type AuthorizerVerdict = { allowed: true; authorizer: Record<string, unknown> } | { allowed: false; status: number; message: string };

const MAX_RESOURCE_CHARS = 2048;
const MAX_CACHED_VERDICTS = 10_000;
const DEFAULT_TTL_SECONDS = 300;

/** Authorizer verdicts by API, stage, authorizer and identity values, until their TTL passes. */
export class AuthorizerCache {
  private readonly entries = new Map<string, { verdict: AuthorizerVerdict; expires: number }>();

  get(key: string, now: number): AuthorizerVerdict | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires > now) return e.verdict;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, verdict: AuthorizerVerdict, expires: number): void {
    if (this.entries.size >= MAX_CACHED_VERDICTS) this.entries.clear();
    this.entries.set(key, { verdict, expires });
  }

  /** ResetAuthorizersCache(apiId, stage). */
  clear(apiId: string, stage: string): void {
    const prefix = `${apiId}/${stage}/`;
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

export async function runRequestAuthorizer(deps: IntegrationDeps, w: WsApi, a: GetAuthorizerOutput, c: Connection, parts: EventParts, cache?: AuthorizerCache): Promise<AuthorizerVerdict> {
  const headers = parts.headers ?? {};
  const lowerHeaders = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const identity: string[] = [];
  for (const source of a.IdentitySource ?? []) {
    let value: string | undefined | null;
    if (source.startsWith("route.request.header.")) value = lowerHeaders.get(source.slice(21).toLowerCase());
    else if (source.startsWith("route.request.querystring.")) value = parts.query?.get(source.slice(26));
    else if (source.startsWith("stageVariables.")) value = w.stage.StageVariables?.[source.slice(15)];
    else if (source.startsWith("context.")) value = String((requestContextOf(c, parts) as Record<string, unknown>)[source.slice(8)] ?? "");
    if (!value) return { allowed: false, status: 401, message: "Unauthorized" };
    identity.push(value);
  }
  const ttlMs = (a.AuthorizerResultTtlInSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
  const key = `${c.apiId}/${c.stage}/${a.AuthorizerId}/${identity.join("\u0000")}`;
  const cacheable = cache && ttlMs > 0 && identity.length > 0;
  const cached = cacheable ? cache.get(key, parts.now) : undefined;
  if (cached) return cached;
  const verdict = await decide(deps, w, a, c, parts, headers);
  if (cacheable && (verdict.allowed || verdict.status === 403)) cache.set(key, verdict, parts.now + ttlMs);
  return verdict;
}

async function decide(deps: IntegrationDeps, w: WsApi, a: GetAuthorizerOutput, c: Connection, parts: EventParts, headers: Record<string, string>): Promise<AuthorizerVerdict> {
  const methodArn = `arn:aws:execute-api:${w.region}:${w.accountId}:${c.apiId}/${c.stage}/$connect`;
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of parts.query ?? []) {
    single[k] = v;
    (multi[k] ??= []).push(v);
  }
  const event = {
    type: "REQUEST", methodArn, headers, multiValueHeaders: parts.multiValueHeaders, queryStringParameters: single, multiValueQueryStringParameters: multi,
    stageVariables: w.stage.StageVariables ?? {}, requestContext: requestContextOf(c, parts),
  };
  const fn = lambdaFunctionOf(a.AuthorizerUri ?? "") ?? a.AuthorizerUri ?? "";
  let out: { payload: Buffer; functionError?: string };
  try {
    // AuthorizerCredentialsArn: the role API Gateway assumes to invoke the function (--enforce-iam; sts/service-roles.ts).
    const acting = await apiGatewayIdentity(deps.services, deps.ctx(w), a.AuthorizerCredentialsArn);
    if (acting === "refused") return { allowed: false, status: 500, message: "Internal server error" };
    out = await invokeLambda(acting.caller, acting.ctx, fn, Buffer.from(JSON.stringify(event)));
  } catch {
    return { allowed: false, status: 500, message: "Internal server error" };
  }
  const text = out.payload.toString("utf8");
  if (out.functionError) return /"errorMessage"\s*:\s*"Unauthorized"/.test(text) ? { allowed: false, status: 401, message: "Unauthorized" } : { allowed: false, status: 500, message: "Internal server error" };
  let answer: { principalId?: unknown; policyDocument?: { Statement?: unknown }; context?: Record<string, unknown> };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    return { allowed: false, status: 500, message: "Internal server error" };
  }
  if (!answer || typeof answer !== "object" || !answer.policyDocument) return { allowed: false, status: 500, message: "Internal server error" };
  if (!policyAllows(answer.policyDocument.Statement, methodArn)) return { allowed: false, status: 403, message: "Forbidden" };
  const authorizer: Record<string, unknown> = { ...(answer.context && typeof answer.context === "object" ? answer.context : {}), principalId: answer.principalId ?? "" };
  return { allowed: true, authorizer };
}

/** An explicit Deny wins; otherwise some Allow of execute-api:Invoke must cover the methodArn. */
export function policyAllows(statements: unknown, methodArn: string): boolean {
  const list = Array.isArray(statements) ? statements : statements && typeof statements === "object" ? [statements] : [];
  let allowed = false;
  for (const s of list as Array<{ Effect?: string; Action?: unknown; Resource?: unknown }>) {
    const actions = ([] as unknown[]).concat(s.Action ?? []);
    const resources = ([] as unknown[]).concat(s.Resource ?? []);
    if (!actions.some((a) => typeof a === "string" && (a === "*" || a.toLowerCase() === "execute-api:invoke" || a.toLowerCase() === "execute-api:*"))) continue;
    if (!resources.some((r) => typeof r === "string" && globMatches(r, methodArn))) continue;
    if (s.Effect === "Deny") return false;
    if (s.Effect === "Allow") allowed = true;
  }
  return allowed;
}

/** `*` and `?` wildcards, matched greedily with one backtrack point (linear in practice, bounded input). */
export function globMatches(pattern: string, subject: string): boolean {
  if (pattern.length > MAX_RESOURCE_CHARS) return false;
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  while (s < subject.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === subject[s])) {
      p++;
      s++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = s;
    } else if (star >= 0) {
      p = star + 1;
      s = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}
