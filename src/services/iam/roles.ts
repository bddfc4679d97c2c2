/** IAM roles: trust policies, session duration, boundaries, tags, inline and attached policies, service-linked roles. */
import type { RequestContext } from "../../edge/context.js";
import { ServiceError } from "../../aws/errors.js";
import type { RolesItem } from "../../aws/api/iam.js";
import { encodeDoc, paginate, underPath } from "./base.js";
import { Limits } from "./constants.js";
import type { InstanceProfileEntity, RoleEntity } from "./model.js";
import { IamPrincipals, type In, type Out } from "./principals.js";
import { alreadyExists, checkMaxSession, checkName, checkPath, checkPolicyDocument, deleteConflict, invalidInput, mergeTags, noSuchEntity } from "./validate.js";

/** The Role shape of answers; `full` adds what GetRole/CreateRole show and ListRoles leaves out. */
export function roleOut(r: RoleEntity, full: boolean): RolesItem {
  const out: RolesItem = { Path: r.path, RoleName: r.name, RoleId: r.id, Arn: r.arn, CreateDate: new Date(r.created), AssumeRolePolicyDocument: encodeDoc(r.trust), MaxSessionDuration: r.maxSession };
  if (r.description !== undefined) out.Description = r.description;
  if (full) {
    if (r.boundary) out.PermissionsBoundary = { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: r.boundary };
    if (r.tags.length) out.Tags = r.tags;
    out.RoleLastUsed = r.lastUsed ? { LastUsedDate: new Date(r.lastUsed.at), Region: r.lastUsed.region } : {};
  }
  return out;
}

const unmodifiable = (name: string) => new ServiceError("UnmodifiableEntity", `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`, 400);

/** Service-linked role names AWS gives (AWSServiceRoleFor + the service's own spelling); others are derived from the host. */
const LINKED_NAMES: Record<string, string> = {
  "autoscaling.amazonaws.com": "AutoScaling",
  "ecs.amazonaws.com": "ECS",
  "batch.amazonaws.com": "Batch",
  "spot.amazonaws.com": "EC2Spot",
  "spotfleet.amazonaws.com": "EC2SpotFleet",
  "elasticloadbalancing.amazonaws.com": "ElasticLoadBalancing",
  "dynamodb.application-autoscaling.amazonaws.com": "ApplicationAutoScaling_DynamoDBTable",
  "lambda.amazonaws.com": "Lambda",
  "apigateway.amazonaws.com": "APIGateway",
  "ops.apigateway.amazonaws.com": "APIGateway",
  "events.amazonaws.com": "CloudWatchEvents",
  "lightsail.amazonaws.com": "Lightsail",
  "logs.amazonaws.com": "CloudWatchLogs",
  "cognito-idp.amazonaws.com": "AmazonCognitoIdp",
  "rds.amazonaws.com": "RDS",
  "organizations.amazonaws.com": "Organizations",
  "support.amazonaws.com": "Support",
  "trustedadvisor.amazonaws.com": "TrustedAdvisor",
};

export class IamRoles extends IamPrincipals {
  CreateRole(ctx: RequestContext, input: In<"CreateRole">): Out<"CreateRole"> {
    const a = ctx.accountId;
    const name = checkName(input.RoleName, "roleName", Limits.ROLE_NAME_MAX);
    const path = checkPath(input.Path);
    const trust = checkPolicyDocument(input.AssumeRolePolicyDocument, "trust", "trust");
    const maxSession = checkMaxSession(input.MaxSessionDuration);
    if (input.Description !== undefined && input.Description.length > 1000) throw invalidInput("Description is too long.");
    if (input.PermissionsBoundary !== undefined) this.attachable(a, input.PermissionsBoundary);
    if (this.store.get(a, "role", name)) throw alreadyExists(`Role with name ${name} already exists.`);
    const r: RoleEntity = { name, path, id: this.newId("role"), arn: this.arn(a, "role", path, name), created: this.now(), inline: {}, attached: [], tags: mergeTags([], input.Tags), trust, maxSession, description: input.Description, boundary: input.PermissionsBoundary };
    this.store.put(a, "role", name, r);
    const out = roleOut(r, true);
    delete out.RoleLastUsed;
    return { Role: out };
  }

