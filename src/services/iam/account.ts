/**
 * Account-wide IAM: instance profiles, account aliases, the password policy, OIDC and SAML providers (stored;
 * STS's AssumeRoleWithWebIdentity reads the OIDC ones), GetAccountAuthorizationDetails and GetAccountSummary.
 */
import type { RequestContext } from "../../edge/context.js";
import { encodeDoc, paginate, underPath } from "./base.js";
import { Limits } from "./constants.js";
import { AWS_MANAGED } from "./managed-policies.js";
import type { AccountEntity, GroupEntity, InstanceProfileEntity, OidcEntity, PolicyEntity, RoleEntity, SamlEntity, UserEntity } from "./model.js";
import { IamPolicies } from "./policies.js";
import type { In, Out } from "./principals.js";
import { roleOut } from "./roles.js";
import { alreadyExists, checkName, checkPath, deleteConflict, invalidInput, limitExceeded, mergeTags, noSuchEntity, validationError } from "./validate.js";

export class IamAccount extends IamPolicies {
  private profile(a: string, name: string): InstanceProfileEntity {
    const p = this.store.get<InstanceProfileEntity>(a, "instance-profile", name);
    if (!p) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
    return p;
  }

  private profileOut(a: string, p: InstanceProfileEntity) {
    const roles = p.roles.map((n) => this.store.get<RoleEntity>(a, "role", n)).filter((r): r is RoleEntity => !!r);
    return { Path: p.path, InstanceProfileName: p.name, InstanceProfileId: p.id, Arn: p.arn, CreateDate: new Date(p.created), Roles: roles.map((r) => roleOut(r, false)), Tags: p.tags.length ? p.tags : undefined };
  }

  CreateInstanceProfile(ctx: RequestContext, input: In<"CreateInstanceProfile">): Out<"CreateInstanceProfile"> {
    const a = ctx.accountId;
    const name = checkName(input.InstanceProfileName, "instanceProfileName", 128);
    const path = checkPath(input.Path);
    if (this.store.get(a, "instance-profile", name)) throw alreadyExists(`Instance Profile ${name} already exists.`);
    const p: InstanceProfileEntity = { name, path, id: this.newId("instance-profile"), arn: this.arn(a, "instance-profile", path, name), created: this.now(), roles: [], tags: mergeTags([], input.Tags) };
    this.store.put(a, "instance-profile", name, p);
    return { InstanceProfile: this.profileOut(a, p) };
  }

  GetInstanceProfile(ctx: RequestContext, input: In<"GetInstanceProfile">): Out<"GetInstanceProfile"> {
    return { InstanceProfile: this.profileOut(ctx.accountId, this.profile(ctx.accountId, input.InstanceProfileName)) };
  }

  DeleteInstanceProfile(ctx: RequestContext, input: In<"DeleteInstanceProfile">): Out<"DeleteInstanceProfile"> {
    const p = this.profile(ctx.accountId, input.InstanceProfileName);
    if (p.roles.length) throw deleteConflict("Cannot delete entity, must remove roles from instance profile first.");
    this.store.delete(ctx.accountId, "instance-profile", p.name);
    return {};
  }

  ListInstanceProfiles(ctx: RequestContext, input: In<"ListInstanceProfiles">): Out<"ListInstanceProfiles"> {
    const a = ctx.accountId;
    const all = this.store.list<InstanceProfileEntity>(a, "instance-profile").filter(underPath(input.PathPrefix));
    const { page, IsTruncated, Marker } = paginate(all, input.Marker, input.MaxItems);
    return { InstanceProfiles: page.map((p) => this.profileOut(a, p)), IsTruncated, Marker };
  }

  ListInstanceProfilesForRole(ctx: RequestContext, input: In<"ListInstanceProfilesForRole">): Out<"ListInstanceProfilesForRole"> {
    const a = ctx.accountId;
    const r = this.role(a, input.RoleName);
    const all = this.store.list<InstanceProfileEntity>(a, "instance-profile").filter((p) => p.roles.includes(r.name));
    const { page, IsTruncated, Marker } = paginate(all, input.Marker, input.MaxItems);
    return { InstanceProfiles: page.map((p) => this.profileOut(a, p)), IsTruncated, Marker };
  }

