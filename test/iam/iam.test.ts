import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import {
  AddUserToGroupCommand, AttachRolePolicyCommand, AttachUserPolicyCommand, CreateAccessKeyCommand, CreateGroupCommand, CreateInstanceProfileCommand,
  AddRoleToInstanceProfileCommand, CreatePolicyCommand, CreatePolicyVersionCommand, CreateRoleCommand, CreateServiceLinkedRoleCommand, CreateUserCommand,
  DeletePolicyVersionCommand, DeleteRoleCommand, DeleteUserCommand, DetachRolePolicyCommand, GetAccountAuthorizationDetailsCommand, GetGroupCommand,
  GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand, GetUserCommand, IAMClient, ListAttachedRolePoliciesCommand, ListPoliciesCommand,
  ListRolesCommand, PutRolePolicyCommand, SetDefaultPolicyVersionCommand, UpdateAccessKeyCommand, DeleteRolePolicyCommand, ListPolicyVersionsCommand,
  ListEntitiesForPolicyCommand, CreateOpenIDConnectProviderCommand, GetOpenIDConnectProviderCommand, PutUserPolicyCommand, DeleteServiceLinkedRoleCommand,
  TagRoleCommand, ListRoleTagsCommand, UpdateAssumeRolePolicyCommand, CreateAccountAliasCommand, ListAccountAliasesCommand, UpdateAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand, SimulatePrincipalPolicyCommand, SimulateCustomPolicyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { LAMBDA_TRUST } from "../helpers/iam.js";

let server: TestServer;
let iam: IAMClient;
before(async () => {
  server = await startServer({ "enforce-sigv4": true, credentials: "test:test" });
  iam = new IAMClient(server.clientConfig);
});
after(() => server.stop());

const fails = async (p: Promise<unknown>) => (await p.then(() => assert.fail("expected an error"), (e: unknown) => e)) as { name: string; message: string; $metadata: { httpStatusCode?: number } };
const ALLOW_LIST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "dynamodb:ListTables", Resource: "*" }] });

test("CreateRole: returns the role with an AROA id, the ARN with its path and the trust policy URL-encoded", async () => {
  const name = uniqueName("role");
  const out = await iam.send(new CreateRoleCommand({ RoleName: name, Path: "/app/", AssumeRolePolicyDocument: LAMBDA_TRUST, Description: "d", Tags: [{ Key: "team", Value: "a" }] }));
  assert.equal(out.Role!.Arn, `arn:aws:iam::000000000000:role/app/${name}`);
  assert.match(out.Role!.RoleId!, /^AROA[A-Z2-7]{17}$/);
  assert.equal(out.Role!.AssumeRolePolicyDocument, encodeURIComponent(LAMBDA_TRUST));
  assert.equal(out.Role!.MaxSessionDuration, 3600);
  const got = await iam.send(new GetRoleCommand({ RoleName: name }));
  assert.equal(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!), LAMBDA_TRUST);
  assert.deepEqual(got.Role!.Tags, [{ Key: "team", Value: "a" }]);
});

test("CreateRole: a second role of the same name (any case) is EntityAlreadyExists", async () => {
  const name = uniqueName("dup");
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST }));
  const e = await fails(iam.send(new CreateRoleCommand({ RoleName: name.toUpperCase(), AssumeRolePolicyDocument: LAMBDA_TRUST })));
  assert.equal(e.name, "EntityAlreadyExistsException");
  assert.equal(e.message, `Role with name ${name.toUpperCase()} already exists.`);
  assert.equal(e.$metadata.httpStatusCode, 409);
});

test("GetRole: a missing role is NoSuchEntity with IAM's message", async () => {
  const e = await fails(iam.send(new GetRoleCommand({ RoleName: "no-such-role" })));
  assert.equal(e.name, "NoSuchEntityException");
  assert.equal(e.message, "The role with name no-such-role cannot be found.");
  assert.equal(e.$metadata.httpStatusCode, 404);
});

test("CreateRole: a trust policy that is not JSON, or has no Principal, is MalformedPolicyDocument", async () => {
  let e = await fails(iam.send(new CreateRoleCommand({ RoleName: uniqueName("bad"), AssumeRolePolicyDocument: "{not json" })));
  assert.equal(e.name, "MalformedPolicyDocumentException");
  e = await fails(iam.send(new CreateRoleCommand({ RoleName: uniqueName("bad"), AssumeRolePolicyDocument: ALLOW_LIST })));
  assert.equal(e.name, "MalformedPolicyDocumentException");
});

test("CreateRole: MaxSessionDuration outside 3600–43200 is a ValidationError", async () => {
  const e = await fails(iam.send(new CreateRoleCommand({ RoleName: uniqueName("dur"), AssumeRolePolicyDocument: LAMBDA_TRUST, MaxSessionDuration: 100 })));
  assert.equal(e.name, "ValidationError");
  assert.match(e.message, /maxSessionDuration.*greater than or equal to 3600/);
});

