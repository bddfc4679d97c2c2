/**
 * Cognito identity pools end to end with @aws-sdk/client-cognito-identity under --enforce-iam: pools, unauthenticated
 * and user-pool-authenticated identities, role mappings, the enhanced flow (GetCredentialsForIdentity) and the basic
 * flow (GetOpenIdToken → sts:AssumeRoleWithWebIdentity); the credentials sign requests evaluated against the role.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CognitoIdentityClient, CreateIdentityPoolCommand, DeleteIdentityPoolCommand, DescribeIdentityCommand, DescribeIdentityPoolCommand, GetCredentialsForIdentityCommand,
  GetIdCommand, GetIdentityPoolRolesCommand, GetOpenIdTokenCommand, ListIdentitiesCommand, ListIdentityPoolsCommand, ListTagsForResourceCommand, SetIdentityPoolRolesCommand,
  TagResourceCommand, UnlinkIdentityCommand, UpdateIdentityPoolCommand,
} from "@aws-sdk/client-cognito-identity";
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminInitiateAuthCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateGroupCommand,
  CreateUserPoolClientCommand, CreateUserPoolCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let ci: CognitoIdentityClient;
let idp: CognitoIdentityProviderClient;
let iam: IAMClient;
let userPoolId: string;
let clientId: string;
let provider: string;
const PASSWORD = "Passw0rd!Passw0rd";

/** A role the identity pool's federated principal may assume, allowed `action` on everything. */
async function role(action: string, condition?: object): Promise<string> {
  const name = uniqueName("idr");
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: "cognito-identity.amazonaws.com" }, Action: "sts:AssumeRoleWithWebIdentity", ...(condition ? { Condition: condition } : {}) }] };
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "p", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] }) }));
  return Role!.Arn!;
}

async function idToken(username: string, group?: { name: string; roleArn: string }): Promise<string> {
  await idp.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, MessageAction: "SUPPRESS" }));
  await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: username, Password: PASSWORD, Permanent: true }));
  if (group) {
    await idp.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group.name, RoleArn: group.roleArn, Precedence: 1 }));
    await idp.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: group.name }));
  }
  const out = await idp.send(new AdminInitiateAuthCommand({ UserPoolId: userPoolId, ClientId: clientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: username, PASSWORD } }));
  return out.AuthenticationResult!.IdToken!;
}

const pool = async (extra: Record<string, unknown> = {}) =>
  (await ci.send(new CreateIdentityPoolCommand({ IdentityPoolName: uniqueName("ip").replace(/-/g, "_"), AllowUnauthenticatedIdentities: true, CognitoIdentityProviders: [{ ProviderName: provider, ClientId: clientId }], ...extra }))).IdentityPoolId!;

/** Clients signed with a GetCredentialsForIdentity answer. */
function as(c: { AccessKeyId?: string; SecretKey?: string; SessionToken?: string }) {
  const cfg = { ...server.clientConfig, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! } };
  return { sts: new STSClient(cfg), ddb: new DynamoDBClient(cfg) };
}
const fails = async (p: Promise<unknown>) => (await p.then(() => assert.fail("expected an error"), (e: unknown) => e)) as { name: string; message: string };

before(async () => {
  server = await startServer({ "enforce-iam": true });
  ci = new CognitoIdentityClient(server.clientConfig);
  idp = new CognitoIdentityProviderClient(server.clientConfig);
  iam = new IAMClient(server.clientConfig);
  userPoolId = (await idp.send(new CreateUserPoolCommand({ PoolName: "ids" }))).UserPool!.Id!;
  clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: "app", ExplicitAuthFlows: ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }))).UserPoolClient!.ClientId!;
  provider = `cognito-idp.us-east-1.amazonaws.com/${userPoolId}`;
});
after(async () => {
  for (const c of [ci, idp, iam]) c.destroy();
  await server.stop();
});

