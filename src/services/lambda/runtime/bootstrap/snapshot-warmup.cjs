// Runs the preloaded SDK clients' request paths once while the snapshot is built (bootstrap/node-snapshot.cjs), and
// again in a spare environment while it waits for its function (spareWarmup, below). At the build, it is so
// the blob holds their functions compiled: V8 keeps a snapshot's bytecode, and an environment's first SDK calls
// otherwise spend much of their time compiling the middleware stack lazily (measured: client construction 10 → 3–4 ms,
// first GetItem 43–55 → 30–36 ms).
// Nothing leaves the process: each client gets a request handler that answers from memory, static credentials
// and an explicit region; the clients are dropped before the snapshot is taken. http and its kin are never touched
// (they cannot live in a Node 20 snapshot; the SDK's own handler is not created when one is given). The SDK keeps
// some state in its modules, which the blob would carry into every environment, so the warm-up leaves none of it:
// the shared config files it looks for are under a folder that does not exist (their cache, keyed by path, holds
// only those misses — never this machine's ~/.aws), HOME is set (the home folder is cached only when it is not), and
// the once-per-process Node version warning is put back to not yet emitted.
"use strict";
const { Readable } = require("node:stream");

/** A request handler answering every request with `answer(request)`: { status, headers, body }. */
function memoryHandler(answer) {
  return {
    metadata: { handlerProtocol: "http/1.1" },
    async handle(request) {
      const a = answer(request);
      const body = Buffer.from(a.body ?? "");
      const headers = { "content-length": String(body.length), "x-amzn-requestid": "warmup", "x-amz-request-id": "warmup", ...a.headers };
      return { response: { statusCode: a.status ?? 200, reason: "OK", headers, body: Readable.from([body]) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

const CONFIG = { region: "us-east-1", endpoint: "http://127.0.0.1:1", credentials: { accessKeyId: "warmup", secretAccessKey: "warmup" }, maxAttempts: 1 };

/** Runs after each warm-up request: the spare's warm-up yields there and stops when it must. */
const noStep = async () => {};
/** One request, then the step. */
const sender = (step) => async (client, command) => {
  const out = await client.send(command);
  await step();
  return out;
};
/** Thrown by a spare's step to end its warm-up. */
const STOP = Symbol("stop");

async function dynamodb(ddb, lib, step = noStep) {
  const send = sender(step);
  const item = { id: { S: "1" }, n: { N: "1" }, l: { L: [{ S: "a" }] }, m: { M: { b: { BOOL: true } } } };
  const handler = memoryHandler((req) => {
    const op = String(req.headers["x-amz-target"] || "").split(".")[1];
    const json = { GetItem: { Item: item }, Query: { Items: [item], Count: 1, ScannedCount: 1 }, Scan: { Items: [item], Count: 1, ScannedCount: 1 }, UpdateItem: { Attributes: item }, BatchGetItem: { Responses: { t: [item] } } }[op] ?? {};
    return { headers: { "content-type": "application/x-amz-json-1.0" }, body: JSON.stringify(json) };
  });
  const client = new ddb.DynamoDBClient({ ...CONFIG, requestHandler: handler });
  const Key = { id: { S: "1" } };
  await send(client, new ddb.GetItemCommand({ TableName: "t", Key }));
  await send(client, new ddb.PutItemCommand({ TableName: "t", Item: item }));
  await send(client, new ddb.UpdateItemCommand({ TableName: "t", Key, UpdateExpression: "SET n = :n", ExpressionAttributeValues: { ":n": { N: "2" } }, ReturnValues: "ALL_NEW" }));
  await send(client, new ddb.DeleteItemCommand({ TableName: "t", Key }));
  await send(client, new ddb.QueryCommand({ TableName: "t", KeyConditionExpression: "id = :id", ExpressionAttributeValues: { ":id": { S: "1" } } }));
  await send(client, new ddb.ScanCommand({ TableName: "t" }));
  await send(client, new ddb.BatchGetItemCommand({ RequestItems: { t: { Keys: [Key] } } }));
  await send(client, new ddb.BatchWriteItemCommand({ RequestItems: { t: [{ PutRequest: { Item: item } }] } }));
  const doc = lib.DynamoDBDocumentClient.from(client);
  await send(doc, new lib.GetCommand({ TableName: "t", Key: { id: "1" } }));
  await send(doc, new lib.PutCommand({ TableName: "t", Item: { id: "1", n: 1, l: ["a"], m: { b: true } } }));
  await send(doc, new lib.QueryCommand({ TableName: "t", KeyConditionExpression: "id = :id", ExpressionAttributeValues: { ":id": "1" } }));
  await send(doc, new lib.UpdateCommand({ TableName: "t", Key: { id: "1" }, UpdateExpression: "SET n = :n", ExpressionAttributeValues: { ":n": 2 } }));
  client.destroy();
}

async function s3(s3sdk, step = noStep) {
  const send = sender(step);
  const handler = memoryHandler((req) => {
    if (req.method === "GET" && req.query && "list-type" in req.query)
      return { headers: { "content-type": "application/xml" }, body: '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1</Size><ETag>"e"</ETag><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>' };
    return { headers: { etag: '"e"', "content-type": "text/plain", "last-modified": "Mon, 30 Nov 2026 00:00:00 GMT" }, body: req.method === "GET" ? "x" : "" };
  });
  const client = new s3sdk.S3Client({ ...CONFIG, forcePathStyle: true, requestHandler: handler });
  await send(client, new s3sdk.PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }));
  const got = await send(client, new s3sdk.GetObjectCommand({ Bucket: "b", Key: "k" }));
  await got.Body.transformToString();
  await send(client, new s3sdk.HeadObjectCommand({ Bucket: "b", Key: "k" }));
  await send(client, new s3sdk.ListObjectsV2Command({ Bucket: "b" }));
  await send(client, new s3sdk.DeleteObjectCommand({ Bucket: "b", Key: "k" }));
  client.destroy();
}

const NOWHERE = "/nonexistent/skyport-snapshot-warmup";
const ISOLATED_ENV = { HOME: NOWHERE, AWS_CONFIG_FILE: `${NOWHERE}/config`, AWS_SHARED_CREDENTIALS_FILE: `${NOWHERE}/credentials` };

/**
 * Warms what it can; a failure leaves that client cold (the snapshot is still built). `sdkState` is @aws-sdk/core's
 * exported module state (the Node version warning's latch), when the SDK has it.
 */
async function warmup(preloaded, sdkState, step = noStep) {
  const ddb = preloaded["@aws-sdk/client-dynamodb"];
  const lib = preloaded["@aws-sdk/lib-dynamodb"];
  const s3sdk = preloaded["@aws-sdk/client-s3"];
  const saved = Object.fromEntries(Object.keys(ISOLATED_ENV).map((k) => [k, process.env[k]]));
  const warned = sdkState?.warningEmitted;
  Object.assign(process.env, ISOLATED_ENV);
  if (sdkState) sdkState.warningEmitted = true; // not emitted while building
  const failed = [];
  try {
    // A spare's stop (STOP, thrown by its step) ends the whole warm-up; a failure leaves that client cold.
    const failure = (what) => (e) => {
      if (e === STOP) throw e;
      failed.push(`${what}: ${e && e.message}`);
    };
    if (ddb && lib) await dynamodb(ddb, lib, step).catch(failure("dynamodb"));
    if (s3sdk) await s3(s3sdk, step).catch(failure("s3"));
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (sdkState) sdkState.warningEmitted = warned;
  }
  return failed;
}

/**
 * A spare environment's warm-up while it waits for its function (Skyport's code only, before any of the function's):
 * the same request paths, again and again, so the function's first SDK calls find them compiled and their inline
 * caches filled (with node's http loaded by node-client.cjs: a GetItem handler's first invoke 28–31 → 13–17 ms). It
 * yields to the event loop after every request and stops at the first yield after `done()` turns true, or once it
 * has used `budgetMs` of CPU time.
 */
async function spareWarmup(preloaded, sdkState, done, budgetMs) {
  const cpu0 = process.cpuUsage();
  const spent = () => {
    const c = process.cpuUsage(cpu0);
    return (c.user + c.system) / 1000;
  };
  const over = () => done() || spent() > budgetMs;
  const step = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    if (over()) throw STOP;
  };
  try {
    while (!over()) {
      if ((await warmup(preloaded, sdkState, step)).length) return; // a client that fails would fail again
    }
  } catch (e) {
    if (e !== STOP) throw e;
  }
}

module.exports = { warmup, spareWarmup };
