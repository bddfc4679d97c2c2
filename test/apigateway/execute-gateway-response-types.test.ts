/**
 * Issue 16 item 8: gateway responses shape every error the gateway answers itself — default statuses and
 * bodies per type ("Gateway response types for API Gateway"), a customised type's status, headers mapped
 * from the request, stage variables and $context, and templates with $context.error.*; DEFAULT_4XX's status
 * applies to every 4XX type not customised itself.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateRestApiCommand, PutGatewayResponseCommand, PutIntegrationCommand, PutIntegrationResponseCommand,
  PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;
before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
});
after(async () => {
  apigw.destroy();
  await server.stop();
});

/** GET / and POST / (MOCK) under a resource policy that denies POST, with the given gateway responses. */
async function api(responses: Array<{ type: string; statusCode?: string; parameters?: Record<string, string>; template?: string }>) {
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [
    { Effect: "Allow", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*" },
    { Effect: "Deny", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*/POST/*" },
  ] });
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("gr"), policy }));
  const restApiId = a.id!;
  for (const httpMethod of ["GET", "POST"]) {
    const common = { restApiId, resourceId: a.rootResourceId!, httpMethod };
    await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE" }));
    await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
    await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": '{"ok":true}' } }));
  }
  for (const r of responses) {
    await apigw.send(new PutGatewayResponseCommand({ restApiId, responseType: r.type as never, statusCode: r.statusCode, responseParameters: r.parameters, responseTemplates: r.template ? { "application/json": r.template } : undefined }));
  }
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "dev", variables: { team: "blue" } }));
  return (path: string, init: RequestInit = {}) => fetch(`${server.endpoint}/_aws/execute-api/${restApiId}/dev${path}`, init);
}

test("PutGatewayResponse: ACCESS_DENIED customised with status, headers from the request, stage variables and $context, and a $context.error template", async () => {
  const call = await api([{
    type: "ACCESS_DENIED", statusCode: "451",
    parameters: {
      "gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.origin", "gatewayresponse.header.X-Team": "stageVariables.team",
      "gatewayresponse.header.X-Stage": "context.stage", "gatewayresponse.header.X-Literal": "'fixed'",
    },
    template: '{"msg":$context.error.messageString,"type":"$context.error.responseType","raw":"$context.error.message"}',
  }]);
  const r = await call("/", { method: "POST", headers: { Origin: "https://app.example" } });
  assert.equal(r.status, 451);
  assert.equal(r.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(r.headers.get("x-team"), "blue");
  assert.equal(r.headers.get("x-stage"), "dev");
  assert.equal(r.headers.get("x-literal"), "fixed");
  const b = (await r.json()) as Record<string, string>;
  assert.equal(b.type, "ACCESS_DENIED");
  assert.match(b.msg!, /^User: anonymous is not authorized to perform: execute-api:Invoke on resource: .* with an explicit deny$/);
  assert.equal(b.raw, b.msg);
  assert.equal((await call("/")).status, 200, "allowed calls are untouched");
});

test("PutGatewayResponse: DEFAULT_4XX's status and template reach every 4XX type not customised itself; a type's own settings win", async () => {
  const call = await api([
    { type: "DEFAULT_4XX", statusCode: "418", template: '{"family":"4xx","type":"$context.error.responseType"}' },
    { type: "MISSING_AUTHENTICATION_TOKEN", statusCode: "404", template: '{"type":"$context.error.responseType"}' },
  ]);
  const denied = await call("/", { method: "POST" });
  assert.equal(denied.status, 418);
  assert.deepEqual(await denied.json(), { family: "4xx", type: "ACCESS_DENIED" });
  const missing = await call("/nowhere");
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { type: "MISSING_AUTHENTICATION_TOKEN" });
});

test("execute-api: without customisation the default status and body of each type (403 Missing Authentication Token, 403 access denied)", async () => {
  const call = await api([]);
  const missing = await call("/nowhere");
  assert.equal(missing.status, 403);
  assert.deepEqual(await missing.json(), { message: "Missing Authentication Token" });
  assert.equal(missing.headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException");
  const denied = await call("/", { method: "POST" });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers.get("x-amzn-errortype"), "AccessDeniedException");
});
