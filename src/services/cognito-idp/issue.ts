/**
 * Issuing tokens for a sign-in: ID and access JWTs with AWS's claims (after the PreTokenGeneration trigger,
 * V1 `claimsOverrideDetails` or V2 `claimsAndScopeOverrideDetails`), and a refresh token that starts a session
 * row (its origin_jti is in every token it leads to, so revoking the session revokes them all).
 */
import type * as C from "../../aws/api/cognito-idp.js";
import type { RequestContext } from "../../edge/context.js";
import { ADMIN_SCOPE } from "./constants.js";
import type { ClientDoc, Core, PoolDoc, User } from "./core.js";
import { tokenSeconds } from "./pools.js";
import type { SessionRow } from "./store.js";
import { hashToken, issuerOf, signToken } from "./tokens.js";
import { triggerAttributes, type Triggers } from "./triggers.js";

/** Claims Cognito reserves: a PreTokenGeneration function may not add, change or suppress them. */
const RESERVED = new Set(["acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use", "client_id", "scope", "username", "event_id"]);

interface Overrides { add?: Record<string, unknown>; suppress?: string[] }
interface Override { id: Overrides; access: Overrides & { scopesAdd?: string[]; scopesSuppress?: string[] }; groups?: string[]; roles?: string[]; preferredRole?: string }

function applyClaims(claims: Record<string, unknown>, o: Overrides): void {
  for (const [k, v] of Object.entries(o.add ?? {})) if (!RESERVED.has(k)) claims[k] = v;
  for (const k of o.suppress ?? []) if (!RESERVED.has(k)) delete claims[k];
}

/** An attribute's value as an ID token claim (the *_verified flags are booleans). */
function claimValue(name: string, v: string): unknown {
  if (name === "email_verified" || name === "phone_number_verified") return v === "true";
  if (name === "updated_at" && /^\d+$/.test(v)) return Number(v);
  return v;
}

export async function issueTokens(
  ctx: RequestContext, core: Core, triggers: Triggers, pool: PoolDoc, client: ClientDoc, u: User,
  source: string, meta: Record<string, string> | undefined, session?: SessionRow,
): Promise<C.AuthenticationResult> {
  const now = core.env.clock.now();
  const iat = Math.floor(now / 1000);
  const groups = core.groupsOf(pool, u).sort((a, b) => (a.Precedence ?? Infinity) - (b.Precedence ?? Infinity) || a.GroupName.localeCompare(b.GroupName));
  let groupNames = groups.map((g) => g.GroupName);
  let roles = groups.map((g) => g.RoleArn).filter((r): r is string => !!r);
  let preferredRole = roles[0];
  const o = await preTokenGeneration(ctx, triggers, pool, client, u, source, meta, groupNames, roles);
  if (o?.groups) groupNames = o.groups;
  if (o?.roles) roles = o.roles;
  if (o?.preferredRole) preferredRole = o.preferredRole;

  const originJti = session?.origin_jti ?? core.env.ids.uuid();
  const authTime = session?.auth_time ?? iat;
  const eventId = core.env.ids.uuid();
  const iss = issuerOf(ctx.endpoint, pool.Id);

  const id: Record<string, unknown> = { sub: u.sub };
  if (groupNames.length) id["cognito:groups"] = groupNames;
  if (roles.length) {
    id["cognito:preferred_role"] = preferredRole;
    id["cognito:roles"] = roles;
  }
  Object.assign(id, { iss, "cognito:username": u.username, origin_jti: originJti, aud: client.ClientId, event_id: eventId, token_use: "id", auth_time: authTime });
  for (const [k, v] of Object.entries(u.attrs)) if (!(k in id)) id[k] = claimValue(k, v);
  id.jti = core.env.ids.uuid();
  if (o) applyClaims(id, o.id);

  let scopes = [ADMIN_SCOPE];
  if (o?.access.scopesAdd) scopes.push(...o.access.scopesAdd.filter((s) => !scopes.includes(s)));
  if (o?.access.scopesSuppress) scopes = scopes.filter((s) => !o.access.scopesSuppress!.includes(s));
  const access: Record<string, unknown> = { sub: u.sub };
  if (groupNames.length) access["cognito:groups"] = groupNames;
  Object.assign(access, { iss, client_id: client.ClientId, origin_jti: originJti, event_id: eventId, token_use: "access", scope: scopes.join(" "), auth_time: authTime, jti: core.env.ids.uuid(), username: u.username });
  if (o) applyClaims(access, o.access);

  const accessSeconds = tokenSeconds(client, "AccessToken");
  const result: C.AuthenticationResult = {
    AccessToken: await signToken(core.db, pool.Id, access, iat, iat + accessSeconds),
    ExpiresIn: accessSeconds,
    TokenType: "Bearer",
    IdToken: await signToken(core.db, pool.Id, id, iat, iat + tokenSeconds(client, "IdToken")),
  };
  if (!session) {
    const refresh = `${core.env.ids.hex(32)}.${core.env.ids.hex(64)}`;
    core.db.s.sessionPut!.run({ origin_jti: originJti, pool_id: pool.Id, username: u.username, client_id: client.ClientId, refresh_hash: hashToken(refresh), auth_time: authTime, expires: now + tokenSeconds(client, "RefreshToken") * 1000 });
    result.RefreshToken = refresh;
  }
  return result;
}

