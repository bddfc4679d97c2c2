/** API Gateway control plane: stage patches (variables, method settings, canary), REST API patches, tags, pagination and errors. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, GetRestApiCommand, GetRestApisCommand, GetStageCommand,
  GetTagsCommand, CreateApiKeyCommand, CreateUsagePlanCommand, CreateDomainNameCommand, PutIntegrationCommand, PutMethodCommand, TagResourceCommand, UntagResourceCommand, UpdateRestApiCommand, UpdateStageCommand,
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

describe("API Gateway control plane: stages, API patches, tags", () => {
  test("UpdateStage: variables, method settings for */* and one method, canary settings", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("stg") }));
    const restApiId = api.id!;
    const pets = await apigw.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId!, pathPart: "pets" }));
    await apigw.send(new PutMethodCommand({ restApiId, resourceId: pets.id!, httpMethod: "GET", authorizationType: "NONE" }));
    await apigw.send(new PutIntegrationCommand({ restApiId, resourceId: pets.id!, httpMethod: "GET", type: "MOCK" }));
    const d1 = await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "prod", variables: { a: "1" } }));
    const d2 = await apigw.send(new CreateDeploymentCommand({ restApiId }));

    const s = await apigw.send(new UpdateStageCommand({ restApiId, stageName: "prod", patchOperations: [
      { op: "replace", path: "/variables/b", value: "2" },
      { op: "remove", path: "/variables/a" },
      { op: "replace", path: "/*/*/throttling/rateLimit", value: "100" },
      { op: "replace", path: "/*/*/logging/loglevel", value: "INFO" },
      { op: "replace", path: "/~1pets/GET/caching/enabled", value: "true" },
      { op: "replace", path: "/canarySettings/percentTraffic", value: "25" },
      { op: "replace", path: "/canarySettings/deploymentId", value: d2.id! },
      { op: "replace", path: "/tracingEnabled", value: "true" },
    ] }));
    assert.deepEqual(s.variables, { b: "2" });
    assert.equal(s.methodSettings?.["*/*"]?.throttlingRateLimit, 100);
    assert.equal(s.methodSettings?.["*/*"]?.loggingLevel, "INFO");
    assert.equal(s.methodSettings?.["pets/GET"]?.cachingEnabled, true);
    assert.equal(s.canarySettings?.percentTraffic, 25);
    assert.equal(s.canarySettings?.deploymentId, d2.id);
    assert.equal(s.deploymentId, d1.id);
    const again = await apigw.send(new GetStageCommand({ restApiId, stageName: "prod" }));
    assert.deepEqual(again.methodSettings, s.methodSettings);
    await assert.rejects(apigw.send(new UpdateStageCommand({ restApiId, stageName: "prod", patchOperations: [{ op: "replace", path: "/deploymentId", value: "nope00" }] })), { name: "NotFoundException" });
    await assert.rejects(apigw.send(new GetStageCommand({ restApiId, stageName: "missing" })), { name: "NotFoundException", message: "Invalid Stage identifier specified" });
  });

  test("UpdateRestApi: binaryMediaTypes add/remove with ~1, minimumCompressionSize, description", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("patch") }));
    const u = await apigw.send(new UpdateRestApiCommand({ restApiId: api.id!, patchOperations: [
      { op: "add", path: "/binaryMediaTypes/image~1png" }, { op: "add", path: "/binaryMediaTypes/application~1octet-stream" },
      { op: "replace", path: "/minimumCompressionSize", value: "1024" }, { op: "replace", path: "/description", value: "d" },
    ] }));
    assert.deepEqual(u.binaryMediaTypes, ["image/png", "application/octet-stream"]);
    assert.equal(u.minimumCompressionSize, 1024);
    const r = await apigw.send(new UpdateRestApiCommand({ restApiId: api.id!, patchOperations: [{ op: "remove", path: "/binaryMediaTypes/image~1png" }] }));
    assert.deepEqual(r.binaryMediaTypes, ["application/octet-stream"]);
    assert.equal((await apigw.send(new GetRestApiCommand({ restApiId: api.id! }))).description, "d");
    await assert.rejects(apigw.send(new GetRestApiCommand({ restApiId: "abcdefghij" })), { name: "NotFoundException", message: "Invalid API identifier specified 000000000000:abcdefghij" });
  });

  test("TagResource / GetTags / UntagResource on a REST API ARN; GetRestApis pages with position", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("tags"), tags: { a: "1" } }));
    const arn = `arn:aws:apigateway:us-east-1::/restapis/${api.id}`;
    await apigw.send(new TagResourceCommand({ resourceArn: arn, tags: { b: "2" } }));
    assert.deepEqual((await apigw.send(new GetTagsCommand({ resourceArn: arn }))).tags, { a: "1", b: "2" });
    await apigw.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["a"] }));
    assert.deepEqual((await apigw.send(new GetTagsCommand({ resourceArn: arn }))).tags, { b: "2" });

    await apigw.send(new CreateRestApiCommand({ name: uniqueName("page") }));
    const seen: string[] = [];
    let position: string | undefined;
    do {
      const p = await apigw.send(new GetRestApisCommand({ limit: 1, position }));
      assert.ok(p.items!.length <= 1);
      seen.push(...p.items!.map((x) => x.id!));
      position = p.position;
    } while (position);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.includes(api.id!));
  });

  test("TagResource: stages, API keys, usage plans and domain names are taggable by ARN; unknown ARNs are refused", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("tagall") }));
    await apigw.send(new PutMethodCommand({ restApiId: api.id!, resourceId: api.rootResourceId!, httpMethod: "GET", authorizationType: "NONE" }));
    await apigw.send(new PutIntegrationCommand({ restApiId: api.id!, resourceId: api.rootResourceId!, httpMethod: "GET", type: "MOCK" }));
    await apigw.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName: "prod" }));
    const key = await apigw.send(new CreateApiKeyCommand({ name: uniqueName("k") }));
    const plan = await apigw.send(new CreateUsagePlanCommand({ name: uniqueName("p") }));
    const domainName = `${uniqueName("t")}.example.com`;
    await apigw.send(new CreateDomainNameCommand({ domainName, certificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/x" }));
    const arns = [
      `arn:aws:apigateway:us-east-1::/restapis/${api.id}/stages/prod`, `arn:aws:apigateway:us-east-1::/apikeys/${key.id}`,
      `arn:aws:apigateway:us-east-1::/usageplans/${plan.id}`, `arn:aws:apigateway:us-east-1::/domainnames/${domainName}`,
    ];
    for (const resourceArn of arns) {
      await apigw.send(new TagResourceCommand({ resourceArn, tags: { env: "test", team: "x" } }));
      await apigw.send(new UntagResourceCommand({ resourceArn, tagKeys: ["team"] }));
      assert.deepEqual((await apigw.send(new GetTagsCommand({ resourceArn }))).tags, { env: "test" }, resourceArn);
    }
    assert.deepEqual((await apigw.send(new GetStageCommand({ restApiId: api.id!, stageName: "prod" }))).tags, { env: "test" });
    await assert.rejects(apigw.send(new GetTagsCommand({ resourceArn: "arn:aws:apigateway:us-east-1::/clientcertificates/x" })), { name: "BadRequestException" });
  });
});

test("CreateDeployment readies the execute path before the first request: the HTTP API lookup every execute-api request passes first is started", async () => {
  const other = await startServer();
  try {
    const started = async () => ((await (await fetch(`${other.endpoint}/_skyport/health`)).json()) as { services: Record<string, { started: boolean }> }).services.apigatewayv2!.started;
    const c = new APIGatewayClient(other.clientConfig);
    const api = await c.send(new CreateRestApiCommand({ name: uniqueName("warm") }));
    const restApiId = api.id!;
    await c.send(new PutMethodCommand({ restApiId, resourceId: api.rootResourceId!, httpMethod: "GET", authorizationType: "NONE" }));
    await c.send(new PutIntegrationCommand({ restApiId, resourceId: api.rootResourceId!, httpMethod: "GET", type: "MOCK" }));
    assert.equal(await started(), false);
    await c.send(new CreateDeploymentCommand({ restApiId, stageName: "prod" }));
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      ok = await started();
      if (!ok) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(ok, true, "apigatewayv2 started after the deployment, with no execute-api request");
  } finally {
    await other.stop();
  }
});
