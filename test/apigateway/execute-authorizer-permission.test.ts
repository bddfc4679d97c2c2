/**
 * A Lambda authorizer's function must let apigateway.amazonaws.com invoke it (source ARN
 * arn:aws:execute-api:{region}:{account}:{apiId}/authorizers/{id}); without that AWS answers 500
 * AuthorizerConfigurationException. Skyport enforces it with --enforce-sigv4, as for integrations.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { strToU8, zipSync } from "fflate";
import {
  APIGatewayClient, CreateAuthorizerCommand, CreateDeploymentCommand, CreateRestApiCommand, PutIntegrationCommand, PutIntegrationResponseCommand,
  PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let apigw: APIGatewayClient;
let lambda: LambdaClient;
before(async () => {
  server = await startServer({ "enforce-sigv4": true, credentials: "test:test" });
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
});
after(async () => {
  apigw.destroy();
  lambda.destroy();
  await server.stop();
});

test("execute-api: an authorizer function without a permission for API Gateway is 500 AuthorizerConfigurationException; with one for its authorizers/* source ARN it runs", async () => {
  const name = uniqueName("authz");
  const fn = await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Timeout: 10,
    Code: { ZipFile: zipSync({ "index.js": strToU8(`exports.handler = async (e) => ({ principalId: "p", policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: e.methodArn }] } });`) }) },
  }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("perm") }));
  const az = await apigw.send(new CreateAuthorizerCommand({ restApiId: a.id!, name: "t", type: "TOKEN", identitySource: "method.request.header.Authorization", authorizerResultTtlInSeconds: 0, authorizerUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn.FunctionArn}/invocations` }));
  const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType: "CUSTOM", authorizerId: az.id! }));
  await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
  await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": '{"ok":true}' } }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
  const url = `${server.endpoint}/_aws/execute-api/${a.id}/dev/`;

  const refused = await fetch(url, { headers: { Authorization: "t" } });
  assert.equal(refused.status, 500);
  assert.deepEqual(await refused.json(), { message: null });
  assert.equal(refused.headers.get("x-amzn-errortype"), "AuthorizerConfigurationException");

  await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: "apigw", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com", SourceArn: `arn:aws:execute-api:us-east-1:000000000000:${a.id}/authorizers/*` }));
  const ok = await fetch(url, { headers: { Authorization: "t" } });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { ok: true });
});
