/** examples/websocket-chat runs as its README says: deploy.sh with the AWS CLI, then client.mjs with two participants. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { cliEnv, startServer, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
const dir = new URL("../../examples/websocket-chat/", import.meta.url).pathname;
let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

test("examples/websocket-chat: deploy.sh builds the chat room, client.mjs shows two participants talking", async () => {
  const { stdout: url } = await run("bash", [`${dir}deploy.sh`, server.endpoint], { env: cliEnv(), cwd: dir });
  assert.match(url.trim(), /^ws:\/\/127\.0\.0\.1:\d+\/_aws\/execute-api\/[a-z0-9]{10}\/dev$/);
  const { stdout } = await run(process.execPath, [`${dir}client.mjs`, url.trim()], { cwd: dir, timeout: 60_000 });
  const lines = stdout.trim().split("\n").sort();
  assert.deepEqual(lines, ["alice got: alice: hi bob!", "alice got: bob: hello alice", "bob got: alice: hi bob!", "bob got: bob: hello alice"]);
});
