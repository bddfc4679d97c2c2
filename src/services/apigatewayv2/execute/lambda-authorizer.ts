/**
 * Lambda REQUEST authorizers of HTTP APIs ("Working with AWS Lambda authorizers for HTTP APIs"): payload
 * format 1.0 or 2.0, identity sources (a missing one → 401 Unauthorized without calling the function),
 * simple responses ({isAuthorized, context}) or IAM policies (execute-api:Invoke on the route ARN; an
 * explicit Deny wins), results cached for authorizerResultTtlInSeconds keyed by the identity source values.
 * Refused → 403 Forbidden; a failing or malformed authorizer → 500. The context reaches the integration as
 * requestContext.authorizer.lambda. Invocation, answer parsing, policy evaluation and the cache are the REST
 * path's (apigateway/execute/lambda-authorizer.ts, authorizer-cache.ts); this file builds HTTP API events.
 */
import type { HttpResponse } from "../../../aws/protocol/types.js";
import { AuthorizerCache } from "../../apigateway/execute/authorizer-cache.js";
import { invokeLambdaAuthorizer, methodArnOf, policyEffect } from "../../apigateway/execute/lambda-authorizer.js";
import type { AuthorizerRecord } from "../store.js";
import { apiGatewayIdentity, cannotAssume } from "../../sts/service-roles.js";
import { lambdaArnOf } from "../validate.js";
import { eventV1, eventV2, forwardedHeaders, type EventInput } from "./events.js";
import { identityValue } from "./identity.js";
import { message, ownerCtx, type Exchange } from "./pipeline.js";

export { AuthorizerCache };

/** The route ARN authorizers see: {apiId}/{stage}/{METHOD}/{path}, or {apiId}/{stage}/$default. */
function routeArn(ex: Exchange): string {
  if (ex.match!.route.RouteKey === "$default") return `arn:aws:execute-api:${ex.entry.region}:${ex.entry.account}:${ex.entry.api.ApiId}/${ex.stageName}/$default`;
  return methodArnOf(ex.entry.region, ex.entry.account, ex.entry.api.ApiId, ex.stageName, ex.req.method, ex.path);
}

export async function authorizeLambda(ex: Exchange, authorizer: AuthorizerRecord): Promise<HttpResponse | undefined> {
  const sources = authorizer.IdentitySource ?? [];
  const values: string[] = [];
  for (const s of sources) {
    const v = identityValue(ex, s);
    if (v === undefined) return message(401, "Unauthorized");
    values.push(v);
  }
  const ttl = sources.length ? authorizer.AuthorizerResultTtlInSeconds ?? 0 : 0;
  const cacheKey = AuthorizerCache.key(ex.entry.api.ApiId, ex.stageName, authorizer.AuthorizerId, values);
  const simple = authorizer.AuthorizerPayloadFormatVersion === "2.0" && authorizer.EnableSimpleResponses === true;
  const arn = routeArn(ex);
  let answer = ttl > 0 ? ex.plane.authorizerCache.get(cacheKey) : undefined;
  if (!answer) {
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
      event = { version: "2.0", type: "REQUEST", routeArn: arn, identitySource: values, ...rest };
    } else {
      const { body: _b, isBase64Encoded: _i, version: _v, multiValueHeaders: _m, multiValueQueryStringParameters: _q, ...rest } = eventV1(input);
      event = { version: "1.0", type: "REQUEST", methodArn: arn, identitySource: values.join(","), authorizationToken: values.join(","), ...rest };
    }
    // AuthorizerCredentialsArn: the role API Gateway assumes to invoke the function (--enforce-iam; sts/service-roles.ts).
    const acting = await apiGatewayIdentity(ex.plane.services, ownerCtx(ex), authorizer.AuthorizerCredentialsArn);
    answer = acting === "refused" ? { kind: "error", why: cannotAssume(authorizer.AuthorizerCredentialsArn!) } : await invokeLambdaAuthorizer(acting.caller, acting.ctx, fn, event, simple ? "simple" : "policy");
    if (answer.kind === "error") {
      ex.plane.provider.log.warn(`apigatewayv2: authorizer ${authorizer.AuthorizerId} (${ex.requestId}): ${answer.why}`);
      return message(500, "Internal Server Error");
    }
    if (answer.kind === "unauthorized") return message(401, "Unauthorized");
    if (ttl > 0) ex.plane.authorizerCache.set(cacheKey, answer, ttl);
  }
  if (answer.kind === "simple") {
    if (!answer.isAuthorized) return message(403, "Forbidden");
    ex.authorizer = { lambda: answer.context };
    ex.context.authorizer = { ...answer.context };
    return undefined;
  }
  if (answer.kind !== "policy" || policyEffect(answer.policy, arn) !== "Allow") return message(403, "Forbidden");
  ex.authorizer = { lambda: answer.context, principalId: answer.principalId };
  ex.context.authorizer = { ...answer.context, principalId: answer.principalId };
  return undefined;
}
