/**
 * Skyport's node runtime client pipelines each answer with its next poll on one keep-alive connection: an
 * environment still answers consecutive invocations in order, each with its own result or error, and concurrent
 * invocations each get their own answer.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

const CODE = `
const env = require("crypto").randomUUID();
exports.handler = async (event) => {
  if (event.fail) throw new Error("failed " + event.n);
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  console.log("n=" + event.n);
  return { n: event.n, env, big: event.big ? "x".repeat(event.big) : undefined };
};`;

describe("node runtime client", () => {
  let server: TestServer;
  let lambda: LambdaClient;
  let name: string;
  before(async () => {
    server = await startServer({ "lambda-spares": "0" });
    await createLambdaRoles(server);
    lambda = new LambdaClient(server.clientConfig);
    name = uniqueName("rc");
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(CODE) }) }, Timeout: 30 }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  });
  after(() => server.stop());

  async function invoke(payload: Record<string, unknown>) {
    const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: strToU8(JSON.stringify(payload)), LogType: "Tail" }));
    return { error: r.FunctionError, json: JSON.parse(Buffer.from(r.Payload!).toString("utf8")), log: Buffer.from(r.LogResult ?? "", "base64").toString("utf8") };
  }

  test("Invoke: one environment answers consecutive invocations in order, results and errors alike", async () => {
    const envs = new Set<string>();
    for (let n = 0; n < 24; n++) {
      const r = await invoke({ n, fail: n % 3 === 2, big: n === 5 ? 300_000 : undefined });
      if (n % 3 === 2) {
        assert.equal(r.error, "Unhandled");
        assert.equal(r.json.errorMessage, `failed ${n}`);
      } else {
        assert.equal(r.error, undefined);
        assert.equal(r.json.n, n);
        if (n === 5) assert.equal(r.json.big.length, 300_000);
        assert.match(r.log, new RegExp(`\\tINFO\\tn=${n}\\n`));
        envs.add(r.json.env);
      }
      assert.match(r.log, /REPORT RequestId: /);
    }
    assert.equal(envs.size, 1);
  });

  test("Invoke: concurrent invocations each get their own answer", async () => {
    const rs = await Promise.all(Array.from({ length: 6 }, (_, n) => invoke({ n, sleep: 20 })));
    assert.deepEqual(rs.map((r) => r.json.n), [0, 1, 2, 3, 4, 5]);
    assert.ok(rs.every((r) => r.error === undefined));
  });
});
