/** API Gateway v2 control plane through the SDK v3 ApiGatewayV2Client: APIs, quick create, routes, integrations, stages, deployments, authorizers, domains, tags, errors. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ApiGatewayV2Client, CreateApiCommand, CreateApiMappingCommand, CreateAuthorizerCommand, CreateDeploymentCommand, CreateDomainNameCommand, CreateIntegrationCommand,
  CreateIntegrationResponseCommand, CreateModelCommand, CreateRouteCommand, CreateRouteResponseCommand, CreateStageCommand, DeleteApiCommand, DeleteIntegrationCommand,
  DeleteRouteCommand, GetApiCommand, GetApisCommand, GetDeploymentsCommand, GetIntegrationsCommand, GetRoutesCommand, GetStageCommand, GetStagesCommand, GetTagsCommand,
  GetRouteResponsesCommand, TagResourceCommand, UntagResourceCommand, UpdateApiCommand, UpdateRouteCommand, UpdateStageCommand, CreateVpcLinkCommand,
} from "@aws-sdk/client-apigatewayv2";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let v2: ApiGatewayV2Client;
before(async () => {
  server = await startServer();
  v2 = new ApiGatewayV2Client(server.clientConfig);
});
after(async () => {
  v2.destroy();
  await server.stop();
});

const FN = "arn:aws:lambda:us-east-1:000000000000:function:f";

describe("API Gateway v2 control plane", () => {
  test("CreateApi: quick create makes an integration, a $default route and an auto-deployed $default stage", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("qc"), ProtocolType: "HTTP", Target: FN }));
    assert.match(api.ApiId!, /^[a-z0-9]{10}$/);
    assert.equal(api.ApiEndpoint, `http://${api.ApiId}.execute-api.localhost:${server.skyport.port}`);
    assert.equal(api.RouteSelectionExpression, "${request.method} ${request.path}");
    const integrations = await v2.send(new GetIntegrationsCommand({ ApiId: api.ApiId }));
    assert.equal(integrations.Items?.length, 1);
    assert.equal(integrations.Items![0]!.IntegrationType, "AWS_PROXY");
    assert.equal(integrations.Items![0]!.PayloadFormatVersion, "2.0");
    assert.equal(integrations.Items![0]!.ApiGatewayManaged, true);
    const routes = await v2.send(new GetRoutesCommand({ ApiId: api.ApiId }));
    assert.deepEqual(routes.Items?.map((r) => [r.RouteKey, r.Target]), [["$default", `integrations/${integrations.Items![0]!.IntegrationId}`]]);
    const stage = await v2.send(new GetStageCommand({ ApiId: api.ApiId, StageName: "$default" }));
    assert.equal(stage.AutoDeploy, true);
    assert.ok(stage.DeploymentId);
    // Changing the definition re-deploys the auto-deploy stage.
    await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /items/{id}", Target: `integrations/${integrations.Items![0]!.IntegrationId}` }));
    const after2 = await v2.send(new GetStageCommand({ ApiId: api.ApiId, StageName: "$default" }));
    assert.notEqual(after2.DeploymentId, stage.DeploymentId);
    const deps = await v2.send(new GetDeploymentsCommand({ ApiId: api.ApiId }));
    assert.ok(deps.Items?.some((d) => d.DeploymentId === after2.DeploymentId && d.AutoDeployed === true));
  });

  test("CreateApi: validation (protocol, WebSocket needs a route selection expression)", async () => {
    await assert.rejects(v2.send(new CreateApiCommand({ Name: "x", ProtocolType: "GRPC" as "HTTP" })), { name: "BadRequestException" });
    await assert.rejects(v2.send(new CreateApiCommand({ Name: "x", ProtocolType: "WEBSOCKET" })), { name: "BadRequestException" });
    const ws = await v2.send(new CreateApiCommand({ Name: uniqueName("ws"), ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" }));
    assert.match(ws.ApiEndpoint!, /^ws:\/\//);
    assert.equal(ws.ApiKeySelectionExpression, "$request.header.x-api-key");
  });

  test("GetApi: unknown id answers NotFoundException with AWS's message", async () => {
    await assert.rejects(v2.send(new GetApiCommand({ ApiId: "abc" })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, "NotFoundException");
      assert.equal(e.message, "Invalid API identifier specified 000000000000:abc");
      assert.equal(e.$metadata?.httpStatusCode, 404);
      return true;
    });
  });

  test("CreateRoute: route keys are validated and unique (ConflictException)", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("rk"), ProtocolType: "HTTP" }));
    await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "ANY /{proxy+}" }));
    await assert.rejects(v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "ANY /{proxy+}" })), (e: Error) => e.name === "ConflictException" && e.message === "Route with key ANY /{proxy+} already exists for this API");
    await assert.rejects(v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "FETCH /x" })), { name: "BadRequestException" });
    await assert.rejects(v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /{a+}/b" })), { name: "BadRequestException" });
    await assert.rejects(v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /a", Target: "integrations/nope123" })), { name: "NotFoundException" });
    await assert.rejects(v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /a", AuthorizationType: "JWT" })), { name: "BadRequestException" });
    const r = await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /a" }));
    assert.equal(r.AuthorizationType, "NONE");
    assert.equal(r.ApiKeyRequired, false);
    const u = await v2.send(new UpdateRouteCommand({ ApiId: api.ApiId, RouteId: r.RouteId, RouteKey: "GET /b" }));
    assert.equal(u.RouteKey, "GET /b");
    await v2.send(new DeleteRouteCommand({ ApiId: api.ApiId, RouteId: r.RouteId }));
    const left = await v2.send(new GetRoutesCommand({ ApiId: api.ApiId }));
    assert.deepEqual(left.Items?.map((x) => x.RouteKey), ["ANY /{proxy+}"]);
  });

  test("CreateIntegration: defaults, parameter mapping rules, HTTP API types, in-use integrations", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("int"), ProtocolType: "HTTP" }));
    const i = await v2.send(new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: "HTTP_PROXY", IntegrationUri: "http://example.com/{proxy}", IntegrationMethod: "GET",
      RequestParameters: { "append:header.x-a": "$request.header.b", "overwrite:path": "/new", "remove:querystring.q": "''" }, ResponseParameters: { "200": { "overwrite:statuscode": "204" } } }));
    assert.equal(i.ConnectionType, "INTERNET");
    assert.equal(i.TimeoutInMillis, 30000);
    assert.equal(i.PayloadFormatVersion, "1.0");
    await assert.rejects(v2.send(new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: "MOCK" })), { name: "BadRequestException" });
    await assert.rejects(v2.send(new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: "HTTP_PROXY", IntegrationUri: "http://x", IntegrationMethod: "GET", RequestParameters: { "overwrite:header.host": "x" } })), { name: "BadRequestException" });
    await assert.rejects(v2.send(new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: "AWS_PROXY", IntegrationUri: "not-an-arn", PayloadFormatVersion: "2.0" })), { name: "BadRequestException" });
    const l = await v2.send(new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: "AWS_PROXY", IntegrationUri: FN, PayloadFormatVersion: "2.0" }));
    assert.equal(l.IntegrationMethod, "POST");
    await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /x", Target: `integrations/${l.IntegrationId}` }));
    await assert.rejects(v2.send(new DeleteIntegrationCommand({ ApiId: api.ApiId, IntegrationId: l.IntegrationId })), { name: "ConflictException" });
    await v2.send(new DeleteIntegrationCommand({ ApiId: api.ApiId, IntegrationId: i.IntegrationId }));
  });

  test("CreateAuthorizer: JWT and REQUEST rules; routes refer to them", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("auth"), ProtocolType: "HTTP" }));
    const jwt = await v2.send(new CreateAuthorizerCommand({ ApiId: api.ApiId, Name: "j", AuthorizerType: "JWT", IdentitySource: ["$request.header.Authorization"], JwtConfiguration: { Issuer: "https://issuer.example", Audience: ["a"] } }));
    await assert.rejects(v2.send(new CreateAuthorizerCommand({ ApiId: api.ApiId, Name: "k", AuthorizerType: "JWT", IdentitySource: ["$request.header.Authorization"] })), { name: "BadRequestException" });
    await assert.rejects(v2.send(new CreateAuthorizerCommand({ ApiId: api.ApiId, Name: "l", AuthorizerType: "REQUEST", IdentitySource: [], AuthorizerUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FN}/invocations`, AuthorizerPayloadFormatVersion: "1.0", EnableSimpleResponses: true })), { name: "BadRequestException" });
    const req = await v2.send(new CreateAuthorizerCommand({ ApiId: api.ApiId, Name: "r", AuthorizerType: "REQUEST", IdentitySource: ["$request.header.x-token"], AuthorizerUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FN}/invocations`, AuthorizerPayloadFormatVersion: "2.0", EnableSimpleResponses: true, AuthorizerResultTtlInSeconds: 60 }));
    const r = await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /j", AuthorizationType: "JWT", AuthorizerId: jwt.AuthorizerId, AuthorizationScopes: ["read"] }));
    assert.deepEqual(r.AuthorizationScopes, ["read"]);
    await assert.rejects(v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /k", AuthorizationType: "JWT", AuthorizerId: req.AuthorizerId })), { name: "BadRequestException" });
    await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /r", AuthorizationType: "CUSTOM", AuthorizerId: req.AuthorizerId }));
  });

  test("CreateStage/CreateDeployment: explicit deployments, stage settings, conflicts", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("st"), ProtocolType: "HTTP" }));
    await assert.rejects(v2.send(new CreateDeploymentCommand({ ApiId: api.ApiId })), { name: "BadRequestException" });
    await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: "GET /a" }));
    const s = await v2.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: "prod", StageVariables: { v: "1" }, DefaultRouteSettings: { ThrottlingBurstLimit: 5, ThrottlingRateLimit: 2 }, RouteSettings: { "GET /a": { ThrottlingBurstLimit: 1 } } }));
    assert.equal(s.AutoDeploy, false);
    assert.equal(s.DeploymentId, undefined);
    await assert.rejects(v2.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: "prod" })), { name: "ConflictException" });
    const d = await v2.send(new CreateDeploymentCommand({ ApiId: api.ApiId, StageName: "prod", Description: "first" }));
    assert.equal(d.DeploymentStatus, "DEPLOYED");
    assert.equal(d.AutoDeployed, false);
    const got = await v2.send(new GetStageCommand({ ApiId: api.ApiId, StageName: "prod" }));
    assert.equal(got.DeploymentId, d.DeploymentId);
    const u = await v2.send(new UpdateStageCommand({ ApiId: api.ApiId, StageName: "prod", StageVariables: { w: "2" }, RouteSettings: { "GET /a": { ThrottlingRateLimit: 1 } } }));
    assert.deepEqual(u.StageVariables, { v: "1", w: "2" });
    assert.deepEqual(u.RouteSettings?.["GET /a"], { ThrottlingBurstLimit: 1, ThrottlingRateLimit: 1 });
    const stages = await v2.send(new GetStagesCommand({ ApiId: api.ApiId }));
    assert.deepEqual(stages.Items?.map((x) => x.StageName), ["prod"]);
  });

  test("CreateRouteResponse/CreateIntegrationResponse/CreateModel: WebSocket only pieces", async () => {
    const ws = await v2.send(new CreateApiCommand({ Name: uniqueName("wsr"), ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" }));
    const i = await v2.send(new CreateIntegrationCommand({ ApiId: ws.ApiId, IntegrationType: "MOCK", RequestTemplates: { "200": '{"statusCode":200}' }, TemplateSelectionExpression: "200" }));
    assert.equal(i.PassthroughBehavior, "WHEN_NO_MATCH");
    const r = await v2.send(new CreateRouteCommand({ ApiId: ws.ApiId, RouteKey: "$default", Target: `integrations/${i.IntegrationId}`, RouteResponseSelectionExpression: "$default" }));
    await v2.send(new CreateRouteResponseCommand({ ApiId: ws.ApiId, RouteId: r.RouteId, RouteResponseKey: "$default" }));
    const rrs = await v2.send(new GetRouteResponsesCommand({ ApiId: ws.ApiId, RouteId: r.RouteId }));
    assert.deepEqual(rrs.Items?.map((x) => x.RouteResponseKey), ["$default"]);
    const ir = await v2.send(new CreateIntegrationResponseCommand({ ApiId: ws.ApiId, IntegrationId: i.IntegrationId, IntegrationResponseKey: "$default" }));
    assert.ok(ir.IntegrationResponseId);
    const m = await v2.send(new CreateModelCommand({ ApiId: ws.ApiId, Name: "Msg", Schema: '{"type":"object"}' }));
    assert.equal(m.ContentType, "application/json");
    const http = await v2.send(new CreateApiCommand({ Name: uniqueName("h"), ProtocolType: "HTTP" }));
    const hr = await v2.send(new CreateRouteCommand({ ApiId: http.ApiId, RouteKey: "GET /" }));
    await assert.rejects(v2.send(new CreateRouteResponseCommand({ ApiId: http.ApiId, RouteId: hr.RouteId, RouteResponseKey: "$default" })), { name: "BadRequestException" });
  });

  test("TagResource: APIs and stages by ARN; UpdateApi CORS; DeleteApi; domain names and mappings", async () => {
    const api = await v2.send(new CreateApiCommand({ Name: uniqueName("tag"), ProtocolType: "HTTP", Tags: { a: "1" }, Target: FN }));
    const arn = `arn:aws:apigateway:us-east-1::/apis/${api.ApiId}`;
    await v2.send(new TagResourceCommand({ ResourceArn: arn, Tags: { b: "2" } }));
    await v2.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ["a"] }));
    assert.deepEqual((await v2.send(new GetTagsCommand({ ResourceArn: arn }))).Tags, { b: "2" });
    await v2.send(new TagResourceCommand({ ResourceArn: `${arn}/stages/$default`, Tags: { s: "1" } }));
    assert.deepEqual((await v2.send(new GetStageCommand({ ApiId: api.ApiId, StageName: "$default" }))).Tags, { s: "1" });
    const u = await v2.send(new UpdateApiCommand({ ApiId: api.ApiId, CorsConfiguration: { AllowOrigins: ["https://a.example"], MaxAge: 60 } }));
    assert.deepEqual(u.CorsConfiguration, { AllowOrigins: ["https://a.example"], MaxAge: 60 });
    const d = await v2.send(new CreateDomainNameCommand({ DomainName: `${uniqueName("d").toLowerCase()}.example.com` }));
    assert.equal(d.DomainNameConfigurations?.[0]?.DomainNameStatus, "AVAILABLE");
    const m = await v2.send(new CreateApiMappingCommand({ DomainName: d.DomainName, ApiId: api.ApiId, Stage: "$default", ApiMappingKey: "v1" }));
    assert.equal(m.ApiMappingKey, "v1");
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: d.DomainName, ApiId: api.ApiId, Stage: "$default", ApiMappingKey: "v1" })), { name: "ConflictException" });
    await v2.send(new DeleteApiCommand({ ApiId: api.ApiId }));
    const all = await v2.send(new GetApisCommand({}));
    assert.ok(!all.Items?.some((x) => x.ApiId === api.ApiId));
  });

  test("CreateVpcLink: answers NotImplementedException", async () => {
    await assert.rejects(v2.send(new CreateVpcLinkCommand({ Name: "x", SubnetIds: ["s"] })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 501);
  });
});
