/**
 * Policy evaluation, table-driven. Sources: "Policy evaluation logic" and "How AWS enforcement code logic
 * evaluates requests to allow or deny access" (logic page), "Policy evaluation for requests within a single
 * account" (single page), "Cross-account policy evaluation logic" (cross page), "Permissions boundaries for
 * IAM entities" (boundary page), "Session policies" in "Policies and permissions in IAM" (session page),
 * "AWS JSON policy elements: NotPrincipal / NotAction / NotResource", "IAM policy elements: Variables and tags".
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { accessDeniedMessage, anonymousAllows, evaluate, isContextFree, principalMatches } from "./evaluate.js";
import { accessDeniedError } from "./denied.js";
import { contextFromEntries, evalDecision } from "./simulate.js";
import type { AuthorizationRequest, CallerIdentity, ConditionValue, DecisionKind } from "./types.js";

const A = "111122223333";
const B = "444455556666";
const pol = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Action: string | string[], Resource: string | string[] = "*", extra: object = {}) => ({ Effect: "Allow", Action, Resource, ...extra });
const denyS = (Action: string | string[], Resource: string | string[] = "*", extra: object = {}) => ({ Effect: "Deny", Action, Resource, ...extra });

function user(name: string, policies: string[] = [], extra: Partial<CallerIdentity> = {}, account = A): CallerIdentity {
  const arn = `arn:aws:iam::${account}:user/${name}`;
  return { accountId: account, arn, principalArn: arn, userId: `AIDA${name.toUpperCase()}`, kind: "user", identityPolicies: policies, principalTags: {}, allPowerful: false, ...extra };
}
function session(role: string, name: string, policies: string[] = [], extra: Partial<CallerIdentity> = {}, account = A): CallerIdentity {
  return {
    accountId: account, arn: `arn:aws:sts::${account}:assumed-role/${role}/${name}`, principalArn: `arn:aws:iam::${account}:role/${role}`,
    userId: `AROA${role.toUpperCase()}:${name}`, kind: "assumed-role", identityPolicies: policies, principalTags: {}, allPowerful: false, ...extra,
  };
}

const ALICE = `arn:aws:iam::${A}:user/alice`;
const TABLE = `arn:aws:dynamodb:us-east-1:${A}:table/Books`;
const BUCKET_OBJ = "arn:aws:s3:::amzn-s3-demo-bucket/report.txt";

interface Case {
  name: string;
  caller: CallerIdentity;
  action: string;
  resource: string;
  context?: Record<string, ConditionValue>;
  resourcePolicy?: string;
  resourceAccountId?: string;
  expect: DecisionKind;
  reason?: string;
}

const CASES: Case[] = [
  // Logic page: implicit deny by default, an allow grants, an explicit deny overrides an allow.
  { name: "no policy at all → implicit deny", caller: user("alice"), action: "dynamodb:GetItem", resource: TABLE, expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "identity policy allows", caller: user("alice", [pol(allow("dynamodb:GetItem", TABLE))]), action: "dynamodb:GetItem", resource: TABLE, expect: "Allow" },
  { name: "identity policy for another action → implicit deny", caller: user("alice", [pol(allow("dynamodb:PutItem", TABLE))]), action: "dynamodb:GetItem", resource: TABLE, expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "explicit deny in another policy overrides the allow", caller: user("alice", [pol(allow("dynamodb:*")), pol(denyS("dynamodb:GetItem", TABLE))]), action: "dynamodb:GetItem", resource: TABLE, expect: "ExplicitDeny", reason: "an explicit deny in an identity-based policy" },
  { name: "explicit deny in the same policy overrides the allow", caller: user("alice", [pol(denyS("dynamodb:*"), allow("*"))]), action: "dynamodb:GetItem", resource: TABLE, expect: "ExplicitDeny", reason: "an explicit deny in an identity-based policy" },
  { name: "actions compare case-insensitively", caller: user("alice", [pol(allow("DynamoDB:getitem", TABLE))]), action: "dynamodb:GetItem", resource: TABLE, expect: "Allow" },
  { name: "resources compare case-sensitively", caller: user("alice", [pol(allow("dynamodb:GetItem", TABLE.toLowerCase()))]), action: "dynamodb:GetItem", resource: TABLE, expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "resource wildcards", caller: user("alice", [pol(allow("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/Bo?ks"))]), action: "dynamodb:GetItem", resource: TABLE, expect: "Allow" },
  { name: "a table ARN does not cover its indexes", caller: user("alice", [pol(allow("dynamodb:Query", TABLE))]), action: "dynamodb:Query", resource: `${TABLE}/index/ByAuthor`, expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  // NotAction / NotResource element pages.
  { name: "NotAction allow: everything but IAM — DynamoDB allowed", caller: user("alice", [pol({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })]), action: "dynamodb:GetItem", resource: TABLE, expect: "Allow" },
  { name: "NotAction allow: everything but IAM — IAM not allowed", caller: user("alice", [pol({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })]), action: "iam:CreateUser", resource: `arn:aws:iam::${A}:user/bob`, expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "NotAction deny without MFA: denies other actions", caller: user("alice", [pol(allow("*"), { Effect: "Deny", NotAction: "iam:*", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } })]), action: "dynamodb:GetItem", resource: TABLE, expect: "ExplicitDeny", reason: "an explicit deny in an identity-based policy" },
  { name: "NotAction deny without MFA: MFA present → allowed", caller: user("alice", [pol(allow("*"), { Effect: "Deny", NotAction: "iam:*", Resource: "*", Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } } })]), action: "dynamodb:GetItem", resource: TABLE, context: { "aws:multifactorauthpresent": true }, expect: "Allow" },
  { name: "NotResource deny: everything but one bucket", caller: user("alice", [pol(allow("s3:*"), { Effect: "Deny", Action: "s3:*", NotResource: ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"] })]), action: "s3:GetObject", resource: "arn:aws:s3:::other/x", expect: "ExplicitDeny", reason: "an explicit deny in an identity-based policy" },
  { name: "NotResource deny: the excluded bucket stays allowed", caller: user("alice", [pol(allow("s3:*"), { Effect: "Deny", Action: "s3:*", NotResource: ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"] })]), action: "s3:GetObject", resource: BUCKET_OBJ, expect: "Allow" },
  // Variables page: "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*".
  { name: "policy variable ${aws:username} in Resource: own folder", caller: user("david", [pol(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"))]), action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket/david/x", expect: "Allow" },
  { name: "policy variable ${aws:username} in Resource: someone else's folder", caller: user("david", [pol(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"))]), action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket/emma/x", expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "policy variable ${aws:username} is absent for a role session", caller: session("r", "david", [pol(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"))]), action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket/david/x", expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "policy variable ${aws:PrincipalTag/team} in Resource", caller: session("app", "s", [pol(allow("dynamodb:*", "arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team}-*"))], { principalTags: { team: "books" } }), action: "dynamodb:GetItem", resource: `arn:aws:dynamodb:us-east-1:${A}:table/books-2026`, expect: "Allow" },
  { name: "policy variable ${aws:userid} of a role session", caller: session("app", "s1", [pol(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:userid}/*"))]), action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/AROAAPP:s1/x", expect: "Allow" },
  { name: "policy variable with a default value in Resource", caller: session("app", "s1", [pol(allow("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*"))]), action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket/company-wide/x", expect: "Allow" },
  { name: "aws:PrincipalTag from the caller's tags", caller: user("alice", [pol(allow("dynamodb:*", "*", { Condition: { StringEquals: { "aws:PrincipalTag/team": "books" } } }))], { principalTags: { Team: "books" } }), action: "dynamodb:GetItem", resource: TABLE, expect: "Allow" },
  { name: "aws:ViaAWSService is false for a direct call (a Deny unless via a service applies)", caller: user("alice", [pol(allow("dynamodb:*"), denyS("dynamodb:*", "*", { Condition: { Bool: { "aws:ViaAWSService": "false" } } }))]), action: "dynamodb:GetItem", resource: TABLE, expect: "ExplicitDeny", reason: "an explicit deny in an identity-based policy" },
  { name: "aws:SourceIp condition not met", caller: user("alice", [pol(allow("dynamodb:*", "*", { Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } }))]), action: "dynamodb:GetItem", resource: TABLE, context: { "aws:sourceip": "127.0.0.1" }, expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  // Boundary page: the effective permissions are the intersection; a boundary alone grants nothing.
  { name: "boundary: identity allows, boundary allows → allowed", caller: user("shirley", [pol(allow("s3:*"))], { permissionsBoundary: pol(allow(["s3:GetObject", "cloudwatch:*"])) }), action: "s3:GetObject", resource: BUCKET_OBJ, expect: "Allow" },
  { name: "boundary: identity allows, boundary does not → denied", caller: user("shirley", [pol(allow("s3:*"))], { permissionsBoundary: pol(allow(["s3:GetObject", "cloudwatch:*"])) }), action: "s3:PutObject", resource: BUCKET_OBJ, expect: "ImplicitDeny", reason: "no permissions boundary allows" },
  { name: "boundary: boundary allows, identity does not → denied", caller: user("shirley", [], { permissionsBoundary: pol(allow("s3:*")) }), action: "s3:GetObject", resource: BUCKET_OBJ, expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "boundary: explicit deny in the boundary", caller: user("shirley", [pol(allow("*"))], { permissionsBoundary: pol(allow("*"), denyS("iam:*")) }), action: "iam:CreateUser", resource: `arn:aws:iam::${A}:user/x`, expect: "ExplicitDeny", reason: "an explicit deny in a permissions boundary" },
  // Session page: the session's permissions are the intersection of the role's policies and the session policies.
  { name: "session policy: allows a subset → allowed", caller: session("app", "s1", [pol(allow("dynamodb:*"))], { sessionPolicies: [pol(allow("dynamodb:GetItem"))] }), action: "dynamodb:GetItem", resource: TABLE, expect: "Allow" },
  { name: "session policy: outside the session policy → denied", caller: session("app", "s1", [pol(allow("dynamodb:*"))], { sessionPolicies: [pol(allow("dynamodb:GetItem"))] }), action: "dynamodb:PutItem", resource: TABLE, expect: "ImplicitDeny", reason: "no session policy allows" },
  { name: "session policy: cannot grant more than the role", caller: session("app", "s1", [pol(allow("dynamodb:GetItem"))], { sessionPolicies: [pol(allow("*"))] }), action: "dynamodb:PutItem", resource: TABLE, expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "session policy: explicit deny", caller: session("app", "s1", [pol(allow("*"))], { sessionPolicies: [pol(allow("*"), denyS("dynamodb:DeleteItem"))] }), action: "dynamodb:DeleteItem", resource: TABLE, expect: "ExplicitDeny", reason: "an explicit deny in a session policy" },
  // Single page: in one account, either the identity or the resource policy allowing is enough.
  { name: "same account: resource policy naming the user allows without identity policy", caller: user("carlos"), action: "s3:PutObject", resource: BUCKET_OBJ, resourcePolicy: pol(allow("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/*", { Principal: { AWS: `arn:aws:iam::${A}:user/carlos` } })), expect: "Allow" },
  { name: "same account: identity allows, resource policy silent → allowed", caller: user("carlos", [pol(allow("s3:PutObject"))]), action: "s3:PutObject", resource: BUCKET_OBJ, resourcePolicy: pol(allow("s3:GetObject", "*", { Principal: "*" })), expect: "Allow" },
  { name: "same account: resource policy naming the user is not limited by the user's boundary", caller: user("carlos", [], { permissionsBoundary: pol(allow("ec2:*")) }), action: "s3:PutObject", resource: BUCKET_OBJ, resourcePolicy: pol(allow("s3:*", "*", { Principal: { AWS: `arn:aws:iam::${A}:user/carlos` } })), expect: "Allow" },
  { name: "same account: resource policy naming the role is limited by the boundary", caller: session("app", "s1", [], { permissionsBoundary: pol(allow("ec2:*")) }), action: "s3:PutObject", resource: BUCKET_OBJ, resourcePolicy: pol(allow("s3:*", "*", { Principal: { AWS: `arn:aws:iam::${A}:role/app` } })), expect: "ImplicitDeny", reason: "no permissions boundary allows" },
  { name: "same account: resource policy naming the role allows a session without boundary", caller: session("app", "s1"), action: "s3:PutObject", resource: BUCKET_OBJ, resourcePolicy: pol(allow("s3:*", "*", { Principal: { AWS: `arn:aws:iam::${A}:role/app` } })), expect: "Allow" },
  { name: "same account: resource policy naming the role is limited by the session policy", caller: session("app", "s1", [], { sessionPolicies: [pol(allow("ec2:*"))] }), action: "s3:PutObject", resource: BUCKET_OBJ, resourcePolicy: pol(allow("s3:*", "*", { Principal: { AWS: `arn:aws:iam::${A}:role/app` } })), expect: "ImplicitDeny", reason: "no session policy allows" },
  { name: "same account: resource policy naming the session ARN is not limited by the session policy", caller: session("app", "s1", [], { sessionPolicies: [pol(allow("ec2:*"))] }), action: "s3:PutObject", resource: BUCKET_OBJ, resourcePolicy: pol(allow("s3:*", "*", { Principal: { AWS: `arn:aws:sts::${A}:assumed-role/app/s1` } })), expect: "Allow" },
  { name: "same account: resource policy naming the account delegates to identity policies", caller: user("carlos"), action: "s3:PutObject", resource: BUCKET_OBJ, resourcePolicy: pol(allow("s3:*", "*", { Principal: { AWS: `arn:aws:iam::${A}:root` } })), expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "same account: resource policy naming the account id + identity allow", caller: user("carlos", [pol(allow("s3:*"))]), action: "s3:PutObject", resource: BUCKET_OBJ, resourcePolicy: pol(allow("s3:*", "*", { Principal: { AWS: A } })), expect: "Allow" },
  { name: "resource policy explicit deny overrides an identity allow", caller: user("carlos", [pol(allow("s3:*"))]), action: "s3:DeleteObject", resource: BUCKET_OBJ, resourcePolicy: pol(denyS("s3:DeleteObject", "*", { Principal: "*" })), expect: "ExplicitDeny", reason: "an explicit deny in a resource-based policy" },
  { name: "resource policy deny naming the account applies to its users", caller: user("carlos", [pol(allow("s3:*"))]), action: "s3:DeleteObject", resource: BUCKET_OBJ, resourcePolicy: pol(denyS("s3:*", "*", { Principal: { AWS: `arn:aws:iam::${A}:root` } })), expect: "ExplicitDeny", reason: "an explicit deny in a resource-based policy" },
  { name: "resource policy deny for another principal does not apply", caller: user("carlos", [pol(allow("s3:*"))]), action: "s3:DeleteObject", resource: BUCKET_OBJ, resourcePolicy: pol(denyS("s3:*", "*", { Principal: { AWS: `arn:aws:iam::${A}:user/other` } })), expect: "Allow" },
  { name: "resource policy with a condition not met grants nothing", caller: user("carlos"), action: "s3:GetObject", resource: BUCKET_OBJ, context: { "aws:sourceip": "198.51.100.7" }, resourcePolicy: pol(allow("s3:GetObject", "*", { Principal: "*", Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } })), expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  // Cross page: both the identity policy (in the caller's account) and the resource policy must allow.
  { name: "cross account: identity allows, no resource policy → denied", caller: user("alice", [pol(allow("s3:*"))], {}, B), action: "s3:GetObject", resource: BUCKET_OBJ, resourceAccountId: A, expect: "ImplicitDeny", reason: "no resource-based policy allows" },
  { name: "cross account: resource policy trusts the account, identity silent → denied", caller: user("alice", [], {}, B), action: "s3:GetObject", resource: BUCKET_OBJ, resourceAccountId: A, resourcePolicy: pol(allow("s3:GetObject", "*", { Principal: { AWS: `arn:aws:iam::${B}:root` } })), expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "cross account: both allow → allowed", caller: user("alice", [pol(allow("s3:GetObject"))], {}, B), action: "s3:GetObject", resource: BUCKET_OBJ, resourceAccountId: A, resourcePolicy: pol(allow("s3:GetObject", "*", { Principal: { AWS: B } })), expect: "Allow" },
  { name: "cross account: resource policy naming the user directly still needs the identity allow", caller: user("alice", [], {}, B), action: "s3:GetObject", resource: BUCKET_OBJ, resourceAccountId: A, resourcePolicy: pol(allow("s3:GetObject", "*", { Principal: { AWS: `arn:aws:iam::${B}:user/alice` } })), expect: "ImplicitDeny", reason: "no identity-based policy allows" },
  { name: "cross account: Principal * + identity allow → allowed", caller: session("app", "s", [pol(allow("s3:*"))], {}, B), action: "s3:GetObject", resource: BUCKET_OBJ, resourceAccountId: A, resourcePolicy: pol(allow("s3:GetObject", "*", { Principal: "*" })), expect: "Allow" },
  { name: "cross account: the boundary still applies", caller: user("alice", [pol(allow("s3:*"))], { permissionsBoundary: pol(allow("ec2:*")) }, B), action: "s3:GetObject", resource: BUCKET_OBJ, resourceAccountId: A, resourcePolicy: pol(allow("s3:GetObject", "*", { Principal: { AWS: B } })), expect: "ImplicitDeny", reason: "no permissions boundary allows" },
  { name: "cross account: resource policy for another account → denied", caller: user("alice", [pol(allow("s3:*"))], {}, B), action: "s3:GetObject", resource: BUCKET_OBJ, resourceAccountId: A, resourcePolicy: pol(allow("s3:GetObject", "*", { Principal: { AWS: "999999999999" } })), expect: "ImplicitDeny", reason: "no resource-based policy allows" },
  // NotPrincipal page: Deny with NotPrincipal listing the user and its account exempts only that user.
  { name: "NotPrincipal deny: the listed user is exempt", caller: user("alice", [pol(allow("s3:*"))]), action: "s3:GetObject", resource: BUCKET_OBJ, resourcePolicy: pol({ Effect: "Deny", NotPrincipal: { AWS: [ALICE, `arn:aws:iam::${A}:root`] }, Action: "s3:*", Resource: "*" }), expect: "Allow" },
  { name: "NotPrincipal deny: any other user is denied", caller: user("bob", [pol(allow("s3:*"))]), action: "s3:GetObject", resource: BUCKET_OBJ, resourcePolicy: pol({ Effect: "Deny", NotPrincipal: { AWS: [ALICE, `arn:aws:iam::${A}:root`] }, Action: "s3:*", Resource: "*" }), expect: "ExplicitDeny", reason: "an explicit deny in a resource-based policy" },
  { name: "NotPrincipal deny: a session is denied unless its role and session are both listed", caller: session("app", "s1", [pol(allow("s3:*"))]), action: "s3:GetObject", resource: BUCKET_OBJ, resourcePolicy: pol({ Effect: "Deny", NotPrincipal: { AWS: [`arn:aws:sts::${A}:assumed-role/app/s1`, `arn:aws:iam::${A}:root`] }, Action: "s3:*", Resource: "*" }), expect: "ExplicitDeny", reason: "an explicit deny in a resource-based policy" },
  // types.ts contract: root and the --credentials keys are never denied.
  { name: "all-powerful principal", caller: { ...user("root"), kind: "root", arn: `arn:aws:iam::${A}:root`, allPowerful: true }, action: "iam:DeleteRole", resource: "*", resourcePolicy: pol(denyS("*", "*", { Principal: "*" })), expect: "Allow" },
  // A stored policy that is not JSON grants nothing (and does not throw).
  { name: "an unreadable stored policy grants nothing", caller: user("alice", ["{not json"]), action: "dynamodb:GetItem", resource: TABLE, expect: "ImplicitDeny", reason: "no identity-based policy allows" },
];

for (const c of CASES) {
  test(`evaluate: ${c.name}`, () => {
    const req: AuthorizationRequest = { action: c.action, resource: c.resource, caller: c.caller, context: c.context ?? {}, resourceAccountId: c.resourceAccountId ?? A };
    if (c.resourcePolicy) req.resourcePolicy = c.resourcePolicy;
    const d = evaluate(req);
    assert.equal(d.decision, c.expect);
    if (c.reason) assert.equal(d.reason, c.reason);
  });
}

test("accessDeniedMessage: AWS's wording for implicit and explicit denials", () => {
  const caller = user("alice");
  const req = { action: "dynamodb:GetItem", resource: TABLE, caller };
  assert.equal(
    accessDeniedMessage(req, { decision: "ImplicitDeny", reason: "no identity-based policy allows" }),
    `User: ${ALICE} is not authorized to perform: dynamodb:GetItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:GetItem action`,
  );
  assert.equal(
    accessDeniedMessage(req, { decision: "ExplicitDeny", reason: "an explicit deny in an identity-based policy" }),
    `User: ${ALICE} is not authorized to perform: dynamodb:GetItem on resource: ${TABLE} with an explicit deny in an identity-based policy`,
  );
});

// Trust policies ("Creating a role to delegate permissions to an AWS service", "…for a third party" with
// sts:ExternalId, "Create a role for OIDC federation").
const LAMBDA_TRUST = pol({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" });
const ACCOUNT_TRUST = pol({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "Unique-ID-1234" } } });
const OIDC = `arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com`;
const OIDC_TRUST = pol({
  Effect: "Allow", Principal: { Federated: OIDC }, Action: "sts:AssumeRoleWithWebIdentity",
  Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": "repo:octo-org/*" } },
});

const TRUST_CASES: Array<{ name: string; policy: string; who: Parameters<typeof principalMatches>[1]; action?: string; context?: Record<string, ConditionValue>; expect: boolean }> = [
  { name: "service principal named → allowed", policy: LAMBDA_TRUST, who: { Service: "lambda.amazonaws.com" }, expect: true },
  { name: "another service → refused", policy: LAMBDA_TRUST, who: { Service: "ecs-tasks.amazonaws.com" }, expect: false },
  { name: "an IAM user is not the service", policy: LAMBDA_TRUST, who: { AWS: user("alice") }, expect: false },
  { name: "account principal + matching sts:ExternalId", policy: ACCOUNT_TRUST, who: { AWS: user("alice", [], {}, B) }, context: { "sts:externalid": "Unique-ID-1234" }, expect: true },
  { name: "account principal + missing sts:ExternalId", policy: ACCOUNT_TRUST, who: { AWS: user("alice", [], {}, B) }, expect: false },
  { name: "account principal + caller from another account", policy: ACCOUNT_TRUST, who: { AWS: user("alice") }, context: { "sts:externalid": "Unique-ID-1234" }, expect: false },
  { name: "wrong action", policy: LAMBDA_TRUST, who: { Service: "lambda.amazonaws.com" }, action: "sts:AssumeRoleWithWebIdentity", expect: false },
  { name: "OIDC provider with aud and sub", policy: OIDC_TRUST, who: { Federated: OIDC }, action: "sts:AssumeRoleWithWebIdentity", context: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:octo-org/app:ref:refs/heads/main" }, expect: true },
  { name: "OIDC provider with a foreign sub", policy: OIDC_TRUST, who: { Federated: OIDC }, action: "sts:AssumeRoleWithWebIdentity", context: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:evil/app" }, expect: false },
  { name: "sts:RoleSessionName condition", policy: pol({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "sts:AssumeRole", Condition: { StringLike: { "sts:RoleSessionName": "${aws:username}" } } }), who: { AWS: user("alice") }, context: { "sts:rolesessionname": "alice" }, expect: true },
  { name: "sts:RoleSessionName condition not met", policy: pol({ Effect: "Allow", Principal: { AWS: ALICE }, Action: "sts:AssumeRole", Condition: { StringLike: { "sts:RoleSessionName": "${aws:username}" } } }), who: { AWS: user("alice") }, context: { "sts:rolesessionname": "bob" }, expect: false },
  { name: "a Deny statement wins", policy: pol({ Effect: "Allow", Principal: { AWS: A }, Action: "sts:AssumeRole" }, { Effect: "Deny", Principal: { AWS: ALICE }, Action: "sts:*" }), who: { AWS: user("alice") }, expect: false },
  { name: "role principal matches its sessions (role chaining)", policy: pol({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:role/app` }, Action: ["sts:AssumeRole", "sts:TagSession"] }), who: { AWS: session("app", "s") }, action: "sts:TagSession", expect: true },
];

for (const c of TRUST_CASES) {
  test(`principalMatches: ${c.name}`, () => {
    assert.equal(principalMatches(c.policy, c.who, c.action, c.context ?? {}), c.expect);
  });
}

test("isContextFree: conditions and policy variables make a decision depend on the request", () => {
  assert.equal(isContextFree({ caller: user("a", [pol(allow("s3:*"))]) }), true);
  assert.equal(isContextFree({ caller: user("a", [pol(allow("s3:*", "arn:aws:s3:::b/${aws:username}/*"))]) }), false);
  assert.equal(isContextFree({ caller: user("a", [pol(allow("s3:*", "*", { Condition: { Bool: { "aws:SecureTransport": "true" } } }))]) }), false);
  assert.equal(isContextFree({ caller: user("a", [pol(allow("s3:*"))]), resourcePolicy: pol(allow("s3:*", "*", { Principal: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })) }), false);
  assert.equal(isContextFree({ caller: user("a", [pol(allow("s3:*"))], { permissionsBoundary: pol(allow("*", "*", { Condition: { Null: { "aws:TokenIssueTime": "true" } } })) }) }), false);
});

test("principalMatches: a service in a resource policy (a Lambda function policy allowing API Gateway from one API)", () => {
  const fn = `arn:aws:lambda:us-east-1:${A}:function:f`;
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "apigw", Effect: "Allow", Principal: { Service: "apigateway.amazonaws.com" }, Action: "lambda:InvokeFunction", Resource: fn, Condition: { ArnLike: { "AWS:SourceArn": `arn:aws:execute-api:us-east-1:${A}:api1/*/GET/*` } } }],
  });
  const who = { Service: "apigateway.amazonaws.com" };
  assert.equal(principalMatches(policy, who, "lambda:InvokeFunction", { "aws:sourcearn": `arn:aws:execute-api:us-east-1:${A}:api1/prod/GET/items` }, fn), true);
  assert.equal(principalMatches(policy, who, "lambda:InvokeFunction", { "aws:sourcearn": `arn:aws:execute-api:us-east-1:${A}:api2/prod/GET/items` }, fn), false);
  assert.equal(principalMatches(policy, who, "lambda:InvokeFunction", { "aws:sourcearn": `arn:aws:execute-api:us-east-1:${A}:api1/prod/GET/items` }, `${fn}:prod`), false);
});

test("contextFromEntries / evalDecision: SimulateCustomPolicy's context entries and decision names", () => {
  const context = contextFromEntries([
    { ContextKeyName: "aws:SourceIp", ContextKeyValues: ["203.0.113.9"], ContextKeyType: "ip" },
    { ContextKeyName: "aws:TagKeys", ContextKeyValues: ["a", "b"], ContextKeyType: "stringList" },
  ]);
  assert.deepEqual(context, { "aws:sourceip": "203.0.113.9", "aws:tagkeys": ["a", "b"] });
  const caller = user("alice", [pol(allow("s3:*", "*", { Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } }))]);
  const d = evaluate({ action: "s3:GetObject", resource: BUCKET_OBJ, caller, context, resourceAccountId: A });
  assert.equal(evalDecision(d), "allowed");
  assert.equal(evalDecision(evaluate({ action: "s3:GetObject", resource: BUCKET_OBJ, caller, context: {}, resourceAccountId: A })), "implicitDeny");
});

test("accessDeniedError: each service's code and status, S3 quoting the resource", () => {
  const caller = user("alice");
  const d = { decision: "ImplicitDeny" as const, reason: "no identity-based policy allows" };
  const ddb = accessDeniedError("dynamodb", { action: "dynamodb:GetItem", resource: TABLE, caller }, d);
  assert.equal(ddb.code, "AccessDeniedException");
  assert.equal(ddb.status, 400);
  const s3 = accessDeniedError("s3", { action: "s3:GetObject", resource: BUCKET_OBJ, caller }, d);
  assert.equal(s3.code, "AccessDenied");
  assert.equal(s3.status, 403);
  assert.equal(s3.message, `User: ${ALICE} is not authorized to perform: s3:GetObject on resource: "${BUCKET_OBJ}" because no identity-based policy allows the s3:GetObject action`);
  assert.equal(accessDeniedError("lambda", { action: "lambda:InvokeFunction", resource: "arn:aws:lambda:us-east-1:1:function:f", caller }, d).status, 403);
});

test("evaluate: a stored identity statement without Resource covers nothing (IAM never accepts one)", () => {
  const caller = user("alice", [JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*" }] })]);
  assert.equal(evaluate({ action: "s3:GetObject", resource: BUCKET_OBJ, caller, context: {}, resourceAccountId: A }).decision, "ImplicitDeny");
});

test("anonymousAllows: a public-read bucket policy (S3 user guide, \"Granting read-only permission to a public anonymous user\")", () => {
  const publicRead = pol({ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: "arn:aws:s3:::amzn-s3-demo-bucket/*" });
  assert.equal(anonymousAllows(publicRead, "s3:GetObject", BUCKET_OBJ), true);
  assert.equal(anonymousAllows(publicRead, "s3:PutObject", BUCKET_OBJ), false);
  assert.equal(anonymousAllows(undefined, "s3:GetObject", BUCKET_OBJ), false);
  assert.equal(anonymousAllows(pol(allow("s3:GetObject", "*", { Principal: { AWS: A } })), "s3:GetObject", BUCKET_OBJ), false);
  const withDeny = pol({ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "*" }, { Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
  assert.equal(anonymousAllows(withDeny, "s3:GetObject", BUCKET_OBJ, { "aws:securetransport": false }), false);
  assert.equal(anonymousAllows(withDeny, "s3:GetObject", BUCKET_OBJ, { "aws:securetransport": true }), true);
});
