/**
 * Identity (issue 11): what --enforce-iam costs a DynamoDB GetItem (a user whose policy allows GetItem on the
 * table, decisions cached per key/action/resource) against the same GetItem on a server without enforcement,
 * and STS AssumeRole per second (trust policy and the caller's policy evaluated, real temporary credentials
 * issued), and Cognito identity pools' GetCredentialsForIdentity for an unauthenticated identity (role resolved,
 * OpenID token signed, AssumeRoleWithWebIdentity's trust check, credentials issued) — Skyport vs moto_server (which
 * checks neither). Requests are really signed (SigV4 is implied by
 * --enforce-iam) and replayed by wrk within the signature's 15-minute validity.
 */
import { signRequest } from "../../src/aws/sigv4.js";
import { printTable, type Row } from "../lib/report.js";
import { startMoto, startSkyport, stop, type Started } from "../lib/servers.js";
import { measure, type RawRequest } from "../lib/wrk.js";
import type { BenchOptions } from "../run.js";

const TABLE = "bench-identity";
const ACCOUNT = "000000000000";

/** A query-protocol call (IAM/STS) signed with the given key; returns the XML answer. */
export async function query(base: string, service: string, params: Record<string, string>, key = { id: "test", secret: "test" }): Promise<string> {
  const body = Buffer.from(new URLSearchParams(params).toString());
  const headers = signRequest({ method: "POST", url: `${base}/`, body, accessKeyId: key.id, secret: key.secret, region: "us-east-1", service });
  const r = await fetch(`${base}/`, { method: "POST", headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, body });
  const text = await r.text();
  if (!r.ok) throw new Error(`${service} ${params.Action}: ${r.status} ${text.slice(0, 200)}`);
  return text;
}

/** A wrk request signed once (replayed as is). */
export function signed(base: string, service: string, headers: Record<string, string>, body: string, key: { id: string; secret: string }): RawRequest {
  const h = signRequest({ method: "POST", url: `${base}/`, body: Buffer.from(body), accessKeyId: key.id, secret: key.secret, region: "us-east-1", service });
  return { method: "POST", path: "/", headers: { ...headers, ...h }, body };
}

export const getItem = (base: string, key: { id: string; secret: string }) =>
  signed(base, "dynamodb", { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.GetItem" }, JSON.stringify({ TableName: TABLE, Key: { pk: { S: "k1" } } }), key);

/** A DynamoDB call signed with the --credentials key (valid whether or not the server checks signatures). */
async function ddb(base: string, op: string, input: unknown): Promise<void> {
  const r = signed(base, "dynamodb", { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": `DynamoDB_20120810.${op}` }, JSON.stringify(input), { id: "test", secret: "test" });
  const res = await fetch(`${base}/`, { method: "POST", headers: r.headers, body: r.body });
  if (!res.ok) throw new Error(`dynamodb ${op}: ${res.status} ${(await res.text()).slice(0, 200)}`);
}

export async function seedTable(base: string): Promise<void> {
  await ddb(base, "CreateTable", { TableName: TABLE, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] });
  await ddb(base, "PutItem", { TableName: TABLE, Item: { pk: { S: "k1" }, v: { S: "x".repeat(100) } } });
}

/** A user allowed GetItem on the table and sts:AssumeRole on a role that trusts it; returns its key and the role. */
export async function seedIdentity(base: string): Promise<{ key: { id: string; secret: string }; roleArn: string }> {
  await query(base, "iam", { Action: "CreateUser", Version: "2010-05-08", UserName: "bench" });
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [
    { Effect: "Allow", Action: "dynamodb:GetItem", Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${TABLE}` },
    { Effect: "Allow", Action: "sts:AssumeRole", Resource: `arn:aws:iam::${ACCOUNT}:role/bench-role` },
  ] });
  await query(base, "iam", { Action: "PutUserPolicy", Version: "2010-05-08", UserName: "bench", PolicyName: "p", PolicyDocument: policy });
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bench` }, Action: "sts:AssumeRole" }] });
  await query(base, "iam", { Action: "CreateRole", Version: "2010-05-08", RoleName: "bench-role", AssumeRolePolicyDocument: trust });
  const xml = await query(base, "iam", { Action: "CreateAccessKey", Version: "2010-05-08", UserName: "bench" });
  const id = /<AccessKeyId>([^<]+)</.exec(xml)![1]!;
  const secret = /<SecretAccessKey>([^<]+)</.exec(xml)![1]!;
  return { key: { id, secret }, roleArn: `arn:aws:iam::${ACCOUNT}:role/bench-role` };
}

