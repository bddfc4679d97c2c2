/**
 * Gateway responses on the request path: a specific response type (MISSING_AUTHENTICATION_TOKEN) with its
 * status, header mappings and template using $context.error, and DEFAULT_4XX headers merged under it
 * (AWS doc: "Gateway responses for REST APIs in API Gateway").
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutGatewayResponseCommand, PutIntegrationCommand,
  PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;

before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
});
after(async () => {
  await server.stop();
});

test("PutGatewayResponse: configured status, CORS header and $context.error template; DEFAULT_4XX headers are added too; successful calls are untouched", async () => {
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("api") }));
  const restApiId = api.id!;
  const resourceId = (await apigw.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId!, pathPart: "search" }))).id!;
  await apigw.send(new PutMethodCommand({ restApiId, resourceId, httpMethod: "GET", authorizationType: "NONE", requestParameters: { "method.request.querystring.q": true } }));
  await apigw.send(new PutIntegrationCommand({ restApiId, resourceId, httpMethod: "GET", type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
  await apigw.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod: "GET", statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": '{"ok":true}' } }));
  await apigw.send(new PutGatewayResponseCommand({
    restApiId, responseType: "MISSING_AUTHENTICATION_TOKEN", statusCode: "404",
    responseParameters: { "gatewayresponse.header.Access-Control-Allow-Origin": "'*'" },
    responseTemplates: { "application/json": '{"error": $context.error.messageString, "type": "$context.error.responseType", "stage": "$context.stage"}' },
  }));
  await apigw.send(new PutGatewayResponseCommand({ restApiId, responseType: "DEFAULT_4XX", responseParameters: { "gatewayresponse.header.X-Fallback": "'4xx'" } }));
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "dev" }));
  const url = (p: string) => `${server.endpoint}/_aws/execute-api/${restApiId}/dev${p}`;

  const missing = await fetch(url("/nowhere"));
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("access-control-allow-origin"), "*");
  assert.equal(missing.headers.get("x-fallback"), "4xx");
  assert.deepEqual(await missing.json(), { error: "Missing Authentication Token", type: "MISSING_AUTHENTICATION_TOKEN", stage: "dev" });

  const ok = await fetch(url("/search?q=a"));
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("x-fallback"), null);
  assert.deepEqual(await ok.json(), { ok: true });
});
