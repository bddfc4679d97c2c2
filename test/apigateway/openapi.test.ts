/** ImportRestApi / PutRestApi from OpenAPI with API Gateway's extensions, and the import → export → import round trip. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { APIGatewayClient, CreateDeploymentCommand, GetExportCommand, GetResourcesCommand, ImportRestApiCommand, PutRestApiCommand } from "@aws-sdk/client-api-gateway";
import { startServer, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;
before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
});
after(() => server.stop());

const definition = readFileSync(new URL("../../examples/serverless-http-api/openapi.json", import.meta.url));

test("ImportRestApi: resources, methods, integrations and models from OpenAPI 3; the MOCK route answers", async () => {
  const api = await apigw.send(new ImportRestApiCommand({ body: definition }));
  assert.equal(api.name, "items-api-openapi");
  const res = await apigw.send(new GetResourcesCommand({ restApiId: api.id, embed: ["methods"] }));
  assert.deepEqual(res.items?.map((r) => r.path).sort(), ["/", "/health", "/items", "/items/{id}"]);
  const item = res.items!.find((r) => r.path === "/items/{id}")!;
  assert.equal(item.resourceMethods?.ANY?.methodIntegration?.type, "AWS_PROXY");
  assert.deepEqual(item.resourceMethods?.ANY?.requestParameters, { "method.request.path.id": true });
  await apigw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: "dev" }));
  const r = await fetch(`${server.endpoint}/_aws/execute-api/${api.id}/dev/health`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: "ok", stage: "dev" });
});

test("ImportRestApi: YAML input and a malformed definition", async () => {
  const yamlDef = "openapi: 3.0.1\ninfo:\n  title: from-yaml\n  version: '1'\npaths:\n  /ping:\n    get:\n      x-amazon-apigateway-integration:\n        type: mock\n        requestTemplates:\n          application/json: '{\"statusCode\": 200}'\n        responses:\n          default:\n            statusCode: '200'\n";
  const api = await apigw.send(new ImportRestApiCommand({ body: Buffer.from(yamlDef) }));
  assert.equal(api.name, "from-yaml");
  const err = (await apigw.send(new ImportRestApiCommand({ body: Buffer.from("{not json") })).catch((e: unknown) => e)) as { name: string };
  assert.equal(err.name, "BadRequestException");
});

test("GetExport → ImportRestApi round trip keeps paths, methods and integrations; PutRestApi overwrite replaces", async () => {
  const first = await apigw.send(new ImportRestApiCommand({ body: definition }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: first.id, stageName: "dev" }));
  const exported = (await apigw.send(new GetExportCommand({ restApiId: first.id, stageName: "dev", exportType: "oas30", parameters: { extensions: "integrations" } }))).body!;
  const again = await apigw.send(new ImportRestApiCommand({ body: exported }));
  const a = await apigw.send(new GetResourcesCommand({ restApiId: first.id, embed: ["methods"] }));
  const b = await apigw.send(new GetResourcesCommand({ restApiId: again.id, embed: ["methods"] }));
  const shape = (items: typeof a.items) => items!.map((r) => [r.path, Object.keys(r.resourceMethods ?? {}), Object.values(r.resourceMethods ?? {}).map((m) => [m.methodIntegration?.type, m.methodIntegration?.uri ?? null])]).sort();
  assert.deepEqual(shape(b.items), shape(a.items));
  await apigw.send(new CreateDeploymentCommand({ restApiId: again.id, stageName: "dev" }));
  assert.deepEqual(await (await fetch(`${server.endpoint}/_aws/execute-api/${again.id}/dev/health`)).json(), { status: "ok", stage: "dev" });
  const only = { openapi: "3.0.1", info: { title: "replaced", version: "1" }, paths: { "/only": { get: { "x-amazon-apigateway-integration": { type: "mock", requestTemplates: { "application/json": '{"statusCode": 200}' }, responses: { default: { statusCode: "200" } } } } } } };
  await apigw.send(new PutRestApiCommand({ restApiId: again.id, mode: "overwrite", body: Buffer.from(JSON.stringify(only)) }));
  const c = await apigw.send(new GetResourcesCommand({ restApiId: again.id }));
  assert.deepEqual(c.items?.map((r) => r.path).sort(), ["/", "/only"]);
});

test("ImportRestApi: a YAML alias bomb is refused at once (400), the server keeps serving", async () => {
  const lines = ["openapi: 3.0.1", "info: {title: bomb, version: '1'}", "paths: {}", "x-bomb:", "  l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]"];
  for (let i = 1; i < 8; i++) lines.push(`  l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(",")}]`);
  lines.push("components:", "  schemas:", "    Bomb: {type: object, example: *l7}");
  await assert.rejects(apigw.send(new ImportRestApiCommand({ body: Buffer.from(lines.join("\n") + "\n") })), (e: { name: string; message: string }) => {
    assert.equal(e.name, "BadRequestException");
    assert.match(e.message, /too large \(more than 1000000 nodes once aliases are expanded\)/);
    return true;
  });
});
