/**
 * Tokens of identity pools. Logins: a Cognito user pool's ID token under `cognito-idp.{region}.amazonaws.com/{poolId}`,
 * verified in process by Skyport's user pool (signature with the pool's key, expiry, GlobalSignOut revocation) and
 * its audience checked against the provider's ClientId; an OIDC token under the name of one of the pool's IAM OIDC
 * providers (OpenIdConnectProviderARNs), verified as STS verifies web identities (sts/web-identity.ts). OpenID tokens (GetOpenIdToken): RS256 JWTs issued by
 * https://cognito-identity.amazonaws.com with the identity as `sub`, the pool as `aud` and `amr`
 * (["unauthenticated"] or ["authenticated", provider, provider:CognitoSignIn:sub]); STS's AssumeRoleWithWebIdentity
 * verifies them here (the key never leaves Skyport).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { decodeJwt, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { ServiceError } from "../../aws/errors.js";
import type { ServiceHost } from "../host.js";
import { verifyToken } from "../sts/web-identity.js";
import { COGNITO_PROVIDER, Limits, Messages, OPENID_ISSUER } from "./constants.js";
import type { IdentityStore } from "./store.js";

export interface CognitoProvider { ProviderName?: string; ClientId?: string }
/** A verified login: the provider name, the user's subject there and the token's claims. */
export interface Login { provider: string; sub: string; clientId?: string; claims: Record<string, unknown> }

type UserPoolVerifier = { verifyToken(token: string, poolIds: readonly string[], use: "access" | "id" | "any"): Promise<Record<string, unknown> | undefined> };
const notAuthorized = (m: string) => new ServiceError("NotAuthorizedException", m);

/** What login verification needs of a pool. */
export interface LoginPool { account: string; CognitoIdentityProviders?: CognitoProvider[]; OpenIdConnectProviderARNs?: string[] }

/** The IAM OIDC provider ARNs of a pool by provider name (the issuer's host and path, as Logins keys name them). */
export const oidcProviderNames = (pool: LoginPool): Map<string, string> =>
  new Map((pool.OpenIdConnectProviderARNs ?? []).map((arn) => [arn.slice(arn.indexOf(":oidc-provider/") + ":oidc-provider/".length), arn]));

/**
 * Verifies every entry of a Logins map against the pool's providers — Cognito user pools (in process) and the
 * IAM OIDC providers of OpenIdConnectProviderARNs (issuer, audience among the provider's client ids, JWKS signature,
 * expiry, as STS checks them) — the logins, or NotAuthorizedException.
 */
export async function verifyLogins(services: ServiceHost, pool: LoginPool, logins: Record<string, string> | undefined, nowMs: number): Promise<Login[]> {
  const entries = Object.entries(logins ?? {});
  if (entries.length > Limits.MAX_LOGINS) throw new ServiceError("InvalidParameterException", Messages.tooManyLogins);
  const out: Login[] = [];
  const oidc = oidcProviderNames(pool);
  for (const [provider, token] of entries) {
    if (typeof token !== "string" || !token || token.length > Limits.MAX_TOKEN_CHARS) throw notAuthorized(Messages.invalidLoginToken);
    if (oidc.has(provider)) {
      out.push(await verifyOidcLogin(services, oidc.get(provider)!, provider, token, nowMs));
      continue;
    }
    const m = COGNITO_PROVIDER.exec(provider);
    const configured = (pool.CognitoIdentityProviders ?? []).filter((p) => p.ProviderName === provider);
    if (!m || !configured.length) throw notAuthorized(Messages.unsupportedProvider);
    const idp = (await services.get("cognito-idp")) as UserPoolVerifier | undefined;
    const claims = idp ? await idp.verifyToken(token, [m[2]!], "id") : undefined;
    if (!claims || typeof claims.sub !== "string") throw notAuthorized(Messages.invalidLoginToken);
    const aud = String(claims.aud ?? "");
    const match = configured.find((p) => !p.ClientId || p.ClientId === aud);
    if (!match) throw notAuthorized("Invalid login token. Incorrect token audience.");
    out.push({ provider, sub: claims.sub, clientId: aud, claims });
  }
  return out;
}

type OidcSource = { oidcByIssuer(account: string, issuer: string): { url: string; clientIds: string[] } | undefined };

