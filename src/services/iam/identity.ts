/**
 * IAM as the source of identity (IdentitySource): an access key → who the caller is and which policies apply.
 * Also what STS and Lambda ask IAM in process: a role by ARN, whether its trust policy lets a principal assume
 * it, a managed policy's document, an OIDC provider by issuer. Identities are cached per access key and
 * dropped whenever IAM state changes (the store's generation).
 */
import { principalMatches, type TrustPrincipal } from "../../aws/policy/evaluate.js";
import type { CallerIdentity, ConditionValue, IdentitySource } from "../../aws/policy/types.js";
import type { SessionCredentials } from "../../aws/credentials.js";
import { IamAccount } from "./account.js";
import type { GroupEntity, OidcEntity, RoleEntity, UserEntity } from "./model.js";

const ALLOW_ALL = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

export class IamIdentity extends IamAccount implements IdentitySource {
  private readonly identities = new Map<string, CallerIdentity>();
  private identitiesGeneration = -1;

  /** The store generation: caches of decisions derived from IAM state compare it. */
  get generation(): number {
    return this.store.generation;
  }

  identify(accessKeyId: string): CallerIdentity | undefined {
    if (this.identitiesGeneration !== this.store.generation) {
      this.identities.clear();
      this.identitiesGeneration = this.store.generation;
    }
    const cached = this.identities.get(accessKeyId);
    if (cached) return cached;
    const id = this.resolve(accessKeyId);
    if (id) {
      if (this.identities.size > 10_000) this.identities.clear();
      this.identities.set(accessKeyId, id);
    }
    return id;
  }

  private resolve(accessKeyId: string): CallerIdentity | undefined {
    const account = this.credentials.accountFor(accessKeyId);
    if (this.credentials.isConfigured(accessKeyId)) return this.root(account);
    const session = this.credentials.session(accessKeyId);
    if (session) return this.sessionIdentity(session);
    const key = this.credentials.userKey(accessKeyId);
    if (key) {
      const u = this.store.get<UserEntity>(key.accountId, "user", key.userName);
      return u ? this.userIdentity(key.accountId, u) : undefined;
    }
    return undefined;
  }

  private root(account: string): CallerIdentity {
    const arn = `arn:aws:iam::${account}:root`;
    return { accountId: account, arn, principalArn: arn, userId: account, kind: "root", identityPolicies: [ALLOW_ALL], principalTags: {}, allPowerful: true };
  }

  protected userIdentity(a: string, u: UserEntity): CallerIdentity {
    const docs = this.policiesOf(a, u);
    for (const gName of u.groups) {
      const g = this.store.get<GroupEntity>(a, "group", gName);
      if (g) docs.push(...this.policiesOf(a, g));
    }
    const tags = Object.fromEntries(u.tags.map((t) => [t.Key, t.Value]));
    return { accountId: a, arn: u.arn, principalArn: u.arn, userId: u.id, kind: "user", identityPolicies: docs, permissionsBoundary: this.boundaryDoc(a, u.boundary), principalTags: tags, allPowerful: false };
  }

  private sessionIdentity(s: SessionCredentials): CallerIdentity | undefined {
    const a = s.accountId;
    if (s.principalKind === "user-session" || s.principalKind === "federated-user") {
      const parent = s.parentAccessKeyId ? this.resolve(s.parentAccessKeyId) : undefined;
      if (!parent) return undefined;
      if (s.principalKind === "user-session") return parent;
      return { ...parent, arn: s.arn, userId: s.userId ?? parent.userId, kind: "federated-user", allPowerful: false, identityPolicies: parent.allPowerful ? [ALLOW_ALL] : parent.identityPolicies, sessionPolicies: s.sessionPolicies ?? [] };
    }
    // An assumed-role session (STS AssumeRole*, or a function's execution role).
    const role = s.roleArn ? this.roleByArn(s.roleArn) : this.roleFromSessionArn(a, s.arn);
    if (!role) return undefined;
    const tags = Object.fromEntries(role.tags.map((t) => [t.Key, t.Value]));
    Object.assign(tags, s.tags ?? {});
    const sessionName = s.arn.split("/").pop() ?? "";
    return {
      accountId: a,
      arn: s.arn,
      principalArn: role.arn,
      userId: s.userId ?? `${role.id}:${sessionName}`,
      kind: "assumed-role",
      identityPolicies: this.policiesOf(a, role),
      permissionsBoundary: this.boundaryDoc(a, role.boundary),
      sessionPolicies: s.sessionPolicies,
      principalTags: tags,
      allPowerful: false,
    };
  }

  protected policiesOf(a: string, e: UserEntity | GroupEntity | RoleEntity): string[] {
    const docs = Object.values(e.inline);
    for (const arn of e.attached) {
      const p = this.resolvePolicy(a, arn);
      if (p) docs.push(p.document);
    }
    return docs;
  }

  protected boundaryDoc(a: string, arn: string | undefined): string | undefined {
    return arn ? this.resolvePolicy(a, arn)?.document : undefined;
  }

  /** A role by its ARN (path included), or undefined. */
  roleByArn(arn: string): RoleEntity | undefined {
    const m = ROLE_ARN.exec(arn);
    if (!m) return undefined;
    const r = this.store.get<RoleEntity>(m[1]!, "role", m[2]!);
    return r && r.arn === arn ? r : undefined;
  }

  /** Function sessions carry only arn:aws:sts::A:assumed-role/ROLE/SESSION: find the role by name. */
  private roleFromSessionArn(a: string, arn: string): RoleEntity | undefined {
    const name = arn.split("/")[1];
    return name ? this.store.get<RoleEntity>(a, "role", name) : undefined;
  }

  /** Whether the role's trust policy lets `who` perform `action` (sts:AssumeRole, …WithWebIdentity, sts:TagSession). */
  trusts(role: RoleEntity, who: TrustPrincipal, action: string, context: Record<string, ConditionValue> = {}): boolean {
    return principalMatches(role.trust, who, action, context);
  }

  /** Records that a role was used (GetRole's RoleLastUsed). Not counted as a state change. */
  markRoleUsed(role: RoleEntity, region: string): void {
    const r = this.roleByArn(role.arn);
    if (!r) return;
    const at = this.now();
    if (r.lastUsed && at - r.lastUsed.at < 60_000) return; // enough precision; spares a write per AssumeRole
    r.lastUsed = { at, region };
    const generation = this.store.generation;
    this.store.put(r.arn.split(":")[4]!, "role", r.name, r);
    this.store.generation = generation;
  }

  /** A managed policy's default document (AWS's or the account's). */
  managedPolicyDocument(account: string, arn: string): string | undefined {
    return this.resolvePolicy(account, arn)?.document;
  }

  /** The OIDC provider of an issuer URL (with or without scheme), or undefined. */
  oidcByIssuer(account: string, issuer: string): OidcEntity | undefined {
    const host = issuer.replace(/^https?:\/\//, "").replace(/\/$/, "");
    return this.store.get<OidcEntity>(account, "oidc", `arn:aws:iam::${account}:oidc-provider/${host}`);
  }

  /** The user behind a long-term key (GetCallerIdentity, GetFederationToken). */
  userOfKey(accessKeyId: string): UserEntity | undefined {
    const key = this.credentials.userKey(accessKeyId);
    return key ? this.store.get<UserEntity>(key.accountId, "user", key.userName) : undefined;
  }
}
