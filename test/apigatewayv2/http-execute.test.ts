/** HTTP API request path: payload formats 2.0 and 1.0, response inference, stages, route selection, CORS, HTTP_PROXY with parameter mapping, errors. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { ApiGatewayV2Client, CreateApiCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand, GetIntegrationsCommand, UpdateApiCommand } from "@aws-sdk/client-apigatewayv2";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { call, createFunction, ECHO } from "./helpers.js";

let server: TestServer;
let v2: ApiGatewayV2Client;
let lambda: LambdaClient;
let echo: string;
let backend: Server;
let backendPort: number;
before(async () => {
  server = await startServer();
  v2 = new ApiGatewayV2Client(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  echo = await createFunction(lambda, ECHO);
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "x-backend": "yes", "access-control-allow-origin": "https://evil.example" });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
  backendPort = (backend.address() as AddressInfo).port;
});
after(async () => {
  v2.destroy();
  lambda.destroy();
  await new Promise((r) => backend.close(r));
  await server.stop();
});

const port = () => server.skyport.port;

describe("HTTP API request path", () => {
  test("Invoke (payload 2.0): the event is AWS's exact shape", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("p2"), ProtocolType: "HTTP", Target: echo }));
    const r = await call(port(), api.ApiId!, "POST", "/some/path?a=1&a=2&b=x%20y", { "X-Multi": ["1", "2"], Cookie: "c1=v1; c2=v2", "content-type": "text/plain", "user-agent": "tester" }, "hello");
    assert.equal(r.status, 200);
    assert.ok(r.headers["apigw-requestid"]);
    const e = JSON.parse(r.body) as Record<string, any>;
    assert.equal(e.version, "2.0");
    assert.equal(e.routeKey, "$default");
    assert.equal(e.rawPath, "/some/path");
    assert.equal(e.rawQueryString, "a=1&a=2&b=x%20y");
    assert.deepEqual(e.cookies, ["c1=v1", "c2=v2"]);
    assert.equal(e.headers["x-multi"], "1,2");
    assert.equal(e.headers.cookie, undefined);
    assert.equal(e.headers["x-forwarded-proto"], "http");
    assert.deepEqual(e.queryStringParameters, { a: "1,2", b: "x y" });
    assert.equal(e.body, "hello");
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.pathParameters, undefined);
    assert.equal(e.stageVariables, undefined);
    const rc = e.requestContext;
    assert.equal(rc.accountId, "000000000000");
    assert.equal(rc.apiId, api.ApiId);
    assert.equal(rc.domainName, `${api.ApiId}.execute-api.localhost`);
    assert.equal(rc.domainPrefix, api.ApiId);
    assert.deepEqual(rc.http, { method: "POST", path: "/some/path", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "tester" });
    assert.equal(rc.routeKey, "$default");
    assert.equal(rc.stage, "$default");
    assert.equal(rc.requestId, r.headers["apigw-requestid"]);
    assert.match(rc.time, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.equal(typeof rc.timeEpoch, "number");
    // binary bodies arrive base64-encoded
    const b = JSON.parse((await call(port(), api.ApiId!, "POST", "/bin", { "content-type": "application/octet-stream" }, "\u0001\u0002")).body) as Record<string, unknown>;
    assert.equal(b.isBase64Encoded, true);
    assert.equal(b.body, Buffer.from("\u0001\u0002").toString("base64"));
  });

  test("Invoke (payload 1.0): named stage with its path prefix, path parameters and stage variables", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("p1"), ProtocolType: "HTTP" }));
    const i = await v2.send(new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: "AWS_PROXY", IntegrationUri: echo, PayloadFormatVersion: "1.0" }));
    await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /items/{id}", Target: `integrations/${i.IntegrationId}` }));
    await v2.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: "prod", AutoDeploy: true, StageVariables: { v: "1" } }));
    const r = await call(port(), api.ApiId!, "GET", "/prod/items/42?q=1&q=2");
    assert.equal(r.status, 200);
    const e = JSON.parse(r.body) as Record<string, any>;
    assert.equal(e.version, "1.0");
    assert.equal(e.resource, "/items/{id}");
    assert.equal(e.path, "/prod/items/42");
    assert.equal(e.httpMethod, "GET");
    assert.deepEqual(e.pathParameters, { id: "42" });
    assert.deepEqual(e.stageVariables, { v: "1" });
    assert.deepEqual(e.queryStringParameters, { q: "2" });
    assert.deepEqual(e.multiValueQueryStringParameters, { q: ["1", "2"] });
    assert.equal(e.requestContext.stage, "prod");
    assert.equal(e.requestContext.routeKey, undefined);
    assert.equal(e.requestContext.resourceId, "GET /items/{id}");
    // no $default stage: a path that names no stage is not found
    const nf = await call(port(), api.ApiId!, "GET", "/items/42");
    assert.equal(nf.status, 404);
    assert.deepEqual(JSON.parse(nf.body), { message: "Not Found" });
  });

  test("Invoke (payload 2.0): response inference, cookies and malformed answers", async () => {
    const fn = await createFunction(lambda, `export const handler = async (event) => {
      const p = event.rawPath;
      if (p === "/plain") return { hello: "world" };
      if (p === "/string") return "just text";
      if (p === "/full") return { statusCode: 201, headers: { "X-A": "b" }, cookies: ["s=1; Path=/", "t=2"], body: "made" };
      if (p === "/bad") return { statusCode: "nope" };
      throw new Error("boom");
    };`);
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("inf"), ProtocolType: "HTTP", Target: fn }));
    const plain = await call(port(), api.ApiId!, "GET", "/plain");
    assert.equal(plain.status, 200);
    assert.equal(plain.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(plain.body), { hello: "world" });
    const str = await call(port(), api.ApiId!, "GET", "/string");
    assert.equal(str.status, 200);
    assert.equal(str.body, '"just text"');
    const full = await call(port(), api.ApiId!, "GET", "/full");
    assert.equal(full.status, 201);
    assert.equal(full.headers["x-a"], "b");
    assert.deepEqual(full.headers["set-cookie"], ["s=1; Path=/", "t=2"]);
    assert.equal(full.body, "made");
    for (const p of ["/bad", "/throw"]) {
      const r = await call(port(), api.ApiId!, "GET", p);
      assert.equal(r.status, 500);
      assert.deepEqual(JSON.parse(r.body), { message: "Internal Server Error" });
    }
  });

  test("Invoke: route selection — exact beats parameters beats greedy beats $default; 404 without a match", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("sel"), ProtocolType: "HTTP" }));
    const i = await v2.send(new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: "AWS_PROXY", IntegrationUri: echo, PayloadFormatVersion: "2.0" }));
    for (const k of ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /pets/cat", "POST /pets/cat"]) await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: k, Target: `integrations/${i.IntegrationId}` }));
    await v2.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: "$default", AutoDeploy: true }));
    const key = async (m: string, p: string) => {
      const r = await call(port(), api.ApiId!, m, p);
      return r.status === 200 ? (JSON.parse(r.body) as { routeKey: string }).routeKey : r.status;
    };
    assert.equal(await key("GET", "/pets/dog/1"), "GET /pets/dog/1");
    assert.equal(await key("GET", "/pets/dog/2"), "GET /pets/dog/{id}");
    assert.equal(await key("GET", "/pets/fish/a/b"), "GET /pets/{proxy+}");
    assert.equal(await key("POST", "/pets/cat"), "POST /pets/cat");
    assert.equal(await key("DELETE", "/pets/cat"), "ANY /pets/cat");
    assert.equal(await key("GET", "/other"), 404);
    // auto-deploy: a $default route added later is live at once
    await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "$default", Target: `integrations/${i.IntegrationId}` }));
    assert.equal(await key("GET", "/other"), "$default");
  });

  test("Invoke: CORS preflight answered by API Gateway, CORS headers on answers, integration CORS headers replaced", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("cors"), ProtocolType: "HTTP", Target: `http://127.0.0.1:${backendPort}/{proxy}`, RouteKey: "ANY /{proxy+}",
      CorsConfiguration: { AllowOrigins: ["https://example.com"], AllowMethods: ["GET", "POST"], AllowHeaders: ["x-custom"], ExposeHeaders: ["x-backend"], MaxAge: 300, AllowCredentials: true } }));
    const pre = await call(port(), api.ApiId!, "OPTIONS", "/x", { Origin: "https://example.com", "Access-Control-Request-Method": "POST" });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers["access-control-allow-origin"], "https://example.com");
    assert.equal(pre.headers["access-control-allow-methods"], "GET,POST");
    assert.equal(pre.headers["access-control-allow-headers"], "x-custom");
    assert.equal(pre.headers["access-control-max-age"], "300");
    assert.equal(pre.headers["access-control-allow-credentials"], "true");
    const other = await call(port(), api.ApiId!, "OPTIONS", "/x", { Origin: "https://other.example", "Access-Control-Request-Method": "POST" });
    assert.equal(other.headers["access-control-allow-origin"], undefined);
    const get = await call(port(), api.ApiId!, "GET", "/x", { Origin: "https://example.com" });
    assert.equal(get.status, 200);
    assert.equal(get.headers["access-control-allow-origin"], "https://example.com");
    assert.equal(get.headers["access-control-expose-headers"], "x-backend");
    const noOrigin = await call(port(), api.ApiId!, "GET", "/x");
    assert.equal(noOrigin.headers["access-control-allow-origin"], undefined);
  });

  test("Invoke (HTTP_PROXY): path variables, query string, request and response parameter mapping", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("hp"), ProtocolType: "HTTP" }));
    const i = await v2.send(new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: "HTTP_PROXY", IntegrationMethod: "ANY", IntegrationUri: `http://127.0.0.1:${backendPort}/base/{id}`,
      RequestParameters: { "append:header.x-from": "$request.header.x-in", "overwrite:querystring.added": "v-$request.path.id", "remove:querystring.drop": "''", "overwrite:header.x-stage": "$context.stage" },
      ResponseParameters: { "200": { "overwrite:statuscode": "202", "append:header.x-mapped": "$response.header.x-backend", "remove:header.x-backend": "''" } } }));
    await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "POST /items/{id}", Target: `integrations/${i.IntegrationId}` }));
    await v2.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: "$default", AutoDeploy: true }));
    const r = await call(port(), api.ApiId!, "POST", "/items/7?keep=1&drop=2", { "x-in": "hi", "content-type": "application/json" }, '{"a":1}');
    assert.equal(r.status, 202);
    assert.equal(r.headers["x-mapped"], "yes");
    assert.equal(r.headers["x-backend"], undefined);
    const seen = JSON.parse(r.body) as { method: string; url: string; headers: Record<string, string>; body: string };
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/base/7?keep=1&added=v-7");
    assert.equal(seen.headers["x-from"], "hi");
    assert.equal(seen.headers["x-stage"], "$default");
    assert.equal(seen.body, '{"a":1}');
  });

  test("Invoke: path-style URL and disableExecuteApiEndpoint", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("ps"), ProtocolType: "HTTP", Target: echo }));
    const res = await fetch(`${server.endpoint}/_aws/execute-api/${api.ApiId}/a/b?x=1`);
    assert.equal(res.status, 200);
    const e = (await res.json()) as { rawPath: string };
    assert.equal(e.rawPath, "/a/b");
    const integrations = await v2.send(new GetIntegrationsCommand({ ApiId: api.ApiId }));
    assert.equal(integrations.Items?.length, 1);
    await v2.send(new UpdateApiCommand({ ApiId: api.ApiId, DisableExecuteApiEndpoint: true }));
    const off = await call(port(), api.ApiId!, "GET", "/a");
    assert.equal(off.status, 403);
    assert.deepEqual(JSON.parse(off.body), { message: "Forbidden" });
  });
});