  AddRoleToInstanceProfile(ctx: RequestContext, input: In<"AddRoleToInstanceProfile">): Out<"AddRoleToInstanceProfile"> {
    const a = ctx.accountId;
    const p = this.profile(a, input.InstanceProfileName);
    const r = this.role(a, input.RoleName);
    if (p.roles.length >= Limits.ROLES_PER_INSTANCE_PROFILE) throw limitExceeded(`Cannot exceed quota for InstanceSessionsPerInstanceProfile: ${Limits.ROLES_PER_INSTANCE_PROFILE}`);
    p.roles.push(r.name);
    this.store.put(a, "instance-profile", p.name, p);
    return {};
  }

  RemoveRoleFromInstanceProfile(ctx: RequestContext, input: In<"RemoveRoleFromInstanceProfile">): Out<"RemoveRoleFromInstanceProfile"> {
    const a = ctx.accountId;
    const p = this.profile(a, input.InstanceProfileName);
    const r = this.role(a, input.RoleName);
    if (!p.roles.includes(r.name)) throw noSuchEntity(`The role with name ${r.name} cannot be found.`);
    p.roles = p.roles.filter((n) => n !== r.name);
    this.store.put(a, "instance-profile", p.name, p);
    return {};
  }

  TagInstanceProfile(ctx: RequestContext, input: In<"TagInstanceProfile">): Out<"TagInstanceProfile"> {
    const p = this.profile(ctx.accountId, input.InstanceProfileName);
    p.tags = mergeTags(p.tags, input.Tags);
    this.store.put(ctx.accountId, "instance-profile", p.name, p);
    return {};
  }

  UntagInstanceProfile(ctx: RequestContext, input: In<"UntagInstanceProfile">): Out<"UntagInstanceProfile"> {
    const p = this.profile(ctx.accountId, input.InstanceProfileName);
    const drop = new Set(input.TagKeys.map((k) => k.toLowerCase()));
    p.tags = p.tags.filter((t) => !drop.has(t.Key.toLowerCase()));
    this.store.put(ctx.accountId, "instance-profile", p.name, p);
    return {};
  }

  ListInstanceProfileTags(ctx: RequestContext, input: In<"ListInstanceProfileTags">): Out<"ListInstanceProfileTags"> {
    const p = this.profile(ctx.accountId, input.InstanceProfileName);
    const { page, IsTruncated, Marker } = paginate(p.tags, input.Marker, input.MaxItems);
    return { Tags: page, IsTruncated, Marker };
  }

  // --- account alias and password policy ---

  private account(a: string): AccountEntity {
    return this.store.get<AccountEntity>(a, "account", "account") ?? { aliases: [] };
  }

  CreateAccountAlias(ctx: RequestContext, input: In<"CreateAccountAlias">): Out<"CreateAccountAlias"> {
    const alias = input.AccountAlias ?? "";
    if (!/^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$/.test(alias)) throw validationError(`1 validation error detected: Value '${alias}' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`);
    const acc = this.account(ctx.accountId);
    if (acc.aliases[0] === alias) return {};
    acc.aliases = [alias]; // an account has at most one alias: creating another replaces it
    this.store.put(ctx.accountId, "account", "account", acc);
    return {};
  }

  DeleteAccountAlias(ctx: RequestContext, input: In<"DeleteAccountAlias">): Out<"DeleteAccountAlias"> {
    const acc = this.account(ctx.accountId);
    if (!acc.aliases.includes(input.AccountAlias)) throw noSuchEntity(`The account alias ${input.AccountAlias} cannot be found.`);
    acc.aliases = acc.aliases.filter((x) => x !== input.AccountAlias);
    this.store.put(ctx.accountId, "account", "account", acc);
    return {};
  }

  ListAccountAliases(ctx: RequestContext, _input: In<"ListAccountAliases">): Out<"ListAccountAliases"> {
    return { AccountAliases: this.account(ctx.accountId).aliases, IsTruncated: false };
  }

  UpdateAccountPasswordPolicy(ctx: RequestContext, input: In<"UpdateAccountPasswordPolicy">): Out<"UpdateAccountPasswordPolicy"> {
    const min = input.MinimumPasswordLength ?? 8;
    if (min < 6 || min > 128) throw validationError(`1 validation error detected: Value '${min}' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value ${min < 6 ? "greater than or equal to 6" : "less than or equal to 128"}`);
    const acc = this.account(ctx.accountId);
    acc.passwordPolicy = {
      MinimumPasswordLength: min,
      RequireSymbols: input.RequireSymbols ?? false,
      RequireNumbers: input.RequireNumbers ?? false,
      RequireUppercaseCharacters: input.RequireUppercaseCharacters ?? false,
      RequireLowercaseCharacters: input.RequireLowercaseCharacters ?? false,
      AllowUsersToChangePassword: input.AllowUsersToChangePassword ?? false,
      ExpirePasswords: (input.MaxPasswordAge ?? 0) > 0,
      ...(input.MaxPasswordAge ? { MaxPasswordAge: input.MaxPasswordAge } : {}),
      ...(input.PasswordReusePrevention ? { PasswordReusePrevention: input.PasswordReusePrevention } : {}),
      HardExpiry: input.HardExpiry ?? false,
    };
    this.store.put(ctx.accountId, "account", "account", acc);
    return {};
  }

