import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, test } from "node:test";
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminInitiateAuthCommand, AdminSetUserPasswordCommand, CreateGroupCommand, CreateUserPoolClientCommand,
  CreateUserPoolCommand, InitiateAuthCommand, RespondToAuthChallengeCommand, AdminGetUserCommand, AdminDisableUserCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { startCognitoServer, type CognitoTestServer } from "./helpers.js";

let s: CognitoTestServer;
let poolId: string;
let clientId: string;
const PASSWORD = "Passw0rd!Passw0rd";
before(async () => {
  s = await startCognitoServer();
  poolId = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "auth" }))).UserPool!.Id!;
  clientId = (await s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "srp", ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"] }))).UserPoolClient!.ClientId!;
});
after(() => s.stop());

async function permanentUser(name: string, attrs: Array<{ Name: string; Value: string }> = []) {
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: name, MessageAction: "SUPPRESS", UserAttributes: attrs }));
  await s.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: name, Password: PASSWORD, Permanent: true }));
}

function srpSignIn(username: string, password: string): Promise<{ idToken: string; accessToken: string; refreshToken: string }> {
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: s.endpoint });
  const user = new CognitoUser({ Username: username, Pool: pool });
  return new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve({ idToken: session.getIdToken().getJwtToken(), accessToken: session.getAccessToken().getJwtToken(), refreshToken: session.getRefreshToken().getToken() }),
      onFailure: reject,
    });
  });
}

test("InitiateAuth: USER_SRP_AUTH with amazon-cognito-identity-js signs in and the tokens verify", async () => {
  await permanentUser("srp-user", [{ Name: "email", Value: "srp@example.com" }]);
  const t = await srpSignIn("srp-user", PASSWORD);
  const iss = `${s.endpoint}/${poolId}`;
  const { payload } = await jwtVerify(t.idToken, createRemoteJWKSet(new URL(`${iss}/.well-known/jwks.json`)), { issuer: iss, audience: clientId });
  assert.equal(payload["cognito:username"], "srp-user");
  assert.equal(payload.email, "srp@example.com");
  assert.ok(t.refreshToken);
});

test("RespondToAuthChallenge: PASSWORD_VERIFIER with a wrong password answers NotAuthorizedException", async () => {
  await permanentUser("srp-wrong");
  await assert.rejects(srpSignIn("srp-wrong", "Wr0ng!password"), (e: { code?: string; name?: string; message: string }) => (e.code ?? e.name) === "NotAuthorizedException" && e.message === "Incorrect username or password.");
});

test("InitiateAuth: a flow the client does not allow answers InvalidParameterException", async () => {
  await assert.rejects(s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "x", PASSWORD } })), { name: "InvalidParameterException", message: "USER_PASSWORD_AUTH flow not enabled for this client" });
});

test("AdminInitiateAuth: NEW_PASSWORD_REQUIRED for a user with a temporary password, answered with RespondToAuthChallenge", async () => {
  const created = await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "newbie", TemporaryPassword: "Temp0rary!pw", UserAttributes: [{ Name: "email", Value: "n@example.com" }, { Name: "email_verified", Value: "true" }] }));
  assert.equal(created.User!.UserStatus, "FORCE_CHANGE_PASSWORD");
  const r = await s.cognito.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "newbie", PASSWORD: "Temp0rary!pw" } }));
  assert.equal(r.ChallengeName, "NEW_PASSWORD_REQUIRED");
  assert.ok(r.Session);
  assert.equal(r.ChallengeParameters!.USER_ID_FOR_SRP, "newbie");
  assert.deepEqual(JSON.parse(r.ChallengeParameters!.userAttributes!), { email: "n@example.com" });
  await assert.rejects(s.cognito.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "NEW_PASSWORD_REQUIRED", Session: r.Session, ChallengeResponses: { USERNAME: "newbie", NEW_PASSWORD: "short" } })), { name: "InvalidPasswordException" });
  const r2 = await s.cognito.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: "ADMIN_NO_SRP_AUTH", AuthParameters: { USERNAME: "newbie", PASSWORD: "Temp0rary!pw" } }));
  const done = await s.cognito.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "NEW_PASSWORD_REQUIRED", Session: r2.Session, ChallengeResponses: { USERNAME: "newbie", NEW_PASSWORD: "Final!Passw0rd" } }));
  assert.ok(done.AuthenticationResult?.IdToken);
  const u = await s.cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "newbie" }));
  assert.equal(u.UserStatus, "CONFIRMED");
  await assert.rejects(s.cognito.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: "NEW_PASSWORD_REQUIRED", Session: r2.Session, ChallengeResponses: { USERNAME: "newbie", NEW_PASSWORD: "Final!Passw0rd" } })), { name: "NotAuthorizedException" });
});

test("AdminInitiateAuth: group membership appears as cognito:groups in both tokens; a disabled user is refused", async () => {
  await permanentUser("grouped");
  await s.cognito.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: "admins", Precedence: 1, RoleArn: "arn:aws:iam::000000000000:role/admin" }));
  await s.cognito.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: "readers", Precedence: 5 }));
  await s.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: "grouped", GroupName: "readers" }));
  await s.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: "grouped", GroupName: "admins" }));
  const t = (await s.cognito.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "grouped", PASSWORD } }))).AuthenticationResult!;
  assert.deepEqual(decodeJwt(t.IdToken!)["cognito:groups"], ["admins", "readers"]);
  assert.deepEqual(decodeJwt(t.IdToken!)["cognito:roles"], ["arn:aws:iam::000000000000:role/admin"]);
  assert.deepEqual(decodeJwt(t.AccessToken!)["cognito:groups"], ["admins", "readers"]);
  await s.cognito.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: "grouped" }));
  await assert.rejects(s.cognito.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "grouped", PASSWORD } })), { name: "NotAuthorizedException", message: "User is disabled." });
});

test("InitiateAuth: a client with a secret requires SECRET_HASH = Base64(HMAC-SHA256(secret, username + clientId))", async () => {
  const c = (await s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "secret", GenerateSecret: true, ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))).UserPoolClient!;
  assert.ok(c.ClientSecret);
  await permanentUser("hashed");
  const auth = (extra: Record<string, string>) => s.cognito.send(new InitiateAuthCommand({ ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "hashed", PASSWORD, ...extra } }));
  await assert.rejects(auth({}), { name: "NotAuthorizedException", message: `Client ${c.ClientId} is configured for secret but secret was not received` });
  await assert.rejects(auth({ SECRET_HASH: "AAAA" }), { name: "NotAuthorizedException", message: `Unable to verify secret hash for client ${c.ClientId}` });
  const hash = createHmac("sha256", c.ClientSecret!).update(`hashed${c.ClientId}`).digest("base64");
  const r = await auth({ SECRET_HASH: hash });
  assert.ok(r.AuthenticationResult?.AccessToken);
});
