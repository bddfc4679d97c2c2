/**
 * Function states (issue 9 item 18): Pending → Active on creation, InProgress → Successful on updates,
 * RuntimeVersionConfig, the waiters AWS's clients ship, and the operations AWS refuses meanwhile. The moment a
 * transition lasts is --lambda-state-ms: a long one (10 minutes) holds a function Pending / InProgress for as long
 * as a test needs, and a restart with the default (0) finishes what it finds open — no sleeps.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, PublishVersionCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2 } from "@aws-sdk/client-lambda";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

const run = promisify(execFile);
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ROLE = "arn:aws:iam::000000000000:role/r";
const code = (body = "exports.handler = async () => ({ ok: 1 });") => zipSync({ "index.js": strToU8(body) });
const create = (lambda: LambdaClient, name: string) => lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: code() } }));
const waitOpts = (client: LambdaClient) => ({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }) as never;

async function withServer<T>(overrides: Record<string, string | boolean>, body: (s: TestServer, lambda: LambdaClient) => Promise<T>): Promise<T> {
  const server = await startServer(overrides);
  await createLambdaRoles(server);
  try {
    return await body(server, new LambdaClient(server.clientConfig));
  } finally {
    await server.stop();
  }
}

test("CreateFunction: answers Pending (Creating, InProgress) with a RuntimeVersionConfig, then Active and Successful", async () => {
  await withServer({}, async (_s, lambda) => {
    const name = uniqueName("st");
    const out = await create(lambda, name);
    assert.equal(out.State, "Pending");
    assert.equal(out.StateReason, "The function is being created.");
    assert.equal(out.StateReasonCode, "Creating");
    assert.equal(out.LastUpdateStatus, "InProgress");
    assert.match(out.RuntimeVersionConfig?.RuntimeVersionArn ?? "", /^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$/);
    await waitUntilFunctionActiveV2(waitOpts(lambda), { FunctionName: name });
    const c = (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration!;
    assert.equal(c.State, "Active");
    assert.equal(c.LastUpdateStatus, "Successful");
    assert.equal(c.StateReason, undefined);
    assert.equal(c.StateReasonCode, undefined);
    assert.equal(c.RuntimeVersionConfig?.RuntimeVersionArn, out.RuntimeVersionConfig?.RuntimeVersionArn);

    const upd = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code("exports.handler = async () => ({ ok: 2 });") }));
    assert.equal(upd.LastUpdateStatus, "InProgress");
    assert.equal(upd.State, "Active");
    await waitUntilFunctionUpdatedV2(waitOpts(lambda), { FunctionName: name });
    const cfg = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Runtime: "nodejs22.x" }));
    assert.equal(cfg.LastUpdateStatus, "InProgress");
    assert.notEqual(cfg.RuntimeVersionConfig?.RuntimeVersionArn, out.RuntimeVersionConfig?.RuntimeVersionArn, "a new runtime has its own runtime version");
    await waitUntilFunctionUpdatedV2(waitOpts(lambda), { FunctionName: name });
    const r = await lambda.send(new InvokeCommand({ FunctionName: name }));
    assert.equal(Buffer.from(r.Payload!).toString(), '{"ok":2}');
  });
});

test("Invoke: while the function is Pending answers ResourceConflictException as AWS words it; a restart finishes the creation", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-states-"));
  dirs.push(dir);
  const name = uniqueName("pend");
  await withServer({ ephemeral: false, "data-dir": dir, "lambda-state-ms": "600000" }, async (_s, lambda) => {
    await create(lambda, name);
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: name })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, "ResourceConflictException");
      assert.equal(e.message, "The operation cannot be performed at this time. The function is currently in the following state: Pending");
      assert.equal(e.$metadata?.httpStatusCode, 409);
      return true;
    });
    await assert.rejects(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 5 })), { name: "ResourceConflictException" });
    assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.State, "Pending");
  });
  await withServer({ ephemeral: false, "data-dir": dir }, async (_s, lambda) => {
    await waitUntilFunctionActiveV2(waitOpts(lambda), { FunctionName: name });
    const r = await lambda.send(new InvokeCommand({ FunctionName: name }));
    assert.equal(Buffer.from(r.Payload!).toString(), '{"ok":1}');
  });
});

test("Stopping the server right after an update and an invoke starts nothing after: the ephemeral data directory is gone for good", async () => {
  let dataDir = "";
  await withServer({}, async (s, lambda) => {
    dataDir = s.skyport.config.dataDir;
    const name = uniqueName("stop");
    await create(lambda, name);
    await waitUntilFunctionActiveV2(waitOpts(lambda), { FunctionName: name });
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Runtime: "nodejs22.x" }));
    await waitUntilFunctionUpdatedV2(waitOpts(lambda), { FunctionName: name });
    await lambda.send(new InvokeCommand({ FunctionName: name }));
  });
  assert.equal(existsSync(dataDir), false);
  // Nothing may start once the server is gone: a spare started then made its code directory, and so the data
  // directory, again.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(existsSync(dataDir), false, `${dataDir} came back after the server stopped`);
});

test("UpdateFunctionConfiguration: while an update is InProgress, updates and PublishVersion are refused; invokes still run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-states-"));
  dirs.push(dir);
  const name = uniqueName("upd");
  await withServer({ ephemeral: false, "data-dir": dir }, async (_s, lambda) => {
    await create(lambda, name);
    await waitUntilFunctionActiveV2(waitOpts(lambda), { FunctionName: name });
  });
  await withServer({ ephemeral: false, "data-dir": dir, "lambda-state-ms": "600000" }, async (_s, lambda) => {
    const out = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "v2" }));
    assert.equal(out.LastUpdateStatus, "InProgress");
    assert.equal(out.LastUpdateStatusReasonCode, "Creating");
    const inProgress = `The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:000000000000:function:${name}`;
    await assert.rejects(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "v3" })), { name: "ResourceConflictException", message: inProgress });
    await assert.rejects(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code() })), { name: "ResourceConflictException", message: inProgress });
    await assert.rejects(lambda.send(new PublishVersionCommand({ FunctionName: name })), { name: "ResourceConflictException", message: inProgress });
    const r = await lambda.send(new InvokeCommand({ FunctionName: name }));
    assert.equal(r.StatusCode, 200);
  });
  await withServer({ ephemeral: false, "data-dir": dir }, async (_s, lambda) => {
    await waitUntilFunctionUpdatedV2(waitOpts(lambda), { FunctionName: name });
    const c = (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration!;
    assert.equal(c.LastUpdateStatus, "Successful");
    assert.equal(c.LastUpdateStatusReasonCode, undefined);
    assert.equal(c.Description, "v2");
  });
});

test("aws lambda wait: function-active-v2 and function-updated-v2 return once the function settles", async () => {
  await withServer({}, async (server) => {
    const name = uniqueName("cliw");
    const dir = mkdtempSync(join(tmpdir(), "skyport-states-zip-"));
    dirs.push(dir);
    const zip = join(dir, "f.zip");
    writeFileSync(zip, code());
    const aws = (...args: string[]) => run("aws", [...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
    const created = JSON.parse((await aws("lambda", "create-function", "--function-name", name, "--runtime", "nodejs20.x", "--role", ROLE, "--handler", "index.handler", "--zip-file", `fileb://${zip}`)).stdout);
    assert.equal(created.State, "Pending");
    await aws("lambda", "wait", "function-active-v2", "--function-name", name);
    await aws("lambda", "update-function-configuration", "--function-name", name, "--timeout", "7");
    await aws("lambda", "wait", "function-updated-v2", "--function-name", name);
    const got = JSON.parse((await aws("lambda", "get-function-configuration", "--function-name", name)).stdout);
    assert.deepEqual([got.State, got.LastUpdateStatus, got.Timeout], ["Active", "Successful", 7]);
  });
});

test("CreateFunction: with Publish, version 1 is Pending with $LATEST and becomes Active with it", async () => {
  await withServer({}, async (_s, lambda) => {
    const name = uniqueName("pub");
    const out = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: code() }, Publish: true }));
    assert.deepEqual([out.Version, out.State], ["1", "Pending"]);
    await waitUntilFunctionActiveV2(waitOpts(lambda), { FunctionName: name, Qualifier: "1" });
    const v1 = (await lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "1" }))).Configuration!;
    assert.deepEqual([v1.State, v1.LastUpdateStatus], ["Active", "Successful"]);
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: "1" }));
    assert.deepEqual([r.ExecutedVersion, Buffer.from(r.Payload!).toString()], ["1", '{"ok":1}']);
  });
});

test("UpdateFunctionCode: while the update is InProgress, invokes run the previous code; once it completes, the new one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-states-"));
  dirs.push(dir);
  const name = uniqueName("prev");
  await withServer({ ephemeral: false, "data-dir": dir }, async (_s, lambda) => {
    await create(lambda, name);
    await waitUntilFunctionActiveV2(waitOpts(lambda), { FunctionName: name });
  });
  await withServer({ ephemeral: false, "data-dir": dir, "lambda-state-ms": "600000" }, async (_s, lambda) => {
    assert.equal(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload!).toString(), '{"ok":1}');
    const out = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: code("exports.handler = async () => ({ ok: 2 });") }));
    assert.equal(out.LastUpdateStatus, "InProgress");
    const during = await lambda.send(new InvokeCommand({ FunctionName: name }));
    assert.equal(Buffer.from(during.Payload!).toString(), '{"ok":1}', "the previous code runs until the update completes");
  });
  await withServer({ ephemeral: false, "data-dir": dir }, async (_s, lambda) => {
    await waitUntilFunctionUpdatedV2(waitOpts(lambda), { FunctionName: name });
    assert.equal(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload!).toString(), '{"ok":2}');
  });
});
