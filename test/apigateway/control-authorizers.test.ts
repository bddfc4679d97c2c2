/**
 * API Gateway control plane: authorizers, the Update* operations of method/integration responses, models,
 * request validators and gateway responses, account settings, and a key flow with the aws CLI.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import {
  APIGatewayClient, CreateAuthorizerCommand, CreateModelCommand, CreateRequestValidatorCommand, CreateRestApiCommand, DeleteAuthorizerCommand,
  GetAccountCommand, GetAuthorizerCommand, GetAuthorizersCommand, GetGatewayResponseCommand, PutIntegrationCommand, PutIntegrationResponseCommand,
  PutMethodCommand, PutMethodResponseCommand, UpdateAccountCommand, UpdateAuthorizerCommand, UpdateGatewayResponseCommand,
  UpdateIntegrationResponseCommand, UpdateMethodResponseCommand, UpdateModelCommand, UpdateRequestValidatorCommand,
} from "@aws-sdk/client-api-gateway";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

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

const lambdaUri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations";

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name);
    if (typeof message === "string") assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

describe("API Gateway control plane: authorizers and updates", () => {
  test("CreateAuthorizer: TOKEN and COGNITO authorizers are stored, listed, patched; one in use cannot be deleted", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("auth") }));
    const restApiId = api.id!;
    const token = await apigw.send(new CreateAuthorizerCommand({ restApiId, name: "tok", type: "TOKEN", authorizerUri: lambdaUri, identitySource: "method.request.header.Authorization" }));
    assert.match(token.id!, /^[a-z0-9]{6}$/);
    assert.equal(token.authorizerResultTtlInSeconds, 300);
    const cognito = await apigw.send(new CreateAuthorizerCommand({ restApiId, name: "pool", type: "COGNITO_USER_POOLS", providerARNs: ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_x"], identitySource: "method.request.header.Authorization" }));
    await rejects(apigw.send(new CreateAuthorizerCommand({ restApiId, name: "bad", type: "COGNITO_USER_POOLS" })), "BadRequestException");

    const all = await apigw.send(new GetAuthorizersCommand({ restApiId, limit: 1 }));
    assert.equal(all.items?.length, 1);
    assert.ok(all.position);
    const rest = await apigw.send(new GetAuthorizersCommand({ restApiId, position: all.position }));
    assert.deepEqual([...all.items!, ...rest.items!].map((a) => a.id).sort(), [token.id, cognito.id].sort());

    const updated = await apigw.send(new UpdateAuthorizerCommand({ restApiId, authorizerId: token.id!, patchOperations: [{ op: "replace", path: "/authorizerResultTtlInSeconds", value: "0" }, { op: "replace", path: "/name", value: "renamed" }] }));
    assert.equal(updated.authorizerResultTtlInSeconds, 0);
    assert.equal((await apigw.send(new GetAuthorizerCommand({ restApiId, authorizerId: token.id! }))).name, "renamed");

    await apigw.send(new PutMethodCommand({ restApiId, resourceId: api.rootResourceId!, httpMethod: "GET", authorizationType: "CUSTOM", authorizerId: token.id }));
    await rejects(apigw.send(new DeleteAuthorizerCommand({ restApiId, authorizerId: token.id! })), "ConflictException");
    await apigw.send(new DeleteAuthorizerCommand({ restApiId, authorizerId: cognito.id! }));
    await rejects(apigw.send(new GetAuthorizerCommand({ restApiId, authorizerId: cognito.id! })), "NotFoundException", "Invalid Authorizer identifier specified");
  });

  test("UpdateMethodResponse / UpdateIntegrationResponse: patch parameters and templates in place", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("upd") }));
    const base = { restApiId: api.id!, resourceId: api.rootResourceId!, httpMethod: "GET" };
    await apigw.send(new PutMethodCommand({ ...base, authorizationType: "NONE" }));
    await apigw.send(new PutIntegrationCommand({ ...base, type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } }));
    await apigw.send(new PutMethodResponseCommand({ ...base, statusCode: "200" }));
    await apigw.send(new PutIntegrationResponseCommand({ ...base, statusCode: "200" }));

    const mr = await apigw.send(new UpdateMethodResponseCommand({ ...base, statusCode: "200", patchOperations: [{ op: "add", path: "/responseParameters/method.response.header.X-Id", value: "false" }] }));
    assert.deepEqual(mr.responseParameters, { "method.response.header.X-Id": false });
    const ir = await apigw.send(new UpdateIntegrationResponseCommand({ ...base, statusCode: "200", patchOperations: [
      { op: "add", path: "/responseParameters/method.response.header.X-Id", value: "'abc'" },
      { op: "add", path: "/responseTemplates/application~1json", value: '{"ok":true}' },
    ] }));
    assert.deepEqual(ir.responseParameters, { "method.response.header.X-Id": "'abc'" });
    assert.deepEqual(ir.responseTemplates, { "application/json": '{"ok":true}' });
    await rejects(apigw.send(new UpdateMethodResponseCommand({ ...base, statusCode: "404", patchOperations: [] })), "NotFoundException", "Invalid Response status code identifier specified");
  });

  test("UpdateModel / UpdateRequestValidator / UpdateGatewayResponse: validated patches", async () => {
    const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("mod") }));
    const restApiId = api.id!;
    await apigw.send(new CreateModelCommand({ restApiId, name: "Pet", contentType: "application/json", schema: '{"type":"object"}' }));
    const m = await apigw.send(new UpdateModelCommand({ restApiId, modelName: "Pet", patchOperations: [{ op: "replace", path: "/schema", value: '{"type":"object","required":["name"]}' }] }));
    assert.equal(m.schema, '{"type":"object","required":["name"]}');
    await rejects(apigw.send(new UpdateModelCommand({ restApiId, modelName: "Pet", patchOperations: [{ op: "replace", path: "/schema", value: '{"type":"nonsense"}' }] })), "BadRequestException");
    await rejects(apigw.send(new UpdateModelCommand({ restApiId, modelName: "Nope", patchOperations: [] })), "NotFoundException", "Invalid model name specified");

    const v = await apigw.send(new CreateRequestValidatorCommand({ restApiId, name: "body" }));
    const v2 = await apigw.send(new UpdateRequestValidatorCommand({ restApiId, requestValidatorId: v.id!, patchOperations: [{ op: "replace", path: "/validateRequestBody", value: "true" }] }));
    assert.equal(v2.validateRequestBody, true);
    assert.equal(v2.validateRequestParameters, false);

    const g = await apigw.send(new UpdateGatewayResponseCommand({ restApiId, responseType: "DEFAULT_4XX", patchOperations: [{ op: "add", path: "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin", value: "'*'" }] }));
    assert.equal(g.defaultResponse, false);
    const got = await apigw.send(new GetGatewayResponseCommand({ restApiId, responseType: "DEFAULT_4XX" }));
    assert.deepEqual(got.responseParameters, { "gatewayresponse.header.Access-Control-Allow-Origin": "'*'" });
  });

  test("GetAccount / UpdateAccount: AWS's default quotas; cloudwatchRoleArn is validated and kept", async () => {
    const a = await apigw.send(new GetAccountCommand({}));
    assert.deepEqual(a.throttleSettings, { burstLimit: 5000, rateLimit: 10000 });
    const role = "arn:aws:iam::000000000000:role/apigw-logs";
    const u = await apigw.send(new UpdateAccountCommand({ patchOperations: [{ op: "replace", path: "/cloudwatchRoleArn", value: role }] }));
    assert.equal(u.cloudwatchRoleArn, role);
    assert.equal((await apigw.send(new GetAccountCommand({}))).cloudwatchRoleArn, role);
    await rejects(apigw.send(new UpdateAccountCommand({ patchOperations: [{ op: "replace", path: "/cloudwatchRoleArn", value: "not-an-arn" }] })), "BadRequestException");
  });

  test("CreateAuthorizer: the aws CLI creates and lists authorizers", async () => {
    const run = promisify(execFile);
    const cli = (...args: string[]) => run("aws", ["apigateway", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() }).then((r) => JSON.parse(r.stdout) as Record<string, unknown>);
    const api = await cli("create-rest-api", "--name", uniqueName("cli"));
    const auth = await cli("create-authorizer", "--rest-api-id", String(api.id), "--name", "req", "--type", "REQUEST", "--authorizer-uri", lambdaUri, "--identity-source", "method.request.querystring.token");
    assert.equal(auth.type, "REQUEST");
    const list = await cli("get-authorizers", "--rest-api-id", String(api.id));
    assert.deepEqual((list.items as Array<{ id: string }>).map((x) => x.id), [auth.id]);
  });
});