test("DeleteRole: refused with DeleteConflict while policies are attached or inline", async () => {
  const name = uniqueName("del");
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "p", PolicyDocument: ALLOW_LIST }));
  let e = await fails(iam.send(new DeleteRoleCommand({ RoleName: name })));
  assert.equal(e.name, "DeleteConflictException");
  assert.equal(e.message, "Cannot delete entity, must detach all policies first.");
  await iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }));
  e = await fails(iam.send(new DeleteRoleCommand({ RoleName: name })));
  assert.equal(e.message, "Cannot delete entity, must delete policies first.");
  await iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: "p" }));
  await iam.send(new DeleteRoleCommand({ RoleName: name }));
  assert.equal((await fails(iam.send(new GetRoleCommand({ RoleName: name })))).name, "NoSuchEntityException");
});

test("PutRolePolicy / GetRolePolicy: the inline document comes back URL-encoded", async () => {
  const name = uniqueName("inl");
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "p", PolicyDocument: ALLOW_LIST }));
  const out = await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: "p" }));
  assert.equal(out.PolicyDocument, encodeURIComponent(ALLOW_LIST));
  const e = await fails(iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: "nope" })));
  assert.equal(e.message, "The role policy with name nope cannot be found.");
});

test("AttachRolePolicy: AWS managed policies by ARN; an unknown ARN is NoSuchEntity", async () => {
  const name = uniqueName("att");
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: LAMBDA_TRUST }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" }));
  const list = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
  assert.deepEqual(list.AttachedPolicies, [{ PolicyName: "AWSLambdaBasicExecutionRole", PolicyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" }]);
  const e = await fails(iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: "arn:aws:iam::aws:policy/NoSuchPolicy" })));
  assert.equal(e.name, "NoSuchEntityException");
  assert.equal(e.message, "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.");
});

test("GetPolicyVersion: AWS managed documents are AWS's own", async () => {
  const p = await iam.send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" }));
  const v = await iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Policy!.Arn, VersionId: p.Policy!.DefaultVersionId }));
  assert.deepEqual(JSON.parse(decodeURIComponent(v.PolicyVersion!.Document!)), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }] });
  const admin = await iam.send(new GetPolicyVersionCommand({ PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess", VersionId: "v1" }));
  assert.deepEqual(JSON.parse(decodeURIComponent(admin.PolicyVersion!.Document!)).Statement, [{ Effect: "Allow", Action: "*", Resource: "*" }]);
});

test("CreatePolicyVersion: five versions at most (LimitExceeded), the default cannot be deleted", async () => {
  const name = uniqueName("pol");
  const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: ALLOW_LIST }));
  assert.equal(Policy!.Arn, `arn:aws:iam::000000000000:policy/${name}`);
  assert.equal(Policy!.DefaultVersionId, "v1");
  for (let i = 2; i <= 5; i++) {
    const v: { PolicyVersion?: { VersionId?: string } } = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: Policy!.Arn, PolicyDocument: ALLOW_LIST, SetAsDefault: i === 3 }));
    assert.equal(v.PolicyVersion!.VersionId, `v${i}`);
  }
  const e = await fails(iam.send(new CreatePolicyVersionCommand({ PolicyArn: Policy!.Arn, PolicyDocument: ALLOW_LIST })));
  assert.equal(e.name, "LimitExceededException");
  assert.equal(e.message, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.");
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: Policy!.Arn }))).Policy!.DefaultVersionId, "v3");
  const d = await fails(iam.send(new DeletePolicyVersionCommand({ PolicyArn: Policy!.Arn, VersionId: "v3" })));
  assert.equal(d.name, "DeleteConflictException");
  await iam.send(new DeletePolicyVersionCommand({ PolicyArn: Policy!.Arn, VersionId: "v1" }));
  await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: Policy!.Arn, VersionId: "v5" }));
  const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: Policy!.Arn }));
  assert.deepEqual(versions.Versions!.map((v) => [v.VersionId, v.IsDefaultVersion]), [["v5", true], ["v4", false], ["v3", false], ["v2", false]]);
  const v6 = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: Policy!.Arn, PolicyDocument: ALLOW_LIST }));
  assert.equal(v6.PolicyVersion!.VersionId, "v6");
});

test("CreatePolicy: a Principal in an identity policy is MalformedPolicyDocument", async () => {
  const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] });
  const e = await fails(iam.send(new CreatePolicyCommand({ PolicyName: uniqueName("p"), PolicyDocument: doc })));
  assert.equal(e.name, "MalformedPolicyDocumentException");
  assert.equal(e.message, "Policy document should not specify a principal.");
});

