/**
 * Issue 8 items 3–5 against a real server started with --enforce-sigv4: the admin routes, the Runtime API
 * from outside, function credentials, function URLs and REST methods with AWS_IAM, body swaps, presigned
 * code URLs.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, CreateFunctionUrlConfigCommand, GetFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { CloudWatchLogsClient, DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateRestApiCommand, GetResourcesCommand, PutIntegrationCommand, PutIntegrationResponseCommand,
  PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { signRequest } from "../../src/aws/sigv4.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let lambda: LambdaClient;
let now = Date.now();
const clock = { now: () => now };

before(async () => {
  server = await startServer({ "enforce-sigv4": true, credentials: "test:test" }, { clock });
  await createLambdaRoles(server);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

function call(url: string, method: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: u.port, path: u.pathname + u.search, method, headers: { host: u.host, ...headers } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const signed = (url: string, method = "POST", body?: Buffer, creds = { accessKeyId: "test", secret: "test" as string, sessionToken: undefined as string | undefined }, service = "execute-api") => {
  const h = signRequest({ method, url, body, ...creds, region: "us-east-1", service, now });
  const { host: _host, ...rest } = h;
  return rest;
};

async function fn(source: string, handler = "index.handler", file = "index.js") {
  const name = uniqueName("sec");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: handler, Code: { ZipFile: zipSync({ [file]: strToU8(source) }) }, Timeout: 10 }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return name;
}

async function invoke(name: string, payload: unknown = {}) {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8(JSON.stringify(payload)) }));
  return { ...r, json: JSON.parse(Buffer.from(r.Payload!).toString("utf8")) };
}

test("/_skyport/reset: unsigned, cross-origin and function-credential requests are refused under --enforce-sigv4", async () => {
  const url = `${server.endpoint}/_skyport/reset`;
  assert.equal((await call(url, "POST")).status, 403);
  assert.equal((await call(url, "POST", { ...signed(url, "POST", undefined, { accessKeyId: "test", secret: "wrong", sessionToken: undefined }) })).status, 403);
  assert.equal((await call(url, "POST", { ...signed(url), origin: "http://evil.example" })).status, 403);
  assert.equal((await call(url, "POST", { ...signed(url), "sec-fetch-site": "cross-site" })).status, 403);
  // A function's own credentials are valid for AWS APIs, never for the admin routes.
  const name = await fn(`exports.handler = async () => ({ k: process.env.AWS_ACCESS_KEY_ID, s: process.env.AWS_SECRET_ACCESS_KEY, t: process.env.AWS_SESSION_TOKEN });`);
  const c = (await invoke(name)).json as { k: string; s: string; t: string };
  assert.match(c.k, /^ASIA[A-Z2-7]{16}$/);
  assert.equal((await call(url, "POST", signed(url, "POST", undefined, { accessKeyId: c.k, secret: c.s, sessionToken: c.t }))).status, 403);
  // Their session token is required.
  assert.equal((await call(url, "POST", signed(url, "POST", undefined, { accessKeyId: c.k, secret: c.s, sessionToken: undefined }))).status, 403);
});

test("--no-admin-routes: /_skyport/reset does not exist, health still answers", async () => {
  const s = await startServer({ "no-admin-routes": true });
  await createLambdaRoles(s);
  try {
    assert.equal((await call(`${s.endpoint}/_skyport/reset`, "POST")).status, 404);
    assert.equal((await call(`${s.endpoint}/_skyport/health`, "GET")).status, 200);
  } finally {
    await s.stop();
  }
});

test("Runtime API: the environment id from the log stream name does not reach the Runtime API", async () => {
  const name = await fn(`exports.handler = async () => "ok";`);
  await invoke(name);
  const logs = new CloudWatchLogsClient(server.clientConfig);
  let stream: string | undefined;
  for (let i = 0; i < 100 && !stream; i++) {
    stream = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: `/aws/lambda/${name}` })).catch(() => undefined))?.logStreams?.[0]?.logStreamName;
    if (!stream) await new Promise((r) => setTimeout(r, 50));
  }
  const envId = stream!.split("]").pop()!;
  const r = await call(`${server.endpoint}/_aws/lambda-runtime/${envId}/2018-06-01/runtime/invocation/next`, "GET");
  assert.equal(r.status, 403);
  const post = await call(`${server.endpoint}/_aws/lambda-runtime/${envId}/2018-06-01/runtime/invocation/x/response`, "POST", {}, "{}");
  assert.equal(post.status, 403);
});

test("Invoke: a function calls Skyport with the temporary credentials it is given, under --enforce-sigv4", async () => {
  const ddb = new DynamoDBClient(server.clientConfig);
  const table = uniqueName("t");
  await ddb.send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
  const name = await fn(`import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
const db = new DynamoDBClient({});
export const handler = async (e) => { await db.send(new PutItemCommand({ TableName: e.table, Item: { id: { S: "from-fn" } } })); return "stored"; };`, "index.handler", "index.mjs");
  const r = await invoke(name, { table });
  assert.equal(r.FunctionError, undefined, JSON.stringify(r.json));
  const got = await ddb.send(new GetItemCommand({ TableName: table, Key: { id: { S: "from-fn" } } }));
  assert.equal(got.Item?.id?.S, "from-fn");
});

test("Function URL with AWS_IAM: a garbage or wrong signature is refused, a valid one served", async () => {
  const name = await fn(`exports.handler = async () => ({ statusCode: 200, body: "hi" });`);
  const cfg = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "AWS_IAM" }));
  const url = cfg.FunctionUrl!;
  assert.equal((await call(url, "GET")).status, 403);
  assert.equal((await call(url, "GET", { authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00" })).status, 403);
  assert.equal((await call(url, "GET", signed(url, "GET", undefined, { accessKeyId: "test", secret: "nope", sessionToken: undefined }, "lambda"))).status, 403);
  const ok = await call(url, "GET", signed(url, "GET", undefined, undefined, "lambda"));
  assert.equal(ok.status, 200);
  assert.equal(ok.text, "hi");
});

test("REST method with AWS_IAM: unsigned → 403 Missing Authentication Token, swapped body → 403, signed → served", async () => {
  const apigw = new APIGatewayClient(server.clientConfig);
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("iam") }));
  const root = (await apigw.send(new GetResourcesCommand({ restApiId: api.id! }))).items!.find((r) => r.path === "/")!.id!;
  await apigw.send(new PutMethodCommand({ restApiId: api.id!, resourceId: root, httpMethod: "POST", authorizationType: "AWS_IAM" }));
  await apigw.send(new PutIntegrationCommand({ restApiId: api.id!, resourceId: root, httpMethod: "POST", type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
  await apigw.send(new PutMethodResponseCommand({ restApiId: api.id!, resourceId: root, httpMethod: "POST", statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ restApiId: api.id!, resourceId: root, httpMethod: "POST", statusCode: "200", responseTemplates: { "application/json": '{"caller":"$context.identity.accessKey"}' } }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName: "prod" }));
  const url = `${server.endpoint}/_aws/execute-api/${api.id}/prod/`;
  const unsigned = await call(url, "POST", { "content-type": "application/json" }, "{}");
  assert.equal(unsigned.status, 403);
  assert.equal(JSON.parse(unsigned.text).message, "Missing Authentication Token");
  const body = Buffer.from('{"a":1}');
  const h = { ...signed(url, "POST", body), "content-type": "application/json" };
  const swapped = await call(url, "POST", h, '{"a":2}');
  assert.equal(swapped.status, 403);
  const ok = await call(url, "POST", h, body);
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(JSON.parse(ok.text), { caller: "test" });
});

test("GetFunction: Code.Location is presigned and expires; a tampered URL is refused", async () => {
  const name = await fn(`exports.handler = async () => 1;`);
  const loc = (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Code!.Location!;
  assert.match(loc, /X-Amz-Signature=/);
  const ok = await call(loc, "GET");
  assert.equal(ok.status, 200);
  assert.equal((await call(loc.replace(/X-Amz-Signature=[0-9a-f]{4}/, "X-Amz-Signature=0000"), "GET")).status, 403);
  assert.equal((await call(loc.replace(/\?.*$/, ""), "GET")).status, 403);
  now += 11 * 60 * 1000; // past the URL's 10 minutes (and within SigV4's 15-minute skew for the SDK)
  try {
    const expired = await call(loc, "GET");
    assert.equal(expired.status, 403);
    assert.match(expired.text, /expired/);
  } finally {
    now = Date.now();
  }
});
