import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { AttachRolePolicyCommand, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { APIGatewayClient, CreateRestApiCommand, GetRestApisCommand } from "@aws-sdk/client-api-gateway";
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { zipSync, strToU8 } from "fflate";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles, LAMBDA_TRUST } from "../helpers/iam.js";

let server: TestServer;
let iam: IAMClient;
let table: string;
let fn: string;
before(async () => {
  server = await startServer({ "enforce-iam": true, credentials: "test:test" });
  iam = new IAMClient(server.clientConfig);
  const [roleArn] = await createLambdaRoles(server, ["r"]);
  table = uniqueName("t");
  await new DynamoDBClient(server.clientConfig).send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }], KeySchema: [{ AttributeName: "k", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
  fn = uniqueName("f");
  await new LambdaClient(server.clientConfig).send(new CreateFunctionCommand({ FunctionName: fn, Runtime: "nodejs20.x", Role: roleArn, Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8("exports.handler = async () => 1;") }) } }));
});
after(() => server.stop());

const fails = async (p: Promise<unknown>) => (await p.then(() => assert.fail("expected an error"), (e: unknown) => e)) as { name: string; message: string; $metadata: { httpStatusCode?: number } };
const policy = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const allow = (action: string | string[], resource: string | string[] = "*") => ({ Effect: "Allow", Action: action, Resource: resource });

async function userWith(doc: string) {
  const name = uniqueName("u");
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: "p", PolicyDocument: doc }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  const credentials = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  return { name, arn: `arn:aws:iam::000000000000:user/${name}`, config: { ...server.clientConfig, credentials } };
}

const createTable = (c: DynamoDBClient, name: string) => c.send(new CreateTableCommand({ TableName: name, AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }], KeySchema: [{ AttributeName: "k", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));

test("--enforce-iam: an allowed DynamoDB action passes, another is AccessDeniedException with AWS's message", async () => {
  const u = await userWith(policy(allow("dynamodb:ListTables")));
  const ddb = new DynamoDBClient(u.config);
  const list = await ddb.send(new ListTablesCommand({}));
  assert.ok(list.TableNames!.includes(table));
  const e = await fails(createTable(ddb, "x"));
  assert.equal(e.name, "AccessDeniedException");
  assert.equal(e.$metadata.httpStatusCode, 400);
  assert.equal(e.message, `User: ${u.arn} is not authorized to perform: dynamodb:CreateTable on resource: arn:aws:dynamodb:us-east-1:000000000000:table/x because no identity-based policy allows the dynamodb:CreateTable action`);
});

test("--enforce-iam: resource ARNs decide (GetItem on one table, not another); a policy change applies at once", async () => {
  const u = await userWith(policy(allow("dynamodb:GetItem", `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`)));
  const ddb = new DynamoDBClient(u.config);
  await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "a" } } }));
  await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "a" } } })); // cached decision, same answer
  const e = await fails(ddb.send(new PutItemCommand({ TableName: table, Item: { k: { S: "a" } } })));
  assert.match(e.message, /not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\//);
  await iam.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: "more", PolicyDocument: policy(allow("dynamodb:PutItem", `arn:aws:dynamodb:*:*:table/${table}`)) }));
  await ddb.send(new PutItemCommand({ TableName: table, Item: { k: { S: "a" } } }));
});

test("--enforce-iam: an explicit Deny wins over an Allow", async () => {
  const u = await userWith(policy(allow("dynamodb:*"), { Effect: "Deny", Action: "dynamodb:ListTables", Resource: "*" }));
  const e = await fails(new DynamoDBClient(u.config).send(new ListTablesCommand({})));
  assert.match(e.message, /with an explicit deny in an identity-based policy$/);
});

test("--enforce-iam: Lambda calls allowed and denied (403 AccessDeniedException)", async () => {
  const u = await userWith(policy(allow("lambda:ListFunctions")));
  const lambda = new LambdaClient(u.config);
  const list = await lambda.send(new ListFunctionsCommand({}));
  assert.ok(list.Functions!.some((f) => f.FunctionName === fn));
  const e = await fails(lambda.send(new GetFunctionCommand({ FunctionName: fn })));
  assert.equal(e.name, "AccessDeniedException");
  assert.equal(e.$metadata.httpStatusCode, 403);
  assert.match(e.message, new RegExp(`not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:${fn}`));
});

