/**
 * The node runtime's startup snapshot in a real server: once its blob is built (in the background, at first
 * use), new environments of functions naming a preloaded module start from it and the provided SDK modules are
 * the snapshot's preloaded ones — for require and for ES module imports — while a function bundling its own copy
 * gets its own, and functions loading none of them start plainly; a blob found on disk with its build's export list
 * is used at once, one without waits for its check; a corrupt blob found on disk is not used (environments start
 * plainly) and is rebuilt; with --lambda-snapshot off nothing is built.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, PublishLayerVersionCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";
import { sandboxSupport } from "../../src/runtime/sandbox.js";
import { blobKey, snapshotCacheDir } from "../../src/services/lambda/runtime/snapshot.js";
import { nodeFlags } from "../../src/services/lambda/runtime/blueprint.js";

const ROLE = "arn:aws:iam::000000000000:role/test";
/** The flags of a 128 MB function (runtime/blueprint.ts: Lambda's). */
const FLAGS_128 = nodeFlags(128);

// What the function tells: whether its process started from a blob, and whether the SDK it got is the preloaded
// one (a module the runtime put in require.cache before the function asked for it).
const REPORTER = `
const sdkFile = require.resolve("@aws-sdk/client-dynamodb");
const preloaded = !!require.cache[sdkFile];
const { DynamoDBClient, ListTablesCommand } = require("@aws-sdk/client-dynamodb");
exports.handler = async () => ({
  snapshot: process.execArgv.includes("--snapshot-blob"),
  preloaded,
  own: require("@aws-sdk/client-dynamodb").own === true,
  tables: Array.isArray((await new DynamoDBClient({}).send(new ListTablesCommand({}))).TableNames),
});`;
const ESM = `
import sdk, { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
export const handler = async () => ({
  snapshot: process.execArgv.includes("--snapshot-blob"),
  same: DynamoDBClient === require("@aws-sdk/client-dynamodb").DynamoDBClient && sdk === require("@aws-sdk/client-dynamodb") && sdk === require("@aws-sdk/client-dynamodb/dist-cjs/index"),
  entry: import.meta.resolve("@aws-sdk/client-dynamodb").endsWith("/skyport-esm.mjs"),
  own: typeof DynamoDBClient !== "function",
  tables: typeof ListTablesCommand === "function" && Array.isArray((await new DynamoDBClient({}).send(new ListTablesCommand({}))).TableNames),
});`;
const OWN_SDK = {
  "node_modules/@aws-sdk/client-dynamodb/package.json": strToU8(JSON.stringify({ name: "@aws-sdk/client-dynamodb", version: "0.0.1", main: "index.js" })),
  "node_modules/@aws-sdk/client-dynamodb/index.js": strToU8("exports.own = true;"),
};

interface SnapshotHealth {
  blobs: Array<{ flags: string; state: string }>;
  launchesFromSnapshot: number;
  launchesPlain: number;
  rejected: number;
  off?: boolean;
}

async function snapshotHealth(server: TestServer): Promise<SnapshotHealth> {
  const r = await fetch(`${server.endpoint}/_skyport/health`);
  return ((await r.json()) as { services: { lambda: { snapshot: SnapshotHealth } } }).services.lambda.snapshot;
}

/** Waits (bounded) until the blob for 128 MB functions is built or has failed. */
async function blobSettled(server: TestServer): Promise<string | undefined> {
  for (let i = 0; i < 1200; i++) {
    const b = (await snapshotHealth(server)).blobs.find((x) => x.flags === FLAGS_128.join(" "));
    if (b && b.state !== "building" && b.state !== "checking") return b.state;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

async function create(lambda: LambdaClient, files: Record<string, Uint8Array>, extra: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName("snap");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zipSync(files) }, Timeout: 30, ...extra }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 as number, maxDelay: 0.2 as number } as never, { FunctionName: name });
  return name;
}

async function invoke(lambda: LambdaClient, name: string): Promise<Record<string, unknown>> {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8("{}") }));
  const json = JSON.parse(Buffer.from(r.Payload!).toString("utf8")) as Record<string, unknown>;
  assert.equal(r.FunctionError, undefined, JSON.stringify(json));
  return json;
}

