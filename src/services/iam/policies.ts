/** Managed policies (customer and AWS): versions with a default, the 5-version limit, attachment listings, and access keys. */
import { randomBytes } from "node:crypto";
import type { RequestContext } from "../../edge/context.js";
import type { Policy } from "../../aws/api/iam.js";
import { encodeDoc, paginate } from "./base.js";
import { Limits } from "./constants.js";
import { AWS_MANAGED, type AwsManagedPolicy } from "./managed-policies.js";
import type { PolicyEntity } from "./model.js";
import { pathOfPolicyArn, type In, type Out } from "./principals.js";
import { IamUsers } from "./users.js";
import { alreadyExists, checkName, checkPath, checkPolicyDocument, deleteConflict, invalidInput, limitExceeded, mergeTags, noSuchEntity } from "./validate.js";

export class IamPolicies extends IamUsers {
  private policyOut(a: string, p: PolicyEntity | AwsManagedPolicy, withDescription: boolean): Policy {
    const local = "versions" in p;
    const out: Policy = {
      PolicyName: p.name,
      PolicyId: p.id,
      Arn: p.arn,
      Path: p.path,
      DefaultVersionId: local ? p.defaultVersion : p.versionId,
      AttachmentCount: this.attachmentsOf(a, p.arn).length,
      PermissionsBoundaryUsageCount: this.attachmentsOf(a, p.arn, "boundary").length,
      IsAttachable: true,
      CreateDate: new Date(p.created),
      UpdateDate: new Date(p.updated),
    };
    if (withDescription && p.description !== undefined) out.Description = p.description;
    if (local && p.tags.length) out.Tags = p.tags;
    return out;
  }

  private managed(a: string, arn: string | undefined): PolicyEntity | AwsManagedPolicy {
    const p = AWS_MANAGED.get(arn ?? "") ?? this.localPolicy(a, arn ?? "");
    if (!p) throw noSuchEntity(`Policy ${arn} was not found.`);
    return p;
  }

  private local(a: string, arn: string | undefined): PolicyEntity {
    const p = this.managed(a, arn);
    if (!("versions" in p)) throw invalidInput(`Policy ${arn} is an AWS managed policy: it cannot be changed.`);
    return p;
  }

  CreatePolicy(ctx: RequestContext, input: In<"CreatePolicy">): Out<"CreatePolicy"> {
    const a = ctx.accountId;
    const name = checkName(input.PolicyName, "policyName", Limits.POLICY_NAME_MAX);
    const path = checkPath(input.Path);
    const doc = checkPolicyDocument(input.PolicyDocument, "identity", "managed");
    if (this.store.get(a, "policy", name)) throw alreadyExists(`A policy called ${name} already exists. Duplicate names are not allowed.`);
    const now = this.now();
    const p: PolicyEntity = { name, path, id: this.newId("policy"), arn: this.arn(a, "policy", path, name), created: now, updated: now, description: input.Description, tags: mergeTags([], input.Tags), defaultVersion: "v1", versions: [{ id: "v1", document: doc, created: now }], nextVersion: 2 };
    this.store.put(a, "policy", name, p);
    const out = this.policyOut(a, p, false);
    delete out.Description;
    return { Policy: out };
  }

  GetPolicy(ctx: RequestContext, input: In<"GetPolicy">): Out<"GetPolicy"> {
    return { Policy: this.policyOut(ctx.accountId, this.managed(ctx.accountId, input.PolicyArn), true) };
  }

  DeletePolicy(ctx: RequestContext, input: In<"DeletePolicy">): Out<"DeletePolicy"> {
    const a = ctx.accountId;
    const p = this.local(a, input.PolicyArn);
    if (this.attachmentsOf(a, p.arn).length || this.attachmentsOf(a, p.arn, "boundary").length) throw deleteConflict("Cannot delete a policy attached to entities.");
    if (p.versions.length > 1) throw deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
    this.store.delete(a, "policy", p.name);
    return {};
  }

  ListPolicies(ctx: RequestContext, input: In<"ListPolicies">): Out<"ListPolicies"> {
    const a = ctx.accountId;
    const scope = input.Scope ?? "All";
    let all: Array<PolicyEntity | AwsManagedPolicy> = [];
    if (scope !== "Local") all.push(...[...AWS_MANAGED.values()].sort((x, y) => x.name.localeCompare(y.name)));
    if (scope !== "AWS") all.push(...this.store.list<PolicyEntity>(a, "policy"));
    if (input.PathPrefix) all = all.filter((p) => p.path.startsWith(input.PathPrefix!));
    let out = all.map((p) => this.policyOut(a, p, false));
    if (input.OnlyAttached) out = out.filter((p) => p.AttachmentCount! > 0);
    if (input.PolicyUsageFilter === "PermissionsBoundary") out = out.filter((p) => p.PermissionsBoundaryUsageCount! > 0);
    const { page, IsTruncated, Marker } = paginate(out, input.Marker, input.MaxItems);
    return { Policies: page, IsTruncated, Marker };
  }

