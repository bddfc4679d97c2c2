/** IAM users and groups: membership, inline and attached policies, tags, boundaries, login profiles, MFA devices. */
import { createHash, randomBytes } from "node:crypto";
import type { RequestContext } from "../../edge/context.js";
import type { User } from "../../aws/api/iam.js";
import { encodeDoc, paginate, underPath } from "./base.js";
import { Limits } from "./constants.js";
import type { GroupEntity, LoginProfileEntity, MfaEntity, UserEntity } from "./model.js";
import { IamRoles } from "./roles.js";
import type { In, Out } from "./principals.js";
import { alreadyExists, checkName, checkPath, deleteConflict, invalidInput, mergeTags, noSuchEntity } from "./validate.js";

export function userOut(u: UserEntity, full: boolean): User {
  const out: User = { Path: u.path, UserName: u.name, UserId: u.id, Arn: u.arn, CreateDate: new Date(u.created) };
  if (u.passwordLastUsed) out.PasswordLastUsed = new Date(u.passwordLastUsed);
  if (full) {
    if (u.boundary) out.PermissionsBoundary = { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: u.boundary };
    if (u.tags.length) out.Tags = u.tags;
  }
  return out;
}

const groupOut = (g: GroupEntity) => ({ Path: g.path, GroupName: g.name, GroupId: g.id, Arn: g.arn, CreateDate: new Date(g.created) });
const hashPassword = (p: string) => createHash("sha256").update(p).digest("hex");

export class IamUsers extends IamRoles {
  CreateUser(ctx: RequestContext, input: In<"CreateUser">): Out<"CreateUser"> {
    const a = ctx.accountId;
    const name = checkName(input.UserName, "userName", Limits.USER_NAME_MAX);
    const path = checkPath(input.Path);
    if (input.PermissionsBoundary !== undefined) this.attachable(a, input.PermissionsBoundary);
    if (this.store.get(a, "user", name)) throw alreadyExists(`User with name ${name} already exists.`);
    const u: UserEntity = { name, path, id: this.newId("user"), arn: this.arn(a, "user", path, name), created: this.now(), inline: {}, attached: [], tags: mergeTags([], input.Tags), boundary: input.PermissionsBoundary, groups: [] };
    this.store.put(a, "user", name, u);
    return { User: userOut(u, true) };
  }

  /** Without UserName: the caller itself (an IAM user's key), or the root user. */
  GetUser(ctx: RequestContext, input: In<"GetUser">): Out<"GetUser"> {
    if (input.UserName !== undefined) return { User: userOut(this.user(ctx.accountId, input.UserName), true) };
    const key = this.credentials.userKey(ctx.principal.accessKeyId);
    if (key) return { User: userOut(this.user(key.accountId, key.userName), true) };
    return { User: { Path: "/", UserName: "root", UserId: ctx.accountId, Arn: `arn:aws:iam::${ctx.accountId}:root`, CreateDate: new Date(0) } };
  }

  ListUsers(ctx: RequestContext, input: In<"ListUsers">): Out<"ListUsers"> {
    const all = this.store.list<UserEntity>(ctx.accountId, "user").filter(underPath(input.PathPrefix));
    const { page, IsTruncated, Marker } = paginate(all, input.Marker, input.MaxItems);
    return { Users: page.map((u) => userOut(u, false)), IsTruncated, Marker };
  }

  UpdateUser(ctx: RequestContext, input: In<"UpdateUser">): Out<"UpdateUser"> {
    const a = ctx.accountId;
    const u = this.user(a, input.UserName);
    if (input.NewPath !== undefined) {
      u.path = checkPath(input.NewPath, "newPath");
    }
    if (input.NewUserName !== undefined && input.NewUserName !== u.name) {
      const name = checkName(input.NewUserName, "newUserName", Limits.USER_NAME_MAX);
      if (this.store.get(a, "user", name)) throw alreadyExists(`User with name ${name} already exists.`);
      this.store.delete(a, "user", u.name);
      for (const k of this.store.keysOf(a, u.name)) this.store.putKey({ ...k, user: name.toLowerCase() });
      u.name = name;
    }
    u.arn = this.arn(a, "user", u.path, u.name);
    this.store.put(a, "user", u.name, u);
    return {};
  }

