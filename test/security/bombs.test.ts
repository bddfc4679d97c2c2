/**
 * Input bombs (issue 8 item 6): a few hundred bytes that expand to gigabytes must be refused while they are
 * still small. Memory is read from the kernel's high-water mark (VmHWM) of this process, which also runs
 * the server: its growth across the attack is what the attack cost.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createDeflateRaw, createGzip, crc32 } from "node:zlib";
import { strToU8, zipSync } from "fflate";
import { APIGatewayClient, ImportRestApiCommand, PutRestApiCommand, CreateRestApiCommand } from "@aws-sdk/client-api-gateway";
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, UpdateFunctionCodeCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let apigw: APIGatewayClient;
let lambda: LambdaClient;
const ROLE = "arn:aws:iam::000000000000:role/test";
const MiB = 1024 * 1024;

before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  apigw = new APIGatewayClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
});
after(() => server.stop());

const vmHwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;
const errorOf = (p: Promise<unknown>) => p.then(() => assert.fail("expected an error"), (e: { name: string; message: string }) => e);

// ---- YAML ----------------------------------------------------------------------------------------

/** 8 levels of 9 aliases: 9^9 ≈ 387 million strings once expanded, from ~700 bytes. */
function yamlBomb(): Uint8Array {
  let s = "openapi: 3.0.1\ninfo: {title: bomb, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Bomb:\n      type: object\n      example:\n";
  s += `        l0: &l0 [${Array(9).fill('"lol"').join(", ")}]\n`;
  for (let i = 1; i < 9; i++) s += `        l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(", ")}]\n`;
  return strToU8(s);
}

test("ImportRestApi: a YAML alias bomb is refused with BadRequestException, memory flat", async () => {
  const before = vmHwm();
  const err = await errorOf(apigw.send(new ImportRestApiCommand({ body: yamlBomb() })));
  assert.equal(err.name, "BadRequestException");
  assert.match(err.message, /too large/);
  assert.ok(vmHwm() - before < 150 * MiB, `VmHWM grew by ${(vmHwm() - before) / MiB} MiB`);
});

test("PutRestApi: a YAML alias bomb is refused with BadRequestException", async () => {
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("bomb") }));
  const err = await errorOf(apigw.send(new PutRestApiCommand({ restApiId: api.id, mode: "overwrite", body: yamlBomb() })));
  assert.equal(err.name, "BadRequestException");
});

test("ImportRestApi: a JSON definition nested 3,000 deep is a BadRequestException, not a stack overflow", async () => {
  const deep = `{"openapi":"3.0.1","info":{"title":"deep","version":"1"},"paths":{},"x-deep":${"[".repeat(3000)}${"]".repeat(3000)}}`;
  const err = await errorOf(apigw.send(new ImportRestApiCommand({ body: strToU8(deep) })));
  assert.equal(err.name, "BadRequestException");
  assert.match(err.message, /nested more than 256 levels/);
});

test("ImportRestApi: YAML aliases within the limits still import", async () => {
  const yamlDef = "openapi: 3.0.1\ninfo: {title: aliases, version: '1'}\npaths:\n  /a:\n    get: &m\n      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}}\n  /b:\n    get: *m\n";
  const api = await apigw.send(new ImportRestApiCommand({ body: strToU8(yamlDef) }));
  assert.equal(api.name, "aliases");
});

// ---- zip -----------------------------------------------------------------------------------------

interface RawEntry {
  name: string;
  data: Uint8Array;
  method: 0 | 8;
  crc: number;
  /** What the headers say the entry inflates to (a bomb may lie). */
  declaredSize: number;
}

/** A zip written by hand, so the headers can say what a test needs them to say. */
function buildZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100755 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(e.data));
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** `size` zero bytes deflated, without ever holding them: ~380 KB for 384 MiB. */
async function deflatedZeros(size: number): Promise<{ data: Buffer; crc: number }> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on("data", (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => deflate.on("end", resolve));
  const chunk = Buffer.alloc(MiB);
  let crc = 0;
  for (let left = size; left > 0; left -= MiB) {
    const piece = left >= MiB ? chunk : chunk.subarray(0, left);
    crc = crc32(piece, crc);
    if (!deflate.write(piece)) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await done;
  return { data: Buffer.concat(out), crc };
}

let zeros: { data: Buffer; crc: number } | undefined;
const zeros384 = async () => (zeros ??= await deflatedZeros(384 * MiB));
const honestBomb = async () => buildZip([{ name: "zeros.bin", method: 8, ...(await zeros384()), declaredSize: 384 * MiB }]);
/** Declares 1,000 bytes, inflates to 384 MiB. */
const lyingBomb = async () => buildZip([{ name: "index.js", method: 8, ...(await zeros384()), declaredSize: 1000 }]);
const goodZip = () => zipSync({ "index.js": strToU8("exports.handler = async () => 'ok';") });

async function createGood(): Promise<string> {
  const name = uniqueName("bomb");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: goodZip() } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 as number, maxDelay: 0.2 as number } as never, { FunctionName: name });
  return name;
}

test("CreateFunction: a zip declaring 384 MiB unzipped is refused before inflating, memory flat", async () => {
  const zip = await honestBomb();
  const before = vmHwm();
  const err = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("bomb"), Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zip } })));
  assert.equal(err.name, "InvalidParameterValueException");
  assert.equal(err.message, "Unzipped size must be smaller than 262144000 bytes");
  assert.ok(vmHwm() - before < 150 * MiB, `VmHWM grew by ${(vmHwm() - before) / MiB} MiB`);
});

