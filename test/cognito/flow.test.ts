import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  AdminConfirmSignUpCommand, AdminGetUserCommand, ChangePasswordCommand, ConfirmSignUpCommand, CreateUserPoolClientCommand, CreateUserPoolCommand,
  GetUserCommand, GlobalSignOutCommand, InitiateAuthCommand, SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { startCognitoServer, type CognitoTestServer } from "./helpers.js";

let s: CognitoTestServer;
let poolId: string;
let clientId: string;
before(async () => {
  s = await startCognitoServer();
  const pool = await s.cognito.send(new CreateUserPoolCommand({ PoolName: "flow", AutoVerifiedAttributes: ["email"], Schema: [{ Name: "team", AttributeDataType: "String" }] }));
  poolId = pool.UserPool!.Id!;
  const client = await s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "web", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"] }));
  clientId = client.UserPoolClient!.ClientId!;
});
after(() => s.stop());

const PASSWORD = "Passw0rd!Passw0rd";

test("SignUp: creates an UNCONFIRMED user and logs a confirmation code; ConfirmSignUp confirms it", async () => {
  const r = await s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "bob", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "bob@example.com" }, { Name: "custom:team", Value: "blue" }] }));
  assert.equal(r.UserConfirmed, false);
  assert.match(r.UserSub!, /^[0-9a-f-]{36}$/);
  assert.deepEqual(r.CodeDeliveryDetails, { Destination: "b***@e***", DeliveryMedium: "EMAIL", AttributeName: "email" });
  const code = s.lastCode("bob");
  assert.match(code ?? "", /^\d{6}$/);
  await assert.rejects(s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "bob", PASSWORD } })), { name: "UserNotConfirmedException", message: "User is not confirmed." });
  const wrong = code === "000000" ? "111111" : "000000";
  await assert.rejects(s.cognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: "bob", ConfirmationCode: wrong })), { name: "CodeMismatchException", message: "Invalid verification code provided, please try again." });
  await s.cognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: "bob", ConfirmationCode: code! }));
  const u = await s.cognito.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "bob" }));
  assert.equal(u.UserStatus, "CONFIRMED");
  assert.equal(u.UserAttributes!.find((a) => a.Name === "email_verified")?.Value, "true");
  assert.equal(u.UserAttributes!.find((a) => a.Name === "custom:team")?.Value, "blue");
});

test("SignUp: an existing username answers UsernameExistsException", async () => {
  await s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "dup", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "d@example.com" }] }));
  await assert.rejects(s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "dup", Password: PASSWORD })), { name: "UsernameExistsException", message: "User already exists" });
});

test("SignUp: the password policy is enforced with Cognito's messages", async () => {
  const cases: Array<[string, string]> = [
    ["Sh0rt!", "Password did not conform with policy: Password not long enough"],
    ["alllower1!", "Password did not conform with policy: Password must have uppercase characters"],
    ["ALLUPPER1!", "Password did not conform with policy: Password must have lowercase characters"],
    ["NoNumbers!", "Password did not conform with policy: Password must have numeric characters"],
    ["NoSymbols1", "Password did not conform with policy: Password must have symbol characters"],
  ];
  for (const [password, message] of cases) {
    await assert.rejects(s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "weak", Password: password })), { name: "InvalidPasswordException", message });
  }
});

test("SignUp: an attribute outside the schema is refused", async () => {
  await assert.rejects(s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "x1", Password: PASSWORD, UserAttributes: [{ Name: "team", Value: "a" }] })), {
    name: "InvalidParameterException", message: "Attributes did not conform to the schema: team: Attribute does not exist in the schema.\n",
  });
});

