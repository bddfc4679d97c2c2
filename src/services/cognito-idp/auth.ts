/**
 * Sign-in: InitiateAuth/AdminInitiateAuth with USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH),
 * USER_SRP_AUTH (srp.ts) and REFRESH_TOKEN_AUTH (REFRESH_TOKEN), and the challenges PASSWORD_VERIFIER and
 * NEW_PASSWORD_REQUIRED through RespondToAuthChallenge/AdminRespondToAuthChallenge. The client's explicit auth
 * flows are enforced; PreAuthentication and PostAuthentication triggers run around the password check.
 */
import type * as C from "../../aws/api/cognito-idp.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import { Limits, Messages } from "./constants.js";
import { invalidParameter, notAuthorized, type ClientDoc, type PoolDoc, type User } from "./core.js";
import { issueTokens } from "./issue.js";
import { checkPassword, claimSignature, parseA, sameSignature, serverB, sessionKey, SRP_TIMESTAMP } from "./srp.js";
import type { ChallengeRow, SessionRow } from "./store.js";
import { hashToken } from "./tokens.js";
import { triggerAttributes } from "./triggers.js";
import { UserOperations } from "./users.js";

type Flow = "password" | "admin-password" | "srp" | "refresh";
const FLOWS: Record<string, { flow: Flow; allow: string[]; admin?: boolean }> = {
  USER_PASSWORD_AUTH: { flow: "password", allow: ["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"] },
  USER_SRP_AUTH: { flow: "srp", allow: ["ALLOW_USER_SRP_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH_FLOW_ONLY"] },
  REFRESH_TOKEN_AUTH: { flow: "refresh", allow: ["ALLOW_REFRESH_TOKEN_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH_FLOW_ONLY"] },
  REFRESH_TOKEN: { flow: "refresh", allow: ["ALLOW_REFRESH_TOKEN_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH_FLOW_ONLY"] },
  ADMIN_USER_PASSWORD_AUTH: { flow: "admin-password", allow: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"], admin: true },
  ADMIN_NO_SRP_AUTH: { flow: "admin-password", allow: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"], admin: true },
};

interface AuthCall { ctx: RequestContext; pool: PoolDoc; client: ClientDoc; params: Record<string, string>; meta?: Record<string, string>; admin: boolean }

export class AuthOperations extends UserOperations {
  InitiateAuth(ctx: RequestContext, input: C.InitiateAuthInput): Promise<C.InitiateAuthOutput> {
    const client = this.core.client(input.ClientId);
    return this.initiate({ ctx, pool: this.core.pool(client.UserPoolId), client, params: input.AuthParameters ?? {}, meta: input.ClientMetadata, admin: false }, input.AuthFlow);
  }

  AdminInitiateAuth(ctx: RequestContext, input: C.AdminInitiateAuthInput): Promise<C.AdminInitiateAuthOutput> {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const client = this.core.client(input.ClientId, pool.Id);
    return this.initiate({ ctx, pool, client, params: input.AuthParameters ?? {}, meta: input.ClientMetadata, admin: true }, input.AuthFlow);
  }

  RespondToAuthChallenge(ctx: RequestContext, input: C.RespondToAuthChallengeInput): Promise<C.RespondToAuthChallengeOutput> {
    const client = this.core.client(input.ClientId);
    return this.respond({ ctx, pool: this.core.pool(client.UserPoolId), client, params: input.ChallengeResponses ?? {}, meta: input.ClientMetadata, admin: false }, input.ChallengeName, input.Session);
  }

  AdminRespondToAuthChallenge(ctx: RequestContext, input: C.AdminRespondToAuthChallengeInput): Promise<C.AdminRespondToAuthChallengeOutput> {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const client = this.core.client(input.ClientId, pool.Id);
    return this.respond({ ctx, pool, client, params: input.ChallengeResponses ?? {}, meta: input.ClientMetadata, admin: true }, input.ChallengeName, input.Session);
  }

  private async initiate(call: AuthCall, authFlow: string): Promise<C.InitiateAuthOutput> {
    const spec = FLOWS[authFlow];
    if (!spec || spec.admin !== undefined && spec.admin !== call.admin) {
      if (authFlow === "CUSTOM_AUTH" || authFlow === "USER_AUTH") throw invalidParameter(authFlow === "CUSTOM_AUTH" ? "Custom auth lambda trigger is not configured for the user pool." : `${authFlow} is not supported by Skyport yet.`);
      throw invalidParameter("Initiate Auth method not supported.");
    }
    const flows = call.client.ExplicitAuthFlows ?? [];
    if (!spec.allow.some((f) => flows.includes(f))) throw invalidParameter(spec.flow === "password" ? "USER_PASSWORD_AUTH flow not enabled for this client" : spec.flow === "srp" ? "USER_SRP_AUTH is not enabled for the client." : spec.flow === "refresh" ? "Refresh Token flow not enabled for this client" : "Auth flow not enabled for this client");
    if (spec.flow === "refresh") return this.refresh(call);
    const username = required(call.params, "USERNAME");
    this.core.checkSecretHash(call.client, username, call.params.SECRET_HASH);
    const u = this.signInUser(call, username);
    if (spec.flow === "srp") return this.startSrp(call, u);
    const password = required(call.params, "PASSWORD");
    await this.preAuthentication(call, u);
    if (!u.secret || !checkPassword(call.pool.Id, u.username, password, u.secret)) throw notAuthorized(Messages.badCredentials);
    return this.afterPassword(call, u);
  }

  /** The user signing in; not-found errors depend on the client's PreventUserExistenceErrors. */
  private signInUser(call: AuthCall, username: string): User {
    const u = this.core.findUser(call.pool, username);
    if (u) return u;
    if (call.client.PreventUserExistenceErrors === "ENABLED") throw notAuthorized(Messages.badCredentials);
    throw new ServiceError("UserNotFoundException", Messages.userMissing);
  }

  private async preAuthentication(call: AuthCall, u: User): Promise<void> {
    await this.triggers.run(call.ctx, call.pool, "PreAuthentication", u.username, {
      source: "PreAuthentication_Authentication", clientId: call.client.ClientId,
      request: { userAttributes: triggerAttributes(u), validationData: call.meta ?? {}, userNotFound: false },
    });
  }

  /** What follows a correct password: the user's state decides between tokens, a challenge or an error. */
  private async afterPassword(call: AuthCall, u: User): Promise<C.InitiateAuthOutput> {
    if (!u.enabled) throw notAuthorized(Messages.userDisabled);
    if (u.status === "UNCONFIRMED") throw new ServiceError("UserNotConfirmedException", Messages.userNotConfirmed);
    if (u.status === "RESET_REQUIRED") throw new ServiceError("PasswordResetRequiredException", "Password reset required for the user");
    if (u.status === "FORCE_CHANGE_PASSWORD") {
      if (u.extra.tempExpires !== undefined && u.extra.tempExpires < this.core.env.clock.now()) throw notAuthorized("Temporary password has expired and must be reset by an administrator.");
      const attrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(u.attrs)) if (k !== "email_verified" && k !== "phone_number_verified") attrs[k] = v;
      const required = [...this.core.schemaOf(call.pool).values()].filter((a) => a.Required && a.Name !== "sub" && !u.attrs[a.Name!]).map((a) => `userAttributes.${a.Name}`);
      return {
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: this.newChallenge(call, u, "NEW_PASSWORD_REQUIRED", {}),
        ChallengeParameters: { USER_ID_FOR_SRP: u.username, requiredAttributes: JSON.stringify(required), userAttributes: JSON.stringify(attrs) },
      };
    }
    return this.signedIn(call, u, "TokenGeneration_Authentication");
  }

  private async signedIn(call: AuthCall, u: User, source: string): Promise<C.InitiateAuthOutput> {
    await this.triggers.run(call.ctx, call.pool, "PostAuthentication", u.username, {
      source: "PostAuthentication_Authentication", clientId: call.client.ClientId,
      request: { userAttributes: triggerAttributes(u), newDeviceUsed: false, clientMetadata: call.meta ?? {} },
    });
    return { ChallengeParameters: {}, AuthenticationResult: await issueTokens(call.ctx, this.core, this.triggers, call.pool, call.client, u, source, call.meta) };
  }

  private newChallenge(call: AuthCall, u: User, kind: string, data: Record<string, string>, session = Buffer.from(this.core.env.ids.hex(96), "hex").toString("base64")): string {
    const now = this.core.env.clock.now();
    this.core.db.s.challengesDeleteExpired!.run(now);
    const ttl = Math.min(Math.max((call.client.AuthSessionValidity ?? 3) * 60_000, 60_000), 15 * 60_000) || Limits.AUTH_SESSION_TTL_MS;
    this.core.db.s.challengePut!.run({ session, pool_id: call.pool.Id, client_id: call.client.ClientId, username: u.username, kind, data: JSON.stringify(data), expires: now + ttl });
    return session;
  }

  private takeChallenge(call: AuthCall, session: string | undefined, kind: string): { row: ChallengeRow; user: User } {
    const row = session ? (this.core.db.s.challengeGet!.get(session) as ChallengeRow | undefined) : undefined;
    if (!row || row.kind !== kind || row.client_id !== call.client.ClientId || row.expires < this.core.env.clock.now()) throw notAuthorized("Invalid session for the user, session is expired.");
    this.core.db.s.challengeDelete!.run(session);
    const user = this.core.findUser(call.pool, row.username);
    if (!user) throw new ServiceError("UserNotFoundException", Messages.userMissing);
    return { row, user };
  }

  private startSrp(call: AuthCall, u: User): C.InitiateAuthOutput {
    const A = parseA(required(call.params, "SRP_A"));
    if (A === undefined) throw invalidParameter("SRP_A is not valid.");
    if (!u.secret) throw notAuthorized(Messages.badCredentials);
    const { b, B } = serverB(u.secret.verifier);
    // The secret block stands for the server's state (AWS encrypts it); here it is the key of the stored challenge.
    const secretBlock = Buffer.from(this.core.env.ids.hex(64), "hex").toString("base64");
    this.newChallenge(call, u, "PASSWORD_VERIFIER", { A: A.toString(16), b, B }, secretBlock);
    return { ChallengeName: "PASSWORD_VERIFIER", ChallengeParameters: { SALT: u.secret.salt, SECRET_BLOCK: secretBlock, SRP_B: B, USERNAME: u.username, USER_ID_FOR_SRP: u.username } };
  }

  private async respond(call: AuthCall, name: string, session: string | undefined): Promise<C.RespondToAuthChallengeOutput> {
    const p = call.params;
    if (name === "PASSWORD_VERIFIER") {
      const { row, user } = this.takeChallenge(call, required(p, "PASSWORD_CLAIM_SECRET_BLOCK"), "PASSWORD_VERIFIER");
      this.core.checkSecretHash(call.client, p.USERNAME ?? user.username, p.SECRET_HASH);
      const timestamp = required(p, "TIMESTAMP");
      if (!SRP_TIMESTAMP.test(timestamp)) throw invalidParameter("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.");
      const data = JSON.parse(row.data) as { A: string; b: string; B: string };
      await this.preAuthentication(call, user);
      const key = sessionKey(BigInt(`0x${data.A}`), data.b, data.B, user.secret!.verifier);
      const want = claimSignature(key, call.pool.Id, user.username, row.session, timestamp);
      if (!sameSignature(want, required(p, "PASSWORD_CLAIM_SIGNATURE"))) throw notAuthorized(Messages.badCredentials);
      return this.afterPassword(call, user);
    }
    if (name === "NEW_PASSWORD_REQUIRED") {
      const { user } = this.takeChallenge(call, session, "NEW_PASSWORD_REQUIRED");
      this.core.checkSecretHash(call.client, p.USERNAME ?? user.username, p.SECRET_HASH);
      const password = required(p, "NEW_PASSWORD");
      this.core.checkPassword(call.pool, password);
      const attrs = Object.entries(p).filter(([k]) => k.startsWith("userAttributes.")).map(([k, v]) => ({ Name: k.slice("userAttributes.".length), Value: v }));
      Object.assign(user.attrs, this.core.checkAttributes(call.pool, attrs, { creating: user.attrs }));
      this.setPassword(call.pool, user, password);
      user.status = "CONFIRMED";
      delete user.extra.tempExpires;
      this.core.saveUser(user);
      return this.signedIn(call, user, "TokenGeneration_NewPasswordChallenge");
    }
    throw invalidParameter(`${name} is not a challenge Skyport supports.`);
  }

  private async refresh(call: AuthCall): Promise<C.InitiateAuthOutput> {
    const token = required(call.params, "REFRESH_TOKEN");
    const s = this.core.db.s.sessionByRefresh!.get(hashToken(token)) as SessionRow | undefined;
    if (!s || s.client_id !== call.client.ClientId || s.pool_id !== call.pool.Id) throw notAuthorized(Messages.badRefresh);
    if (s.revoked) throw notAuthorized("Refresh Token has been revoked");
    if (s.expires < this.core.env.clock.now()) throw notAuthorized("Refresh Token has expired");
    this.core.checkSecretHash(call.client, call.params.USERNAME ?? s.username, call.params.SECRET_HASH);
    const u = this.core.findUser(call.pool, s.username);
    if (!u) throw notAuthorized(Messages.badRefresh);
    if (!u.enabled) throw notAuthorized(Messages.userDisabled);
    return { ChallengeParameters: {}, AuthenticationResult: await issueTokens(call.ctx, this.core, this.triggers, call.pool, call.client, u, "TokenGeneration_RefreshTokens", call.meta, s) };
  }

  /** RevokeToken: ends the refresh token's session (and the tokens it led to). */
  RevokeToken(_ctx: RequestContext, input: C.RevokeTokenInput): C.RevokeTokenOutput {
    const client = this.core.client(input.ClientId);
    if (client.ClientSecret && input.ClientSecret !== client.ClientSecret) throw notAuthorized(`Client ${client.ClientId} is configured for secret but secret was not received`);
    const s = this.core.db.s.sessionByRefresh!.get(hashToken(input.Token)) as SessionRow | undefined;
    if (s && s.client_id === client.ClientId) this.core.db.s.sessionRevoke!.run(s.origin_jti);
    return {};
  }
}

function required(params: Record<string, string>, name: string): string {
  const v = params[name];
  if (!v) throw invalidParameter(`Missing required parameter ${name}`);
  return v;
}
