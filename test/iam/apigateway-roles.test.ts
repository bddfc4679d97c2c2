/**
 * API Gateway's credentials roles under --enforce-iam: REST integration `credentials`, Lambda authorizers'
 * `authorizerCredentials` and HTTP API integrations' `CredentialsArn` are assumed as apigateway.amazonaws.com through
 * STS (the trust policy must allow it: else 500 and "API Gateway does not have permission to assume the provided
 * role …" in the execution log), and what the integration then calls is evaluated against the role's policies.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { strToU8, zipSync } from "fflate";
import {
  APIGatewayClient, CreateAuthorizerCommand, CreateDeploymentCommand, CreateRestApiCommand, PutIntegrationCommand, PutIntegrationResponseCommand,
  PutMethodCommand, PutMethodResponseCommand, UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { ApiGatewayV2Client, CreateApiCommand, CreateDeploymentCommand as CreateV2DeploymentCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand } from "@aws-sdk/client-apigatewayv2";
import WebSocket from "ws";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { SignatureV4 } from "@smithy/signature-v4";
import sha256js from "@aws-crypto/sha256-js";
const { Sha256 } = sha256js;
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";
import { until } from "../batch/helpers.js";

let server: TestServer;
let apigw: APIGatewayClient;
let iam: IAMClient;
let lambda: LambdaClient;
let ddb: DynamoDBClient;
let fnArn: string;
const table = uniqueName("t");

const trust = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });
const allow = (Action: string, Resource = "*") => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource }] });

/** A role trusting `service`, with one inline policy when `policy` is given. */
async function role(service: string, policy?: string): Promise<string> {
  const name = uniqueName("role");
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust(service) }));
  if (policy) await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "p", PolicyDocument: policy }));
  return Role!.Arn!;
}

before(async () => {
  server = await startServer({ "enforce-iam": true });
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  iam = new IAMClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  ddb = new DynamoDBClient(server.clientConfig);
  await ddb.send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }], KeySchema: [{ AttributeName: "k", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
  const name = uniqueName("fn");
  const fn = await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Timeout: 10,
    Code: { ZipFile: zipSync({ "index.js": strToU8(`exports.handler = async (e) => e.authorizationToken ? ({ principalId: "p", policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: e.methodArn }] } }) : ({ statusCode: 200, body: "from lambda" });`) }) },
  }));
  fnArn = fn.FunctionArn!;
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
});
after(async () => {
  for (const c of [apigw, iam, lambda, ddb]) c.destroy();
  await server.stop();
});