test("CreateIdentityPool: create, describe, update, list, tag and delete a pool", async () => {
  const id = await pool({ IdentityPoolTags: { team: "a" } });
  assert.match(id, /^us-east-1:[0-9a-f-]{36}$/);
  const d = await ci.send(new DescribeIdentityPoolCommand({ IdentityPoolId: id }));
  assert.equal(d.AllowUnauthenticatedIdentities, true);
  assert.equal(d.AllowClassicFlow, false);
  assert.deepEqual(d.CognitoIdentityProviders, [{ ProviderName: provider, ClientId: clientId, ServerSideTokenCheck: false }].map(({ ServerSideTokenCheck: _s, ...p }) => p));
  await ci.send(new UpdateIdentityPoolCommand({ IdentityPoolId: id, IdentityPoolName: "renamed", AllowUnauthenticatedIdentities: false, AllowClassicFlow: true }));
  const u = await ci.send(new DescribeIdentityPoolCommand({ IdentityPoolId: id }));
  assert.equal(u.IdentityPoolName, "renamed");
  assert.equal(u.AllowClassicFlow, true);
  assert.deepEqual(u.IdentityPoolTags, { team: "a" });
  const arn = `arn:aws:cognito-identity:us-east-1:000000000000:identitypool/${id}`;
  await ci.send(new TagResourceCommand({ ResourceArn: arn, Tags: { env: "test" } }));
  assert.deepEqual((await ci.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags, { team: "a", env: "test" });
  const listed = await ci.send(new ListIdentityPoolsCommand({ MaxResults: 60 }));
  assert.ok(listed.IdentityPools!.some((p) => p.IdentityPoolId === id && p.IdentityPoolName === "renamed"));
  await ci.send(new DeleteIdentityPoolCommand({ IdentityPoolId: id }));
  const e = await fails(ci.send(new DescribeIdentityPoolCommand({ IdentityPoolId: id })));
  assert.equal(e.name, "ResourceNotFoundException");
  assert.equal(e.message, `IdentityPool '${id}' not found.`);
});

test("GetCredentialsForIdentity: an unauthenticated identity gets its role's session, evaluated against the role's policies", async () => {
  const unauth = await role("dynamodb:ListTables");
  const id = await pool();
  await ci.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: { unauthenticated: unauth, authenticated: unauth } }));
  const a = (await ci.send(new GetIdCommand({ IdentityPoolId: id }))).IdentityId!;
  const b = (await ci.send(new GetIdCommand({ IdentityPoolId: id }))).IdentityId!;
  assert.notEqual(a, b); // a new identity for each unauthenticated GetId
  const out = await ci.send(new GetCredentialsForIdentityCommand({ IdentityId: a }));
  assert.equal(out.IdentityId, a);
  assert.match(out.Credentials!.AccessKeyId!, /^ASIA/);
  const { sts, ddb } = as(out.Credentials!);
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::000000000000:assumed-role/${unauth.split("/").pop()}/CognitoIdentityCredentials`);
  await ddb.send(new ListTablesCommand({}));
  const denied = await fails(ddb.send(new (await import("@aws-sdk/client-dynamodb")).DescribeTableCommand({ TableName: "x" })));
  assert.equal(denied.name, "AccessDeniedException");
  assert.match(denied.message, /is not authorized to perform: dynamodb:DescribeTable/);
  sts.destroy();
  ddb.destroy();
  // Unauthenticated identities are refused once the pool stops allowing them.
  await ci.send(new UpdateIdentityPoolCommand({ IdentityPoolId: id, IdentityPoolName: "closed", AllowUnauthenticatedIdentities: false, CognitoIdentityProviders: [{ ProviderName: provider, ClientId: clientId }] }));
  for (const p of [ci.send(new GetIdCommand({ IdentityPoolId: id })), ci.send(new GetCredentialsForIdentityCommand({ IdentityId: a }))]) {
    const e = await fails(p);
    assert.equal(e.name, "NotAuthorizedException");
    assert.equal(e.message, "Unauthenticated access is not supported for this identity pool.");
  }
});

test("GetId: a user pool ID token maps to one identity, whose credentials need its login", async () => {
  const authRole = await role("dynamodb:ListTables", { StringEquals: { "cognito-identity.amazonaws.com:aud": "POOL" }, "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" } });
  const id = await pool({ AllowUnauthenticatedIdentities: false });
  // The trust policy names this pool (aud) and authenticated identities (amr), as AWS's console writes it.
  await iam.send(new (await import("@aws-sdk/client-iam")).UpdateAssumeRolePolicyCommand({ RoleName: authRole.split("/").pop()!, PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: "cognito-identity.amazonaws.com" }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "cognito-identity.amazonaws.com:aud": id }, "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" } } }] }) }));
  await ci.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: { authenticated: authRole } }));
  const token = await idToken(uniqueName("ann"));
  const Logins = { [provider]: token };
  const first = (await ci.send(new GetIdCommand({ IdentityPoolId: id, Logins }))).IdentityId!;
  assert.equal((await ci.send(new GetIdCommand({ IdentityPoolId: id, Logins }))).IdentityId, first);
  const described = await ci.send(new DescribeIdentityCommand({ IdentityId: first }));
  assert.deepEqual(described.Logins, [provider]);
  assert.ok((await ci.send(new ListIdentitiesCommand({ IdentityPoolId: id, MaxResults: 10 }))).Identities!.some((i) => i.IdentityId === first));
  const creds = await ci.send(new GetCredentialsForIdentityCommand({ IdentityId: first, Logins }));
  const { sts, ddb } = as(creds.Credentials!);
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::000000000000:assumed-role/${authRole.split("/").pop()}/CognitoIdentityCredentials`);
  await ddb.send(new ListTablesCommand({}));
  sts.destroy();
  ddb.destroy();
  const noLogins = await fails(ci.send(new GetCredentialsForIdentityCommand({ IdentityId: first })));
  assert.equal(noLogins.name, "NotAuthorizedException");
  assert.equal(noLogins.message, "Logins don't match. Please include at least one valid login for this identity or identity pool.");
  const forged = await fails(ci.send(new GetIdCommand({ IdentityPoolId: id, Logins: { [provider]: `${token.slice(0, -4)}AAAA` } })));
  assert.equal(forged.name, "NotAuthorizedException");
  const other = await fails(ci.send(new GetIdCommand({ IdentityPoolId: id, Logins: { "cognito-idp.us-east-1.amazonaws.com/us-east-1_Other1": token } })));
  assert.equal(other.name, "NotAuthorizedException");
  // UnlinkIdentity drops the login: the identity is unauthenticated again and the user gets a new one.
  await ci.send(new UnlinkIdentityCommand({ IdentityId: first, Logins, LoginsToRemove: [provider] }));
  assert.equal((await ci.send(new DescribeIdentityCommand({ IdentityId: first }))).Logins, undefined);
  assert.notEqual((await ci.send(new GetIdCommand({ IdentityPoolId: id, Logins }))).IdentityId, first);
});