/** A server whose blob for 128 MB functions is ready: its first node launch asks for it (built in the background, or found in the cache and checked). */
async function serverWithBlob(overrides: Record<string, string> = {}): Promise<{ server: TestServer; lambda: LambdaClient }> {
  const server = await startServer(overrides);
  await createLambdaRoles(server);
  const lambda = new LambdaClient(server.clientConfig);
  await invoke(lambda, await create(lambda, { "index.js": strToU8(REPORTER) }));
  assert.equal(await blobSettled(server), "ready");
  return { server, lambda };
}

describe("startup snapshot", () => {
  let server: TestServer;
  let lambda: LambdaClient;
  before(async () => ({ server, lambda } = await serverWithBlob({ "lambda-spares": "0" })));
  after(() => server.stop());

  test("Invoke: a new environment starts from the snapshot with the provided SDK preloaded", async () => {
    const before = await snapshotHealth(server);
    const r = await invoke(lambda, await create(lambda, { "index.js": strToU8(REPORTER) }));
    assert.deepEqual(r, { snapshot: true, preloaded: true, own: false, tables: true });
    assert.equal((await snapshotHealth(server)).launchesFromSnapshot, before.launchesFromSnapshot + 1);
  });

  test("Invoke: a function started from the snapshot trusts Skyport's CA (https://{apiId}.execute-api.localhost:PORT), with no NODE_EXTRA_CA_CERTS", async () => {
    const code = `
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const https = require("node:https");
exports.handler = async (event) => ({
  snapshot: process.execArgv.includes("--snapshot-blob"),
  extraCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
  fetched: await fetch(\`https://abcdefghij.execute-api.localhost:\${event.port}/_skyport/health\`).then((r) => r.status, (e) => String(e.cause ?? e)),
  got: await new Promise((ok) => https.get(\`https://localhost:\${event.port}/_skyport/health\`, (r) => { r.resume(); ok(r.statusCode); }).on("error", (e) => ok(e.code))),
  client: typeof DynamoDBClient,
});`;
    const name = await create(lambda, { "index.js": strToU8(code) });
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8(JSON.stringify({ port: server.skyport.port })) }));
    const json = JSON.parse(Buffer.from(r.Payload!).toString("utf8")) as Record<string, unknown>;
    assert.deepEqual(json, { snapshot: true, extraCerts: null, fetched: 200, got: 200, client: "function" });
  });

  test("Invoke: a start from the snapshot runs with malloc on huge pages (GLIBC_TUNABLES), which the function's process.env does not show; a function's own GLIBC_TUNABLES wins", async () => {
    const code = `
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const started = require("node:fs").readFileSync("/proc/self/environ", "utf8").split("\\0").filter((v) => v.startsWith("GLIBC_TUNABLES="));
exports.handler = async () => ({ snapshot: process.execArgv.includes("--snapshot-blob"), started, env: process.env.GLIBC_TUNABLES ?? null, marker: process.env.SKYPORT_OWN_TUNABLES ?? null, client: typeof DynamoDBClient });`;
    const ours = await invoke(lambda, await create(lambda, { "index.js": strToU8(code) }));
    assert.deepEqual(ours, { snapshot: true, started: ["GLIBC_TUNABLES=glibc.malloc.hugetlb=1"], env: null, marker: null, client: "function" });
    const own = await invoke(lambda, await create(lambda, { "index.js": strToU8(code) }, { Environment: { Variables: { GLIBC_TUNABLES: "glibc.malloc.arena_max=2" } } }));
    assert.deepEqual(own, { snapshot: true, started: ["GLIBC_TUNABLES=glibc.malloc.arena_max=2"], env: "glibc.malloc.arena_max=2", marker: null, client: "function" });
  });

  test("Invoke: an ES module importing the provided SDK gets the preloaded module (in the sandbox through its generated ES module entry point)", async () => {
    const r = await invoke(lambda, await create(lambda, { "index.mjs": strToU8(ESM) }));
    assert.deepEqual(r, { snapshot: true, same: true, entry: sandboxSupport().ok, own: false, tables: true });
  });

  test("Invoke: a function bundling its own SDK gets its own copy (require and import)", async () => {
    // It also loads client-s3 (not bundled), so it still starts from the snapshot.
    const cjs = await invoke(lambda, await create(lambda, { "index.js": strToU8('const s3 = require("@aws-sdk/client-s3");\nconst sdkFile = require.resolve("@aws-sdk/client-dynamodb");\nconst preloaded = !!require.cache[sdkFile];\nconst own = require("@aws-sdk/client-dynamodb").own === true;\nexports.handler = async () => ({ snapshot: process.execArgv.includes("--snapshot-blob"), preloaded, own, s3: typeof s3.S3Client });'), ...OWN_SDK }));
    assert.deepEqual(cjs, { snapshot: true, preloaded: false, own: true, s3: "function" });
    const esm = await invoke(lambda, await create(lambda, { "index.mjs": strToU8('import * as sdk from "@aws-sdk/client-dynamodb";\nimport { S3Client } from "@aws-sdk/client-s3";\nexport const handler = async () => ({ snapshot: process.execArgv.includes("--snapshot-blob"), own: sdk.own === true, s3: typeof S3Client });'), ...OWN_SDK }));
    assert.deepEqual(esm, { snapshot: true, own: true, s3: "function" });
  });

  test("Invoke: the provided SDK's notice that later versions need a newer Node.js stays out of the function's logs; a copy of the function's own still gives it", async () => {
    const tail = async (name: string) => {
      const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8("{}"), LogType: "Tail" }));
      assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload!).toString("utf8"));
      return { payload: JSON.parse(Buffer.from(r.Payload!).toString("utf8")) as unknown, log: Buffer.from(r.LogResult!, "base64").toString("utf8") };
    };
    // The SDK warns at its first client on node < 22 (AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED aside): the
    // snapshot's copy (client-dynamodb) and the provided folder's (client-lambda, loaded from disk) both stay quiet.
    const fromSnapshot = await tail(await create(lambda, { "index.js": strToU8('const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");\nexports.handler = async () => { new DynamoDBClient({}); return process.execArgv.includes("--snapshot-blob"); };') }));
    assert.equal(fromSnapshot.payload, true);
    const fromDisk = await tail(await create(lambda, { "index.js": strToU8('const { LambdaClient } = require("@aws-sdk/client-lambda");\nexports.handler = async () => { new LambdaClient({}); return process.execArgv.includes("--snapshot-blob"); };') }));
    assert.equal(fromDisk.payload, false);
    for (const { log } of [fromSnapshot, fromDisk]) {
      assert.match(log, /START RequestId/);
      assert.doesNotMatch(log, /NodeVersionSupportWarning|NodeDeprecationWarning/);
    }
    // The same notice from the function's own code (a bundled SDK) is the function's: it is logged (node writes a
    // warning on a later tick: the handler waits for it to land in its invocation's log).
    const own = await tail(await create(lambda, { "index.js": strToU8('exports.handler = async () => { process.emitWarning("NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\\nversions published after the first week of January 2027\\nwill require node >=22."); await new Promise((r) => setTimeout(r, 50)); return true; };') }));
    assert.match(own.log, /Warning: NodeVersionSupportWarning: The AWS SDK for JavaScript \(v3\)/);
  });

  test("Invoke: a function that loads none of the preloaded modules starts plainly (cheaper than deserializing them)", async () => {
    const r = await invoke(lambda, await create(lambda, { "index.js": strToU8('exports.handler = async () => ({ snapshot: process.execArgv.includes("--snapshot-blob") });') }));
    assert.deepEqual(r, { snapshot: false });
    const bundled = await invoke(lambda, await create(lambda, { "index.js": strToU8('const own = require("@aws-sdk/client-dynamodb");\nexports.handler = async () => ({ snapshot: process.execArgv.includes("--snapshot-blob"), own: own.own === true });'), ...OWN_SDK }));
    assert.deepEqual(bundled, { snapshot: false, own: true });
  });

  test("Invoke: with a layer, ES module imports find the layer's packages and the layer's SDK copy wins over the preloaded one", async () => {
    const layer = await lambda.send(new PublishLayerVersionCommand({ LayerName: uniqueName("lay"), Content: { ZipFile: zipSync({ "nodejs/node_modules/greet/index.js": strToU8("exports.greet = (n) => 'hi ' + n;"), ...Object.fromEntries(Object.entries(OWN_SDK).map(([k, v]) => [`nodejs/${k}`, v])) }) } }));
    const code = 'import { greet } from "greet";\nimport * as sdk from "@aws-sdk/client-dynamodb";\nimport * as s3 from "@aws-sdk/client-s3";\nexport const handler = async () => ({ snapshot: process.execArgv.includes("--snapshot-blob"), greet: greet("you"), own: sdk.own === true, s3: typeof s3.S3Client });';
    const r = await invoke(lambda, await create(lambda, { "index.mjs": strToU8(code) }, { Layers: [layer.LayerVersionArn!] }));
    assert.deepEqual(r, { snapshot: true, greet: "hi you", own: true, s3: "function" });
  });

  test("Invoke: node runs under Lambda's flags, from the snapshot or plainly: gc() exposed, 80 KB HTTP headers, the heap sized to the memory", async () => {
    const code = (sdk: boolean) => `${sdk ? 'require("@aws-sdk/client-dynamodb");\n' : ""}const v8 = require("node:v8");
exports.handler = async () => ({
  snapshot: process.execArgv.includes("--snapshot-blob"),
  gc: typeof gc === "function" && gc() === undefined,
  maxHeaderSize: require("node:http").maxHeaderSize,
  heapMb: Math.round(v8.getHeapStatistics().heap_size_limit / 1048576),
});`;
    // V8 reports the old generation's limit and the young generation's reserve: 116 + 4 × 6 MB at 128 MB.
    for (const [sdk, memory, heapMb] of [[true, 128, 140], [false, 128, 140], [false, 1024, 1114]] as const) {
      const r = await invoke(lambda, await create(lambda, { "index.js": strToU8(code(sdk)) }, { MemorySize: memory }));
      assert.deepEqual(r, { snapshot: sdk, gc: true, maxHeaderSize: 81920, heapMb }, `${sdk ? "snapshot" : "plain"} ${memory} MB`);
    }
  });

  test("Invoke: a function setting NODE_OPTIONS starts plainly (its V8 flags would not match the blob's)", async () => {
    const r = await invoke(lambda, await create(lambda, { "index.js": strToU8(REPORTER) }, { Environment: { Variables: { NODE_OPTIONS: "--enable-source-maps" } } }));
    assert.deepEqual(r, { snapshot: false, preloaded: false, own: false, tables: true });
  });
});