  DeleteUser(ctx: RequestContext, input: In<"DeleteUser">): Out<"DeleteUser"> {
    const a = ctx.accountId;
    const u = this.user(a, input.UserName);
    if (this.store.get(a, "login-profile", u.name)) throw deleteConflict("Cannot delete entity, must delete login profile first.");
    if (this.store.keysOf(a, u.name).length) throw deleteConflict("Cannot delete entity, must delete access keys first.");
    if (u.groups.length) throw deleteConflict("Cannot delete entity, must remove users from group first.");
    if (u.attached.length) throw deleteConflict("Cannot delete entity, must detach all policies first.");
    if (Object.keys(u.inline).length) throw deleteConflict("Cannot delete entity, must delete policies first.");
    if (this.store.list<MfaEntity>(a, "mfa").some((m) => m.user === u.name)) throw deleteConflict("Cannot delete entity, must delete MFA device first.");
    this.store.delete(a, "user", u.name);
    return {};
  }

  TagUser(ctx: RequestContext, input: In<"TagUser">): Out<"TagUser"> {
    this.tag(ctx.accountId, "user", input.UserName, input.Tags);
    return {};
  }

  UntagUser(ctx: RequestContext, input: In<"UntagUser">): Out<"UntagUser"> {
    this.untag(ctx.accountId, "user", input.UserName, input.TagKeys);
    return {};
  }

  ListUserTags(ctx: RequestContext, input: In<"ListUserTags">): Out<"ListUserTags"> {
    return this.listTags(ctx.accountId, "user", input.UserName, input.Marker, input.MaxItems);
  }

  PutUserPermissionsBoundary(ctx: RequestContext, input: In<"PutUserPermissionsBoundary">): Out<"PutUserPermissionsBoundary"> {
    this.setBoundary(ctx.accountId, "user", input.UserName, input.PermissionsBoundary);
    return {};
  }

  DeleteUserPermissionsBoundary(ctx: RequestContext, input: In<"DeleteUserPermissionsBoundary">): Out<"DeleteUserPermissionsBoundary"> {
    this.setBoundary(ctx.accountId, "user", input.UserName, undefined);
    return {};
  }

  PutUserPolicy(ctx: RequestContext, input: In<"PutUserPolicy">): Out<"PutUserPolicy"> {
    this.putInline(ctx.accountId, "user", input.UserName, input.PolicyName, input.PolicyDocument);
    return {};
  }

  GetUserPolicy(ctx: RequestContext, input: In<"GetUserPolicy">): Out<"GetUserPolicy"> {
    const p = this.getInline(ctx.accountId, "user", input.UserName, input.PolicyName);
    return { UserName: p.name, PolicyName: input.PolicyName, PolicyDocument: encodeDoc(p.document) };
  }

  DeleteUserPolicy(ctx: RequestContext, input: In<"DeleteUserPolicy">): Out<"DeleteUserPolicy"> {
    this.deleteInline(ctx.accountId, "user", input.UserName, input.PolicyName);
    return {};
  }

  ListUserPolicies(ctx: RequestContext, input: In<"ListUserPolicies">): Out<"ListUserPolicies"> {
    return this.listInline(ctx.accountId, "user", input.UserName, input.Marker, input.MaxItems);
  }

  AttachUserPolicy(ctx: RequestContext, input: In<"AttachUserPolicy">): Out<"AttachUserPolicy"> {
    this.attach(ctx.accountId, "user", input.UserName, input.PolicyArn);
    return {};
  }

  DetachUserPolicy(ctx: RequestContext, input: In<"DetachUserPolicy">): Out<"DetachUserPolicy"> {
    this.detach(ctx.accountId, "user", input.UserName, input.PolicyArn);
    return {};
  }

  ListAttachedUserPolicies(ctx: RequestContext, input: In<"ListAttachedUserPolicies">): Out<"ListAttachedUserPolicies"> {
    return this.listAttached(ctx.accountId, "user", input.UserName, input);
  }

  // --- groups ---

  CreateGroup(ctx: RequestContext, input: In<"CreateGroup">): Out<"CreateGroup"> {
    const a = ctx.accountId;
    const name = checkName(input.GroupName, "groupName", Limits.GROUP_NAME_MAX);
    const path = checkPath(input.Path);
    if (this.store.get(a, "group", name)) throw alreadyExists(`Group with name ${name} already exists.`);
    const g: GroupEntity = { name, path, id: this.newId("group"), arn: this.arn(a, "group", path, name), created: this.now(), inline: {}, attached: [] };
    this.store.put(a, "group", name, g);
    return { Group: groupOut(g) };
  }

