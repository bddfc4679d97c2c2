/**
 * $context.responseOverride in an integration response template, called over HTTP: the template's
 * status and header overrides win over the integration response's statusCode and responseParameters
 * (AWS doc: "Override your API's request and response parameters and status codes").
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand,
  PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;
let backend: Server;
let backendUrl: string;

before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ url: req.url, who: req.headers["x-who"] ?? null, mapped: req.headers["x-mapped"] ?? null, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", () => r()));
  backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
});
after(async () => {
  backend.close();
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

test("PutIntegration: HTTP querystring mappings and $context.requestOverride header/querystring/path reach the backend", async () => {
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("api") }));
  const restApiId = api.id!;
  const items = (await apigw.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId!, pathPart: "items" }))).id!;
  const resourceId = (await apigw.send(new CreateResourceCommand({ restApiId, parentId: items, pathPart: "{id}" }))).id!;
  await apigw.send(new PutMethodCommand({ restApiId, resourceId, httpMethod: "POST", authorizationType: "NONE", requestParameters: { "method.request.path.id": true, "method.request.querystring.q": false } }));
  const template = [
    "#set($context.requestOverride.header.X-Who = $input.path('$.who'))",
    "#set($context.requestOverride.querystring.limit = \"10\")",
    "#if($input.path('$.who') == 'admin')#set($context.requestOverride.path.id = \"all\")#end",
    "{\"n\": $input.json('$.n')}",
  ].join("");
  await apigw.send(new PutIntegrationCommand({
    restApiId, resourceId, httpMethod: "POST", type: "HTTP", integrationHttpMethod: "POST", uri: `${backendUrl}/things/{id}`,
    requestParameters: { "integration.request.path.id": "method.request.path.id", "integration.request.querystring.search": "method.request.querystring.q", "integration.request.header.X-Mapped": "'m'" },
    requestTemplates: { "application/json": template },
  }));
  await apigw.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod: "POST", statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod: "POST", statusCode: "200" }));
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "dev" }));
  const call = async (who: string) => {
    const r = await fetch(`${server.endpoint}/_aws/execute-api/${restApiId}/dev/items/5?q=abc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ who, n: 3 }) });
    assert.equal(r.status, 200);
    return (await r.json()) as { url: string; who: string; mapped: string; body: string };
  };
  const user = await call("ann");
  assert.equal(user.url, "/things/5?search=abc&limit=10");
  assert.equal(user.who, "ann");
  assert.equal(user.mapped, "m");
  assert.deepEqual(JSON.parse(user.body), { n: 3 });
  const admin = await call("admin");
  assert.equal(admin.url, "/things/all?search=abc&limit=10");
});
