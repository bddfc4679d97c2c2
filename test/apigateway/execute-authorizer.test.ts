/**
 * Issue 16 item 1–2: Lambda (CUSTOM) authorizers on REST API methods, run for real. TOKEN and REQUEST
 * authorizers: allow, explicit and implicit deny (403 {"Message": …}), "Unauthorized" and missing identity
 * (401), broken answers (500 {"message":null} AuthorizerConfigurationException), context in
 * $context.authorizer.* and in the Lambda proxy event, the result cache (invocations counted by the function
 * itself), FlushStageAuthorizersCache and usageIdentifierKey with apiKeySource AUTHORIZER.
 * Expected bodies: "Output from an API Gateway Lambda authorizer", the 401/403 troubleshooting pages and
 * "Gateway response types".
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { strToU8, zipSync } from "fflate";
import {
  APIGatewayClient, CreateApiKeyCommand, CreateAuthorizerCommand, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand, FlushStageAuthorizersCacheCommand, GetResourcesCommand, PutIntegrationCommand, TestInvokeMethodCommand, PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

// The function counts its own invocations and reports the count in the context: a cached answer repeats it.
const AUTHORIZER = `let calls = 0;
exports.handler = async (event) => {
  calls++;
  const h = event.headers || {};
  const token = event.type === "TOKEN" ? event.authorizationToken : (h["X-Token"] || h["x-token"]);
  if (token === "unauthorized") throw new Error("Unauthorized");
  if (token === "boom") throw new Error("boom");
  if (token === "garbage") return { nope: true };
  const base = event.methodArn.split("/").slice(0, 2).join("/");
  const Resource = token === "only-a" ? base + "/GET/a" : base + "/*";
  const Effect = token === "deny" ? "Deny" : "Allow";
  const context = token === "nested" ? { o: { a: 1 } } : { calls, type: event.type, num: 7, flag: true, methodArn: event.methodArn,
    resource: event.resource || "", path: event.path || "", q: (event.queryStringParameters || {}).q || "", sv: (event.stageVariables || {}).sv || "" };
  const out = { principalId: "user-" + token, policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect, Resource }] }, context };
  if (String(token).startsWith("key:")) out.usageIdentifierKey = String(token).slice(4);
  return out;
};`;

const ECHO = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });`;

const TEMPLATE = JSON.stringify({
  principal: "$context.authorizer.principalId", calls: "$context.authorizer.calls", type: "$context.authorizer.type", num: "$context.authorizer.num",
  flag: "$context.authorizer.flag", methodArn: "$context.authorizer.methodArn", resource: "$context.authorizer.resource", path: "$context.authorizer.path",
  q: "$context.authorizer.q", sv: "$context.authorizer.sv",
});

let server: TestServer;
let apigw: APIGatewayClient;
let lambda: LambdaClient;
let authorizerArn: string;
let echoArn: string;

async function fn(code: string): Promise<string> {
  const name = uniqueName("fn");
  const f = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(code) }) }, Timeout: 10 }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return f.FunctionArn!;
}

before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  authorizerArn = await fn(AUTHORIZER);
  echoArn = await fn(ECHO);
});
after(async () => {
  apigw.destroy();
  lambda.destroy();
  await server.stop();
});

const uriOf = (arn: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations`;

/** An API with GET /a and GET /b (MOCK, template showing $context.authorizer) and GET /echo (Lambda proxy), all behind one authorizer. */
async function api(authorizer: { type: "TOKEN" | "REQUEST"; identitySource?: string; identityValidationExpression?: string; ttl?: number }, apiKeySource?: "AUTHORIZER", apiKeyRequired = false) {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("authz"), apiKeySource }));
  const restApiId = a.id!;
  const az = await apigw.send(new CreateAuthorizerCommand({
    restApiId, name: "az", type: authorizer.type, authorizerUri: uriOf(authorizerArn), identitySource: authorizer.identitySource ?? "method.request.header.Authorization",
    identityValidationExpression: authorizer.identityValidationExpression, authorizerResultTtlInSeconds: authorizer.ttl ?? 300,
  }));
  for (const part of ["a", "b", "echo"]) {
    const r = await apigw.send(new CreateResourceCommand({ restApiId, parentId: a.rootResourceId!, pathPart: part }));
    const common = { restApiId, resourceId: r.id!, httpMethod: "GET" };
    await apigw.send(new PutMethodCommand({ ...common, authorizationType: "CUSTOM", authorizerId: az.id!, apiKeyRequired }));
    if (part === "echo") {
      await apigw.send(new PutIntegrationCommand({ ...common, type: "AWS_PROXY", integrationHttpMethod: "POST", uri: uriOf(echoArn) }));
      continue;
    }
    await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
    await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": TEMPLATE } }));
  }
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "dev", variables: { sv: "stage-value" } }));
  const base = `${server.endpoint}/_aws/execute-api/${restApiId}/dev`;
  return { restApiId, authorizerId: az.id!, get: (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers }) };
}