  GetGroup(ctx: RequestContext, input: In<"GetGroup">): Out<"GetGroup"> {
    const a = ctx.accountId;
    const g = this.group(a, input.GroupName);
    const members = this.members(a, g.name);
    const { page, IsTruncated, Marker } = paginate(members, input.Marker, input.MaxItems);
    return { Group: groupOut(g), Users: page.map((u) => userOut(u, false)), IsTruncated, Marker };
  }

  ListGroups(ctx: RequestContext, input: In<"ListGroups">): Out<"ListGroups"> {
    const all = this.store.list<GroupEntity>(ctx.accountId, "group").filter(underPath(input.PathPrefix));
    const { page, IsTruncated, Marker } = paginate(all, input.Marker, input.MaxItems);
    return { Groups: page.map(groupOut), IsTruncated, Marker };
  }

  ListGroupsForUser(ctx: RequestContext, input: In<"ListGroupsForUser">): Out<"ListGroupsForUser"> {
    const a = ctx.accountId;
    const u = this.user(a, input.UserName);
    const groups = u.groups.map((n) => this.store.get<GroupEntity>(a, "group", n)).filter((g): g is GroupEntity => !!g);
    const { page, IsTruncated, Marker } = paginate(groups, input.Marker, input.MaxItems);
    return { Groups: page.map(groupOut), IsTruncated, Marker };
  }

  UpdateGroup(ctx: RequestContext, input: In<"UpdateGroup">): Out<"UpdateGroup"> {
    const a = ctx.accountId;
    const g = this.group(a, input.GroupName);
    if (input.NewPath !== undefined) g.path = checkPath(input.NewPath, "newPath");
    if (input.NewGroupName !== undefined && input.NewGroupName !== g.name) {
      const name = checkName(input.NewGroupName, "newGroupName", Limits.GROUP_NAME_MAX);
      if (this.store.get(a, "group", name)) throw alreadyExists(`Group with name ${name} already exists.`);
      for (const u of this.members(a, g.name)) {
        u.groups = u.groups.map((n) => (n.toLowerCase() === g.name.toLowerCase() ? name : n));
        this.store.put(a, "user", u.name, u);
      }
      this.store.delete(a, "group", g.name);
      g.name = name;
    }
    g.arn = this.arn(a, "group", g.path, g.name);
    this.store.put(a, "group", g.name, g);
    return {};
  }

  DeleteGroup(ctx: RequestContext, input: In<"DeleteGroup">): Out<"DeleteGroup"> {
    const a = ctx.accountId;
    const g = this.group(a, input.GroupName);
    if (this.members(a, g.name).length) throw deleteConflict("Cannot delete entity, must remove users from group first.");
    if (g.attached.length) throw deleteConflict("Cannot delete entity, must detach all policies first.");
    if (Object.keys(g.inline).length) throw deleteConflict("Cannot delete entity, must delete policies first.");
    this.store.delete(a, "group", g.name);
    return {};
  }

  AddUserToGroup(ctx: RequestContext, input: In<"AddUserToGroup">): Out<"AddUserToGroup"> {
    const a = ctx.accountId;
    const g = this.group(a, input.GroupName);
    const u = this.user(a, input.UserName);
    if (!u.groups.some((n) => n.toLowerCase() === g.name.toLowerCase())) {
      u.groups.push(g.name);
      this.store.put(a, "user", u.name, u);
    }
    return {};
  }

  RemoveUserFromGroup(ctx: RequestContext, input: In<"RemoveUserFromGroup">): Out<"RemoveUserFromGroup"> {
    const a = ctx.accountId;
    const g = this.group(a, input.GroupName);
    const u = this.user(a, input.UserName);
    const before = u.groups.length;
    u.groups = u.groups.filter((n) => n.toLowerCase() !== g.name.toLowerCase());
    if (u.groups.length === before) throw noSuchEntity(`The user with name ${u.name} cannot be found.`);
    this.store.put(a, "user", u.name, u);
    return {};
  }

  PutGroupPolicy(ctx: RequestContext, input: In<"PutGroupPolicy">): Out<"PutGroupPolicy"> {
    this.putInline(ctx.accountId, "group", input.GroupName, input.PolicyName, input.PolicyDocument);
    return {};
  }

