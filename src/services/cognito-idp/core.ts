/**
 * What every Cognito operation shares: loading pools, clients and users (with AWS's not-found errors), the
 * schema and password-policy checks, SECRET_HASH, one-time codes and how users look on the wire.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { CustomAttributesItem, UserPool, UserPoolClient } from "../../aws/api/cognito-idp.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { DEFAULT_PASSWORD_POLICY, Limits, Messages, PASSWORD_SYMBOLS } from "./constants.js";
import type { CognitoStore, UserRow } from "./store.js";

export type AttributeType = { Name: string; Value?: string };

/** A pool as stored: the UserPool shape with times as epoch ms. */
export type PoolDoc = Omit<UserPool, "CreationDate" | "LastModifiedDate"> & { Id: string; Name: string; CreationDate: number; LastModifiedDate: number; account: string; region: string };
export type ClientDoc = Omit<UserPoolClient, "CreationDate" | "LastModifiedDate"> & { ClientId: string; UserPoolId: string; CreationDate: number; LastModifiedDate: number };

/** A pending one-time code: sign-up confirmation, password reset or attribute verification. */
export interface PendingCode { value: string; purpose: string; expires: number }
export interface UserExtra { code?: PendingCode; mfa?: { preferred?: string; enabled?: string[] }; tempExpires?: number }
export interface User {
  poolId: string; username: string; ukey: string; sub: string; status: string; enabled: boolean;
  created: number; modified: number; attrs: Record<string, string>; secret: { salt: string; verifier: string } | null; extra: UserExtra;
}

export const invalidParameter = (m: string) => new ServiceError("InvalidParameterException", m);
export const notAuthorized = (m: string) => new ServiceError("NotAuthorizedException", m);
export const notFound = (m: string) => new ServiceError("ResourceNotFoundException", m);
export const userNotFound = () => new ServiceError("UserNotFoundException", Messages.userMissing);

export class Core {
  constructor(readonly db: CognitoStore, readonly env: ServiceEnv) {}

  pool(id: string | undefined): PoolDoc {
    const row = id ? (this.db.s.poolGet!.get(id) as { body: string } | undefined) : undefined;
    if (!row) throw notFound(`User pool ${id} does not exist.`);
    return JSON.parse(row.body) as PoolDoc;
  }

  /** The pool of a request scoped to the caller's account and region (admin APIs). */
  ownPool(ctx: RequestContext, id: string): PoolDoc {
    const p = this.pool(id);
    if (p.account !== ctx.accountId || p.region !== ctx.region) throw notFound(`User pool ${id} does not exist.`);
    return p;
  }

  savePool(p: PoolDoc, jwk?: string): void {
    this.db.s.poolPut!.run({ id: p.Id, account: p.account, region: p.region, name: p.Name, created: p.CreationDate, body: JSON.stringify(p), jwk: jwk ?? "" });
  }

  client(id: string | undefined, poolId?: string): ClientDoc {
    const row = id ? (this.db.s.clientGet!.get(id) as { body: string } | undefined) : undefined;
    const c = row ? (JSON.parse(row.body) as ClientDoc) : undefined;
    if (!c || (poolId && c.UserPoolId !== poolId)) throw notFound(`User pool client ${id} does not exist.`);
    return c;
  }

  // ---- users -------------------------------------------------------------------------------------------

  ukey(pool: PoolDoc, username: string): string {
    return pool.UsernameConfiguration?.CaseSensitive === false ? username.toLowerCase() : username;
  }

