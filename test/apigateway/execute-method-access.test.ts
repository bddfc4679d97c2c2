/**
 * Issue 9 item 21: what is stored is enforced. A method with apiKeyRequired refuses requests without a
 * valid key (403 Forbidden); a Lambda integration whose function does not allow apigateway.amazonaws.com
 * answers 500 Internal server error (with --enforce-sigv4; by default Skyport logs it and invokes).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import {
  APIGatewayClient, CreateApiKeyCommand, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand, PutIntegrationCommand, PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand, TestInvokeMethodCommand,
} from "@aws-sdk/client-api-gateway";
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

describe("apiKeyRequired", () => {
  let server: TestServer;
  let apigw: APIGatewayClient;
  before(async () => {
    server = await startServer();
    await createLambdaRoles(server);
    apigw = new APIGatewayClient(server.clientConfig);
  });
  after(() => server.stop());

  test("execute-api: a method with apiKeyRequired needs an enabled key in a usage plan of the stage (403 Forbidden otherwise)", async () => {
    const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("keyed") }));
    const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET" };
    await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE", apiKeyRequired: true }));
    await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
    await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": '{"key":"$context.identity.apiKey"}' } }));
    await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
    const url = `${server.endpoint}/_aws/execute-api/${a.id}/dev/`;
    const get = (key?: string) => fetch(url, { headers: key ? { "x-api-key": key } : {} });

    const none = await get();
    assert.equal(none.status, 403);
    assert.deepEqual(await none.json(), { message: "Forbidden" });
    assert.equal(none.headers.get("x-amzn-errortype"), "ForbiddenException");
    assert.equal((await get("not-a-key-of-anyone-at-all")).status, 403);

    const value = `k-${uniqueName("value")}-0123456789`;
    const key = await apigw.send(new CreateApiKeyCommand({ name: uniqueName("key"), value, enabled: true }));
    assert.equal((await get(value)).status, 403, "a key in no usage plan is refused");
    const plan = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("plan"), apiStages: [{ apiId: a.id!, stage: "dev" }] }));
    await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: "API_KEY" }));
    const ok = await get(value);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { key: value });

    const disabledValue = `d-${uniqueName("value")}-0123456789`;
    const disabled = await apigw.send(new CreateApiKeyCommand({ name: uniqueName("key"), value: disabledValue, enabled: false }));
    await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: disabled.id!, keyType: "API_KEY" }));
    assert.equal((await get(disabledValue)).status, 403, "a disabled key is refused");
  });
});

describe("Lambda permission", () => {
  let server: TestServer;
  let apigw: APIGatewayClient;
  let lambda: LambdaClient;
  before(async () => {
    server = await startServer({ "enforce-sigv4": true });
    await createLambdaRoles(server);
    apigw = new APIGatewayClient(server.clientConfig);
    lambda = new LambdaClient(server.clientConfig);
  });
  after(() => server.stop());

  async function setup() {
    const fn = uniqueName("fn");
    const f = await lambda.send(new CreateFunctionCommand({ FunctionName: fn, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8('exports.handler = async () => ({ statusCode: 200, body: "hi" });') }) } }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: fn });
    const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("perm") }));
    const r = await apigw.send(new CreateResourceCommand({ restApiId: a.id!, parentId: a.rootResourceId!, pathPart: "hello" }));
    const common = { restApiId: a.id!, resourceId: r.id!, httpMethod: "GET" };
    await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE" }));
    await apigw.send(new PutIntegrationCommand({ ...common, type: "AWS_PROXY", integrationHttpMethod: "POST", uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${f.FunctionArn}/invocations` }));
    await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
    return { fn, api: a.id!, resourceId: r.id!, url: `${server.endpoint}/_aws/execute-api/${a.id}/dev/hello` };
  }

  test("execute-api: a function without a policy for apigateway.amazonaws.com answers 500 Internal server error", async () => {
    const s = await setup();
    const res = await fetch(s.url);
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { message: "Internal server error" });
    const t = await apigw.send(new TestInvokeMethodCommand({ restApiId: s.api, resourceId: s.resourceId, httpMethod: "GET" }));
    assert.equal(t.status, 500);
    assert.match(t.log ?? "", /Invalid permissions on Lambda function/);
  });

  test("execute-api: AddPermission with a SourceArn for another method does not allow this one; a matching one does", async () => {
    const s = await setup();
    await lambda.send(new AddPermissionCommand({ FunctionName: s.fn, StatementId: "other", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com", SourceArn: `arn:aws:execute-api:us-east-1:000000000000:${s.api}/*/POST/hello` }));
    assert.equal((await fetch(s.url)).status, 500);
    await lambda.send(new AddPermissionCommand({ FunctionName: s.fn, StatementId: "this", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com", SourceArn: `arn:aws:execute-api:us-east-1:000000000000:${s.api}/*/GET/*` }));
    const ok = await fetch(s.url);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "hi");
  });

  test("execute-api: AddPermission without a SourceArn allows every API of the account", async () => {
    const s = await setup();
    await lambda.send(new AddPermissionCommand({ FunctionName: s.fn, StatementId: "any", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com" }));
    assert.equal((await fetch(s.url)).status, 200);
  });
});
