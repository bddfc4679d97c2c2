/**
 * WebSocket API limits (AWS: 10 minutes idle, 2 hours in all, 128 KB messages), with the idle limit set to
 * one second by --websocket-idle-seconds so the sweep is seen without waiting minutes.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { ApiGatewayV2Client, CreateApiCommand, CreateDeploymentCommand, CreateIntegrationCommand, CreateIntegrationResponseCommand, CreateRouteCommand, CreateRouteResponseCommand, CreateStageCommand } from "@aws-sdk/client-apigatewayv2";
import { ApiGatewayManagementApiClient, GetConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let api: string;
before(async () => {
  server = await startServer({ "websocket-idle-seconds": "1" });
  const v2 = new ApiGatewayV2Client(server.clientConfig);
  api = (await v2.send(new CreateApiCommand({ Name: uniqueName("wsl"), ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" }))).ApiId!;
  const integ = (await v2.send(new CreateIntegrationCommand({ ApiId: api, IntegrationType: "MOCK", RequestTemplates: { $default: '{"statusCode":200}' } }))).IntegrationId!;
  await v2.send(new CreateIntegrationResponseCommand({ ApiId: api, IntegrationId: integ, IntegrationResponseKey: "$default", ResponseTemplates: { $default: "$context.connectionId" } }));
  const route = await v2.send(new CreateRouteCommand({ ApiId: api, RouteKey: "$default", Target: `integrations/${integ}`, RouteResponseSelectionExpression: "$default" }));
  await v2.send(new CreateRouteResponseCommand({ ApiId: api, RouteId: route.RouteId!, RouteResponseKey: "$default" }));
  await v2.send(new CreateStageCommand({ ApiId: api, StageName: "prod" }));
  await v2.send(new CreateDeploymentCommand({ ApiId: api, StageName: "prod" }));
});
after(() => server.stop());

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.skyport.port}/_aws/execute-api/${api}/prod`);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}
const closed = (ws: WebSocket) => new Promise<[number, string]>((resolve) => ws.once("close", (code, reason) => resolve([code, String(reason)])));

test("Idle timeout: a connection without messages is closed with 1001 Going away, then GoneException", async () => {
  const ws = await open();
  const id = await new Promise<string>((resolve) => {
    ws.once("message", (m) => resolve(String(m)));
    ws.send("who am i");
  });
  assert.deepEqual(await closed(ws), [1001, "Going away"]);
  const mgmt = new ApiGatewayManagementApiClient({ ...server.clientConfig, endpoint: `${server.endpoint}/_aws/execute-api/${api}/prod` });
  assert.equal(((await mgmt.send(new GetConnectionCommand({ ConnectionId: id })).catch((e: Error) => e)) as Error).name, "GoneException");
});

test("Message size: a message over 128 KB closes the connection with 1009", async () => {
  const ws = await open();
  const done = closed(ws);
  ws.send(Buffer.alloc(128 * 1024 + 1, 97).toString());
  assert.equal((await done)[0], 1009);
});
