/**
 * Issue 9 item 23: request body validation with models that reference themselves or each other
 * (https://apigateway.amazonaws.com/restapis/{id}/models/{name}) validates instead of answering 500.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateModelCommand, CreateRequestValidatorCommand, CreateRestApiCommand, PutIntegrationCommand,
  PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand, UpdateModelCommand,
} from "@aws-sdk/client-api-gateway";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;
before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
});
after(() => server.stop());

test("execute-api: a body model with circular $refs validates (400 Invalid request body / 200)", async () => {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("models") }));
  const url = (name: string) => `https://apigateway.amazonaws.com/restapis/${a.id}/models/${name}`;
  // Circles are built as on AWS: a referenced model must exist, so Person gains its reference to Tree by an update.
  const person = (trees: boolean) => JSON.stringify({
    $schema: "http://json-schema.org/draft-04/schema#", type: "object", required: ["id"],
    properties: { id: { type: "string" }, ...(trees ? { trees: { type: "array", items: { $ref: url("Tree") } } } : {}) },
  });
  await apigw.send(new CreateModelCommand({ restApiId: a.id!, name: "Person", contentType: "application/json", schema: person(false) }));
  await apigw.send(new CreateModelCommand({ restApiId: a.id!, name: "Tree", contentType: "application/json", schema: JSON.stringify({
    $schema: "http://json-schema.org/draft-04/schema#", type: "object", required: ["name"],
    properties: { name: { type: "string" }, children: { type: "array", items: { $ref: url("Tree") } }, owner: { $ref: url("Person") } },
  }) }));
  await apigw.send(new UpdateModelCommand({ restApiId: a.id!, modelName: "Person", patchOperations: [{ op: "replace", path: "/schema", value: person(true) }] }));
  await assert.rejects(apigw.send(new CreateModelCommand({ restApiId: a.id!, name: "Dangling", contentType: "application/json", schema: JSON.stringify({ type: "object", properties: { x: { $ref: url("Nope") } } }) })), /Invalid model specified/);
  const v = await apigw.send(new CreateRequestValidatorCommand({ restApiId: a.id!, name: "body", validateRequestBody: true }));
  const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "POST" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE", requestValidatorId: v.id, requestModels: { "application/json": "Tree" } }));
  await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
  await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200", responseTemplates: { "application/json": '{"ok": true}' } }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
  const post = (body: unknown) => fetch(`${server.endpoint}/_aws/execute-api/${a.id}/dev/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  const good = await post({ name: "root", children: [{ name: "leaf", children: [] }], owner: { id: "p1", trees: [{ name: "other" }] } });
  assert.equal(good.status, 200);
  assert.deepEqual(await good.json(), { ok: true });
  const badChild = await post({ name: "root", children: [{ children: [] }] });
  assert.equal(badChild.status, 400);
  assert.deepEqual(await badChild.json(), { message: "Invalid request body" });
  assert.equal((await post({ name: "root", owner: { trees: [] } })).status, 400, "the referenced model's own rules apply");
  assert.equal((await post({ name: "root", owner: { id: "p", trees: [{ children: [] }] } })).status, 400, "through the circle back to Tree");
});

test("CreateModel/execute-api: a model's pattern runs on RE2 (a ReDoS pattern answers at once; lookaround is refused)", async () => {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("pattern") }));
  await assert.rejects(apigw.send(new CreateModelCommand({ restApiId: a.id!, name: "Look", contentType: "application/json", schema: JSON.stringify({ type: "string", pattern: "^(?=a)" }) })), /Invalid model specified/);
  await apigw.send(new CreateModelCommand({ restApiId: a.id!, name: "Evil", contentType: "application/json", schema: JSON.stringify({ type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } } }) }));
  const v = await apigw.send(new CreateRequestValidatorCommand({ restApiId: a.id!, name: "body", validateRequestBody: true }));
  const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "POST" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE", requestValidatorId: v.id, requestModels: { "application/json": "Evil" } }));
  await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
  await apigw.send(new PutMethodResponseCommand({ ...common, statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ ...common, statusCode: "200" }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev" }));
  const post = (s: string) => fetch(`${server.endpoint}/_aws/execute-api/${a.id}/dev/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ s }) });
  assert.equal((await post("a".repeat(5000) + "!")).status, 400);
  assert.equal((await post("aaaa")).status, 200);
});
