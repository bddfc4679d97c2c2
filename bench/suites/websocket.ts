/**
 * WebSocket APIs (issue 14): Skyport's RSS holding N idle connections (target: 10,000 within 500 MB), and
 * messages/s round trip through a two-way Lambda route (client → $default route → function → route
 * response back) at 1 and 16 connections, p50/p99. Setup goes through the SDK (not measured); the clients
 * are `ws` sockets in this process, so the server's RSS is measured alone. SKYPORT_BENCH_WS_IDLE=N changes
 * the number of idle connections (a smoke run can use fewer).
 */
import WebSocket from "ws";
import { ApiGatewayV2Client, CreateApiCommand, CreateDeploymentCommand, CreateIntegrationCommand, CreateIntegrationResponseCommand, CreateRouteCommand, CreateRouteResponseCommand, CreateStageCommand } from "@aws-sdk/client-apigatewayv2";
import { printTable, type Row } from "../lib/report.js";
import { rssMb, startSkyport, stop } from "../lib/servers.js";
import type { BenchOptions } from "../run.js";
import { createFunction } from "./lambda.js";

const ECHO = `exports.handler = async (event) => ({ statusCode: 200, body: event.body });\n`;
const IDLE_TARGET = Number(process.env.SKYPORT_BENCH_WS_IDLE ?? 10_000);
const OPEN_AT_ONCE = 200;

async function wsApi(base: string, integration: { type: "MOCK" } | { type: "AWS_PROXY"; fnArn: string }): Promise<string> {
  const v2 = new ApiGatewayV2Client({ endpoint: base, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const api = (await v2.send(new CreateApiCommand({ Name: "bench", ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" }))).ApiId!;
  const integ = integration.type === "MOCK"
    ? (await v2.send(new CreateIntegrationCommand({ ApiId: api, IntegrationType: "MOCK", RequestTemplates: { $default: '{"statusCode":200}' } }))).IntegrationId!
    : (await v2.send(new CreateIntegrationCommand({ ApiId: api, IntegrationType: "AWS_PROXY", IntegrationUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${integration.fnArn}/invocations` }))).IntegrationId!;
  if (integration.type === "MOCK") await v2.send(new CreateIntegrationResponseCommand({ ApiId: api, IntegrationId: integ, IntegrationResponseKey: "$default", ResponseTemplates: { $default: "pong" } }));
  const route = await v2.send(new CreateRouteCommand({ ApiId: api, RouteKey: "$default", Target: `integrations/${integ}`, RouteResponseSelectionExpression: "$default" }));
  await v2.send(new CreateRouteResponseCommand({ ApiId: api, RouteId: route.RouteId!, RouteResponseKey: "$default" }));
  await v2.send(new CreateStageCommand({ ApiId: api, StageName: "bench" }));
  await v2.send(new CreateDeploymentCommand({ ApiId: api, StageName: "bench" }));
  return api;
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** Opens `n` connections, OPEN_AT_ONCE at a time; returns those that opened. */
async function openMany(url: string, n: number): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += OPEN_AT_ONCE) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(OPEN_AT_ONCE, n - i) }, () => open(url)));
    for (const b of batch) if (b.status === "fulfilled") out.push(b.value);
  }
  return out;
}

/** Each socket sends, waits for the answer, sends again, for `seconds`; latencies of every round trip. */
async function roundTrips(sockets: WebSocket[], seconds: number): Promise<{ count: number; latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(sockets.map(async (ws) => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const answer = await new Promise<string>((resolve) => {
        ws.once("message", (m) => resolve(String(m)));
        ws.send("ping");
      });
      if (answer !== "ping" && answer !== "pong") errors++;
      latencies.push(performance.now() - t0);
    }
  }));
  return { count: latencies.length, latencies, errors };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? 0;
};

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  const sky = await startSkyport();
  try {
    const host = (api: string, stage: string) => `ws://127.0.0.1:${sky.port}/_aws/execute-api/${api}/${stage}`;
    // Idle connections on a MOCK API (no function environment counts in the RSS).
    const idleApi = await wsApi(sky.url, { type: "MOCK" });
    const before = rssMb(sky.pid);
    const idle = await openMany(host(idleApi, "bench"), IDLE_TARGET);
    const held = rssMb(sky.pid);
    rows.push({ scenario: `${IDLE_TARGET} idle connections`, server: "skyport", values: { open: idle.length, rss: held, perConn: ((held - before) * 1024) / Math.max(1, idle.length) } });
    for (const ws of idle) ws.terminate();

    // Round trips: MOCK (the gateway alone), then a Lambda route.
    const fnArn = "arn:aws:lambda:us-east-1:000000000000:function:wsecho";
    await createFunction(sky.url, "wsecho", ECHO);
    const lambdaApi = await wsApi(sky.url, { type: "AWS_PROXY", fnArn });
    for (const [label, api] of [["MOCK route", idleApi], ["Lambda route", lambdaApi]] as const) {
      for (const c of [1, 16]) {
        const sockets = await openMany(host(api, "bench"), c);
        await roundTrips(sockets, 1); // warm-up: function environments start here
        const r = await roundTrips(sockets, opts.seconds);
        rows.push({ scenario: `${label} round trip, ${c} conn`, server: "skyport", values: { mps: r.count / opts.seconds, p50: pct(r.latencies, 50), p99: pct(r.latencies, 99), errors: r.errors } });
        for (const ws of sockets) ws.terminate();
      }
    }
  } finally {
    await stop(sky);
  }
  return (
    printTable("WebSocket: idle connections", rows.filter((r) => r.scenario.includes("idle")), [
      { key: "open", label: "opened", higherIsBetter: true },
      { key: "rss", label: "server RSS MB", higherIsBetter: false },
      { key: "perConn", label: "KB per connection", higherIsBetter: false, digits: 1 },
    ]) +
    printTable("WebSocket: round trips", rows.filter((r) => r.scenario.includes("round trip")), [
      { key: "mps", label: "messages/s", higherIsBetter: true },
      { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
      { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
      { key: "errors", label: "errors", higherIsBetter: false },
    ])
  );
}
