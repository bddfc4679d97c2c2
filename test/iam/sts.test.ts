import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, test } from "node:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateOpenIDConnectProviderCommand, CreateRoleCommand, CreateUserCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetAccessKeyInfoCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let iam: IAMClient;
let sts: STSClient;
before(async () => {
  server = await startServer({ "enforce-sigv4": true, credentials: "test:test" });
  iam = new IAMClient(server.clientConfig);
  sts = new STSClient(server.clientConfig);
});
after(() => server.stop());

const fails = async (p: Promise<unknown>) => (await p.then(() => assert.fail("expected an error"), (e: unknown) => e)) as { name: string; message: string; $metadata: { httpStatusCode?: number } };
const trust = (principal: object, extra: object = {}) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: ["sts:AssumeRole", "sts:TagSession"], ...extra }] });
const ROOT = { AWS: "arn:aws:iam::000000000000:root" };
const as = (c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }) => new STSClient({ ...server.clientConfig, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });

async function role(doc: string, extra: { MaxSessionDuration?: number } = {}) {
  const name = uniqueName("r");
  return (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc, ...extra }))).Role!;
}

test("AssumeRole: credentials Skyport recognises; GetCallerIdentity answers the assumed-role session", async () => {
  const r = await role(trust(ROOT));
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "s1" }));
  assert.match(out.Credentials!.AccessKeyId!, /^ASIA/);
  assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::000000000000:assumed-role/${r.RoleName}/s1`);
  assert.equal(out.AssumedRoleUser!.AssumedRoleId, `${r.RoleId}:s1`);
  const exp = out.Credentials!.Expiration!.getTime() - Date.now();
  assert.ok(exp > 3500_000 && exp <= 3600_000, String(exp));
  const me = await as(out.Credentials!).send(new GetCallerIdentityCommand({}));
  assert.equal(me.Arn, `arn:aws:sts::000000000000:assumed-role/${r.RoleName}/s1`);
  assert.equal(me.UserId, `${r.RoleId}:s1`);
  const used = await iam.send(new GetRoleCommand({ RoleName: r.RoleName }));
  assert.equal(used.Role!.RoleLastUsed!.Region, "us-east-1");
});

test("AssumeRole: a trust policy that does not name the caller is AccessDenied", async () => {
  const r = await role(trust({ Service: "lambda.amazonaws.com" }));
  const e = await fails(sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "s0" })));
  assert.equal(e.$metadata.httpStatusCode, 403);
  assert.equal(e.message, `User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on resource: ${r.Arn}`);
  const missing = await fails(sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/none-here", RoleSessionName: "s0" })));
  assert.equal(missing.$metadata.httpStatusCode, 403);
});

test("AssumeRole: the trust policy's sts:ExternalId condition must match", async () => {
  const r = await role(trust(ROOT, { Condition: { StringEquals: { "sts:ExternalId": "xyz" } } }));
  assert.equal((await fails(sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "s0" })))).$metadata.httpStatusCode, 403);
  assert.equal((await fails(sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "s0", ExternalId: "nope" })))).$metadata.httpStatusCode, 403);
  const ok = await sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "s0", ExternalId: "xyz" }));
  assert.ok(ok.Credentials!.SessionToken);
});

test("AssumeRole: DurationSeconds above the role's MaxSessionDuration is a ValidationError; within it, honoured", async () => {
  const r = await role(trust(ROOT), { MaxSessionDuration: 7200 });
  const e = await fails(sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "s0", DurationSeconds: 7201 })));
  assert.equal(e.name, "ValidationError");
  assert.equal(e.message, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  const ok = await sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "s0", DurationSeconds: 7200 }));
  assert.ok(ok.Credentials!.Expiration!.getTime() - Date.now() > 7100_000);
});

test("AssumeRole: role chaining is limited to one hour", async () => {
  const a = await role(trust(ROOT), { MaxSessionDuration: 43200 });
  const first = await sts.send(new AssumeRoleCommand({ RoleArn: a.Arn, RoleSessionName: "one" }));
  const e = await fails(as(first.Credentials!).send(new AssumeRoleCommand({ RoleArn: a.Arn, RoleSessionName: "two", DurationSeconds: 7200 })));
  assert.equal(e.message, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  const second = await as(first.Credentials!).send(new AssumeRoleCommand({ RoleArn: a.Arn, RoleSessionName: "two" }));
  assert.equal(second.AssumedRoleUser!.Arn, `arn:aws:sts::000000000000:assumed-role/${a.RoleName}/two`);
});

test("AssumeRole: session tags and a session policy report PackedPolicySize; a bad session policy is MalformedPolicyDocument", async () => {
  const r = await role(trust(ROOT));
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "t0", Policy: policy, Tags: [{ Key: "team", Value: "x" }] }));
  assert.ok(out.PackedPolicySize! > 0 && out.PackedPolicySize! <= 100);
  const e = await fails(sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "t0", Policy: "{nope" })));
  assert.equal(e.name, "MalformedPolicyDocumentException");
});

test("AssumeRole: session tags need sts:TagSession in the trust policy", async () => {
  const r = await role(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: ROOT, Action: "sts:AssumeRole" }] }));
  const e = await fails(sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "t0", Tags: [{ Key: "k", Value: "v" }] })));
  assert.match(e.message, /not authorized to perform: sts:TagSession/);
});

test("AssumeRole: RoleSessionName must match [\\w+=,.@-]{2,64}", async () => {
  const r = await role(trust(ROOT));
  const e = await fails(sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "a b" })));
  assert.equal(e.name, "ValidationError");
  assert.match(e.message, /roleSessionName/);
});

test("GetSessionToken / GetFederationToken: identities of an IAM user's temporary credentials", async () => {
  const user = uniqueName("fed");
  await iam.send(new CreateUserCommand({ UserName: user }));
  await iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
  const mine = as(AccessKey!);
  const st = await mine.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  assert.equal((await as(st.Credentials!).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::000000000000:user/${user}`);
  const nested = await fails(as(st.Credentials!).send(new GetSessionTokenCommand({})));
  assert.equal(nested.$metadata.httpStatusCode, 403);
  const fed = await mine.send(new GetFederationTokenCommand({ Name: "bob", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }));
  assert.equal(fed.FederatedUser!.Arn, "arn:aws:sts::000000000000:federated-user/bob");
  assert.equal(fed.FederatedUser!.FederatedUserId, "000000000000:bob");
  const who = await as(fed.Credentials!).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, "arn:aws:sts::000000000000:federated-user/bob");
});