  /** A user by username, or by an email/phone that is a username attribute or a verified alias. */
  findUser(pool: PoolDoc, name: string | undefined): User | undefined {
    if (!name) return undefined;
    const row = this.db.s.userGet!.get(pool.Id, this.ukey(pool, name)) as UserRow | undefined;
    if (row) return toUser(row);
    const via = (attr: "email" | "phone_number"): User | undefined => {
      const asUsername = pool.UsernameAttributes?.includes(attr);
      const asAlias = pool.AliasAttributes?.includes(attr);
      if (!asUsername && !asAlias) return undefined;
      const rows = (attr === "email" ? this.db.s.usersByEmail! : this.db.s.usersByPhone!).all(pool.Id, attr === "email" ? name.toLowerCase() : name) as UserRow[];
      const users = rows.map(toUser).filter((u) => asUsername || u.attrs[`${attr}_verified`] === "true");
      return users.length === 1 ? users[0] : undefined;
    };
    return via("email") ?? via("phone_number") ?? (this.db.s.userBySub!.get(pool.Id, name) ? toUser(this.db.s.userBySub!.get(pool.Id, name) as UserRow) : undefined);
  }

  user(pool: PoolDoc, name: string | undefined): User {
    const u = this.findUser(pool, name);
    if (!u) throw userNotFound();
    return u;
  }

  saveUser(u: User): void {
    u.modified = this.env.clock.now();
    this.db.s.userPut!.run({
      pool_id: u.poolId, ukey: u.ukey, username: u.username, sub: u.sub, email: u.attrs.email?.toLowerCase() ?? null, phone: u.attrs.phone_number ?? null,
      status: u.status, enabled: u.enabled ? 1 : 0, created: u.created, modified: u.modified, attrs: JSON.stringify(u.attrs),
      secret: JSON.stringify(u.secret), extra: JSON.stringify(u.extra),
    });
  }

  groupsOf(pool: PoolDoc, u: User): Array<{ GroupName: string; Precedence?: number; RoleArn?: string; CreationDate: number; LastModifiedDate: number }> {
    return (this.db.s.groupsOfUser!.all(pool.Id, u.username) as Array<{ body: string }>).map((r) => JSON.parse(r.body));
  }

  // ---- schema and password policy ----------------------------------------------------------------------

  schemaOf(pool: PoolDoc): Map<string, CustomAttributesItem> {
    return new Map((pool.SchemaAttributes ?? []).map((a) => [a.Name!, a]));
  }

  /**
   * Checks attributes against the pool's schema; `creating` also checks required ones. Messages as Cognito
   * words them: one line per attribute, each ending in a newline.
   */
  checkAttributes(pool: PoolDoc, attrs: AttributeType[] | undefined, opts: { creating?: Record<string, string>; admin?: boolean }): Record<string, string> {
    const schema = this.schemaOf(pool);
    const out: Record<string, string> = {};
    const problems: string[] = [];
    for (const a of attrs ?? []) {
      const def = schema.get(a.Name);
      if (!def || a.Name === "sub") {
        problems.push(`${a.Name}: Attribute does not exist in the schema.`);
        continue;
      }
      const v = a.Value ?? "";
      if (v.length > Limits.MAX_ATTRIBUTE_VALUE_LENGTH) problems.push(`${a.Name}: String attributes cannot have a length of more than 2048`);
      else if (!opts.creating && def.Mutable === false && !opts.admin) problems.push(`${a.Name}: Attribute cannot be updated. (changing an immutable attribute)`);
      else if (def.AttributeDataType === "Number" && v !== "" && !/^-?\d+(\.\d+)?$/.test(v)) problems.push(`${a.Name}: Number attributes must be numbers`);
      else out[a.Name] = v;
    }
    if (opts.creating) {
      const merged = { ...opts.creating, ...out };
      for (const def of schema.values()) if (def.Required && def.Name !== "sub" && !merged[def.Name!]) problems.push(`${def.Name}: The attribute is required`);
    }
    if (problems.length) throw invalidParameter(`Attributes did not conform to the schema: ${problems.map((p) => `${p}\n`).join("")}`);
    return out;
  }