/** This process's children that build or check a blob (node … --snapshot-blob …). */
function snapshotRuns(): string[] {
  const runs: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const ppid = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[1];
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (ppid === String(process.pid) && cmd.includes("--snapshot-blob")) runs.push(cmd.join(" "));
    } catch {} // gone meanwhile
  }
  return runs;
}

/** Beside a blob its build wrote: the preloaded modules' export names (runtime/snapshot.ts). */
const EXPORTS = "node.blob.exports.json";

/** A fresh data directory and the directory its 128 MB blob goes in; removed afterwards. */
async function inDataDir(fn: (dir: string, blobDir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "skyport-snap-"));
  try {
    await fn(dir, join(dir, "cache", "lambda-snapshots", blobKey(FLAGS_128)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A server on that data directory (no spares), with the Lambda roles; stopped afterwards. */
async function onServer(dir: string, fn: (server: TestServer, lambda: LambdaClient) => Promise<void>): Promise<void> {
  const server = await startServer({ ephemeral: false, "data-dir": dir, "lambda-spares": "0" });
  try {
    await createLambdaRoles(server);
    await fn(server, new LambdaClient(server.clientConfig));
  } finally {
    await server.stop();
  }
}

/** A good blob in `blobDir`: the one ephemeral servers keep in the user's cache (the suite above made it), else built here. */
async function goodBlobIn(dir: string, blobDir: string): Promise<void> {
  const shared = join(snapshotCacheDir(dir, true), blobKey(FLAGS_128));
  if (existsSync(join(shared, EXPORTS))) return void cpSync(shared, blobDir, { recursive: true });
  await onServer(dir, async (server, lambda) => {
    await create(lambda, { "index.js": strToU8(REPORTER) });
    assert.equal(await blobSettled(server), "ready");
  });
}

/** A blob whose checksum matches but which node cannot start from (another node build wrote it, or the disk garbled it). */
function badBlobIn(blobDir: string, exportList: boolean): void {
  mkdirSync(blobDir, { recursive: true });
  writeFileSync(join(blobDir, "node.blob"), "not a snapshot");
  writeFileSync(join(blobDir, "node.blob.sha256"), createHash("sha256").update("not a snapshot").digest("hex") + "\n");
  if (exportList) writeFileSync(join(blobDir, EXPORTS), "{}");
}

const rebuilt = (blobDir: string) => readFileSync(join(blobDir, "node.blob"), "utf8").slice(0, 14) !== "not a snapshot";

describe("a spare's warm-up", () => {
  let server: TestServer;
  let lambda: LambdaClient;
  before(async () => ({ server, lambda } = await serverWithBlob()));
  after(() => server.stop());

  const spare = async () => {
    const h = (await (await fetch(`${server.endpoint}/_skyport/health`)).json()) as { services: { lambda: { functions: Array<{ function: string; idle: number; starts: number }> } } };
    return h.services.lambda.functions.find((f) => f.function === "spare:nodejs:128:512:sdk");
  };

  test("Invoke: a function taking over a spare that warmed the SDK up gets its own environment variables, and its SDK calls work", async () => {
    for (let i = 0; i < 600 && (await spare())?.idle !== 1; i++) await new Promise((r) => setTimeout(r, 50));
    const ready = await spare();
    assert.equal(ready?.idle, 1, "a spare of the SDK class is waiting");
    await new Promise((r) => setTimeout(r, 1000)); // its warm-up runs meanwhile (at most 100 ms of CPU)
    const code = `${REPORTER}
const report = exports.handler;
exports.handler = async () => ({ ...(await report()), home: process.env.HOME, config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE ?? null });`;
    const r = await invoke(lambda, await create(lambda, { "index.js": strToU8(code) }, { Environment: { Variables: { AWS_CONFIG_FILE: "/tmp/function-config" } } }));
    assert.ok((await spare())!.starts > ready!.starts, "the function took the spare over");
    assert.deepEqual({ ...r, home: typeof r.home === "string" && !(r.home as string).startsWith("/nonexistent") }, { snapshot: true, preloaded: true, own: false, tables: true, home: true, config: "/tmp/function-config", credentials: null });
  });
});

describe("startup snapshot fallback", () => {
  test("Invoke: a corrupt blob on disk is not used; environments start plainly until it is rebuilt", () =>
    inDataDir(async (dir, blobDir) => {
      badBlobIn(blobDir, false);
      await onServer(dir, async (server, lambda) => {
        const first = await invoke(lambda, await create(lambda, { "index.js": strToU8(REPORTER) }));
        assert.equal(first.snapshot, false);
        assert.equal(first.tables, true);
        assert.equal(await blobSettled(server), "ready");
        assert.equal((await snapshotHealth(server)).rejected, 1);
        assert.ok(rebuilt(blobDir));
        assert.equal((await invoke(lambda, await create(lambda, { "index.js": strToU8(REPORTER) }))).snapshot, true);
      });
    }));

  test("A blob found on disk with an export list that fails its confirming start is rejected and rebuilt", () =>
    inDataDir(async (dir, blobDir) => {
      badBlobIn(blobDir, true);
      await onServer(dir, async (server, lambda) => {
        await create(lambda, { "index.js": strToU8(REPORTER) });
        // Usable at once after its checksum; the start that confirms it fails and it is rebuilt.
        for (let i = 0; i < 300 && (await snapshotHealth(server)).rejected === 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert.equal((await snapshotHealth(server)).rejected, 1);
        assert.equal(await blobSettled(server), "ready");
        assert.ok(rebuilt(blobDir));
        assert.notEqual(readFileSync(join(blobDir, EXPORTS), "utf8"), "{}");
        assert.equal((await invoke(lambda, await create(lambda, { "index.js": strToU8(REPORTER) }))).snapshot, true);
      });
    }));

  test("Invoke right after CreateFunction, while a blob found on disk without its export list is checked: the environment waits for the check and starts from it", () =>
    inDataDir(async (dir, blobDir) => {
      await goodBlobIn(dir, blobDir);
      rmSync(join(blobDir, EXPORTS)); // as an older cache left it: only a start here tells the blob is good
      await onServer(dir, async (server, lambda) => {
        const name = await create(lambda, { "index.js": strToU8(REPORTER) });
        const state = (await snapshotHealth(server)).blobs.find((x) => x.flags === FLAGS_128.join(" "))?.state;
        assert.equal((await invoke(lambda, name)).snapshot, true, `blob ${state} at the invoke`);
        const h = await snapshotHealth(server);
        assert.deepEqual([h.launchesPlain, h.launchesFromSnapshot, h.rejected], [0, 1, 0]);
        assert.ok(existsSync(join(blobDir, EXPORTS)), "the check wrote the export list beside the blob");
      });
    }));

  test("A blob found on disk with its build's export list is used at once: launches do not wait for the start that confirms it", () =>
    inDataDir(async (dir, blobDir) => {
      await goodBlobIn(dir, blobDir);
      await onServer(dir, async (server, lambda) => {
        const name = await create(lambda, { "index.js": strToU8(REPORTER) });
        // Ready (after its SHA-256) while the confirming start still runs.
        let readyWhileChecked = false;
        for (let i = 0; i < 400 && !readyWhileChecked; i++) {
          const state = (await snapshotHealth(server)).blobs.find((x) => x.flags === FLAGS_128.join(" "))?.state;
          if (state === "ready") readyWhileChecked = snapshotRuns().length > 0;
          if (state === "ready" && !readyWhileChecked) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.ok(readyWhileChecked, "the blob was ready while its confirming start ran");
        assert.equal((await invoke(lambda, name)).snapshot, true);
        const h = await snapshotHealth(server);
        assert.deepEqual([h.launchesPlain, h.launchesFromSnapshot, h.rejected], [0, 1, 0]);
      });
    }));

  test("Stopping the server while a blob is built or checked kills that run: nothing is left half-written, a good blob is kept", () =>
    inDataDir(async (dir, blobDir) => {
      // The function is created (the blob asked for) and the server stopped once the run has started.
      const stopWhile = async (state: string) => {
        const server = await startServer({ ephemeral: false, "data-dir": dir, "lambda-spares": "0" });
        await createLambdaRoles(server);
        await create(new LambdaClient(server.clientConfig), { "index.js": strToU8(REPORTER) });
        for (let i = 0; i < 600 && !snapshotRuns().length; i++) await new Promise((r) => setTimeout(r, 10));
        assert.equal((await snapshotHealth(server)).blobs.find((x) => x.flags === FLAGS_128.join(" "))?.state, state);
        await server.stop();
        assert.deepEqual(snapshotRuns(), [], "no build or check outlives the server");
      };
      await stopWhile("building");
      assert.deepEqual(readdirSync(blobDir), [], "the killed build left no temporary blob");
      assert.equal(existsSync(join(dir, "lambda", "sdk-esm")), false);
      await onServer(dir, async (server, lambda) => {
        await create(lambda, { "index.js": strToU8(REPORTER) });
        assert.equal(await blobSettled(server), "ready");
      });
      const all = ["node.blob", EXPORTS, "node.blob.sha256"].sort();
      assert.deepEqual(readdirSync(blobDir).sort(), all);
      await stopWhile("ready"); // the confirming start of a blob with its export list
      assert.deepEqual(readdirSync(blobDir).sort(), all, "a check cut short does not count as a failed one");
      rmSync(join(blobDir, EXPORTS));
      await stopWhile("checking"); // the check launches wait for
      assert.deepEqual(readdirSync(blobDir).sort(), ["node.blob", "node.blob.sha256"], "a check cut short neither counts as failed nor leaves a list");
    }));

  test("Invoke: with --lambda-snapshot off environments start plainly and no blob is built", async () => {
    const server = await startServer({ "lambda-snapshot": "off", "lambda-spares": "0" });
    try {
      await createLambdaRoles(server);
      const lambda = new LambdaClient(server.clientConfig);
      const r = await invoke(lambda, await create(lambda, { "index.js": strToU8(REPORTER) }));
      assert.deepEqual(r, { snapshot: false, preloaded: false, own: false, tables: true });
      assert.deepEqual(await snapshotHealth(server), { off: true });
    } finally {
      await server.stop();
    }
  });
});