async function preTokenGeneration(
  ctx: RequestContext, triggers: Triggers, pool: PoolDoc, client: ClientDoc, u: User, source: string, meta: Record<string, string> | undefined, groups: string[], roles: string[],
): Promise<Override | undefined> {
  const r = await triggers.run(ctx, pool, "PreTokenGeneration", u.username, {
    source, clientId: client.ClientId,
    request: { userAttributes: triggerAttributes(u), groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: roles, preferredRole: roles[0] ?? null }, clientMetadata: meta ?? {}, ...(pool.LambdaConfig?.PreTokenGenerationConfig?.LambdaVersion && pool.LambdaConfig.PreTokenGenerationConfig.LambdaVersion !== "V1_0" ? { scopes: [ADMIN_SCOPE] } : {}) },
    response: { claimsOverrideDetails: null },
  });
  if (!r) return undefined;
  type G = { groupsToOverride?: string[]; iamRolesToOverride?: string[]; preferredRole?: string };
  const v1 = r.claimsOverrideDetails as ({ claimsToAddOrOverride?: Record<string, unknown>; claimsToSuppress?: string[]; groupOverrideDetails?: G } | null | undefined);
  const v2 = r.claimsAndScopeOverrideDetails as ({
    idTokenGeneration?: { claimsToAddOrOverride?: Record<string, unknown>; claimsToSuppress?: string[] };
    accessTokenGeneration?: { claimsToAddOrOverride?: Record<string, unknown>; claimsToSuppress?: string[]; scopesToAdd?: string[]; scopesToSuppress?: string[] };
    groupOverrideDetails?: G;
  } | null | undefined);
  if (v2) {
    return {
      id: { add: v2.idTokenGeneration?.claimsToAddOrOverride, suppress: v2.idTokenGeneration?.claimsToSuppress },
      access: { add: v2.accessTokenGeneration?.claimsToAddOrOverride, suppress: v2.accessTokenGeneration?.claimsToSuppress, scopesAdd: v2.accessTokenGeneration?.scopesToAdd, scopesSuppress: v2.accessTokenGeneration?.scopesToSuppress },
      groups: v2.groupOverrideDetails?.groupsToOverride, roles: v2.groupOverrideDetails?.iamRolesToOverride, preferredRole: v2.groupOverrideDetails?.preferredRole,
    };
  }
  if (v1) {
    // V1 overrides change the ID token only (the access token keeps its claims), as AWS documents.
    return { id: { add: v1.claimsToAddOrOverride, suppress: v1.claimsToSuppress }, access: {}, groups: v1.groupOverrideDetails?.groupsToOverride, roles: v1.groupOverrideDetails?.iamRolesToOverride, preferredRole: v1.groupOverrideDetails?.preferredRole };
  }
  return undefined;
}
