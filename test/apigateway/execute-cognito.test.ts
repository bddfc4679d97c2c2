/**
 * A REST API method with a COGNITO_USER_POOLS authorizer accepts the ID tokens of its pool (claims reach
 * $context.authorizer.claims) and answers 401 Unauthorized without a token, with a forged one or with a
 * token of another pool; with authorizationScopes it wants an access token carrying one of them.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateAuthorizerCommand, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand,
  PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import {
  AdminCreateUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;
let cognito: CognitoIdentityProviderClient;

before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
  cognito = new CognitoIdentityProviderClient(server.clientConfig);
});
after(() => server.stop());

async function poolWithUser(user: string): Promise<{ poolArn: string; tokens: { IdToken?: string; AccessToken?: string } }> {
  const pool = (await cognito.send(new CreateUserPoolCommand({ PoolName: uniqueName("pool") }))).UserPool!;
  const client = (await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id!, ClientName: "web", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))).UserPoolClient!;
  await cognito.send(new AdminCreateUserCommand({ UserPoolId: pool.Id!, Username: user, MessageAction: "SUPPRESS" }));
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.Id!, Username: user, Password: "Passw0rd!Passw0rd", Permanent: true }));
  const auth = await cognito.send(new InitiateAuthCommand({ ClientId: client.ClientId!, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: user, PASSWORD: "Passw0rd!Passw0rd" } }));
  return { poolArn: pool.Arn!, tokens: auth.AuthenticationResult! };
}

test("COGNITO_USER_POOLS authorizer: the pool's ID token passes with its claims; none, a forged one or another pool's → 401", async () => {
  const mine = await poolWithUser("ann");
  const other = await poolWithUser("bob");
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("api") }));
  const restApiId = api.id!;
  const authorizer = await apigw.send(new CreateAuthorizerCommand({ restApiId, name: "pool", type: "COGNITO_USER_POOLS", providerARNs: [mine.poolArn], identitySource: "method.request.header.Authorization" }));
  const resourceId = (await apigw.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId!, pathPart: "me" }))).id!;
  await apigw.send(new PutMethodCommand({ restApiId, resourceId, httpMethod: "GET", authorizationType: "COGNITO_USER_POOLS", authorizerId: authorizer.id }));
  await apigw.send(new PutIntegrationCommand({ restApiId, resourceId, httpMethod: "GET", type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
  await apigw.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod: "GET", statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": `{"user": "$context.authorizer.claims['cognito:username']", "use": "$context.authorizer.claims.token_use"}` } }));
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "dev" }));
  const url = `${server.endpoint}/_aws/execute-api/${restApiId}/dev/me`;

  const ok = await fetch(url, { headers: { Authorization: mine.tokens.IdToken! } });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { user: "ann", use: "id" });
  const bearer = await fetch(url, { headers: { Authorization: `Bearer ${mine.tokens.IdToken!}` } });
  assert.equal(bearer.status, 200);

  for (const [what, headers] of [
    ["no token", {}],
    ["forged token", { Authorization: mine.tokens.IdToken!.slice(0, -4) + "AAAA" }],
    ["another pool's token", { Authorization: other.tokens.IdToken! }],
    ["an access token where an ID token is wanted", { Authorization: mine.tokens.AccessToken! }],
  ] as const) {
    const r = await fetch(url, { headers: headers as Record<string, string> });
    assert.equal(r.status, 401, what);
    assert.deepEqual(await r.json(), { message: "Unauthorized" }, what);
  }
});

test("COGNITO_USER_POOLS authorizer with authorizationScopes: an access token with the scope passes, an ID token does not", async () => {
  const mine = await poolWithUser("cy");
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("api") }));
  const restApiId = api.id!;
  const authorizer = await apigw.send(new CreateAuthorizerCommand({ restApiId, name: "pool", type: "COGNITO_USER_POOLS", providerARNs: [mine.poolArn], identitySource: "method.request.header.Authorization" }));
  const resourceId = (await apigw.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId!, pathPart: "admin" }))).id!;
  await apigw.send(new PutMethodCommand({ restApiId, resourceId, httpMethod: "GET", authorizationType: "COGNITO_USER_POOLS", authorizerId: authorizer.id, authorizationScopes: ["aws.cognito.signin.user.admin"] }));
  await apigw.send(new PutIntegrationCommand({ restApiId, resourceId, httpMethod: "GET", type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
  await apigw.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod: "GET", statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": '{"ok": true}' } }));
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "dev" }));
  const url = `${server.endpoint}/_aws/execute-api/${restApiId}/dev/admin`;
  assert.equal((await fetch(url, { headers: { Authorization: mine.tokens.AccessToken! } })).status, 200);
  assert.equal((await fetch(url, { headers: { Authorization: mine.tokens.IdToken! } })).status, 401);
});
