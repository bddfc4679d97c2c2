/**
 * Settings Lambda stores and returns (issue 9 item 18): provisioned concurrency configurations, function recursion
 * configuration, code signing configurations (and their effect on unsigned code), layer version permissions,
 * runtime management configuration,
 * and function policy statements as AWS writes them.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import {
  AddLayerVersionPermissionCommand, AddPermissionCommand, CreateAliasCommand, CreateCodeSigningConfigCommand, CreateFunctionCommand, DeleteCodeSigningConfigCommand, DeleteFunctionCodeSigningConfigCommand,
  DeleteProvisionedConcurrencyConfigCommand, GetCodeSigningConfigCommand, GetFunctionCodeSigningConfigCommand, GetFunctionRecursionConfigCommand, GetLayerVersionPolicyCommand, GetPolicyCommand,
  GetProvisionedConcurrencyConfigCommand, LambdaClient, ListCodeSigningConfigsCommand, ListFunctionsByCodeSigningConfigCommand, ListProvisionedConcurrencyConfigsCommand, PublishLayerVersionCommand,
  PublishVersionCommand, PutFunctionCodeSigningConfigCommand, PutFunctionRecursionConfigCommand, PutProvisionedConcurrencyConfigCommand, RemoveLayerVersionPermissionCommand, RemovePermissionCommand, UpdateCodeSigningConfigCommand,
  UpdateFunctionCodeCommand, waitUntilFunctionActiveV2, GetRuntimeManagementConfigCommand, PutRuntimeManagementConfigCommand, GetFunctionConfigurationCommand,
  DeleteAliasCommand, DeleteFunctionCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2, GetFunctionEventInvokeConfigCommand, PutFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let lambda: LambdaClient;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

const ROLE = "arn:aws:iam::000000000000:role/r";
const ZIP = zipSync({ "index.js": strToU8("exports.handler = async () => 1;") });
const PROFILE = "arn:aws:signer:us-east-1:000000000000:/signing-profiles/MyProfile/abcdef1234";

async function fn(extra: { CodeSigningConfigArn?: string } = {}): Promise<string> {
  const name = uniqueName("set");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: ZIP }, ...extra }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return name;
}

test("PutProvisionedConcurrencyConfig: IN_PROGRESS, then READY with everything allocated; Get/List/Delete; $LATEST refused; alias/version conflicts", async () => {
  const name = await fn();
  await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "two" }));
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
  const put = await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "live", ProvisionedConcurrentExecutions: 3 }));
  assert.deepEqual([put.Status, put.RequestedProvisionedConcurrentExecutions, put.AllocatedProvisionedConcurrentExecutions], ["IN_PROGRESS", 3, 0]);
  assert.match(put.LastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  const got = await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "live" }));
  assert.deepEqual([got.Status, got.RequestedProvisionedConcurrentExecutions, got.AvailableProvisionedConcurrentExecutions, got.AllocatedProvisionedConcurrentExecutions], ["READY", 3, 3, 3]);
  await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "2", ProvisionedConcurrentExecutions: 1 }));
  const list = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: name }));
  const base = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  assert.deepEqual(list.ProvisionedConcurrencyConfigs?.map((c) => [c.FunctionArn, c.RequestedProvisionedConcurrentExecutions]), [[`${base}:2`, 1], [`${base}:live`, 3]]);
  await assert.rejects(lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "$LATEST", ProvisionedConcurrentExecutions: 1 })), { name: "InvalidParameterValueException", message: "Provisioned Concurrency Configs cannot be applied to unpublished function versions." });
  await assert.rejects(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "$LATEST" })), { name: "InvalidParameterValueException", message: "The function resource provided must be an alias or a published version." });
  // Version 1 is provisioned through its alias: not directly too, and the other way round.
  await assert.rejects(lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "1", ProvisionedConcurrentExecutions: 1 })), { name: "ResourceConflictException", message: "Version is pointed by a Provisioned Concurrency alias" });
  await lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "live" }));
  await lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "live" })); // idempotent
  await assert.rejects(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "live" })), { name: "ProvisionedConcurrencyConfigNotFoundException", message: "No Provisioned Concurrency Config found for this function" });
  await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "1", ProvisionedConcurrentExecutions: 1 }));
  await assert.rejects(lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "live", ProvisionedConcurrentExecutions: 1 })), { name: "ResourceConflictException", message: "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version" });
  // An alias of $LATEST is as unpublished as $LATEST.
  await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "edge", FunctionVersion: "$LATEST" }));
  await assert.rejects(lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "edge", ProvisionedConcurrentExecutions: 1 })), { name: "InvalidParameterValueException" });
});

test("PutFunctionRecursionConfig: Terminate by default; Allow stored; other values refused", async () => {
  const name = await fn();
  assert.equal((await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: name }))).RecursiveLoop, "Terminate");
  assert.equal((await lambda.send(new PutFunctionRecursionConfigCommand({ FunctionName: name, RecursiveLoop: "Allow" }))).RecursiveLoop, "Allow");
  assert.equal((await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: name }))).RecursiveLoop, "Allow");
  await assert.rejects(lambda.send(new PutFunctionRecursionConfigCommand({ FunctionName: name, RecursiveLoop: "Sometimes" as "Allow" })), { name: "ValidationException" });
});

test("CreateCodeSigningConfig: Create/Get/Update/List/Delete, functions using it; Enforce refuses unsigned code, Warn deploys it", async () => {
  const created = (await lambda.send(new CreateCodeSigningConfigCommand({ Description: "ci", AllowedPublishers: { SigningProfileVersionArns: [PROFILE] } }))).CodeSigningConfig!;
  assert.match(created.CodeSigningConfigId!, /^csc-[a-z0-9]{17}$/);
  assert.equal(created.CodeSigningConfigArn, `arn:aws:lambda:us-east-1:000000000000:code-signing-config:${created.CodeSigningConfigId}`);
  assert.equal(created.CodeSigningPolicies?.UntrustedArtifactOnDeployment, "Warn");
  const arn = created.CodeSigningConfigArn!;
  assert.equal((await lambda.send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: arn }))).CodeSigningConfig?.Description, "ci");
  assert.ok((await lambda.send(new ListCodeSigningConfigsCommand({}))).CodeSigningConfigs?.some((c) => c.CodeSigningConfigArn === arn));

  const name = await fn({ CodeSigningConfigArn: arn }); // Warn: unsigned code deploys
  assert.deepEqual(await lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name })).then((r) => [r.CodeSigningConfigArn, r.FunctionName]), [arn, name]);
  assert.deepEqual((await lambda.send(new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: arn }))).FunctionArns, [`arn:aws:lambda:us-east-1:000000000000:function:${name}`]);

  const updated = (await lambda.send(new UpdateCodeSigningConfigCommand({ CodeSigningConfigArn: arn, CodeSigningPolicies: { UntrustedArtifactOnDeployment: "Enforce" } }))).CodeSigningConfig!;
  assert.deepEqual([updated.Description, updated.CodeSigningPolicies?.UntrustedArtifactOnDeployment], ["ci", "Enforce"]);
  await assert.rejects(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: ZIP })), { name: "CodeVerificationFailedException" });
  await assert.rejects(fn({ CodeSigningConfigArn: arn }), { name: "CodeVerificationFailedException" });

  await lambda.send(new DeleteFunctionCodeSigningConfigCommand({ FunctionName: name }));
  assert.equal((await lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }))).CodeSigningConfigArn, undefined);
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: ZIP }));
  await lambda.send(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));
  await assert.rejects(lambda.send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: arn })), { name: "ResourceNotFoundException", message: `The Lambda code signing configuration ${arn} can not be found.` });
  await assert.rejects(lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: name, CodeSigningConfigArn: arn })), { name: "CodeSigningConfigNotFoundException", message: `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${arn}.` });
});

test("AddLayerVersionPermission: statements as AWS writes them; GetLayerVersionPolicy; RemoveLayerVersionPermission (aws CLI)", async () => {
  const layer = uniqueName("lyr");
  const v = await lambda.send(new PublishLayerVersionCommand({ LayerName: layer, Content: { ZipFile: zipSync({ "nodejs/x.js": strToU8("1") }) } }));
  const acct = await lambda.send(new AddLayerVersionPermissionCommand({ LayerName: layer, VersionNumber: v.Version, StatementId: "xaccount", Action: "lambda:GetLayerVersion", Principal: "210987654321" }));
  assert.deepEqual(JSON.parse(acct.Statement!), { Sid: "xaccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:root" }, Action: "lambda:GetLayerVersion", Resource: v.LayerVersionArn });
  const org = await lambda.send(new AddLayerVersionPermissionCommand({ LayerName: layer, VersionNumber: v.Version, StatementId: "org", Action: "lambda:GetLayerVersion", Principal: "*", OrganizationId: "o-abcdefghij" }));
  assert.deepEqual(JSON.parse(org.Statement!), { Sid: "org", Effect: "Allow", Principal: "*", Action: "lambda:GetLayerVersion", Resource: v.LayerVersionArn, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abcdefghij" } } });
  await assert.rejects(lambda.send(new AddLayerVersionPermissionCommand({ LayerName: layer, VersionNumber: v.Version, StatementId: "org", Action: "lambda:GetLayerVersion", Principal: "*" })), { name: "ResourceConflictException" });

  const aws = (...args: string[]) => promisify(execFile)("aws", [...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  const policy = JSON.parse(JSON.parse((await aws("lambda", "get-layer-version-policy", "--layer-name", layer, "--version-number", String(v.Version))).stdout).Policy);
  assert.deepEqual(policy.Statement.map((s: { Sid: string }) => s.Sid), ["xaccount", "org"]);
  assert.equal(policy.Version, "2012-10-17");
  await aws("lambda", "remove-layer-version-permission", "--layer-name", layer, "--version-number", String(v.Version), "--statement-id", "xaccount");
  const after1 = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: layer, VersionNumber: v.Version }));
  assert.deepEqual(JSON.parse(after1.Policy!).Statement.map((s: { Sid: string }) => s.Sid), ["org"]);
  await assert.rejects(lambda.send(new RemoveLayerVersionPermissionCommand({ LayerName: layer, VersionNumber: v.Version, StatementId: "xaccount" })), { name: "ResourceNotFoundException" });
  await lambda.send(new RemoveLayerVersionPermissionCommand({ LayerName: layer, VersionNumber: v.Version, StatementId: "org" }));
  await assert.rejects(lambda.send(new GetLayerVersionPolicyCommand({ LayerName: layer, VersionNumber: v.Version })), { name: "ResourceNotFoundException" });
});

test("GetPolicy: a function without a policy answers ResourceNotFoundException every time, until a permission is added and after the last is removed", async () => {
  const name = await fn();
  for (let i = 0; i < 2; i++) await assert.rejects(lambda.send(new GetPolicyCommand({ FunctionName: name })), { name: "ResourceNotFoundException" });
  await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: "apigw", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com" }));
  assert.deepEqual(JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: name }))).Policy!).Statement.map((s: { Sid: string }) => s.Sid), ["apigw"]);
  await lambda.send(new RemovePermissionCommand({ FunctionName: name, StatementId: "apigw" }));
  await assert.rejects(lambda.send(new GetPolicyCommand({ FunctionName: name })), { name: "ResourceNotFoundException" });
});

test("AddPermission: Principal \"*\" stays \"*\", an account id becomes its root ARN, conditions are kept", async () => {
  const name = await fn();
  await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: "url", Action: "lambda:InvokeFunctionUrl", Principal: "*", FunctionUrlAuthType: "NONE" }));
  await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: "acct", Action: "lambda:InvokeFunction", Principal: "210987654321" }));
  await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: "s3", Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com", SourceArn: "arn:aws:s3:::bucket", SourceAccount: "000000000000" }));
  const statements = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: name }))).Policy!).Statement as Array<Record<string, unknown>>;
  const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
  assert.equal(bySid.url!.Principal, "*");
  assert.deepEqual(bySid.url!.Condition, { StringEquals: { "lambda:FunctionUrlAuthType": "NONE" } });
  assert.deepEqual(bySid.acct!.Principal, { AWS: "arn:aws:iam::210987654321:root" });
  assert.deepEqual(bySid.s3!.Condition, { ArnLike: { "AWS:SourceArn": "arn:aws:s3:::bucket" }, StringEquals: { "AWS:SourceAccount": "000000000000" } });
});

test("PutRuntimeManagementConfig: Auto by default; Manual pins the function's RuntimeVersionArn; Manual needs an ARN", async () => {
  const name = await fn();
  const base = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  assert.deepEqual(await lambda.send(new GetRuntimeManagementConfigCommand({ FunctionName: name })).then((r) => [r.UpdateRuntimeOn, r.RuntimeVersionArn, r.FunctionArn]), ["Auto", undefined, base]);
  const runtimeArn = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).RuntimeVersionConfig!.RuntimeVersionArn!;
  const put = await lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: name, UpdateRuntimeOn: "Manual", RuntimeVersionArn: runtimeArn }));
  assert.deepEqual([put.UpdateRuntimeOn, put.RuntimeVersionArn], ["Manual", runtimeArn]);
  assert.equal((await lambda.send(new GetRuntimeManagementConfigCommand({ FunctionName: name }))).RuntimeVersionArn, runtimeArn);
  await assert.rejects(lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: name, UpdateRuntimeOn: "Manual" })), { name: "InvalidParameterValueException" });
  await assert.rejects(lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: name, UpdateRuntimeOn: "Sometimes" as "Auto" })), { name: "ValidationException" });
  assert.equal((await lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: name, UpdateRuntimeOn: "FunctionUpdate" }))).UpdateRuntimeOn, "FunctionUpdate");
});

test("DeleteFunction: its settings go with it (a new function of the same name starts clean); DeleteAlias drops the alias's", async () => {
  const name = await fn();
  await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
  await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "live", ProvisionedConcurrentExecutions: 2 }));
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: "live", MaximumRetryAttempts: 0 }));
  await lambda.send(new DeleteAliasCommand({ FunctionName: name, Name: "live" }));
  await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
  await assert.rejects(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: "live" })), { name: "ProvisionedConcurrencyConfigNotFoundException" });
  await assert.rejects(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: "live" })), { name: "ResourceNotFoundException" });

  await lambda.send(new PutFunctionRecursionConfigCommand({ FunctionName: name, RecursiveLoop: "Allow" }));
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 1 }));
  await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: ZIP } }));
  assert.equal((await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: name }))).RecursiveLoop, "Terminate");
  await assert.rejects(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })), { name: "ResourceNotFoundException" });
});