  CreatePolicyVersion(ctx: RequestContext, input: In<"CreatePolicyVersion">): Out<"CreatePolicyVersion"> {
    const a = ctx.accountId;
    const p = this.local(a, input.PolicyArn);
    const doc = checkPolicyDocument(input.PolicyDocument, "identity", "managed");
    if (p.versions.length >= Limits.POLICY_VERSIONS_MAX) throw limitExceeded(`A managed policy can have up to ${Limits.POLICY_VERSIONS_MAX} versions. Before you create a new version, you must delete an existing version.`);
    const now = this.now();
    const v = { id: `v${p.nextVersion++}`, document: doc, created: now };
    p.versions.push(v);
    if (input.SetAsDefault) p.defaultVersion = v.id;
    p.updated = now;
    this.store.put(a, "policy", p.name, p);
    return { PolicyVersion: { VersionId: v.id, IsDefaultVersion: p.defaultVersion === v.id, CreateDate: new Date(now) } };
  }

  GetPolicyVersion(ctx: RequestContext, input: In<"GetPolicyVersion">): Out<"GetPolicyVersion"> {
    const p = this.managed(ctx.accountId, input.PolicyArn);
    if (!("versions" in p)) {
      if (input.VersionId !== p.versionId) throw noSuchEntity(`Policy ${p.arn} version ${input.VersionId} does not exist or is not attachable.`);
      return { PolicyVersion: { Document: encodeDoc(p.document), VersionId: p.versionId, IsDefaultVersion: true, CreateDate: new Date(p.updated) } };
    }
    const v = p.versions.find((x) => x.id === input.VersionId);
    if (!v) throw noSuchEntity(`Policy ${p.arn} version ${input.VersionId} does not exist or is not attachable.`);
    return { PolicyVersion: { Document: encodeDoc(v.document), VersionId: v.id, IsDefaultVersion: v.id === p.defaultVersion, CreateDate: new Date(v.created) } };
  }

  ListPolicyVersions(ctx: RequestContext, input: In<"ListPolicyVersions">): Out<"ListPolicyVersions"> {
    const p = this.managed(ctx.accountId, input.PolicyArn);
    const versions = "versions" in p ? p.versions.slice().reverse().map((v) => ({ VersionId: v.id, IsDefaultVersion: v.id === p.defaultVersion, CreateDate: new Date(v.created) })) : [{ VersionId: p.versionId, IsDefaultVersion: true, CreateDate: new Date(p.updated) }];
    const { page, IsTruncated, Marker } = paginate(versions, input.Marker, input.MaxItems);
    return { Versions: page, IsTruncated, Marker };
  }

  DeletePolicyVersion(ctx: RequestContext, input: In<"DeletePolicyVersion">): Out<"DeletePolicyVersion"> {
    const a = ctx.accountId;
    const p = this.local(a, input.PolicyArn);
    const i = p.versions.findIndex((v) => v.id === input.VersionId);
    if (i < 0) throw noSuchEntity(`Policy ${p.arn} version ${input.VersionId} does not exist or is not attachable.`);
    if (p.defaultVersion === input.VersionId) throw deleteConflict("Cannot delete the default version of a policy.");
    p.versions.splice(i, 1);
    this.store.put(a, "policy", p.name, p);
    return {};
  }

  SetDefaultPolicyVersion(ctx: RequestContext, input: In<"SetDefaultPolicyVersion">): Out<"SetDefaultPolicyVersion"> {
    const a = ctx.accountId;
    const p = this.local(a, input.PolicyArn);
    if (!p.versions.some((v) => v.id === input.VersionId)) throw noSuchEntity(`Policy ${p.arn} version ${input.VersionId} does not exist or is not attachable.`);
    p.defaultVersion = input.VersionId;
    p.updated = this.now();
    this.store.put(a, "policy", p.name, p);
    return {};
  }

  ListEntitiesForPolicy(ctx: RequestContext, input: In<"ListEntitiesForPolicy">): Out<"ListEntitiesForPolicy"> {
    const a = ctx.accountId;
    const p = this.managed(a, input.PolicyArn);
    const usage = input.PolicyUsageFilter === "PermissionsBoundary" ? "boundary" : "attached";
    const found = this.attachmentsOf(a, p.arn, usage).filter((x) => !input.EntityFilter || input.EntityFilter.toLowerCase() === x.kind || (input.EntityFilter === "LocalManagedPolicy" ? false : false));
    const filtered = input.PathPrefix ? found.filter((x) => x.e.path.startsWith(input.PathPrefix!)) : found;
    const { page, IsTruncated, Marker } = paginate(filtered, input.Marker, input.MaxItems);
    return {
      PolicyGroups: page.filter((x) => x.kind === "group").map((x) => ({ GroupName: x.e.name, GroupId: x.e.id })),
      PolicyUsers: page.filter((x) => x.kind === "user").map((x) => ({ UserName: x.e.name, UserId: x.e.id })),
      PolicyRoles: page.filter((x) => x.kind === "role").map((x) => ({ RoleName: x.e.name, RoleId: x.e.id })),
      IsTruncated,
      Marker,
    };
  }