test("--enforce-iam: the --credentials key stays all-powerful", async () => {
  await new DynamoDBClient(server.clientConfig).send(new ListTablesCommand({}));
  await new LambdaClient(server.clientConfig).send(new ListFunctionsCommand({}));
});

test("AssumeRole under --enforce-iam: a session policy narrows the role; a chain keeps working", async () => {
  const rootTrust = policy({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" });
  const a = (await iam.send(new CreateRoleCommand({ RoleName: uniqueName("a"), AssumeRolePolicyDocument: rootTrust }))).Role!;
  await iam.send(new AttachRolePolicyCommand({ RoleName: a.RoleName, PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }));
  const sts = new STSClient(server.clientConfig);
  const narrowed = await sts.send(new AssumeRoleCommand({ RoleArn: a.Arn, RoleSessionName: "narrow", Policy: policy(allow(["dynamodb:ListTables", "sts:AssumeRole"])) }));
  const c = narrowed.Credentials!;
  const asA = { ...server.clientConfig, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } };
  await new DynamoDBClient(asA).send(new ListTablesCommand({}));
  const e = await fails(createTable(new DynamoDBClient(asA), "y"));
  assert.equal(e.message, `User: arn:aws:sts::000000000000:assumed-role/${a.RoleName}/narrow is not authorized to perform: dynamodb:CreateTable on resource: arn:aws:dynamodb:us-east-1:000000000000:table/y because no session policy allows the dynamodb:CreateTable action`);
  // Role B trusts role A itself: the chained session may assume it, and has B's (read-only) permissions.
  const b = (await iam.send(new CreateRoleCommand({ RoleName: uniqueName("b"), AssumeRolePolicyDocument: policy({ Effect: "Allow", Principal: { AWS: a.Arn }, Action: "sts:AssumeRole" }) }))).Role!;
  await iam.send(new AttachRolePolicyCommand({ RoleName: b.RoleName, PolicyArn: "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess" }));
  const chained = await new STSClient(asA).send(new AssumeRoleCommand({ RoleArn: b.Arn, RoleSessionName: "chain" }));
  const cb = chained.Credentials!;
  const asB = new DynamoDBClient({ ...server.clientConfig, credentials: { accessKeyId: cb.AccessKeyId!, secretAccessKey: cb.SecretAccessKey!, sessionToken: cb.SessionToken! } });
  await asB.send(new GetItemCommand({ TableName: table, Key: { k: { S: "a" } } }));
  assert.equal((await fails(asB.send(new PutItemCommand({ TableName: table, Item: { k: { S: "b" } } })))).name, "AccessDeniedException");
});

test("AssumeRole under --enforce-iam: a trust policy naming only the account needs the caller's own sts:AssumeRole permission", async () => {
  const rootTrust = policy({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" });
  const role = (await iam.send(new CreateRoleCommand({ RoleName: uniqueName("d"), AssumeRolePolicyDocument: rootTrust }))).Role!;
  const without = await userWith(policy(allow("dynamodb:ListTables")));
  const e = await fails(new STSClient(without.config).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: "x1" })));
  assert.equal(e.$metadata.httpStatusCode, 403);
  assert.match(e.message, /not authorized to perform: sts:AssumeRole/);
  const withPerm = await userWith(policy(allow("sts:AssumeRole", role.Arn!)));
  await new STSClient(withPerm.config).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: "x2" }));
  // Named directly by the trust policy, a user needs no identity policy for it (same account).
  const direct = await userWith(policy(allow("dynamodb:ListTables")));
  const named = (await iam.send(new CreateRoleCommand({ RoleName: uniqueName("n"), AssumeRolePolicyDocument: policy({ Effect: "Allow", Principal: { AWS: direct.arn }, Action: "sts:AssumeRole" }) }))).Role!;
  await new STSClient(direct.config).send(new AssumeRoleCommand({ RoleArn: named.Arn, RoleSessionName: "x3" }));
});

test("--enforce-iam: IAM itself is authorised (a user without iam:CreateUser is AccessDenied)", async () => {
  const u = await userWith(policy(allow("dynamodb:ListTables")));
  const e = await fails(new IAMClient(u.config).send(new CreateUserCommand({ UserName: uniqueName("nope") })));
  assert.equal(e.$metadata.httpStatusCode, 403);
  assert.match(e.message, /not authorized to perform: iam:CreateUser/);
  await iam.send(new PutRolePolicyCommand({ RoleName: "r", PolicyName: "logs", PolicyDocument: policy(allow("logs:*")) }));
});

