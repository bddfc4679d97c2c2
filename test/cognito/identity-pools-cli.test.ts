/**
 * Cognito identity pools through the AWS CLI under --enforce-iam: the CLI sends GetId and GetCredentialsForIdentity
 * unsigned (the model's authtype "none"); the credentials it gets sign `aws sts get-caller-identity` as the role.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { cliEnv, startServer, type TestServer } from "../helpers/skyport.js";

let s: TestServer;
before(async () => {
  s = await startServer({ "enforce-iam": true });
});
after(() => s.stop());

const run = promisify(execFile);
const aws = async (args: string[], env: NodeJS.ProcessEnv = cliEnv()) => JSON.parse((await run("aws", [...args, "--endpoint-url", s.endpoint, "--output", "json"], { env })).stdout || "{}");

// Each aws CLI call is a Python start (seconds on a loaded machine): the flow is kept to the calls it needs.
test("GetCredentialsForIdentity: aws cognito-identity create-identity-pool → set-identity-pool-roles → get-id → get-credentials-for-identity", async () => {
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: "cognito-identity.amazonaws.com" }, Action: "sts:AssumeRoleWithWebIdentity" }] });
  const role = (await aws(["iam", "create-role", "--role-name", "guest", "--assume-role-policy-document", trust])).Role.Arn as string;
  const pool = (await aws(["cognito-identity", "create-identity-pool", "--identity-pool-name", "cli_pool", "--allow-unauthenticated-identities"])).IdentityPoolId as string;
  await aws(["cognito-identity", "set-identity-pool-roles", "--identity-pool-id", pool, "--roles", `unauthenticated=${role}`]);
  const id = (await aws(["cognito-identity", "get-id", "--identity-pool-id", pool])).IdentityId as string;
  const c = (await aws(["cognito-identity", "get-credentials-for-identity", "--identity-id", id])).Credentials as Record<string, string>;
  const who = await aws(["sts", "get-caller-identity"], { ...cliEnv(), AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretKey, AWS_SESSION_TOKEN: c.SessionToken });
  assert.equal(who.Arn, "arn:aws:sts::000000000000:assumed-role/guest/CognitoIdentityCredentials");
});
