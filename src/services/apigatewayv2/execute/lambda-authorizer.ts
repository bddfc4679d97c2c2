/**
 * Lambda REQUEST authorizers of HTTP APIs ("Working with AWS Lambda authorizers for HTTP APIs"): payload
 * format 1.0 or 2.0, identity sources (a missing one → 401 Unauthorized without calling the function),
 * simple responses ({isAuthorized, context}) or IAM policies (execute-api:Invoke on the route ARN; an
 * explicit Deny wins), results cached for authorizerResultTtlInSeconds keyed by the identity source values.
 * Refused → 403 Forbidden; a failing or malformed authorizer → 500. The context reaches the integration as
 * requestContext.authorizer.lambda.
 */
import type { HttpResponse } from "../../../aws/protocol/types.js";
import { invokeLambda } from "../../apigateway/execute/integrations.js";
import { wildcardMatch } from "../../apigateway/execute/method-access.js";
import type { AuthorizerRecord } from "../store.js";
import { lambdaArnOf } from "../validate.js";
import { eventV1, eventV2, forwardedHeaders, type EventInput } from "./events.js";
import { identityValue } from "./identity.js";
import { message, ownerCtx, type Exchange } from "./pipeline.js";

interface AuthResult {
  /** undefined: the answer broke the contract (500). */
  policy?: { simple?: boolean; statements: Statement[] };
  context: Record<string, unknown>;
  principalId?: string;
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
}

/** Cached results by authorizer and identity; safe to lose. */
export class AuthorizerCache {
  private readonly entries = new Map<string, { expires: number; result: AuthResult }>();
  get(key: string, now: number): AuthResult | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.result;
  }
  set(key: string, result: AuthResult, expires: number): void {
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(key, { expires, result });
  }
  /** ResetAuthorizersCache: every entry of the API's stage (everything for an empty apiId). */
  reset(apiId: string, stage: string): void {
    const prefix = apiId ? `${apiId}/${stage}/` : "";
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function routeArn(ex: Exchange): string {
  const key = ex.match!.route.RouteKey;
  const tail = key === "$default" ? "$default" : `${ex.req.method}${ex.path.startsWith("/") ? ex.path : `/${ex.path}`}`;
  return `arn:aws:execute-api:${ex.entry.region}:${ex.entry.account}:${ex.entry.api.ApiId}/${ex.stageName}/${tail}`;
}

function allows(statements: Statement[], arn: string): boolean {
  const matches = (s: Statement) =>
    list(s.Action).some((a) => /^(\*|execute-api:\*|execute-api:invoke)$/i.test(a)) && list(s.Resource).some((r) => wildcardMatch(r, arn));
  if (statements.some((s) => s.Effect === "Deny" && matches(s))) return false;
  return statements.some((s) => s.Effect === "Allow" && matches(s));
}

function parseResult(payload: Buffer, simple: boolean): AuthResult | undefined {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(payload.toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!r || typeof r !== "object" || Array.isArray(r)) return undefined;
  const context = r.context && typeof r.context === "object" && !Array.isArray(r.context) ? (r.context as Record<string, unknown>) : {};
  if (simple) {
    if (typeof r.isAuthorized !== "boolean") return undefined;
    return { policy: { simple: r.isAuthorized, statements: [] }, context };
  }
  const doc = r.policyDocument as { Statement?: Statement | Statement[] } | undefined;
  if (!doc || typeof doc !== "object") return undefined;
  return { policy: { statements: list(doc.Statement) }, context, principalId: typeof r.principalId === "string" ? r.principalId : undefined };
}

export async function authorizeLambda(ex: Exchange, authorizer: AuthorizerRecord): Promise<HttpResponse | undefined> {
  const sources = authorizer.IdentitySource ?? [];
  const values: string[] = [];
  for (const s of sources) {
    const v = identityValue(ex, s);
    if (v === undefined) return message(401, "Unauthorized");
    values.push(v);
  }
  const ttl = authorizer.AuthorizerResultTtlInSeconds ?? 0;
  const now = ex.plane.provider.now();
  const cacheKey = `${ex.entry.api.ApiId}/${ex.stageName}/${authorizer.AuthorizerId}/${JSON.stringify(values)}`;
  const simple = authorizer.AuthorizerPayloadFormatVersion === "2.0" && authorizer.EnableSimpleResponses === true;
  let result = ttl > 0 ? ex.plane.authorizerCache.get(cacheKey, now) : undefined;
  if (!result) {
    const fn = lambdaArnOf(authorizer.AuthorizerUri);
    if (!fn) return message(500, "Internal Server Error");
    const input: EventInput = {
      req: ex.req, apiId: ex.entry.api.ApiId, accountId: ex.entry.account, stage: ex.stageName, routeKey: ex.match!.route.RouteKey, rawPath: ex.target.rawPath,
      pathParameters: ex.match!.pathParameters, stageVariables: ex.stageVariables, requestId: ex.requestId, domainName: ex.target.domainName,
      timeEpoch: ex.now.getTime(), time: ex.context.requestTime as string, headers: forwardedHeaders(ex.req),
    };
    let event: Record<string, unknown>;
    if (authorizer.AuthorizerPayloadFormatVersion === "2.0") {
      const { body: _b, isBase64Encoded: _i, version: _v, ...rest } = eventV2(input);
      event = { version: "2.0", type: "REQUEST", routeArn: routeArn(ex), identitySource: values, ...rest };
    } else {
      const { body: _b, isBase64Encoded: _i, version: _v, multiValueHeaders: _m, multiValueQueryStringParameters: _q, ...rest } = eventV1(input);
      event = { version: "1.0", type: "REQUEST", methodArn: routeArn(ex), identitySource: values.join(","), authorizationToken: values.join(","), ...rest };
    }
    let out: { payload: Buffer; functionError?: string };
    try {
      out = await invokeLambda(ex.plane.services, ownerCtx(ex), fn, Buffer.from(JSON.stringify(event)));
    } catch (e) {
      ex.plane.provider.log.warn(`apigatewayv2: authorizer ${authorizer.AuthorizerId} (${ex.requestId}): ${(e as Error).message}`);
      return message(500, "Internal Server Error");
    }
    result = out.functionError ? undefined : parseResult(out.payload, simple);
    if (!result) {
      ex.plane.provider.log.warn(`apigatewayv2: authorizer ${authorizer.AuthorizerId} (${ex.requestId}): ${out.functionError ? `the function failed (${out.functionError})` : "malformed authorizer response"}`);
      return message(500, "Internal Server Error");
    }
    if (ttl > 0 && sources.length) ex.plane.authorizerCache.set(cacheKey, result, now + ttl * 1000);
  }
  const ok = simple ? result.policy!.simple === true : allows(result.policy!.statements, routeArn(ex));
  if (!ok) return message(403, "Forbidden");
  ex.authorizer = { lambda: result.context, ...(result.principalId !== undefined ? { principalId: result.principalId } : {}) };
  ex.context.authorizer = { ...result.context, principalId: result.principalId ?? "" };
  return undefined;
}
