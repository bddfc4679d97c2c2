/** HTTP API throttling (stage default and per-route settings → 429), access logs to CloudWatch Logs, AWS/ApiGateway metrics by ApiId and Stage. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as wait } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { ApiGatewayV2Client, CreateApiCommand, CreateRouteCommand, GetIntegrationsCommand, UpdateStageCommand } from "@aws-sdk/client-apigatewayv2";
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { call } from "./helpers.js";

let server: TestServer;
let v2: ApiGatewayV2Client;
let backend: Server;
let target: string;
before(async () => {
  server = await startServer();
  v2 = new ApiGatewayV2Client(server.clientConfig);
  backend = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
  target = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/`;
});
after(async () => {
  v2.destroy();
  await new Promise((r) => backend.close(r));
  await server.stop();
});

/** Polls background work (metric and log flushes) until `check` yields a value; fails after ~10 s. */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await wait(100);
  }
  throw new Error("the background work never showed up");
}

async function api() {
  const a = await v2.send(new CreateApiCommand({ Name: uniqueName("lim"), ProtocolType: "HTTP", Target: target }));
  const integrationId = (await v2.send(new GetIntegrationsCommand({ ApiId: a.ApiId }))).Items![0]!.IntegrationId;
  return { id: a.ApiId!, integrationId };
}

describe("HTTP API limits and observability", () => {
  test("Invoke: route throttling (RouteSettings over DefaultRouteSettings) answers 429 Too Many Requests", async () => {
    const { id, integrationId } = await api();
    await v2.send(new CreateRouteCommand({ ApiId: id, RouteKey: "GET /tight", Target: `integrations/${integrationId}` }));
    // rate 0: the bucket never refills, so the count of passing requests is exact.
    await v2.send(new UpdateStageCommand({ ApiId: id, StageName: "$default", DefaultRouteSettings: { ThrottlingBurstLimit: 3, ThrottlingRateLimit: 0 }, RouteSettings: { "GET /tight": { ThrottlingBurstLimit: 1, ThrottlingRateLimit: 0 } } }));
    const port = server.skyport.port;
    assert.equal((await call(port, id, "GET", "/tight")).status, 200);
    const refused = await call(port, id, "GET", "/tight");
    assert.equal(refused.status, 429);
    assert.deepEqual(JSON.parse(refused.body), { message: "Too Many Requests" });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(port, id, "GET", "/other")).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  test("Invoke: access log lines with $context variables in the stage's log group", async () => {
    const { id } = await api();
    const logs = new CloudWatchLogsClient(server.clientConfig);
    try {
      const group = uniqueName("/aws/http-api");
      await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      await v2.send(new UpdateStageCommand({ ApiId: id, StageName: "$default", AccessLogSettings: { DestinationArn: `arn:aws:logs:us-east-1:000000000000:log-group:${group}`, Format: '{"id":"$context.requestId","route":"$context.routeKey","status":"$context.status","method":"$context.httpMethod","ip":"$context.identity.sourceIp"}' } }));
      const r = await call(server.skyport.port, id, "POST", "/x");
      const line = await eventually(async () => (await logs.send(new FilterLogEventsCommand({ logGroupName: group }))).events?.[0]?.message);
      assert.deepEqual(JSON.parse(line), { id: r.headers["apigw-requestid"], route: "$default", status: "200", method: "POST", ip: "127.0.0.1" });
    } finally {
      logs.destroy();
    }
  });

  test("Invoke: AWS/ApiGateway metrics Count, 4xx, 5xx, Latency, DataProcessed by ApiId and Stage", async () => {
    const { id } = await api();
    const cw = new CloudWatchClient(server.clientConfig);
    try {
      const port = server.skyport.port;
      await call(port, id, "GET", "/a");
      await call(port, id, "GET", "/b");
      const stat = (name: string) => eventually(async () => {
        const out = await cw.send(new GetMetricStatisticsCommand({ Namespace: "AWS/ApiGateway", MetricName: name, Dimensions: [{ Name: "ApiId", Value: id }, { Name: "Stage", Value: "$default" }], StartTime: new Date(Date.now() - 3600_000), EndTime: new Date(Date.now() + 60_000), Period: 3600, Statistics: ["Sum", "SampleCount"] }));
        const d = out.Datapoints?.[0];
        return d && d.SampleCount === 2 ? d : undefined;
      });
      assert.equal((await stat("Count")).Sum, 2);
      assert.equal((await stat("4xx")).Sum, 0);
      assert.equal((await stat("5xx")).Sum, 0);
      assert.ok((await stat("Latency")).Sum! >= 0);
      assert.equal((await stat("DataProcessed")).Sum, 4);
    } finally {
      cw.destroy();
    }
  });
});
