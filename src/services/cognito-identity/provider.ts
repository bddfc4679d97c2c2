/**
 * Amazon Cognito identity pools (json 1.1, AWSCognitoIdentityService): pools (Create/Describe/Update/Delete/List,
 * tags), roles and role mappings (SetIdentityPoolRoles/GetIdentityPoolRoles; Token and Rules mappings, roles.ts),
 * identities (GetId, DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity) and their credentials:
 * - unauthenticated identities when AllowUnauthenticatedIdentities is on (a new identity per GetId without logins);
 * - authenticated ones through a Cognito user pool's ID token in Logins (`cognito-idp.{region}.amazonaws.com/{poolId}`),
 *   verified in process with Skyport's user pool keys (tokens.ts); the same user always gets the same identity;
 * - enhanced flow: GetCredentialsForIdentity resolves the role and assumes it through STS's own
 *   AssumeRoleWithWebIdentity logic for the claims of this service's OpenID token (the trust policy must allow the federated
 *   principal cognito-identity.amazonaws.com, with its `aud`/`amr`/`sub` condition keys) — refused →
 *   InvalidIdentityPoolConfigurationException, as AWS answers;
 * - basic (classic) flow: GetOpenIdToken (AllowClassicFlow) → sts:AssumeRoleWithWebIdentity, which accepts this
 *   service's tokens without an IAM OIDC provider (sts/provider.ts).
 * The credentials are real STS sessions of the role: --enforce-iam evaluates what they sign against its policies.
 * Messages confirmed from AWS answers seen in public reports: "Invalid identity pool configuration. Check assigned
 * IAM roles for this pool.", "Unauthenticated access is not supported for this identity pool.", "Logins don't
 * match…", "The ambiguous role mapping rules denied this request.", "… is not a valid RoleMapping ProviderName or
 * is not a configured provider."; the others are ours with AWS's codes.
 * - OIDC providers: a token under the name of one of the pool's OpenIdConnectProviderARNs (IAM OIDC providers),
 *   verified against the issuer's JWKS, audience among the provider's client ids.
 * Gaps: other login providers (Facebook, Google, Amazon, Apple as SupportedLoginProviders, SAML providers,
 * developer-authenticated identities: GetOpenIdTokenForDeveloperIdentity, LookupDeveloperIdentity,
 * MergeDeveloperIdentities, UnlinkDeveloperIdentity answer NotImplemented); principal tags
 * (Get/SetPrincipalTagAttributeMap); the scope-down policy AWS adds to unauthenticated sessions; identities are
 * never disabled; ServerSideTokenCheck is always on (revoked tokens are refused).
 */
import type * as C from "../../aws/api/cognito-identity.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { Limits, Messages, POOL_NAME, SESSION_NAME } from "./constants.js";
import { resolveRole, type RoleMapping } from "./roles.js";
import { IdentityStore, type IdentityRow, type PoolRow } from "./store.js";
import type { AssumeRoleWithWebIdentityOutput } from "../../aws/api/sts.js";
import type { StsProvider } from "../sts/provider.js";
import { forgetKey, loginKey, oidcProviderNames, openIdClaims, signOpenIdToken, verifyLogins, verifyOpenIdToken, type Login } from "./tokens.js";

type PoolDoc = C.CreateIdentityPoolOutput2 & { Roles?: Record<string, string>; RoleMappings?: C.RoleMappingsShape; account: string; region: string };

const invalidParameter = (m: string) => new ServiceError("InvalidParameterException", m);
const notFound = (m: string) => new ServiceError("ResourceNotFoundException", m);
const notAuthorized = (m: string) => new ServiceError("NotAuthorizedException", m);
const page = (token: string | undefined) => (token ? Buffer.from(token, "base64url").toString("utf8") : "");
const nextToken = (last: string) => Buffer.from(last, "utf8").toString("base64url");

export class CognitoIdentityProvider implements C.CognitoIdentityHandlers {
  private readonly db: IdentityStore;

  constructor(private readonly env: ServiceEnv) {
    this.db = new IdentityStore(env.store);
    env.store.onReset(() => forgetKey(this.db));
  }

  // ---- pools ------------------------------------------------------------------------------------

