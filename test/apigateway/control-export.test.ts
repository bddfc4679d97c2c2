/** GetExport as YAML (accepts application/yaml) and its round trip through ImportRestApi. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import yaml from "js-yaml";
import { APIGatewayClient, CreateDeploymentCommand, GetExportCommand, GetResourcesCommand, ImportRestApiCommand } from "@aws-sdk/client-api-gateway";
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

test("GetExport: accepts application/yaml answers YAML that imports back to the same API", async () => {
  const title = uniqueName("yaml-export");
  const def = {
    swagger: "2.0", info: { title, version: "1" },
    paths: { "/ping/{id}": { get: {
      parameters: [{ name: "id", in: "path", required: true, type: "string" }],
      responses: { 200: { description: "ok" } },
      "x-amazon-apigateway-integration": { type: "mock", requestTemplates: { "application/json": '{"statusCode": 200}' }, responses: { default: { statusCode: "200" } } },
    } } },
  };
  const api = await apigw.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(def)) }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: "dev" }));
  for (const exportType of ["oas30", "swagger"]) {
    const out = await apigw.send(new GetExportCommand({ restApiId: api.id, stageName: "dev", exportType, accepts: "application/yaml", parameters: { extensions: "integrations" } }));
    assert.equal(out.contentType, "application/yaml");
    assert.match(out.contentDisposition!, /\.yaml"$/);
    const text = Buffer.from(out.body!).toString("utf8");
    const parsed = yaml.load(text) as { info: { title: string }; paths: Record<string, Record<string, Record<string, unknown>>> };
    assert.equal(parsed.info.title, title);
    assert.equal((parsed.paths["/ping/{id}"]!.get!["x-amazon-apigateway-integration"] as { type: string }).type, "mock");
    const again = await apigw.send(new ImportRestApiCommand({ body: Buffer.from(text) }));
    const paths = (await apigw.send(new GetResourcesCommand({ restApiId: again.id, embed: ["methods"] }))).items!.map((r) => r.path).sort();
    assert.deepEqual(paths, ["/", "/ping", "/ping/{id}"]);
  }
});