  /** InvalidPasswordException with Cognito's message when the password breaks the pool's policy. */
  checkPassword(pool: PoolDoc, password: string): void {
    const p = { ...DEFAULT_PASSWORD_POLICY, ...pool.Policies?.PasswordPolicy };
    const fail = (why: string) => new ServiceError("InvalidPasswordException", `Password did not conform with policy: ${why}`);
    if (password.length < (p.MinimumLength ?? 8)) throw fail("Password not long enough");
    if (p.RequireUppercase && !/[A-Z]/.test(password)) throw fail("Password must have uppercase characters");
    if (p.RequireLowercase && !/[a-z]/.test(password)) throw fail("Password must have lowercase characters");
    if (p.RequireNumbers && !/[0-9]/.test(password)) throw fail("Password must have numeric characters");
    if (p.RequireSymbols && ![...password].some((c) => PASSWORD_SYMBOLS.includes(c))) throw fail("Password must have symbol characters");
  }

  // ---- clients -----------------------------------------------------------------------------------------

  /** Checks SECRET_HASH = Base64(HMAC_SHA256(secret, username + clientId)) when the client has a secret. */
  checkSecretHash(client: ClientDoc, username: string, given: string | undefined): void {
    if (!client.ClientSecret) return;
    if (!given) throw notAuthorized(`Client ${client.ClientId} is configured for secret but secret was not received`);
    const want = createHmac("sha256", client.ClientSecret).update(username + client.ClientId).digest();
    const got = Buffer.from(given, "base64");
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw notAuthorized(`Unable to verify secret hash for client ${client.ClientId}`);
  }

  // ---- codes -------------------------------------------------------------------------------------------

  /** A new 6-digit code, written to the server log (Skyport sends no email or SMS). */
  newCode(pool: PoolDoc, u: User, purpose: string, ttlMs: number, what: string): PendingCode {
    const value = String(Number.parseInt(this.env.ids.hex(4), 16) % 1_000_000).padStart(6, "0");
    u.extra.code = { value, purpose, expires: this.env.clock.now() + ttlMs };
    this.env.log.info(`cognito: ${what} code for ${u.username} in ${pool.Id}: ${value}`);
    return u.extra.code;
  }

  /** Consumes a code: CodeMismatchException when wrong, ExpiredCodeException when too old or none pending. */
  useCode(u: User, purpose: string, value: string): void {
    const c = u.extra.code;
    if (!c || c.purpose !== purpose) throw new ServiceError("ExpiredCodeException", Messages.codeExpired);
    if (c.value !== value) throw new ServiceError("CodeMismatchException", Messages.codeMismatch);
    if (c.expires < this.env.clock.now()) throw new ServiceError("ExpiredCodeException", Messages.codeExpired);
    delete u.extra.code;
  }

  /** Where a code went, as CodeDeliveryDetails (email masked as AWS does: a***@e***). */
  delivery(u: User): { Destination: string; DeliveryMedium: string; AttributeName: string } | undefined {
    const email = u.attrs.email;
    if (email) {
      const [local = "", domain = ""] = email.split("@");
      return { Destination: `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`, DeliveryMedium: "EMAIL", AttributeName: "email" };
    }
    const phone = u.attrs.phone_number;
    if (phone) return { Destination: `+*******${phone.slice(-4)}`, DeliveryMedium: "SMS", AttributeName: "phone_number" };
    return undefined;
  }
}

export function toUser(r: UserRow): User {
  return {
    poolId: r.pool_id, username: r.username, ukey: r.ukey, sub: r.sub, status: r.status, enabled: r.enabled === 1,
    created: r.created, modified: r.modified, attrs: JSON.parse(r.attrs), secret: JSON.parse(r.secret), extra: JSON.parse(r.extra),
  };
}

/** Attributes as the API lists them: sub first, then in the order they were set. */
export function attributeList(u: User, only?: Set<string>): AttributeType[] {
  const out: AttributeType[] = [{ Name: "sub", Value: u.sub }];
  for (const [Name, Value] of Object.entries(u.attrs)) if (!only || only.has(Name)) out.push({ Name, Value });
  return only && !only.has("sub") ? out.slice(1) : out;
}

/** The UserType of ListUsers / AdminCreateUser. */
export function userType(u: User, only?: Set<string>) {
  return {
    Username: u.username, Attributes: attributeList(u, only), UserCreateDate: new Date(u.created), UserLastModifiedDate: new Date(u.modified),
    Enabled: u.enabled, UserStatus: u.status,
  };
}
