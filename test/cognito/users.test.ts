import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  AddCustomAttributesCommand, AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminDeleteUserCommand, AdminGetUserCommand, AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand, AdminUpdateUserAttributesCommand, ConfirmForgotPasswordCommand, CreateGroupCommand, CreateUserPoolClientCommand,
  CreateUserPoolCommand, DeleteUserPoolCommand, DescribeUserPoolClientCommand, DescribeUserPoolCommand, ForgotPasswordCommand, GetUserPoolMfaConfigCommand,
  InitiateAuthCommand, ListGroupsCommand, ListUserPoolsCommand, ListUsersCommand, ListUsersInGroupCommand, SetUserPoolMfaConfigCommand, SignUpCommand,
  UpdateUserPoolCommand, ConfirmSignUpCommand, CreateGroupCommand as CreateGroup2,
} from "@aws-sdk/client-cognito-identity-provider";
import { startCognitoServer, type CognitoTestServer } from "./helpers.js";

let s: CognitoTestServer;
const PASSWORD = "Passw0rd!Passw0rd";
before(async () => {
  s = await startCognitoServer();
});
after(() => s.stop());

test("CreateUserPool: defaults, standard and custom schema attributes, password policy; DescribeUserPool and ListUserPools find it", async () => {
  const p = (await s.cognito.send(new CreateUserPoolCommand({
    PoolName: "desc", Policies: { PasswordPolicy: { MinimumLength: 10, RequireSymbols: false } }, MfaConfiguration: "OFF",
    Schema: [{ Name: "email", AttributeDataType: "String", Required: true, Mutable: true }, { Name: "tier", AttributeDataType: "Number" }],
  }))).UserPool!;
  assert.match(p.Id!, /^us-east-1_[0-9A-Za-z]{9}$/);
  assert.equal(p.Arn, `arn:aws:cognito-idp:us-east-1:000000000000:userpool/${p.Id}`);
  assert.equal(p.Policies!.PasswordPolicy!.MinimumLength, 10);
  assert.equal(p.Policies!.PasswordPolicy!.RequireUppercase, true);
  assert.equal(p.SchemaAttributes!.find((a) => a.Name === "email")!.Required, true);
  assert.equal(p.SchemaAttributes!.find((a) => a.Name === "custom:tier")!.AttributeDataType, "Number");
  const d = (await s.cognito.send(new DescribeUserPoolCommand({ UserPoolId: p.Id }))).UserPool!;
  assert.equal(d.Name, "desc");
  assert.equal(d.EstimatedNumberOfUsers, 0);
  const list = await s.cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  assert.ok(list.UserPools!.some((x) => x.Id === p.Id && x.Name === "desc"));
  await s.cognito.send(new AddCustomAttributesCommand({ UserPoolId: p.Id, CustomAttributes: [{ Name: "team", AttributeDataType: "String" }] }));
  const d2 = (await s.cognito.send(new DescribeUserPoolCommand({ UserPoolId: p.Id }))).UserPool!;
  assert.ok(d2.SchemaAttributes!.some((a) => a.Name === "custom:team"));
  await s.cognito.send(new UpdateUserPoolCommand({ UserPoolId: p.Id, Policies: { PasswordPolicy: { MinimumLength: 12 } } }));
  assert.equal((await s.cognito.send(new DescribeUserPoolCommand({ UserPoolId: p.Id }))).UserPool!.Policies!.PasswordPolicy!.MinimumLength, 12);
  await s.cognito.send(new DeleteUserPoolCommand({ UserPoolId: p.Id }));
  await assert.rejects(s.cognito.send(new DescribeUserPoolCommand({ UserPoolId: p.Id })), { name: "ResourceNotFoundException", message: `User pool ${p.Id} does not exist.` });
});

test("CreateUserPool: a required custom attribute is refused", async () => {
  await assert.rejects(s.cognito.send(new CreateUserPoolCommand({ PoolName: "bad", Schema: [{ Name: "x", AttributeDataType: "String", Required: true }] })), { name: "InvalidParameterException", message: "Required custom attributes are not supported currently." });
});

test("SetUserPoolMfaConfig: MFA settings are stored and read back", async () => {
  const id = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "mfa" }))).UserPool!.Id!;
  await s.cognito.send(new SetUserPoolMfaConfigCommand({ UserPoolId: id, MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true } }));
  const r = await s.cognito.send(new GetUserPoolMfaConfigCommand({ UserPoolId: id }));
  assert.equal(r.MfaConfiguration, "OPTIONAL");
  assert.deepEqual(r.SoftwareTokenMfaConfiguration, { Enabled: true });
});

