/**
 * Users: sign-up and confirmation, the Admin* user operations, password changes and resets, the
 * self-service calls authorised by an access token, and group membership. Codes and temporary passwords go
 * to the server log (Core.newCode), as Skyport sends no email or SMS.
 */
import type * as C from "../../aws/api/cognito-idp.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import { ADMIN_SCOPE, Limits, Messages } from "./constants.js";
import { attributeList, invalidParameter, notAuthorized, toUser, userNotFound, userType, type Core, type PoolDoc, type User } from "./core.js";
import { matchesFilter, parseFilter } from "./filter.js";
import { PoolOperations } from "./pools.js";
import { checkPassword, makeVerifier } from "./srp.js";
import { verifyAccessToken } from "./tokens.js";
import { triggerAttributes, Triggers } from "./triggers.js";

const EMAIL = /^[^@\s]+@[^@\s]+$/;
const PHONE = /^\+[0-9]{4,20}$/;

export class UserOperations extends PoolOperations {
  protected readonly triggers: Triggers;

  constructor(core: Core) {
    super(core);
    this.triggers = new Triggers(core);
  }

  protected setPassword(pool: PoolDoc, u: User, password: string): void {
    u.secret = makeVerifier(pool.Id, u.username, password);
  }

  /** Sends (logs) a code, through the CustomMessage trigger when the pool has one. */
  protected async sendCode(ctx: RequestContext, pool: PoolDoc, u: User, purpose: string, source: string, what: string, clientId?: string, meta?: Record<string, string>) {
    const ttl = purpose === "reset" ? Limits.RESET_CODE_TTL_MS : Limits.CONFIRMATION_CODE_TTL_MS;
    const code = this.core.newCode(pool, u, purpose, ttl, what);
    const custom = await this.triggers.run(ctx, pool, "CustomMessage", u.username, {
      source, clientId,
      request: { userAttributes: triggerAttributes(u), codeParameter: "{####}", linkParameter: "{##Click Here##}", usernameParameter: null, clientMetadata: meta ?? {} },
      response: { smsMessage: null, emailMessage: null, emailSubject: null },
    });
    if (custom?.emailMessage || custom?.smsMessage) {
      const text = String(custom.emailMessage ?? custom.smsMessage).replace("{####}", code.value);
      this.core.env.log.info(`cognito: custom message for ${u.username} in ${pool.Id}: ${text}`);
    }
    return this.core.delivery(u);
  }

  /** Email and phone start unverified unless the caller says otherwise (ID tokens then carry email_verified: false). */
  private withVerifiedFlags(attrs: Record<string, string>): Record<string, string> {
    if (attrs.email !== undefined && attrs.email_verified === undefined) attrs.email_verified = "false";
    if (attrs.phone_number !== undefined && attrs.phone_number_verified === undefined) attrs.phone_number_verified = "false";
    return attrs;
  }

  private newUser(pool: PoolDoc, username: string, status: string): User {
    const now = this.core.env.clock.now();
    // With email/phone as username, the username Cognito makes is the user's sub.
    const sub = pool.UsernameAttributes?.length ? username : this.core.env.ids.uuid();
    return { poolId: pool.Id, username, ukey: this.core.ukey(pool, username), sub, status, enabled: true, created: now, modified: now, attrs: {}, secret: null, extra: {} };
  }

  /** The stored username for a requested one: a new UUID when the pool signs in with email/phone as username. */
  private usernameFor(pool: PoolDoc, requested: string): { username: string; implied: Record<string, string> } {
    const ua = pool.UsernameAttributes ?? [];
    if (!ua.length) {
      if (EMAIL.test(requested) && pool.AliasAttributes?.includes("email")) throw invalidParameter("Username cannot be of email format, since user pool is configured for email alias.");
      return { username: requested, implied: {} };
    }
    if (ua.includes("email") && EMAIL.test(requested)) return { username: this.core.env.ids.uuid(), implied: { email: requested } };
    if (ua.includes("phone_number") && PHONE.test(requested)) return { username: this.core.env.ids.uuid(), implied: { phone_number: requested } };
    throw invalidParameter(ua.includes("email") ? "Username should be an email." : "Username should be a phone number.");
  }

