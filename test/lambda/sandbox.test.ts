/**
 * Execution environments with and without the bubblewrap sandbox: with it, code is read-only at /var/task,
 * /tmp is private, and the environment has its own pid namespace; without it, plain host processes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { hasBubblewrap } from "../../src/runtime/process-launcher.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

const PROBE = `
const fs = require("fs");
exports.handler = async () => {
  let codeWritable = true;
  try { fs.writeFileSync(process.env.LAMBDA_TASK_ROOT + "/x", "1"); } catch (e) { codeWritable = e.code; }
  fs.writeFileSync("/tmp/probe", "ok");
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  return { root: process.env.LAMBDA_TASK_ROOT, cwd: process.cwd(), codeWritable, tmp: fs.readFileSync("/tmp/probe", "utf8"), pid: process.pid, sdk: typeof DynamoDBClient, hostTmpVisible: fs.readdirSync("/tmp").some((f) => f.startsWith("skyport-")) };
};`;

async function probe(mode: string) {
  const server = await startServer({ "lambda-sandbox": mode });
  await createLambdaRoles(server);
  try {
    const lambda = new LambdaClient(server.clientConfig);
    const name = uniqueName("probe");
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(PROBE) }) } }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
    const r = await lambda.send(new InvokeCommand({ FunctionName: name }));
    return JSON.parse(Buffer.from(r.Payload!).toString());
  } finally {
    await server.stop();
  }
}

describe("execution environment isolation", () => {
  test("--lambda-sandbox off: plain host processes, code in the data dir", async () => {
    const out = await probe("off");
    assert.notEqual(out.root, "/var/task");
    assert.equal(out.cwd, out.root);
    assert.equal(out.tmp, "ok");
    assert.equal(out.sdk, "function");
  });

  test("--lambda-sandbox bubblewrap: read-only /var/task, private /tmp, own pid namespace, SDK still provided", { skip: hasBubblewrap() ? false : "bubblewrap (bwrap) is not installed on this machine" }, async () => {
    const out = await probe("bubblewrap");
    assert.equal(out.root, "/var/task");
    assert.equal(out.cwd, "/var/task");
    assert.equal(out.codeWritable, "EROFS");
    assert.equal(out.tmp, "ok");
    assert.equal(out.hostTmpVisible, false, "the host's /tmp is not visible");
    assert.ok(out.pid < 10, `pid ${out.pid} inside its own pid namespace`);
    assert.equal(out.sdk, "function", "ESM import of the provided SDK resolves from /var/runtime/node_modules");
  });
});
