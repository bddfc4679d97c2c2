import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { cliEnv } from "../helpers/skyport.js";
import { startCognitoServer, type CognitoTestServer } from "./helpers.js";

// The AWS CLI sends SignUp and InitiateAuth unsigned (the model's authtype "none"): they must work even when
// signatures are enforced.
let s: CognitoTestServer;
before(async () => {
  s = await startCognitoServer({ "enforce-sigv4": true });
});
after(() => s.stop());

const aws = async (...args: string[]) => (await promisify(execFile)("aws", [...args, "--endpoint-url", s.endpoint, "--output", "json"], { env: cliEnv() })).stdout;

test("SignUp: aws CLI sign-up → admin-confirm-sign-up → initiate-auth under --enforce-sigv4; the ID token verifies against the JWKS", async () => {
  const pool = JSON.parse(await aws("cognito-idp", "create-user-pool", "--pool-name", "cli")).UserPool.Id as string;
  const client = JSON.parse(await aws("cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "c", "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")).UserPoolClient.ClientId as string;
  const up = JSON.parse(await aws("cognito-idp", "sign-up", "--client-id", client, "--username", "ann", "--password", "Passw0rd!Passw0rd", "--user-attributes", "Name=email,Value=ann@example.com"));
  assert.equal(up.UserConfirmed, false);
  await aws("cognito-idp", "admin-confirm-sign-up", "--user-pool-id", pool, "--username", "ann");
  const auth = JSON.parse(await aws("cognito-idp", "initiate-auth", "--client-id", client, "--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=ann,PASSWORD=Passw0rd!Passw0rd"));
  const token = auth.AuthenticationResult.IdToken as string;
  const iss = decodeJwt(token).iss!;
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${iss}/.well-known/jwks.json`)), { issuer: iss });
  assert.deepEqual([payload.token_use, payload["cognito:username"], payload.email], ["id", "ann", "ann@example.com"]);
});

test("ListUserPools: admin operations still need a signature under --enforce-sigv4", async () => {
  const res = await fetch(s.endpoint, {
    method: "POST", headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools" }, body: JSON.stringify({ MaxResults: 10 }),
  });
  assert.ok(res.status >= 400 && res.status < 500);
  assert.match(((await res.json()) as { __type: string }).__type, /MissingAuthenticationToken/);
});