test("UpdateFunctionCode: a zip declaring 384 MiB unzipped is refused, the old code keeps running", async () => {
  const name = await createGood();
  const err = await errorOf(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: await honestBomb() })));
  assert.equal(err.name, "InvalidParameterValueException");
  assert.equal(err.message, "Unzipped size must be smaller than 262144000 bytes");
  const out = await lambda.send(new InvokeCommand({ FunctionName: name }));
  assert.equal(Buffer.from(out.Payload!).toString(), '"ok"');
});

test("UpdateFunctionCode: a zip that lies about its size stops inflating at the lie, memory flat", async () => {
  const name = await createGood();
  const zip = await lyingBomb();
  const before = vmHwm();
  const err = await errorOf(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip })));
  assert.equal(err.name, "InvalidParameterValueException");
  assert.equal(err.message, "Could not unzip uploaded file. Please check your file, then try to upload again.");
  assert.ok(vmHwm() - before < 150 * MiB, `VmHWM grew by ${(vmHwm() - before) / MiB} MiB`);
});

test("UpdateFunctionCode: 240 MB inflated to disk in steps before the lie shows, memory flat", async () => {
  const name = await createGood();
  const zip = buildZip([{ name: "index.js", method: 8, ...(await zeros384()), declaredSize: 240_000_000 }]);
  const before = vmHwm();
  const err = await errorOf(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip })));
  assert.equal(err.name, "InvalidParameterValueException");
  assert.ok(vmHwm() - before < 150 * MiB, `VmHWM grew by ${(vmHwm() - before) / MiB} MiB`);
  const out = await lambda.send(new InvokeCommand({ FunctionName: name }));
  assert.equal(Buffer.from(out.Payload!).toString(), '"ok"');
});

test("CreateFunction: a zip that lies about its size never becomes Active", async () => {
  const name = uniqueName("bomb");
  const before = vmHwm();
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: await lyingBomb() } }));
  let state: string | undefined = "Pending";
  for (let i = 0; i < 200 && state === "Pending"; i++) state = (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.State;
  assert.equal(state, "Failed");
  assert.ok(vmHwm() - before < 150 * MiB, `VmHWM grew by ${(vmHwm() - before) / MiB} MiB`);
});

test("CreateFunction: many entries whose declared sizes add up past the limit are refused", async () => {
  const entry = { method: 8 as const, ...(await deflatedZeros(MiB)), declaredSize: 100 * MiB };
  const zip = buildZip([{ name: "a", ...entry }, { name: "b", ...entry }, { name: "c", ...entry }]);
  const err = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("bomb"), Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zip } })));
  assert.equal(err.name, "InvalidParameterValueException");
  assert.equal(err.message, "Unzipped size must be smaller than 262144000 bytes");
});

test("CreateFunction: a stored (uncompressed) entry and a hand-built deflated entry extract and run", async () => {
  const src = strToU8("const fs = require('fs'); exports.handler = async () => ['hand-built', (fs.statSync(__dirname + '/lib/one.js').mode & 0o777).toString(8)];");
  const deflated = await new Promise<Buffer>((resolve) => {
    const d = createDeflateRaw();
    const parts: Buffer[] = [];
    d.on("data", (c: Buffer) => parts.push(c));
    d.on("end", () => resolve(Buffer.concat(parts)));
    d.end(src);
  });
  const lib = strToU8("module.exports = 1;");
  const zip = buildZip([
    { name: "index.js", method: 8, data: deflated, crc: crc32(src), declaredSize: src.length },
    { name: "lib/one.js", method: 0, data: lib, crc: crc32(lib), declaredSize: lib.length },
    { name: "../escape.js", method: 0, data: lib, crc: crc32(lib), declaredSize: lib.length },
  ]);
  const name = uniqueName("bomb");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zip } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 as number, maxDelay: 0.2 as number } as never, { FunctionName: name });
  const out = await lambda.send(new InvokeCommand({ FunctionName: name }));
  // Executable (bootstrap and binaries must run whatever the zip tool recorded); nothing written outside the task root.
  assert.deepEqual(JSON.parse(Buffer.from(out.Payload!).toString()), ["hand-built", "755"]);
  assert.deepEqual(findFiles(server.skyport.config.dataDir, "escape.js"), []);
});

function findFiles(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) found.push(...findFiles(p, name));
    else if (e.name === name) found.push(p);
  }
  return found;
}

// ---- gzip request bodies -------------------------------------------------------------------------

test("PutItem: a gzip request body that inflates past DynamoDB's 16 MB limit stops there → 413, memory flat", async () => {
  // 256 MiB of JSON whitespace, compressed (~250 KB) without ever holding it.
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on("data", (c: Buffer) => parts.push(c));
  const done = new Promise((r) => gz.on("end", r));
  const chunk = Buffer.alloc(MiB, 0x20);
  for (let i = 0; i < 256; i++) if (!gz.write(chunk)) await new Promise((r) => gz.once("drain", r));
  gz.end();
  await done;
  const before = vmHwm();
  const r = await fetch(server.endpoint, {
    method: "POST",
    headers: { "x-amz-target": "DynamoDB_20120810.PutItem", "content-type": "application/x-amz-json-1.0", "content-encoding": "gzip", authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00" },
    body: Buffer.concat(parts),
  });
  assert.equal(r.status, 413);
  assert.match(((await r.json()) as { __type: string }).__type, /RequestEntityTooLarge/);
  assert.ok(vmHwm() - before < 150 * MiB, `VmHWM grew by ${(vmHwm() - before) / MiB} MiB`);
});
