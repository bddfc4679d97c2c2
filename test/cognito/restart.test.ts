import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  AdminCreateUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, GetUserCommand, InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { startServer } from "../helpers/skyport.js";

const dataDir = mkdtempSync(join(tmpdir(), "skyport-cognito-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test("CreateUserPool: the pool's signing key, users and sessions survive a restart", async () => {
  const first = await startServer({ ephemeral: false, "data-dir": dataDir });
  let tokens;
  let poolId: string;
  let clientId: string;
  let jwks: unknown;
  try {
    const c = new CognitoIdentityProviderClient(first.clientConfig);
    poolId = (await c.send(new CreateUserPoolCommand({ PoolName: "durable" }))).UserPool!.Id!;
    clientId = (await c.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "c", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))).UserPoolClient!.ClientId!;
    await c.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "keep", MessageAction: "SUPPRESS" }));
    await c.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "keep", Password: "Passw0rd!Passw0rd", Permanent: true }));
    tokens = (await c.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "keep", PASSWORD: "Passw0rd!Passw0rd" } }))).AuthenticationResult!;
    jwks = await (await fetch(`${first.endpoint}/${poolId}/.well-known/jwks.json`)).json();
  } finally {
    await first.stop();
  }
  const second = await startServer({ ephemeral: false, "data-dir": dataDir });
  try {
    const c = new CognitoIdentityProviderClient(second.clientConfig);
    assert.deepEqual(await (await fetch(`${second.endpoint}/${poolId}/.well-known/jwks.json`)).json(), jwks);
    assert.equal((await c.send(new GetUserCommand({ AccessToken: tokens.AccessToken }))).Username, "keep");
    const again = await c.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } }));
    assert.ok(again.AuthenticationResult?.IdToken);
  } finally {
    await second.stop();
  }
});
