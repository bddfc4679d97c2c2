/**
 * API Gateway control plane: updates of deployments (description only; the snapshot stays frozen), custom
 * domain names and base path mappings.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  APIGatewayClient, CreateBasePathMappingCommand, CreateDeploymentCommand, CreateDomainNameCommand, CreateRestApiCommand, GetBasePathMappingsCommand,
  GetDeploymentCommand, GetDomainNameCommand, PutIntegrationCommand, PutMethodCommand, UpdateBasePathMappingCommand, UpdateDeploymentCommand,
  UpdateDomainNameCommand, UpdateIntegrationCommand, UpdateStageCommand,
} from "@aws-sdk/client-api-gateway";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import type { RestApiDataAccess } from "../../src/services/apigateway/snapshot.js";

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

async function deployedApi(stageName: string): Promise<{ apiId: string; deploymentId: string }> {
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("dom") }));
  const base = { restApiId: api.id!, resourceId: api.rootResourceId!, httpMethod: "GET" };
  await apigw.send(new PutMethodCommand({ ...base, authorizationType: "NONE" }));
  await apigw.send(new PutIntegrationCommand({ ...base, type: "MOCK" }));
  const dep = await apigw.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName, description: "first" }));
  return { apiId: api.id!, deploymentId: dep.id! };
}

describe("API Gateway control plane: deployment and domain updates", () => {
  test("UpdateDeployment: the description changes, other paths are refused, the snapshot stays", async () => {
    const { apiId, deploymentId } = await deployedApi("prod");
    const u = await apigw.send(new UpdateDeploymentCommand({ restApiId: apiId, deploymentId, patchOperations: [{ op: "replace", path: "/description", value: "second" }] }));
    assert.equal(u.description, "second");
    assert.equal((await apigw.send(new GetDeploymentCommand({ restApiId: apiId, deploymentId }))).description, "second");
    await assert.rejects(apigw.send(new UpdateDeploymentCommand({ restApiId: apiId, deploymentId, patchOperations: [{ op: "replace", path: "/id", value: "x" }] })), { name: "BadRequestException" });
    await assert.rejects(apigw.send(new UpdateDeploymentCommand({ restApiId: apiId, deploymentId: "nope00", patchOperations: [] })), { name: "NotFoundException", message: "Invalid Deployment identifier specified" });
  });

  test("UpdateDomainName / UpdateBasePathMapping: certificate, base path and stage are patched; unknown stages are refused", async () => {
    const a = await deployedApi("v1");
    const b = await deployedApi("v2");
    const domainName = `${uniqueName("api")}.example.com`;
    await apigw.send(new CreateDomainNameCommand({ domainName, certificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/one" }));
    const d = await apigw.send(new UpdateDomainNameCommand({ domainName, patchOperations: [{ op: "replace", path: "/certificateArn", value: "arn:aws:acm:us-east-1:000000000000:certificate/two" }] }));
    assert.equal(d.certificateArn, "arn:aws:acm:us-east-1:000000000000:certificate/two");
    assert.equal((await apigw.send(new GetDomainNameCommand({ domainName }))).certificateArn, d.certificateArn);

    await apigw.send(new CreateBasePathMappingCommand({ domainName, basePath: "orders", restApiId: a.apiId, stage: "v1" }));
    const m = await apigw.send(new UpdateBasePathMappingCommand({ domainName, basePath: "orders", patchOperations: [
      { op: "replace", path: "/restapiId", value: b.apiId }, { op: "replace", path: "/stage", value: "v2" }, { op: "replace", path: "/basePath", value: "orders2" },
    ] }));
    assert.deepEqual({ basePath: m.basePath, restApiId: m.restApiId, stage: m.stage }, { basePath: "orders2", restApiId: b.apiId, stage: "v2" });
    assert.deepEqual((await apigw.send(new GetBasePathMappingsCommand({ domainName }))).items!.map((x) => x.basePath), ["orders2"]);
    await assert.rejects(apigw.send(new UpdateBasePathMappingCommand({ domainName, basePath: "orders2", patchOperations: [{ op: "replace", path: "/stage", value: "missing" }] })), { name: "BadRequestException" });
    await assert.rejects(apigw.send(new UpdateBasePathMappingCommand({ domainName, basePath: "gone", patchOperations: [] })), { name: "NotFoundException" });
  });

  test("CreateDeployment: a deployment's snapshot is frozen; a redeploy takes the new definition (getDeploymentSnapshot)", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("snap") }));
    const base = { restApiId: api.id!, resourceId: api.rootResourceId!, httpMethod: "GET" };
    await apigw.send(new PutMethodCommand({ ...base, authorizationType: "NONE" }));
    await apigw.send(new PutIntegrationCommand({ ...base, type: "MOCK", requestTemplates: { "application/json": "one" } }));
    const first = await apigw.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName: "prod" }));
    await apigw.send(new UpdateIntegrationCommand({ ...base, patchOperations: [{ op: "replace", path: "/requestTemplates/application~1json", value: "two" }] }));

    const access = (await server.skyport.services.get("apigateway")!) as unknown as RestApiDataAccess;
    const where = access.locateRestApi(api.id!)!;
    const template = (deploymentId: string) =>
      access.getDeploymentSnapshot(where, api.id!, deploymentId)!.resources.find((r) => r.path === "/")!.resourceMethods!.GET!.methodIntegration!.requestTemplates!["application/json"];
    assert.equal(template(first.id!), "one");
    const second = await apigw.send(new CreateDeploymentCommand({ restApiId: api.id!, stageName: "prod" }));
    assert.equal(template(second.id!), "two");
    assert.equal(template(first.id!), "one");
    assert.equal(access.getStageFor(where, api.id!, "prod")!.deploymentId, second.id);
    // Pointing the stage back at the first deployment serves the old definition again.
    await apigw.send(new UpdateStageCommand({ restApiId: api.id!, stageName: "prod", patchOperations: [{ op: "replace", path: "/deploymentId", value: first.id! }] }));
    assert.equal(access.getStageFor(where, api.id!, "prod")!.deploymentId, first.id);
  });
});