test("ListRoles: MaxItems and Marker page through every role once", async () => {
  const prefix = `/page${process.pid}/`;
  const names = await Promise.all([1, 2, 3, 4, 5].map(async (i) => (await iam.send(new CreateRoleCommand({ RoleName: uniqueName(`pg${i}`), Path: prefix, AssumeRolePolicyDocument: LAMBDA_TRUST }))).Role!.RoleName!));
  const seen: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const out = await iam.send(new ListRolesCommand({ PathPrefix: prefix, MaxItems: 2, Marker: marker }));
    seen.push(...out.Roles!.map((r) => r.RoleName!));
    marker = out.IsTruncated ? out.Marker : undefined;
    pages++;
  } while (marker);
  assert.equal(pages, 3);
  assert.deepEqual(seen.sort(), names.sort());
});

test("ListPolicies: Scope=AWS lists the managed catalogue; OnlyAttached filters", async () => {
  const aws = await iam.send(new ListPoliciesCommand({ Scope: "AWS", MaxItems: 1000 }));
  const names = aws.Policies!.map((p) => p.PolicyName);
  for (const n of ["AWSLambdaBasicExecutionRole", "AmazonDynamoDBFullAccess", "AdministratorAccess", "AmazonS3ReadOnlyAccess", "AWSBatchServiceRole", "AmazonAPIGatewayPushToCloudWatchLogs"]) assert.ok(names.includes(n), n);
  const attached = await iam.send(new ListPoliciesCommand({ Scope: "AWS", OnlyAttached: true, MaxItems: 1000 }));
  assert.ok(attached.Policies!.every((p) => p.AttachmentCount! > 0));
});

test("CreateUser / groups: membership, GetGroup users, ListEntitiesForPolicy", async () => {
  const user = uniqueName("u");
  const group = uniqueName("g");
  const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: uniqueName("gp"), PolicyDocument: ALLOW_LIST }));
  await iam.send(new CreateUserCommand({ UserName: user }));
  await iam.send(new CreateGroupCommand({ GroupName: group }));
  await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: user }));
  await iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: Policy!.Arn }));
  const g = await iam.send(new GetGroupCommand({ GroupName: group }));
  assert.deepEqual(g.Users!.map((u) => u.UserName), [user]);
  const ents = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: Policy!.Arn }));
  assert.deepEqual(ents.PolicyUsers!.map((u) => u.UserName), [user]);
  const e = await fails(iam.send(new DeleteUserCommand({ UserName: user })));
  assert.equal(e.name, "DeleteConflictException");
});

test("CreateAccessKey: the new AKIA key signs requests; Inactive, it is refused", async () => {
  const user = uniqueName("k");
  await iam.send(new CreateUserCommand({ UserName: user }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
  assert.match(AccessKey!.AccessKeyId!, /^AKIA[A-Z2-7]{16}$/);
  const creds = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  const sts = new STSClient({ ...server.clientConfig, credentials: creds });
  const me = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(me.Arn, `arn:aws:iam::000000000000:user/${user}`);
  assert.match(me.UserId!, /^AIDA/);
  const self = await new IAMClient({ ...server.clientConfig, credentials: creds }).send(new GetUserCommand({}));
  assert.equal(self.User!.UserName, user);
  await iam.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: AccessKey!.AccessKeyId, Status: "Inactive" }));
  const e = await fails(sts.send(new GetCallerIdentityCommand({})));
  assert.equal(e.$metadata.httpStatusCode, 403);
});

test("CreateServiceLinkedRole: AWSServiceRoleFor… under /aws-service-role/SERVICE/, deleted only through DeleteServiceLinkedRole", async () => {
  const out = await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "autoscaling.amazonaws.com", CustomSuffix: uniqueName("s").slice(0, 20) }));
  assert.match(out.Role!.RoleName!, /^AWSServiceRoleForAutoScaling_/);
  assert.equal(out.Role!.Path, "/aws-service-role/autoscaling.amazonaws.com/");
  const e = await fails(iam.send(new DeleteRoleCommand({ RoleName: out.Role!.RoleName })));
  assert.equal(e.name, "UnmodifiableEntityException");
  const del = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: out.Role!.RoleName }));
  assert.match(del.DeletionTaskId!, /^task\/aws-service-role\/autoscaling\.amazonaws\.com\//);
});

test("GetAccountAuthorizationDetails: users, roles with instance profiles, local policies with versions", async () => {
  const role = uniqueName("gad");
  const prof = uniqueName("ip");
  await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: LAMBDA_TRUST }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: prof }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: prof, RoleName: role }));
  const out = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Role"], MaxItems: 1000 }));
  const r = out.RoleDetailList!.find((x) => x.RoleName === role)!;
  assert.equal(r.InstanceProfileList![0]!.InstanceProfileName, prof);
  assert.equal(r.AssumeRolePolicyDocument, encodeURIComponent(LAMBDA_TRUST));
  assert.equal(out.UserDetailList!.length, 0);
});

