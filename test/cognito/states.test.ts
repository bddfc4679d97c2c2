import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  AdminCreateUserCommand, AdminGetUserCommand, AdminResetUserPasswordCommand, AdminSetUserPasswordCommand, ConfirmForgotPasswordCommand, ConfirmSignUpCommand,
  CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand, ResendConfirmationCodeCommand, SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { startCognitoServer, type CognitoTestServer } from "./helpers.js";

let s: CognitoTestServer;
const PASSWORD = "Passw0rd!Passw0rd";
before(async () => {
  s = await startCognitoServer();
});
after(() => s.stop());

async function pool(extra: Record<string, unknown> = {}, client: Record<string, unknown> = {}) {
  const id = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "states", AutoVerifiedAttributes: ["email"], ...extra }))).UserPool!.Id!;
  const clientId = (await s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: id, ClientName: "c", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH"], ...client }))).UserPoolClient!.ClientId!;
  const signIn = (USERNAME: string, PASSWORD: string) => s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME, PASSWORD } }));
  return { id, clientId, signIn };
}

test("ResendConfirmationCode: a new code replaces the old one; a confirmed user cannot be confirmed again", async () => {
  const p = await pool();
  await s.cognito.send(new SignUpCommand({ ClientId: p.clientId, Username: "again", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "a@example.com" }] }));
  const first = s.lastCode("again")!;
  const r = await s.cognito.send(new ResendConfirmationCodeCommand({ ClientId: p.clientId, Username: "again" }));
  assert.equal(r.CodeDeliveryDetails!.AttributeName, "email");
  const second = s.lastCode("again")!;
  if (first !== second) await assert.rejects(s.cognito.send(new ConfirmSignUpCommand({ ClientId: p.clientId, Username: "again", ConfirmationCode: first })), { name: "CodeMismatchException" });
  await s.cognito.send(new ConfirmSignUpCommand({ ClientId: p.clientId, Username: "again", ConfirmationCode: second }));
  await assert.rejects(s.cognito.send(new ConfirmSignUpCommand({ ClientId: p.clientId, Username: "again", ConfirmationCode: second })), { name: "NotAuthorizedException", message: "User cannot be confirmed. Current status is CONFIRMED" });
  await assert.rejects(s.cognito.send(new ResendConfirmationCodeCommand({ ClientId: p.clientId, Username: "again" })), { name: "InvalidParameterException" });
});

test("AdminResetUserPassword: the user must reset (PasswordResetRequiredException) and can with the logged code", async () => {
  const p = await pool();
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: p.id, Username: "reset", MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email", Value: "r@example.com" }, { Name: "email_verified", Value: "true" }] }));
  await s.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: p.id, Username: "reset", Password: PASSWORD, Permanent: true }));
  await s.cognito.send(new AdminResetUserPasswordCommand({ UserPoolId: p.id, Username: "reset" }));
  assert.equal((await s.cognito.send(new AdminGetUserCommand({ UserPoolId: p.id, Username: "reset" }))).UserStatus, "RESET_REQUIRED");
  await assert.rejects(p.signIn("reset", PASSWORD), { name: "PasswordResetRequiredException", message: "Password reset required for the user" });
  await s.cognito.send(new ConfirmForgotPasswordCommand({ ClientId: p.clientId, Username: "reset", ConfirmationCode: s.lastCode("reset", "password reset")!, Password: "Brand!New0pw" }));
  assert.ok((await p.signIn("reset", "Brand!New0pw")).AuthenticationResult?.IdToken);
});

test("InitiateAuth: PreventUserExistenceErrors ENABLED answers an unknown user like a wrong password", async () => {
  const p = await pool({}, { PreventUserExistenceErrors: "ENABLED" });
  await assert.rejects(p.signIn("ghost", PASSWORD), { name: "NotAuthorizedException", message: "Incorrect username or password." });
});

test("InitiateAuth: a case-insensitive pool finds the user whatever the case of the username", async () => {
  const p = await pool({ UsernameConfiguration: { CaseSensitive: false } });
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: p.id, Username: "MixedCase", MessageAction: "SUPPRESS" }));
  await s.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: p.id, Username: "mixedcase", Password: PASSWORD, Permanent: true }));
  assert.ok((await p.signIn("MIXEDCASE", PASSWORD)).AuthenticationResult?.AccessToken);
  const sensitive = await pool();
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: sensitive.id, Username: "Exact", MessageAction: "SUPPRESS" }));
  await assert.rejects(s.cognito.send(new AdminGetUserCommand({ UserPoolId: sensitive.id, Username: "exact" })), { name: "UserNotFoundException" });
});

