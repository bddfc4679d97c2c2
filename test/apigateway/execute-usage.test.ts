/**
 * Issue 16 item 5: usage plan quotas are enforced (429 {"message":"Limit Exceeded"}, gateway response
 * QUOTA_EXCEEDED) and counted per key and day; GetUsage reports [used, remaining] per day ("values" on the
 * wire, keyed by API key id), UpdateUsage sets what is left, the counts survive a restart, and
 * ImportApiKeys puts keys into plans. The server runs on a ManualClock so days pass on demand.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import {
  APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanCommand, CreateUsagePlanKeyCommand, GetUsageCommand, ImportApiKeysCommand, UpdateUsageCommand,
} from "@aws-sdk/client-api-gateway";
import { ManualClock } from "../../src/core/clock.js";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { mockApi, statuses } from "./execute-throttle.helpers.js";

const run = promisify(execFile);
const DAY = 86_400_000;

describe("usage plan quotas", () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-usage-"));
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 10));
  let server: TestServer;
  let apigw: APIGatewayClient;
  const start = async () => {
    server = await startServer({ ephemeral: false, "data-dir": dir }, { clock });
    apigw = new APIGatewayClient(server.clientConfig);
  };
  before(start);
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("GetUsage: quota DAY runs out with 429 Limit Exceeded, counts per day, UpdateUsage and a restart keep them", async () => {
    const { apiId } = await mockApi(apigw, "prod", [{ path: "/q", apiKeyRequired: true }]);
    const plan = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("plan"), quota: { limit: 3, period: "DAY" }, apiStages: [{ apiId, stage: "prod" }] }));
    const value = `${uniqueName("key")}-quota-value`;
    const key = await apigw.send(new CreateApiKeyCommand({ name: uniqueName("k"), value, enabled: true }));
    await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: "API_KEY" }));
    const url = `${server.endpoint}/_aws/execute-api/${apiId}/prod/q`;
    const h = { "x-api-key": value };
    assert.deepEqual(await statuses(url, 4, h), [200, 200, 200, 429]);
    const r = await fetch(url, { headers: h });
    assert.deepEqual(await r.json(), { message: "Limit Exceeded" });
    assert.equal(r.headers.get("x-amzn-errortype"), "LimitExceededException");

    const day1 = "2026-11-30";
    let usage = await apigw.send(new GetUsageCommand({ usagePlanId: plan.id!, startDate: day1, endDate: day1 }));
    assert.deepEqual(usage.items, { [key.id!]: [[3, 0]] });
    assert.equal(usage.startDate, day1);

    const updated = await apigw.send(new UpdateUsageCommand({ usagePlanId: plan.id!, keyId: key.id!, patchOperations: [{ op: "replace", path: `/keyId:${key.id}/remaining`, value: "2" }] }));
    assert.deepEqual(updated.items, { [key.id!]: [[3, 2]] });
    assert.deepEqual(await statuses(url, 3, h), [200, 200, 429]);

    clock.advance(DAY); // a new quota period
    assert.deepEqual(await statuses(url, 1, h), [200]);
    usage = await apigw.send(new GetUsageCommand({ usagePlanId: plan.id!, startDate: day1, endDate: "2026-12-02" }));
    assert.deepEqual(usage.items, { [key.id!]: [[5, 0], [1, 2], [0, 3]] });

    await server.stop();
    await start();
    usage = await apigw.send(new GetUsageCommand({ usagePlanId: plan.id!, keyId: key.id!, startDate: "2026-12-01", endDate: "2026-12-01" }));
    assert.deepEqual(usage.items, { [key.id!]: [[1, 2]] }, "counts survive a restart");
    assert.deepEqual(await statuses(`${server.endpoint}/_aws/execute-api/${apiId}/prod/q`, 3, h), [200, 200, 429], "and so does the quota");

    // The AWS CLI reads the same answer ("values" on the wire).
    const { stdout } = await run("aws", ["apigateway", "get-usage", "--usage-plan-id", plan.id!, "--start-date", "2026-12-01", "--end-date", "2026-12-01", "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
    assert.deepEqual((JSON.parse(stdout) as { items: unknown }).items, { [key.id!]: [[3, 0]] });
  });

  test("GetUsage: quota WEEK with offset 1 starts on Monday; errors for bad dates and unknown keys", async () => {
    const { apiId } = await mockApi(apigw, "prod", [{ path: "/w", apiKeyRequired: true }]);
    const plan = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("plan"), quota: { limit: 2, period: "WEEK", offset: 1 }, apiStages: [{ apiId, stage: "prod" }] }));
    const value = `${uniqueName("key")}-weekly-value`;
    const key = await apigw.send(new CreateApiKeyCommand({ name: uniqueName("k"), value, enabled: true }));
    await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: "API_KEY" }));
    const url = `${server.endpoint}/_aws/execute-api/${apiId}/prod/w`;
    clock.set(Date.UTC(2026, 11, 5, 12)); // Saturday 5 December 2026
    assert.deepEqual(await statuses(url, 3, { "x-api-key": value }), [200, 200, 429]);
    clock.set(Date.UTC(2026, 11, 6, 12)); // Sunday: the same week (Monday to Sunday)
    assert.deepEqual(await statuses(url, 1, { "x-api-key": value }), [429]);
    clock.set(Date.UTC(2026, 11, 7, 12)); // Monday: a new week
    assert.deepEqual(await statuses(url, 1, { "x-api-key": value }), [200]);
    const usage = await apigw.send(new GetUsageCommand({ usagePlanId: plan.id!, startDate: "2026-12-05", endDate: "2026-12-07" }));
    assert.deepEqual(usage.items, { [key.id!]: [[2, 0], [0, 0], [1, 1]] });

    await assert.rejects(apigw.send(new GetUsageCommand({ usagePlanId: plan.id!, startDate: "yesterday", endDate: "2026-12-07" })), { name: "BadRequestException" });
    await assert.rejects(apigw.send(new GetUsageCommand({ usagePlanId: plan.id!, keyId: "nosuchkey", startDate: "2026-12-05", endDate: "2026-12-07" })), { name: "NotFoundException" });
    await assert.rejects(apigw.send(new GetUsageCommand({ usagePlanId: "nosuch", startDate: "2026-12-05", endDate: "2026-12-07" })), { name: "NotFoundException" });
  });

  test("ImportApiKeys: keys from a CSV with UsagePlanIds call the plan's stages", async () => {
    const { apiId } = await mockApi(apigw, "prod", [{ path: "/i", apiKeyRequired: true }]);
    const plan = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("plan"), apiStages: [{ apiId, stage: "prod" }] }));
    const value = `${uniqueName("imported")}-value-0123`;
    const out = await apigw.send(new ImportApiKeysCommand({ format: "csv", body: Buffer.from(`Name,Key,Enabled,UsagePlanIds\nimp,${value},true,${plan.id}\n`) }));
    assert.equal(out.ids?.length, 1);
    assert.deepEqual(await statuses(`${server.endpoint}/_aws/execute-api/${apiId}/prod/i`, 1, { "x-api-key": value }), [200]);
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const usage = await apigw.send(new GetUsageCommand({ usagePlanId: plan.id!, startDate: day, endDate: day }));
    assert.deepEqual(usage.items, { [out.ids![0]!]: [[1, 0]] });
  });
});
