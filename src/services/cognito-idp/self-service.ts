/**
 * The self-service operations a signed-in user calls with an access token (scope aws.cognito.signin.user.admin):
 * GetUser, ChangePassword, UpdateUserAttributes (a code goes to a changed email/phone the pool auto-verifies),
 * attribute verification, DeleteUser, GlobalSignOut, SetUserMFAPreference.
 */
import type * as C from "../../aws/api/cognito-idp.js";
import type { RequestContext } from "../../edge/context.js";
import { ADMIN_SCOPE, Messages } from "./constants.js";
import { attributeList, invalidParameter, notAuthorized, userNotFound, type PoolDoc, type User } from "./core.js";
import { checkPassword } from "./srp.js";
import { verifyAccessToken } from "./tokens.js";
import { checkFields, Rules } from "./validate.js";
import { mfaOut, setMfa, UserOperations } from "./users.js";

export class SelfServiceOperations extends UserOperations {
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
    checkFields([[input.PreviousPassword, "previousPassword", Rules.password], [input.ProposedPassword, "proposedPassword", Rules.password]]);
    if (!input.PreviousPassword || !user.secret || !checkPassword(pool.Id, user.username, input.PreviousPassword, user.secret)) throw notAuthorized(Messages.badCredentials);
    this.core.checkPassword(pool, input.ProposedPassword);
    this.setPassword(pool, user, input.ProposedPassword);
    this.core.saveUser(user);
    return {};
  }

  async UpdateUserAttributes(ctx: RequestContext, input: C.UpdateUserAttributesInput): Promise<C.UpdateUserAttributesOutput> {
    const { pool, user } = await this.tokenUser(input.AccessToken);
    const verifiedFlags = input.UserAttributes.filter((a) => a.Name.endsWith("_verified"));
    if (verifiedFlags.length) throw invalidParameter(`Cannot modify the non-mutable attribute ${verifiedFlags[0]!.Name}`);
    const before = { email: user.attrs.email, phone_number: user.attrs.phone_number };
    this.updateAttributes(pool, user, input.UserAttributes, false);
    // A changed email or phone the pool auto-verifies gets a code (VerifyUserAttribute proves it).
    const list: C.CodeDeliveryDetails[] = [];
    for (const attr of ["email", "phone_number"] as const) {
      if (user.attrs[attr] === before[attr] || !user.attrs[attr] || !pool.AutoVerifiedAttributes?.includes(attr)) continue;
      const d = await this.sendAttributeCode(ctx, pool, user, attr, "CustomMessage_UpdateUserAttribute", input.ClientMetadata);
      if (d) list.push(d);
    }
    return list.length ? { CodeDeliveryDetailsList: list } : {};
  }

  private async sendAttributeCode(ctx: RequestContext, pool: PoolDoc, u: User, attr: "email" | "phone_number", source: string, meta?: Record<string, string>): Promise<C.CodeDeliveryDetails | undefined> {
    await this.sendCode(ctx, pool, u, `attr:${attr}`, source, `${attr} verification`, undefined, meta);
    this.core.saveUser(u);
    const d = this.core.delivery(u);
    return attr === "phone_number" && d?.AttributeName === "email" ? { Destination: `+*******${u.attrs.phone_number!.slice(-4)}`, DeliveryMedium: "SMS", AttributeName: "phone_number" } : d;
  }

  async GetUserAttributeVerificationCode(ctx: RequestContext, input: C.GetUserAttributeVerificationCodeInput): Promise<C.GetUserAttributeVerificationCodeOutput> {
    const { pool, user } = await this.tokenUser(input.AccessToken);
    const attr = input.AttributeName;
    if (attr !== "email" && attr !== "phone_number") throw invalidParameter(`Invalid attribute name: ${attr}. Only email and phone_number can be verified.`);
    if (!user.attrs[attr]) throw invalidParameter(`User does not have ${attr === "email" ? "an email" : "a phone_number"} attribute.`);
    return { CodeDeliveryDetails: await this.sendAttributeCode(ctx, pool, user, attr, "CustomMessage_VerifyUserAttribute", input.ClientMetadata) };
  }

  async VerifyUserAttribute(_ctx: RequestContext, input: C.VerifyUserAttributeInput): Promise<C.VerifyUserAttributeOutput> {
    const { user } = await this.tokenUser(input.AccessToken);
    this.core.useCode(user, `attr:${input.AttributeName}`, input.Code);
    user.attrs[`${input.AttributeName}_verified`] = "true";
    this.core.saveUser(user);
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
