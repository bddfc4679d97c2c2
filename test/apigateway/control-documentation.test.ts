/**
 * API Gateway control plane: documentation parts (locations normalized by type, conflicts, filters) and
 * documentation versions (frozen, attachable to a stage).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateDocumentationPartCommand, CreateDocumentationVersionCommand, CreateRestApiCommand,
  DeleteDocumentationPartCommand, GetDocumentationPartCommand, GetDocumentationPartsCommand, GetDocumentationVersionsCommand, GetStageCommand, ImportDocumentationPartsCommand,
  PutIntegrationCommand, PutMethodCommand, UpdateDocumentationPartCommand, UpdateDocumentationVersionCommand,
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

describe("API Gateway control plane: documentation", () => {
  test("CreateDocumentationPart: locations get their defaults; the same location twice conflicts; filters and patches", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("docs") }));
    const restApiId = api.id!;
    const apiPart = await apigw.send(new CreateDocumentationPartCommand({ restApiId, location: { type: "API" }, properties: '{"description":"Pets"}' }));
    assert.deepEqual(apiPart.location, { type: "API" });
    const method = await apigw.send(new CreateDocumentationPartCommand({ restApiId, location: { type: "METHOD", path: "/pets", method: "get" }, properties: '{"summary":"List"}' }));
    assert.deepEqual(method.location, { type: "METHOD", path: "/pets", method: "GET" });
    const resp = await apigw.send(new CreateDocumentationPartCommand({ restApiId, location: { type: "RESPONSE", path: "/pets" }, properties: "{}" }));
    assert.deepEqual(resp.location, { type: "RESPONSE", path: "/pets", method: "*", statusCode: "*" });
    await assert.rejects(apigw.send(new CreateDocumentationPartCommand({ restApiId, location: { type: "API" }, properties: "{}" })), { name: "ConflictException" });
    await assert.rejects(apigw.send(new CreateDocumentationPartCommand({ restApiId, location: { type: "MODEL" }, properties: "{}" })), { name: "BadRequestException" });
    await assert.rejects(apigw.send(new CreateDocumentationPartCommand({ restApiId, location: { type: "RESOURCE" }, properties: "not json" })), { name: "BadRequestException" });

    assert.deepEqual((await apigw.send(new GetDocumentationPartsCommand({ restApiId, type: "METHOD" }))).items!.map((p) => p.id), [method.id]);
    assert.equal((await apigw.send(new GetDocumentationPartsCommand({ restApiId, path: "/pets" }))).items!.length, 2);
    const u = await apigw.send(new UpdateDocumentationPartCommand({ restApiId, documentationPartId: method.id!, patchOperations: [{ op: "replace", path: "/properties", value: '{"summary":"All pets"}' }] }));
    assert.equal(u.properties, '{"summary":"All pets"}');
    await apigw.send(new DeleteDocumentationPartCommand({ restApiId, documentationPartId: resp.id! }));
    await assert.rejects(apigw.send(new GetDocumentationPartCommand({ restApiId, documentationPartId: resp.id! })), { name: "NotFoundException", message: "Invalid Documentation part identifier specified" });
  });

  test("CreateDocumentationVersion: versions are unique, can be described later and attach to a stage", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("docv") }));
    const restApiId = api.id!;
    const base = { restApiId, resourceId: api.rootResourceId!, httpMethod: "GET" };
    await apigw.send(new PutMethodCommand({ ...base, authorizationType: "NONE" }));
    await apigw.send(new PutIntegrationCommand({ ...base, type: "MOCK" }));
    await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "prod" }));
    await apigw.send(new CreateDocumentationPartCommand({ restApiId, location: { type: "API" }, properties: '{"description":"v1"}' }));

    const v = await apigw.send(new CreateDocumentationVersionCommand({ restApiId, documentationVersion: "1.0", stageName: "prod", description: "first" }));
    assert.equal(v.version, "1.0");
    assert.ok(v.createdDate instanceof Date);
    assert.equal((await apigw.send(new GetStageCommand({ restApiId, stageName: "prod" }))).documentationVersion, "1.0");
    await assert.rejects(apigw.send(new CreateDocumentationVersionCommand({ restApiId, documentationVersion: "1.0" })), { name: "ConflictException" });
    await assert.rejects(apigw.send(new CreateDocumentationVersionCommand({ restApiId, documentationVersion: "2.0", stageName: "nope" })), { name: "NotFoundException" });
    const u = await apigw.send(new UpdateDocumentationVersionCommand({ restApiId, documentationVersion: "1.0", patchOperations: [{ op: "replace", path: "/description", value: "renamed" }] }));
    assert.equal(u.description, "renamed");
    assert.deepEqual((await apigw.send(new GetDocumentationVersionsCommand({ restApiId }))).items!.map((x) => x.version), ["1.0"]);
  });

  test("ImportDocumentationParts: parts from x-amazon-apigateway-documentation, merged by location or overwriting", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("docimp") }));
    const restApiId = api.id!;
    const existing = await apigw.send(new CreateDocumentationPartCommand({ restApiId, location: { type: "API" }, properties: '{"description":"old"}' }));
    const other = await apigw.send(new CreateDocumentationPartCommand({ restApiId, location: { type: "RESOURCE", path: "/old" }, properties: "{}" }));
    const file = (parts: unknown[]) => Buffer.from(JSON.stringify({ swagger: "2.0", info: { title: "t", version: "1" }, paths: {}, "x-amazon-apigateway-documentation": { version: "1", documentationParts: parts } }));
    const merged = await apigw.send(new ImportDocumentationPartsCommand({ restApiId, body: file([
      { location: { type: "API" }, properties: { description: "new" } },
      { location: { type: "METHOD", path: "/pets", method: "GET" }, properties: { summary: "List" } },
      { location: { type: "NOPE" }, properties: {} },
    ]) }));
    assert.equal(merged.ids?.length, 2);
    assert.equal(merged.ids![0], existing.id);
    assert.equal(merged.warnings?.length, 1);
    assert.equal((await apigw.send(new GetDocumentationPartCommand({ restApiId, documentationPartId: existing.id! }))).properties, '{"description":"new"}');
    assert.equal((await apigw.send(new GetDocumentationPartsCommand({ restApiId }))).items!.length, 3);

    await assert.rejects(apigw.send(new ImportDocumentationPartsCommand({ restApiId, failOnWarnings: true, body: file([{ location: { type: "NOPE" } }]) })), { name: "BadRequestException" });
    const over = await apigw.send(new ImportDocumentationPartsCommand({ restApiId, mode: "overwrite", body: file([{ location: { type: "API" }, properties: {} }]) }));
    const left = (await apigw.send(new GetDocumentationPartsCommand({ restApiId }))).items!;
    assert.deepEqual(left.map((p) => p.id), over.ids);
    assert.ok(!left.some((p) => p.id === other.id));
  });
});