  private pool(id: string, ctx?: RequestContext): PoolDoc {
    const row = this.db.s.poolGet!.get(id) as PoolRow | undefined;
    const doc = row ? (JSON.parse(row.body) as PoolDoc) : undefined;
    // Signed (administrative) calls see their own account's pools; GetId & co. address a pool by its id alone.
    if (!doc || (ctx && !ctx.principal.anonymous && (doc.account !== ctx.accountId || doc.region !== ctx.region))) throw notFound(Messages.poolNotFound(id));
    return doc;
  }

  private save(doc: PoolDoc): void {
    this.db.s.poolPut!.run({ id: doc.IdentityPoolId, account: doc.account, region: doc.region, name: doc.IdentityPoolName, body: JSON.stringify(doc) });
  }

  private static out(doc: PoolDoc): C.CreateIdentityPoolOutput2 {
    const { Roles: _r, RoleMappings: _m, account: _a, region: _g, ...out } = doc;
    return out;
  }

  private static checkPool(input: C.CreateIdentityPoolInput): void {
    if (!POOL_NAME.test(input.IdentityPoolName)) throw invalidParameter(`1 validation error detected: Value '${input.IdentityPoolName}' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+`);
    for (const p of input.CognitoIdentityProviders ?? []) {
      if (!p.ProviderName || !/^[\w._:/-]{1,128}$/.test(p.ProviderName)) throw invalidParameter(`Invalid provider name: ${p.ProviderName ?? ""}`);
    }
  }

  CreateIdentityPool(ctx: RequestContext, input: C.CreateIdentityPoolInput): C.CreateIdentityPoolOutput {
    CognitoIdentityProvider.checkPool(input);
    const doc: PoolDoc = { ...input, IdentityPoolId: `${ctx.region}:${this.env.ids.uuid()}`, AllowClassicFlow: input.AllowClassicFlow ?? false, IdentityPoolTags: input.IdentityPoolTags ?? {}, account: ctx.accountId, region: ctx.region };
    this.save(doc);
    return CognitoIdentityProvider.out(doc);
  }

  DescribeIdentityPool(ctx: RequestContext, input: C.DescribeIdentityPoolInput): C.DescribeIdentityPoolOutput {
    return CognitoIdentityProvider.out(this.pool(input.IdentityPoolId, ctx));
  }

  UpdateIdentityPool(ctx: RequestContext, input: C.UpdateIdentityPoolInput): C.UpdateIdentityPoolOutput {
    const old = this.pool(input.IdentityPoolId, ctx);
    CognitoIdentityProvider.checkPool(input);
    const doc: PoolDoc = { ...input, AllowClassicFlow: input.AllowClassicFlow ?? false, IdentityPoolTags: input.IdentityPoolTags ?? old.IdentityPoolTags, Roles: old.Roles, RoleMappings: old.RoleMappings, account: old.account, region: old.region };
    this.save(doc);
    return CognitoIdentityProvider.out(doc);
  }

  DeleteIdentityPool(ctx: RequestContext, input: C.DeleteIdentityPoolInput): C.DeleteIdentityPoolOutput {
    this.pool(input.IdentityPoolId, ctx);
    this.db.s.loginsOfPoolDelete!.run(input.IdentityPoolId);
    this.db.s.identitiesOfPoolDelete!.run(input.IdentityPoolId);
    this.db.s.poolDelete!.run(input.IdentityPoolId);
    return {};
  }

  ListIdentityPools(ctx: RequestContext, input: C.ListIdentityPoolsInput): C.ListIdentityPoolsOutput {
    const max = checkMax(input.MaxResults);
    const rows = this.db.s.poolList!.all(ctx.accountId, ctx.region, page(input.NextToken), max + 1) as Array<{ id: string; name: string }>;
    const out: C.ListIdentityPoolsOutput = { IdentityPools: rows.slice(0, max).map((r) => ({ IdentityPoolId: r.id, IdentityPoolName: r.name })) };
    if (rows.length > max) out.NextToken = nextToken(rows[max - 1]!.id);
    return out;
  }

