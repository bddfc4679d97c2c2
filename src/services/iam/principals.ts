/**
 * Inline policies, managed policy attachments, permissions boundaries and tags: the same rules for users,
 * groups and roles, with the entity's own words in IAM's messages.
 */
import type { IamOperations } from "../../aws/api/iam.js";
import { Limits } from "./constants.js";
import { IamBase, paginate, type PrincipalKind } from "./base.js";
import type { GroupEntity, RoleEntity, Tag, UserEntity } from "./model.js";
import { checkName, checkPolicyDocument, limitExceeded, mergeTags, noSuchEntity } from "./validate.js";

export type In<K extends keyof IamOperations> = Parameters<IamOperations[K]>[1];
export type Out<K extends keyof IamOperations> = Awaited<ReturnType<IamOperations[K]>>;

const INLINE_MAX: Record<PrincipalKind, number> = { user: Limits.USER_INLINE_CHARS, group: Limits.GROUP_INLINE_CHARS, role: Limits.ROLE_INLINE_CHARS };
const NAME_MEMBER: Record<PrincipalKind, string> = { user: "userName", group: "groupName", role: "roleName" };

export class IamPrincipals extends IamBase {
  protected save(account: string, kind: PrincipalKind, e: UserEntity | GroupEntity | RoleEntity): void {
    this.store.put(account, kind, e.name, e);
  }

  protected putInline(account: string, kind: PrincipalKind, name: string, policyName: string, doc: string): void {
    checkName(name, NAME_MEMBER[kind], kind === "group" ? Limits.GROUP_NAME_MAX : Limits.NAME_MAX);
    checkName(policyName, "policyName", Limits.POLICY_NAME_MAX);
    const e = this.principal(account, kind, name);
    checkPolicyDocument(doc, "identity", kind, e.name);
    const others = Object.entries(e.inline).filter(([n]) => n !== policyName);
    const total = others.reduce((n, [, d]) => n + d.replace(/\s/g, "").length, 0) + doc.replace(/\s/g, "").length;
    if (total > INLINE_MAX[kind]) throw limitExceeded(`Maximum policy size of ${INLINE_MAX[kind]} bytes exceeded for ${kind} ${e.name}`);
    e.inline[policyName] = doc;
    this.save(account, kind, e);
  }

  protected getInline(account: string, kind: PrincipalKind, name: string, policyName: string): { name: string; document: string } {
    const e = this.principal(account, kind, name);
    const doc = e.inline[policyName];
    if (doc === undefined) throw noSuchEntity(`The ${kind} policy with name ${policyName} cannot be found.`);
    return { name: e.name, document: doc };
  }

  protected deleteInline(account: string, kind: PrincipalKind, name: string, policyName: string): void {
    const e = this.principal(account, kind, name);
    if (e.inline[policyName] === undefined) throw noSuchEntity(`The ${kind} policy with name ${policyName} cannot be found.`);
    delete e.inline[policyName];
    this.save(account, kind, e);
  }

  protected listInline(account: string, kind: PrincipalKind, name: string, marker?: string, maxItems?: number) {
    const e = this.principal(account, kind, name);
    const { page, IsTruncated, Marker } = paginate(Object.keys(e.inline).sort(), marker, maxItems);
    return { PolicyNames: page, IsTruncated, Marker };
  }

  protected attach(account: string, kind: PrincipalKind, name: string, policyArn: string | undefined): void {
    const e = this.principal(account, kind, name);
    const p = this.attachable(account, policyArn);
    if (e.attached.includes(p.arn)) return; // attaching twice is a no-op on AWS
    if (e.attached.length >= Limits.ATTACHED_POLICIES_MAX) throw limitExceeded(`Cannot exceed quota for PoliciesPerRole: ${Limits.ATTACHED_POLICIES_MAX}`.replace("Role", kind === "role" ? "Role" : kind === "user" ? "User" : "Group"));
    e.attached.push(p.arn);
    this.save(account, kind, e);
  }

  protected detach(account: string, kind: PrincipalKind, name: string, policyArn: string): void {
    const e = this.principal(account, kind, name);
    const i = e.attached.indexOf(policyArn);
    if (i < 0) throw noSuchEntity(`Policy ${policyArn} was not found.`);
    e.attached.splice(i, 1);
    this.save(account, kind, e);
  }

  protected listAttached(account: string, kind: PrincipalKind, name: string, input: { PathPrefix?: string; Marker?: string; MaxItems?: number }) {
    const e = this.principal(account, kind, name);
    const all = e.attached
      .map((arn) => ({ arn, p: this.resolvePolicy(account, arn) }))
      .filter((x) => x.p && (!input.PathPrefix || pathOfPolicyArn(x.arn).startsWith(input.PathPrefix)))
      .map((x) => ({ PolicyName: x.p!.name, PolicyArn: x.arn }));
    const { page, IsTruncated, Marker } = paginate(all, input.Marker, input.MaxItems);
    return { AttachedPolicies: page, IsTruncated, Marker };
  }

  protected setBoundary(account: string, kind: "user" | "role", name: string, arn: string | undefined): void {
    const e = this.principal(account, kind, name) as UserEntity | RoleEntity;
    if (arn !== undefined) this.attachable(account, arn);
    e.boundary = arn;
    this.save(account, kind, e);
  }

  protected tag(account: string, kind: "user" | "role", name: string, tags: Tag[] | undefined): void {
    const e = this.principal(account, kind, name) as UserEntity | RoleEntity;
    e.tags = mergeTags(e.tags, tags);
    this.save(account, kind, e);
  }

  protected untag(account: string, kind: "user" | "role", name: string, keys: string[] | undefined): void {
    const e = this.principal(account, kind, name) as UserEntity | RoleEntity;
    const drop = new Set((keys ?? []).map((k) => k.toLowerCase()));
    e.tags = e.tags.filter((t) => !drop.has(t.Key.toLowerCase()));
    this.save(account, kind, e);
  }

  protected listTags(account: string, kind: "user" | "role", name: string, marker?: string, maxItems?: number) {
    const e = this.principal(account, kind, name) as UserEntity | RoleEntity;
    const { page, IsTruncated, Marker } = paginate(e.tags, marker, maxItems);
    return { Tags: page, IsTruncated, Marker };
  }

  /** Which principals of the account have a policy attached (ListEntitiesForPolicy, attachment counts). */
  protected attachmentsOf(account: string, arn: string, which: "boundary" | "attached" = "attached"): Array<{ kind: PrincipalKind; e: UserEntity | GroupEntity | RoleEntity }> {
    const out: Array<{ kind: PrincipalKind; e: UserEntity | GroupEntity | RoleEntity }> = [];
    for (const kind of ["group", "user", "role"] as const) {
      for (const e of this.store.list<UserEntity | GroupEntity | RoleEntity>(account, kind)) {
        if (which === "attached" ? e.attached.includes(arn) : (e as UserEntity).boundary === arn) out.push({ kind, e });
      }
    }
    return out;
  }
}

/** "/service-role/" from arn:aws:iam::aws:policy/service-role/NAME. */
export function pathOfPolicyArn(arn: string): string {
  const rest = arn.slice(arn.indexOf(":policy") + ":policy".length);
  return rest.slice(0, rest.lastIndexOf("/") + 1);
}