test("GetCredentialsForIdentity: a role whose trust policy does not allow the pool is InvalidIdentityPoolConfigurationException, as is a pool without roles", async () => {
  const id = await pool();
  const a = (await ci.send(new GetIdCommand({ IdentityPoolId: id }))).IdentityId!;
  const none = await fails(ci.send(new GetCredentialsForIdentityCommand({ IdentityId: a })));
  assert.equal(none.name, "InvalidIdentityPoolConfigurationException");
  assert.equal(none.message, "Invalid identity pool configuration. Check assigned IAM roles for this pool.");
  const otherPool = await role("dynamodb:ListTables", { StringEquals: { "cognito-identity.amazonaws.com:aud": "us-east-1:00000000-0000-0000-0000-000000000000" } });
  await ci.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: { unauthenticated: otherPool } }));
  assert.equal((await fails(ci.send(new GetCredentialsForIdentityCommand({ IdentityId: a })))).name, "InvalidIdentityPoolConfigurationException");
});

test("SetIdentityPoolRoles: Token mappings use cognito:preferred_role (group roles) and CustomRoleArn; Rules match claims; Deny refuses the ambiguous", async () => {
  const [fallback, groupRole, ruleRole] = [await role("dynamodb:ListTables"), await role("dynamodb:ListTables"), await role("dynamodb:ListTables")];
  const id = await pool();
  const key = `${provider}:${clientId}`;
  await ci.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: { authenticated: fallback }, RoleMappings: { [key]: { Type: "Token", AmbiguousRoleResolution: "AuthenticatedRole" } } }));
  assert.deepEqual((await ci.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: id }))).RoleMappings?.[key]?.Type, "Token");
  const roleOf = async (token: string, custom?: string) => {
    const Logins = { [provider]: token };
    const IdentityId = (await ci.send(new GetIdCommand({ IdentityPoolId: id, Logins }))).IdentityId!;
    const c = await ci.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins, CustomRoleArn: custom }));
    const { sts, ddb } = as(c.Credentials!);
    const arn = (await sts.send(new GetCallerIdentityCommand({}))).Arn!;
    sts.destroy();
    ddb.destroy();
    return arn.split("/")[1];
  };
  const admin = await idToken(uniqueName("adm"), { name: uniqueName("g"), roleArn: groupRole });
  const plain = await idToken(uniqueName("pln"));
  assert.equal(await roleOf(admin), groupRole.split("/").pop());
  assert.equal(await roleOf(admin, groupRole), groupRole.split("/").pop());
  assert.equal(await roleOf(plain), fallback.split("/").pop()); // no role in the token: ambiguous → the authenticated role
  await ci.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: { authenticated: fallback }, RoleMappings: { [key]: { Type: "Token", AmbiguousRoleResolution: "Deny" } } }));
  const denied = await fails(roleOf(plain));
  assert.equal(denied.name, "NotAuthorizedException");
  assert.equal(denied.message, "The ambiguous role mapping rules denied this request.");
  await ci.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: { authenticated: fallback }, RoleMappings: { [key]: { Type: "Rules", AmbiguousRoleResolution: "AuthenticatedRole", RulesConfiguration: { Rules: [{ Claim: "cognito:username", MatchType: "StartsWith", Value: "adm", RoleARN: ruleRole }] } } } }));
  assert.equal(await roleOf(admin), ruleRole.split("/").pop());
  assert.equal(await roleOf(plain), fallback.split("/").pop());
  const bad = await fails(ci.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: {}, RoleMappings: { "graph.facebook.com": { Type: "Token", AmbiguousRoleResolution: "Deny" } } })));
  assert.equal(bad.name, "InvalidParameterException");
  assert.equal(bad.message, "graph.facebook.com is not a valid RoleMapping ProviderName or is not a configured provider.");
});

