/**
 * COGNITO_USER_POOLS authorizers beyond the basics of execute-cognito.test.ts: the claims reach a Lambda
 * proxy integration as requestContext.authorizer.claims, a resource policy's explicit deny still refuses a
 * valid token (Table C of "How API Gateway resource policies affect authorization workflow"), and
 * TestInvokeAuthorizer verifies a token as the request path does (claims; 401 for a bad token).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { strToU8, zipSync } from "fflate";
import {
  APIGatewayClient, CreateAuthorizerCommand, CreateDeploymentCommand, CreateRestApiCommand, PutIntegrationCommand, PutMethodCommand, TestInvokeAuthorizerCommand,
} from "@aws-sdk/client-api-gateway";
import {
  AdminCreateUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let apigw: APIGatewayClient;
let cognito: CognitoIdentityProviderClient;
let lambda: LambdaClient;
let poolArn: string;
let idToken: string;
let echoArn: string;

before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  cognito = new CognitoIdentityProviderClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  const pool = (await cognito.send(new CreateUserPoolCommand({ PoolName: uniqueName("pool") }))).UserPool!;
  const client = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id!, ClientName: "web", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))).UserPoolClient!;
  await cognito.send(new AdminCreateUserCommand({ UserPoolId: pool.Id!, Username: "zoe", MessageAction: "SUPPRESS" }));
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.Id!, Username: "zoe", Password: "Passw0rd!Passw0rd", Permanent: true }));
  const auth = await cognito.send(new InitiateAuthCommand({ ClientId: client.ClientId!, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "zoe", PASSWORD: "Passw0rd!Passw0rd" } }));
  poolArn = pool.Arn!;
  idToken = auth.AuthenticationResult!.IdToken!;
  const name = uniqueName("echo");
  echoArn = (await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Timeout: 10,
    Code: { ZipFile: zipSync({ "index.js": strToU8("exports.handler = async (e) => ({ statusCode: 200, body: JSON.stringify(e.requestContext.authorizer) });") }) },
  }))).FunctionArn!;
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
});
after(async () => {
  apigw.destroy();
  cognito.destroy();
  lambda.destroy();
  await server.stop();
});

async function api(policy?: string) {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("cog"), policy }));
  const az = await apigw.send(new CreateAuthorizerCommand({ restApiId: a.id!, name: "pool", type: "COGNITO_USER_POOLS", providerARNs: [poolArn], identitySource: "method.request.header.Authorization" }));
  const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType: "COGNITO_USER_POOLS", authorizerId: az.id! }));
  await apigw.send(new PutIntegrationCommand({ ...common, type: "AWS_PROXY", integrationHttpMethod: "POST", uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${echoArn}/invocations` }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
  return { id: a.id!, authorizerId: az.id!, url: `${server.endpoint}/_aws/execute-api/${a.id}/dev/` };
}

test("execute-api: a Cognito ID token's claims reach the Lambda proxy event as requestContext.authorizer.claims", async () => {
  const { url } = await api();
  const res = await fetch(url, { headers: { Authorization: idToken } });
  assert.equal(res.status, 200);
  const a = (await res.json()) as { claims: Record<string, string> };
  assert.equal(a.claims["cognito:username"], "zoe");
  assert.equal(a.claims.token_use, "id");
});

test("execute-api: a resource policy's explicit deny refuses a valid Cognito token (403)", async () => {
  const { url } = await api(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*" }] }));
  const res = await fetch(url, { headers: { Authorization: idToken } });
  assert.equal(res.status, 403);
  assert.match(((await res.json()) as { Message: string }).Message, /^User: anonymous is not authorized to perform: execute-api:Invoke on resource: .* with an explicit deny$/);
});

test("TestInvokeAuthorizer: a COGNITO_USER_POOLS authorizer answers the token's claims, 401 for a forged or missing token", async () => {
  const { id, authorizerId } = await api();
  const ok = await apigw.send(new TestInvokeAuthorizerCommand({ restApiId: id, authorizerId, headers: { Authorization: idToken } }));
  assert.equal(ok.clientStatus, 200);
  assert.equal(ok.claims?.["cognito:username"], "zoe");
  const forged = idToken.slice(0, -4) + (idToken.endsWith("AAAA") ? "BBBB" : "AAAA");
  assert.equal((await apigw.send(new TestInvokeAuthorizerCommand({ restApiId: id, authorizerId, headers: { Authorization: forged } }))).clientStatus, 401);
  assert.equal((await apigw.send(new TestInvokeAuthorizerCommand({ restApiId: id, authorizerId, headers: {} }))).clientStatus, 401);
});