const lambdaUri = () => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn}/invocations`;

/** A REST API with POST / → DynamoDB PutItem on `table` through `credentials`, deployed to dev with ERROR execution logs. */
async function putItemApi(credentials: string, authorizationType = "NONE"): Promise<{ url: string; apiId: string }> {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("ddb") }));
  const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "POST" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType }));
  await apigw.send(new PutIntegrationCommand({
    ...common, type: "AWS", integrationHttpMethod: "POST", uri: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", credentials,
    requestTemplates: { "application/json": `{"TableName":"${table}","Item":{"k":{"S":"$input.path('$.k')"}}}` },
  }));
  await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
  await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "400" }));
  await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "400", selectionPattern: "4\\d{2}" }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
  await apigw.send(new UpdateStageCommand({ restApiId: a.id!, stageName: "dev", patchOperations: [{ op: "replace", path: "/*/*/logging/loglevel", value: "ERROR" }] }));
  return { url: `${server.endpoint}/_aws/execute-api/${a.id}/dev/`, apiId: a.id! };
}

const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("execute-api: an AWS integration runs as its credentials role — allowed calls succeed, others get the service's AccessDeniedException", async () => {
  const allowed = await putItemApi(await role("apigateway.amazonaws.com", allow("dynamodb:PutItem", `arn:aws:dynamodb:us-east-1:000000000000:table/${table}`)));
  const ok = await post(allowed.url, { k: "one" });
  assert.equal(ok.status, 200, await ok.clone().text());
  assert.equal((await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "one" } } }))).Item?.k?.S, "one");

  const readOnly = await putItemApi(await role("apigateway.amazonaws.com", allow("dynamodb:GetItem")));
  const denied = await post(readOnly.url, { k: "two" });
  assert.equal(denied.status, 400);
  const body = (await denied.json()) as { __type: string; message?: string; Message?: string };
  assert.match(body.__type, /AccessDeniedException/);
  assert.match(body.message ?? body.Message ?? "", /assumed-role\/role-[^/]+\/BackplaneAssumeRoleSession is not authorized to perform: dynamodb:PutItem/);
  assert.equal((await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "two" } } }))).Item, undefined);
});

test("execute-api: a credentials role that does not trust apigateway.amazonaws.com is 500 with AWS's execution-log line", async () => {
  const arn = await role("lambda.amazonaws.com", allow("dynamodb:*"));
  const api = await putItemApi(arn);
  const res = await post(api.url, { k: "three" });
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), { message: "Internal server error" });
  const logs = new CloudWatchLogsClient(server.clientConfig);
  const line = `Execution failed due to configuration error: API Gateway does not have permission to assume the provided role ${arn}`;
  const found = await until(() => logs.send(new FilterLogEventsCommand({ logGroupName: `API-Gateway-Execution-Logs_${api.apiId}/dev` })).catch(() => ({ events: [] })), (r) => (r.events ?? []).some((e) => e.message?.endsWith(line)), "the execution log line", 30_000);
  assert.ok(found.events!.some((e) => e.message?.endsWith(line)));
  logs.destroy();
  // A role that does not exist is refused the same way.
  const missing = await putItemApi("arn:aws:iam::000000000000:role/no-such-role");
  assert.equal((await post(missing.url, { k: "four" })).status, 500);
});

test("execute-api: a Lambda proxy integration with credentials invokes as the role (lambda:InvokeFunction), else 500", async () => {
  const make = async (credentials: string) => {
    const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("px") }));
    const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET" };
    await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE" }));
    await apigw.send(new PutIntegrationCommand({ ...common, type: "AWS_PROXY", integrationHttpMethod: "POST", uri: lambdaUri(), credentials }));
    await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
    return `${server.endpoint}/_aws/execute-api/${a.id}/dev/`;
  };
  // No resource-based permission on the function: the role's identity policy is what allows the call.
  const ok = await fetch(await make(await role("apigateway.amazonaws.com", allow("lambda:InvokeFunction", fnArn))));
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "from lambda");
  const refused = await fetch(await make(await role("apigateway.amazonaws.com", allow("dynamodb:GetItem"))));
  assert.equal(refused.status, 500);
  assert.deepEqual(await refused.json(), { message: "Internal server error" });
});

test("execute-api: a Lambda authorizer's authorizerCredentials role must be assumable and may invoke the function, else 500 AuthorizerConfigurationException", async () => {
  const make = async (credentials: string) => {
    const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("az") }));
    const az = await apigw.send(new CreateAuthorizerCommand({ restApiId: a.id!, name: "t", type: "TOKEN", identitySource: "method.request.header.Authorization", authorizerResultTtlInSeconds: 0, authorizerUri: lambdaUri(), authorizerCredentials: credentials }));
    const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET" };
    await apigw.send(new PutMethodCommand({ ...common, authorizationType: "CUSTOM", authorizerId: az.id! }));
    await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
    await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": '{"ok":true}' } }));
    await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
    return fetch(`${server.endpoint}/_aws/execute-api/${a.id}/dev/`, { headers: { Authorization: "tok" } });
  };
  const ok = await make(await role("apigateway.amazonaws.com", allow("lambda:InvokeFunction")));
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { ok: true });
  for (const arn of [await role("ec2.amazonaws.com", allow("lambda:InvokeFunction")), await role("apigateway.amazonaws.com", allow("s3:GetObject"))]) {
    const refused = await make(arn);
    assert.equal(refused.status, 500);
    assert.equal(refused.headers.get("x-amzn-errortype"), "AuthorizerConfigurationException");
  }
});

test("execute-api (HTTP API): an integration's CredentialsArn is assumed — a role that may invoke answers, others 500", async () => {
  const v2 = new ApiGatewayV2Client(server.clientConfig);
  const call = async (CredentialsArn: string) => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("h"), ProtocolType: "HTTP", Target: fnArn, CredentialsArn }));
    return fetch(`${server.endpoint}/_aws/execute-api/${api.ApiId}/`);
  };
  const ok = await call(await role("apigateway.amazonaws.com", allow("lambda:InvokeFunction", fnArn)));
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "from lambda");
  for (const arn of [await role("lambda.amazonaws.com", allow("lambda:*")), await role("apigateway.amazonaws.com", allow("dynamodb:*"))]) {
    const refused = await call(arn);
    assert.equal(refused.status, 500);
    assert.deepEqual(await refused.json(), { message: "Internal Server Error" });
  }
  v2.destroy();
});

test("WebSocket $connect: an AWS_PROXY integration's CredentialsArn is assumed — a role that may invoke connects, others refuse the upgrade with 500", async () => {
  const v2 = new ApiGatewayV2Client(server.clientConfig);
  const open = async (CredentialsArn: string) => {
    const api = (await v2.send(new CreateApiCommand({ Name: uniqueName("ws"), ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" }))).ApiId!;
    const integration = await v2.send(new CreateIntegrationCommand({ ApiId: api, IntegrationType: "AWS_PROXY", IntegrationUri: lambdaUri(), CredentialsArn }));
    await v2.send(new CreateRouteCommand({ ApiId: api, RouteKey: "$connect", Target: `integrations/${integration.IntegrationId}` }));
    await v2.send(new CreateStageCommand({ ApiId: api, StageName: "prod" }));
    await v2.send(new CreateV2DeploymentCommand({ ApiId: api, StageName: "prod" }));
    return new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.skyport.port}/_aws/execute-api/${api}/prod`);
      ws.once("open", () => {
        ws.close();
        resolve(101);
      });
      ws.once("unexpected-response", (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      ws.once("error", reject);
    });
  };
  assert.equal(await open(await role("apigateway.amazonaws.com", allow("lambda:InvokeFunction", fnArn))), 101);
  assert.equal(await open(await role("lambda.amazonaws.com", allow("lambda:*"))), 500);
  assert.equal(await open(await role("apigateway.amazonaws.com", allow("s3:*"))), 500);
  v2.destroy();
});