async function body(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe("TOKEN authorizer", () => {
  test("execute-api: Allow passes with principalId and context in $context.authorizer; explicit Deny and an uncovered method are 403", async () => {
    const { get } = await api({ type: "TOKEN" });
    const ok = await get("/a", { Authorization: "alice" });
    assert.equal(ok.status, 200);
    const b = await body(ok);
    assert.equal(b.principal, "user-alice");
    assert.equal(b.type, "TOKEN");
    assert.equal(b.num, "7");
    assert.equal(b.flag, "true");
    assert.match(String(b.methodArn), /^arn:aws:execute-api:us-east-1:000000000000:[a-z0-9]{10}\/dev\/GET\/a$/);

    const denied = await get("/a", { Authorization: "deny" });
    assert.equal(denied.status, 403);
    assert.deepEqual(await denied.json(), { Message: "User is not authorized to access this resource with an explicit deny" });
    assert.equal(denied.headers.get("x-amzn-errortype"), "AccessDeniedException");

    const onlyA = await get("/b", { Authorization: "only-a" });
    assert.equal(onlyA.status, 403);
    assert.deepEqual(await onlyA.json(), { Message: "User is not authorized to access this resource" });
  });

  test("execute-api: a missing token, a token failing identityValidationExpression and a thrown \"Unauthorized\" are 401 Unauthorized", async () => {
    const { get } = await api({ type: "TOKEN", identityValidationExpression: "^[a-z-]+$", ttl: 0 });
    const missing = await get("/a");
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { message: "Unauthorized" });
    assert.equal(missing.headers.get("x-amzn-errortype"), "UnauthorizedException");
    assert.equal((await get("/a", { Authorization: "Not Valid 1" })).status, 401);
    assert.equal((await get("/a", { Authorization: "unauthorized" })).status, 401);
    // The mismatching token never reached the function: the count only grew by the calls that passed validation.
    const before = Number((await body(await get("/a", { Authorization: "counter" }))).calls);
    assert.equal((await get("/a", { Authorization: "Bad Token" })).status, 401);
    assert.equal(Number((await body(await get("/a", { Authorization: "counter" }))).calls), before + 1);
  });

  test("execute-api: a failing function, an answer without a policy or a nested context value are 500 {\"message\":null} AuthorizerConfigurationException", async () => {
    const { get } = await api({ type: "TOKEN", ttl: 0 });
    for (const token of ["boom", "garbage", "nested"]) {
      const res = await get("/a", { Authorization: token });
      assert.equal(res.status, 500, token);
      assert.deepEqual(await res.json(), { message: null });
      assert.equal(res.headers.get("x-amzn-errortype"), "AuthorizerConfigurationException");
    }
  });

  test("execute-api: answers are cached per token for the TTL; a cached policy answers other methods only when it covers them; FlushStageAuthorizersCache drops them", async () => {
    const { get, restApiId } = await api({ type: "TOKEN" });
    const first = Number((await body(await get("/a", { Authorization: "carol" }))).calls);
    assert.equal(Number((await body(await get("/a", { Authorization: "carol" }))).calls), first, "the same token is answered from the cache");
    assert.equal(Number((await body(await get("/b", { Authorization: "carol" }))).calls), first, "another method covered by the cached policy");
    assert.equal(Number((await body(await get("/a", { Authorization: "dave" }))).calls), first + 1, "another token invokes");

    assert.equal((await get("/a", { Authorization: "only-a" })).status, 200);
    const covered = await get("/b", { Authorization: "only-a" });
    assert.equal(covered.status, 403, "the cached policy is evaluated again for /b and does not cover it");
    const again = Number((await body(await get("/a", { Authorization: "only-a" }))).calls);
    assert.equal(again, first + 2, "only-a was invoked once");

    await apigw.send(new FlushStageAuthorizersCacheCommand({ restApiId, stageName: "dev" }));
    assert.equal(Number((await body(await get("/a", { Authorization: "carol" }))).calls), first + 3, "after the flush the function runs again");
    await assert.rejects(apigw.send(new FlushStageAuthorizersCacheCommand({ restApiId, stageName: "nope" })), { name: "NotFoundException" });
  });

  test("execute-api: authorizerResultTtlInSeconds 0 invokes on every request", async () => {
    const { get } = await api({ type: "TOKEN", ttl: 0 });
    const n = Number((await body(await get("/a", { Authorization: "erin" }))).calls);
    assert.equal(Number((await body(await get("/a", { Authorization: "erin" }))).calls), n + 1);
  });

  test("execute-api: the Lambda proxy event carries requestContext.authorizer (principalId, context as strings, integrationLatency)", async () => {
    const { get } = await api({ type: "TOKEN", ttl: 0 });
    const res = await get("/echo", { Authorization: "frank" });
    assert.equal(res.status, 200);
    const a = await body(res);
    assert.equal(a.principalId, "user-frank");
    assert.equal(a.type, "TOKEN");
    assert.equal(a.num, "7");
    assert.equal(typeof a.integrationLatency, "number");
  });
});

