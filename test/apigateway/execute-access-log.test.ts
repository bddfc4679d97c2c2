/**
 * Issue 16 items 9–10: access logs (accessLogSettings.format with $context variables, written to the
 * destination log group), execution logs (loggingLevel INFO/ERROR, dataTraceEnabled) in
 * API-Gateway-Execution-Logs_{apiId}/{stage}, and the AWS/ApiGateway request metrics (Count, 4XXError,
 * 5XXError, Latency, IntegrationLatency; Method/Resource dimensions with detailed metrics) read back with
 * `aws cloudwatch get-metric-statistics`. Log lines are written in batches off the request path, so the test
 * polls the log group until they arrive.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { APIGatewayClient, UpdateStageCommand } from "@aws-sdk/client-api-gateway";
import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { renderAccessLog } from "../../src/services/apigateway/execute/access-log.js";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { mockApi, statuses } from "./execute-throttle.helpers.js";

const run = promisify(execFile);

test("renderAccessLog: $context variables in CLF, JSON, XML and CSV formats; missing ones print '-'", () => {
  const ctx = { requestId: "r1", status: 200, httpMethod: "GET", resourcePath: "/p", identity: { sourceIp: "127.0.0.1", apiKey: null }, responseLength: 12 };
  const cases: Array<[string, string]> = [
    ['$context.identity.sourceIp - - "$context.httpMethod $context.resourcePath" $context.status $context.responseLength $context.requestId', '127.0.0.1 - - "GET /p" 200 12 r1'],
    ['{"id":"$context.requestId","key":"$context.identity.apiKey","err":"$context.error.message"}', '{"id":"r1","key":"-","err":"-"}'],
    ["<request id=\"$context.requestId\"><status>$context.status</status></request>", '<request id="r1"><status>200</status></request>'],
    ["$context.requestId,$context.status,$context.resourcePath.", "r1,200,/p."],
  ];
  for (const [format, want] of cases) assert.equal(renderAccessLog(format, ctx), want, format);
});

describe("access logs, execution logs and metrics", () => {
  let server: TestServer;
  let apigw: APIGatewayClient;
  let logs: CloudWatchLogsClient;
  before(async () => {
    server = await startServer();
    apigw = new APIGatewayClient(server.clientConfig);
    logs = new CloudWatchLogsClient(server.clientConfig);
  });
  after(() => server.stop());

  /** The messages of a log group once at least `n` arrived (lines are flushed in batches a moment later). */
  async function messages(group: string, n: number): Promise<string[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName: group })).catch(() => ({ events: [] }));
      const m = (out.events ?? []).map((e) => e.message ?? "");
      if (m.length >= n || Date.now() > deadline) return m;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test("UpdateStage: accessLogSettings write one formatted line per request, errors included, to the log group", async () => {
    const { apiId, name } = await mockApi(apigw, "prod", [{ path: "/open" }]);
    const group = `/access/${uniqueName("g")}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [
      { op: "replace", path: "/accessLogSettings/destinationArn", value: `arn:aws:logs:us-east-1:000000000000:log-group:${group}` },
      { op: "replace", path: "/accessLogSettings/format", value: '{"rid":"$context.requestId","st":"$context.status","p":"$context.resourcePath","m":"$context.httpMethod","err":"$context.error.message","is":"$context.integration.status","rt":"$context.error.responseType"}' },
      { op: "replace", path: "/*/*/metrics/enabled", value: "true" },
    ] }));
    const base = `${server.endpoint}/_aws/execute-api/${apiId}/prod`;
    await statuses(`${base}/open`, 2);
    const missing = await fetch(`${base}/nowhere`);
    assert.equal(missing.status, 403);
    const rid = missing.headers.get("x-amzn-requestid");
    const lines = (await messages(group, 3)).map((m) => JSON.parse(m) as Record<string, string>);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines.slice(0, 2).map((l) => [l.st, l.p, l.m, l.err, l.is]), [["200", "/open", "GET", "-", "200"], ["200", "/open", "GET", "-", "200"]]);
    assert.equal(lines[2]?.rt, "MISSING_AUTHENTICATION_TOKEN");
    assert.deepEqual(lines[2], { rid: rid!, st: "403", p: "-", m: "GET", err: "Missing Authentication Token", is: "-", rt: "MISSING_AUTHENTICATION_TOKEN" });

    // Metrics: 3 requests by ApiName+Stage, one 4XX; detailed metrics by method and resource.
    const stat = async (metric: string, statistic: string, dims: string[]) => {
      const { stdout } = await run("aws", ["cloudwatch", "get-metric-statistics", "--namespace", "AWS/ApiGateway", "--metric-name", metric,
        "--dimensions", `Name=ApiName,Value=${name}`, ...dims, "--statistics", statistic, "--period", "3600",
        "--start-time", new Date(Date.now() - 3_600_000).toISOString(), "--end-time", new Date(Date.now() + 60_000).toISOString(),
        "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
      return (JSON.parse(stdout) as { Datapoints: Array<Record<string, number>> }).Datapoints;
    };
    const sum = (d: Array<Record<string, number>>, s = "Sum") => d.reduce((n, x) => n + x[s]!, 0);
    assert.equal(sum(await stat("Count", "Sum", ["Name=Stage,Value=prod"])), 3);
    assert.equal(sum(await stat("4XXError", "Sum", ["Name=Stage,Value=prod"])), 1);
    assert.equal(sum(await stat("5XXError", "Sum", ["Name=Stage,Value=prod"])), 0);
    assert.equal(sum(await stat("Latency", "SampleCount", ["Name=Stage,Value=prod"]), "SampleCount"), 3);
    assert.equal(sum(await stat("IntegrationLatency", "SampleCount", ["Name=Stage,Value=prod"]), "SampleCount"), 2);
    assert.equal(sum(await stat("Count", "Sum", ["Name=Method,Value=GET", "Name=Resource,Value=/open", "Name=Stage,Value=prod"])), 2);
  });

  test("UpdateStage: loggingLevel INFO writes execution logs to API-Gateway-Execution-Logs_{apiId}/{stage}; ERROR only failed requests", async () => {
    const { apiId } = await mockApi(apigw, "dev", [{ path: "/info" }, { path: "/quiet" }, { path: "/keyed", apiKeyRequired: true }]);
    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "dev", patchOperations: [
      { op: "replace", path: "/*/*/logging/loglevel", value: "ERROR" },
      { op: "replace", path: "/~1info/GET/logging/loglevel", value: "INFO" },
      { op: "replace", path: "/~1info/GET/logging/dataTrace", value: "true" },
    ] }));
    const base = `${server.endpoint}/_aws/execute-api/${apiId}/dev`;
    const ok = await fetch(`${base}/info`);
    const id = ok.headers.get("x-amzn-requestid")!;
    await ok.arrayBuffer();
    await statuses(`${base}/quiet`, 1);
    const refused = await fetch(`${base}/keyed`);
    const refusedId = refused.headers.get("x-amzn-requestid")!;
    await refused.arrayBuffer();
    const group = `API-Gateway-Execution-Logs_${apiId}/dev`;
    const lines = await messages(group, 1);
    const deadline = Date.now() + 15_000;
    let all = lines;
    while (!all.some((l) => l.includes(refusedId)) && Date.now() < deadline) all = await messages(group, all.length + 1);
    assert.ok(all.some((l) => l === `(${id}) Method completed with status: 200`), all.join("\n"));
    assert.ok(all.some((l) => l.startsWith(`(${id}) Method response body after transformations: {"id":"${id}"}`)));
    assert.ok(all.some((l) => l === `(${id}) Method request query string: {}`), "dataTraceEnabled logs the request too");
    assert.ok(all.some((l) => l === `(${refusedId}) Method completed with status: 403`));
    assert.ok(!all.some((l) => /Starting execution/.test(l) && !l.startsWith(`(${id})`)), "ERROR level logs no INFO lines");
  });
});