  GetRole(ctx: RequestContext, input: In<"GetRole">): Out<"GetRole"> {
    return { Role: roleOut(this.role(ctx.accountId, input.RoleName), true) };
  }

  ListRoles(ctx: RequestContext, input: In<"ListRoles">): Out<"ListRoles"> {
    const all = this.store.list<RoleEntity>(ctx.accountId, "role").filter(underPath(input.PathPrefix));
    const { page, IsTruncated, Marker } = paginate(all, input.Marker, input.MaxItems);
    return { Roles: page.map((r) => roleOut(r, false)), IsTruncated, Marker };
  }

  DeleteRole(ctx: RequestContext, input: In<"DeleteRole">): Out<"DeleteRole"> {
    const a = ctx.accountId;
    const r = this.role(a, input.RoleName);
    if (r.serviceLinked) throw unmodifiable(r.name);
    if (this.store.list<InstanceProfileEntity>(a, "instance-profile").some((p) => p.roles.includes(r.name))) throw deleteConflict("Cannot delete entity, must remove roles from instance profile first.");
    if (r.attached.length) throw deleteConflict("Cannot delete entity, must detach all policies first.");
    if (Object.keys(r.inline).length) throw deleteConflict("Cannot delete entity, must delete policies first.");
    this.store.delete(a, "role", r.name);
    return {};
  }

  UpdateRole(ctx: RequestContext, input: In<"UpdateRole">): Out<"UpdateRole"> {
    const r = this.role(ctx.accountId, input.RoleName);
    if (input.MaxSessionDuration !== undefined) r.maxSession = checkMaxSession(input.MaxSessionDuration);
    if (input.Description !== undefined) r.description = input.Description;
    this.save(ctx.accountId, "role", r);
    return {};
  }

  UpdateRoleDescription(ctx: RequestContext, input: In<"UpdateRoleDescription">): Out<"UpdateRoleDescription"> {
    const r = this.role(ctx.accountId, input.RoleName);
    r.description = input.Description;
    this.save(ctx.accountId, "role", r);
    return { Role: roleOut(r, true) };
  }

  UpdateAssumeRolePolicy(ctx: RequestContext, input: In<"UpdateAssumeRolePolicy">): Out<"UpdateAssumeRolePolicy"> {
    const r = this.role(ctx.accountId, input.RoleName);
    if (r.serviceLinked) throw unmodifiable(r.name);
    r.trust = checkPolicyDocument(input.PolicyDocument, "trust", "trust");
    this.save(ctx.accountId, "role", r);
    return {};
  }

  TagRole(ctx: RequestContext, input: In<"TagRole">): Out<"TagRole"> {
    this.tag(ctx.accountId, "role", input.RoleName, input.Tags);
    return {};
  }

  UntagRole(ctx: RequestContext, input: In<"UntagRole">): Out<"UntagRole"> {
    this.untag(ctx.accountId, "role", input.RoleName, input.TagKeys);
    return {};
  }

  ListRoleTags(ctx: RequestContext, input: In<"ListRoleTags">): Out<"ListRoleTags"> {
    return this.listTags(ctx.accountId, "role", input.RoleName, input.Marker, input.MaxItems);
  }

  PutRolePermissionsBoundary(ctx: RequestContext, input: In<"PutRolePermissionsBoundary">): Out<"PutRolePermissionsBoundary"> {
    this.setBoundary(ctx.accountId, "role", input.RoleName, input.PermissionsBoundary);
    return {};
  }

  DeleteRolePermissionsBoundary(ctx: RequestContext, input: In<"DeleteRolePermissionsBoundary">): Out<"DeleteRolePermissionsBoundary"> {
    this.setBoundary(ctx.accountId, "role", input.RoleName, undefined);
    return {};
  }

  PutRolePolicy(ctx: RequestContext, input: In<"PutRolePolicy">): Out<"PutRolePolicy"> {
    this.putInline(ctx.accountId, "role", input.RoleName, input.PolicyName, input.PolicyDocument);
    return {};
  }

