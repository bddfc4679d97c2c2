/**
 * Lambda fidelity (issue 9 items 14–17): empty payloads, init outside the timeout, oversized responses,
 * every runtime identifier AWS lists, the interpreter that really runs, boto3 for python functions.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, CreateFunctionUrlConfigCommand, InvokeAsyncCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { signRequest } from "../../src/aws/sigv4.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let lambda: LambdaClient;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

async function fn(runtime: string, handler: string, files: Record<string, string>, timeout = 10): Promise<string> {
  const name = uniqueName("fid");
  const Code = { ZipFile: zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))) };
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: handler, Code, Timeout: timeout }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return name;
}

const text = (p?: Uint8Array) => Buffer.from(p ?? []).toString("utf8");

/** The function's CloudWatch log, once its REPORT line is there. */
async function logOf(name: string): Promise<string> {
  const logs = new CloudWatchLogsClient(server.clientConfig);
  for (let i = 0; i < 200; i++) {
    const got = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}` })).catch(() => undefined);
    const all = (got?.events ?? []).map((e) => e.message).join("\n");
    if (all.includes("REPORT RequestId")) return all;
    await new Promise((r) => setTimeout(r, 50));
  }
  return "";
}
const tail = (r: { LogResult?: string }) => Buffer.from(r.LogResult ?? "", "base64").toString("utf8");

test("Invoke: no payload, or an empty one, reaches the handler as {}", async () => {
  const name = await fn("nodejs20.x", "index.handler", { "index.js": "exports.handler = async (e) => ({ got: e });" });
  assert.deepEqual(JSON.parse(text((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload)), { got: {} });
  assert.deepEqual(JSON.parse(text((await lambda.send(new InvokeCommand({ FunctionName: name, Payload: new Uint8Array(0) }))).Payload)), { got: {} });
});

test("Invoke: init runs outside the function's timeout; the remaining time starts at the timeout; REPORT has Init Duration", async () => {
  const name = await fn("nodejs20.x", "index.handler", {
    "index.mjs": "await new Promise((r) => setTimeout(r, 1500));\nexport const handler = async (e, ctx) => ({ remaining: ctx.getRemainingTimeInMillis() });",
  }, 1);
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, LogType: "Tail" }));
  assert.equal(r.FunctionError, undefined, text(r.Payload));
  const remaining = JSON.parse(text(r.Payload)).remaining as number;
  assert.ok(remaining > 500 && remaining <= 1000, `remaining ${remaining}`);
  assert.match(tail(r), /REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/);
  assert.match(await logOf(name), /INIT_START Runtime Version: nodejs:/);
});

test("Invoke: a response far over 6 MB fails at once with Function.ResponseSizeTooLarge", async () => {
  const name = await fn("nodejs20.x", "index.handler", { "index.js": "exports.handler = async () => 'x'.repeat(8 * 1024 * 1024);" }, 60);
  const r = await lambda.send(new InvokeCommand({ FunctionName: name }));
  assert.equal(r.FunctionError, "Unhandled");
  const body = JSON.parse(text(r.Payload));
  assert.equal(body.errorType, "Function.ResponseSizeTooLarge");
  assert.match(body.errorMessage, /^Response payload size exceeded maximum allowed payload size \(6291556 bytes\)\.$/);
  // The environment is still usable: the next invoke answers the same, not a timeout.
  const again = await lambda.send(new InvokeCommand({ FunctionName: name }));
  assert.equal(JSON.parse(text(again.Payload)).errorType, "Function.ResponseSizeTooLarge");
});

test("CreateFunction: every runtime AWS lists is accepted; one Skyport cannot run fails its invoke clearly", async () => {
  for (const rt of ["nodejs24.x", "python3.14", "java21", "java25", "dotnet10", "ruby3.4", "provided.al2023"]) {
    const name = await fn(rt, rt.startsWith("python") ? "index.handler" : "index.handler", { "index.py": "def handler(e, c):\n    return 'py'\n", "index.js": "exports.handler = async () => 'js';" });
    if (/^(java|dotnet|ruby)/.test(rt)) {
      const e = (await lambda.send(new InvokeCommand({ FunctionName: name })).catch((x: unknown) => x)) as { name: string; message: string; $metadata: { httpStatusCode: number } };
      assert.equal(e.name, "InvalidRuntimeException", rt);
      assert.equal(e.$metadata.httpStatusCode, 502);
      assert.match(e.message, new RegExp(`cannot run ${rt.replace(".", "\\.")}`));
    }
  }
});

test("Invoke: a python runtime runs on its own interpreter when installed, and the log says which one ran otherwise", async () => {
  const name = await fn("python3.14", "index.handler", { "index.py": "import sys\ndef handler(e, c):\n    return '%d.%d' % sys.version_info[:2]\n" });
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, LogType: "Tail" }));
  assert.equal(r.FunctionError, undefined, text(r.Payload));
  const ran = JSON.parse(text(r.Payload)) as string;
  const log = await logOf(name);
  assert.match(log, new RegExp(`INIT_START Runtime Version: python:${ran.replace(".", "\\.")}`));
  if (ran !== "3.14") assert.match(log, new RegExp(`python3\\.14 is not installed on this host: the function runs on Python ${ran.replace(".", "\\.")}`));
});

test("Invoke: python functions get boto3, pointed at Skyport", async () => {
  const name = await fn("python3.12", "index.handler", {
    "index.py": "import boto3\ndef handler(e, c):\n    return boto3.client('sts').get_caller_identity()['Account']\n",
  });
  const r = await lambda.send(new InvokeCommand({ FunctionName: name }));
  assert.equal(r.FunctionError, undefined, text(r.Payload));
  assert.equal(JSON.parse(text(r.Payload)), "000000000000");
});

test("Invoke: a JSON result comes back as application/json; a python error payload carries the request id", async () => {
  const name = await fn("python3.12", "index.handler", { "index.py": "def handler(e, c):\n    raise ValueError('boom')\n" });
  const res = await fetch(`${server.endpoint}/2015-03-31/functions/${name}/invocations`, { method: "POST", body: "{}", headers: signedJson(`${server.endpoint}/2015-03-31/functions/${name}/invocations`, "{}") });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(res.headers.get("x-amz-function-error"), "Unhandled");
  const body = (await res.json()) as { requestId: string; errorType: string };
  assert.equal(body.errorType, "ValueError");
  assert.match(body.requestId, /^[0-9a-f-]{36}$/);
});

test("InvokeAsync: the deprecated operation queues the event and answers 202", async () => {
  const name = await fn("nodejs20.x", "index.handler", { "index.js": "exports.handler = async () => 1;" });
  const r = await lambda.send(new InvokeAsyncCommand({ FunctionName: name, InvokeArgs: strToU8("{}") }));
  assert.equal(r.Status, 202);
});

function signedJson(url: string, body: string): Record<string, string> {
  const { host: _h, ...h } = signRequest({ method: "POST", url, body: Buffer.from(body), accessKeyId: "test", secret: "test", region: "us-east-1", service: "lambda" });
  return { ...h, "content-type": "application/json" };
}

test("AWS_LAMBDA_EXEC_WRAPPER: the wrapper script starts the runtime and can change its environment", async () => {
  const name = uniqueName("wrap");
  const Code = { ZipFile: zipSync({ "index.js": [strToU8("exports.handler = async () => process.env.WRAPPED;"), { attrs: 0o755 << 16 }], "wrapper.sh": [strToU8('#!/bin/sh\nexport WRAPPED=yes\nexec "$@"\n'), { attrs: 0o755 << 16 }] }) };
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code, Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: "/var/task/wrapper.sh" } } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const r = await lambda.send(new InvokeCommand({ FunctionName: name }));
  assert.equal(r.FunctionError, undefined, text(r.Payload));
  assert.equal(JSON.parse(text(r.Payload)), "yes");
});

test("Errors: Lambda's error bodies carry both Message and message; URL configs have no InvokeMode unless set", async () => {
  const missing = `${server.endpoint}/2015-03-31/functions/${uniqueName("nope")}`;
  const res = await fetch(missing, { headers: signedGet(missing) });
  assert.equal(res.status, 404);
  const body = (await res.json()) as { Message: string; message: string; Type: string };
  assert.equal(body.Type, "User");
  assert.match(body.Message, /^Function not found: /);
  assert.equal(body.message, body.Message);
  const name = await fn("nodejs20.x", "index.handler", { "index.js": "exports.handler = async () => 1;" });
  const url = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }));
  assert.equal(url.InvokeMode, undefined);
});

function signedGet(url: string): Record<string, string> {
  const { host: _h, ...h } = signRequest({ method: "GET", url, accessKeyId: "test", secret: "test", region: "us-east-1", service: "lambda" });
  return h;
}