test("--enforce-iam: resource policies join the decision — a table policy naming the user allows, a bucket policy's Deny wins, removal applies at once", async () => {
  const { PutResourcePolicyCommand, DeleteResourcePolicyCommand } = await import("@aws-sdk/client-dynamodb");
  const { S3Client, CreateBucketCommand, PutBucketPolicyCommand, ListObjectsV2Command, PutObjectCommand } = await import("@aws-sdk/client-s3");
  const tableArn = `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`;
  const u = await userWith(policy(allow("s3:*")));
  const ddb = new DynamoDBClient(u.config);
  const denied = await fails(ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "a" } } })));
  assert.match(denied.message, /because no identity-based policy allows the dynamodb:GetItem action$/);
  const admin = new DynamoDBClient(server.clientConfig);
  await admin.send(new PutResourcePolicyCommand({ ResourceArn: tableArn, Policy: policy({ Effect: "Allow", Principal: { AWS: u.arn }, Action: "dynamodb:GetItem", Resource: tableArn }) }));
  await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "a" } } }));
  await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "a" } } })); // cached with the policy's text
  await admin.send(new DeleteResourcePolicyCommand({ ResourceArn: tableArn }));
  await fails(ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "a" } } })));

  const bucket = uniqueName("rp").toLowerCase();
  const s3admin = new S3Client({ ...server.clientConfig, forcePathStyle: true });
  await s3admin.send(new CreateBucketCommand({ Bucket: bucket }));
  const s3 = new S3Client({ ...u.config, forcePathStyle: true });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a", Body: "x" }));
  await s3admin.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy({ Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/*` }) }));
  const e = await fails(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "b", Body: "x" })));
  assert.equal(e.name, "AccessDenied");
  assert.match(e.message, /with an explicit deny in a resource-based policy$/);
  await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
});

test("--enforce-iam: a function is limited by its execution role (GetItem on its table only)", async () => {
  const other = uniqueName("t");
  await createTable(new DynamoDBClient(server.clientConfig), other);
  const roleName = uniqueName("fnrole");
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: LAMBDA_TRUST }));
  const tableArn = `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`;
  await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: "read", PolicyDocument: policy(allow("dynamodb:GetItem", tableArn)) }));
  const code = `
const { DynamoDBClient, GetItemCommand, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
const outcome = (p) => p.then(() => "ok", (e) => e.name + ": " + e.message);
exports.handler = async (e) => ({
  get: await outcome(db.send(new GetItemCommand({ TableName: e.table, Key: { k: { S: "a" } } }))),
  put: await outcome(db.send(new PutItemCommand({ TableName: e.table, Item: { k: { S: "a" } } }))),
  other: await outcome(db.send(new GetItemCommand({ TableName: e.other, Key: { k: { S: "a" } } }))),
});`;
  const name = uniqueName("limited");
  const lambda = new LambdaClient(server.clientConfig);
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: Role!.Arn, Handler: "index.handler", Timeout: 30, Code: { ZipFile: zipSync({ "index.js": strToU8(code) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: name });
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ table, other })) }));
  assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
  const r = JSON.parse(Buffer.from(out.Payload!).toString()) as Record<string, string>;
  assert.equal(r.get, "ok");
  const session = `arn:aws:sts::000000000000:assumed-role/${roleName}/${name}`;
  assert.equal(r.put, `AccessDeniedException: User: ${session} is not authorized to perform: dynamodb:PutItem on resource: ${tableArn} because no identity-based policy allows the dynamodb:PutItem action`);
  assert.match(r.other!, new RegExp(`^AccessDeniedException: User: ${session} is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/${other} `));
});

test("--enforce-iam: API Gateway management calls are authorised as apigateway:<verb> on the resource path", async () => {
  const u = await userWith(policy(allow("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis")));
  const apigw = new APIGatewayClient(u.config);
  await apigw.send(new GetRestApisCommand({}));
  const e = await fails(apigw.send(new CreateRestApiCommand({ name: uniqueName("api") })));
  assert.equal(e.$metadata.httpStatusCode, 403);
  assert.match(e.message, /not authorized to perform: apigateway:POST on resource: arn:aws:apigateway:us-east-1::\/restapis/);
});