test("execute-api: credentials arn:aws:iam::*:user/* call the integration as the signed caller (AWS_IAM methods)", async () => {
  const api = await putItemApi("arn:aws:iam::*:user/*", "AWS_IAM");
  const user = async (actions: string[]) => {
    const name = uniqueName("u");
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: "p", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] }) }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  };
  const send = async (credentials: { accessKeyId: string; secretAccessKey: string }, k: string) => {
    const u = new URL(api.url);
    const body = JSON.stringify({ k });
    const signed = await new SignatureV4({ service: "execute-api", region: "us-east-1", credentials, sha256: Sha256 }).sign({ method: "POST", protocol: "http:", hostname: u.hostname, port: Number(u.port), path: u.pathname, headers: { host: u.host, "content-type": "application/json" }, body });
    return fetch(api.url, { method: "POST", headers: signed.headers as Record<string, string>, body });
  };
  const writer = await send(await user(["execute-api:Invoke", "dynamodb:PutItem"]), "five");
  assert.equal(writer.status, 200, await writer.clone().text());
  assert.equal((await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "five" } } }))).Item?.k?.S, "five");
  const invoker = await send(await user(["execute-api:Invoke"]), "six");
  assert.equal(invoker.status, 400);
  assert.match(await invoker.text(), /user\/u-[^ ]+ is not authorized to perform: dynamodb:PutItem/);
});

