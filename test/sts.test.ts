import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { cliEnv, startServer, type TestServer } from "./helpers/skyport.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

test("GetCallerIdentity: default key maps to account 000000000000", async () => {
  const sts = new STSClient(server.clientConfig);
  const r = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(r.Account, "000000000000");
  assert.equal(r.Arn, "arn:aws:iam::000000000000:root");
  assert.match(r.$metadata.requestId ?? "", /^[0-9a-f-]{36}$/);
});

test("GetCallerIdentity: a 12-digit access key is the account id", async () => {
  const sts = new STSClient({ ...server.clientConfig, credentials: { accessKeyId: "123456789012", secretAccessKey: "x" } });
  const r = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(r.Account, "123456789012");
  assert.equal(r.Arn, "arn:aws:iam::123456789012:root");
});

test("GetCallerIdentity: through the aws CLI", async () => {
  const { stdout } = await promisify(execFile)("aws", ["sts", "get-caller-identity", "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  assert.equal(JSON.parse(stdout).Account, "000000000000");
});
