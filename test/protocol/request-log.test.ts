/**
 * One log line per request at info (issue 9 item 5): service.Operation (or the data plane's route),
 * status, duration, request id, and the error code of an error answer; text or JSON; nothing below info's level.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import { resolveConfig } from "../../src/cli/config.js";
import { SkyportError } from "../../src/aws/errors.js";
import { createLogger } from "../../src/core/log.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

const jsonLines: string[] = [];
const textLines: string[] = [];
const warnLines: string[] = [];
let jsonServer: TestServer;
let textServer: TestServer;
let warnServer: TestServer;

before(async () => {
  jsonServer = await startServer({}, { log: createLogger("info", (l) => jsonLines.push(l), "json") });
  textServer = await startServer({}, { log: createLogger("info", (l) => textLines.push(l), "text") });
  warnServer = await startServer({}, { log: createLogger("warn", (l) => warnLines.push(l), "text") });
});
after(async () => {
  await jsonServer.stop();
  await textServer.stop();
  await warnServer.stop();
});

type Entry = { time: string; level: string; msg: string; route: string; status: number; durationMs: number; requestId: string; errorCode?: string };
const requests = () => jsonLines.map((l) => JSON.parse(l) as Entry).filter((e) => e.msg === "request");

test("ListTables: one JSON line with route, status, duration and the request id the client saw", async () => {
  const ddb = new DynamoDBClient(jsonServer.clientConfig);
  const before = requests().length;
  const out = await ddb.send(new ListTablesCommand({}));
  const mine = requests().slice(before);
  assert.equal(mine.length, 1);
  const e = mine[0]!;
  assert.equal(e.level, "info");
  assert.equal(e.route, "dynamodb.ListTables");
  assert.equal(e.status, 200);
  assert.equal(e.requestId, out.$metadata.requestId);
  assert.equal(typeof e.durationMs, "number");
  assert.ok(!Number.isNaN(Date.parse(e.time)));
  assert.equal(e.errorCode, undefined);
});

test("DescribeTable: an error answer's line carries its code", async () => {
  const ddb = new DynamoDBClient(jsonServer.clientConfig);
  const before = requests().length;
  await ddb.send(new DescribeTableCommand({ TableName: "no-such-table" })).catch(() => undefined);
  const e = requests().slice(before)[0]!;
  assert.equal(e.route, "dynamodb.DescribeTable");
  assert.equal(e.status, 400);
  assert.equal(e.errorCode, "ResourceNotFoundException");
});

test("execute-api: a data-plane request is logged with its method and path", async () => {
  const before = requests().length;
  await fetch(`${jsonServer.endpoint}/_aws/execute-api/nope123/dev/items?x=1`);
  const e = requests().slice(before)[0]!;
  assert.match(e.route, /^GET .*\/_aws\/execute-api\/nope123\/dev\/items$/);
  assert.ok(e.status >= 400);
});

test("Invoke: logged as lambda.Invoke; the function's own Runtime API polling (whose path names its environment) is not", async () => {
  const lambda = new LambdaClient(jsonServer.clientConfig);
  await createLambdaRoles(jsonServer);
  const name = uniqueName("log");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8("exports.handler = async () => 1;") }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const before = requests().length;
  await lambda.send(new InvokeCommand({ FunctionName: name }));
  const mine = requests().slice(before);
  assert.ok(mine.some((e) => e.route === "lambda.Invoke" && e.status === 200), JSON.stringify(mine));
  assert.ok(!jsonLines.some((l) => l.includes("lambda-runtime")), "runtime API traffic logged at info");
});

test("ListTables: the text format is one line: time, INFO, route, status, duration, request id", async () => {
  const ddb = new DynamoDBClient(textServer.clientConfig);
  const before = textLines.length;
  const out = await ddb.send(new ListTablesCommand({}));
  const mine = textLines.slice(before);
  assert.equal(mine.length, 1);
  assert.match(mine[0]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z INFO  dynamodb\\.ListTables 200 [\\d.]+ms ${out.$metadata.requestId}\\n$`));
});

test("ListTables: at --log-level warn no request is logged", async () => {
  await new DynamoDBClient(warnServer.clientConfig).send(new ListTablesCommand({}));
  assert.equal(warnLines.filter((l) => l.includes("dynamodb.ListTables")).length, 0);
});

test("--log-format: text or json, anything else is refused plainly", () => {
  assert.equal(resolveConfig({ "log-format": "json" }, {}).logFormat, "json");
  assert.equal(resolveConfig({}, { SKYPORT_LOG_FORMAT: "json" }).logFormat, "json");
  assert.equal(resolveConfig({}, {}).logFormat, "text");
  assert.throws(() => resolveConfig({ "log-format": "xml" }, {}), (e: unknown) => e instanceof SkyportError && /--log-format must be text or json/.test(e.message));
});
