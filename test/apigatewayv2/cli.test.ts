/** A key flow through the real aws CLI (v1): quick-create an HTTP API with CORS, add a route, reach both, errors as the CLI prints them. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { call } from "./helpers.js";

const run = promisify(execFile);
let server: TestServer;
let backend: Server;
let backendUrl: string;
before(async () => {
  server = await startServer();
  backend = createServer((req, res) => res.end(JSON.stringify({ url: req.url })));
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((r) => backend.close(r));
  await server.stop();
});

const aws = async (...args: string[]) => {
  const { stdout } = await run("aws", ["apigatewayv2", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  return stdout.trim() ? JSON.parse(stdout) : {};
};

test("CreateApi: the aws CLI flow — quick create, create-route, get-stages, delete-api", async () => {
  const api = await aws("create-api", "--name", uniqueName("cli"), "--protocol-type", "HTTP", "--target", `${backendUrl}/quick`, "--cors-configuration", "AllowOrigins=https://example.com,AllowMethods=GET");
  assert.equal(api.ApiEndpoint, `http://${api.ApiId}.execute-api.localhost:${server.skyport.port}`);
  assert.deepEqual(api.CorsConfiguration, { AllowMethods: ["GET"], AllowOrigins: ["https://example.com"] });
  const integrations = await aws("get-integrations", "--api-id", api.ApiId);
  assert.equal(integrations.Items[0].IntegrationType, "HTTP_PROXY");
  const route = await aws("create-route", "--api-id", api.ApiId, "--route-key", "GET /items/{id}", "--target", `integrations/${integrations.Items[0].IntegrationId}`);
  assert.equal(route.RouteKey, "GET /items/{id}");
  const stages = await aws("get-stages", "--api-id", api.ApiId);
  assert.deepEqual(stages.Items.map((s: { StageName: string; AutoDeploy: boolean }) => [s.StageName, s.AutoDeploy]), [["$default", true]]);
  const r = await call(server.skyport.port, api.ApiId, "GET", "/items/7", { Origin: "https://example.com" });
  assert.equal(r.status, 200);
  assert.equal(r.headers["access-control-allow-origin"], "https://example.com");
  await aws("delete-api", "--api-id", api.ApiId);
  try {
    await aws("get-api", "--api-id", api.ApiId);
    assert.fail("get-api succeeded after delete-api");
  } catch (e) {
    assert.match((e as { stderr: string }).stderr, new RegExp(`NotFoundException.*Invalid API identifier specified 000000000000:${api.ApiId}`));
  }
});
