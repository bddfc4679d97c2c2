/**
 * AssumeRoleWithWebIdentity's token check: the token's issuer must be an OIDC provider of the role's account,
 * its audience one of the provider's client ids, its signature valid against the issuer's JWKS (discovered at
 * /.well-known/openid-configuration, else /.well-known/jwks.json) and it must not be expired. Errors as STS
 * words them (InvalidIdentityToken, ExpiredTokenException, IDPCommunicationError).
 */
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { ServiceError } from "../../aws/errors.js";

const invalidToken = (m: string) => new ServiceError("InvalidIdentityToken", m, 400);
const JWKS_TIMEOUT_MS = 5000;
const MAX_TOKEN_CHARS = 20_000;

/** Remote key sets by URL: jose caches the keys and refetches on an unknown kid. Safe to lose. */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const jwksUris = new Map<string, string>();

async function jwksUriOf(issuer: string): Promise<string> {
  const known = jwksUris.get(issuer);
  if (known) return known;
  let uri = `${issuer}/.well-known/jwks.json`;
  try {
    const r = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
    if (r.ok) {
      const conf = (await r.json()) as { jwks_uri?: unknown };
      if (typeof conf.jwks_uri === "string") uri = conf.jwks_uri;
    }
  } catch {
    // no discovery document: the conventional location
  }
  if (jwksUris.size > 1000) jwksUris.clear();
  jwksUris.set(issuer, uri);
  return uri;
}

/** The issuer's signing keys (discovered, fetched and cached; refetched on an unknown kid). Also used by API Gateway v2's JWT authorizers. */
export async function issuerKeySet(issuer: string): Promise<ReturnType<typeof createRemoteJWKSet>> {
  const uri = await jwksUriOf(issuer);
  let set = keySets.get(uri);
  if (!set) {
    set = createRemoteJWKSet(new URL(uri), { timeoutDuration: JWKS_TIMEOUT_MS });
    if (keySets.size > 1000) keySets.clear();
    keySets.set(uri, set);
  }
  return set;
}

/** The token's claims without verification (to find its issuer), or InvalidIdentityToken. */
export function peekToken(token: string): JWTPayload {
  if (!token || token.length > MAX_TOKEN_CHARS) throw invalidToken("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)");
  try {
    return decodeJwt(token);
  } catch {
    throw invalidToken("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)");
  }
}

/** Verifies signature, audience and expiry; returns the claims. */
export async function verifyToken(token: string, issuer: string, audiences: string[], nowMs: number): Promise<JWTPayload> {
  const claims = peekToken(token);
  if (typeof claims.exp === "number" && claims.exp * 1000 <= nowMs) {
    throw new ServiceError("ExpiredTokenException", `Token expired: current date/time ${Math.floor(nowMs / 1000)} must be before the expiration date/time ${claims.exp}`, 400);
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud !== undefined ? [claims.aud] : [];
  if (!aud.some((a) => audiences.includes(a))) throw invalidToken("Incorrect token audience");
  const set = await issuerKeySet(issuer);
  try {
    const { payload } = await jwtVerify(token, set, { currentDate: new Date(nowMs), clockTolerance: 0 });
    return payload;
  } catch (e) {
    if (e instanceof joseErrors.JWKSTimeout || (e instanceof Error && /fetch|ECONNREFUSED|network/i.test(e.message) && !(e instanceof joseErrors.JOSEError))) {
      throw new ServiceError("IDPCommunicationError", `Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements`, 400);
    }
    if (e instanceof joseErrors.JWKSNoMatchingKey || e instanceof joseErrors.JWSSignatureVerificationFailed) throw invalidToken("Couldn't verify the token's signature with the identity provider's keys");
    if (e instanceof joseErrors.JOSEError) throw invalidToken(`The token is not valid: ${e.message}`);
    throw new ServiceError("IDPCommunicationError", `Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements`, 400);
  }
}
