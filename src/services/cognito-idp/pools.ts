/**
 * User pools, app clients, groups and resource servers: the configuration side of Cognito. Stored as their
 * AWS shapes; pools get their RSA key at creation (tokens.ts).
 */
import type * as C from "../../aws/api/cognito-idp.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import { DEFAULT_PASSWORD_POLICY, Limits, STANDARD_NAMES, STANDARD_SCHEMA, TokenDefaults } from "./constants.js";
import { invalidParameter, notFound, type ClientDoc, type Core, type PoolDoc } from "./core.js";
import { forgetPoolKey, newPoolKey } from "./tokens.js";

const LEGACY_FLOWS = new Set(["ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"]);
const ALL_FLOWS = new Set([...LEGACY_FLOWS, "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"]);
const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };
const POOL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Seconds a token of a client lives, from its validity and unit (AWS defaults: hours for ID/access, days for refresh). */
export function tokenSeconds(c: ClientDoc, kind: "AccessToken" | "IdToken" | "RefreshToken"): number {
  const value = c[`${kind}Validity`];
  if (value === undefined) return kind === "AccessToken" ? TokenDefaults.ACCESS_SECONDS : kind === "IdToken" ? TokenDefaults.ID_SECONDS : TokenDefaults.REFRESH_SECONDS;
  const unit = c.TokenValidityUnits?.[kind] ?? (kind === "RefreshToken" ? "days" : "hours");
  return value * (UNIT_SECONDS[unit] ?? 3600);
}