test("InitiateAuth: USER_PASSWORD_AUTH returns tokens that verify against the pool's JWKS", async () => {
  await s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "ann", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "ann@example.com" }] }));
  await s.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: "ann" }));
  const r = await s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "ann", PASSWORD } }));
  const t = r.AuthenticationResult!;
  assert.equal(t.TokenType, "Bearer");
  assert.equal(t.ExpiresIn, 3600);
  assert.ok(t.RefreshToken);
  const iss = decodeJwt(t.IdToken!).iss!;
  assert.equal(iss, `${s.endpoint}/${poolId}`);
  const keys = createRemoteJWKSet(new URL(`${iss}/.well-known/jwks.json`));
  const { payload: id, protectedHeader } = await jwtVerify(t.IdToken!, keys, { issuer: iss, audience: clientId });
  assert.equal(protectedHeader.alg, "RS256");
  assert.equal(id.token_use, "id");
  assert.equal(id["cognito:username"], "ann");
  assert.equal(id.email, "ann@example.com");
  assert.equal(id.email_verified, false);
  for (const claim of ["sub", "auth_time", "exp", "iat", "jti", "origin_jti", "event_id"]) assert.ok(id[claim] !== undefined, claim);
  const { payload: access } = await jwtVerify(t.AccessToken!, keys, { issuer: iss });
  assert.equal(access.token_use, "access");
  assert.equal(access.client_id, clientId);
  assert.equal(access.scope, "aws.cognito.signin.user.admin");
  assert.equal(access.username, "ann");
  assert.equal(access.origin_jti, id.origin_jti);
});

test("InitiateAuth: a wrong password answers NotAuthorizedException; an unknown user UserNotFoundException", async () => {
  await assert.rejects(s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "ann", PASSWORD: "Wrong0!wrong" } })), { name: "NotAuthorizedException", message: "Incorrect username or password." });
  await assert.rejects(s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "nobody", PASSWORD } })), { name: "UserNotFoundException", message: "User does not exist." });
});

test("InitiateAuth: REFRESH_TOKEN_AUTH issues new tokens; GlobalSignOut revokes the refresh and access tokens", async () => {
  await s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "ref", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "r@example.com" }] }));
  await s.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: "ref" }));
  const first = (await s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "ref", PASSWORD } }))).AuthenticationResult!;
  const again = (await s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: first.RefreshToken! } }))).AuthenticationResult!;
  assert.ok(again.IdToken && again.AccessToken);
  assert.equal(again.RefreshToken, undefined);
  assert.equal(decodeJwt(again.IdToken).origin_jti, decodeJwt(first.IdToken!).origin_jti);
  const me = await s.cognito.send(new GetUserCommand({ AccessToken: again.AccessToken }));
  assert.equal(me.Username, "ref");
  assert.equal(me.UserAttributes!.find((a) => a.Name === "email")?.Value, "r@example.com");
  await s.cognito.send(new GlobalSignOutCommand({ AccessToken: again.AccessToken }));
  await assert.rejects(s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: first.RefreshToken! } })), { name: "NotAuthorizedException", message: "Refresh Token has been revoked" });
  await assert.rejects(s.cognito.send(new GetUserCommand({ AccessToken: first.AccessToken })), { name: "NotAuthorizedException", message: "Access Token has been revoked" });
});

test("ChangePassword: needs the previous password; the new one signs in", async () => {
  await s.cognito.send(new SignUpCommand({ ClientId: clientId, Username: "chg", Password: PASSWORD, UserAttributes: [{ Name: "email", Value: "c@example.com" }] }));
  await s.cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: "chg" }));
  const t = (await s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "chg", PASSWORD } }))).AuthenticationResult!;
  await assert.rejects(s.cognito.send(new ChangePasswordCommand({ AccessToken: t.AccessToken, PreviousPassword: "Nope0!nope", ProposedPassword: "N3w!Password" })), { name: "NotAuthorizedException", message: "Incorrect username or password." });
  await s.cognito.send(new ChangePasswordCommand({ AccessToken: t.AccessToken, PreviousPassword: PASSWORD, ProposedPassword: "N3w!Password" }));
  const r = await s.cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "chg", PASSWORD: "N3w!Password" } }));
  assert.ok(r.AuthenticationResult?.IdToken);
});