  GetRolePolicy(ctx: RequestContext, input: In<"GetRolePolicy">): Out<"GetRolePolicy"> {
    const p = this.getInline(ctx.accountId, "role", input.RoleName, input.PolicyName);
    return { RoleName: p.name, PolicyName: input.PolicyName, PolicyDocument: encodeDoc(p.document) };
  }

  DeleteRolePolicy(ctx: RequestContext, input: In<"DeleteRolePolicy">): Out<"DeleteRolePolicy"> {
    this.deleteInline(ctx.accountId, "role", input.RoleName, input.PolicyName);
    return {};
  }

  ListRolePolicies(ctx: RequestContext, input: In<"ListRolePolicies">): Out<"ListRolePolicies"> {
    return this.listInline(ctx.accountId, "role", input.RoleName, input.Marker, input.MaxItems);
  }

  AttachRolePolicy(ctx: RequestContext, input: In<"AttachRolePolicy">): Out<"AttachRolePolicy"> {
    const r = this.role(ctx.accountId, input.RoleName);
    if (r.serviceLinked) throw unmodifiable(r.name);
    this.attach(ctx.accountId, "role", input.RoleName, input.PolicyArn);
    return {};
  }

  DetachRolePolicy(ctx: RequestContext, input: In<"DetachRolePolicy">): Out<"DetachRolePolicy"> {
    this.detach(ctx.accountId, "role", input.RoleName, input.PolicyArn);
    return {};
  }

  ListAttachedRolePolicies(ctx: RequestContext, input: In<"ListAttachedRolePolicies">): Out<"ListAttachedRolePolicies"> {
    return this.listAttached(ctx.accountId, "role", input.RoleName, input);
  }

  CreateServiceLinkedRole(ctx: RequestContext, input: In<"CreateServiceLinkedRole">): Out<"CreateServiceLinkedRole"> {
    const a = ctx.accountId;
    const service = input.AWSServiceName ?? "";
    if (!/^[a-z0-9.-]+\.amazonaws\.com$/.test(service)) throw invalidInput(`Invalid service name: ${service}`);
    const base = LINKED_NAMES[service] ?? service.replace(/\.amazonaws\.com$/, "").split(/[.-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
    const name = `AWSServiceRoleFor${base}${input.CustomSuffix ? `_${input.CustomSuffix}` : ""}`;
    if (name.length > Limits.ROLE_NAME_MAX) throw invalidInput(`Role name ${name} is too long.`);
    if (this.store.get(a, "role", name)) throw invalidInput(`Service role name ${name} has been taken in this account, please try a different suffix.`);
    const path = `/aws-service-role/${service}/`;
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: [service] }, Action: ["sts:AssumeRole"] }] });
    const r: RoleEntity = { name, path, id: this.newId("role"), arn: this.arn(a, "role", path, name), created: this.now(), inline: {}, attached: [], tags: [], trust, maxSession: 3600, description: input.Description, serviceLinked: service };
    this.store.put(a, "role", name, r);
    return { Role: roleOut(r, false) };
  }

  DeleteServiceLinkedRole(ctx: RequestContext, input: In<"DeleteServiceLinkedRole">): Out<"DeleteServiceLinkedRole"> {
    const r = this.role(ctx.accountId, input.RoleName);
    if (!r.serviceLinked) throw invalidInput(`Role ${r.name} is not a service-linked role.`);
    this.store.delete(ctx.accountId, "role", r.name);
    return { DeletionTaskId: `task${r.path}${r.name}/${this.env.ids.uuid()}` };
  }

  GetServiceLinkedRoleDeletionStatus(_ctx: RequestContext, input: In<"GetServiceLinkedRoleDeletionStatus">): Out<"GetServiceLinkedRoleDeletionStatus"> {
    if (!/^task\/aws-service-role\//.test(input.DeletionTaskId ?? "")) throw noSuchEntity(`Deletion task ${input.DeletionTaskId} not found.`);
    return { Status: "SUCCEEDED" }; // deletion is immediate here
  }
}