function checkPageSize(n: number | undefined, name: string, required: boolean): number {
  if (n === undefined) {
    if (required) throw invalidParameter(`1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
    return Limits.MAX_USERS_PAGE;
  }
  if (!Number.isInteger(n) || n < 1 || n > 60) throw invalidParameter(`1 validation error detected: Value '${n}' at '${name}' failed to satisfy constraint: Member must have value less than or equal to 60`);
  return n;
}

/** Standard attributes (overridable) plus custom ones as "custom:NAME"; AWS's rules for each. */
function buildSchema(input: C.SchemaShape | undefined, base: C.CustomAttributesItem[] = STANDARD_SCHEMA.map((a) => ({ ...a }))): C.CustomAttributesItem[] {
  const schema = base;
  for (const a of input ?? []) {
    if (!a.Name) throw invalidParameter("Schema attribute name is required.");
    if (STANDARD_NAMES.has(a.Name)) {
      const i = schema.findIndex((s) => s.Name === a.Name);
      schema[i] = { ...schema[i], ...a, Name: a.Name };
      continue;
    }
    const name = a.Name.startsWith("custom:") ? a.Name : `custom:${a.Name}`;
    if (schema.some((s) => s.Name === name)) throw invalidParameter(`Existing attribute already has name ${name}.`);
    if (a.Required) throw invalidParameter("Required custom attributes are not supported currently.");
    if (!a.AttributeDataType) throw invalidParameter(`Invalid AttributeDataType input, consider using the provided AttributeDataType enum.`);
    const item: C.CustomAttributesItem = { Name: name, AttributeDataType: a.AttributeDataType, DeveloperOnlyAttribute: a.DeveloperOnlyAttribute ?? false, Mutable: a.Mutable ?? true, Required: false };
    if (a.AttributeDataType === "String") item.StringAttributeConstraints = a.StringAttributeConstraints ?? {};
    if (a.AttributeDataType === "Number") item.NumberAttributeConstraints = a.NumberAttributeConstraints ?? {};
    schema.push(item);
  }
  if (schema.filter((s) => s.Name!.startsWith("custom:")).length > Limits.MAX_CUSTOM_ATTRIBUTES) throw invalidParameter("Too many custom attributes (the limit is 50).");
  return schema;
}

function checkFlows(flows: string[] | undefined): void {
  if (!flows) return;
  for (const f of flows) if (!ALL_FLOWS.has(f)) throw invalidParameter(`1 validation error detected: Value '[${flows.join(", ")}]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${[...ALL_FLOWS].join(", ")}]]`);
  const legacy = flows.some((f) => LEGACY_FLOWS.has(f));
  if (legacy && flows.some((f) => !LEGACY_FLOWS.has(f))) throw invalidParameter("ExplicitAuthFlows can't have both legacy and new values.");
}

export class PoolOperations {
  constructor(protected readonly core: Core) {}

  async CreateUserPool(ctx: RequestContext, input: C.CreateUserPoolInput): Promise<C.CreateUserPoolOutput> {
    if (input.UsernameAttributes?.length && input.AliasAttributes?.length) throw invalidParameter("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.");
    const now = this.core.env.clock.now();
    const bytes = Buffer.from(this.core.env.ids.hex(9), "hex");
    const id = `${ctx.region}_${[...bytes].map((b) => POOL_CHARS[b % POOL_CHARS.length]).join("")}`;
    const { PoolName, Schema, ...rest } = input;
    const pool: PoolDoc = {
      ...rest,
      Id: id, Name: PoolName, account: ctx.accountId, region: ctx.region,
      Policies: { PasswordPolicy: { ...DEFAULT_PASSWORD_POLICY, ...input.Policies?.PasswordPolicy } },
      DeletionProtection: input.DeletionProtection ?? "INACTIVE",
      LambdaConfig: input.LambdaConfig ?? {},
      SchemaAttributes: buildSchema(Schema),
      AutoVerifiedAttributes: input.AutoVerifiedAttributes,
      VerificationMessageTemplate: input.VerificationMessageTemplate ?? { DefaultEmailOption: "CONFIRM_WITH_CODE" },
      MfaConfiguration: input.MfaConfiguration ?? "OFF",
      EmailConfiguration: input.EmailConfiguration ?? { EmailSendingAccount: "COGNITO_DEFAULT" },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7, ...input.AdminCreateUserConfig },
      UserPoolTags: input.UserPoolTags ?? {},
      Arn: `arn:aws:cognito-idp:${ctx.region}:${ctx.accountId}:userpool/${id}`,
      CreationDate: now, LastModifiedDate: now,
    };
    this.core.savePool(pool, await newPoolKey(this.core.env.ids.uuid()));
    return { UserPool: this.poolOut(pool) };
  }

  protected poolOut(p: PoolDoc): C.UserPool {
    const { account: _a, region: _r, CreationDate, LastModifiedDate, ...rest } = p;
    const users = (this.core.db.s.userCount!.get(p.Id) as { n: number }).n;
    return { ...rest, EstimatedNumberOfUsers: users, CreationDate: new Date(CreationDate), LastModifiedDate: new Date(LastModifiedDate) };
  }

  DescribeUserPool(ctx: RequestContext, input: C.DescribeUserPoolInput): C.DescribeUserPoolOutput {
    return { UserPool: this.poolOut(this.core.ownPool(ctx, input.UserPoolId)) };
  }

  ListUserPools(ctx: RequestContext, input: C.ListUserPoolsInput): C.ListUserPoolsOutput {
    const limit = checkPageSize(input.MaxResults, "maxResults", true);
    const rows = this.core.db.s.poolList!.all(ctx.accountId, ctx.region, input.NextToken ?? "", limit + 1) as Array<{ body: string }>;
    const pools = rows.slice(0, limit).map((r) => JSON.parse(r.body) as PoolDoc);
    return {
      UserPools: pools.map((p) => ({ Id: p.Id, Name: p.Name, LambdaConfig: p.LambdaConfig, CreationDate: new Date(p.CreationDate), LastModifiedDate: new Date(p.LastModifiedDate) })),
      NextToken: rows.length > limit ? pools[pools.length - 1]!.Id : undefined,
    };
  }

  UpdateUserPool(ctx: RequestContext, input: C.UpdateUserPoolInput): C.UpdateUserPoolOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const { UserPoolId: _id, ...changes } = input;
    // AWS resets settings left out of an UpdateUserPool call to their defaults; the ones named here are replaced.
    const next: PoolDoc = {
      ...pool,
      ...changes,
      Policies: { PasswordPolicy: { ...DEFAULT_PASSWORD_POLICY, ...input.Policies?.PasswordPolicy } },
      LambdaConfig: input.LambdaConfig ?? {},
      MfaConfiguration: input.MfaConfiguration ?? "OFF",
      DeletionProtection: input.DeletionProtection ?? "INACTIVE",
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: 7, ...input.AdminCreateUserConfig },
      LastModifiedDate: this.core.env.clock.now(),
    };
    this.core.savePool(next);
    return {};
  }

  DeleteUserPool(ctx: RequestContext, input: C.DeleteUserPoolInput): C.DeleteUserPoolOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    if (pool.DeletionProtection === "ACTIVE") throw invalidParameter("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.");
    this.core.db.deletePool(pool.Id);
    forgetPoolKey(pool.Id);
    return {};
  }

  AddCustomAttributes(ctx: RequestContext, input: C.AddCustomAttributesInput): C.AddCustomAttributesOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    for (const a of input.CustomAttributes) if (a.Name && STANDARD_NAMES.has(a.Name)) throw invalidParameter(`Existing attribute already has name ${a.Name}.`);
    pool.SchemaAttributes = buildSchema(input.CustomAttributes, pool.SchemaAttributes ?? []);
    pool.LastModifiedDate = this.core.env.clock.now();
    this.core.savePool(pool);
    return {};
  }

  SetUserPoolMfaConfig(ctx: RequestContext, input: C.SetUserPoolMfaConfigInput): C.SetUserPoolMfaConfigOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const mode = input.MfaConfiguration ?? pool.MfaConfiguration ?? "OFF";
    if (mode !== "OFF" && !input.SmsMfaConfiguration && !input.SoftwareTokenMfaConfiguration?.Enabled) throw invalidParameter("At least one of SMS or TOTP MFA must be enabled when MFA is enabled.");
    Object.assign(pool, { MfaConfiguration: mode, SmsMfaConfigurationStored: input.SmsMfaConfiguration, SoftwareTokenMfaConfigurationStored: input.SoftwareTokenMfaConfiguration });
    this.core.savePool(pool);
    return { MfaConfiguration: mode, SmsMfaConfiguration: input.SmsMfaConfiguration, SoftwareTokenMfaConfiguration: input.SoftwareTokenMfaConfiguration };
  }

  GetUserPoolMfaConfig(ctx: RequestContext, input: C.GetUserPoolMfaConfigInput): C.GetUserPoolMfaConfigOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId) as PoolDoc & { SmsMfaConfigurationStored?: C.SmsMfaConfiguration; SoftwareTokenMfaConfigurationStored?: C.SoftwareTokenMfaConfiguration };
    return { MfaConfiguration: pool.MfaConfiguration ?? "OFF", SmsMfaConfiguration: pool.SmsMfaConfigurationStored, SoftwareTokenMfaConfiguration: pool.SoftwareTokenMfaConfigurationStored };
  }

  // ---- app clients ---------------------------------------------------------------------------------------

  CreateUserPoolClient(ctx: RequestContext, input: C.CreateUserPoolClientInput): C.CreateUserPoolClientOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    checkFlows(input.ExplicitAuthFlows);
    const now = this.core.env.clock.now();
    const { GenerateSecret, ...rest } = input;
    const client: ClientDoc = {
      ...rest,
      ClientId: this.core.env.ids.alnum(26),
      ClientSecret: GenerateSecret ? this.core.env.ids.alnum(51) : undefined,
      UserPoolId: pool.Id,
      RefreshTokenValidity: input.RefreshTokenValidity ?? 30,
      AccessTokenValidity: input.AccessTokenValidity,
      IdTokenValidity: input.IdTokenValidity,
      TokenValidityUnits: input.TokenValidityUnits,
      ExplicitAuthFlows: input.ExplicitAuthFlows ?? ["ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      AllowedOAuthFlowsUserPoolClient: input.AllowedOAuthFlowsUserPoolClient ?? false,
      EnableTokenRevocation: input.EnableTokenRevocation ?? true,
      EnablePropagateAdditionalUserContextData: input.EnablePropagateAdditionalUserContextData ?? false,
      AuthSessionValidity: input.AuthSessionValidity ?? 3,
      PreventUserExistenceErrors: input.PreventUserExistenceErrors ?? "LEGACY",
      CreationDate: now, LastModifiedDate: now,
    };
    this.checkOAuthScopes(pool, client);
    this.saveClient(client);
    return { UserPoolClient: clientOut(client) };
  }

  private checkOAuthScopes(pool: PoolDoc, c: ClientDoc): void {
    for (const scope of c.AllowedOAuthScopes ?? []) {
      if (["openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"].includes(scope)) continue;
      const slash = scope.lastIndexOf("/");
      const rs = slash > 0 ? (this.core.db.s.rsGet!.get(pool.Id, scope.slice(0, slash)) as { body: string } | undefined) : undefined;
      const ok = rs && (JSON.parse(rs.body) as C.ResourceServer).Scopes?.some((s) => s.ScopeName === scope.slice(slash + 1));
      if (!ok) throw new ServiceError("ScopeDoesNotExistException", `Invalid scope requested: ${scope}`);
    }
  }

  private saveClient(c: ClientDoc): void {
    this.core.db.s.clientPut!.run({ id: c.ClientId, pool_id: c.UserPoolId, name: c.ClientName ?? "", body: JSON.stringify(c) });
  }

  DescribeUserPoolClient(ctx: RequestContext, input: C.DescribeUserPoolClientInput): C.DescribeUserPoolClientOutput {
    this.core.ownPool(ctx, input.UserPoolId);
    return { UserPoolClient: clientOut(this.core.client(input.ClientId, input.UserPoolId)) };
  }

  UpdateUserPoolClient(ctx: RequestContext, input: C.UpdateUserPoolClientInput): C.UpdateUserPoolClientOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const old = this.core.client(input.ClientId, input.UserPoolId);
    checkFlows(input.ExplicitAuthFlows);
    const next: ClientDoc = {
      ...input,
      ClientId: old.ClientId, ClientSecret: old.ClientSecret, UserPoolId: pool.Id, ClientName: input.ClientName ?? old.ClientName,
      RefreshTokenValidity: input.RefreshTokenValidity ?? 30,
      ExplicitAuthFlows: input.ExplicitAuthFlows ?? ["ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      AllowedOAuthFlowsUserPoolClient: input.AllowedOAuthFlowsUserPoolClient ?? false,
      EnableTokenRevocation: input.EnableTokenRevocation ?? old.EnableTokenRevocation,
      AuthSessionValidity: input.AuthSessionValidity ?? 3,
      PreventUserExistenceErrors: input.PreventUserExistenceErrors ?? old.PreventUserExistenceErrors,
      CreationDate: old.CreationDate, LastModifiedDate: this.core.env.clock.now(),
    };
    this.checkOAuthScopes(pool, next);
    this.saveClient(next);
    return { UserPoolClient: clientOut(next) };
  }

  ListUserPoolClients(ctx: RequestContext, input: C.ListUserPoolClientsInput): C.ListUserPoolClientsOutput {
    this.core.ownPool(ctx, input.UserPoolId);
    const limit = checkPageSize(input.MaxResults, "maxResults", false);
    const rows = this.core.db.s.clientList!.all(input.UserPoolId, input.NextToken ?? "", limit + 1) as Array<{ id: string; name: string }>;
    const page = rows.slice(0, limit);
    return { UserPoolClients: page.map((r) => ({ ClientId: r.id, UserPoolId: input.UserPoolId, ClientName: r.name })), NextToken: rows.length > limit ? page[page.length - 1]!.id : undefined };
  }

  DeleteUserPoolClient(ctx: RequestContext, input: C.DeleteUserPoolClientInput): C.DeleteUserPoolClientOutput {
    this.core.ownPool(ctx, input.UserPoolId);
    this.core.client(input.ClientId, input.UserPoolId);
    this.core.db.s.clientDelete!.run(input.ClientId);
    return {};
  }

  // ---- groups --------------------------------------------------------------------------------------------

  protected group(poolId: string, name: string): C.GroupsItem {
    const row = this.core.db.s.groupGet!.get(poolId, name) as { body: string } | undefined;
    if (!row) throw notFound("Group not found.");
    return groupOut(JSON.parse(row.body));
  }

  CreateGroup(ctx: RequestContext, input: C.CreateGroupInput): C.CreateGroupOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    if (this.core.db.s.groupGet!.get(pool.Id, input.GroupName)) throw new ServiceError("GroupExistsException", `A group with the name ${input.GroupName} already exists.`);
    const now = this.core.env.clock.now();
    const g = { GroupName: input.GroupName, UserPoolId: pool.Id, Description: input.Description, RoleArn: input.RoleArn, Precedence: input.Precedence, CreationDate: now, LastModifiedDate: now };
    this.core.db.s.groupPut!.run(pool.Id, g.GroupName, JSON.stringify(g));
    return { Group: groupOut(g) };
  }

  GetGroup(ctx: RequestContext, input: C.GetGroupInput): C.GetGroupOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    return { Group: this.group(pool.Id, input.GroupName) };
  }

  UpdateGroup(ctx: RequestContext, input: C.UpdateGroupInput): C.UpdateGroupOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const row = this.core.db.s.groupGet!.get(pool.Id, input.GroupName) as { body: string } | undefined;
    if (!row) throw notFound("Group not found.");
    const g = JSON.parse(row.body);
    for (const k of ["Description", "RoleArn", "Precedence"] as const) if (input[k] !== undefined) g[k] = input[k];
    g.LastModifiedDate = this.core.env.clock.now();
    this.core.db.s.groupPut!.run(pool.Id, g.GroupName, JSON.stringify(g));
    return { Group: groupOut(g) };
  }

  DeleteGroup(ctx: RequestContext, input: C.DeleteGroupInput): C.DeleteGroupOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    this.group(pool.Id, input.GroupName);
    this.core.db.s.membersDeleteGroup!.run(pool.Id, input.GroupName);
    this.core.db.s.groupDelete!.run(pool.Id, input.GroupName);
    return {};
  }

  ListGroups(ctx: RequestContext, input: C.ListGroupsInput): C.ListGroupsOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const limit = checkPageSize(input.Limit, "limit", false);
    const rows = this.core.db.s.groupList!.all(pool.Id, input.NextToken ?? "", limit + 1) as Array<{ name: string; body: string }>;
    const page = rows.slice(0, limit);
    return { Groups: page.map((r) => groupOut(JSON.parse(r.body))), NextToken: rows.length > limit ? page[page.length - 1]!.name : undefined };
  }

  // ---- resource servers (custom scopes for the client-credentials flow) ------------------------------------

  CreateResourceServer(ctx: RequestContext, input: C.CreateResourceServerInput): C.CreateResourceServerOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    if (this.core.db.s.rsGet!.get(pool.Id, input.Identifier)) throw invalidParameter(`${input.Identifier} already exists in user pool ${pool.Id}.`);
    const rs: C.ResourceServer = { UserPoolId: pool.Id, Identifier: input.Identifier, Name: input.Name, Scopes: input.Scopes ?? [] };
    this.core.db.s.rsPut!.run(pool.Id, input.Identifier, JSON.stringify(rs));
    return { ResourceServer: rs };
  }

  DescribeResourceServer(ctx: RequestContext, input: C.DescribeResourceServerInput): C.DescribeResourceServerOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const row = this.core.db.s.rsGet!.get(pool.Id, input.Identifier) as { body: string } | undefined;
    if (!row) throw notFound(`Resource server ${input.Identifier} does not exist.`);
    return { ResourceServer: JSON.parse(row.body) };
  }

  UpdateResourceServer(ctx: RequestContext, input: C.UpdateResourceServerInput): C.UpdateResourceServerOutput {
    this.DescribeResourceServer(ctx, input);
    const rs: C.ResourceServer = { UserPoolId: input.UserPoolId, Identifier: input.Identifier, Name: input.Name, Scopes: input.Scopes ?? [] };
    this.core.db.s.rsPut!.run(input.UserPoolId, input.Identifier, JSON.stringify(rs));
    return { ResourceServer: rs };
  }

  ListResourceServers(ctx: RequestContext, input: C.ListResourceServersInput): C.ListResourceServersOutput {
    const pool = this.core.ownPool(ctx, input.UserPoolId);
    const limit = input.MaxResults ?? 50;
    const rows = this.core.db.s.rsList!.all(pool.Id, input.NextToken ?? "", limit + 1) as Array<{ identifier: string; body: string }>;
    const page = rows.slice(0, limit);
    return { ResourceServers: page.map((r) => JSON.parse(r.body)), NextToken: rows.length > limit ? page[page.length - 1]!.identifier : undefined };
  }

  DeleteResourceServer(ctx: RequestContext, input: C.DeleteResourceServerInput): C.DeleteResourceServerOutput {
    this.DescribeResourceServer(ctx, input);
    this.core.db.s.rsDelete!.run(input.UserPoolId, input.Identifier);
    return {};
  }
}

function clientOut(c: ClientDoc): C.UserPoolClient {
  return { ...c, CreationDate: new Date(c.CreationDate), LastModifiedDate: new Date(c.LastModifiedDate) };
}

function groupOut(g: { CreationDate: number; LastModifiedDate: number } & Record<string, unknown>): C.GroupsItem {
  return { ...g, CreationDate: new Date(g.CreationDate), LastModifiedDate: new Date(g.LastModifiedDate) } as C.GroupsItem;
}
