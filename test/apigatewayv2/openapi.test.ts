/** ImportApi / ReimportApi / ExportApi: OpenAPI 3 with the x-amazon-apigateway-* extensions, a round trip, and the imported API serving requests. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ApiGatewayV2Client, CreateStageCommand, ExportApiCommand, GetApiCommand, GetAuthorizersCommand, GetIntegrationsCommand, GetRoutesCommand, ImportApiCommand, ReimportApiCommand,
} from "@aws-sdk/client-apigatewayv2";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { call, createFunction, ECHO } from "./helpers.js";

let server: TestServer;
let v2: ApiGatewayV2Client;
let lambda: LambdaClient;
let echo: string;
before(async () => {
  server = await startServer();
  v2 = new ApiGatewayV2Client(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  echo = await createFunction(lambda, ECHO);
});
after(async () => {
  v2.destroy();
  lambda.destroy();
  await server.stop();
});

const definition = (fn: string) => `
openapi: "3.0.1"
info:
  title: pets-import
  version: "2024-01-01"
x-amazon-apigateway-cors:
  allowOrigins: ["https://example.com"]
  allowMethods: ["GET"]
  maxAge: 60
components:
  securitySchemes:
    my-jwt:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: "$request.header.Authorization"
        jwtConfiguration:
          issuer: "https://issuer.example.com"
          audience: ["aud1"]
paths:
  /pets/{id}:
    get:
      operationId: getPet
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: "${fn}"
        payloadFormatVersion: "2.0"
  /secure:
    get:
      security:
        - my-jwt: ["read"]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: "${fn}"
        payloadFormatVersion: "2.0"
  /proxy/{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: "https://example.com/{proxy}"
        payloadFormatVersion: "1.0"
        timeoutInMillis: 5000
`;

describe("HTTP API OpenAPI import and export", () => {
  test("ImportApi: routes, integrations, JWT authorizer and CORS from OpenAPI 3 YAML; the API serves once staged", async () => {
    const api = await v2.send(new ImportApiCommand({ Body: definition(echo) }));
    assert.equal(api.Name, "pets-import");
    assert.equal(api.Version, "2024-01-01");
    assert.deepEqual(api.CorsConfiguration, { AllowMethods: ["GET"], AllowOrigins: ["https://example.com"], MaxAge: 60 });
    const routes = (await v2.send(new GetRoutesCommand({ ApiId: api.ApiId }))).Items!;
    assert.deepEqual(routes.map((r) => r.RouteKey).sort(), ["ANY /proxy/{proxy+}", "GET /pets/{id}", "GET /secure"]);
    const secure = routes.find((r) => r.RouteKey === "GET /secure")!;
    assert.equal(secure.AuthorizationType, "JWT");
    assert.deepEqual(secure.AuthorizationScopes, ["read"]);
    const auths = (await v2.send(new GetAuthorizersCommand({ ApiId: api.ApiId }))).Items!;
    assert.deepEqual(auths.map((a) => [a.Name, a.AuthorizerType, a.JwtConfiguration?.Issuer]), [["my-jwt", "JWT", "https://issuer.example.com"]]);
    assert.equal(secure.AuthorizerId, auths[0]!.AuthorizerId);
    const integrations = (await v2.send(new GetIntegrationsCommand({ ApiId: api.ApiId }))).Items!;
    assert.deepEqual(integrations.map((i) => i.IntegrationType).sort(), ["AWS_PROXY", "AWS_PROXY", "HTTP_PROXY"]);
    await v2.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: "$default", AutoDeploy: true }));
    const r = await call(server.skyport.port, api.ApiId!, "GET", "/pets/5");
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { routeKey: string }).routeKey, "GET /pets/{id}");
    assert.equal((await call(server.skyport.port, api.ApiId!, "GET", "/secure")).status, 401);
  });

  test("ExportApi: OAS30 JSON round trip through ImportApi keeps routes, integrations, authorizers and CORS", async () => {
    const api = await v2.send(new ImportApiCommand({ Body: definition(echo) }));
    const out = await v2.send(new ExportApiCommand({ ApiId: api.ApiId, Specification: "OAS30", OutputType: "JSON" }));
    const doc = JSON.parse(Buffer.from(out.body!).toString("utf8")) as Record<string, any>;
    assert.equal(doc.openapi, "3.0.1");
    assert.equal(doc.info.title, "pets-import");
    assert.equal(doc.paths["/pets/{id}"].get["x-amazon-apigateway-integration"].uri, echo);
    assert.equal(doc.paths["/pets/{id}"].get.operationId, "getPet");
    assert.deepEqual(doc.paths["/pets/{id}"].get.parameters[0], { name: "id", in: "path", description: "Generated path parameter for id", required: true, schema: { type: "string" } });
    assert.ok(doc.paths["/proxy/{proxy+}"]["x-amazon-apigateway-any-method"]);
    assert.deepEqual(doc.paths["/secure"].get.security, [{ "my-jwt": ["read"] }]);
    assert.equal(doc.components.securitySchemes["my-jwt"]["x-amazon-apigateway-authorizer"].type, "jwt");
    assert.deepEqual(doc["x-amazon-apigateway-cors"].allowOrigins, ["https://example.com"]);
    const again = await v2.send(new ImportApiCommand({ Body: JSON.stringify(doc) }));
    const keys = async (id: string) => (await v2.send(new GetRoutesCommand({ ApiId: id }))).Items!.map((r) => `${r.RouteKey} ${r.AuthorizationType} ${(r.AuthorizationScopes ?? []).join()}`).sort();
    assert.deepEqual(await keys(again.ApiId!), await keys(api.ApiId!));
    const yamlOut = await v2.send(new ExportApiCommand({ ApiId: api.ApiId, Specification: "OAS30", OutputType: "YAML", IncludeExtensions: false }));
    const text = Buffer.from(yamlOut.body!).toString("utf8");
    assert.match(text, /^openapi: 3\.0\.1/m);
    assert.doesNotMatch(text, /x-amazon-apigateway-integration/);
  });

  test("ReimportApi: replaces the definition; bad documents are BadRequestException", async () => {
    const api = await v2.send(new ImportApiCommand({ Body: definition(echo) }));
    await v2.send(new ReimportApiCommand({ ApiId: api.ApiId, Body: JSON.stringify({ openapi: "3.0.1", info: { title: "renamed", version: "2" }, paths: { "/only": { get: { "x-amazon-apigateway-integration": { type: "aws_proxy", httpMethod: "POST", uri: echo, payloadFormatVersion: "2.0" } } } } }) }));
    assert.equal((await v2.send(new GetApiCommand({ ApiId: api.ApiId }))).Name, "renamed");
    assert.deepEqual((await v2.send(new GetRoutesCommand({ ApiId: api.ApiId }))).Items!.map((r) => r.RouteKey), ["GET /only"]);
    assert.deepEqual((await v2.send(new GetAuthorizersCommand({ ApiId: api.ApiId }))).Items, []);
    await assert.rejects(v2.send(new ImportApiCommand({ Body: "swagger: '2.0'\ninfo: {title: x}" })), { name: "BadRequestException" });
    await assert.rejects(v2.send(new ImportApiCommand({ Body: "{not yaml" })), { name: "BadRequestException" });
    await assert.rejects(v2.send(new ImportApiCommand({ Body: JSON.stringify({ openapi: "3.0.1", info: { title: "w" }, paths: { "/x": { get: {} } } }), FailOnWarnings: true })), { name: "BadRequestException" });
  });
});
