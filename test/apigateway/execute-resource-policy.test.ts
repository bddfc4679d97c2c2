/**
 * Issue 16 items 3–4: REST API resource policies on each request, combined with the method's authorization
 * as "How API Gateway resource policies affect authorization workflow" documents, and AWS_IAM methods'
 * SigV4 answers. Messages: the 403 troubleshooting pages ("User: anonymous is not authorized to perform:
 * execute-api:Invoke on resource: … [with an explicit deny]", account id masked), "Signature expired: … (… - 5 min.)".
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { strToU8, zipSync } from "fflate";
import {
  APIGatewayClient, CreateAuthorizerCommand, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand,
  PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { signRequest } from "../../src/aws/sigv4.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

const policy = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const invoke = (Effect: "Allow" | "Deny", extra: object = {}) => ({ Effect, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*", ...extra });

function call(url: string, method: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: u.port, path: u.pathname + u.search, method, headers: { host: u.host, ...headers } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text || "{}") as Record<string, unknown> }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** An API with GET /open (authorizationType as given, MOCK answering $context.identity) under a resource policy. */
async function api(apigw: APIGatewayClient, server: TestServer, resourcePolicy: string | undefined, authorizationType = "NONE", authorizerId?: string) {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("rp"), policy: resourcePolicy }));
  const r = await apigw.send(new CreateResourceCommand({ restApiId: a.id!, parentId: a.rootResourceId!, pathPart: "open" }));
  const common = { restApiId: a.id!, resourceId: r.id!, httpMethod: "GET" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType, authorizerId }));
  await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
  await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": '{"accountId":"$context.identity.accountId","userArn":"$context.identity.userArn","accessKey":"$context.identity.accessKey"}' } }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
  return { id: a.id!, url: `${server.endpoint}/_aws/execute-api/${a.id}/dev/open` };
}

describe("resource policy, anonymous callers", () => {
  let server: TestServer;
  let apigw: APIGatewayClient;
  let lambda: LambdaClient;
  before(async () => {
    server = await startServer();
    await createLambdaRoles(server);
    apigw = new APIGatewayClient(server.clientConfig);
    lambda = new LambdaClient(server.clientConfig);
  });
  after(async () => {
    apigw.destroy();
    lambda.destroy();
    await server.stop();
  });

  test("execute-api: aws:SourceIp IpAddress allows the caller's address; another range is an implicit deny (403, account id masked)", async () => {
    const ok = await api(apigw, server, policy(invoke("Allow", { Condition: { IpAddress: { "aws:SourceIp": ["127.0.0.0/8", "::1/128"] } } })));
    assert.equal((await call(ok.url, "GET")).status, 200);
    const other = await api(apigw, server, policy(invoke("Allow", { Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })));
    const r = await call(other.url, "GET");
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, { Message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:${other.id}/dev/GET/open` });
    assert.equal(r.headers["x-amzn-errortype"], "AccessDeniedException");
  });

  test("execute-api: a Deny with NotIpAddress refuses other addresses with an explicit deny, even when an Allow matches", async () => {
    const a = await api(apigw, server, policy(invoke("Allow"), invoke("Deny", { Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })));
    const r = await call(a.url, "GET");
    assert.equal(r.status, 403);
    assert.equal(r.json.Message, `User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:${a.id}/dev/GET/open with an explicit deny`);
  });

  test("execute-api: aws:SourceVpce is never present locally (StringNotEquals denies, StringEquals never allows); a policy for another method does not allow this one", async () => {
    const vpce = await api(apigw, server, policy(invoke("Allow"), invoke("Deny", { Condition: { StringNotEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } } })));
    assert.equal((await call(vpce.url, "GET")).status, 403);
    const onlyVpc = await api(apigw, server, policy(invoke("Allow", { Condition: { StringEquals: { "aws:SourceVpc": "vpc-1" } } })));
    assert.equal((await call(onlyVpc.url, "GET")).status, 403);
    const post = await api(apigw, server, policy(invoke("Allow", { Resource: "execute-api:/*/POST/*" })));
    assert.equal((await call(post.url, "GET")).status, 403);
    const full = await api(apigw, server, undefined);
    assert.equal((await call(full.url, "GET")).status, 200, "no policy: nothing to enforce");
  });

  test("execute-api: with a Lambda authorizer an explicit deny refuses before the authorizer runs; an Allow-less policy lets the authorizer decide", async () => {
    const name = uniqueName("rpauth");
    const f = await lambda.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Timeout: 10,
      Code: { ZipFile: zipSync({ "index.js": strToU8(`exports.handler = async (e) => ({ principalId: "p", policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: e.methodArn }] } });`) }) },
    }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
    const build = async (p: string) => {
      const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("rpa"), policy: p }));
      const az = await apigw.send(new CreateAuthorizerCommand({ restApiId: a.id!, name: "t", type: "TOKEN", identitySource: "method.request.header.Authorization", authorizerResultTtlInSeconds: 0, authorizerUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${f.FunctionArn}/invocations` }));
      const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET" };
      await apigw.send(new PutMethodCommand({ ...common, authorizationType: "CUSTOM", authorizerId: az.id! }));
      await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
      await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
      await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": '{"p":"$context.authorizer.principalId"}' } }));
      await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
      return `${server.endpoint}/_aws/execute-api/${a.id}/dev/`;
    };
    const neutral = await build(policy(invoke("Allow", { Resource: "execute-api:/*/POST/*" })));
    const ok = await call(neutral, "GET", { Authorization: "t" });
    assert.equal(ok.status, 200, "Table A: authorizer Allow + resource policy neither = Allow");
    assert.equal(ok.json.p, "p");
    const denying = await build(policy(invoke("Deny")));
    const r = await call(denying, "GET", { Authorization: "t" });
    assert.equal(r.status, 403);
    assert.match(String(r.json.Message), /^User: anonymous is not authorized to perform: execute-api:Invoke on resource: .* with an explicit deny$/);
    // Without a token the explicit deny still answers first (403, not the authorizer's 401).
    assert.equal((await call(denying, "GET")).status, 403);
  });
});

