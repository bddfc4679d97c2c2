/**
 * Tokens: each pool has its own RSA key pair (made at CreateUserPool, kept in the pool's row), ID and access
 * tokens are RS256 JWTs with the claims AWS puts in them, and the public key is served as the pool's JWKS.
 * The issuer is `${endpoint}/${poolId}` where endpoint is what the client reached (AWS:
 * https://cognito-idp.REGION.amazonaws.com/POOL), so a standard JWT library can fetch `${iss}/.well-known/jwks.json`.
 * Refresh tokens are opaque random strings; only their SHA-256 is stored.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import type { ServiceEnv } from "../host.js";
import { Messages } from "./constants.js";
import { notAuthorized, type PoolDoc } from "./core.js";
import type { CognitoStore, SessionRow } from "./store.js";

export interface PoolKey { kid: string; privateKey: KeyObject; publicKey: KeyObject; publicJwk: Record<string, unknown> }

/** Key objects by pool id: a cache of what the pool rows hold (safe to lose). */
const generateKeyPairAsync = promisify(generateKeyPair);
const keyCache = new Map<string, PoolKey>();

/** A new key pair for a pool, as the JSON its row keeps (made off the event loop: RSA generation takes ~100 ms+). */
export async function newPoolKey(kid: string): Promise<string> {
  const { privateKey } = await generateKeyPairAsync("rsa", { modulusLength: 2048 });
  return JSON.stringify({ kid, jwk: privateKey.export({ format: "jwk" }) });
}

export function poolKey(db: CognitoStore, poolId: string): PoolKey {
  let k = keyCache.get(poolId);
  if (!k) {
    const row = db.s.poolGet!.get(poolId) as { jwk: string } | undefined;
    if (!row) throw notAuthorized(Messages.badAccessToken);
    const { kid, jwk } = JSON.parse(row.jwk) as { kid: string; jwk: Record<string, unknown> };
    const privateKey = createPrivateKey({ key: jwk as never, format: "jwk" });
    const publicKey = createPublicKey(privateKey);
    const pub = publicKey.export({ format: "jwk" }) as Record<string, unknown>;
    k = { kid, privateKey, publicKey, publicJwk: { alg: "RS256", e: pub.e, kid, kty: "RSA", n: pub.n, use: "sig" } };
    keyCache.set(poolId, k);
  }
  return k;
}

export const forgetPoolKey = (poolId: string) => keyCache.delete(poolId);
export const clearKeyCache = () => keyCache.clear();

export const issuerOf = (endpoint: string, poolId: string) => `${endpoint.replace(/\/+$/, "")}/${poolId}`;
export const hashToken = (t: string) => createHash("sha256").update(t).digest("hex");

export async function signToken(db: CognitoStore, poolId: string, claims: Record<string, unknown>, iat: number, exp: number): Promise<string> {
  const k = poolKey(db, poolId);
  return new SignJWT(claims).setProtectedHeader({ kid: k.kid, alg: "RS256" }).setIssuedAt(iat).setExpirationTime(exp).sign(k.privateKey);
}

/** Claims of a valid access token of a pool; NotAuthorizedException otherwise (bad, expired or revoked). */
export async function verifyAccessToken(db: CognitoStore, env: ServiceEnv, token: string | undefined, scopeNeeded?: string): Promise<{ poolId: string; claims: Record<string, unknown>; session?: SessionRow }> {
  let poolId: string;
  try {
    if (!token || token.length > 16384) throw new Error("no token");
    decodeProtectedHeader(token);
    const iss = String(decodeJwt(token).iss ?? "");
    poolId = iss.slice(iss.lastIndexOf("/") + 1);
  } catch {
    throw notAuthorized(Messages.badAccessToken);
  }
  const k = poolKey(db, poolId);
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(token, k.publicKey, { currentDate: new Date(env.clock.now()), algorithms: ["RS256"] }));
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_JWT_EXPIRED") throw notAuthorized("Access Token has expired");
    throw notAuthorized(Messages.badAccessToken);
  }
  if (claims.token_use !== "access") throw notAuthorized(Messages.badAccessToken);
  if (scopeNeeded && !String(claims.scope ?? "").split(" ").includes(scopeNeeded)) throw notAuthorized("Access Token does not have required scopes");
  const origin = claims.origin_jti as string | undefined;
  const session = origin ? (db.s.sessionGet!.get(origin) as SessionRow | undefined) : undefined;
  if (session?.revoked) throw notAuthorized(Messages.revokedAccessToken);
  return { poolId, claims, session };
}

/** The pool's JWKS document. */
export function jwks(db: CognitoStore, pool: PoolDoc): { keys: Array<Record<string, unknown>> } {
  return { keys: [poolKey(db, pool.Id).publicJwk] };
}