describe("REQUEST authorizer", () => {
  test("execute-api: the event has the request's headers, query, path, resource and stage variables; a missing identity source is 401 without invoking", async () => {
    const { get } = await api({ type: "REQUEST", identitySource: "method.request.header.X-Token, method.request.querystring.q", ttl: 0 });
    const res = await get("/a?q=find", { "X-Token": "gina" });
    assert.equal(res.status, 200);
    const b = await body(res);
    assert.equal(b.principal, "user-gina");
    assert.equal(b.type, "REQUEST");
    assert.equal(b.q, "find");
    assert.equal(b.sv, "stage-value");
    assert.equal(b.resource, "/a");
    assert.equal(b.path, "/a");
    const calls = Number(b.calls);
    const noQuery = await get("/a", { "X-Token": "gina" });
    assert.equal(noQuery.status, 401);
    assert.deepEqual(await noQuery.json(), { message: "Unauthorized" });
    assert.equal((await get("/a?q=x")).status, 401);
    assert.equal(Number((await body(await get("/a?q=find", { "X-Token": "gina" }))).calls), calls + 1, "the 401s did not invoke the function");
  });

  test("execute-api: the cache key is every identity-source value", async () => {
    const { get } = await api({ type: "REQUEST", identitySource: "method.request.header.X-Token,method.request.querystring.q" });
    const n = Number((await body(await get("/a?q=1", { "X-Token": "hal" }))).calls);
    assert.equal(Number((await body(await get("/a?q=1", { "X-Token": "hal" }))).calls), n);
    assert.equal(Number((await body(await get("/a?q=2", { "X-Token": "hal" }))).calls), n + 1);
  });
});

describe("usageIdentifierKey", () => {
  test("execute-api: with apiKeySource AUTHORIZER the authorizer's usageIdentifierKey is the API key", async () => {
    const { get, restApiId } = await api({ type: "TOKEN", ttl: 0 }, "AUTHORIZER", true);
    const value = `uik-${uniqueName("v")}-0123456789`;
    const key = await apigw.send(new CreateApiKeyCommand({ name: uniqueName("key"), value, enabled: true }));
    const plan = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("plan"), apiStages: [{ apiId: restApiId, stage: "dev" }] }));
    await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: "API_KEY" }));
    assert.equal((await get("/a", { Authorization: `key:${value}` })).status, 200);
    assert.equal((await get("/a", { Authorization: "key:not-a-key-of-anyone" })).status, 403);
    assert.equal((await get("/a", { Authorization: "no-key", "x-api-key": value })).status, 403, "x-api-key is ignored with apiKeySource AUTHORIZER");
  });
});

describe("aws CLI", () => {
  test("FlushStageAuthorizersCache: the CLI's flush-stage-authorizers-cache empties the stage's cache; test-invoke-authorizer reports the principal", async () => {
    const run = promisify(execFile);
    const cli = (...args: string[]) => run("aws", ["apigateway", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
    const { get, restApiId, authorizerId } = await api({ type: "TOKEN" });
    const n = Number((await body(await get("/a", { Authorization: "ivan" }))).calls);
    assert.equal(Number((await body(await get("/a", { Authorization: "ivan" }))).calls), n);
    await cli("flush-stage-authorizers-cache", "--rest-api-id", restApiId, "--stage-name", "dev");
    assert.equal(Number((await body(await get("/a", { Authorization: "ivan" }))).calls), n + 1);
    const t = JSON.parse((await cli("test-invoke-authorizer", "--rest-api-id", restApiId, "--authorizer-id", authorizerId, "--headers", "Authorization=judy")).stdout) as Record<string, unknown>;
    assert.equal(t.clientStatus, 200);
    assert.equal(t.principalId, "user-judy");
  });
});

describe("TestInvokeMethod", () => {
  test("TestInvokeMethod: a method behind a Lambda authorizer is tested without running it, as the console's test does", async () => {
    const { restApiId } = await api({ type: "TOKEN" });
    const resources = await apigw.send(new GetResourcesCommand({ restApiId }));
    const a = resources.items!.find((r) => r.path === "/a")!;
    const out = await apigw.send(new TestInvokeMethodCommand({ restApiId, resourceId: a.id!, httpMethod: "GET" }));
    assert.equal(out.status, 200);
  });
});
