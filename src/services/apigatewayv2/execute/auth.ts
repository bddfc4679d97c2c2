/**
 * Route authorization of HTTP APIs: AWS_IAM (SigV4, the REST path's iam-auth.ts), JWT (jwt.ts) and Lambda
 * REQUEST authorizers (lambda-authorizer.ts). Answers the refusal, or undefined to go on.
 */
import type { HttpResponse } from "../../../aws/protocol/types.js";
import { authorizeIam } from "../../apigateway/execute/iam-auth.js";
import { authorizeJwt } from "./jwt.js";
import { authorizeLambda } from "./lambda-authorizer.js";
import { message, type Exchange } from "./pipeline.js";

export async function authorizeRoute(ex: Exchange): Promise<HttpResponse | undefined> {
  const route = ex.match!.route;
  switch (route.AuthorizationType) {
    case "AWS_IAM": {
      const identity: Record<string, unknown> = {};
      const denied = authorizeIam(ex.req, ex.plane.services, ex.plane.provider.now(), identity);
      if (denied) return message(403, denied.message);
      ex.authorizer = { iam: { accessKey: identity.accessKey, accountId: identity.accountId, callerId: identity.caller, cognitoIdentity: null, principalOrgId: null, userArn: identity.userArn, userId: identity.user } };
      ex.context.identity = { ...(ex.context.identity as object), ...identity };
      return undefined;
    }
    case "JWT":
    case "CUSTOM": {
      const authorizer = route.AuthorizerId ? ex.deployed!.authorizers.get(route.AuthorizerId) : undefined;
      if (!authorizer) return message(500, "Internal Server Error");
      return authorizer.AuthorizerType === "JWT" ? authorizeJwt(ex, authorizer) : authorizeLambda(ex, authorizer);
    }
    default:
      return undefined;
  }
}
