/**
 * JWT authorizers of HTTP APIs ("Controlling access to HTTP APIs with JWT authorizers"): the token from the
 * identity source (with or without "Bearer "), its keys from the issuer's JWKS (discovered at
 * {issuer}/.well-known/openid-configuration; sts/web-identity.ts's cached key sets), signature, `iss`, `aud`
 * (or `client_id` when the token has no aud, as Cognito access tokens), `exp`/`nbf`; then the route's
 * authorizationScopes against `scope`/`scp`. Failures: 401 {"message":"Unauthorized"} with a
 * WWW-Authenticate header; a valid token without a required scope: 403 {"message":"Forbidden"}.
 * Claims reach the integration as requestContext.authorizer.jwt.{claims,scopes}, claim values as strings.
 */
import { errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { HttpResponse } from "../../../aws/protocol/types.js";
import { issuerKeySet } from "../../sts/web-identity.js";
import type { AuthorizerRecord } from "../store.js";
import { identityValue } from "./identity.js";
import { message, type Exchange } from "./pipeline.js";

const MAX_TOKEN_CHARS = 16_384;

const unauthorized = (description: string): HttpResponse =>
  message(401, "Unauthorized", { "www-authenticate": `Bearer scope="" error="invalid_token" error_description="${description.replace(/"/g, "'")}"` });

/** A claim as API Gateway passes it on: strings as they are, arrays as "[a b]", objects as JSON. */
function claimString(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" ")}]`;
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export async function authorizeJwt(ex: Exchange, authorizer: AuthorizerRecord): Promise<HttpResponse | undefined> {
  const source = authorizer.IdentitySource?.[0] ?? "$request.header.Authorization";
  let token = identityValue(ex, source)?.trim();
  if (!token) return message(401, "Unauthorized");
  if (/^bearer\s+/i.test(token)) token = token.replace(/^bearer\s+/i, "");
  if (token.length > MAX_TOKEN_CHARS) return unauthorized("the token is too long");
  const issuer = authorizer.JwtConfiguration?.Issuer ?? "";
  let claims: JWTPayload;
  try {
    const keys = await issuerKeySet(issuer.replace(/\/+$/, ""));
    ({ payload: claims } = await jwtVerify(token, keys, { issuer, currentDate: new Date(ex.plane.provider.now()), clockTolerance: 0 }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return unauthorized("the token has expired");
    if (e instanceof joseErrors.JWTClaimValidationFailed) return unauthorized(e.claim === "iss" ? "the token does not have a valid issuer" : `the token's ${e.claim} claim is invalid`);
    if (e instanceof joseErrors.JOSEError) return unauthorized("signature is invalid");
    ex.plane.provider.log.warn(`apigatewayv2: JWT authorizer ${authorizer.AuthorizerId}: could not get the keys of issuer ${issuer}: ${(e as Error).message}`);
    return unauthorized("the issuer's keys could not be retrieved");
  }
  const audiences = authorizer.JwtConfiguration?.Audience ?? [];
  const aud = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const presented = aud.length ? aud : typeof claims.client_id === "string" ? [claims.client_id] : [];
  if (!presented.some((a) => audiences.includes(a))) return unauthorized("the token does not have a valid audience");
  const granted = typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : Array.isArray(claims.scp) ? claims.scp.map(String) : typeof claims.scp === "string" ? claims.scp.split(" ") : [];
  const required = ex.match!.route.AuthorizationScopes ?? [];
  if (required.length && !required.some((s) => granted.includes(s))) return message(403, "Forbidden", { "www-authenticate": `Bearer scope="${required.join(" ")}" error="insufficient_scope" error_description="the token does not have the required scopes"` });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) out[k] = claimString(v);
  ex.authorizer = { jwt: { claims: out, scopes: granted.length ? granted : null } };
  ex.context.authorizer = { claims: out, principalId: out.sub ?? "" };
  return undefined;
}
