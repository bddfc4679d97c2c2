/** HTTP API authorization: JWT authorizers with a local issuer and with Skyport's Cognito, Lambda REQUEST authorizers with caching, AWS_IAM routes. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { ApiGatewayV2Client, CreateApiCommand, CreateAuthorizerCommand, CreateRouteCommand, GetIntegrationsCommand, ResetAuthorizersCacheCommand } from "@aws-sdk/client-apigatewayv2";
import { AdminCreateUserCommand, AdminInitiateAuthCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { call, createFunction, ECHO } from "./helpers.js";

let server: TestServer;
let v2: ApiGatewayV2Client;
let lambda: LambdaClient;
let echo: string;
let issuerServer: Server;
let issuer: string;
let privateKey: CryptoKey;
before(async () => {
  server = await startServer();
  v2 = new ApiGatewayV2Client(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  echo = await createFunction(lambda, ECHO);
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  issuerServer = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    if (req.url === "/.well-known/openid-configuration") res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    else res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => issuerServer.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
});
after(async () => {
  v2.destroy();
  lambda.destroy();
  await new Promise((r) => issuerServer.close(r));
  await server.stop();
});

const port = () => server.skyport.port;
const token = (claims: Record<string, unknown>, expiresIn = "1h") =>
  new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(issuer).setIssuedAt().setExpirationTime(expiresIn).sign(privateKey);

async function apiWithRoute(authorization: { AuthorizationType: "JWT" | "CUSTOM" | "AWS_IAM"; AuthorizerId?: string; AuthorizationScopes?: string[] }, apiId?: string) {
  const id = apiId ?? (await v2.send(new CreateApiCommand({ Name: uniqueName("auth"), ProtocolType: "HTTP", Target: echo }))).ApiId!;
  const integrationId = (await v2.send(new GetIntegrationsCommand({ ApiId: id }))).Items![0]!.IntegrationId;
  return { id, integrationId, route: (key: string) => v2.send(new CreateRouteCommand({ ApiId: id, RouteKey: key, Target: `integrations/${integrationId}`, ...authorization })) };
}

describe("HTTP API authorizers", () => {
  test("JWT authorizer: valid token passes with claims and scopes; expired, wrong audience, bad signature → 401; missing scope → 403", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("jwt"), ProtocolType: "HTTP", Target: echo }));
    const auth = await v2.send(new CreateAuthorizerCommand({ ApiId: api.ApiId, Name: "jwt", AuthorizerType: "JWT", IdentitySource: ["$request.header.Authorization"], JwtConfiguration: { Issuer: issuer, Audience: ["my-api"] } }));
    const { route } = await apiWithRoute({ AuthorizationType: "JWT", AuthorizerId: auth.AuthorizerId, AuthorizationScopes: ["read"] }, api.ApiId);
    await route("GET /secure");
    const good = await token({ sub: "u1", aud: "my-api", scope: "read write", groups: ["a", "b"] });
    const ok = await call(port(), api.ApiId!, "GET", "/secure", { Authorization: `Bearer ${good}` });
    assert.equal(ok.status, 200);
    const jwt = (JSON.parse(ok.body) as { requestContext: { authorizer: { jwt: { claims: Record<string, string>; scopes: string[] } } } }).requestContext.authorizer.jwt;
    assert.equal(jwt.claims.sub, "u1");
    assert.equal(jwt.claims.iss, issuer);
    assert.equal(jwt.claims.groups, "[a b]");
    assert.equal(typeof jwt.claims.exp, "string");
    assert.deepEqual(jwt.scopes, ["read", "write"]);
    // without "Bearer " too
    assert.equal((await call(port(), api.ApiId!, "GET", "/secure", { Authorization: good })).status, 200);
    const denied = async (headers: Record<string, string>, status: number, msg: string) => {
      const r = await call(port(), api.ApiId!, "GET", "/secure", headers);
      assert.equal(r.status, status);
      assert.deepEqual(JSON.parse(r.body), { message: msg });
      return r;
    };
    await denied({}, 401, "Unauthorized");
    const expired = await denied({ Authorization: `Bearer ${await token({ sub: "u1", aud: "my-api", scope: "read" }, "-1m")}` }, 401, "Unauthorized");
    assert.match(String(expired.headers["www-authenticate"]), /invalid_token/);
    await denied({ Authorization: `Bearer ${await token({ sub: "u1", aud: "other", scope: "read" })}` }, 401, "Unauthorized");
    await denied({ Authorization: `Bearer ${good.slice(0, -4)}AAAA` }, 401, "Unauthorized");
    await denied({ Authorization: `Bearer ${await token({ sub: "u1", aud: "my-api", scope: "write" })}` }, 403, "Forbidden");
    // client_id stands in for aud (Cognito access tokens)
    assert.equal((await call(port(), api.ApiId!, "GET", "/secure", { Authorization: await token({ sub: "u1", client_id: "my-api", scope: "read" }) })).status, 200);
  });

  test("JWT authorizer: tokens of Skyport's own Cognito user pool", async () => {
    const cognito = new CognitoIdentityProviderClient(server.clientConfig);
    try {
      const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: uniqueName("pool") }));
      const client = await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.UserPool!.Id, ClientName: "c", ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }));
      await cognito.send(new AdminCreateUserCommand({ UserPoolId: pool.UserPool!.Id, Username: "alice", MessageAction: "SUPPRESS" }));
      await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.UserPool!.Id, Username: "alice", Password: "Passw0rd!Passw0rd", Permanent: true }));
      const login = await cognito.send(new AdminInitiateAuthCommand({ UserPoolId: pool.UserPool!.Id, ClientId: client.UserPoolClient!.ClientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "alice", PASSWORD: "Passw0rd!Passw0rd" } }));
      const idToken = login.AuthenticationResult!.IdToken!;
      const poolIssuer = JSON.parse(Buffer.from(idToken.split(".")[1]!, "base64url").toString()).iss as string;
      const api = await v2.send(new CreateApiCommand({ Name: uniqueName("cog"), ProtocolType: "HTTP", Target: echo }));
      const auth = await v2.send(new CreateAuthorizerCommand({ ApiId: api.ApiId, Name: "cognito", AuthorizerType: "JWT", IdentitySource: ["$request.header.Authorization"], JwtConfiguration: { Issuer: poolIssuer, Audience: [client.UserPoolClient!.ClientId!] } }));
      const { route } = await apiWithRoute({ AuthorizationType: "JWT", AuthorizerId: auth.AuthorizerId }, api.ApiId);
      await route("GET /me");
      const r = await call(port(), api.ApiId!, "GET", "/me", { Authorization: `Bearer ${idToken}` });
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.body) as { requestContext: { authorizer: { jwt: { claims: Record<string, string> } } } }).requestContext.authorizer.jwt.claims["cognito:username"], "alice");
      assert.equal((await call(port(), api.ApiId!, "GET", "/me", { Authorization: "Bearer x.y.z" })).status, 401);
    } finally {
      cognito.destroy();
    }
  });

  test("Lambda authorizer: simple responses with caching by identity source; deny → 403; missing identity → 401; ResetAuthorizersCache", async () => {
    const authFn = await createFunction(lambda, `let n = 0;
      export const handler = async (event) => ({ isAuthorized: event.identitySource[0] !== "bad", context: { n: ++n, user: event.identitySource[0], version: event.version, type: event.type } });`);
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("lam"), ProtocolType: "HTTP", Target: echo }));
    const auth = await v2.send(new CreateAuthorizerCommand({ ApiId: api.ApiId, Name: "lam", AuthorizerType: "REQUEST", IdentitySource: ["$request.header.x-token"], AuthorizerUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${authFn}/invocations`, AuthorizerPayloadFormatVersion: "2.0", EnableSimpleResponses: true, AuthorizerResultTtlInSeconds: 300 }));
    const { route } = await apiWithRoute({ AuthorizationType: "CUSTOM", AuthorizerId: auth.AuthorizerId }, api.ApiId);
    await route("GET /lam");
    const ctxOf = async (tokenValue: string) => {
      const r = await call(port(), api.ApiId!, "GET", "/lam", { "x-token": tokenValue });
      assert.equal(r.status, 200, r.body);
      return (JSON.parse(r.body) as { requestContext: { authorizer: { lambda: Record<string, unknown> } } }).requestContext.authorizer.lambda;
    };
    const first = await ctxOf("alice");
    assert.deepEqual({ user: first.user, version: first.version, type: first.type }, { user: "alice", version: "2.0", type: "REQUEST" });
    const second = await ctxOf("alice");
    assert.equal(second.n, first.n, "the second request is answered from the cache");
    const bob = await ctxOf("bob");
    assert.notEqual(bob.n, first.n);
    const bad = await call(port(), api.ApiId!, "GET", "/lam", { "x-token": "bad" });
    assert.equal(bad.status, 403);
    assert.deepEqual(JSON.parse(bad.body), { message: "Forbidden" });
    const none = await call(port(), api.ApiId!, "GET", "/lam");
    assert.equal(none.status, 401);
    assert.deepEqual(JSON.parse(none.body), { message: "Unauthorized" });
    await v2.send(new ResetAuthorizersCacheCommand({ ApiId: api.ApiId, StageName: "$default" }));
    const third = await ctxOf("alice");
    assert.notEqual(third.n, first.n);
  });

  test("Lambda authorizer: payload 1.0 with an IAM policy; a Deny for the route ARN → 403", async () => {
    const authFn = await createFunction(lambda, `export const handler = async (event) => ({ principalId: "p-" + event.identitySource,
      policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: event.authorizationToken === "ok" ? "Allow" : "Deny", Resource: event.methodArn.replace(/\\/GET\\/.*/, "/*") }] },
      context: { arn: event.methodArn } });`);
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("pol"), ProtocolType: "HTTP", Target: echo }));
    const auth = await v2.send(new CreateAuthorizerCommand({ ApiId: api.ApiId, Name: "pol", AuthorizerType: "REQUEST", IdentitySource: ["$request.querystring.t"], AuthorizerUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${authFn}/invocations`, AuthorizerPayloadFormatVersion: "1.0" }));
    const { route } = await apiWithRoute({ AuthorizationType: "CUSTOM", AuthorizerId: auth.AuthorizerId }, api.ApiId);
    await route("GET /p/{id}");
    const ok = await call(port(), api.ApiId!, "GET", "/p/1?t=ok");
    assert.equal(ok.status, 200, ok.body);
    const a = (JSON.parse(ok.body) as { requestContext: { authorizer: { lambda: { arn: string }; principalId: string } } }).requestContext.authorizer;
    assert.equal(a.lambda.arn, `arn:aws:execute-api:us-east-1:000000000000:${api.ApiId}/$default/GET/p/1`);
    assert.equal((await call(port(), api.ApiId!, "GET", "/p/1?t=no")).status, 403);
  });

  test("AWS_IAM route: unsigned → 403; SigV4-signed → passes with the caller in requestContext.authorizer.iam", async () => {
    const { id, route } = await apiWithRoute({ AuthorizationType: "AWS_IAM" });
    await route("GET /iam");
    const unsigned = await call(port(), id, "GET", "/iam");
    assert.equal(unsigned.status, 403);
    const { SignatureV4 } = await import("@smithy/signature-v4");
    const { Sha256 } = await import("@aws-crypto/sha256-js");
    const signer = new SignatureV4({ service: "execute-api", region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, sha256: Sha256 });
    const host = `${id}.execute-api.localhost:${port()}`;
    const signed = await signer.sign({ method: "GET", protocol: "http:", hostname: host, path: "/iam", headers: { host } });
    const r = await call(port(), id, "GET", "/iam", signed.headers as Record<string, string>);
    assert.equal(r.status, 200, r.body);
    const iam = (JSON.parse(r.body) as { requestContext: { authorizer: { iam: { accessKey: string } } } }).requestContext.authorizer.iam;
    assert.equal(iam.accessKey, "test");
  });
});