  private exists(pool: PoolDoc, username: string, implied: Record<string, string>, message: string): void {
    if (this.core.findUser(pool, username)) throw new ServiceError("UsernameExistsException", message);
    for (const [attr, v] of Object.entries(implied)) {
      if (this.core.findUser(pool, v)) throw new ServiceError("UsernameExistsException", `An account with the given ${attr === "email" ? "email" : "phone_number"} already exists.`);
    }
  }

  async SignUp(ctx: RequestContext, input: C.SignUpInput): Promise<C.SignUpOutput> {
    const client = this.core.client(input.ClientId);
    const pool = this.core.pool(client.UserPoolId);
    this.core.checkSecretHash(client, input.Username, input.SecretHash);
    if (pool.AdminCreateUserConfig?.AllowAdminCreateUserOnly) throw notAuthorized("SignUp is not permitted for this user pool");
    const { username, implied } = this.usernameFor(pool, input.Username);
    this.exists(pool, username, implied, Messages.userExists);
    this.core.checkPassword(pool, input.Password);
    const attrs = this.core.checkAttributes(pool, input.UserAttributes, { creating: implied });
    const u = this.newUser(pool, username, "UNCONFIRMED");
    u.attrs = this.withVerifiedFlags({ ...implied, ...attrs });
    this.setPassword(pool, u, input.Password);
    const pre = await this.triggers.run(ctx, pool, "PreSignUp", u.username, {
      source: "PreSignUp_SignUp", clientId: client.ClientId,
      request: { userAttributes: triggerAttributes(u, false), validationData: toMap(input.ValidationData), clientMetadata: input.ClientMetadata ?? {} },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
    if (pre?.autoVerifyEmail === true && u.attrs.email) u.attrs.email_verified = "true";
    if (pre?.autoVerifyPhone === true && u.attrs.phone_number) u.attrs.phone_number_verified = "true";
    let delivery: C.CodeDeliveryDetails | undefined;
    if (pre?.autoConfirmUser === true) u.status = "CONFIRMED";
    else delivery = await this.sendCode(ctx, pool, u, "signup", "CustomMessage_SignUp", "confirmation", client.ClientId, input.ClientMetadata);
    this.core.saveUser(u);
    return { UserConfirmed: u.status === "CONFIRMED", UserSub: u.sub, CodeDeliveryDetails: delivery };
  }

  private async confirm(ctx: RequestContext, pool: PoolDoc, u: User, clientId: string | undefined, meta: Record<string, string> | undefined, withCode: boolean): Promise<void> {
    u.status = "CONFIRMED";
    // A code went to the auto-verified attribute: confirming with it proves the user owns it (AdminConfirmSignUp verifies nothing).
    const auto = withCode ? pool.AutoVerifiedAttributes ?? [] : [];
    if (auto.includes("email") && u.attrs.email) u.attrs.email_verified = "true";
    else if (auto.includes("phone_number") && u.attrs.phone_number) u.attrs.phone_number_verified = "true";
    await this.triggers.run(ctx, pool, "PostConfirmation", u.username, { source: "PostConfirmation_ConfirmSignUp", clientId, request: { userAttributes: triggerAttributes(u), clientMetadata: meta ?? {} } });
    this.core.saveUser(u);
  }

  async ConfirmSignUp(ctx: RequestContext, input: C.ConfirmSignUpInput): Promise<C.ConfirmSignUpOutput> {
    const client = this.core.client(input.ClientId);
    const pool = this.core.pool(client.UserPoolId);
    this.core.checkSecretHash(client, input.Username, input.SecretHash);
    const u = this.core.user(pool, input.Username);
    if (u.status !== "UNCONFIRMED") throw notAuthorized(`User cannot be confirmed. Current status is ${u.status}`);
    this.core.useCode(u, "signup", input.ConfirmationCode);
    await this.confirm(ctx, pool, u, client.ClientId, input.ClientMetadata, true);
    return {};
  }

  async AdminConfirmSignUp(ctx: RequestContext, input: C.AdminConfirmSignUpInput): Promise<C.AdminConfirmSignUpOutput> {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    if (u.status !== "UNCONFIRMED") throw notAuthorized(`User cannot be confirmed. Current status is ${u.status}`);
    delete u.extra.code;
    await this.confirm(ctx, pool, u, undefined, input.ClientMetadata, false);
    return {};
  }

  async ResendConfirmationCode(ctx: RequestContext, input: C.ResendConfirmationCodeInput): Promise<C.ResendConfirmationCodeOutput> {
    const client = this.core.client(input.ClientId);
    const pool = this.core.pool(client.UserPoolId);
    this.core.checkSecretHash(client, input.Username, input.SecretHash);
    const u = this.core.user(pool, input.Username);
    if (u.status !== "UNCONFIRMED") throw invalidParameter("User is already confirmed.");
    const delivery = await this.sendCode(ctx, pool, u, "signup", "CustomMessage_ResendCode", "confirmation", client.ClientId, input.ClientMetadata);
    this.core.saveUser(u);
    return { CodeDeliveryDetails: delivery };
  }

  async ForgotPassword(ctx: RequestContext, input: C.ForgotPasswordInput): Promise<C.ForgotPasswordOutput> {
    const client = this.core.client(input.ClientId);
    const pool = this.core.pool(client.UserPoolId);
    this.core.checkSecretHash(client, input.Username, input.SecretHash);
    const u = this.core.user(pool, input.Username);
    if (u.status === "FORCE_CHANGE_PASSWORD") throw notAuthorized("User password cannot be reset in the current state.");
    if (u.attrs.email_verified !== "true" && u.attrs.phone_number_verified !== "true") throw invalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number");
    const delivery = await this.sendCode(ctx, pool, u, "reset", "CustomMessage_ForgotPassword", "password reset", client.ClientId, input.ClientMetadata);
    this.core.saveUser(u);
    return { CodeDeliveryDetails: delivery };
  }

  async ConfirmForgotPassword(ctx: RequestContext, input: C.ConfirmForgotPasswordInput): Promise<C.ConfirmForgotPasswordOutput> {
    const client = this.core.client(input.ClientId);
    const pool = this.core.pool(client.UserPoolId);
    this.core.checkSecretHash(client, input.Username, input.SecretHash);
    const u = this.core.user(pool, input.Username);
    this.core.useCode(u, "reset", input.ConfirmationCode);
    this.core.checkPassword(pool, input.Password);
    this.setPassword(pool, u, input.Password);
    if (u.status === "RESET_REQUIRED") u.status = "CONFIRMED";
    await this.triggers.run(ctx, pool, "PostConfirmation", u.username, { source: "PostConfirmation_ConfirmForgotPassword", clientId: client.ClientId, request: { userAttributes: triggerAttributes(u), clientMetadata: input.ClientMetadata ?? {} } });
    this.core.saveUser(u);
    return {};
  }

  // ---- admin user operations -----------------------------------------------------------------------------

  /** A temporary password that satisfies the pool's policy. */
  private temporaryPassword(pool: PoolDoc): string {
    const min = Math.max(pool.Policies?.PasswordPolicy?.MinimumLength ?? 8, 8);
    return `Tmp${this.core.env.ids.alnum(min)}1!`;
  }

  async AdminCreateUser(ctx: RequestContext, input: C.AdminCreateUserInput): Promise<C.AdminCreateUserOutput> {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    if (input.MessageAction === "RESEND") {
      const u = this.core.user(pool, input.Username);
      if (u.status !== "FORCE_CHANGE_PASSWORD") throw new ServiceError("UnsupportedUserStateException", "Resend not possible. " + u.username + " status is not FORCE_CHANGE_PASSWORD");
      const temp = input.TemporaryPassword ?? this.temporaryPassword(pool);
      this.setPassword(pool, u, temp);
      this.core.env.log.info(`cognito: temporary password for ${u.username} in ${pool.Id}: ${temp}`);
      this.core.saveUser(u);
      return { User: userType(u) };
    }
    const { username, implied } = this.usernameFor(pool, input.Username);
    this.exists(pool, username, implied, Messages.adminUserExists);
    if (input.TemporaryPassword !== undefined) this.core.checkPassword(pool, input.TemporaryPassword);
    const attrs = this.core.checkAttributes(pool, input.UserAttributes, { creating: implied, admin: true });
    const u = this.newUser(pool, username, "FORCE_CHANGE_PASSWORD");
    u.attrs = this.withVerifiedFlags({ ...implied, ...attrs });
    const temp = input.TemporaryPassword ?? this.temporaryPassword(pool);
    this.setPassword(pool, u, temp);
    u.extra.tempExpires = this.core.env.clock.now() + (pool.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays ?? 7) * 86400_000;
    await this.triggers.run(ctx, pool, "PreSignUp", u.username, {
      source: "PreSignUp_AdminCreateUser",
      request: { userAttributes: triggerAttributes(u, false), validationData: toMap(input.ValidationData), clientMetadata: input.ClientMetadata ?? {} },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
    if (input.MessageAction !== "SUPPRESS") this.core.env.log.info(`cognito: temporary password for ${u.username} in ${pool.Id}: ${temp}`);
    this.core.saveUser(u);
    return { User: userType(u) };
  }

  AdminGetUser(ctx: RequestContext, input: C.AdminGetUserInput): C.AdminGetUserOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    const t = userType(u);
    return { Username: t.Username, UserAttributes: t.Attributes, UserCreateDate: t.UserCreateDate, UserLastModifiedDate: t.UserLastModifiedDate, Enabled: t.Enabled, UserStatus: t.UserStatus, ...mfaOut(u) };
  }

  AdminDeleteUser(ctx: RequestContext, input: C.AdminDeleteUserInput): C.AdminDeleteUserOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    this.deleteUser(pool, this.core.user(pool, input.Username));
    return {};
  }

  private deleteUser(pool: PoolDoc, u: User): void {
    this.core.db.s.membersDeleteUser!.run(pool.Id, u.username);
    this.core.db.s.sessionsRevokeUser!.run(pool.Id, u.username);
    this.core.db.s.userDelete!.run(pool.Id, u.ukey);
  }

  private updateAttributes(pool: PoolDoc, u: User, attrs: C.UserAttributesShape, admin: boolean): void {
    const changes = this.core.checkAttributes(pool, attrs, { admin });
    for (const [k, v] of Object.entries(changes)) {
      if (k === "email" && v !== u.attrs.email && changes.email_verified === undefined) u.attrs.email_verified = "false";
      if (k === "phone_number" && v !== u.attrs.phone_number && changes.phone_number_verified === undefined) u.attrs.phone_number_verified = "false";
      u.attrs[k] = v;
    }
    this.core.saveUser(u);
  }

  AdminUpdateUserAttributes(ctx: RequestContext, input: C.AdminUpdateUserAttributesInput): C.AdminUpdateUserAttributesOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    this.updateAttributes(pool, this.core.user(pool, input.Username), input.UserAttributes, true);
    return {};
  }

  AdminDeleteUserAttributes(ctx: RequestContext, input: C.AdminDeleteUserAttributesInput): C.AdminDeleteUserAttributesOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    const schema = this.core.schemaOf(pool);
    for (const n of input.UserAttributeNames) {
      if (schema.get(n)?.Required) throw invalidParameter(`Attributes did not conform to the schema: ${n}: The attribute is required\n`);
      delete u.attrs[n];
    }
    this.core.saveUser(u);
    return {};
  }