test("CreateUserPoolClient: defaults and token validity are kept; DescribeUserPoolClient returns them", async () => {
  const id = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "clients" }))).UserPool!.Id!;
  const c = (await s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: id, ClientName: "c", AccessTokenValidity: 5, TokenValidityUnits: { AccessToken: "minutes" }, ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH"] }))).UserPoolClient!;
  const d = (await s.cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: id, ClientId: c.ClientId }))).UserPoolClient!;
  assert.equal(d.AccessTokenValidity, 5);
  assert.equal(d.RefreshTokenValidity, 30);
  assert.deepEqual(d.ExplicitAuthFlows, ["ALLOW_USER_PASSWORD_AUTH"]);
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: id, Username: "v", MessageAction: "SUPPRESS" }));
  await s.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: id, Username: "v", Password: PASSWORD, Permanent: true }));
  const t = await s.cognito.send(new InitiateAuthCommand({ ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "v", PASSWORD } }));
  assert.equal(t.AuthenticationResult!.ExpiresIn, 300);
  await assert.rejects(s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: id, ClientName: "mixed", ExplicitAuthFlows: ["USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"] })), { name: "InvalidParameterException" });
});

test("ListUsers: Filter with = and ^=, AttributesToGet, pagination", async () => {
  const id = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "list" }))).UserPool!.Id!;
  for (const [name, email] of [["alice", "alice@a.com"], ["albert", "albert@b.com"], ["carol", "carol@a.com"]]) {
    await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: id, Username: name, MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email", Value: email! }] }));
  }
  const by = async (Filter: string) => (await s.cognito.send(new ListUsersCommand({ UserPoolId: id, Filter }))).Users!.map((u) => u.Username).sort();
  assert.deepEqual(await by('username ^= "al"'), ["albert", "alice"]);
  assert.deepEqual(await by('email = "carol@a.com"'), ["carol"]);
  assert.deepEqual(await by('cognito:user_status = "FORCE_CHANGE_PASSWORD"'), ["albert", "alice", "carol"]);
  await assert.rejects(s.cognito.send(new ListUsersCommand({ UserPoolId: id, Filter: "email = carol" })), { name: "InvalidParameterException" });
  const page1 = await s.cognito.send(new ListUsersCommand({ UserPoolId: id, Limit: 2, AttributesToGet: ["email"] }));
  assert.equal(page1.Users!.length, 2);
  assert.deepEqual(page1.Users![0]!.Attributes!.map((a) => a.Name), ["email"]);
  const page2 = await s.cognito.send(new ListUsersCommand({ UserPoolId: id, Limit: 2, PaginationToken: page1.PaginationToken }));
  assert.equal(page2.Users!.length, 1);
  assert.equal(page2.PaginationToken, undefined);
});

test("AdminCreateUser: existing user, attribute updates, deletion", async () => {
  const id = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "admin" }))).UserPool!.Id!;
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: id, Username: "u1", MessageAction: "SUPPRESS" }));
  await assert.rejects(s.cognito.send(new AdminCreateUserCommand({ UserPoolId: id, Username: "u1" })), { name: "UsernameExistsException", message: "User account already exists" });
  await s.cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: id, Username: "u1", UserAttributes: [{ Name: "name", Value: "User One" }] }));
  const u = await s.cognito.send(new AdminGetUserCommand({ UserPoolId: id, Username: "u1" }));
  assert.equal(u.UserAttributes!.find((a) => a.Name === "name")?.Value, "User One");
  assert.equal(u.UserAttributes![0]!.Name, "sub");
  await s.cognito.send(new AdminDeleteUserCommand({ UserPoolId: id, Username: "u1" }));
  await assert.rejects(s.cognito.send(new AdminGetUserCommand({ UserPoolId: id, Username: "u1" })), { name: "UserNotFoundException", message: "User does not exist." });
});