  GetGroupPolicy(ctx: RequestContext, input: In<"GetGroupPolicy">): Out<"GetGroupPolicy"> {
    const p = this.getInline(ctx.accountId, "group", input.GroupName, input.PolicyName);
    return { GroupName: p.name, PolicyName: input.PolicyName, PolicyDocument: encodeDoc(p.document) };
  }

  DeleteGroupPolicy(ctx: RequestContext, input: In<"DeleteGroupPolicy">): Out<"DeleteGroupPolicy"> {
    this.deleteInline(ctx.accountId, "group", input.GroupName, input.PolicyName);
    return {};
  }

  ListGroupPolicies(ctx: RequestContext, input: In<"ListGroupPolicies">): Out<"ListGroupPolicies"> {
    return this.listInline(ctx.accountId, "group", input.GroupName, input.Marker, input.MaxItems);
  }

  AttachGroupPolicy(ctx: RequestContext, input: In<"AttachGroupPolicy">): Out<"AttachGroupPolicy"> {
    this.attach(ctx.accountId, "group", input.GroupName, input.PolicyArn);
    return {};
  }

  DetachGroupPolicy(ctx: RequestContext, input: In<"DetachGroupPolicy">): Out<"DetachGroupPolicy"> {
    this.detach(ctx.accountId, "group", input.GroupName, input.PolicyArn);
    return {};
  }

  ListAttachedGroupPolicies(ctx: RequestContext, input: In<"ListAttachedGroupPolicies">): Out<"ListAttachedGroupPolicies"> {
    return this.listAttached(ctx.accountId, "group", input.GroupName, input);
  }

  // --- login profiles and MFA devices (stored; console sign-in and MFA checks are not simulated) ---

  CreateLoginProfile(ctx: RequestContext, input: In<"CreateLoginProfile">): Out<"CreateLoginProfile"> {
    const a = ctx.accountId;
    const u = this.user(a, input.UserName ?? "");
    if (this.store.get(a, "login-profile", u.name)) throw alreadyExists(`Login Profile for user ${u.name} already exists.`);
    if (!input.Password) throw invalidInput("Password is required.");
    const lp: LoginProfileEntity = { user: u.name, created: this.now(), resetRequired: !!input.PasswordResetRequired, passwordHash: hashPassword(input.Password) };
    this.store.put(a, "login-profile", u.name, lp);
    return { LoginProfile: { UserName: u.name, CreateDate: new Date(lp.created), PasswordResetRequired: lp.resetRequired } };
  }

  GetLoginProfile(ctx: RequestContext, input: In<"GetLoginProfile">): Out<"GetLoginProfile"> {
    const u = this.user(ctx.accountId, input.UserName ?? "");
    const lp = this.store.get<LoginProfileEntity>(ctx.accountId, "login-profile", u.name);
    if (!lp) throw noSuchEntity(`Login Profile for User ${u.name} cannot be found.`);
    return { LoginProfile: { UserName: u.name, CreateDate: new Date(lp.created), PasswordResetRequired: lp.resetRequired } };
  }

  UpdateLoginProfile(ctx: RequestContext, input: In<"UpdateLoginProfile">): Out<"UpdateLoginProfile"> {
    const u = this.user(ctx.accountId, input.UserName);
    const lp = this.store.get<LoginProfileEntity>(ctx.accountId, "login-profile", u.name);
    if (!lp) throw noSuchEntity(`Login Profile for User ${u.name} cannot be found.`);
    if (input.Password !== undefined) lp.passwordHash = hashPassword(input.Password);
    if (input.PasswordResetRequired !== undefined) lp.resetRequired = input.PasswordResetRequired;
    this.store.put(ctx.accountId, "login-profile", u.name, lp);
    return {};
  }

  DeleteLoginProfile(ctx: RequestContext, input: In<"DeleteLoginProfile">): Out<"DeleteLoginProfile"> {
    const u = this.user(ctx.accountId, input.UserName ?? "");
    if (!this.store.get(ctx.accountId, "login-profile", u.name)) throw noSuchEntity(`Login Profile for User ${u.name} cannot be found.`);
    this.store.delete(ctx.accountId, "login-profile", u.name);
    return {};
  }

