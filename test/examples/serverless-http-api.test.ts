/** The README's first example runs as documented: deploy.sh, try.sh and deploy-openapi.sh against a real server. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { cliEnv, startServer, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
const dir = new URL("../../examples/serverless-http-api/", import.meta.url).pathname;
let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

test("examples/serverless-http-api: deploy.sh builds the API, try.sh exercises create/read/update/list/delete", async () => {
  const { stdout: url } = await run("bash", [`${dir}deploy.sh`, server.endpoint], { env: cliEnv(), cwd: dir });
  assert.match(url.trim(), /\/_aws\/execute-api\/[a-z0-9]{10}\/dev$/);
  const { stdout } = await run("bash", [`${dir}try.sh`, url.trim()], { env: cliEnv(), cwd: dir });
  const lines = stdout.trim().split("\n");
  assert.deepEqual(JSON.parse(lines[0]!), { id: "1", name: "apple" });
  assert.equal(JSON.parse(lines[2]!).name, "apple");
  assert.equal(JSON.parse(lines[3]!).name, "green apple");
  assert.equal(JSON.parse(lines[4]!).items.length, 2);
  assert.equal(lines[5], "204");
  assert.equal(lines[6], '{"message":"not found"} 404');
  const { stdout: url2 } = await run("bash", [`${dir}deploy-openapi.sh`, server.endpoint], { env: cliEnv(), cwd: dir });
  const health = await fetch(`${url2.trim()}/health`);
  assert.deepEqual(await health.json(), { status: "ok", stage: "dev" });
  const item = await fetch(`${url2.trim()}/items/1`);
  assert.equal(((await item.json()) as { name: string }).name, "green apple");
});
