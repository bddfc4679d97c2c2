/**
 * Issue 9 item 20 (and item 1 on the REST path): the Lambda proxy event as AWS builds it — header names
 * in the client's casing, repeated headers as separate multiValueHeaders entries, X-Forwarded-For/-Proto/
 * -Port added, requestContext.identity.sourceIp from the peer — and an Express-style answer that sets
 * `content-length` itself reaches Node's fetch/http with exactly one Content-Length.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { APIGatewayClient, CreateDeploymentCommand, CreateRestApiCommand, PutIntegrationCommand, PutMethodCommand } from "@aws-sdk/client-api-gateway";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let apigw: APIGatewayClient;
let lambda: LambdaClient;

before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

/** An API whose GET / is an AWS_PROXY integration to a function with `source`; returns its URL. */
async function proxyApi(source: string): Promise<string> {
  const name = uniqueName("fn");
  const f = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("proxy") }));
  const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE" }));
  await apigw.send(new PutIntegrationCommand({ ...common, type: "AWS_PROXY", integrationHttpMethod: "POST", uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${f.FunctionArn}/invocations` }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
  return `${server.endpoint}/_aws/execute-api/${a.id}/dev/`;
}

/** A raw HTTP GET (node:http keeps header casing and repeats exactly as given). */
function rawGet(url: string, headers: Array<[string, string]>): Promise<{ status: number; rawHeaders: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    // With an array of headers node:http adds no Host of its own.
    const all: Array<[string, string]> = [["Host", new URL(url).host], ...headers];
    const req = request(url, { method: "GET", headers: all.flat() as unknown as Record<string, string> }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("execute-api AWS_PROXY: the event has the client's header casing, repeats, X-Forwarded-* and the peer's sourceIp", async () => {
  const url = await proxyApi(`exports.handler = async (e) => ({ statusCode: 200, body: JSON.stringify({ headers: e.headers, multiValueHeaders: e.multiValueHeaders, sourceIp: e.requestContext.identity.sourceIp }) });`);
  const r = await rawGet(url, [["User-Agent", "probe/1"], ["X-Repeat", "one"], ["X-Repeat", "two"], ["x-lower", "l"], ["X-Forwarded-For", "203.0.113.9"]]);
  assert.equal(r.status, 200);
  const e = JSON.parse(r.body) as { headers: Record<string, string>; multiValueHeaders: Record<string, string[]>; sourceIp: string };
  assert.equal(e.headers["User-Agent"], "probe/1");
  assert.ok(e.headers.Host, "Host keeps its casing");
  assert.equal(e.headers["x-lower"], "l");
  assert.equal(e.headers["X-Repeat"], "two");
  assert.deepEqual(e.multiValueHeaders["X-Repeat"], ["one", "two"]);
  assert.equal(e.sourceIp, "127.0.0.1");
  assert.equal(e.headers["X-Forwarded-For"], "203.0.113.9, 127.0.0.1");
  assert.equal(e.headers["X-Forwarded-Proto"], "http");
  assert.equal(e.headers["X-Forwarded-Port"], new URL(server.endpoint).port);
  assert.equal(e.headers["user-agent"], undefined, "no lower-cased duplicate");
});

test("execute-api AWS_PROXY: an Express-style answer with its own content-length gives one Content-Length; fetch reads it", async () => {
  const url = await proxyApi(`exports.handler = async () => ({ statusCode: 200, headers: { "content-length": "2", "Content-Type": "application/json", "x-powered-by": "Express" }, multiValueHeaders: { "Content-Length": ["2"], "set-cookie": ["a=1", "b=2"] }, body: "{}" });`);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "{}");
  assert.equal(res.headers.get("x-powered-by"), "Express");
  const raw = await rawGet(url, []);
  const names = raw.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());
  assert.equal(names.filter((h) => h === "content-length").length, 1);
  assert.equal(names.filter((h) => h === "content-type").length, 1);
  assert.equal(names.filter((h) => h === "set-cookie").length, 2);
});
