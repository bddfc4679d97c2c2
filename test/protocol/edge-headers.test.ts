/**
 * The edge writes every response (issue 9 item 1): headers an integration or a function sets, in any casing,
 * go out once; Content-Length is always the body's; no Node `Keep-Alive: timeout=` header. Checked with raw
 * header lists and with Node's fetch (which refuses a response with two Content-Length values).
 */
import assert from "node:assert/strict";
import dns from "node:dns";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { strToU8, zipSync } from "fflate";
import { APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand, PutMethodCommand } from "@aws-sdk/client-api-gateway";
import { AddPermissionCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let apigw: APIGatewayClient;
let lambda: LambdaClient;
const realLookup = dns.lookup;

before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  // Function URLs live at {id}.lambda-url.{region}.localhost, which this machine's resolver may not know:
  // resolve *.localhost to loopback as browsers do, so Node's own fetch can reach them.
  (dns as { lookup: unknown }).lookup = (host: string, opts: unknown, cb?: unknown) => {
    const callback = (typeof opts === "function" ? opts : cb) as (...a: unknown[]) => void;
    if (!host.endsWith(".localhost")) return (realLookup as (...a: unknown[]) => void)(host, opts, cb);
    const all = typeof opts === "object" && opts !== null && (opts as { all?: boolean }).all;
    process.nextTick(() => (all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4)));
  };
});
after(async () => {
  (dns as { lookup: unknown }).lookup = realLookup;
  await server.stop();
});

/** A proxy answer that repeats headers in several casings, as serverless-http/Express apps do. */
const HANDLER = `exports.handler = async () => ({
  statusCode: 200,
  headers: { "content-length": "2", "Content-Type": "text/plain", "x-custom": "one", "X-Custom": "two", "Connection": "close", "keep-alive": "timeout=99", "Trailer": "X-Checksum" },
  multiValueHeaders: { "set-cookie": ["a=1"] },
  cookies: ["b=2"],
  body: "ok",
});`;

async function fn(): Promise<{ name: string; arn: string }> {
  const name = uniqueName("hdr");
  const out = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(HANDLER) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return { name, arn: out.FunctionArn! };
}

/** The raw header list of a response: [name, value, name, value, ...] as it came off the wire. */
function rawHeaders(url: string): Promise<{ raw: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { lookup: ((_h: string, _o: unknown, cb: (...a: unknown[]) => void) => cb(null, [{ address: "127.0.0.1", family: 4 }])) as never }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ raw: res.rawHeaders, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function assertHeadersOnce(raw: string[]): void {
  const names = raw.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  for (const [n, c] of counts) if (n !== "set-cookie") assert.equal(c, 1, `${n} appears ${c} times: ${raw.join(" | ")}`);
  assert.equal(raw[raw.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === "content-length") + 1], "2");
  assert.ok(!names.includes("keep-alive"), `keep-alive header leaked: ${raw.join(" | ")}`);
}

test("REST API AWS_PROXY: headers the function repeats in other casings go out once; Node fetch accepts the answer", async () => {
  const { arn } = await fn();
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("hdr") }));
  const res = await apigw.send(new CreateResourceCommand({ restApiId: api.id, parentId: api.rootResourceId, pathPart: "h" }));
  await apigw.send(new PutMethodCommand({ restApiId: api.id, resourceId: res.id, httpMethod: "GET", authorizationType: "NONE" }));
  await apigw.send(new PutIntegrationCommand({ restApiId: api.id, resourceId: res.id, httpMethod: "GET", type: "AWS_PROXY", integrationHttpMethod: "POST", uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations` }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: "dev" }));
  const url = `${server.endpoint}/_aws/execute-api/${api.id}/dev/h`;
  const r = await fetch(url);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), "ok");
  assert.equal(r.headers.get("content-type"), "text/plain");
  const { raw, body } = await rawHeaders(url);
  assert.equal(body, "ok");
  assertHeadersOnce(raw);
});

test("function URL: headers the function repeats in other casings go out once; Node fetch accepts the answer", async () => {
  const { name } = await fn();
  await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: "url", Action: "lambda:InvokeFunctionUrl", Principal: "*", FunctionUrlAuthType: "NONE" })).catch(() => undefined);
  const cfg = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }));
  const r = await fetch(cfg.FunctionUrl!);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), "ok");
  const { raw, body } = await rawHeaders(cfg.FunctionUrl!);
  assert.equal(body, "ok");
  assertHeadersOnce(raw);
});

test("health: one Content-Length and no Node Keep-Alive header", async () => {
  const { raw } = await rawHeaders(`${server.endpoint}/_skyport/health`);
  const names = raw.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  assert.equal(names.filter((n) => n === "content-length").length, 1);
  assert.ok(!names.includes("keep-alive"));
});
