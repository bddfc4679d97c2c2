/**
 * API Gateway control plane: API keys, usage plans and usage plan keys (stored; enforcement is a later issue).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  APIGatewayClient, CreateApiKeyCommand, CreateDeploymentCommand, CreateRestApiCommand, CreateUsagePlanCommand, CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand, DeleteUsagePlanCommand, DeleteUsagePlanKeyCommand, GetApiKeyCommand, GetApiKeysCommand, GetUsagePlanCommand,
  GetUsagePlanKeysCommand, GetUsagePlansCommand, ImportApiKeysCommand, PutIntegrationCommand, PutMethodCommand, UpdateApiKeyCommand, UpdateUsagePlanCommand,
} from "@aws-sdk/client-api-gateway";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;

before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
});
after(async () => {
  apigw.destroy();
  await server.stop();
});

async function deployedApi(): Promise<string> {
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("plans") }));
  const base = { restApiId: api.id!, resourceId: api.rootResourceId!, httpMethod: "GET" };
  await apigw.send(new PutMethodCommand({ ...base, authorizationType: "NONE", apiKeyRequired: true }));
  await apigw.send(new PutIntegrationCommand({ ...base, type: "MOCK" }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName: "prod" }));
  return api.id!;
}

describe("API Gateway control plane: API keys and usage plans", () => {
  test("CreateApiKey: values are generated, hidden unless asked for, filtered by nameQuery; duplicates conflict", async () => {
    const prefix = uniqueName("key");
    const k1 = await apigw.send(new CreateApiKeyCommand({ name: `${prefix}-a`, enabled: true }));
    assert.match(k1.id!, /^[a-z0-9]{10}$/);
    assert.equal(k1.value!.length, 40);
    const k2 = await apigw.send(new CreateApiKeyCommand({ name: `${prefix}-b`, value: "x".repeat(20) + prefix }));
    assert.equal(k2.enabled, false);
    await assert.rejects(apigw.send(new CreateApiKeyCommand({ name: "dup", value: "x".repeat(20) + prefix })), { name: "ConflictException" });
    await assert.rejects(apigw.send(new CreateApiKeyCommand({ name: "short", value: "tooshort" })), { name: "BadRequestException" });

    assert.equal((await apigw.send(new GetApiKeyCommand({ apiKey: k1.id! }))).value, undefined);
    assert.equal((await apigw.send(new GetApiKeyCommand({ apiKey: k1.id!, includeValue: true }))).value, k1.value);
    const listed = await apigw.send(new GetApiKeysCommand({ nameQuery: prefix, includeValues: true }));
    assert.deepEqual(listed.items!.map((k) => k.name).sort(), [`${prefix}-a`, `${prefix}-b`]);
    assert.ok(listed.items!.every((k) => k.value));

    const u = await apigw.send(new UpdateApiKeyCommand({ apiKey: k2.id!, patchOperations: [{ op: "replace", path: "/enabled", value: "true" }, { op: "replace", path: "/description", value: "d" }] }));
    assert.equal(u.enabled, true);
    assert.equal(u.description, "d");
    await apigw.send(new DeleteApiKeyCommand({ apiKey: k2.id! }));
    await assert.rejects(apigw.send(new GetApiKeyCommand({ apiKey: k2.id! })), { name: "NotFoundException", message: "Invalid API Key identifier specified" });
  });

  test("CreateUsagePlan: API stages must exist; keys join and leave; GetUsagePlans filters by keyId", async () => {
    const apiId = await deployedApi();
    await assert.rejects(apigw.send(new CreateUsagePlanCommand({ name: "bad", apiStages: [{ apiId, stage: "nope" }] })), { name: "NotFoundException" });
    const plan = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("plan"), apiStages: [{ apiId, stage: "prod" }], throttle: { rateLimit: 10, burstLimit: 20 }, quota: { limit: 1000, period: "DAY" } }));
    assert.match(plan.id!, /^[a-z0-9]{6}$/);
    const key = await apigw.send(new CreateApiKeyCommand({ name: uniqueName("pk"), enabled: true }));

    const pk = await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: "API_KEY" }));
    assert.deepEqual(pk, { $metadata: pk.$metadata, id: key.id, type: "API_KEY", value: key.value, name: key.name });
    await assert.rejects(apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id!, keyType: "API_KEY" })), { name: "ConflictException" });
    assert.deepEqual((await apigw.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id! }))).items!.map((k) => k.id), [key.id]);
    assert.deepEqual((await apigw.send(new GetUsagePlansCommand({ keyId: key.id! }))).items!.map((p) => p.id), [plan.id]);

    const updated = await apigw.send(new UpdateUsagePlanCommand({ usagePlanId: plan.id!, patchOperations: [
      { op: "replace", path: "/throttle/rateLimit", value: "50" },
      { op: "replace", path: "/quota/limit", value: "5" },
      { op: "remove", path: "/apiStages", value: `${apiId}:prod` },
    ] }));
    assert.equal(updated.throttle?.rateLimit, 50);
    assert.equal(updated.quota?.limit, 5);
    assert.deepEqual(updated.apiStages, []);

    await apigw.send(new DeleteUsagePlanKeyCommand({ usagePlanId: plan.id!, keyId: key.id! }));
    assert.deepEqual((await apigw.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id! }))).items ?? [], []);
    await apigw.send(new DeleteUsagePlanCommand({ usagePlanId: plan.id! }));
    await assert.rejects(apigw.send(new GetUsagePlanCommand({ usagePlanId: plan.id! })), { name: "NotFoundException", message: "Invalid Usage Plan ID specified" });
  });

  test("ImportApiKeys: the CSV key file creates keys (Enabled defaults to true), joins usage plans, and overwrites by key value", async () => {
    const plan1 = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("imp") }));
    const plan2 = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("imp") }));
    const v1 = `imported-${uniqueName("k")}-aaaaaaaaaaaaaaaaaaaa`;
    const v2 = `imported-${uniqueName("k")}-bbbbbbbbbbbbbbbbbbbb`;
    const csv = `Enabled,Name,key,UsageplanIds,Description\n,first,${v1},"${plan1.id},${plan2.id}",An imported key\nfalse,second,${v2},'${plan2.id}',\n`;
    const out = await apigw.send(new ImportApiKeysCommand({ body: Buffer.from(csv), format: "csv" }));
    assert.equal(out.ids?.length, 2);
    const [id1, id2] = out.ids!;
    const k1 = await apigw.send(new GetApiKeyCommand({ apiKey: id1!, includeValue: true }));
    assert.deepEqual([k1.name, k1.value, k1.enabled, k1.description], ["first", v1, true, "An imported key"]);
    assert.equal((await apigw.send(new GetApiKeyCommand({ apiKey: id2! }))).enabled, false);
    assert.deepEqual((await apigw.send(new GetUsagePlanKeysCommand({ usagePlanId: plan2.id! }))).items!.map((k) => k.id).sort(), [id1, id2].sort());
    assert.deepEqual((await apigw.send(new GetUsagePlanKeysCommand({ usagePlanId: plan1.id! }))).items!.map((k) => k.id), [id1]);

    const again = await apigw.send(new ImportApiKeysCommand({ body: Buffer.from(`name,key\nrenamed,${v1}\n`), format: "csv" }));
    assert.deepEqual(again.ids, [id1]);
    assert.equal((await apigw.send(new GetApiKeyCommand({ apiKey: id1! }))).name, "renamed");
    await assert.rejects(apigw.send(new ImportApiKeysCommand({ body: Buffer.from("name\nx\n"), format: "csv" })), { name: "BadRequestException" });
    await assert.rejects(apigw.send(new ImportApiKeysCommand({ body: Buffer.from("name,key\nx,short\n"), format: "csv", failOnWarnings: true })), { name: "BadRequestException" });
  });
});
