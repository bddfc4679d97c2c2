import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  AdminCreateUserCommand, AdminInitiateAuthCommand, AdminSetUserPasswordCommand, CreateResourceServerCommand, CreateUserPoolClientCommand, CreateUserPoolCommand,
  ListResourceServersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { startCognitoServer, type CognitoTestServer } from "./helpers.js";

let s: CognitoTestServer;
let poolId: string;
before(async () => {
  s = await startCognitoServer();
  poolId = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "public" }))).UserPool!.Id!;
});
after(() => s.stop());

const form = (body: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(body).toString(),
});

test("GET /{poolId}/.well-known/jwks.json: the pool's RSA key; openid-configuration names issuer and endpoints", async () => {
  const jwks = (await (await fetch(`${s.endpoint}/${poolId}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0]!.kty, "RSA");
  assert.equal(jwks.keys[0]!.alg, "RS256");
  assert.equal(jwks.keys[0]!.use, "sig");
  assert.equal(jwks.keys[0]!.d, undefined);
  const oidc = (await (await fetch(`${s.endpoint}/${poolId}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  assert.equal(oidc.issuer, `${s.endpoint}/${poolId}`);
  assert.equal(oidc.jwks_uri, `${s.endpoint}/${poolId}/.well-known/jwks.json`);
  assert.equal(oidc.token_endpoint, `${s.endpoint}/oauth2/token`);
  const missing = await fetch(`${s.endpoint}/us-east-1_Nope12345/.well-known/jwks.json`);
  assert.equal(missing.status, 404);
});

test("POST /oauth2/token: client_credentials with a resource server's custom scopes", async () => {
  const rs = await s.cognito.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: "https://api.example.com", Name: "api", Scopes: [{ ScopeName: "read", ScopeDescription: "read" }, { ScopeName: "write", ScopeDescription: "write" }] }));
  assert.equal(rs.ResourceServer!.Identifier, "https://api.example.com");
  assert.equal((await s.cognito.send(new ListResourceServersCommand({ UserPoolId: poolId, MaxResults: 10 }))).ResourceServers!.length, 1);
  await assert.rejects(s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "bad", GenerateSecret: true, AllowedOAuthFlows: ["client_credentials"], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: ["https://api.example.com/delete"] })), { name: "ScopeDoesNotExistException" });
  const c = (await s.cognito.send(new CreateUserPoolClientCommand({
    UserPoolId: poolId, ClientName: "m2m", GenerateSecret: true, AllowedOAuthFlows: ["client_credentials"], AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: ["https://api.example.com/read", "https://api.example.com/write"],
  }))).UserPoolClient!;
  const basic = `Basic ${Buffer.from(`${c.ClientId}:${c.ClientSecret}`).toString("base64")}`;
  const r = await fetch(`${s.endpoint}/oauth2/token`, form({ grant_type: "client_credentials", scope: "https://api.example.com/read" }, { Authorization: basic }));
  assert.equal(r.status, 200);
  const body = (await r.json()) as { access_token: string; expires_in: number; token_type: string };
  assert.equal(body.token_type, "Bearer");
  assert.equal(body.expires_in, 3600);
  const iss = `${s.endpoint}/${poolId}`;
  const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(`${iss}/.well-known/jwks.json`)), { issuer: iss });
  assert.equal(payload.token_use, "access");
  assert.equal(payload.scope, "https://api.example.com/read");
  assert.equal(payload.client_id, c.ClientId);
  assert.equal(payload.sub, c.ClientId);
  // Without a scope: every custom scope the client may ask for. Secret in the form works too.
  const all = (await (await fetch(`${s.endpoint}/oauth2/token`, form({ grant_type: "client_credentials", client_id: c.ClientId!, client_secret: c.ClientSecret! }))).json()) as { access_token: string };
  assert.ok(all.access_token);
  const wrong = await fetch(`${s.endpoint}/oauth2/token`, form({ grant_type: "client_credentials", client_id: c.ClientId!, client_secret: "nope" }));
  assert.equal(wrong.status, 401);
  assert.deepEqual(await wrong.json(), { error: "invalid_client" });
  const badScope = await fetch(`${s.endpoint}/oauth2/token`, form({ grant_type: "client_credentials", scope: "https://api.example.com/admin" }, { Authorization: basic }));
  assert.deepEqual(await badScope.json(), { error: "invalid_scope" });
  const badGrant = await fetch(`${s.endpoint}/oauth2/token`, form({ grant_type: "password" }, { Authorization: basic }));
  assert.deepEqual(await badGrant.json(), { error: "unsupported_grant_type" });
});

test("GET /oauth2/userInfo: the user's attributes for a user access token; 401 without one", async () => {
  const c = (await s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "web", ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH"] }))).UserPoolClient!;
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "info", MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email", Value: "info@example.com" }] }));
  await s.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "info", Password: "Passw0rd!Passw0rd", Permanent: true }));
  const t = (await s.cognito.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: c.ClientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "info", PASSWORD: "Passw0rd!Passw0rd" } }))).AuthenticationResult!;
  const r = await fetch(`${s.endpoint}/oauth2/userInfo`, { headers: { Authorization: `Bearer ${t.AccessToken}` } });
  assert.equal(r.status, 200);
  const info = (await r.json()) as Record<string, string>;
  assert.equal(info.email, "info@example.com");
  assert.equal(info.username, "info");
  assert.match(info.sub!, /^[0-9a-f-]{36}$/);
  assert.equal((await fetch(`${s.endpoint}/oauth2/userInfo`)).status, 401);
  // The refresh_token grant of the token endpoint.
  const refreshed = await fetch(`${s.endpoint}/oauth2/token`, form({ grant_type: "refresh_token", client_id: c.ClientId!, refresh_token: t.RefreshToken! }));
  assert.equal(refreshed.status, 200);
  assert.ok(((await refreshed.json()) as { id_token: string }).id_token);
});
