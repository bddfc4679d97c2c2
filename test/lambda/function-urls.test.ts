/** Function URLs: configuration through the SDK, requests at {urlId}.lambda-url.{region}.localhost with the 2.0 event. */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteFunctionUrlConfigCommand, GetFunctionUrlConfigCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let lambda: LambdaClient;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

function call(url: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: u.port, path, method, headers: { host: u.host, ...headers } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function fn(source: string) {
  const name = uniqueName("url");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return name;
}

test("CreateFunctionUrlConfig: the URL serves the function with the payload format 2.0 event", async () => {
  const name = await fn(`exports.handler = async (e) => ({ statusCode: 202, headers: { "x-fn": "yes" }, body: JSON.stringify({ v: e.version, path: e.rawPath, q: e.queryStringParameters, method: e.requestContext.http.method, body: e.body, route: e.routeKey }) });`);
  const cfg = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }));
  assert.match(cfg.FunctionUrl!, /^http:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:\d+\/$/);
  assert.equal((await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name }))).AuthType, "NONE");
  const r = await call(cfg.FunctionUrl!, "POST", "/some/path?a=1", '{"x":1}', { "content-type": "application/json" });
  assert.equal(r.status, 202);
  assert.equal(r.headers["x-fn"], "yes");
  assert.deepEqual(JSON.parse(r.text), { v: "2.0", path: "/some/path", q: { a: "1" }, method: "POST", body: '{"x":1}', route: "$default" });
  const dup = (await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" })).catch((e: unknown) => e)) as Error;
  assert.equal(dup.name, "ResourceConflictException");
});

test("Function URL: a plain return value is a 200 JSON body; AWS_IAM refuses unsigned requests; deleted URLs are gone", async () => {
  const name = await fn(`exports.handler = async () => ({ hello: "world" });`);
  const open = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }));
  const r = await call(open.FunctionUrl!, "GET", "/");
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.text), { hello: "world" });
  await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: name }));
  assert.equal((await call(open.FunctionUrl!, "GET", "/")).status, 404);
  const iamFn = await fn(`exports.handler = async () => "ok";`);
  const iam = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: iamFn, AuthType: "AWS_IAM" }));
  const denied = await call(iam.FunctionUrl!, "GET", "/");
  assert.equal(denied.status, 403);
  const signed = await call(iam.FunctionUrl!, "GET", "/", undefined, { authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00" });
  assert.equal(signed.status, 200);
});