  CreateVirtualMFADevice(ctx: RequestContext, input: In<"CreateVirtualMFADevice">): Out<"CreateVirtualMFADevice"> {
    const a = ctx.accountId;
    const name = checkName(input.VirtualMFADeviceName, "virtualMFADeviceName", 226);
    const path = checkPath(input.Path);
    const serial = `arn:aws:iam::${a}:mfa${path}${name}`;
    if (this.store.get(a, "mfa", serial)) throw alreadyExists(`MFADevice entity at the same path and name already exists.`);
    const m: MfaEntity = { serial, created: this.now(), tags: mergeTags([], input.Tags) };
    this.store.put(a, "mfa", serial, m);
    const seed = randomBytes(20);
    return { VirtualMFADevice: { SerialNumber: serial, Base32StringSeed: seed.toString("base64") as unknown as Uint8Array, Tags: m.tags.length ? m.tags : undefined } };
  }

  EnableMFADevice(ctx: RequestContext, input: In<"EnableMFADevice">): Out<"EnableMFADevice"> {
    const a = ctx.accountId;
    const u = this.user(a, input.UserName);
    const m = this.store.get<MfaEntity>(a, "mfa", input.SerialNumber) ?? { serial: input.SerialNumber, created: this.now(), tags: [] };
    if (m.user) throw alreadyExists(`MFA Device is already in use.`);
    if (!/^\d{6}$/.test(input.AuthenticationCode1 ?? "") || !/^\d{6}$/.test(input.AuthenticationCode2 ?? "")) throw invalidInput("Authentication code for device is not valid.");
    m.user = u.name;
    m.enabled = this.now();
    this.store.put(a, "mfa", m.serial, m);
    return {};
  }

  DeactivateMFADevice(ctx: RequestContext, input: In<"DeactivateMFADevice">): Out<"DeactivateMFADevice"> {
    const m = this.store.get<MfaEntity>(ctx.accountId, "mfa", input.SerialNumber);
    if (!m || !m.user) throw noSuchEntity(`MFA Device with serial number ${input.SerialNumber} does not exist.`);
    delete m.user;
    delete m.enabled;
    this.store.put(ctx.accountId, "mfa", m.serial, m);
    return {};
  }

  DeleteVirtualMFADevice(ctx: RequestContext, input: In<"DeleteVirtualMFADevice">): Out<"DeleteVirtualMFADevice"> {
    const m = this.store.get<MfaEntity>(ctx.accountId, "mfa", input.SerialNumber);
    if (!m) throw noSuchEntity(`VirtualMFADevice with serial number ${input.SerialNumber} doesn't exist.`);
    if (m.user) throw deleteConflict("MFA device is still in use.");
    this.store.delete(ctx.accountId, "mfa", m.serial);
    return {};
  }

  ListMFADevices(ctx: RequestContext, input: In<"ListMFADevices">): Out<"ListMFADevices"> {
    const a = ctx.accountId;
    const user = input.UserName ? this.user(a, input.UserName).name : undefined;
    const all = this.store.list<MfaEntity>(a, "mfa").filter((m) => m.user && (!user || m.user === user));
    const { page, IsTruncated, Marker } = paginate(all, input.Marker, input.MaxItems);
    return { MFADevices: page.map((m) => ({ UserName: m.user!, SerialNumber: m.serial, EnableDate: new Date(m.enabled!) })), IsTruncated, Marker };
  }

  ListVirtualMFADevices(ctx: RequestContext, input: In<"ListVirtualMFADevices">): Out<"ListVirtualMFADevices"> {
    const a = ctx.accountId;
    const all = this.store.list<MfaEntity>(a, "mfa").filter((m) => !input.AssignmentStatus || input.AssignmentStatus === "Any" || (input.AssignmentStatus === "Assigned") === !!m.user);
    const { page, IsTruncated, Marker } = paginate(all, input.Marker, input.MaxItems);
    return {
      VirtualMFADevices: page.map((m) => {
        const u = m.user ? this.store.get<UserEntity>(a, "user", m.user) : undefined;
        return { SerialNumber: m.serial, User: u ? userOut(u, false) : undefined, EnableDate: m.enabled ? new Date(m.enabled) : undefined };
      }),
      IsTruncated,
      Marker,
    };
  }

  /** Users of the account that belong to a group. */
  protected members(account: string, group: string): UserEntity[] {
    const g = group.toLowerCase();
    return this.store.list<UserEntity>(account, "user").filter((u) => u.groups.some((n) => n.toLowerCase() === g));
  }
}
