import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { startServer, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
before(async () => {
  server = await startServer({ "enforce-sigv4": true, credentials: "test:test,123456789012:s3cret" });
});
after(() => server.stop());

const errName = (e: unknown) => (e as { name: string }).name;

test("--enforce-sigv4: a correctly signed request passes", async () => {
  const sts = new STSClient(server.clientConfig);
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, "000000000000");
  const other = new STSClient({ ...server.clientConfig, credentials: { accessKeyId: "123456789012", secretAccessKey: "s3cret" } });
  assert.equal((await other.send(new GetCallerIdentityCommand({}))).Account, "123456789012");
});

test("--enforce-sigv4: wrong secret → SignatureDoesNotMatch (query) / InvalidSignatureException (json, rest-json)", async () => {
  const bad = { ...server.clientConfig, credentials: { accessKeyId: "test", secretAccessKey: "wrong" } };
  assert.equal(errName(await new STSClient(bad).send(new GetCallerIdentityCommand({})).catch((e) => e)), "SignatureDoesNotMatch");
  assert.equal(errName(await new DynamoDBClient(bad).send(new ListTablesCommand({})).catch((e) => e)), "InvalidSignatureException");
  assert.equal(errName(await new LambdaClient(bad).send(new ListFunctionsCommand({})).catch((e) => e)), "InvalidSignatureException");
});

test("--enforce-sigv4: unknown access key → UnrecognizedClientException / InvalidClientTokenId", async () => {
  const bad = { ...server.clientConfig, credentials: { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" } };
  assert.equal(errName(await new DynamoDBClient(bad).send(new ListTablesCommand({})).catch((e) => e)), "UnrecognizedClientException");
  assert.equal(errName(await new STSClient(bad).send(new GetCallerIdentityCommand({})).catch((e) => e)), "InvalidClientTokenId");
});

test("--enforce-sigv4: unsigned request → MissingAuthenticationTokenException", async () => {
  const r = await fetch(server.endpoint + "/", { method: "POST", headers: { "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0" }, body: "{}" });
  assert.equal(r.status, 403);
  assert.match(((await r.json()) as { __type: string }).__type, /MissingAuthenticationTokenException/);
});