async function verifyOidcLogin(services: ServiceHost, providerArn: string, provider: string, token: string, nowMs: number): Promise<Login> {
  const iam = (await services.get("iam")) as OidcSource | undefined;
  const entity = iam?.oidcByIssuer(providerArn.split(":")[4] ?? "", provider);
  if (!entity) throw notAuthorized(Messages.unsupportedProvider);
  let claims: JWTPayload;
  try {
    claims = await verifyToken(token, entity.url, entity.clientIds, nowMs);
  } catch (e) {
    if (e instanceof ServiceError) throw notAuthorized(`Invalid login token. ${e.message}`);
    throw e;
  }
  if (typeof claims.sub !== "string") throw notAuthorized(Messages.invalidLoginToken);
  const aud = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).find((a) => a !== undefined && entity.clientIds.includes(a));
  return { provider, sub: claims.sub, clientId: aud, claims: claims as Record<string, unknown> };
}

/** The `login` key an identity is found by: provider and subject. */
export const loginKey = (l: Pick<Login, "provider" | "sub">) => `${l.provider}\n${l.sub}`;

interface OpenIdKey { kid: string; privateKey: KeyObject; publicKey: KeyObject }
const keys = new WeakMap<IdentityStore, OpenIdKey>();
const generateKeyPairAsync = promisify(generateKeyPair);

/** The signing key of OpenID tokens: made once per data directory and kept in the store. */
async function openIdKey(db: IdentityStore): Promise<OpenIdKey> {
  let k = keys.get(db);
  if (k) return k;
  let row = db.s.keyGet!.get() as { jwk: string } | undefined;
  if (!row) {
    const { privateKey } = await generateKeyPairAsync("rsa", { modulusLength: 2048 }); // off the event loop: ~100 ms+
    db.s.keyPut!.run(JSON.stringify({ kid: `skyport-${Date.now().toString(36)}`, jwk: privateKey.export({ format: "jwk" }) }));
    row = db.s.keyGet!.get() as { jwk: string };
  }
  const { kid, jwk } = JSON.parse(row.jwk) as { kid: string; jwk: Record<string, unknown> };
  const privateKey = createPrivateKey({ key: jwk as never, format: "jwk" });
  k = { kid, privateKey, publicKey: createPublicKey(privateKey) };
  keys.set(db, k);
  return k;
}

/** Forgets the cached key object (the store was wiped). */
export const forgetKey = (db: IdentityStore) => keys.delete(db);

interface TokenSubject { identityId: string; poolId: string; logins: Login[]; nowMs: number; seconds?: number }

/** The claims of an identity's OpenID token: amr says how it signed in. */
export function openIdClaims(o: TokenSubject): JWTPayload & { amr: string[] } {
  const amr = o.logins.length ? ["authenticated", ...o.logins.flatMap((l) => [l.provider, `${l.provider}:CognitoSignIn:${l.sub}`])] : ["unauthenticated"];
  const iat = Math.floor(o.nowMs / 1000);
  return { iss: OPENID_ISSUER, sub: o.identityId, aud: o.poolId, amr, iat, exp: iat + (o.seconds ?? Limits.OPENID_TOKEN_SECONDS) };
}

/** An OpenID token for an identity (GetOpenIdToken). */
export async function signOpenIdToken(db: IdentityStore, o: TokenSubject): Promise<string> {
  const k = await openIdKey(db);
  return new SignJWT(openIdClaims(o)).setProtectedHeader({ alg: "RS256", kid: k.kid, typ: "JWS" }).sign(k.privateKey);
}

/** An OpenID token's claims (signature, issuer, expiry checked), or STS's InvalidIdentityToken/ExpiredTokenException. */
export async function verifyOpenIdToken(db: IdentityStore, token: string, nowMs: number): Promise<JWTPayload> {
  const invalid = new ServiceError("InvalidIdentityToken", "Couldn't verify the token's signature with the identity provider's keys");
  let exp: number | undefined;
  try {
    exp = decodeJwt(token).exp;
  } catch {
    throw invalid;
  }
  if (typeof exp === "number" && exp * 1000 <= nowMs) {
    throw new ServiceError("ExpiredTokenException", `Token expired: current date/time ${Math.floor(nowMs / 1000)} must be before the expiration date/time ${exp}`);
  }
  try {
    return (await jwtVerify(token, (await openIdKey(db)).publicKey, { issuer: OPENID_ISSUER, algorithms: ["RS256"], currentDate: new Date(nowMs) })).payload;
  } catch {
    throw invalid;
  }
}
