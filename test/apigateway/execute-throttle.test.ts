/**
 * Issue 16 item 6: stage, method, usage plan and account throttles enforced as token buckets
 * ("Throttle requests to your REST APIs for better throughput in API Gateway"): the burst passes, then 429
 * {"message":"Too Many Requests"} until the rate refills. The server runs on a ManualClock, so refills happen
 * only when the test moves time — no sleeps, no timing assumptions.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanCommand, CreateUsagePlanKeyCommand, PutGatewayResponseCommand, UpdateUsagePlanCommand, CreateDeploymentCommand, UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { ManualClock } from "../../src/core/clock.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { mockApi, statuses } from "./execute-throttle.helpers.js";

describe("REST API throttling", () => {
  let server: TestServer;
  let apigw: APIGatewayClient;
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 12));
  before(async () => {
    server = await startServer({ "apigateway-rate": "1000", "apigateway-burst": "20" }, { clock });
    apigw = new APIGatewayClient(server.clientConfig);
  });
  after(() => server.stop());

  test("UpdateStage: */* throttling allows the burst, then 429 Too Many Requests until the rate refills", async () => {
    const { apiId } = await mockApi(apigw, "prod", [{ path: "/open" }, { path: "/other" }]);
    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [
      { op: "replace", path: "/*/*/throttling/rateLimit", value: "2" },
      { op: "replace", path: "/*/*/throttling/burstLimit", value: "3" },
    ] }));
    const url = `${server.endpoint}/_aws/execute-api/${apiId}/prod/open`;
    assert.deepEqual(await statuses(url, 5), [200, 200, 200, 429, 429]);
    const r = await fetch(url);
    assert.equal(r.status, 429);
    assert.deepEqual(await r.json(), { message: "Too Many Requests" });
    assert.equal(r.headers.get("x-amzn-errortype"), "TooManyRequestsException");
    // Each method has its own bucket with the stage's limits.
    assert.deepEqual(await statuses(`${server.endpoint}/_aws/execute-api/${apiId}/prod/other`, 4), [200, 200, 200, 429]);
    clock.advance(500); // 2 rps: one token back
    assert.deepEqual(await statuses(url, 2), [200, 429]);
    clock.advance(10_000); // refilled to the burst, never beyond
    assert.deepEqual(await statuses(url, 4), [200, 200, 200, 429]);
  });

  test("UpdateStage: a method's own throttling overrides */* for that method only", async () => {
    const { apiId } = await mockApi(apigw, "prod", [{ path: "/slow" }, { path: "/fast" }]);
    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [
      { op: "replace", path: "/*/*/throttling/rateLimit", value: "100" },
      { op: "replace", path: "/*/*/throttling/burstLimit", value: "10" },
      { op: "replace", path: "/~1slow/GET/throttling/rateLimit", value: "1" },
      { op: "replace", path: "/~1slow/GET/throttling/burstLimit", value: "1" },
    ] }));
    assert.deepEqual(await statuses(`${server.endpoint}/_aws/execute-api/${apiId}/prod/slow`, 3), [200, 429, 429]);
    assert.deepEqual(await statuses(`${server.endpoint}/_aws/execute-api/${apiId}/prod/fast`, 3), [200, 200, 200]);
  });

  test("CreateUsagePlan: the plan's throttle applies per API key, and a per-method override replaces it for that method", async () => {
    const { apiId } = await mockApi(apigw, "prod", [{ path: "/a", apiKeyRequired: true }, { path: "/b", apiKeyRequired: true }]);
    const plan = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("plan"), throttle: { rateLimit: 1, burstLimit: 2 },
      apiStages: [{ apiId, stage: "prod", throttle: { "/b/GET": { rateLimit: 1, burstLimit: 4 } } }] }));
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      const value = `${uniqueName("key")}-throttle-value`;
      const k = await apigw.send(new CreateApiKeyCommand({ name: uniqueName("k"), value, enabled: true }));
      await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: k.id!, keyType: "API_KEY" }));
      keys.push(value);
    }
    const base = `${server.endpoint}/_aws/execute-api/${apiId}/prod`;
    assert.deepEqual(await statuses(`${base}/a`, 3, { "x-api-key": keys[0]! }), [200, 200, 429]);
    assert.deepEqual(await statuses(`${base}/a`, 3, { "x-api-key": keys[1]! }), [200, 200, 429], "each key has its own bucket");
    assert.deepEqual(await statuses(`${base}/b`, 5, { "x-api-key": keys[0]! }), [200, 200, 200, 200, 429], "the method override");

    // UpdateUsagePlan: a per-method throttle by patch path (resource path with ~1), then removed again.
    const updated = await apigw.send(new UpdateUsagePlanCommand({ usagePlanId: plan.id!, patchOperations: [
      { op: "replace", path: `/apiStages/${apiId}:prod/throttle/~1a/GET/rateLimit`, value: "1" },
      { op: "replace", path: `/apiStages/${apiId}:prod/throttle/~1a/GET/burstLimit`, value: "3" },
      { op: "remove", path: `/apiStages/${apiId}:prod/throttle/~1b/GET` },
    ] }));
    assert.deepEqual(updated.apiStages?.[0]?.throttle, { "/a/GET": { rateLimit: 1, burstLimit: 3 } });
    assert.deepEqual(await statuses(`${base}/a`, 4, { "x-api-key": keys[1]! }), [200, 200, 200, 429], "the new override has its own bucket");
    await assert.rejects(apigw.send(new UpdateUsagePlanCommand({ usagePlanId: plan.id!, patchOperations: [{ op: "replace", path: "/apiStages/nosuch:prod/throttle/~1a/GET/rateLimit", value: "1" }] })), { name: "NotFoundException" });
  });

  test("execute-api: the account-level throttle (--apigateway-burst) covers every API of the region", async () => {
    const one = await mockApi(apigw, "prod", [{ path: "/x" }]);
    const two = await mockApi(apigw, "prod", [{ path: "/y" }]);
    clock.advance(60_000); // the account bucket (1000 rps, burst 20) starts full
    const a = await statuses(`${server.endpoint}/_aws/execute-api/${one.apiId}/prod/x`, 15);
    const b = await statuses(`${server.endpoint}/_aws/execute-api/${two.apiId}/prod/y`, 10);
    assert.equal([...a, ...b].filter((s) => s === 200).length, 20);
    assert.deepEqual(b.slice(5), [429, 429, 429, 429, 429]);
    clock.advance(60_000);
  });

  test("PutGatewayResponse: a customized THROTTLED response shapes the 429", async () => {
    const { apiId } = await mockApi(apigw, "prod", [{ path: "/t" }]);
    await apigw.send(new PutGatewayResponseCommand({ restApiId: apiId, responseType: "THROTTLED", statusCode: "503",
      responseTemplates: { "application/json": '{"error":"$context.error.responseType","msg":$context.error.messageString}' } }));
    await apigw.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "prod" }));
    await apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: "prod", patchOperations: [
      { op: "replace", path: "/*/*/throttling/rateLimit", value: "1" }, { op: "replace", path: "/*/*/throttling/burstLimit", value: "1" }] }));
    const url = `${server.endpoint}/_aws/execute-api/${apiId}/prod/t`;
    assert.equal((await fetch(url)).status, 200);
    const r = await fetch(url);
    assert.equal(r.status, 503);
    assert.deepEqual(await r.json(), { error: "THROTTLED", msg: "Too Many Requests" });
  });
});
