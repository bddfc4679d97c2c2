/** TestInvokeAuthorizer with Lambda TOKEN and REQUEST authorizers (the function runs for real). */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { strToU8, zipSync } from "fflate";
import { APIGatewayClient, CreateAuthorizerCommand, CreateRestApiCommand, TestInvokeAuthorizerCommand } from "@aws-sdk/client-api-gateway";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let apigw: APIGatewayClient;
let lambda: LambdaClient;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
});
after(async () => {
  apigw.destroy();
  lambda.destroy();
  await server.stop();
});

const AUTHORIZER = `exports.handler = async (event) => {
  const token = event.type === "TOKEN" ? event.authorizationToken : event.queryStringParameters.token;
  if (token === "deny-me") throw new Error("Unauthorized");
  if (token === "broken") return { nope: true };
  return { principalId: "user-" + token, policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }] }, context: { kind: event.type } };
};`;

test("TestInvokeAuthorizer: TOKEN and REQUEST Lambda authorizers answer principal and policy; Unauthorized is 401, a malformed answer 500", async () => {
  const name = uniqueName("authfn");
  const fn = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(AUTHORIZER) }) }, Timeout: 10 }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const authorizerUri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn.FunctionArn}/invocations`;
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("tia") }));
  const restApiId = api.id!;
  const token = await apigw.send(new CreateAuthorizerCommand({ restApiId, name: "tok", type: "TOKEN", authorizerUri, identitySource: "method.request.header.Authorization", identityValidationExpression: "[a-z-]+" }));
  const request = await apigw.send(new CreateAuthorizerCommand({ restApiId, name: "req", type: "REQUEST", authorizerUri, identitySource: "method.request.querystring.token" }));

  const ok = await apigw.send(new TestInvokeAuthorizerCommand({ restApiId, authorizerId: token.id!, headers: { authorization: "alice" } }));
  assert.equal(ok.clientStatus, 200);
  assert.equal(ok.principalId, "user-alice");
  const policy = JSON.parse(ok.policy!) as { Statement: Array<{ Resource: string }> };
  assert.equal(policy.Statement[0]!.Resource, `arn:aws:execute-api:us-east-1:000000000000:${restApiId}/ESTestInvoke-stage/GET/`);
  assert.match(ok.log!, /Authorizer response/);

  assert.equal((await apigw.send(new TestInvokeAuthorizerCommand({ restApiId, authorizerId: token.id!, headers: {} }))).clientStatus, 401);
  assert.equal((await apigw.send(new TestInvokeAuthorizerCommand({ restApiId, authorizerId: token.id!, headers: { Authorization: "NOT VALID 1" } }))).clientStatus, 401);
  assert.equal((await apigw.send(new TestInvokeAuthorizerCommand({ restApiId, authorizerId: token.id!, headers: { Authorization: "deny-me" } }))).clientStatus, 401);
  assert.equal((await apigw.send(new TestInvokeAuthorizerCommand({ restApiId, authorizerId: token.id!, headers: { Authorization: "broken" } }))).clientStatus, 500);

  const req = await apigw.send(new TestInvokeAuthorizerCommand({ restApiId, authorizerId: request.id!, pathWithQueryString: "/pets?token=bob" }));
  assert.equal(req.clientStatus, 200);
  assert.equal(req.principalId, "user-bob");
  await assert.rejects(apigw.send(new TestInvokeAuthorizerCommand({ restApiId, authorizerId: "nope00" })), { name: "NotFoundException", message: "Invalid Authorizer identifier specified" });
});