  TagPolicy(ctx: RequestContext, input: In<"TagPolicy">): Out<"TagPolicy"> {
    const p = this.local(ctx.accountId, input.PolicyArn);
    p.tags = mergeTags(p.tags, input.Tags);
    this.store.put(ctx.accountId, "policy", p.name, p);
    return {};
  }

  UntagPolicy(ctx: RequestContext, input: In<"UntagPolicy">): Out<"UntagPolicy"> {
    const p = this.local(ctx.accountId, input.PolicyArn);
    const drop = new Set(input.TagKeys.map((k) => k.toLowerCase()));
    p.tags = p.tags.filter((t) => !drop.has(t.Key.toLowerCase()));
    this.store.put(ctx.accountId, "policy", p.name, p);
    return {};
  }

  ListPolicyTags(ctx: RequestContext, input: In<"ListPolicyTags">): Out<"ListPolicyTags"> {
    const p = this.local(ctx.accountId, input.PolicyArn);
    const { page, IsTruncated, Marker } = paginate(p.tags, input.Marker, input.MaxItems);
    return { Tags: page, IsTruncated, Marker };
  }

  // --- access keys: a new key is a credential Skyport recognises at once (CredentialRegistry) ---

  /** Whose keys: the named user, else the caller's own user (root: refused, Skyport keeps no root keys). */
  private keyOwner(ctx: RequestContext, userName: string | undefined): string {
    if (userName !== undefined) return this.user(ctx.accountId, userName).name;
    const own = this.credentials.userKey(ctx.principal.accessKeyId);
    if (own) return this.user(own.accountId, own.userName).name;
    throw invalidInput("Skyport keeps no access keys for the root user: name a UserName.");
  }

  CreateAccessKey(ctx: RequestContext, input: In<"CreateAccessKey">): Out<"CreateAccessKey"> {
    const a = ctx.accountId;
    const user = this.keyOwner(ctx, input.UserName);
    if (this.store.keysOf(a, user).length >= Limits.ACCESS_KEYS_PER_USER) throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${Limits.ACCESS_KEYS_PER_USER}`);
    const row = { id: this.newId("accessKey").slice(0, 20), account: a, user: user.toLowerCase(), secret: randomBytes(30).toString("base64").replace(/[+/]/g, "A").slice(0, 40), status: "Active" as const, created: this.now() };
    this.store.putKey(row);
    this.credentials.setUserKey(row.id, { secret: row.secret, accountId: a, userName: user, active: true });
    return { AccessKey: { UserName: user, AccessKeyId: row.id, Status: "Active", SecretAccessKey: row.secret, CreateDate: new Date(row.created) } };
  }

  ListAccessKeys(ctx: RequestContext, input: In<"ListAccessKeys">): Out<"ListAccessKeys"> {
    const user = this.keyOwner(ctx, input.UserName);
    const { page, IsTruncated, Marker } = paginate(this.store.keysOf(ctx.accountId, user), input.Marker, input.MaxItems);
    return { AccessKeyMetadata: page.map((k) => ({ UserName: user, AccessKeyId: k.id, Status: k.status, CreateDate: new Date(k.created) })), IsTruncated, Marker };
  }

  UpdateAccessKey(ctx: RequestContext, input: In<"UpdateAccessKey">): Out<"UpdateAccessKey"> {
    const user = this.keyOwner(ctx, input.UserName);
    const k = this.store.key(input.AccessKeyId);
    if (!k || k.account !== ctx.accountId || k.user !== user.toLowerCase()) throw noSuchEntity(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
    if (input.Status !== "Active" && input.Status !== "Inactive") throw invalidInput(`Invalid status: ${input.Status}`);
    this.store.putKey({ ...k, status: input.Status });
    this.credentials.setUserKey(k.id, { secret: k.secret, accountId: k.account, userName: user, active: input.Status === "Active" });
    return {};
  }

  DeleteAccessKey(ctx: RequestContext, input: In<"DeleteAccessKey">): Out<"DeleteAccessKey"> {
    const user = this.keyOwner(ctx, input.UserName);
    const k = this.store.key(input.AccessKeyId);
    if (!k || k.account !== ctx.accountId || k.user !== user.toLowerCase()) throw noSuchEntity(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
    this.store.deleteKey(k.id);
    this.credentials.setUserKey(k.id, undefined);
    return {};
  }

  GetAccessKeyLastUsed(_ctx: RequestContext, input: In<"GetAccessKeyLastUsed">): Out<"GetAccessKeyLastUsed"> {
    const k = this.store.key(input.AccessKeyId);
    if (!k) return {};
    const u = this.store.get<{ name: string }>(k.account, "user", k.user);
    return { UserName: u?.name ?? k.user, AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A" } as never };
  }

  /** Re-registers persisted user keys with the CredentialRegistry (at start and after a reset). */
  protected loadKeys(): void {
    for (const k of this.store.allKeys()) {
      const u = this.store.get<{ name: string }>(k.account, "user", k.user);
      this.credentials.setUserKey(k.id, { secret: k.secret, accountId: k.account, userName: u?.name ?? k.user, active: k.status === "Active" });
    }
  }
}

export { pathOfPolicyArn };
