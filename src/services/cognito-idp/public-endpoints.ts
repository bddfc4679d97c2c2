/**
 * The pool's public, unsigned endpoints, served on the main port (data-planes.ts routes them here):
 *   GET  /{poolId}/.well-known/jwks.json            the pool's signing keys
 *   GET  /{poolId}/.well-known/openid-configuration  OpenID discovery
 *   POST /oauth2/token    client_credentials (custom scopes of resource servers) and refresh_token grants
 *   GET  /oauth2/userInfo the signed-in user's attributes, for an access token with the openid/admin scope
 * On AWS the OAuth endpoints live on the pool's domain (DOMAIN.auth.REGION.amazoncognito.com); here the
 * client id names the pool. Errors are OAuth's ({"error": "invalid_client"}, ...).
 */
import type { HttpRequest, HttpResponse } from "../../aws/protocol/types.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ClientDoc, Core } from "./core.js";
import { tokenSeconds } from "./pools.js";
import { issuerOf, jwks, signToken, verifyAccessToken } from "./tokens.js";
import { issueTokens } from "./issue.js";
import type { Triggers } from "./triggers.js";
import type { SessionRow } from "./store.js";
import { hashToken } from "./tokens.js";
import { timingSafeEqual } from "node:crypto";

export const WELL_KNOWN = /^\/([a-z]{2}(?:-[a-z]+)+-\d_[0-9A-Za-z]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;
export const OAUTH_PATHS = new Set(["/oauth2/token", "/oauth2/userInfo", "/oauth2/userinfo"]);

const json = (status: number, body: unknown, extra: Record<string, string> = {}): HttpResponse => ({
  status, headers: { "Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store", ...extra }, body: JSON.stringify(body),
});
const oauthError = (error: string, status = 400) => json(status, { error });

export async function handlePublic(core: Core, triggers: Triggers, req: HttpRequest, endpoint: string, ctxBase: Omit<RequestContext, "service" | "operation">): Promise<HttpResponse | undefined> {
  const wk = WELL_KNOWN.exec(req.path);
  if (wk) {
    if (req.method !== "GET" && req.method !== "HEAD") return json(405, { message: "Method Not Allowed" });
    let pool;
    try {
      pool = core.pool(wk[1]);
    } catch {
      return json(404, { message: `User pool ${wk[1]} does not exist.` });
    }
    if (wk[2] === "jwks.json") return json(200, jwks(core.db, pool), { "Cache-Control": "max-age=3600" });
    const iss = issuerOf(endpoint, pool.Id);
    return json(200, {
      authorization_endpoint: `${endpoint}/oauth2/authorize`,
      id_token_signing_alg_values_supported: ["RS256"],
      issuer: iss,
      jwks_uri: `${iss}/.well-known/jwks.json`,
      response_types_supported: ["code", "token"],
      scopes_supported: ["openid", "email", "phone", "profile"],
      subject_types_supported: ["public"],
      token_endpoint: `${endpoint}/oauth2/token`,
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      userinfo_endpoint: `${endpoint}/oauth2/userInfo`,
    });
  }
  if (req.path === "/oauth2/token") {
    if (req.method !== "POST") return json(405, { error: "invalid_request" });
    return token(core, triggers, req, { ...ctxBase, service: "cognito-idp", operation: "oauth2/token" });
  }
  if (OAUTH_PATHS.has(req.path)) return userInfo(core, req);
  return undefined;
}

/** Client authentication: HTTP Basic (client_secret_basic) or client_id/client_secret in the form. */
function authenticateClient(core: Core, req: HttpRequest, form: URLSearchParams): ClientDoc | HttpResponse {
  let id = form.get("client_id") ?? undefined;
  let secret = form.get("client_secret") ?? undefined;
  const auth = req.headers.authorization;
  if (typeof auth === "string" && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return oauthError("invalid_client", 401);
    id = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  let client: ClientDoc;
  try {
    client = core.client(id);
  } catch {
    return oauthError("invalid_client", 401);
  }
  if (client.ClientSecret) {
    const a = Buffer.from(secret ?? "");
    const b = Buffer.from(client.ClientSecret);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return oauthError("invalid_client", 401);
  }
  return client;
}

async function token(core: Core, triggers: Triggers, req: HttpRequest, ctx: RequestContext): Promise<HttpResponse> {
  const form = new URLSearchParams(req.body.toString("utf8"));
  const grant = form.get("grant_type");
  if (!grant) return oauthError("invalid_request");
  const client = authenticateClient(core, req, form);
  if ("status" in client) return client;
  const pool = core.pool(client.UserPoolId);
  const now = core.env.clock.now();
  const iat = Math.floor(now / 1000);
  if (grant === "client_credentials") {
    if (!client.ClientSecret || !client.AllowedOAuthFlowsUserPoolClient || !client.AllowedOAuthFlows?.includes("client_credentials")) return oauthError("unauthorized_client");
    const allowed = (client.AllowedOAuthScopes ?? []).filter((s) => s.includes("/"));
    const asked = form.get("scope")?.split(/\s+/).filter(Boolean) ?? allowed;
    if (!asked.length || asked.some((s) => !allowed.includes(s))) return oauthError("invalid_scope");
    const seconds = tokenSeconds(client, "AccessToken");
    const access = await signToken(core.db, pool.Id, {
      sub: client.ClientId, token_use: "access", scope: asked.join(" "), auth_time: iat, iss: issuerOf(ctx.endpoint, pool.Id), version: 2, jti: core.env.ids.uuid(), client_id: client.ClientId,
    }, iat, iat + seconds);
    return json(200, { access_token: access, expires_in: seconds, token_type: "Bearer" });
  }
  if (grant === "refresh_token") {
    const s = core.db.s.sessionByRefresh!.get(hashToken(form.get("refresh_token") ?? "")) as SessionRow | undefined;
    if (!s || s.revoked || s.expires < now || s.client_id !== client.ClientId) return oauthError("invalid_grant");
    const u = core.findUser(pool, s.username);
    if (!u || !u.enabled) return oauthError("invalid_grant");
    try {
      const r = await issueTokens(ctx, core, triggers, pool, client, u, "TokenGeneration_RefreshTokens", undefined, s);
      return json(200, { id_token: r.IdToken, access_token: r.AccessToken, expires_in: r.ExpiresIn, token_type: "Bearer" });
    } catch (e) {
      if (e instanceof ServiceError) return oauthError("invalid_request");
      throw e;
    }
  }
  return oauthError("unsupported_grant_type");
}

async function userInfo(core: Core, req: HttpRequest): Promise<HttpResponse> {
  const auth = req.headers.authorization;
  const bearer = typeof auth === "string" && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
  const unauthorized = json(401, { error: "invalid_token", error_description: "Access token is missing or invalid" }, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
  try {
    const { poolId, claims } = await verifyAccessToken(core.db, core.env, bearer);
    const scopes = String(claims.scope ?? "").split(" ");
    if (!scopes.includes("openid") && !scopes.includes("aws.cognito.signin.user.admin")) return unauthorized;
    const u = core.findUser(core.pool(poolId), String(claims.username ?? ""));
    if (!u) return unauthorized;
    return json(200, { sub: u.sub, ...u.attrs, username: u.username });
  } catch (e) {
    if (e instanceof ServiceError) return unauthorized;
    throw e;
  }
}