  GetAccountPasswordPolicy(ctx: RequestContext, _input: In<"GetAccountPasswordPolicy">): Out<"GetAccountPasswordPolicy"> {
    const acc = this.account(ctx.accountId);
    if (!acc.passwordPolicy) throw noSuchEntity(`The Password Policy with domain name ${ctx.accountId} cannot be found.`);
    return { PasswordPolicy: acc.passwordPolicy };
  }

  DeleteAccountPasswordPolicy(ctx: RequestContext, _input: In<"DeleteAccountPasswordPolicy">): Out<"DeleteAccountPasswordPolicy"> {
    const acc = this.account(ctx.accountId);
    if (!acc.passwordPolicy) throw noSuchEntity(`The account policy with name PasswordPolicy cannot be found.`);
    delete acc.passwordPolicy;
    this.store.put(ctx.accountId, "account", "account", acc);
    return {};
  }

  GetAccountSummary(ctx: RequestContext, _input: In<"GetAccountSummary">): Out<"GetAccountSummary"> {
    const a = ctx.accountId;
    const users = this.store.list<UserEntity>(a, "user");
    return {
      SummaryMap: {
        Users: users.length,
        UsersQuota: 5000,
        Groups: this.store.list(a, "group").length,
        GroupsQuota: 300,
        Roles: this.store.list(a, "role").length,
        RolesQuota: 1000,
        Policies: this.store.list(a, "policy").length,
        PoliciesQuota: 1500,
        InstanceProfiles: this.store.list(a, "instance-profile").length,
        InstanceProfilesQuota: 1000,
        AccessKeysPerUserQuota: Limits.ACCESS_KEYS_PER_USER,
        PolicyVersionsInUseQuota: 10000,
        VersionsPerPolicyQuota: Limits.POLICY_VERSIONS_MAX,
        AttachedPoliciesPerRoleQuota: Limits.ATTACHED_POLICIES_MAX,
        AttachedPoliciesPerUserQuota: Limits.ATTACHED_POLICIES_MAX,
        AttachedPoliciesPerGroupQuota: Limits.ATTACHED_POLICIES_MAX,
        PolicySizeQuota: Limits.MANAGED_POLICY_CHARS,
        AccountMFAEnabled: 0,
        MFADevices: this.store.list(a, "mfa").length,
        Providers: this.store.list(a, "oidc").length + this.store.list(a, "saml").length,
      },
    };
  }

