/**
 * Lambda through the real SDK v3 client: functions of every runtime really run in their own processes,
 * warm reuse, errors, timeouts, crashes, memory, concurrency, versions and aliases, async invokes, logs,
 * and a function that writes to Skyport's DynamoDB with the SDK the runtime provides.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { zipSync, strToU8 } from "fflate";
import {
  CreateAliasCommand, CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient,
  AddPermissionCommand, GetPolicyCommand, ListFunctionsCommand, PublishVersionCommand, PutFunctionConcurrencyCommand, UpdateFunctionCodeCommand, waitUntilFunctionActiveV2,
} from "@aws-sdk/client-lambda";
import { DynamoDBClient, CreateTableCommand, GetItemCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let lambda: LambdaClient;
const ROLE = "arn:aws:iam::000000000000:role/test";

before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

const zip = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));

async function create(files: Record<string, string>, opts: { runtime?: string; handler?: string; timeout?: number; memory?: number; env?: Record<string, string> } = {}): Promise<string> {
  const name = uniqueName("fn");
  await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: (opts.runtime ?? "nodejs20.x") as "nodejs20.x", Role: ROLE, Handler: opts.handler ?? "index.handler",
    Code: { ZipFile: zip(files) }, Timeout: opts.timeout ?? 10, MemorySize: opts.memory, Environment: opts.env ? { Variables: opts.env } : undefined,
  }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 as number, maxDelay: 0.2 as number } as never, { FunctionName: name });
  return name;
}

async function invoke(name: string, payload: unknown = {}, extra: Record<string, unknown> = {}) {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8(JSON.stringify(payload)), ...extra }));
  const text = r.Payload ? Buffer.from(r.Payload).toString("utf8") : "";
  return { ...r, text, json: text ? JSON.parse(text) : undefined };
}

const COUNTER = `
let inits = 0; inits++;
let calls = 0;
exports.handler = async (event, context) => {
  calls++;
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  if (event.fail) throw new TypeError("boom");
  if (event.crash) process.exit(3);
  if (event.hog) { const a = []; for (;;) a.push(new Array(1e6).fill(1)); }
  console.log("hello from node", context.awsRequestId);
  return { inits, calls, name: context.functionName, version: context.functionVersion, mem: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis() > 0, region: process.env.AWS_REGION, arn: context.invokedFunctionArn };
};`;

describe("runtimes", () => {
  test("Invoke: nodejs CommonJS handler with the full context; init runs once per warm environment", async () => {
    const name = await create({ "index.js": COUNTER });
    const a = await invoke(name);
    assert.equal(a.StatusCode, 200);
    assert.equal(a.ExecutedVersion, "$LATEST");
    assert.deepEqual({ ...a.json, arn: undefined }, { inits: 1, calls: 1, name, version: "$LATEST", mem: "128", remaining: true, region: "us-east-1", arn: undefined });
    assert.match(a.json.arn, new RegExp(`^arn:aws:lambda:us-east-1:000000000000:function:${name}$`));
    const b = await invoke(name);
    assert.equal(b.json.inits, 1);
    assert.equal(b.json.calls, 2);
  });

  test("Invoke: nodejs ES module handler (.mjs) and callback-style handler", async () => {
    const esm = await create({ "app.mjs": "export const handler = async (e) => ({ esm: true, got: e.x });" }, { handler: "app.handler" });
    assert.deepEqual((await invoke(esm, { x: 7 })).json, { esm: true, got: 7 });
    const cb = await create({ "index.js": "exports.handler = (e, ctx, callback) => { setTimeout(() => callback(null, { cb: e.x }), 5); };" });
    assert.deepEqual((await invoke(cb, { x: 1 })).json, { cb: 1 });
  });

  test("Invoke: module formats as AWS's nodejs runtime loads them: CommonJS (.cjs, .js outside a \"type\": \"module\" package) is required, not run through the ES module loader; ES modules are imported", async () => {
    // Evaluated as the module loads: whether node's ES module loader is on the stack.
    const loadedBy = "((Error.stackTraceLimit = Infinity), new Error().stack.includes('node:internal/modules/esm/')) ? 'import' : 'require'";
    const cjs = await create({ "index.js": `const by = ${loadedBy};\nexports.handler = async () => ({ by });` });
    assert.deepEqual((await invoke(cjs)).json, { by: "require" });
    const commonjs = await create({ "package.json": JSON.stringify({ type: "commonjs" }), "src/h.cjs": `const by = ${loadedBy};\nexports.handler = async () => ({ by });` }, { handler: "src/h.handler" });
    assert.deepEqual((await invoke(commonjs)).json, { by: "require" });
    const esm = await create({ "package.json": JSON.stringify({ type: "module" }), "index.js": "export const handler = async () => ({ esm: typeof import.meta.url });" });
    assert.deepEqual((await invoke(esm)).json, { esm: "string" });
    // A package.json inside node_modules does not count for the code above it, and the nearest one wins.
    const nested = await create({ "package.json": JSON.stringify({ type: "module" }), "lib/package.json": JSON.stringify({ name: "lib" }), "lib/h.js": `const by = ${loadedBy};\nexports.handler = async () => ({ by });` }, { handler: "lib/h.handler" });
    assert.deepEqual((await invoke(nested)).json, { by: "require" });
  });

  test("Invoke: python handler with context", async () => {
    const name = await create({ "app.py": "def handler(event, context):\n    print('hello from python')\n    return {'py': True, 'name': context.function_name, 'echo': event.get('x')}\n" }, { runtime: "python3.12", handler: "app.handler" });
    const r = await invoke(name, { x: "y" });
    assert.deepEqual(r.json, { py: true, name, echo: "y" });
  });

  test("Invoke: provided.al2023 runs the zip's own bootstrap against the Runtime API", async () => {
    const bootstrap = `#!/bin/sh
while true; do
  H=$(mktemp); curl -sS -D "$H" -o /tmp/skyport-ev-$$ "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$H" | tr -d '\\r' | cut -d' ' -f2)
  curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$ID/response" -d "{\\"custom\\":true,\\"event\\":$(cat /tmp/skyport-ev-$$)}" >/dev/null
done`;
    const name = await create({ bootstrap }, { runtime: "provided.al2023", handler: "x" });
    assert.deepEqual((await invoke(name, { a: 1 })).json, { custom: true, event: { a: 1 } });
  });

  test("Runtime API: an accepted answer with Skyport-Next is answered with the next invocation; a rejected one gets its 400", async () => {
    // One GET next at start; afterwards every invocation arrives as the answer to the previous one's POST.
    const bootstrap = `#!/bin/sh
B="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
curl -sS -D /tmp/h -o /tmp/ev "$B/invocation/next"
polls=1
while true; do
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id /tmp/h | tr -d '\\r' | cut -d' ' -f2)
  BAD=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Skyport-Next: 1" "$B/invocation/not-$ID/response" -d '{}')
  curl -sS -D /tmp/h -o /tmp/ev2 -X POST -H "Skyport-Next: 1" "$B/invocation/$ID/response" -d "{\\"polls\\":$polls,\\"rejected\\":$BAD,\\"event\\":$(cat /tmp/ev)}"
  mv /tmp/ev2 /tmp/ev
done`;
    const name = await create({ bootstrap }, { runtime: "provided.al2023", handler: "x" });
    assert.deepEqual((await invoke(name, { a: 1 })).json, { polls: 1, rejected: 400, event: { a: 1 } });
    assert.deepEqual((await invoke(name, { a: 2 })).json, { polls: 1, rejected: 400, event: { a: 2 } }, "the second invocation came as the first one's answer");
    assert.deepEqual((await invoke(name, { a: 3 })).json, { polls: 1, rejected: 400, event: { a: 3 } });
  });
});

describe("failures", () => {
  test("Invoke: an exception is FunctionError Unhandled with errorType, errorMessage and trace", async () => {
    const name = await create({ "index.js": COUNTER });
    const r = await invoke(name, { fail: 1 });
    assert.equal(r.StatusCode, 200);
    assert.equal(r.FunctionError, "Unhandled");
    assert.equal(r.json.errorType, "TypeError");
    assert.equal(r.json.errorMessage, "boom");
    assert.ok(Array.isArray(r.json.trace));
    assert.equal((await invoke(name)).json.calls, 2, "the environment survives a handled exception");
  });

  test("Invoke: timeout kills the environment and answers AWS's timeout error", async () => {
    const name = await create({ "index.js": COUNTER }, { timeout: 1 });
    const r = await invoke(name, { sleep: 5000 });
    assert.equal(r.FunctionError, "Unhandled");
    assert.match(r.json.errorMessage, /^RequestId: [0-9a-f-]+ Error: Task timed out after 1\.00 seconds$/);
    assert.equal((await invoke(name)).json.inits, 1, "a fresh environment after the timeout");
    assert.equal((await invoke(name)).json.calls, 2);
  });

  test("Invoke: a crashing process is reported and replaced; the server keeps serving", async () => {
    const name = await create({ "index.js": COUNTER });
    const r = await invoke(name, { crash: 1 });
    assert.equal(r.FunctionError, "Unhandled");
    assert.equal(r.json.errorType, "Runtime.ExitError");
    assert.match(r.json.errorMessage, /Runtime exited with error: exit status 3/);
    assert.equal((await invoke(name)).json.calls, 1);
  });

  test("Invoke: a function over its memory is stopped and reported", async () => {
    const name = await create({ "index.js": COUNTER }, { memory: 128 });
    const r = await invoke(name, { hog: 1 });
    assert.equal(r.FunctionError, "Unhandled");
    assert.match(r.json.errorType, /^Runtime\.(OutOfMemory|ExitError)$/);
    assert.match(r.json.errorMessage, /Runtime exited with error/);
  });

  test("Invoke: init errors answer Runtime.ImportModuleError / HandlerNotFound", async () => {
    const missing = await create({ "index.js": COUNTER }, { handler: "nope.handler" });
    assert.equal((await invoke(missing)).json.errorType, "Runtime.ImportModuleError");
    const noExport = await create({ "index.js": COUNTER }, { handler: "index.other" });
    assert.equal((await invoke(noExport)).json.errorType, "Runtime.HandlerNotFound");
  });
  test("Invoke: a syntax error in the handler's module is Runtime.UserCodeSyntaxError, a missing dependency Runtime.ImportModuleError (as AWS's nodejs runtime)", async () => {
    const syntax = await invoke(await create({ "index.js": "exports.handler = async () => {;" }));
    assert.equal(syntax.FunctionError, "Unhandled");
    assert.equal(syntax.json.errorType, "Runtime.UserCodeSyntaxError");
    assert.match(syntax.json.errorMessage, /^SyntaxError: /);
    const esmSyntax = await invoke(await create({ "index.mjs": "export const handler = async () => {;" }));
    assert.equal(esmSyntax.json.errorType, "Runtime.UserCodeSyntaxError");
    const missing = await invoke(await create({ "index.js": "const x = require('no-such-package');\nexports.handler = async () => x;" }));
    assert.equal(missing.json.errorType, "Runtime.ImportModuleError");
    assert.match(missing.json.errorMessage, /^Error: Cannot find module 'no-such-package'\nRequire stack:/);
  });
});

describe("concurrency, versions, async", () => {
  test("Invoke: beyond reserved concurrency the call is throttled with 429 TooManyRequestsException", async () => {
    const name = await create({ "index.js": COUNTER });
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
    const first = invoke(name, { sleep: 800 });
    await new Promise((r) => setTimeout(r, 300));
    const err = (await invoke(name).catch((e: unknown) => e)) as { name: string; $metadata: { httpStatusCode: number }; Reason?: string };
    assert.equal(err.name, "TooManyRequestsException");
    assert.equal(err.$metadata.httpStatusCode, 429);
    assert.equal(err.Reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
    assert.equal((await first).StatusCode, 200);
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 0 }));
    assert.equal(((await invoke(name).catch((e: unknown) => e)) as Error).name, "TooManyRequestsException");
  });

  test("Invoke: concurrent invocations get separate environments", async () => {
    const name = await create({ "index.js": "const id = Math.random(); exports.handler = async (e) => { await new Promise(r => setTimeout(r, 300)); return id; };" });
    const ids = await Promise.all([1, 2, 3].map(() => invoke(name)));
    assert.equal(new Set(ids.map((r) => r.text)).size, 3);
  });

  test("PublishVersion / CreateAlias: qualifiers run the published code; aliases resolve", async () => {
    const name = await create({ "index.js": "exports.handler = async () => 'v1';" });
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    assert.equal(v1.Version, "1");
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip({ "index.js": "exports.handler = async () => 'v2';" }) }));
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
    assert.equal((await invoke(name)).json, "v2");
    const q = await invoke(name, {}, { Qualifier: "1" });
    assert.equal(q.json, "v1");
    assert.equal(q.ExecutedVersion, "1");
    const a = await invoke(`${name}:live`);
    assert.equal(a.json, "v1");
    assert.equal(a.ExecutedVersion, "1");
  });

  test("Invoke: Event invocations are queued (202) and run; DryRun answers 204", async () => {
    const table = uniqueName("evt");
    const ddb = new DynamoDBClient(server.clientConfig);
    await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] }));
    await waitUntilTableExists({ client: ddb, maxWaitTime: 20, minDelay: 0.05 as number } as never, { TableName: table });
    const name = await create({
      "index.mjs": `import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
const db = new DynamoDBClient({});
export const handler = async (e) => { await db.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { id: { S: e.id } } })); return "stored"; };`,
    }, { handler: "index.handler", env: { TABLE: table } });
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: strToU8('{"id":"async-1"}') }));
    assert.equal(r.StatusCode, 202);
    const dry = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "DryRun" }));
    assert.equal(dry.StatusCode, 204);
    let item;
    for (let i = 0; i < 100 && !item; i++) {
      item = (await ddb.send(new GetItemCommand({ TableName: table, Key: { id: { S: "async-1" } } }))).Item;
      if (!item) await new Promise((res) => setTimeout(res, 50));
    }
    assert.deepEqual(item, { id: { S: "async-1" } }, "the function wrote to Skyport's DynamoDB with the SDK the runtime provides");
  });
});

describe("control plane and logs", () => {
  test("CreateFunction: AWS's validation errors", async () => {
    const base = { Role: ROLE, Handler: "index.handler", Code: { ZipFile: zip({ "index.js": "" }) } };
    const err = async (input: object) => (await lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("bad"), ...base, ...input } as never)).catch((e: unknown) => e)) as { name: string; message: string };
    const runtime = await err({ Runtime: "cobol1.0" });
    assert.equal(runtime.name, "ValidationException");
    assert.match(runtime.message, /Value 'cobol1.0' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set/);
    const mem = await err({ Runtime: "nodejs20.x", MemorySize: 64 });
    assert.equal(mem.message, "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128");
    const zipErr = await err({ Runtime: "nodejs20.x", Code: { ZipFile: strToU8("not a zip") } });
    assert.equal(zipErr.name, "InvalidParameterValueException");
    assert.equal(zipErr.message, "Could not unzip uploaded file. Please check your file, then try to upload again.");
    const old = await err({ Runtime: "nodejs12.x" });
    assert.equal(old.name, "InvalidParameterValueException");
    const name = await create({ "index.js": COUNTER });
    const dup = (await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", ...base })).catch((e: unknown) => e)) as Error;
    assert.equal(dup.name, "ResourceConflictException");
    assert.equal(dup.message, `Function already exist: ${name}`);
  });

  test("GetFunction: configuration, state and a code location that returns the zip; DeleteFunction; not found", async () => {
    const code = zip({ "index.js": COUNTER });
    const name = await create({ "index.js": COUNTER });
    const g = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    assert.equal(g.Configuration?.State, "Active");
    assert.equal(g.Configuration?.Handler, "index.handler");
    assert.equal(g.Configuration?.CodeSize, code.length);
    const dl = await fetch(g.Code!.Location!);
    assert.equal(dl.status, 200);
    assert.deepEqual(new Uint8Array(await dl.arrayBuffer()), code);
    const list = await lambda.send(new ListFunctionsCommand({}));
    assert.ok(list.Functions?.some((f) => f.FunctionName === name));
    await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    const nf = (await lambda.send(new GetFunctionCommand({ FunctionName: name })).catch((e: unknown) => e)) as { name: string; message: string; $metadata: { httpStatusCode: number } };
    assert.equal(nf.name, "ResourceNotFoundException");
    assert.equal(nf.message, `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    assert.equal(nf.$metadata.httpStatusCode, 404);
  });

  test("Invoke: LogType=Tail returns START/END/REPORT; logs reach CloudWatch Logs", async () => {
    const name = await create({ "index.js": COUNTER });
    const r = await invoke(name, {}, { LogType: "Tail" });
    const tail = Buffer.from(r.LogResult!, "base64").toString("utf8");
    assert.match(tail, /^START RequestId: [0-9a-f-]+ Version: \$LATEST$/m);
    assert.match(tail, /\tINFO\thello from node /);
    assert.match(tail, /^END RequestId: /m);
    assert.match(tail, /^REPORT RequestId: [0-9a-f-]+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/m);
    const logs = new CloudWatchLogsClient(server.clientConfig);
    let events: unknown[] = [];
    for (let i = 0; i < 50 && events.length < 4; i++) {
      events = (await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}` })).catch(() => ({ events: [] }))).events ?? [];
      if (events.length < 4) await new Promise((res) => setTimeout(res, 50));
    }
    const messages = (events as Array<{ message: string; logStreamName: string }>).map((e) => e.message);
    assert.ok(messages.some((m) => m.startsWith("START RequestId")));
    assert.ok(messages.some((m) => m.startsWith("REPORT RequestId")));
    assert.match((events[0] as { logStreamName: string }).logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const { stdout } = await promisify(execFile)("aws", ["logs", "filter-log-events", "--log-group-name", `/aws/lambda/${name}`, "--filter-pattern", '"hello from node"', "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
    assert.equal(JSON.parse(stdout).events.length, 1);
  });
});

test("after /_skyport/reset, a function invoked before is gone for Invoke and GetPolicy (nothing kept from before)", async () => {
  const other = await startServer();
  try {
    const l = new LambdaClient(other.clientConfig);
    const name = uniqueName("fn");
    await l.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zip({ "index.js": "exports.handler = async () => 'ran';" }) } }));
    await waitUntilFunctionActiveV2({ client: l, maxWaitTime: 30, minDelay: 0.05 as number, maxDelay: 0.2 as number } as never, { FunctionName: name });
    await l.send(new AddPermissionCommand({ FunctionName: name, StatementId: "s", Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com" }));
    for (let i = 0; i < 2; i++) {
      assert.equal(Buffer.from((await l.send(new InvokeCommand({ FunctionName: name }))).Payload!).toString(), '"ran"');
      assert.match((await l.send(new GetPolicyCommand({ FunctionName: name }))).Policy!, /apigateway\.amazonaws\.com/);
    }
    assert.equal((await fetch(`${other.endpoint}/_skyport/reset`, { method: "POST" })).status, 200);
    for (const call of [() => l.send(new InvokeCommand({ FunctionName: name })), () => l.send(new GetPolicyCommand({ FunctionName: name }))]) {
      const err = (await call().catch((e: unknown) => e)) as { name: string; $metadata: { httpStatusCode: number } };
      assert.equal(err.name, "ResourceNotFoundException");
      assert.equal(err.$metadata.httpStatusCode, 404);
    }
  } finally {
    await other.stop();
  }
});