  SetIdentityPoolRoles(ctx: RequestContext, input: C.SetIdentityPoolRolesInput): C.SetIdentityPoolRolesOutput {
    const doc = this.pool(input.IdentityPoolId, ctx);
    for (const [k, arn] of Object.entries(input.Roles ?? {})) {
      if (k !== "authenticated" && k !== "unauthenticated") throw invalidParameter(`Invalid role type: ${k}. Valid role types are authenticated and unauthenticated.`);
      if (!/^arn:aws[\w-]*:iam::\d{12}:role\//.test(arn)) throw invalidParameter(`Invalid RoleArn: ${arn}`);
    }
    const configured = new Set([...(doc.CognitoIdentityProviders ?? []).map((p) => `${p.ProviderName}:${p.ClientId ?? ""}`), ...oidcProviderNames(doc).keys()]);
    for (const [key, m] of Object.entries(input.RoleMappings ?? {})) {
      if (!configured.has(key)) throw invalidParameter(Messages.badRoleMappingProvider(key));
      if (m.Type !== "Token" && m.Type !== "Rules") throw invalidParameter(`Invalid RoleMapping type: ${m.Type}`);
      if (m.Type === "Rules" && !(m.RulesConfiguration?.Rules?.length && m.RulesConfiguration.Rules.length <= 25)) throw invalidParameter("RulesConfiguration must have between 1 and 25 rules when the type is Rules.");
      if (m.AmbiguousRoleResolution === undefined) throw invalidParameter("AmbiguousRoleResolution must be specified.");
    }
    doc.Roles = input.Roles;
    doc.RoleMappings = input.RoleMappings && Object.keys(input.RoleMappings).length ? input.RoleMappings : undefined;
    this.save(doc);
    return {};
  }

  GetIdentityPoolRoles(ctx: RequestContext, input: C.GetIdentityPoolRolesInput): C.GetIdentityPoolRolesOutput {
    const doc = this.pool(input.IdentityPoolId, ctx);
    return { IdentityPoolId: doc.IdentityPoolId, Roles: doc.Roles ?? {}, ...(doc.RoleMappings ? { RoleMappings: doc.RoleMappings } : {}) };
  }

  // ---- tags -------------------------------------------------------------------------------------

  private poolOfArn(ctx: RequestContext, arn: string): PoolDoc {
    const m = /^arn:aws[\w-]*:cognito-identity:[a-z0-9-]+:\d{12}:identitypool\/(.+)$/.exec(arn);
    if (!m) throw invalidParameter(`Invalid ResourceArn: ${arn}`);
    return this.pool(m[1]!, ctx);
  }

  TagResource(ctx: RequestContext, input: C.TagResourceInput): C.TagResourceOutput {
    const doc = this.poolOfArn(ctx, input.ResourceArn);
    doc.IdentityPoolTags = { ...doc.IdentityPoolTags, ...input.Tags };
    if (Object.keys(doc.IdentityPoolTags).length > 50) throw invalidParameter("Too many tags: an identity pool can have at most 50 tags.");
    this.save(doc);
    return {};
  }

  UntagResource(ctx: RequestContext, input: C.UntagResourceInput): C.UntagResourceOutput {
    const doc = this.poolOfArn(ctx, input.ResourceArn);
    const tags = { ...doc.IdentityPoolTags };
    for (const k of input.TagKeys) delete tags[k];
    doc.IdentityPoolTags = tags;
    this.save(doc);
    return {};
  }

  ListTagsForResource(ctx: RequestContext, input: C.ListTagsForResourceInput): C.ListTagsForResourceOutput {
    return { Tags: this.poolOfArn(ctx, input.ResourceArn).IdentityPoolTags ?? {} };
  }

  // ---- identities -------------------------------------------------------------------------------

  private identity(id: string): IdentityRow {
    const row = typeof id === "string" && id.length <= 55 ? (this.db.s.identityGet!.get(id) as IdentityRow | undefined) : undefined;
    if (!row) throw notFound(Messages.identityNotFound(id));
    return row;
  }

  private static describe(row: IdentityRow): C.DescribeIdentityOutput2 {
    const logins = JSON.parse(row.logins) as string[];
    return { IdentityId: row.id, ...(logins.length ? { Logins: [...new Set(logins.map((l) => l.split("\n")[0]!))] } : {}), CreationDate: new Date(row.created), LastModifiedDate: new Date(row.modified) };
  }

  async GetId(_ctx: RequestContext, input: C.GetIdInput): Promise<C.GetIdOutput> {
    const pool = this.pool(input.IdentityPoolId);
    const logins = await verifyLogins(this.env.services, pool, input.Logins, this.env.clock.now());
    if (!logins.length) {
      if (!pool.AllowUnauthenticatedIdentities) throw notAuthorized(Messages.unauthNotSupported);
      return { IdentityId: this.newIdentity(pool, []).id };
    }
    for (const l of logins) {
      const known = this.db.s.loginGet!.get(pool.IdentityPoolId, loginKey(l)) as { identity_id: string } | undefined;
      if (known) return { IdentityId: this.link(this.identity(known.identity_id), logins).id };
    }
    return { IdentityId: this.newIdentity(pool, logins).id };
  }

  private newIdentity(pool: PoolDoc, logins: Login[]): IdentityRow {
    const now = this.env.clock.now();
    const row: IdentityRow = { id: `${pool.region}:${this.env.ids.uuid()}`, pool_id: pool.IdentityPoolId, created: now, modified: now, logins: "[]" };
    return this.link(row, logins, true);
  }

  /** Links logins to an identity (a login of another identity: "Logins don't match"). */
  private link(row: IdentityRow, logins: Login[], isNew = false): IdentityRow {
    const linked = new Set(JSON.parse(row.logins) as string[]);
    const added: string[] = [];
    for (const l of logins) {
      const key = loginKey(l);
      if (linked.has(key)) continue;
      const owner = this.db.s.loginGet!.get(row.pool_id, key) as { identity_id: string } | undefined;
      if (owner && owner.identity_id !== row.id) throw notAuthorized(Messages.loginsDontMatch);
      linked.add(key);
      added.push(key);
    }
    if (!isNew && !added.length) return row;
    const next = { ...row, logins: JSON.stringify([...linked]), modified: isNew ? row.modified : this.env.clock.now() };
    this.db.s.identityPut!.run(next);
    for (const key of added) this.db.s.loginPut!.run(row.pool_id, key, row.id);
    return next;
  }

  /** The identity, its pool and verified logins, checked as AWS checks them before giving a token or credentials. */
  private async signIn(identityId: string, loginsIn: Record<string, string> | undefined): Promise<{ row: IdentityRow; pool: PoolDoc; logins: Login[] }> {
    let row = this.identity(identityId);
    const pool = this.pool(row.pool_id);
    const logins = await verifyLogins(this.env.services, pool, loginsIn, this.env.clock.now());
    const linked = JSON.parse(row.logins) as string[];
    if (logins.length) {
      // An authenticated identity needs one of its own logins; the rest (and an unauthenticated one's) are linked.
      if (linked.length && !logins.some((l) => linked.includes(loginKey(l)))) throw notAuthorized(Messages.loginsDontMatch);
      row = this.link(row, logins);
    } else if (linked.length) {
      throw notAuthorized(Messages.loginsDontMatch);
    } else if (!pool.AllowUnauthenticatedIdentities) {
      throw notAuthorized(Messages.unauthNotSupported);
    }
    return { row, pool, logins };
  }

  async GetCredentialsForIdentity(ctx: RequestContext, input: C.GetCredentialsForIdentityInput): Promise<C.GetCredentialsForIdentityOutput> {
    const { row, pool, logins } = await this.signIn(input.IdentityId, input.Logins);
    const first = logins[0];
    // Role mappings are keyed `provider:clientId` for user pools and by the provider's name for OIDC providers.
    const mapping = first ? ((pool.RoleMappings?.[`${first.provider}:${first.clientId ?? ""}`] ?? pool.RoleMappings?.[first.provider]) as RoleMapping | undefined) : undefined;
    const roleArn = resolveRole({ roles: pool.Roles ?? {}, mapping, claims: first?.claims, customRoleArn: input.CustomRoleArn, authenticated: logins.length > 0 });
    const claims = openIdClaims({ identityId: row.id, poolId: pool.IdentityPoolId, logins, nowMs: this.env.clock.now() });
    // The enhanced flow is STS's AssumeRoleWithWebIdentity for this service's token claims: the same trust check.
    const sts = (await this.env.services.get("sts")) as StsProvider;
    let out: AssumeRoleWithWebIdentityOutput;
    try {
      out = await sts.assumeRoleForCognitoIdentity({ ...ctx, accountId: pool.account, region: pool.region }, roleArn, SESSION_NAME, claims, Limits.CREDENTIALS_SECONDS);
    } catch (e) {
      if (e instanceof ServiceError) throw new ServiceError("InvalidIdentityPoolConfigurationException", Messages.badConfiguration);
      throw e;
    }
    const c = out.Credentials!;
    return { IdentityId: row.id, Credentials: { AccessKeyId: c.AccessKeyId, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration } };
  }

  async GetOpenIdToken(_ctx: RequestContext, input: C.GetOpenIdTokenInput): Promise<C.GetOpenIdTokenOutput> {
    const { row, pool, logins } = await this.signIn(input.IdentityId, input.Logins);
    if (!pool.AllowClassicFlow) throw invalidParameter(Messages.classicFlowDisabled);
    return { IdentityId: row.id, Token: await signOpenIdToken(this.db, { identityId: row.id, poolId: pool.IdentityPoolId, logins, nowMs: this.env.clock.now() }) };
  }

  DescribeIdentity(ctx: RequestContext, input: C.DescribeIdentityInput): C.DescribeIdentityOutput {
    const row = this.identity(input.IdentityId);
    this.pool(row.pool_id, ctx);
    return CognitoIdentityProvider.describe(row);
  }

  ListIdentities(ctx: RequestContext, input: C.ListIdentitiesInput): C.ListIdentitiesOutput {
    const pool = this.pool(input.IdentityPoolId, ctx);
    const max = checkMax(input.MaxResults);
    const rows = this.db.s.identityList!.all(pool.IdentityPoolId, page(input.NextToken), max + 1) as IdentityRow[];
    const out: C.ListIdentitiesOutput = { IdentityPoolId: pool.IdentityPoolId, Identities: rows.slice(0, max).map(CognitoIdentityProvider.describe) };
    if (rows.length > max) out.NextToken = nextToken(rows[max - 1]!.id);
    return out;
  }

  DeleteIdentities(ctx: RequestContext, input: C.DeleteIdentitiesInput): C.DeleteIdentitiesOutput {
    const ids = input.IdentityIdsToDelete ?? [];
    if (ids.length < 1 || ids.length > Limits.MAX_DELETE) throw invalidParameter(`1 validation error detected: Value at 'identityIdsToDelete' failed to satisfy constraint: Member must have length between 1 and ${Limits.MAX_DELETE}`);
    for (const id of ids) {
      const row = this.db.s.identityGet!.get(id) as IdentityRow | undefined;
      if (!row) continue;
      try {
        this.pool(row.pool_id, ctx);
      } catch {
        continue; // another account's identity: left alone
      }
      this.db.s.loginsOfIdentityDelete!.run(id);
      this.db.s.identityDelete!.run(id);
    }
    return { UnprocessedIdentityIds: [] };
  }

  async UnlinkIdentity(_ctx: RequestContext, input: C.UnlinkIdentityInput): Promise<C.UnlinkIdentityOutput> {
    const { row } = await this.signIn(input.IdentityId, input.Logins);
    const drop = new Set(input.LoginsToRemove);
    const kept = (JSON.parse(row.logins) as string[]).filter((k) => !drop.has(k.split("\n")[0]!));
    this.db.s.loginsOfIdentityDelete!.run(row.id);
    for (const key of kept) this.db.s.loginPut!.run(row.pool_id, key, row.id);
    this.db.s.identityPut!.run({ ...row, logins: JSON.stringify(kept), modified: this.env.clock.now() });
    return {};
  }

  /** For STS's AssumeRoleWithWebIdentity: the claims of this service's OpenID token, or STS's token errors. */
  verifyOpenIdToken(token: string): Promise<Record<string, unknown>> {
    return verifyOpenIdToken(this.db, token, this.env.clock.now());
  }
}

function checkMax(v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > Limits.MAX_RESULTS) throw invalidParameter(`1 validation error detected: Value '${v}' at 'maxResults' failed to satisfy constraint: Member must have value ${v < 1 ? "greater than or equal to 1" : `less than or equal to ${Limits.MAX_RESULTS}`}`);
  return v;
}

export const createProvider = (env: ServiceEnv) => new CognitoIdentityProvider(env);