test("CreateGroup: groups list, membership lists both ways, duplicates refused", async () => {
  const id = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "groups" }))).UserPool!.Id!;
  await s.cognito.send(new CreateGroupCommand({ UserPoolId: id, GroupName: "g1", Description: "first" }));
  await assert.rejects(s.cognito.send(new CreateGroup2({ UserPoolId: id, GroupName: "g1" })), { name: "GroupExistsException", message: "A group with the name g1 already exists." });
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: id, Username: "m", MessageAction: "SUPPRESS" }));
  await s.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: id, Username: "m", GroupName: "g1" }));
  await assert.rejects(s.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: id, Username: "m", GroupName: "nope" })), { name: "ResourceNotFoundException", message: "Group not found." });
  assert.deepEqual((await s.cognito.send(new ListGroupsCommand({ UserPoolId: id }))).Groups!.map((g) => g.GroupName), ["g1"]);
  assert.deepEqual((await s.cognito.send(new ListUsersInGroupCommand({ UserPoolId: id, GroupName: "g1" }))).Users!.map((u) => u.Username), ["m"]);
  const mine = (await s.cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: id, Username: "m" }))).Groups!;
  assert.equal(mine[0]!.Description, "first");
});

test("SignUp: with email as username the username is the sub and sign-in works with the email", async () => {
  const id = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "email-login", UsernameAttributes: ["email"], AutoVerifiedAttributes: ["email"] }))).UserPool!.Id!;
  const client = (await s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: id, ClientName: "c", ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH"] }))).UserPoolClient!.ClientId!;
  await assert.rejects(s.cognito.send(new SignUpCommand({ ClientId: client, Username: "not-an-email", Password: PASSWORD })), { name: "InvalidParameterException", message: "Username should be an email." });
  const r = await s.cognito.send(new SignUpCommand({ ClientId: client, Username: "eve@example.com", Password: PASSWORD }));
  const u = await s.cognito.send(new AdminGetUserCommand({ UserPoolId: id, Username: "eve@example.com" }));
  assert.equal(u.Username, r.UserSub);
  await assert.rejects(s.cognito.send(new SignUpCommand({ ClientId: client, Username: "eve@example.com", Password: PASSWORD })), { name: "UsernameExistsException", message: "An account with the given email already exists." });
  await s.cognito.send(new ConfirmSignUpCommand({ ClientId: client, Username: "eve@example.com", ConfirmationCode: s.lastCode(r.UserSub!)! }));
  const t = await s.cognito.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "eve@example.com", PASSWORD } }));
  assert.ok(t.AuthenticationResult?.IdToken);

  // ForgotPassword / ConfirmForgotPassword: the code is logged; the new password signs in.
  const f = await s.cognito.send(new ForgotPasswordCommand({ ClientId: client, Username: "eve@example.com" }));
  assert.equal(f.CodeDeliveryDetails!.DeliveryMedium, "EMAIL");
  const code = s.lastCode(r.UserSub!, "password reset")!;
  await assert.rejects(s.cognito.send(new ConfirmForgotPasswordCommand({ ClientId: client, Username: "eve@example.com", ConfirmationCode: code === "000000" ? "111111" : "000000", Password: "An0ther!pass" })), { name: "CodeMismatchException" });
  await s.cognito.send(new ConfirmForgotPasswordCommand({ ClientId: client, Username: "eve@example.com", ConfirmationCode: code, Password: "An0ther!pass" }));
  const t2 = await s.cognito.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "eve@example.com", PASSWORD: "An0ther!pass" } }));
  assert.ok(t2.AuthenticationResult?.IdToken);
});

test("ForgotPassword: a user without a verified email or phone cannot reset", async () => {
  const id = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "noreset" }))).UserPool!.Id!;
  const client = (await s.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: id, ClientName: "c" }))).UserPoolClient!.ClientId!;
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: id, Username: "plain", MessageAction: "SUPPRESS" }));
  await s.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: id, Username: "plain", Password: PASSWORD, Permanent: true }));
  await assert.rejects(s.cognito.send(new ForgotPasswordCommand({ ClientId: client, Username: "plain" })), { name: "InvalidParameterException", message: "Cannot reset password for the user as there is no registered/verified email or phone_number" });
});

test("AdminSetUserPassword: the pool's password policy is enforced", async () => {
  const id = (await s.cognito.send(new CreateUserPoolCommand({ PoolName: "setpw" }))).UserPool!.Id!;
  await s.cognito.send(new AdminCreateUserCommand({ UserPoolId: id, Username: "p", MessageAction: "SUPPRESS" }));
  await assert.rejects(s.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: id, Username: "p", Password: "short", Permanent: true })), { name: "InvalidPasswordException", message: "Password did not conform with policy: Password not long enough" });
});