/** A JSON 1.1 call to Cognito identity pools, signed with the --credentials key unless `unsigned`. */
async function cognitoIdentity(base: string, op: string, input: unknown, unsigned = false): Promise<Record<string, unknown>> {
  const headers = { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityService.${op}` };
  const r = unsigned ? { headers, body: JSON.stringify(input) } : signed(base, "cognito-identity", headers, JSON.stringify(input), { id: "test", secret: "test" });
  const res = await fetch(`${base}/`, { method: "POST", headers: r.headers, body: r.body });
  const text = await res.text();
  if (!res.ok) throw new Error(`cognito-identity ${op}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text || "{}") as Record<string, unknown>;
}

/** An identity pool with an unauthenticated role (trusting cognito-identity.amazonaws.com) and one identity; the unsigned GetCredentialsForIdentity of it. */
async function seedIdentityPool(base: string, account: string): Promise<RawRequest> {
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: "cognito-identity.amazonaws.com" }, Action: "sts:AssumeRoleWithWebIdentity" }] });
  await query(base, "iam", { Action: "CreateRole", Version: "2010-05-08", RoleName: "bench-guest", AssumeRolePolicyDocument: trust });
  const pool = String((await cognitoIdentity(base, "CreateIdentityPool", { IdentityPoolName: "bench", AllowUnauthenticatedIdentities: true })).IdentityPoolId);
  // moto_server does not implement SetIdentityPoolRoles (it answers any identity with made-up credentials).
  await cognitoIdentity(base, "SetIdentityPoolRoles", { IdentityPoolId: pool, Roles: { unauthenticated: `arn:aws:iam::${account}:role/bench-guest` } }).catch((e: Error) => {
    if (account !== "123456789012") throw e;
  });
  const id = String((await cognitoIdentity(base, "GetId", { IdentityPoolId: pool }, true)).IdentityId);
  await cognitoIdentity(base, "GetCredentialsForIdentity", { IdentityId: id }, true); // it works before it is measured
  return { method: "POST", path: "/", headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityService.GetCredentialsForIdentity" }, body: JSON.stringify({ IdentityId: id }) };
}

const assumeRole = (base: string, roleArn: string, key: { id: string; secret: string }) =>
  signed(base, "sts", { "Content-Type": "application/x-www-form-urlencoded" }, new URLSearchParams({ Action: "AssumeRole", Version: "2011-06-15", RoleArn: roleArn, RoleSessionName: "bench" }).toString(), key);

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  const point = async (s: Started, server: string, scenario: string, r: RawRequest, conns: number) => {
    const m = await measure(s.url, r, conns, opts.seconds, s.pid);
    rows.push({ scenario, server, values: { rps: m.rps, p50: m.p50ms, p99: m.p99ms, cpu: m.cpuUsPerReq, errors: m.errors } });
  };
  // The reference: the same GetItem, signed by the --credentials key, on a server that authorises nothing.
  const plain = await startSkyport();
  try {
    await seedTable(plain.url);
    for (const c of [1, 16]) await point(plain, "skyport", `DynamoDB GetItem, ${c} conn`, getItem(plain.url, { id: "test", secret: "test" }), c);
  } finally {
    await stop(plain);
  }
  const enforced = await startSkyport(["--enforce-iam", "--credentials", "test:test"]);
  try {
    await seedTable(enforced.url);
    const { key, roleArn } = await seedIdentity(enforced.url);
    for (const c of [1, 16]) await point(enforced, "skyport --enforce-iam (IAM user)", `DynamoDB GetItem, ${c} conn`, getItem(enforced.url, key), c);
    await point(enforced, "skyport", "STS AssumeRole (Skyport with --enforce-iam), 16 conn", assumeRole(enforced.url, roleArn, key), 16);
    await point(enforced, "skyport", "Cognito GetCredentialsForIdentity, unauthenticated (Skyport with --enforce-iam), 16 conn", await seedIdentityPool(enforced.url, ACCOUNT), 16);
  } finally {
    await stop(enforced);
  }
  const moto = await startMoto();
  try {
    await point(moto, "moto_server", "STS AssumeRole (Skyport with --enforce-iam), 16 conn", assumeRole(moto.url, `arn:aws:iam::123456789012:role/bench-role`, { id: "test", secret: "test" }), 16);
    await point(moto, "moto_server", "Cognito GetCredentialsForIdentity, unauthenticated (Skyport with --enforce-iam), 16 conn", await seedIdentityPool(moto.url, "123456789012"), 16);
  } finally {
    await stop(moto);
  }
  rows.sort((a, b) => a.scenario.localeCompare(b.scenario));
  return printTable("Identity", rows, [
    { key: "rps", label: "req/s", higherIsBetter: true },
    { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
    { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
    { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
    { key: "errors", label: "errors", higherIsBetter: false },
  ]);
}