  GetAccountAuthorizationDetails(ctx: RequestContext, input: In<"GetAccountAuthorizationDetails">): Out<"GetAccountAuthorizationDetails"> {
    const a = ctx.accountId;
    const want = new Set(input.Filter?.length ? input.Filter : ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]);
    const attachedOut = (arns: string[]) => arns.map((arn) => ({ PolicyArn: arn, PolicyName: this.resolvePolicy(a, arn)?.name ?? arn.split("/").pop()! }));
    const inlineOut = (inline: Record<string, string>) => Object.entries(inline).map(([PolicyName, d]) => ({ PolicyName, PolicyDocument: encodeDoc(d) }));
    const boundary = (arn?: string) => (arn ? { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: arn } : undefined);
    const profiles = this.store.list<InstanceProfileEntity>(a, "instance-profile");
    const items: Array<[string, unknown]> = [];
    if (want.has("User")) for (const u of this.store.list<UserEntity>(a, "user")) items.push(["u", { Path: u.path, UserName: u.name, UserId: u.id, Arn: u.arn, CreateDate: new Date(u.created), UserPolicyList: inlineOut(u.inline), GroupList: u.groups, AttachedManagedPolicies: attachedOut(u.attached), PermissionsBoundary: boundary(u.boundary), Tags: u.tags.length ? u.tags : undefined }]);
    if (want.has("Group")) for (const g of this.store.list<GroupEntity>(a, "group")) items.push(["g", { Path: g.path, GroupName: g.name, GroupId: g.id, Arn: g.arn, CreateDate: new Date(g.created), GroupPolicyList: inlineOut(g.inline), AttachedManagedPolicies: attachedOut(g.attached) }]);
    if (want.has("Role")) {
      for (const r of this.store.list<RoleEntity>(a, "role")) {
        items.push(["r", { ...roleOut(r, true), InstanceProfileList: profiles.filter((p) => p.roles.includes(r.name)).map((p) => this.profileOut(a, p)), RolePolicyList: inlineOut(r.inline), AttachedManagedPolicies: attachedOut(r.attached) }]);
      }
    }
    const policyDetail = (p: { name: string; id: string; arn: string; path: string; created: number; updated: number; description?: string }, def: string, versions: Array<{ id: string; document: string; created: number }>) => ({
      PolicyName: p.name, PolicyId: p.id, Arn: p.arn, Path: p.path, DefaultVersionId: def, AttachmentCount: this.attachmentsOf(a, p.arn).length, PermissionsBoundaryUsageCount: this.attachmentsOf(a, p.arn, "boundary").length, IsAttachable: true, Description: p.description, CreateDate: new Date(p.created), UpdateDate: new Date(p.updated),
      PolicyVersionList: versions.map((v) => ({ Document: encodeDoc(v.document), VersionId: v.id, IsDefaultVersion: v.id === def, CreateDate: new Date(v.created) })),
    });
    if (want.has("LocalManagedPolicy")) for (const p of this.store.list<PolicyEntity>(a, "policy")) items.push(["p", policyDetail(p, p.defaultVersion, p.versions)]);
    if (want.has("AWSManagedPolicy")) {
      // AWS lists only the AWS managed policies in use in the account.
      for (const p of AWS_MANAGED.values()) if (this.attachmentsOf(a, p.arn).length) items.push(["p", policyDetail(p, p.versionId, [{ id: p.versionId, document: p.document, created: p.updated }])]);
    }
    const { page, IsTruncated, Marker } = paginate(items, input.Marker, input.MaxItems);
    const pick = (k: string) => page.filter(([t]) => t === k).map(([, v]) => v) as never[];
    return { UserDetailList: pick("u"), GroupDetailList: pick("g"), RoleDetailList: pick("r"), Policies: pick("p"), IsTruncated, Marker };
  }

  // --- OIDC and SAML providers ---

  oidcProvider(a: string, arn: string): OidcEntity {
    const p = this.store.get<OidcEntity>(a, "oidc", arn);
    if (!p) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
    return p;
  }

  CreateOpenIDConnectProvider(ctx: RequestContext, input: In<"CreateOpenIDConnectProvider">): Out<"CreateOpenIDConnectProvider"> {
    const a = ctx.accountId;
    let url: URL;
    try {
      url = new URL(input.Url);
    } catch {
      throw validationError(`Invalid URL: ${input.Url}`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw validationError(`Invalid URL: ${input.Url}`);
    const host = (url.host + url.pathname).replace(/\/$/, "");
    const arn = `arn:aws:iam::${a}:oidc-provider/${host}`;
    if (this.store.get(a, "oidc", arn)) throw alreadyExists(`Provider with url ${input.Url} already exists.`);
    if ((input.ClientIDList ?? []).length > 100) throw limitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");
    const p: OidcEntity = { arn, url: input.Url.replace(/\/$/, ""), clientIds: [...new Set(input.ClientIDList ?? [])], thumbprints: input.ThumbprintList ?? [], created: this.now(), tags: mergeTags([], input.Tags) };
    this.store.put(a, "oidc", arn, p);
    return { OpenIDConnectProviderArn: arn, Tags: p.tags.length ? p.tags : undefined };
  }

  GetOpenIDConnectProvider(ctx: RequestContext, input: In<"GetOpenIDConnectProvider">): Out<"GetOpenIDConnectProvider"> {
    const p = this.oidcProvider(ctx.accountId, input.OpenIDConnectProviderArn);
    return { Url: p.url.replace(/^https?:\/\//, ""), ClientIDList: p.clientIds, ThumbprintList: p.thumbprints, CreateDate: new Date(p.created), Tags: p.tags };
  }

  ListOpenIDConnectProviders(ctx: RequestContext, _input: In<"ListOpenIDConnectProviders">): Out<"ListOpenIDConnectProviders"> {
    return { OpenIDConnectProviderList: this.store.list<OidcEntity>(ctx.accountId, "oidc").map((p) => ({ Arn: p.arn })) };
  }

  DeleteOpenIDConnectProvider(ctx: RequestContext, input: In<"DeleteOpenIDConnectProvider">): Out<"DeleteOpenIDConnectProvider"> {
    this.store.delete(ctx.accountId, "oidc", this.oidcProvider(ctx.accountId, input.OpenIDConnectProviderArn).arn);
    return {};
  }

  AddClientIDToOpenIDConnectProvider(ctx: RequestContext, input: In<"AddClientIDToOpenIDConnectProvider">): Out<"AddClientIDToOpenIDConnectProvider"> {
    const p = this.oidcProvider(ctx.accountId, input.OpenIDConnectProviderArn);
    if (!p.clientIds.includes(input.ClientID)) p.clientIds.push(input.ClientID);
    this.store.put(ctx.accountId, "oidc", p.arn, p);
    return {};
  }

  RemoveClientIDFromOpenIDConnectProvider(ctx: RequestContext, input: In<"RemoveClientIDFromOpenIDConnectProvider">): Out<"RemoveClientIDFromOpenIDConnectProvider"> {
    const p = this.oidcProvider(ctx.accountId, input.OpenIDConnectProviderArn);
    p.clientIds = p.clientIds.filter((c) => c !== input.ClientID);
    this.store.put(ctx.accountId, "oidc", p.arn, p);
    return {};
  }

  UpdateOpenIDConnectProviderThumbprint(ctx: RequestContext, input: In<"UpdateOpenIDConnectProviderThumbprint">): Out<"UpdateOpenIDConnectProviderThumbprint"> {
    const p = this.oidcProvider(ctx.accountId, input.OpenIDConnectProviderArn);
    p.thumbprints = input.ThumbprintList;
    this.store.put(ctx.accountId, "oidc", p.arn, p);
    return {};
  }

  private saml(a: string, arn: string): SamlEntity {
    const p = this.store.get<SamlEntity>(a, "saml", arn);
    if (!p) throw noSuchEntity(`Manifest not found for arn ${arn}`);
    return p;
  }

  CreateSAMLProvider(ctx: RequestContext, input: In<"CreateSAMLProvider">): Out<"CreateSAMLProvider"> {
    const a = ctx.accountId;
    const name = checkName(input.Name, "name", 128);
    const arn = `arn:aws:iam::${a}:saml-provider/${name}`;
    if (this.store.get(a, "saml", arn)) throw alreadyExists(`SAMLProvider ${name} already exists.`);
    if (!input.SAMLMetadataDocument || input.SAMLMetadataDocument.length < 1000 && !/EntityDescriptor/.test(input.SAMLMetadataDocument)) throw invalidInput("Could not parse metadata");
    const now = this.now();
    const p: SamlEntity = { arn, name, metadata: input.SAMLMetadataDocument, created: now, validUntil: now + 365 * 86400_000, tags: mergeTags([], input.Tags) };
    this.store.put(a, "saml", arn, p);
    return { SAMLProviderArn: arn, Tags: p.tags.length ? p.tags : undefined };
  }

  GetSAMLProvider(ctx: RequestContext, input: In<"GetSAMLProvider">): Out<"GetSAMLProvider"> {
    const p = this.saml(ctx.accountId, input.SAMLProviderArn);
    return { SAMLMetadataDocument: p.metadata, CreateDate: new Date(p.created), ValidUntil: new Date(p.validUntil), Tags: p.tags };
  }

  UpdateSAMLProvider(ctx: RequestContext, input: In<"UpdateSAMLProvider">): Out<"UpdateSAMLProvider"> {
    const p = this.saml(ctx.accountId, input.SAMLProviderArn);
    if (input.SAMLMetadataDocument !== undefined) p.metadata = input.SAMLMetadataDocument;
    this.store.put(ctx.accountId, "saml", p.arn, p);
    return { SAMLProviderArn: p.arn };
  }

  ListSAMLProviders(ctx: RequestContext, _input: In<"ListSAMLProviders">): Out<"ListSAMLProviders"> {
    return { SAMLProviderList: this.store.list<SamlEntity>(ctx.accountId, "saml").map((p) => ({ Arn: p.arn, CreateDate: new Date(p.created), ValidUntil: new Date(p.validUntil) })) };
  }

  DeleteSAMLProvider(ctx: RequestContext, input: In<"DeleteSAMLProvider">): Out<"DeleteSAMLProvider"> {
    this.store.delete(ctx.accountId, "saml", this.saml(ctx.accountId, input.SAMLProviderArn).arn);
    return {};
  }
}
