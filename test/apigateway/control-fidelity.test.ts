/**
 * Issue 9 items 22 and 24: control-plane shapes and errors as AWS answers them (AWS API Gateway
 * reference, and the answers recorded by other emulators' AWS-validated suites).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateBasePathMappingCommand, CreateDeploymentCommand, CreateDomainNameCommand, CreateRestApiCommand, CreateStageCommand,
  CreateVpcLinkCommand, DeleteVpcLinkCommand, GetModelCommand, GetModelsCommand, GetRestApiCommand, GetRestApisCommand, GetStageCommand, GetTagsCommand,
  GetVpcLinkCommand, GetVpcLinksCommand, ImportRestApiCommand, PutIntegrationCommand, PutMethodCommand, TagResourceCommand, UpdateStageCommand,
  UpdateVpcLinkCommand,
} from "@aws-sdk/client-api-gateway";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;
before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
});
after(() => server.stop());

const rejects = (p: Promise<unknown>, name: string, message: string | RegExp, status: number) =>
  assert.rejects(p, (e: { name: string; message: string; $metadata: { httpStatusCode: number } }) => {
    assert.equal(e.name, name);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.equal(e.$metadata.httpStatusCode, status);
    return true;
  });

test("CreateRestApi: returns version, binaryMediaTypes, tags and endpointConfiguration with ipAddressType ipv4", async () => {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("shape"), version: "v7", binaryMediaTypes: ["image/png"], tags: { team: "a" }, endpointConfiguration: { types: ["REGIONAL"] } }));
  assert.equal(a.version, "v7");
  assert.deepEqual(a.binaryMediaTypes, ["image/png"]);
  assert.deepEqual(a.tags, { team: "a" });
  assert.deepEqual(a.endpointConfiguration, { types: ["REGIONAL"], ipAddressType: "ipv4" });
  assert.equal(a.apiKeySource, "HEADER");
  const g = await apigw.send(new GetRestApiCommand({ restApiId: a.id! }));
  assert.deepEqual(g.endpointConfiguration, { types: ["REGIONAL"], ipAddressType: "ipv4" });
});

test("CreateRestApi: enum members are validated (apiKeySource, endpoint types, ipAddressType)", async () => {
  await rejects(apigw.send(new CreateRestApiCommand({ name: uniqueName("bad"), apiKeySource: "COOKIE" as never })), "BadRequestException", /apiKeySource.*\[HEADER, AUTHORIZER\]/, 400);
  await rejects(apigw.send(new CreateRestApiCommand({ name: uniqueName("bad"), endpointConfiguration: { types: ["GLOBAL" as never] } })), "BadRequestException", /REGIONAL, EDGE, PRIVATE/, 400);
  await rejects(apigw.send(new CreateRestApiCommand({ name: uniqueName("bad"), endpointConfiguration: { types: ["REGIONAL"], ipAddressType: "v6" as never } })), "BadRequestException", /ipv4, dualstack/, 400);
});

test("GetModels: CreateRestApi adds Empty and Error; an imported API has only its own models", async () => {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("models") }));
  assert.deepEqual((await apigw.send(new GetModelsCommand({ restApiId: a.id! }))).items!.map((m) => m.name).sort(), ["Empty", "Error"]);
  const def = { openapi: "3.0.1", info: { title: uniqueName("imp"), version: "1" }, paths: { "/x": { get: { "x-amazon-apigateway-integration": { type: "mock", requestTemplates: { "application/json": '{"statusCode": 200}' } } } } }, components: { schemas: { Thing: { type: "object" } } } };
  const i = await apigw.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(def)) }));
  assert.deepEqual((await apigw.send(new GetModelsCommand({ restApiId: i.id! }))).items!.map((m) => m.name), ["Thing"]);
});

test("ImportRestApi: failOnWarnings with a method without integration creates nothing; without it the warning is returned", async () => {
  const title = uniqueName("warn");
  const def = { openapi: "3.0.1", info: { title, version: "1" }, paths: { "/x": { get: { responses: { "200": { description: "ok" } } } } } };
  await rejects(apigw.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(def)), failOnWarnings: true })), "BadRequestException", /integration/i, 400);
  const all = await apigw.send(new GetRestApisCommand({ limit: 500 }));
  assert.equal(all.items!.some((x) => x.name === title), false, "no API was left behind");
  const ok = await apigw.send(new ImportRestApiCommand({ body: Buffer.from(JSON.stringify(def)) }));
  assert.ok(ok.warnings?.some((w) => /integration/i.test(w)));
});

test("CreateStage/UpdateStage: description and variables come back; cacheClusterStatus follows cacheClusterEnabled", async () => {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("stage") }));
  await apigw.send(new PutMethodCommand({ restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET", authorizationType: "NONE" }));
  await apigw.send(new PutIntegrationCommand({ restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET", type: "MOCK" }));
  const d = await apigw.send(new CreateDeploymentCommand({ restApiId: a.id! }));
  const s = await apigw.send(new CreateStageCommand({ restApiId: a.id!, stageName: "s1", deploymentId: d.id!, description: "first", variables: { a: "1" } }));
  assert.equal(s.description, "first");
  assert.deepEqual(s.variables, { a: "1" });
  assert.equal(s.cacheClusterEnabled, false);
  assert.equal(s.cacheClusterStatus, "NOT_AVAILABLE");
  const on = await apigw.send(new UpdateStageCommand({ restApiId: a.id!, stageName: "s1", patchOperations: [{ op: "replace", path: "/cacheClusterEnabled", value: "true" }] }));
  assert.equal(on.cacheClusterEnabled, true);
  assert.equal(on.cacheClusterStatus, "AVAILABLE");
  assert.equal(on.cacheClusterSize, "0.5");
  const got = await apigw.send(new GetStageCommand({ restApiId: a.id!, stageName: "s1" }));
  assert.equal(got.description, "first");
  assert.deepEqual(got.variables, { a: "1" });
  await rejects(apigw.send(new CreateStageCommand({ restApiId: a.id!, stageName: "s2", deploymentId: d.id!, cacheClusterEnabled: true, cacheClusterSize: "3" as never })), "BadRequestException", /cacheClusterSize/, 400);
});

test("Missing REST API: each operation words it as AWS does", async () => {
  await rejects(apigw.send(new GetRestApiCommand({ restApiId: "nope000000" })), "NotFoundException", "Invalid API identifier specified 000000000000:nope000000", 404);
  await rejects(apigw.send(new GetModelCommand({ restApiId: "nope000000", modelName: "Empty" })), "NotFoundException", "Invalid Rest API Id specified", 404);
  const domainName = `${uniqueName("d")}.example.com`;
  await apigw.send(new CreateDomainNameCommand({ domainName, certificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/x" }));
  await rejects(apigw.send(new CreateBasePathMappingCommand({ domainName, restApiId: "nope000000" })), "BadRequestException", "Invalid REST API identifier specified", 400);
});

test("VPC links: Create/Get/GetAll/Update/Delete, AVAILABLE at once, taggable", async () => {
  const arn = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/my-nlb/50dc6c495c0c9188";
  const l = await apigw.send(new CreateVpcLinkCommand({ name: uniqueName("link"), targetArns: [arn], description: "d", tags: { k: "v" } }));
  assert.equal(l.status, "AVAILABLE");
  assert.deepEqual(l.targetArns, [arn]);
  assert.equal((await apigw.send(new GetVpcLinkCommand({ vpcLinkId: l.id! }))).name, l.name);
  assert.ok((await apigw.send(new GetVpcLinksCommand({}))).items!.some((x) => x.id === l.id));
  const u = await apigw.send(new UpdateVpcLinkCommand({ vpcLinkId: l.id!, patchOperations: [{ op: "replace", path: "/description", value: "new" }] }));
  assert.equal(u.description, "new");
  const resourceArn = `arn:aws:apigateway:us-east-1::/vpclinks/${l.id}`;
  await apigw.send(new TagResourceCommand({ resourceArn, tags: { more: "x" } }));
  assert.deepEqual((await apigw.send(new GetTagsCommand({ resourceArn }))).tags, { k: "v", more: "x" });
  await apigw.send(new DeleteVpcLinkCommand({ vpcLinkId: l.id! }));
  await rejects(apigw.send(new GetVpcLinkCommand({ vpcLinkId: l.id! })), "NotFoundException", "Invalid Vpc Link identifier specified", 404);
  await rejects(apigw.send(new CreateVpcLinkCommand({ name: "x", targetArns: ["not-an-arn"] })), "BadRequestException", /target ARN/, 400);
});

test("PutIntegration: connectionType INTERNET by default; enums and the timeout range validated", async () => {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("integ") }));
  const common = { restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET" };
  await apigw.send(new PutMethodCommand({ ...common, authorizationType: "NONE" }));
  const mock = await apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK" }));
  assert.equal(mock.connectionType, "INTERNET");
  const http = await apigw.send(new PutIntegrationCommand({ ...common, type: "HTTP", integrationHttpMethod: "GET", uri: "http://example.com" }));
  assert.equal(http.connectionType, "INTERNET");
  await rejects(apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", timeoutInMillis: 30000 })), "BadRequestException", "Timeout should be between 50 ms and 29000 ms", 400);
  await rejects(apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", passthroughBehavior: "SOMETIMES" })), "BadRequestException", /passthroughBehavior/, 400);
  await rejects(apigw.send(new PutIntegrationCommand({ ...common, type: "MOCK", requestParameters: { "method.request.header.x": "'a'" } })), "BadRequestException", /Invalid mapping expression/, 400);
});

test("PutMethod: CUSTOM or COGNITO_USER_POOLS without a valid authorizer is refused; unknown authorization types too", async () => {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("auth") }));
  const common = { restApiId: a.id!, resourceId: a.rootResourceId! };
  await rejects(apigw.send(new PutMethodCommand({ ...common, httpMethod: "GET", authorizationType: "CUSTOM" })), "BadRequestException", /Invalid authorizer ID specified/, 400);
  await rejects(apigw.send(new PutMethodCommand({ ...common, httpMethod: "GET", authorizationType: "COGNITO_USER_POOLS", authorizerId: "nope" })), "BadRequestException", /Invalid authorizer ID specified/, 400);
  await rejects(apigw.send(new PutMethodCommand({ ...common, httpMethod: "GET", authorizationType: "MAGIC" })), "BadRequestException", /NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS/, 400);
  await rejects(apigw.send(new PutMethodCommand({ ...common, httpMethod: "GET", authorizationType: "NONE", requestParameters: { "querystring.q": true } })), "BadRequestException", /Invalid mapping expression/, 400);
});

test("UpdateStage: a remove that empties a map removes the map", async () => {
  const a = await apigw.send(new CreateRestApiCommand({ name: uniqueName("patch") }));
  await apigw.send(new PutMethodCommand({ restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET", authorizationType: "NONE" }));
  await apigw.send(new PutIntegrationCommand({ restApiId: a.id!, resourceId: a.rootResourceId!, httpMethod: "GET", type: "MOCK" }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: a.id!, stageName: "dev", variables: { only: "1" } }));
  const s = await apigw.send(new UpdateStageCommand({ restApiId: a.id!, stageName: "dev", patchOperations: [{ op: "remove", path: "/variables/only" }] }));
  assert.equal(s.variables, undefined);
  assert.equal((await apigw.send(new GetStageCommand({ restApiId: a.id!, stageName: "dev" }))).variables, undefined);
});