  AdminSetUserPassword(ctx: RequestContext, input: C.AdminSetUserPasswordInput): C.AdminSetUserPasswordOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    this.core.checkPassword(pool, input.Password);
    this.setPassword(pool, u, input.Password);
    u.status = input.Permanent ? "CONFIRMED" : "FORCE_CHANGE_PASSWORD";
    this.core.saveUser(u);
    return {};
  }

  AdminResetUserPassword(ctx: RequestContext, input: C.AdminResetUserPasswordInput): Promise<C.AdminResetUserPasswordOutput> {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    u.status = "RESET_REQUIRED";
    return this.sendCode(ctx, pool, u, "reset", "CustomMessage_ForgotPassword", "password reset", undefined, input.ClientMetadata).then(() => {
      this.core.saveUser(u);
      return {};
    });
  }

  AdminDisableUser(ctx: RequestContext, input: C.AdminDisableUserInput): C.AdminDisableUserOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    u.enabled = false;
    this.core.saveUser(u);
    this.core.db.s.sessionsRevokeUser!.run(pool.Id, u.username);
    return {};
  }

  AdminEnableUser(ctx: RequestContext, input: C.AdminEnableUserInput): C.AdminEnableUserOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    u.enabled = true;
    this.core.saveUser(u);
    return {};
  }

  AdminUserGlobalSignOut(ctx: RequestContext, input: C.AdminUserGlobalSignOutInput): C.AdminUserGlobalSignOutOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    this.core.db.s.sessionsRevokeUser!.run(pool.Id, u.username);
    return {};
  }

  AdminSetUserMFAPreference(ctx: RequestContext, input: C.AdminSetUserMFAPreferenceInput): C.AdminSetUserMFAPreferenceOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    setMfa(u, input);
    this.core.saveUser(u);
    return {};
  }

  ListUsers(ctx: RequestContext, input: C.ListUsersInput): C.ListUsersOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const filter = parseFilter(input.Filter);
    const limit = input.Limit ?? Limits.MAX_USERS_PAGE;
    if (!Number.isInteger(limit) || limit < 0 || limit > Limits.MAX_USERS_PAGE) throw invalidParameter(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60`);
    const only = input.AttributesToGet ? new Set(input.AttributesToGet) : undefined;
    const users: ReturnType<typeof userType>[] = [];
    let last: string | undefined;
    let more = false;
    for (const row of this.core.db.s.userList!.iterate(pool.Id, input.PaginationToken ?? "") as Iterable<import("./store.js").UserRow>) {
      const u = toUser(row);
      if (filter && !matchesFilter(u, filter)) continue;
      if (users.length === limit) {
        more = true;
        break;
      }
      users.push(userType(u, only));
      last = u.ukey;
    }
    return { Users: users, PaginationToken: more ? last : undefined };
  }

  // ---- groups: membership --------------------------------------------------------------------------------

  AdminAddUserToGroup(ctx: RequestContext, input: C.AdminAddUserToGroupInput): C.AdminAddUserToGroupOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    this.group(pool.Id, input.GroupName);
    const u = this.core.user(pool, input.Username);
    this.core.db.s.memberAdd!.run(pool.Id, input.GroupName, u.username);
    return {};
  }

  AdminRemoveUserFromGroup(ctx: RequestContext, input: C.AdminRemoveUserFromGroupInput): C.AdminRemoveUserFromGroupOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    this.group(pool.Id, input.GroupName);
    const u = this.core.user(pool, input.Username);
    this.core.db.s.memberRemove!.run(pool.Id, input.GroupName, u.username);
    return {};
  }

  ListUsersInGroup(ctx: RequestContext, input: C.ListUsersInGroupInput): C.ListUsersInGroupOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    this.group(pool.Id, input.GroupName);
    const limit = input.Limit ?? Limits.MAX_USERS_PAGE;
    const rows = this.core.db.s.membersOfGroup!.all(pool.Id, input.GroupName, input.NextToken ?? "", limit + 1) as Array<{ username: string }>;
    const page = rows.slice(0, limit);
    const users = page.map((r) => this.core.findUser(pool, r.username)).filter((u): u is User => !!u).map((u) => userType(u));
    return { Users: users, NextToken: rows.length > limit ? page[page.length - 1]!.username : undefined };
  }

  AdminListGroupsForUser(ctx: RequestContext, input: C.AdminListGroupsForUserInput): C.AdminListGroupsForUserOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const u = this.core.user(pool, input.Username);
    const groups = this.core.groupsOf(pool, u);
    return { Groups: groups.map((g) => ({ ...g, CreationDate: new Date(g.CreationDate), LastModifiedDate: new Date(g.LastModifiedDate) })) };
  }

  // ---- self-service (access token) -----------------------------------------------------------------------

  /** The user an access token was issued to (NotAuthorizedException when the token is not valid). */
  protected async tokenUser(token: string): Promise<{ pool: PoolDoc; user: User }> {
    const { poolId, claims } = await verifyAccessToken(this.core.db, this.core.env, token, ADMIN_SCOPE);
    const pool = this.core.pool(poolId);
    const u = this.core.findUser(pool, String(claims.username ?? ""));
    if (!u) throw userNotFound();
    if (!u.enabled) throw notAuthorized(Messages.userDisabled);
    return { pool, user: u };
  }

  async GetUser(_ctx: RequestContext, input: C.GetUserInput): Promise<C.GetUserOutput> {
    const { user } = await this.tokenUser(input.AccessToken);
    return { Username: user.username, UserAttributes: attributeList(user), ...mfaOut(user) };
  }

  async ChangePassword(_ctx: RequestContext, input: C.ChangePasswordInput): Promise<C.ChangePasswordOutput> {
    const { pool, user } = await this.tokenUser(input.AccessToken);
    if (!input.PreviousPassword || !user.secret || !checkPassword(pool.Id, user.username, input.PreviousPassword, user.secret)) throw notAuthorized(Messages.badCredentials);
    this.core.checkPassword(pool, input.ProposedPassword);
    this.setPassword(pool, user, input.ProposedPassword);
    this.core.saveUser(user);
    return {};
  }

  async UpdateUserAttributes(_ctx: RequestContext, input: C.UpdateUserAttributesInput): Promise<C.UpdateUserAttributesOutput> {
    const { pool, user } = await this.tokenUser(input.AccessToken);
    const verifiedFlags = input.UserAttributes.filter((a) => a.Name.endsWith("_verified"));
    if (verifiedFlags.length) throw invalidParameter(`Cannot modify the non-mutable attribute ${verifiedFlags[0]!.Name}`);
    this.updateAttributes(pool, user, input.UserAttributes, false);
    return {};
  }

  async DeleteUser(_ctx: RequestContext, input: C.DeleteUserInput): Promise<C.DeleteUserOutput> {
    const { pool, user } = await this.tokenUser(input.AccessToken);
    this.deleteUser(pool, user);
    return {};
  }

  async GlobalSignOut(_ctx: RequestContext, input: C.GlobalSignOutInput): Promise<C.GlobalSignOutOutput> {
    const { pool, user } = await this.tokenUser(input.AccessToken);
    this.core.db.s.sessionsRevokeUser!.run(pool.Id, user.username);
    return {};
  }

  async SetUserMFAPreference(_ctx: RequestContext, input: C.SetUserMFAPreferenceInput): Promise<C.SetUserMFAPreferenceOutput> {
    const { user } = await this.tokenUser(input.AccessToken);
    setMfa(user, input);
    this.core.saveUser(user);
    return {};
  }
}

function toMap(list: C.UserAttributesShape | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list ?? []) out[a.Name] = a.Value ?? "";
  return out;
}

function setMfa(u: User, input: { SMSMfaSettings?: C.SMSMfaSettings; SoftwareTokenMfaSettings?: C.SoftwareTokenMfaSettings }): void {
  const enabled = new Set(u.extra.mfa?.enabled ?? []);
  let preferred = u.extra.mfa?.preferred;
  for (const [kind, s] of [["SMS_MFA", input.SMSMfaSettings], ["SOFTWARE_TOKEN_MFA", input.SoftwareTokenMfaSettings]] as const) {
    if (!s) continue;
    if (s.Enabled) enabled.add(kind);
    else if (s.Enabled === false) enabled.delete(kind);
    if (s.PreferredMfa) preferred = kind;
    else if (s.PreferredMfa === false && preferred === kind) preferred = undefined;
  }
  u.extra.mfa = { enabled: [...enabled], preferred };
}

function mfaOut(u: User): { PreferredMfaSetting?: string; UserMFASettingList?: string[] } {
  return { PreferredMfaSetting: u.extra.mfa?.preferred, UserMFASettingList: u.extra.mfa?.enabled?.length ? u.extra.mfa.enabled : undefined };
}
