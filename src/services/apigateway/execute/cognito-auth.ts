/**
 * COGNITO_USER_POOLS authorizers on REST API methods, as API Gateway runs them: the token comes from the
 * authorizer's identity source (default the Authorization header, with or without "Bearer "), must be a token
 * of one of the authorizer's user pools (providerARNs) — an ID token, or an access token carrying one of the
 * method's authorizationScopes when the method lists any — and unexpired and not revoked. Missing token or
 * failed validation: 401 Unauthorized (gateway response UNAUTHORIZED); a valid token without a required scope:
 * the same 401, as AWS answers. The claims become $context.authorizer.claims (strings, as AWS passes them).
 * The token is verified in process by Cognito (cognito-idp verifyToken): the issuer's keys never leave Skyport.
 */
import type { HttpRequest } from "../../../aws/protocol/types.js";
import type { ServiceHost } from "../../host.js";
import type { Authorizer, Method } from "../../../aws/api/apigateway.js";

type Verifier = { verifyToken(token: string, poolIds: readonly string[], use: "access" | "id" | "any"): Promise<Record<string, unknown> | undefined> };

/** Claims of a valid token for the method, or undefined (401). */
export async function authorizeCognito(req: HttpRequest, services: ServiceHost, method: Method, authorizer: Authorizer | undefined): Promise<Record<string, string> | undefined> {
  if (!authorizer || authorizer.type !== "COGNITO_USER_POOLS") return undefined;
  const header = (authorizer.identitySource ?? "method.request.header.Authorization").replace(/^method\.request\.header\./i, "").toLowerCase();
  const raw = req.headers[header];
  let token = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!token) return undefined;
  if (/^bearer\s+/i.test(token)) token = token.replace(/^bearer\s+/i, "");
  const pools = (authorizer.providerARNs ?? []).map((arn) => arn.split("/").pop()!).filter(Boolean);
  const cognito = (await services.get("cognito-idp")) as Verifier | undefined;
  if (!cognito || !pools.length) return undefined;
  const scopes = method.authorizationScopes ?? [];
  const claims = await cognito.verifyToken(token, pools, scopes.length ? "access" : "id");
  if (!claims) return undefined;
  if (scopes.length) {
    const granted = String(claims.scope ?? "").split(" ");
    if (!scopes.some((s) => granted.includes(s))) return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) out[k] = Array.isArray(v) ? v.join(",") : typeof v === "object" ? JSON.stringify(v) : String(v);
  return out;
}