test("SignUp: a pool that allows only admins to create users refuses sign-up", async () => {
  const p = await pool({ AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
  await assert.rejects(s.cognito.send(new SignUpCommand({ ClientId: p.clientId, Username: "nope", Password: PASSWORD })), { name: "NotAuthorizedException", message: "SignUp is not permitted for this user pool" });
});

test("AdminCreateUser: a temporary password is logged when Cognito makes one, and it signs in to NEW_PASSWORD_REQUIRED", async () => {
  const p = await pool();
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: p.id, Username: "invited", UserAttributes: [{ Name: "email", Value: "i@example.com" }] }));
  const line = s.lines.find((l) => l.includes(`cognito: temporary password for invited in ${p.id}: `))!;
  const temp = line.slice(line.indexOf(`${p.id}: `) + p.id.length + 2).trim();
  const r = await p.signIn("invited", temp);
  assert.equal(r.ChallengeName, "NEW_PASSWORD_REQUIRED");
});

test("InitiateAuth: email (once verified) and preferred_username sign in as aliases when the pool says so", async () => {
  const p = await pool({ AliasAttributes: ["email", "preferred_username"] });
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: p.id, Username: "aliased", MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email", Value: "alias@example.com" }, { Name: "preferred_username", Value: "Nick" }] }));
  await s.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: p.id, Username: "aliased", Password: PASSWORD, Permanent: true }));
  assert.ok((await p.signIn("nick", PASSWORD)).AuthenticationResult?.IdToken);
  // An unverified email is no alias yet.
  await assert.rejects(p.signIn("alias@example.com", PASSWORD), { name: "UserNotFoundException" });
  await assert.rejects(s.cognito.send(new SignUpCommand({ ClientId: p.clientId, Username: "x@example.com", Password: PASSWORD })), { name: "InvalidParameterException", message: "Username cannot be of email format, since user pool is configured for email alias." });
});

test("RespondToAuthChallenge: junk sessions, tokens and parameters answer Cognito's 4xx errors", async () => {
  const p = await pool({}, { ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
  const { RespondToAuthChallengeCommand, GetUserCommand } = await import("@aws-sdk/client-cognito-identity-provider");
  const cases: Array<[Promise<unknown>, string]> = [
    [s.cognito.send(new RespondToAuthChallengeCommand({ ClientId: p.clientId, ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "junk", ChallengeResponses: { USERNAME: "x", NEW_PASSWORD: PASSWORD } })), "NotAuthorizedException"],
    [s.cognito.send(new RespondToAuthChallengeCommand({ ClientId: p.clientId, ChallengeName: "PASSWORD_VERIFIER", ChallengeResponses: { USERNAME: "x", PASSWORD_CLAIM_SECRET_BLOCK: "abc", TIMESTAMP: "now", PASSWORD_CLAIM_SIGNATURE: "x" } })), "NotAuthorizedException"],
    [s.cognito.send(new RespondToAuthChallengeCommand({ ClientId: p.clientId, ChallengeName: "SMS_MFA", ChallengeResponses: { USERNAME: "x" } })), "InvalidParameterException"],
    [s.cognito.send(new GetUserCommand({ AccessToken: "junk.token.here" })), "NotAuthorizedException"],
    [s.cognito.send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "nobody", SRP_A: "zz" } })), "UserNotFoundException"],
    [s.cognito.send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "nobody" } })), "UserNotFoundException"],
    [s.cognito.send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: "junk" } })), "NotAuthorizedException"],
    [s.cognito.send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: "MAGIC" as "USER_PASSWORD_AUTH", AuthParameters: {} })), "InvalidParameterException"],
    [s.cognito.send(new InitiateAuthCommand({ ClientId: "nosuchclient", AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: {} })), "ResourceNotFoundException"],
    [s.cognito.send(new ConfirmSignUpCommand({ ClientId: p.clientId, Username: "nobody", ConfirmationCode: "123456" })), "UserNotFoundException"],
  ];
  for (const [call, code] of cases) await assert.rejects(call, { name: code });
});