test("TagRole / UpdateAssumeRolePolicy / account alias / password policy: stored and returned", async () => {
  const role = uniqueName("tag");
  await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: LAMBDA_TRUST }));
  await iam.send(new TagRoleCommand({ RoleName: role, Tags: [{ Key: "k", Value: "v" }] }));
  assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: role }))).Tags, [{ Key: "k", Value: "v" }]);
  const trust = LAMBDA_TRUST.replace("lambda", "states");
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: trust }));
  assert.equal(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: role }))).Role!.AssumeRolePolicyDocument!), trust);
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: "my-alias" }));
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, ["my-alias"]);
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, RequireSymbols: true }));
  const pp = await iam.send(new GetAccountPasswordPolicyCommand({}));
  assert.equal(pp.PasswordPolicy!.MinimumPasswordLength, 12);
  assert.equal(pp.PasswordPolicy!.RequireSymbols, true);
});

test("CreateOpenIDConnectProvider: stored under the issuer's host and path", async () => {
  const out = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: "https://token.example.com/app", ClientIDList: ["c1"], ThumbprintList: ["a".repeat(40)] }));
  assert.equal(out.OpenIDConnectProviderArn, "arn:aws:iam::000000000000:oidc-provider/token.example.com/app");
  const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: out.OpenIDConnectProviderArn }));
  assert.equal(got.Url, "token.example.com/app");
  assert.deepEqual(got.ClientIDList, ["c1"]);
});

test("PutUserPolicy: a user's inline policy over 2,048 characters is LimitExceeded", async () => {
  const user = uniqueName("big");
  await iam.send(new CreateUserCommand({ UserName: user }));
  const big = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: Array.from({ length: 200 }, (_, i) => `dynamodb:Action${i}`), Resource: "*" }] });
  const e = await fails(iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: "p", PolicyDocument: big })));
  assert.equal(e.name, "LimitExceededException");
});

test("iam create-role / get-role: through the aws CLI (documents decoded by the CLI)", async () => {
  const run = promisify(execFile);
  const name = uniqueName("cli");
  await run("aws", ["iam", "create-role", "--role-name", name, "--assume-role-policy-document", LAMBDA_TRUST, "--endpoint-url", server.endpoint], { env: cliEnv() });
  const { stdout } = await run("aws", ["iam", "get-role", "--role-name", name, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  const role = JSON.parse(stdout).Role;
  assert.deepEqual(role.AssumeRolePolicyDocument, JSON.parse(LAMBDA_TRUST));
  const e = await run("aws", ["iam", "get-role", "--role-name", "nope-cli", "--endpoint-url", server.endpoint], { env: cliEnv() }).catch((x: { stderr: string }) => x);
  assert.match((e as { stderr: string }).stderr, /NoSuchEntity.*The role with name nope-cli cannot be found\./);
});

test("SimulatePrincipalPolicy: a user's inline and attached policies decide each action × resource", async () => {
  const user = uniqueName("sim");
  const { User } = await iam.send(new CreateUserCommand({ UserName: user }));
  await iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: "p", PolicyDocument: ALLOW_LIST }));
  await iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }));
  const out = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: User!.Arn, ActionNames: ["dynamodb:ListTables", "dynamodb:DeleteTable", "s3:GetObject", "s3:PutObject"] }));
  assert.deepEqual(out.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalDecision]), [["dynamodb:ListTables", "allowed"], ["dynamodb:DeleteTable", "implicitDeny"], ["s3:GetObject", "allowed"], ["s3:PutObject", "implicitDeny"]]);
});

test("SimulateCustomPolicy: an explicit deny and a condition from ContextEntries", async () => {
  const doc = JSON.stringify({ Version: "2012-10-17", Statement: [
    { Effect: "Allow", Action: "s3:*", Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } } },
    { Effect: "Deny", Action: "s3:DeleteBucket", Resource: "*" },
  ] });
  const out = await iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [doc], ActionNames: ["s3:GetObject", "s3:DeleteBucket"], ContextEntries: [{ ContextKeyName: "aws:RequestedRegion", ContextKeyType: "string", ContextKeyValues: ["eu-west-1"] }] }));
  assert.deepEqual(out.EvaluationResults!.map((r) => r.EvalDecision), ["allowed", "explicitDeny"]);
  const elsewhere = await iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [doc], ActionNames: ["s3:GetObject"], ContextEntries: [{ ContextKeyName: "aws:RequestedRegion", ContextKeyType: "string", ContextKeyValues: ["us-east-1"] }] }));
  assert.equal(elsewhere.EvaluationResults![0]!.EvalDecision, "implicitDeny");
});
