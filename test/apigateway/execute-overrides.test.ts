/**
 * $context.responseOverride in an integration response template, called over HTTP: the template's
 * status and header overrides win over the integration response's statusCode and responseParameters
 * (AWS doc: "Override your API's request and response parameters and status codes").
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand,
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

test("PutIntegrationResponse: $context.responseOverride.status and .header override the MOCK response", async () => {
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("api") }));
  const restApiId = api.id!;
  const resourceId = (await apigw.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId!, pathPart: "things" }))).id!;
  await apigw.send(new PutMethodCommand({ restApiId, resourceId, httpMethod: "GET", authorizationType: "NONE" }));
  await apigw.send(new PutIntegrationCommand({ restApiId, resourceId, httpMethod: "GET", type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
  await apigw.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod: "GET", statusCode: "200", responseParameters: { "method.response.header.X-Static": false } }));
  const template = [
    "#if($input.params('missing') == 'yes')",
    "#set($context.responseOverride.status = 404)",
    "#set($context.responseOverride.header.X-Static = \"overridden\")",
    "#end",
    "{\"who\": \"$input.params('who')\"}",
  ].join("");
  await apigw.send(new PutIntegrationResponseCommand({
    restApiId, resourceId, httpMethod: "GET", statusCode: "200",
    responseParameters: { "method.response.header.X-Static": "'static'" },
    responseTemplates: { "application/json": template },
  }));
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "dev" }));
  const url = (q: string) => `${server.endpoint}/_aws/execute-api/${restApiId}/dev/things?${q}`;

  const plain = await fetch(url("who=a"));
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get("x-static"), "static");
  assert.deepEqual(await plain.json(), { who: "a" });

  const overridden = await fetch(url("who=b&missing=yes"));
  assert.equal(overridden.status, 404);
  assert.equal(overridden.headers.get("x-static"), "overridden");
  assert.deepEqual(await overridden.json(), { who: "b" });
});