describe("AWS_IAM methods", () => {
  let server: TestServer;
  let apigw: APIGatewayClient;
  let iam: IAMClient;
  let now = Date.now();
  const clock = { now: () => now };
  before(async () => {
    server = await startServer({ "enforce-sigv4": true, credentials: "test:test" }, { clock });
    apigw = new APIGatewayClient(server.clientConfig);
    iam = new IAMClient(server.clientConfig);
  });
  after(async () => {
    apigw.destroy();
    iam.destroy();
    await server.stop();
  });

  const sign = (url: string, creds = { accessKeyId: "test", secret: "test" }, at = now) => {
    const { host: _host, ...rest } = signRequest({ method: "GET", url, ...creds, region: "us-east-1", service: "execute-api", now: at });
    return rest;
  };

  test("execute-api: a signed call fills $context.identity; a signature over 5 minutes old is \"Signature expired … - 5 min.\"; a wrong secret is the signature mismatch", async () => {
    now = Date.now();
    const a = await api(apigw, server, undefined, "AWS_IAM");
    const ok = await call(a.url, "GET", sign(a.url));
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { accountId: "000000000000", userArn: "arn:aws:iam::000000000000:root", accessKey: "test" });
    const old = await call(a.url, "GET", sign(a.url, undefined, now - 6 * 60 * 1000));
    assert.equal(old.status, 403);
    assert.match(String(old.json.message), /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    assert.equal(old.headers["x-amzn-errortype"], "InvalidSignatureException");
    const wrong = await call(a.url, "GET", sign(a.url, { accessKeyId: "test", secret: "nope" }));
    assert.equal(wrong.status, 403);
    assert.match(String(wrong.json.message), /^The request signature we calculated does not match the signature you provided/);
    const unsigned = await call(a.url, "GET");
    assert.deepEqual(unsigned.json, { message: "Missing Authentication Token" });
  });

  test("execute-api: with a resource policy, an IAM user the policy names is allowed, one it does not name is refused with its ARN, an explicit deny refuses even the account's own keys", async () => {
    now = Date.now();
    const user = uniqueName("u");
    const arn = (await iam.send(new CreateUserCommand({ UserName: user }))).User!.Arn!;
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
    const creds = { accessKeyId: key.AccessKeyId!, secret: key.SecretAccessKey! };
    const named = await api(apigw, server, policy({ Effect: "Allow", Principal: { AWS: arn }, Action: "execute-api:Invoke", Resource: "execute-api:/*" }), "AWS_IAM");
    const n = await call(named.url, "GET", sign(named.url, creds));
    assert.equal(n.status, 200, JSON.stringify(n.json));
    const other = await api(apigw, server, policy({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:user/someone-else" }, Action: "execute-api:Invoke", Resource: "execute-api:/*" }), "AWS_IAM");
    const r = await call(other.url, "GET", sign(other.url, creds));
    assert.equal(r.status, 403);
    assert.equal(r.json.Message, `User: ${arn} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:${other.id}/dev/GET/open`);
    assert.equal((await call(other.url, "GET", sign(other.url))).status, 200, "the account's own keys need no resource-policy allow");
    const deny = await api(apigw, server, policy({ Effect: "Deny", Principal: { AWS: "*" }, Action: "execute-api:Invoke", Resource: "execute-api:/*" }), "AWS_IAM");
    const d = await call(deny.url, "GET", sign(deny.url));
    assert.equal(d.status, 403);
    assert.match(String(d.json.Message), /with an explicit deny$/);
  });
});
