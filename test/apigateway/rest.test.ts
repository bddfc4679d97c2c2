/**
 * API Gateway REST APIs built with the real SDK v3 APIGatewayClient and called over HTTP: every
 * integration type, mapping templates, validation, CORS, stage variables, canary, redeploys, custom
 * domains, export, and the control plane's errors.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import {
  APIGatewayClient, CreateBasePathMappingCommand, CreateDeploymentCommand, CreateDomainNameCommand, CreateModelCommand, CreateRequestValidatorCommand,
  CreateResourceCommand, CreateRestApiCommand, DeleteMethodCommand, GetExportCommand, GetResourcesCommand, GetRestApisCommand, PutIntegrationCommand,
  PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand, UpdateStageCommand, DeleteStageCommand, DeleteRestApiCommand, GetRestApiCommand, CreateStageCommand, UpdateRestApiCommand, TestInvokeMethodCommand,
} from "@aws-sdk/client-api-gateway";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CreateTableCommand, DynamoDBClient, GetItemCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let apigw: APIGatewayClient;
let lambda: LambdaClient;
let backend: Server;
let backendUrl: string;

before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.url?.startsWith("/slow")) return setTimeout(() => res.end("late"), 400);
      res.writeHead(req.url?.startsWith("/missing") ? 404 : 200, { "content-type": "application/json", "x-backend": "yes" });
      res.end(JSON.stringify({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString(), custom: req.headers["x-custom"] ?? null }));
    });
  });
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", () => r()));
  backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
});
after(async () => {
  backend.close();
  await server.stop();
});

async function api(name = uniqueName("api")) {
  const a = await apigw.send(new CreateRestApiCommand({ name }));
  const root = a.rootResourceId!;
  const resource = async (parent: string, part: string) => (await apigw.send(new CreateResourceCommand({ restApiId: a.id!, parentId: parent, pathPart: part }))).id!;
  const method = async (resourceId: string, httpMethod: string, integration: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    await apigw.send(new PutMethodCommand({ restApiId: a.id!, resourceId, httpMethod, authorizationType: "NONE", ...extra }));
    await apigw.send(new PutIntegrationCommand({ restApiId: a.id!, resourceId, httpMethod, ...integration } as never));
  };
  const deploy = async (stageName = "dev", variables?: Record<string, string>) => (await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName, variables }))).id!;
  const url = (path: string, stage = "dev") => `${server.endpoint}/_aws/execute-api/${a.id}/${stage}${path}`;
  return { id: a.id!, root, resource, method, deploy, url };
}

async function fn(source: string, file = "index.js"): Promise<string> {
  const name = uniqueName("fn");
  const out = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ [file]: strToU8(source) }) }, Timeout: 10 }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return out.FunctionArn!;
}

const lambdaUri = (arn: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations`;

describe("integrations", () => {
  test("AWS_PROXY: the payload format 1.0 event reaches the function; its response contract comes back", async () => {
    const arn = await fn(`exports.handler = async (e) => ({ statusCode: 201, headers: { "x-from": "fn" }, multiValueHeaders: { "x-multi": ["a", "b"] }, body: JSON.stringify(e) });`);
    const a = await api();
    const items = await a.resource(a.root, "items");
    const item = await a.resource(items, "{id}");
    await a.method(item, "POST", { type: "AWS_PROXY", integrationHttpMethod: "POST", uri: lambdaUri(arn) });
    await a.deploy("dev", { env: "test" });
    const r = await fetch(a.url("/items/42?q=1&q=2&x=y"), { method: "POST", headers: { "content-type": "application/json", "x-custom": "c" }, body: '{"a":1}' });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get("x-from"), "fn");
    assert.equal(r.headers.get("x-multi"), "a, b");
    const e = (await r.json()) as Record<string, any>;
    assert.equal(e.resource, "/items/{id}");
    assert.equal(e.path, "/items/42");
    assert.equal(e.httpMethod, "POST");
    assert.deepEqual(e.pathParameters, { id: "42" });
    assert.deepEqual(e.queryStringParameters, { q: "2", x: "y" });
    assert.deepEqual(e.multiValueQueryStringParameters, { q: ["1", "2"], x: ["y"] });
    assert.equal(e.headers["x-custom"], "c");
    assert.deepEqual(e.multiValueHeaders["x-custom"], ["c"]);
    assert.deepEqual(e.stageVariables, { env: "test" });
    assert.equal(e.body, '{"a":1}');
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.requestContext.stage, "dev");
    assert.equal(e.requestContext.resourcePath, "/items/{id}");
    assert.equal(e.requestContext.apiId, a.id);
    assert.equal(e.requestContext.accountId, "000000000000");
    assert.equal(e.requestContext.path, "/dev/items/42");
    assert.equal(e.requestContext.identity.sourceIp, "127.0.0.1");
  });

  test("AWS_PROXY: a malformed function response or a function error is 502 Internal server error", async () => {
    const bad = await fn(`exports.handler = async () => ({ statusCode: 200, body: { not: "a string" } });`);
    const failing = await fn(`exports.handler = async () => { throw new Error("x"); };`);
    const a = await api();
    await a.method(await a.resource(a.root, "bad"), "GET", { type: "AWS_PROXY", integrationHttpMethod: "POST", uri: lambdaUri(bad) });
    await a.method(await a.resource(a.root, "fail"), "GET", { type: "AWS_PROXY", integrationHttpMethod: "POST", uri: lambdaUri(failing) });
    await a.deploy();
    for (const p of ["/bad", "/fail"]) {
      const r = await fetch(a.url(p));
      assert.equal(r.status, 502);
      assert.deepEqual(await r.json(), { message: "Internal server error" });
    }
  });

  test("AWS (Lambda custom): request template, integration responses chosen by selectionPattern on errorMessage", async () => {
    const arn = await fn(`exports.handler = async (e) => { if (e.fail) throw new Error("Not found: " + e.id); return { id: e.id, ok: true }; };`);
    const a = await api();
    const r = await a.resource(a.root, "{id}");
    await a.method(r, "GET", { type: "AWS", integrationHttpMethod: "POST", uri: lambdaUri(arn), requestTemplates: { "application/json": '{"id": "$input.params(\'id\')", "fail": #if($input.params(\'fail\') == \'1\')true#{else}false#end}' } });
    for (const code of ["200", "404"]) await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: code }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": '{"item": $input.json(\'$.id\')}' } }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "404", selectionPattern: "Not found.*", responseTemplates: { "application/json": '{"error": "$input.path(\'$.errorMessage\')"}' } }));
    await a.deploy();
    const ok = await fetch(a.url("/abc"));
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { item: "abc" });
    const nf = await fetch(a.url("/abc?fail=1"));
    assert.equal(nf.status, 404);
    assert.deepEqual(await nf.json(), { error: "Not found: abc" });
  });

  test("HTTP_PROXY and HTTP: requests reach a local server; a slow backend is 504", async () => {
    const a = await api();
    const proxy = await a.resource(await a.resource(a.root, "proxy"), "{proxy+}");
    await a.method(proxy, "ANY", { type: "HTTP_PROXY", integrationHttpMethod: "ANY", uri: `${backendUrl}/{proxy}`, requestParameters: { "integration.request.path.proxy": "method.request.path.proxy" } }, { requestParameters: { "method.request.path.proxy": true } });
    const http = await a.resource(a.root, "http");
    await a.method(http, "POST", { type: "HTTP", integrationHttpMethod: "POST", uri: `${backendUrl}/templated`, requestTemplates: { "application/json": '{"wrapped": $input.json(\'$\')}' }, requestParameters: { "integration.request.header.x-custom": "'static-value'" } });
    await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: http, httpMethod: "POST", statusCode: "200", responseParameters: { "method.response.header.x-backend": true } }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: http, httpMethod: "POST", statusCode: "200", responseParameters: { "method.response.header.x-backend": "integration.response.header.x-backend" } }));
    const slow = await a.resource(a.root, "slow");
    await a.method(slow, "GET", { type: "HTTP_PROXY", integrationHttpMethod: "GET", uri: `${backendUrl}/slow`, timeoutInMillis: 100 });
    await a.deploy();
    const p = await fetch(a.url("/proxy/a/b?x=1"), { method: "PUT", body: "raw" });
    assert.equal(p.status, 200);
    assert.deepEqual(await p.json(), { method: "PUT", url: "/a/b?x=1", body: "raw", custom: null });
    const missing = await fetch(a.url("/proxy/missing"));
    assert.equal(missing.status, 404);
    const h = await fetch(a.url("/http"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"n":1}' });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get("x-backend"), "yes");
    assert.deepEqual(await h.json(), { method: "POST", url: "/templated", body: '{"wrapped": {"n":1}}', custom: "static-value" });
    const s = await fetch(a.url("/slow"));
    assert.equal(s.status, 504);
    assert.deepEqual(await s.json(), { message: "Endpoint request timed out" });
  });

  test("AWS service integration: DynamoDB PutItem from a mapping template, in process", async () => {
    const table = uniqueName("gw");
    const ddb = new DynamoDBClient(server.clientConfig);
    await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] }));
    await waitUntilTableExists({ client: ddb, maxWaitTime: 20, minDelay: 0.05 } as never, { TableName: table });
    const a = await api();
    const r = await a.resource(a.root, "{id}");
    await a.method(r, "PUT", {
      type: "AWS", integrationHttpMethod: "POST", uri: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", credentials: "arn:aws:iam::000000000000:role/apigw",
      requestTemplates: { "application/json": `{"TableName": "${table}", "Item": {"id": {"S": "$input.params('id')"}, "name": {"S": $input.json('$.name')}}}` },
    });
    await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "PUT", statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "PUT", statusCode: "200", responseTemplates: { "application/json": '{"saved": true}' } }));
    await a.deploy();
    const res = await fetch(a.url("/k1"), { method: "PUT", headers: { "content-type": "application/json" }, body: '{"name":"pear"}' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { saved: true });
    const item = await ddb.send(new GetItemCommand({ TableName: table, Key: { id: { S: "k1" } } }));
    assert.deepEqual(item.Item, { id: { S: "k1" }, name: { S: "pear" } });
  });
});

describe("binary", () => {
  test("binaryMediaTypes: a binary request reaches the proxy function base64-encoded; isBase64Encoded responses are decoded", async () => {
    const arn = await fn(`exports.handler = async (e) => ({ statusCode: 200, headers: { "content-type": "image/png" }, isBase64Encoded: true, body: Buffer.concat([Buffer.from(e.body, "base64"), Buffer.from([e.isBase64Encoded ? 1 : 0])]).toString("base64") });`);
    const a = await api();
    await apigw.send(new UpdateRestApiCommand({ restApiId: a.id, patchOperations: [{ op: "add", path: "/binaryMediaTypes/image~1png" }] }));
    await a.method(await a.resource(a.root, "img"), "POST", { type: "AWS_PROXY", integrationHttpMethod: "POST", uri: lambdaUri(arn) });
    await a.deploy();
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe]);
    const r = await fetch(a.url("/img"), { method: "POST", headers: { "content-type": "image/png" }, body: bytes });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), Buffer.concat([bytes, Buffer.from([1])]));
  });

  test("minimumCompressionSize: responses at or over the size are gzipped for clients that accept it", async () => {
    const a = await api();
    await apigw.send(new UpdateRestApiCommand({ restApiId: a.id, patchOperations: [{ op: "replace", path: "/minimumCompressionSize", value: "10" }] }));
    const r = await a.resource(a.root, "big");
    await a.method(r, "GET", { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
    await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": '{"payload": "0123456789012345678901234567890123456789"}' } }));
    await a.deploy();
    const { request } = await import("node:http");
    const raw = await new Promise<{ enc: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = request(a.url("/big"), { headers: { "accept-encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ enc: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(raw.enc, "gzip");
    const { gunzipSync } = await import("node:zlib");
    assert.deepEqual(JSON.parse(gunzipSync(raw.body).toString()), { payload: "0123456789012345678901234567890123456789" });
  });
});

describe("request path", () => {
  test("MOCK: templates with $input.params and $context; unknown routes are 403 Missing Authentication Token", async () => {
    const a = await api();
    const r = await a.resource(a.root, "mock");
    await a.method(r, "GET", { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
    await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": '{"who": "$input.params(\'who\')", "stage": "$context.stage", "method": "$context.httpMethod"}' } }));
    await a.deploy();
    const ok = await fetch(a.url("/mock?who=me"));
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { who: "me", stage: "dev", method: "GET" });
    const host = await fetch(`${server.endpoint}/mock?who=host`, { headers: { host: `${a.id}.execute-api.localhost:${server.skyport.port}` } }).catch(() => undefined);
    void host; // fetch forbids overriding Host; host-style URLs are covered by the acceptance check with curl --resolve
    for (const [path, method] of [["/nothing", "GET"], ["/mock", "POST"]]) {
      const r2 = await fetch(a.url(path), { method });
      assert.equal(r2.status, 403);
      assert.equal(r2.headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException");
      assert.deepEqual(await r2.json(), { message: "Missing Authentication Token" });
    }
    assert.equal((await fetch(a.url("/mock", "nostage"))).status, 403);
  });

  test("Method request: missing required parameters and an invalid body against the model are 400", async () => {
    const a = await api();
    const v = await apigw.send(new CreateRequestValidatorCommand({ restApiId: a.id, name: "all", validateRequestBody: true, validateRequestParameters: true }));
    await apigw.send(new CreateModelCommand({ restApiId: a.id, name: "Item", contentType: "application/json", schema: JSON.stringify({ $schema: "http://json-schema.org/draft-04/schema#", type: "object", required: ["name"], properties: { name: { type: "string" } } }) }));
    const r = await a.resource(a.root, "v");
    await a.method(r, "POST", { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }, { requestValidatorId: v.id, requestParameters: { "method.request.querystring.q": true, "method.request.header.x-key": true }, requestModels: { "application/json": "Item" } });
    await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "POST", statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "POST", statusCode: "200", responseTemplates: { "application/json": '{"ok":true}' } }));
    await a.deploy();
    const missing = await fetch(a.url("/v"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"x"}' });
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), { message: "Missing required request parameters: [q, x-key]" });
    const badBody = await fetch(a.url("/v?q=1"), { method: "POST", headers: { "content-type": "application/json", "x-key": "k" }, body: '{"name":5}' });
    assert.equal(badBody.status, 400);
    assert.deepEqual(await badBody.json(), { message: "Invalid request body" });
    const ok = await fetch(a.url("/v?q=1"), { method: "POST", headers: { "content-type": "application/json", "x-key": "k" }, body: '{"name":"x"}' });
    assert.equal(ok.status, 200);
  });

  test("CORS preflight: OPTIONS with a MOCK integration answers the configured headers", async () => {
    const a = await api();
    const r = await a.resource(a.root, "cors");
    await a.method(r, "OPTIONS", { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
    const headers = { "method.response.header.Access-Control-Allow-Origin": true, "method.response.header.Access-Control-Allow-Methods": true, "method.response.header.Access-Control-Allow-Headers": true };
    await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "OPTIONS", statusCode: "200", responseParameters: headers }));
    await apigw.send(new PutIntegrationResponseCommand({
      restApiId: a.id, resourceId: r, httpMethod: "OPTIONS", statusCode: "200",
      responseParameters: { "method.response.header.Access-Control-Allow-Origin": "'*'", "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'", "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'" },
      responseTemplates: { "application/json": "" },
    }));
    await a.deploy();
    const pre = await fetch(a.url("/cors"), { method: "OPTIONS", headers: { origin: "http://example.test", "access-control-request-method": "GET" } });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
    assert.equal(pre.headers.get("access-control-allow-methods"), "GET,OPTIONS");
    assert.match(pre.headers.get("access-control-allow-headers") ?? "", /X-Amz-Date/);
  });

  test("Deployments: changing a method changes nothing until the next deployment; stage variables in templates", async () => {
    const a = await api();
    const r = await a.resource(a.root, "m");
    await a.method(r, "GET", { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
    await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": '{"v": "$stageVariables.version"}' } }));
    await a.deploy("dev", { version: "one" });
    assert.deepEqual(await (await fetch(a.url("/m"))).json(), { v: "one" });
    await apigw.send(new DeleteMethodCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET" }));
    assert.equal((await fetch(a.url("/m"))).status, 200, "the deployed snapshot still has the method");
    await apigw.send(new UpdateStageCommand({ restApiId: a.id, stageName: "dev", patchOperations: [{ op: "replace", path: "/variables/version", value: "two" }] }));
    assert.deepEqual(await (await fetch(a.url("/m"))).json(), { v: "two" });
    await apigw.send(new PutMethodCommand({ restApiId: a.id, resourceId: r, httpMethod: "POST", authorizationType: "NONE" }));
    await apigw.send(new PutIntegrationCommand({ restApiId: a.id, resourceId: r, httpMethod: "POST", type: "MOCK" }));
    await a.deploy("dev");
    assert.equal((await fetch(a.url("/m"))).status, 403, "after redeploying, GET is gone");
    // Each request finds the stage and the API as they are now (the gateway remembers them until they change).
    const served = (await fetch(a.url("/m"), { method: "POST" })).status;
    assert.ok(served !== 403 && served !== 404, `POST is routed (${served})`);
    await apigw.send(new DeleteStageCommand({ restApiId: a.id, stageName: "dev" }));
    assert.equal((await fetch(a.url("/m"), { method: "POST" })).status, 403, "a deleted stage is Forbidden");
    await a.deploy("dev");
    assert.equal((await fetch(a.url("/m"), { method: "POST" })).status, served, "a stage made again serves");
    await apigw.send(new DeleteRestApiCommand({ restApiId: a.id }));
    assert.equal((await fetch(a.url("/m"), { method: "POST" })).status, 404, "a deleted API is Not Found");
  });

  test("Canary: the configured percentage of requests goes to the canary deployment", async () => {
    const a = await api();
    const r = await a.resource(a.root, "c");
    const mock = async (value: string) => {
      await apigw.send(new PutMethodCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", authorizationType: "NONE" })).catch(() => undefined);
      await apigw.send(new PutIntegrationCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
      await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200" }));
      await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": `{"d": "${value}"}` } }));
    };
    await mock("base");
    await a.deploy("live");
    await mock("canary");
    await apigw.send(new CreateDeploymentCommand({ restApiId: a.id, stageName: "live", canarySettings: { percentTraffic: 30 } }));
    let canary = 0;
    const n = 300;
    for (let i = 0; i < n; i++) if (((await (await fetch(a.url("/c", "live"))).json()) as { d: string }).d === "canary") canary++;
    // 30% of 300: mean 90, sd ≈ 7.9; 50..130 is over 5 sd either way.
    assert.ok(canary > 50 && canary < 130, `canary share ${canary}/${n}`);
  });

  test("Custom domain names: requests to a configured host go through base path mappings", async () => {
    const a = await api();
    const r = await a.resource(a.root, "hello");
    await a.method(r, "GET", { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
    await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": '{"via": "$context.domainName"}' } }));
    await a.deploy("prod");
    const domain = `${uniqueName("api")}.example.test`;
    await apigw.send(new CreateDomainNameCommand({ domainName: domain, certificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/x" }));
    await apigw.send(new CreateBasePathMappingCommand({ domainName: domain, restApiId: a.id, basePath: "v1", stage: "prod" }));
    const { request } = await import("node:http");
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.skyport.port, path: "/v1/hello", headers: { host: domain } }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, text }));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(body.status, 200);
    assert.deepEqual(JSON.parse(body.text), { via: domain });
  });
});

describe("control plane", () => {
  test("CreateRestApi / GetResources / GetRestApis: root resource, embed=methods, pagination", async () => {
    const a = await api();
    const child = await a.resource(a.root, "x");
    await a.method(child, "GET", { type: "MOCK" });
    const res = await apigw.send(new GetResourcesCommand({ restApiId: a.id, embed: ["methods"] }));
    assert.deepEqual(res.items?.map((i) => i.path), ["/", "/x"]);
    assert.equal(res.items?.[1]?.resourceMethods?.GET?.methodIntegration?.type, "MOCK");
    const plain = await apigw.send(new GetResourcesCommand({ restApiId: a.id }));
    assert.deepEqual(plain.items?.[1]?.resourceMethods, { GET: {} });
    await api();
    await api();
    const first = await apigw.send(new GetRestApisCommand({ limit: 2 }));
    assert.equal(first.items?.length, 2);
    assert.ok(first.position);
    const next = await apigw.send(new GetRestApisCommand({ limit: 2, position: first.position }));
    assert.ok(next.items?.length);
    assert.ok(!next.items!.some((x) => first.items!.some((y) => y.id === x.id)));
  });

  test("Errors: unknown API, duplicate resource, deployment without integration", async () => {
    const e1 = (await apigw.send(new GetRestApiCommand({ restApiId: "nope123456" })).catch((e: unknown) => e)) as { name: string; message: string; $metadata: { httpStatusCode: number } };
    assert.equal(e1.name, "NotFoundException");
    assert.equal(e1.message, "Invalid API identifier specified 000000000000:nope123456");
    assert.equal(e1.$metadata.httpStatusCode, 404);
    const a = await api();
    await a.resource(a.root, "dup");
    const e2 = (await a.resource(a.root, "dup").catch((e: unknown) => e)) as { name: string; message: string };
    assert.equal(e2.name, "ConflictException");
    assert.equal(e2.message, "Another resource with the same parent already has this name: dup");
    const r = await a.resource(a.root, "noint");
    await apigw.send(new PutMethodCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", authorizationType: "NONE" }));
    const e3 = (await a.deploy().catch((e: unknown) => e)) as { name: string; message: string };
    assert.equal(e3.name, "BadRequestException");
    assert.equal(e3.message, "No integration defined for method");
    const e4 = (await apigw.send(new CreateStageCommand({ restApiId: a.id, stageName: "s", deploymentId: "nodepl" })).catch((e: unknown) => e)) as { name: string };
    assert.equal(e4.name, "NotFoundException");
  });

  test("TestInvokeMethod: runs the current, undeployed definition with stage variables", async () => {
    const a = await api();
    const r = await a.resource(a.root, "t");
    await a.method(r, "GET", { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } });
    await apigw.send(new PutMethodResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", statusCode: "200", responseTemplates: { "application/json": '{"q": "$input.params(\'q\')", "v": "$stageVariables.v"}' } }));
    const out = await apigw.send(new TestInvokeMethodCommand({ restApiId: a.id, resourceId: r, httpMethod: "GET", pathWithQueryString: "/t?q=1", stageVariables: { v: "x" } }));
    assert.equal(out.status, 200);
    assert.deepEqual(JSON.parse(out.body!), { q: "1", v: "x" });
    assert.match(out.log!, /Method completed with status: 200/);
  });

  test("GetExport: oas30 and swagger with x-amazon-apigateway-integration", async () => {
    const a = await api("exported");
    const r = await a.resource(a.root, "{id}");
    await a.method(r, "GET", { type: "AWS_PROXY", integrationHttpMethod: "POST", uri: lambdaUri("arn:aws:lambda:us-east-1:000000000000:function:f") });
    await a.deploy("dev");
    const oas = JSON.parse(Buffer.from((await apigw.send(new GetExportCommand({ restApiId: a.id, stageName: "dev", exportType: "oas30" }))).body!).toString());
    assert.equal(oas.openapi, "3.0.1");
    assert.equal(oas.info.title, "exported");
    assert.equal(oas.paths["/{id}"].get["x-amazon-apigateway-integration"].type, "aws_proxy");
    assert.deepEqual(oas.paths["/{id}"].get.parameters, [{ name: "id", in: "path", required: true, schema: { type: "string" } }]);
    const sw = JSON.parse(Buffer.from((await apigw.send(new GetExportCommand({ restApiId: a.id, stageName: "dev", exportType: "swagger" }))).body!).toString());
    assert.equal(sw.swagger, "2.0");
    assert.equal(sw.basePath, "/dev");
  });
});
