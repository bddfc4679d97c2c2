/**
 * Issue 9 item 23: HTTP and HTTP_PROXY integrations in the scenarios AWS's recordings cover — an echo
 * function behind a function URL (a `*.localhost` name Skyport resolves itself) as the upstream, request
 * data mappings, status code passthrough and selection, every HTTP method — plus the response headers
 * AWS adds, `//` in paths, and a client sending `Trailer:` with a chunked body.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand, PutIntegrationResponseCommand,
  PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { CreateFunctionCommand, CreateFunctionUrlConfigCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let apigw: APIGatewayClient;
let base: string;
let functionUrl: string;

const ECHO = `exports.handler = async (e) => ({
  statusCode: Number(e.headers["x-want-status"] || 200),
  headers: { "content-type": "application/json", "x-echo": "yes" },
  body: JSON.stringify({ method: e.requestContext.http.method, path: e.rawPath, query: e.queryStringParameters || {}, body: e.body ?? null, who: e.headers["x-who"] ?? null }),
});`;

before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  const lambda = new LambdaClient(server.clientConfig);
  const name = uniqueName("echo");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(ECHO) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  functionUrl = (await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }))).FunctionUrl!;
  assert.match(functionUrl, /\.lambda-url\.us-east-1\.localhost/);

  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("http") }));
  const res = async (parent: string, part: string) => (await apigw.send(new CreateResourceCommand({ restApiId: a.id!, parentId: parent, pathPart: part }))).id!;
  // HTTP_PROXY: /proxy/{proxy+} → functionUrl/{proxy}
  const proxy = await res(await res(a.rootResourceId!, "proxy"), "{proxy+}");
  await apigw.send(new PutMethodCommand({ restApiId: a.id!, resourceId: proxy, httpMethod: "ANY", authorizationType: "NONE", requestParameters: { "method.request.path.proxy": true } }));
  await apigw.send(new PutIntegrationCommand({ restApiId: a.id!, resourceId: proxy, httpMethod: "ANY", type: "HTTP_PROXY", integrationHttpMethod: "ANY", uri: `${functionUrl}{proxy}`, requestParameters: { "integration.request.path.proxy": "method.request.path.proxy" } }));
  // HTTP with mappings: /mapped/{id} (each method) → functionUrl/items/{id}?from=...
  const mapped = await res(await res(a.rootResourceId!, "mapped"), "{id}");
  for (const httpMethod of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
    const common = { restApiId: a.id!, resourceId: mapped, httpMethod };
    await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE", requestParameters: { "method.request.path.id": true, "method.request.header.x-caller": false, "method.request.querystring.q": false } }));
    await apigw.send(new PutIntegrationCommand({
      ...common, type: "HTTP", integrationHttpMethod: httpMethod, uri: `${functionUrl}items/{id}`,
      requestParameters: { "integration.request.path.id": "method.request.path.id", "integration.request.header.x-who": "method.request.header.x-caller", "integration.request.querystring.from": "method.request.querystring.q", "integration.request.header.x-want-status": "method.request.header.x-want-status" },
      requestTemplates: { "application/json": '{"wrapped": $input.json(\'$\'), "id": "$input.params(\'id\')"}' },
    }));
    for (const statusCode of ["200", "400", "500"]) await apigw.send(new PutMethodResponseCommand({ ...common, statusCode }));
    await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": "" } }));
    await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "400", selectionPattern: "4\\d{2}", responseTemplates: { "application/json": '{"error": $input.json(\'$.method\')}' } }));
    await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "500", selectionPattern: "5\\d{2}" }));
  }
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
  base = `${server.endpoint}/_aws/execute-api/${a.id}/dev`;
});
after(() => server.stop());

for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
  test(`execute-api HTTP_PROXY: ${method} to a function URL upstream passes status, headers and JSON body`, async () => {
    const hasBody = method !== "GET" && method !== "DELETE";
    const res = await fetch(`${base}/proxy/a/b?x=1`, { method, headers: { "x-want-status": "201", "content-type": "text/plain" }, body: hasBody ? "payload" : undefined });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("x-echo"), "yes");
    const e = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(e, { method, path: "/a/b", query: { x: "1" }, body: hasBody ? "payload" : null, who: null });
  });

  test(`execute-api HTTP: ${method} with parameter mappings and a request template reaches the upstream; an empty response template passes the body through`, async () => {
    const hasBody = method !== "GET" && method !== "DELETE";
    const res = await fetch(`${base}/mapped/42?q=search`, { method, headers: { "content-type": "application/json", "x-caller": "me" }, body: hasBody ? '{"n":1}' : undefined });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const e = (await res.json()) as { method: string; path: string; query: Record<string, string>; body: string; who: string };
    assert.equal(e.method, method);
    assert.equal(e.path, "/items/42");
    assert.deepEqual(e.query, { from: "search" });
    assert.equal(e.who, "me");
    assert.deepEqual(JSON.parse(e.body), { wrapped: hasBody ? { n: 1 } : {}, id: "42" });
  });
}

test("execute-api HTTP: the upstream status selects the integration response (4xx → 400 with its template, 5xx → 500 passthrough)", async () => {
  const bad = await fetch(`${base}/mapped/1`, { method: "POST", headers: { "content-type": "application/json", "x-want-status": "404" }, body: "{}" });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { error: "POST" });
  const err = await fetch(`${base}/mapped/1`, { method: "POST", headers: { "content-type": "application/json", "x-want-status": "503" }, body: "{}" });
  assert.equal(err.status, 500);
  assert.equal(((await err.json()) as { method: string }).method, "POST");
});

test("execute-api: responses carry x-amzn-RequestId, x-amz-apigw-id and X-Amzn-Trace-Id, and no keep-alive header from the upstream", async () => {
  const res = await fetch(`${base}/proxy/h`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("x-amzn-requestid") ?? "", /^[0-9a-f-]{36}$/);
  assert.ok(res.headers.get("x-amz-apigw-id"));
  assert.match(res.headers.get("x-amzn-trace-id") ?? "", /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}/);
  assert.equal(res.headers.get("keep-alive"), null);
});

test("execute-api: a path with // is routed as AWS does (empty segments dropped)", async () => {
  const res = await fetch(`${base}//mapped//7`, { headers: { "content-type": "application/json" } });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { path: string }).path, "/items/7");
});

test("execute-api: a chunked request that announces a Trailer gets the whole response", async () => {
  const url = new URL(`${base}/proxy/t`);
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "text/plain", "transfer-encoding": "chunked", trailer: "x-checksum" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.write("part1-");
    req.write("part2");
    req.addTrailers({ "x-checksum": "abc" });
    req.end();
  });
  assert.equal(status, 200);
  assert.equal((JSON.parse(body) as { body: string }).body, "part1-part2");
});