test("GetAccessKeyInfo: the account of a key Skyport issued", async () => {
  const r = await role(trust(ROOT));
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: r.Arn, RoleSessionName: "k0" }));
  assert.equal((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: out.Credentials!.AccessKeyId }))).Account, "000000000000");
  assert.equal((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: "123456789012" + "ABCD" }))).Account, "000000000000");
});

test("AssumeRoleWithWebIdentity: a token signed by the OIDC provider's JWKS, audience and sub conditions checked", async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const idp: Server = createServer((req, res) => {
    if (req.url === "/.well-known/jwks.json") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
  try {
    const issuer = `http://127.0.0.1:${(idp.address() as { port: number }).port}`;
    const { OpenIDConnectProviderArn } = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer, ClientIDList: ["my-app"], ThumbprintList: ["0".repeat(40)] }));
    const host = issuer.replace("http://", "");
    const r = await role(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: OpenIDConnectProviderArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${host}:aud`]: "my-app", [`${host}:sub`]: "alice" } } }] }));
    const sign = (claims: Record<string, unknown>, key = privateKey) => new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(issuer).setIssuedAt().setExpirationTime("5m").sign(key);
    const anonymous = new STSClient({ ...server.clientConfig, credentials: { accessKeyId: "", secretAccessKey: "" }, signer: { sign: async (req: unknown) => req } as never });
    const out = await anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: r.Arn, RoleSessionName: "web", WebIdentityToken: await sign({ sub: "alice", aud: "my-app" }) }));
    assert.equal(out.SubjectFromWebIdentityToken, "alice");
    assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::000000000000:assumed-role/${r.RoleName}/web`);
    assert.equal((await as(out.Credentials!).send(new GetCallerIdentityCommand({}))).Arn, out.AssumedRoleUser!.Arn);
    const wrongSub = await fails(anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: r.Arn, RoleSessionName: "web", WebIdentityToken: await sign({ sub: "mallory", aud: "my-app" }) })));
    assert.equal(wrongSub.$metadata.httpStatusCode, 403);
    const wrongAud = await fails(anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: r.Arn, RoleSessionName: "web", WebIdentityToken: await sign({ sub: "alice", aud: "other" }) })));
    assert.equal(wrongAud.name, "InvalidIdentityTokenException");
    const other = await generateKeyPair("RS256");
    const forged = await fails(anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: r.Arn, RoleSessionName: "web", WebIdentityToken: await sign({ sub: "alice", aud: "my-app" }, other.privateKey) })));
    assert.equal(forged.name, "InvalidIdentityTokenException");
  } finally {
    idp.closeAllConnections();
    await new Promise((r) => idp.close(r));
  }
});
