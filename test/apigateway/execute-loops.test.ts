/**
 * Issue 8 item 13: an HTTP integration that points back at its own API must not loop until restart.
 * Each integration request carries X-Skyport-Hops; past 5 hops the request is refused with 508.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand, PutIntegrationResponseCommand,
  PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;
let backend: Server;
let seen: IncomingHttpHeaders[] = [];

before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
  backend = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", () => r()));
});
after(async () => {
  backend.close();
  await server.stop();
});

/** An API whose /{proxy+} (ANY) is an HTTP_PROXY or HTTP integration to `uri(apiId)`. */
async function api(type: "HTTP_PROXY" | "HTTP", uri: (id: string) => string, requestParameters?: Record<string, string>) {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("loop") }));
  const r = await apigw.send(new CreateResourceCommand({ restApiId: a.id!, parentId: a.rootResourceId!, pathPart: "{proxy+}" }));
  const common = { restApiId: a.id!, resourceId: r.id!, httpMethod: "ANY" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE", requestParameters: { "method.request.path.proxy": true } }));
  await apigw.send(new PutIntegrationCommand({ ...common, type, integrationHttpMethod: "ANY", uri: uri(a.id!), requestParameters: { "integration.request.path.proxy": "method.request.path.proxy", ...requestParameters } }));
  if (type === "HTTP") {
    await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200" }));
  }
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
  return a.id!;
}

test("execute-api: an HTTP_PROXY integration that calls its own API is refused after 5 hops with 508", async () => {
  const id = await api("HTTP_PROXY", (apiId) => `${server.endpoint}/_aws/execute-api/${apiId}/dev/{proxy}`);
  const res = await fetch(`${server.endpoint}/_aws/execute-api/${id}/dev/again`);
  assert.equal(res.status, 508);
  assert.match(((await res.json()) as { message: string }).message, /Integration loop detected/);
  // The server is still serving.
  assert.equal((await fetch(`${server.endpoint}/_skyport/health`)).status, 200);
});

test("execute-api: a mapping cannot reset the hop count (integration.request.header.X-Skyport-Hops is overridden)", async () => {
  const id = await api("HTTP", (apiId) => `${server.endpoint}/_aws/execute-api/${apiId}/dev/{proxy}`, { "integration.request.header.X-Skyport-Hops": "'0'" });
  const res = await fetch(`${server.endpoint}/_aws/execute-api/${id}/dev/again`);
  // The innermost hop answers 508; each HTTP (non-proxy) hop maps its upstream's answer through the
  // default integration response (200) as AWS would: the point is that the chain ends.
  assert.equal(res.status, 200);
});

test("execute-api: integration requests carry X-Skyport-Hops, counted from the incoming request", async () => {
  seen = [];
  const port = (backend.address() as { port: number }).port;
  const id = await api("HTTP_PROXY", () => `http://127.0.0.1:${port}/{proxy}`);
  assert.equal((await fetch(`${server.endpoint}/_aws/execute-api/${id}/dev/x`)).status, 200);
  assert.equal((await fetch(`${server.endpoint}/_aws/execute-api/${id}/dev/x`, { headers: { "X-Skyport-Hops": "3" } })).status, 200);
  assert.deepEqual(seen.map((h) => h["x-skyport-hops"]), ["1", "4"]);
  assert.equal((await fetch(`${server.endpoint}/_aws/execute-api/${id}/dev/x`, { headers: { "X-Skyport-Hops": "6" } })).status, 508);
});