test("GetOpenIdToken: the basic flow's token is accepted by sts:AssumeRoleWithWebIdentity (AllowClassicFlow only)", async () => {
  const r = await role("dynamodb:ListTables", { StringEquals: { "cognito-identity.amazonaws.com:aud": "SET-BELOW" } });
  const id = await pool({ AllowClassicFlow: true });
  await iam.send(new (await import("@aws-sdk/client-iam")).UpdateAssumeRolePolicyCommand({ RoleName: r.split("/").pop()!, PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: "cognito-identity.amazonaws.com" }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "cognito-identity.amazonaws.com:aud": id }, "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "unauthenticated" } } }] }) }));
  const IdentityId = (await ci.send(new GetIdCommand({ IdentityPoolId: id }))).IdentityId!;
  const { Token } = await ci.send(new GetOpenIdTokenCommand({ IdentityId }));
  const sts = new STSClient({ ...server.clientConfig });
  const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: r, RoleSessionName: "web", WebIdentityToken: Token }));
  assert.equal(out.SubjectFromWebIdentityToken, IdentityId);
  assert.equal(out.Audience, id);
  assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::000000000000:assumed-role/${r.split("/").pop()}/web`);
  const forged = await fails(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: r, RoleSessionName: "web", WebIdentityToken: `${Token!.slice(0, -4)}AAAA` })));
  assert.equal(forged.name, "InvalidIdentityTokenException");
  sts.destroy();
  const enhancedOnly = await pool();
  const other = (await ci.send(new GetIdCommand({ IdentityPoolId: enhancedOnly }))).IdentityId!;
  const e = await fails(ci.send(new GetOpenIdTokenCommand({ IdentityId: other })));
  assert.equal(e.name, "InvalidParameterException");
  assert.equal(e.message, "Basic (classic) flow is not enabled, please use enhanced flow.");
});

test("GetId: a token of one of the pool's IAM OIDC providers (OpenIdConnectProviderARNs) authenticates, verified against the issuer's JWKS", async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const issuerServer: Server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/jwks.json") res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => issuerServer.listen(0, "127.0.0.1", r));
  try {
    const issuer = `http://127.0.0.1:${(issuerServer.address() as { port: number }).port}`;
    const name = issuer.slice("http://".length);
    const { OpenIDConnectProviderArn } = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer, ClientIDList: ["my-app"], ThumbprintList: ["0".repeat(40)] }));
    const authRole = await role("dynamodb:ListTables");
    const id = await pool({ AllowUnauthenticatedIdentities: false, OpenIdConnectProviderARNs: [OpenIDConnectProviderArn!] });
    await ci.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: { authenticated: authRole } }));
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(issuer).setIssuedAt().setExpirationTime("5m").sign(privateKey);
    const Logins = { [name]: await sign({ sub: "alice", aud: "my-app" }) };
    const identity = (await ci.send(new GetIdCommand({ IdentityPoolId: id, Logins }))).IdentityId!;
    assert.equal((await ci.send(new GetIdCommand({ IdentityPoolId: id, Logins: { [name]: await sign({ sub: "alice", aud: "my-app" }) } }))).IdentityId, identity);
    assert.deepEqual((await ci.send(new DescribeIdentityCommand({ IdentityId: identity }))).Logins, [name]);
    const creds = await ci.send(new GetCredentialsForIdentityCommand({ IdentityId: identity, Logins }));
    const { sts, ddb } = as(creds.Credentials!);
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::000000000000:assumed-role/${authRole.split("/").pop()}/CognitoIdentityCredentials`);
    sts.destroy();
    ddb.destroy();
    const wrongAud = await fails(ci.send(new GetIdCommand({ IdentityPoolId: id, Logins: { [name]: await sign({ sub: "alice", aud: "other" }) } })));
    assert.equal(wrongAud.name, "NotAuthorizedException");
  } finally {
    issuerServer.closeAllConnections();
    await new Promise((r) => issuerServer.close(r));
  }
});

