/** The local-directory mode: Code.S3Bucket "hot-reload" runs a host directory in place and picks up edits. */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let lambda: LambdaClient;
const dir = mkdtempSync(join(tmpdir(), "skyport-hot-"));
// Sandboxed code runs as an unprivileged uid: like Lambda code, the directory must be world-readable.
chmodSync(dir, 0o755);
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  lambda = new LambdaClient(server.clientConfig);
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const invoke = async (name: string) => JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload!).toString());

test("CreateFunction: hot-reload code runs from the host directory and edits take effect without a deploy", async () => {
  writeFileSync(join(dir, "index.js"), "exports.handler = async () => 'one';");
  const name = uniqueName("hot");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { S3Bucket: "hot-reload", S3Key: dir } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  assert.equal(await invoke(name), "one");
  writeFileSync(join(dir, "index.js"), "exports.handler = async () => 'two';");
  let got = "one";
  for (let i = 0; i < 100 && got !== "two"; i++) {
    await new Promise((r) => setTimeout(r, 50));
    got = await invoke(name);
  }
  assert.equal(got, "two");
});

test("CreateFunction: hot-reload needs an absolute directory", async () => {
  const err = (await lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("hot"), Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { S3Bucket: "hot-reload", S3Key: "relative/path" } })).catch((e: unknown) => e)) as Error;
  assert.equal(err.name, "InvalidParameterValueException");
});
