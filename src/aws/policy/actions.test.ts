/**
 * authorizationFor: actions and resource ARNs from the Service Authorization Reference ("Actions, resources,
 * and condition keys for <service>") and the services' own IAM pages (Lambda "Fine-tuning the Resources and
 * Conditions sections of policies", DynamoDB "Using IAM policy conditions for fine-grained access control",
 * S3 "Policy actions for Amazon S3", CloudWatch Logs "Permissions reference").
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadModel } from "../models/loader.js";
import { ManualClock } from "../../core/clock.js";
import { authorizationFor, globalContext, type AuthorizationEnv } from "./actions.js";
import { partiqlTarget } from "./services/dynamodb.js";
import type { CallerIdentity } from "./types.js";

const A = "111122223333";
const R = "us-east-1";
const ENV: AuthorizationEnv = { accountId: A, region: R, now: Date.UTC(2026, 0, 1) };
const T = `arn:aws:dynamodb:${R}:${A}:table`;
const F = `arn:aws:lambda:${R}:${A}:function`;
const LG = `arn:aws:logs:${R}:${A}:log-group`;

const CASES: Array<{ service: string; op: string; input: Record<string, unknown>; action: string; resources: string[]; extra?: Array<{ action: string; resources: string[] }> }> = [
  // DynamoDB
  { service: "dynamodb", op: "GetItem", input: { TableName: "Books", Key: { Id: { S: "1" } } }, action: "dynamodb:GetItem", resources: [`${T}/Books`] },
  { service: "dynamodb", op: "Query", input: { TableName: "Books", IndexName: "ByAuthor" }, action: "dynamodb:Query", resources: [`${T}/Books/index/ByAuthor`] },
  { service: "dynamodb", op: "Scan", input: { TableName: `${T}/Books` }, action: "dynamodb:Scan", resources: [`${T}/Books`] },
  { service: "dynamodb", op: "ListTables", input: {}, action: "dynamodb:ListTables", resources: ["*"] },
  { service: "dynamodb", op: "BatchGetItem", input: { RequestItems: { A: {}, B: {} } }, action: "dynamodb:BatchGetItem", resources: [`${T}/A`, `${T}/B`] },
  { service: "dynamodb", op: "TransactWriteItems", input: { TransactItems: [{ Put: { TableName: "A" } }, { Update: { TableName: "B" } }, { ConditionCheck: { TableName: "A" } }, { Put: { TableName: "C" } }] }, action: "dynamodb:PutItem", resources: [`${T}/A`, `${T}/C`], extra: [{ action: "dynamodb:UpdateItem", resources: [`${T}/B`] }, { action: "dynamodb:ConditionCheckItem", resources: [`${T}/A`] }] },
  { service: "dynamodb", op: "TransactGetItems", input: { TransactItems: [{ Get: { TableName: "A" } }] }, action: "dynamodb:GetItem", resources: [`${T}/A`] },
  { service: "dynamodb", op: "ExecuteStatement", input: { Statement: 'SELECT * FROM "Books"."ByAuthor" WHERE Author = ?' }, action: "dynamodb:PartiQLSelect", resources: [`${T}/Books/index/ByAuthor`] },
  { service: "dynamodb", op: "ExecuteStatement", input: { Statement: "insert into Books value {'Id': '1'}" }, action: "dynamodb:PartiQLInsert", resources: [`${T}/Books`] },
  { service: "dynamodbstreams", op: "GetRecords", input: { ShardIterator: "x" }, action: "dynamodb:GetRecords", resources: ["*"] },
  { service: "dynamodbstreams", op: "DescribeStream", input: { StreamArn: `${T}/Books/stream/2026-01-01T00:00:00.000` }, action: "dynamodb:DescribeStream", resources: [`${T}/Books/stream/2026-01-01T00:00:00.000`] },
  { service: "dynamodbstreams", op: "ListStreams", input: {}, action: "dynamodb:ListStreams", resources: ["*"] },
  // Lambda
  { service: "lambda", op: "Invoke", input: { FunctionName: "my-function" }, action: "lambda:InvokeFunction", resources: [`${F}:my-function`] },
  { service: "lambda", op: "Invoke", input: { FunctionName: "my-function", Qualifier: "prod" }, action: "lambda:InvokeFunction", resources: [`${F}:my-function:prod`] },
  { service: "lambda", op: "Invoke", input: { FunctionName: "my-function:3" }, action: "lambda:InvokeFunction", resources: [`${F}:my-function:3`] },
  { service: "lambda", op: "Invoke", input: { FunctionName: "444455556666:function:f" }, action: "lambda:InvokeFunction", resources: ["arn:aws:lambda:us-east-1:444455556666:function:f"] },
  { service: "lambda", op: "Invoke", input: { FunctionName: "arn:aws:lambda:eu-west-1:444455556666:function:f:live" }, action: "lambda:InvokeFunction", resources: ["arn:aws:lambda:eu-west-1:444455556666:function:f:live"] },
  { service: "lambda", op: "InvokeAsync", input: { FunctionName: "f" }, action: "lambda:InvokeFunction", resources: [`${F}:f`] },
  { service: "lambda", op: "GetFunctionConfiguration", input: { FunctionName: "f" }, action: "lambda:GetFunctionConfiguration", resources: [`${F}:f`] },
  { service: "lambda", op: "CreateAlias", input: { FunctionName: "f", Name: "prod", FunctionVersion: "1" }, action: "lambda:CreateAlias", resources: [`${F}:f`] },
  { service: "lambda", op: "ListFunctions", input: {}, action: "lambda:ListFunctions", resources: ["*"] },
  { service: "lambda", op: "CreateFunction", input: { FunctionName: "f", Role: `arn:aws:iam::${A}:role/exec` }, action: "lambda:CreateFunction", resources: [`${F}:f`], extra: [{ action: "iam:PassRole", resources: [`arn:aws:iam::${A}:role/exec`] }] },
  { service: "lambda", op: "GetLayerVersion", input: { LayerName: "libs", VersionNumber: 2 }, action: "lambda:GetLayerVersion", resources: [`arn:aws:lambda:${R}:${A}:layer:libs:2`] },
  { service: "lambda", op: "GetLayerVersionByArn", input: { Arn: `arn:aws:lambda:${R}:${A}:layer:libs:2` }, action: "lambda:GetLayerVersion", resources: [`arn:aws:lambda:${R}:${A}:layer:libs:2`] },
  { service: "lambda", op: "GetEventSourceMapping", input: { UUID: "u-1" }, action: "lambda:GetEventSourceMapping", resources: [`arn:aws:lambda:${R}:${A}:event-source-mapping:u-1`] },
  { service: "lambda", op: "ListTags", input: { Resource: `${F}:f` }, action: "lambda:ListTags", resources: [`${F}:f`] },
  // CloudWatch Logs
  { service: "logs", op: "CreateLogGroup", input: { logGroupName: "/aws/lambda/f" }, action: "logs:CreateLogGroup", resources: [`${LG}:/aws/lambda/f:*`] },
  { service: "logs", op: "PutLogEvents", input: { logGroupName: "/aws/lambda/f", logStreamName: "s1", logEvents: [] }, action: "logs:PutLogEvents", resources: [`${LG}:/aws/lambda/f:log-stream:s1`] },
  { service: "logs", op: "DescribeLogGroups", input: {}, action: "logs:DescribeLogGroups", resources: [`${LG}:*`] },
  { service: "logs", op: "FilterLogEvents", input: { logGroupIdentifier: `${LG}:g` }, action: "logs:FilterLogEvents", resources: [`${LG}:g:*`] },
  { service: "logs", op: "StartQuery", input: { logGroupNames: ["a", "b"], queryString: "fields @message" }, action: "logs:StartQuery", resources: [`${LG}:a:*`, `${LG}:b:*`] },
  { service: "logs", op: "GetLogEvents", input: { logGroupName: "g", logStreamName: "s", unmask: true }, action: "logs:GetLogEvents", resources: [`${LG}:g:log-stream:s`], extra: [{ action: "logs:Unmask", resources: [`${LG}:g:*`] }] },
  { service: "logs", op: "PutDestination", input: { destinationName: "d" }, action: "logs:PutDestination", resources: [`arn:aws:logs:${R}:${A}:destination:d`] },
  // API Gateway (control plane: HTTP verbs on resource paths)
  { service: "apigateway", op: "GetRestApis", input: {}, action: "apigateway:GET", resources: [`arn:aws:apigateway:${R}::/restapis`] },
  { service: "apigateway", op: "CreateRestApi", input: { name: "x" }, action: "apigateway:POST", resources: [`arn:aws:apigateway:${R}::/restapis`] },
  { service: "apigateway", op: "PutMethod", input: { restApiId: "a1", resourceId: "r1", httpMethod: "GET" }, action: "apigateway:PUT", resources: [`arn:aws:apigateway:${R}::/restapis/a1/resources/r1/methods/GET`] },
  { service: "apigateway", op: "UpdateStage", input: { restApiId: "a1", stageName: "prod" }, action: "apigateway:PATCH", resources: [`arn:aws:apigateway:${R}::/restapis/a1/stages/prod`] },
  { service: "apigateway", op: "DeleteRestApi", input: { restApiId: "a1" }, action: "apigateway:DELETE", resources: [`arn:aws:apigateway:${R}::/restapis/a1`] },
  { service: "apigateway", op: "TagResource", input: { resourceArn: `arn:aws:apigateway:${R}::/restapis/a1`, tags: { a: "b" } }, action: "apigateway:PUT", resources: [`arn:aws:apigateway:${R}::/tags/${encodeURIComponent(`arn:aws:apigateway:${R}::/restapis/a1`)}`] },
  { service: "apigatewayv2", op: "CreateRoute", input: { ApiId: "h1", RouteKey: "GET /x" }, action: "apigateway:POST", resources: [`arn:aws:apigateway:${R}::/apis/h1/routes`] },
  { service: "apigatewayv2", op: "GetApis", input: {}, action: "apigateway:GET", resources: [`arn:aws:apigateway:${R}::/apis`] },
  { service: "apigatewaymanagementapi", op: "PostToConnection", input: { ConnectionId: "c1", ApiId: "w1", Stage: "prod" }, action: "execute-api:ManageConnections", resources: [`arn:aws:execute-api:${R}:${A}:w1/prod/POST/@connections/c1`] },
  { service: "batch", op: "SubmitJob", input: { jobName: "j" }, action: "batch:SubmitJob", resources: ["*"] },
  // S3
  { service: "s3", op: "ListObjectsV2", input: { Bucket: "b", Prefix: "home/" }, action: "s3:ListBucket", resources: ["arn:aws:s3:::b"] },
  { service: "s3", op: "HeadObject", input: { Bucket: "b", Key: "a/b.txt" }, action: "s3:GetObject", resources: ["arn:aws:s3:::b/a/b.txt"] },
  { service: "s3", op: "GetObject", input: { Bucket: "b", Key: "k", VersionId: "v1" }, action: "s3:GetObjectVersion", resources: ["arn:aws:s3:::b/k"] },
  { service: "s3", op: "DeleteObject", input: { Bucket: "b", Key: "k", VersionId: "v1" }, action: "s3:DeleteObjectVersion", resources: ["arn:aws:s3:::b/k"] },
  { service: "s3", op: "ListBuckets", input: {}, action: "s3:ListAllMyBuckets", resources: ["*"] },
  { service: "s3", op: "HeadBucket", input: { Bucket: "b" }, action: "s3:ListBucket", resources: ["arn:aws:s3:::b"] },
  { service: "s3", op: "UploadPart", input: { Bucket: "b", Key: "k", UploadId: "u", PartNumber: 1 }, action: "s3:PutObject", resources: ["arn:aws:s3:::b/k"] },
  { service: "s3", op: "ListParts", input: { Bucket: "b", Key: "k", UploadId: "u" }, action: "s3:ListMultipartUploadParts", resources: ["arn:aws:s3:::b/k"] },
  { service: "s3", op: "DeleteBucketCors", input: { Bucket: "b" }, action: "s3:PutBucketCORS", resources: ["arn:aws:s3:::b"] },
  { service: "s3", op: "GetBucketLifecycleConfiguration", input: { Bucket: "b" }, action: "s3:GetLifecycleConfiguration", resources: ["arn:aws:s3:::b"] },
  { service: "s3", op: "DeleteObjects", input: { Bucket: "b", Delete: { Objects: [{ Key: "x" }, { Key: "y" }] } }, action: "s3:DeleteObject", resources: ["arn:aws:s3:::b/x", "arn:aws:s3:::b/y"] },
  { service: "s3", op: "CopyObject", input: { Bucket: "dst", Key: "k2", CopySource: "src/dir%20a/k1" }, action: "s3:PutObject", resources: ["arn:aws:s3:::dst/k2"], extra: [{ action: "s3:GetObject", resources: ["arn:aws:s3:::src/dir a/k1"] }] },
  // EventBridge
  { service: "events", op: "PutEvents", input: { Entries: [{ Source: "app", DetailType: "t", Detail: "{}" }, { Source: "app", EventBusName: "orders" }] }, action: "events:PutEvents", resources: [`arn:aws:events:${R}:${A}:event-bus/default`, `arn:aws:events:${R}:${A}:event-bus/orders`] },
  { service: "events", op: "PutRule", input: { Name: "r" }, action: "events:PutRule", resources: [`arn:aws:events:${R}:${A}:rule/r`] },
  { service: "events", op: "PutTargets", input: { Rule: "r", EventBusName: "orders", Targets: [] }, action: "events:PutTargets", resources: [`arn:aws:events:${R}:${A}:rule/orders/r`] },
  { service: "events", op: "PutTargets", input: { Rule: "r", Targets: [{ Id: "1", Arn: "arn:aws:sqs:us-east-1:1:q", RoleArn: `arn:aws:iam::${A}:role/ev` }] }, action: "events:PutTargets", resources: [`arn:aws:events:${R}:${A}:rule/r`], extra: [{ action: "iam:PassRole", resources: [`arn:aws:iam::${A}:role/ev`] }] },
  { service: "events", op: "CreateEventBus", input: { Name: "orders" }, action: "events:CreateEventBus", resources: [`arn:aws:events:${R}:${A}:event-bus/orders`] },
  // IAM / STS / Cognito
  { service: "iam", op: "CreateRole", input: { RoleName: "r", Path: "/app/", AssumeRolePolicyDocument: "{}" }, action: "iam:CreateRole", resources: [`arn:aws:iam::${A}:role/app/r`] },
  { service: "iam", op: "AttachRolePolicy", input: { RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }, action: "iam:AttachRolePolicy", resources: [`arn:aws:iam::${A}:role/r`] },
  { service: "iam", op: "AddUserToGroup", input: { UserName: "u", GroupName: "g" }, action: "iam:AddUserToGroup", resources: [`arn:aws:iam::${A}:group/g`] },
  { service: "iam", op: "CreatePolicyVersion", input: { PolicyArn: `arn:aws:iam::${A}:policy/p` }, action: "iam:CreatePolicyVersion", resources: [`arn:aws:iam::${A}:policy/p`] },
  { service: "iam", op: "AddRoleToInstanceProfile", input: { InstanceProfileName: "ip", RoleName: "r" }, action: "iam:AddRoleToInstanceProfile", resources: [`arn:aws:iam::${A}:instance-profile/ip`] },
  { service: "iam", op: "ListRoles", input: {}, action: "iam:ListRoles", resources: ["*"] },
  { service: "sts", op: "AssumeRole", input: { RoleArn: `arn:aws:iam::${A}:role/r`, RoleSessionName: "s" }, action: "sts:AssumeRole", resources: [`arn:aws:iam::${A}:role/r`] },
  { service: "sts", op: "GetFederationToken", input: { Name: "bob" }, action: "sts:GetFederationToken", resources: [`arn:aws:sts::${A}:federated-user/bob`] },
  { service: "cognito-idp", op: "AdminCreateUser", input: { UserPoolId: "us-east-1_abc", Username: "u" }, action: "cognito-idp:AdminCreateUser", resources: [`arn:aws:cognito-idp:${R}:${A}:userpool/us-east-1_abc`] },
  { service: "cognito-idp", op: "CreateUserPool", input: { PoolName: "p" }, action: "cognito-idp:CreateUserPool", resources: ["*"] },
];

for (const c of CASES) {
  test(`authorizationFor: ${c.service} ${c.op} → ${c.action}`, () => {
    const a = authorizationFor(c.service, c.op, c.input, ENV);
    assert.equal(a.iamChecked, true);
    assert.equal(a.action, c.action);
    assert.deepEqual(a.resources, c.resources);
    assert.deepEqual(a.checks, [{ action: c.action, resources: c.resources }, ...(c.extra ?? [])]);
  });
}

test("authorizationFor: operations AWS does not authorise through IAM say so (iamChecked false)", () => {
  assert.equal(authorizationFor("sts", "GetCallerIdentity", {}, ENV).iamChecked, false);
  assert.equal(authorizationFor("sts", "AssumeRoleWithWebIdentity", {}, ENV).iamChecked, false);
  assert.equal(authorizationFor("sts", "GetSessionToken", {}, ENV).iamChecked, false);
  assert.equal(authorizationFor("cognito-idp", "InitiateAuth", {}, ENV).iamChecked, false);
  assert.equal(authorizationFor("cognito-idp", "SignUp", {}, ENV).action, "cognito-idp:SignUp");
  assert.equal(authorizationFor("cognito-idp", "AdminInitiateAuth", { UserPoolId: "p" }, ENV).iamChecked, true);
  assert.equal(authorizationFor("dynamodb", "GetItem", { TableName: "t" }, ENV).iamChecked, true);
});

test("authorizationFor: every operation of every mapped service model maps to a vendor action and ARNs", () => {
  for (const service of ["dynamodb", "dynamodbstreams", "lambda", "logs", "apigateway", "apigatewayv2", "apigatewaymanagementapi", "sts", "iam", "s3", "events", "cognito-idp"]) {
    for (const op of loadModel(service).operations.keys()) {
      const a = authorizationFor(service, op, {}, ENV);
      assert.match(a.action, /^[a-z0-9-]+:[A-Za-z0-9]+$/, `${service} ${op}`);
      for (const check of a.checks) for (const r of check.resources) assert.ok(r === "*" || r.startsWith("arn:aws:"), `${service} ${op}: ${r}`);
    }
  }
});

test("authorizationFor: service condition keys (s3:prefix, dynamodb:LeadingKeys, request tags, sts keys)", () => {
  assert.equal(authorizationFor("s3", "ListObjectsV2", { Bucket: "b", Prefix: "home/david/", MaxKeys: 10 }, ENV).context["s3:prefix"], "home/david/");
  assert.equal(authorizationFor("s3", "ListObjectsV2", { Bucket: "b" }, ENV).context["s3:prefix"], "");
  const ddb = authorizationFor("dynamodb", "GetItem", { TableName: "Books", Key: { Owner: { S: "u-1" }, Sk: { S: "x" } } }, { ...ENV, partitionKeyOf: () => "Owner" });
  assert.deepEqual(ddb.context["dynamodb:leadingkeys"], ["u-1"]);
  const pkOf = { ...ENV, partitionKeyOf: () => "UserId" };
  // DynamoDB developer guide, "Using IAM policy conditions for fine-grained access control": Query by the caller's own partition.
  assert.deepEqual(authorizationFor("dynamodb", "Query", { TableName: "GameScores", KeyConditionExpression: "#u = :u AND GameTitle > :t", ExpressionAttributeNames: { "#u": "UserId" }, ExpressionAttributeValues: { ":u": { S: "u-7" }, ":t": { S: "A" } } }, pkOf).context["dynamodb:leadingkeys"], ["u-7"]);
  assert.deepEqual(authorizationFor("dynamodb", "Query", { TableName: "GameScores", KeyConditionExpression: ":u = UserId" , ExpressionAttributeValues: { ":u": { S: "u-8" } } }, pkOf).context["dynamodb:leadingkeys"], ["u-8"]);
  assert.deepEqual(authorizationFor("dynamodb", "Query", { TableName: "GameScores", KeyConditions: { UserId: { ComparisonOperator: "EQ", AttributeValueList: [{ S: "u-9" }] } } }, pkOf).context["dynamodb:leadingkeys"], ["u-9"]);
  assert.equal(authorizationFor("dynamodb", "Query", { TableName: "GameScores", KeyConditionExpression: "GameTitle >= :t", ExpressionAttributeValues: { ":t": { S: "A" } } }, pkOf).context["dynamodb:leadingkeys"], undefined);
  const tagged = authorizationFor("lambda", "CreateFunction", { FunctionName: "f", Tags: { Team: "books" } }, ENV);
  assert.equal(tagged.context["aws:requesttag/team"], "books");
  assert.deepEqual(tagged.context["aws:tagkeys"], ["Team"]);
  const listTagged = authorizationFor("dynamodb", "TagResource", { ResourceArn: `${T}/Books`, Tags: [{ Key: "env", Value: "prod" }] }, ENV);
  assert.equal(listTagged.context["aws:requesttag/env"], "prod");
  const assume = authorizationFor("sts", "AssumeRole", { RoleArn: "arn:aws:iam::1:role/r", RoleSessionName: "s", ExternalId: "x" }, ENV);
  assert.equal(assume.context["sts:rolesessionname"], "s");
  assert.equal(assume.context["sts:externalid"], "x");
  assert.equal(authorizationFor("iam", "ListUsers", {}, ENV).context["aws:requestedregion"], "us-east-1");
  assert.equal(authorizationFor("lambda", "Invoke", { FunctionName: "f" }, { ...ENV, resourceTags: { Stage: "prod" } }).context["aws:resourcetag/stage"], "prod");
});

test("globalContext: time, transport, source address and the caller's keys", () => {
  const caller: CallerIdentity = {
    accountId: A, arn: `arn:aws:iam::${A}:user/alice`, principalArn: `arn:aws:iam::${A}:user/alice`, userId: "AIDAALICE", kind: "user",
    identityPolicies: [], principalTags: { Team: "books" }, allPowerful: false,
  };
  const ctx = globalContext({ accountId: A, region: "eu-west-1", clock: new ManualClock(Date.UTC(2026, 0, 1)), sourceIp: "::ffff:127.0.0.1", secureTransport: false, caller });
  assert.deepEqual(ctx, {
    "aws:currenttime": "2026-01-01T00:00:00Z",
    "aws:epochtime": 1767225600,
    "aws:securetransport": false,
    "aws:requestedregion": "eu-west-1",
    "aws:viaawsservice": false,
    "aws:principalisawsservice": false,
    "aws:sourceip": "127.0.0.1",
    "aws:principalarn": `arn:aws:iam::${A}:user/alice`,
    "aws:principalaccount": A,
    "aws:userid": "AIDAALICE",
    "aws:username": "alice",
    "aws:principaltag/team": "books",
  });
});

test("partiqlTarget: statement verbs and table names", () => {
  assert.deepEqual(partiqlTarget('UPDATE "Music" SET AwardsWon=1 WHERE Artist=\'Acme\''), { action: "dynamodb:PartiQLUpdate", table: "Music" });
  assert.deepEqual(partiqlTarget('DELETE FROM "Music" WHERE Artist=\'Acme\''), { action: "dynamodb:PartiQLDelete", table: "Music" });
  assert.deepEqual(partiqlTarget("select * from Music.ByYear"), { action: "dynamodb:PartiQLSelect", table: "Music", index: "ByYear" });
  assert.equal(partiqlTarget("EXPLAIN x"), undefined);
});

test("authorizationFor + evaluate: the DynamoDB fine-grained access example (LeadingKeys bound to the web identity)", async () => {
  const { evaluate } = await import("./evaluate.js");
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
      Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"], Resource: [`${T}/GameScores`],
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["${www.amazon.com:user_id}"] } },
    }],
  });
  const caller: CallerIdentity = {
    accountId: A, arn: `arn:aws:sts::${A}:assumed-role/web/u`, principalArn: `arn:aws:iam::${A}:role/web`, userId: "AROAWEB:u", kind: "assumed-role",
    identityPolicies: [policy], principalTags: {}, allPowerful: false,
  };
  const decide = (key: string) => {
    const a = authorizationFor("dynamodb", "GetItem", { TableName: "GameScores", Key: { UserId: { S: key }, GameTitle: { S: "Meteor Blasters" } } }, { ...ENV, partitionKeyOf: () => "UserId" });
    return evaluate({ action: a.action, resource: a.resources[0]!, caller, context: { ...a.context, "www.amazon.com:user_id": "u-7" }, resourceAccountId: A }).decision;
  };
  assert.equal(decide("u-7"), "Allow");
  assert.equal(decide("u-8"), "ImplicitDeny");
});
