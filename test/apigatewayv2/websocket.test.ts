/**
 * WebSocket APIs end to end: a real `ws` client on {apiId}.execute-api.localhost:PORT/{stage} (and the
 * path-style URL), functions behind the routes, the management API from the test and from functions.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import WebSocket from "ws";
import { ApiGatewayV2Client, CreateApiCommand, CreateAuthorizerCommand, CreateDeploymentCommand, CreateIntegrationCommand, CreateIntegrationResponseCommand, CreateRouteCommand, CreateRouteResponseCommand, CreateStageCommand } from "@aws-sdk/client-apigatewayv2";
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let v2: ApiGatewayV2Client;
let lambda: LambdaClient;
let ddb: DynamoDBClient;
const table = uniqueName("wsevents");
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  v2 = new ApiGatewayV2Client(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  ddb = new DynamoDBClient(server.clientConfig);
  await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] }));
});
after(() => server.stop());

const loopback = ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) => (o?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4))) as never;

async function fn(source: string, env: Record<string, string> = {}): Promise<string> {
  const name = uniqueName("ws");
  const out = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Environment: { Variables: env }, Code: { ZipFile: zipSync({ "index.mjs": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return out.FunctionArn!;
}

const uriOf = (arn: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations`;

interface RouteSpec {
  key: string;
  fn?: string;
  twoWay?: boolean;
  mock?: { request: string; response: string };
  authorizerId?: string;
}

/** A WebSocket API on `$request.body.action` with the given routes, deployed to stage "prod". */
async function wsApi(routes: RouteSpec[], authorizerFn?: string): Promise<string> {
  const api = (await v2.send(new CreateApiCommand({ Name: uniqueName("ws"), ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" }))).ApiId!;
  let authorizerId: string | undefined;
  if (authorizerFn) authorizerId = (await v2.send(new CreateAuthorizerCommand({ ApiId: api, Name: "auth", AuthorizerType: "REQUEST", AuthorizerUri: uriOf(authorizerFn), IdentitySource: ["route.request.querystring.token"] }))).AuthorizerId;
  for (const r of routes) {
    let target: string | undefined;
    if (r.fn) target = (await v2.send(new CreateIntegrationCommand({ ApiId: api, IntegrationType: "AWS_PROXY", IntegrationUri: uriOf(r.fn) }))).IntegrationId;
    if (r.mock) {
      target = (await v2.send(new CreateIntegrationCommand({ ApiId: api, IntegrationType: "MOCK", RequestTemplates: { $default: r.mock.request }, TemplateSelectionExpression: "\\$default" }))).IntegrationId;
      await v2.send(new CreateIntegrationResponseCommand({ ApiId: api, IntegrationId: target!, IntegrationResponseKey: "$default", ResponseTemplates: { $default: r.mock.response }, TemplateSelectionExpression: "\\$default" }));
    }
    const route = await v2.send(new CreateRouteCommand({
      ApiId: api, RouteKey: r.key, Target: target ? `integrations/${target}` : undefined,
      ...(r.twoWay ? { RouteResponseSelectionExpression: "$default" } : {}),
      ...(r.key === "$connect" && authorizerId ? { AuthorizationType: "CUSTOM", AuthorizerId: authorizerId } : {}),
    }));
    if (r.twoWay) await v2.send(new CreateRouteResponseCommand({ ApiId: api, RouteId: route.RouteId!, RouteResponseKey: "$default" }));
  }
  await v2.send(new CreateStageCommand({ ApiId: api, StageName: "prod" }));
  await v2.send(new CreateDeploymentCommand({ ApiId: api, StageName: "prod" }));
  return api;
}

const hostUrl = (api: string, query = "") => `ws://${api}.execute-api.localhost:${server.skyport.port}/prod${query}`;

/** Opens a connection; resolves the socket, or the HTTP status the upgrade was refused with. */
function connect(url: string): Promise<{ ws?: WebSocket; status?: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { lookup: loopback });
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    ws.once("error", (e) => reject(e));
  });
}

/** The next message the socket receives, as text. */
const nextMessage = (ws: WebSocket) => new Promise<string>((resolve) => ws.once("message", (m) => resolve(String(m))));
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));

/** Waits for the item a $disconnect function writes (the event arrives after the close, asynchronously). */
async function waitForItem(pk: string): Promise<Record<string, string>> {
  for (let i = 0; i < 400; i++) {
    const got = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }));
    if (got.Item) return Object.fromEntries(Object.entries(got.Item).map(([k, v]) => [k, v.S ?? v.N ?? ""]));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no item ${pk} was written`);
}

const ECHO_ROUTE = `export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ route: event.requestContext.routeKey, type: event.requestContext.eventType, body: event.body, b64: event.isBase64Encoded, user: event.requestContext.authorizer?.user ?? null, hasMessageId: !!event.requestContext.messageId, domainName: event.requestContext.domainName, stage: event.requestContext.stage }) });`;

test("Route selection: the action property picks the route, other messages go to $default; two-way routes answer", async () => {
  const echo = await fn(ECHO_ROUTE);
  const api = await wsApi([{ key: "sendmessage", fn: echo, twoWay: true }, { key: "$default", fn: echo, twoWay: true }]);
  const { ws } = await connect(hostUrl(api));
  assert.ok(ws);
  ws.send(JSON.stringify({ action: "sendmessage", text: "hi" }));
  const first = JSON.parse(await nextMessage(ws)) as Record<string, unknown>;
  assert.deepEqual({ route: first.route, type: first.type, hasMessageId: first.hasMessageId, stage: first.stage }, { route: "sendmessage", type: "MESSAGE", hasMessageId: true, stage: "prod" });
  assert.equal(first.domainName, `${api}.execute-api.localhost:${server.skyport.port}`);
  ws.send("not json at all");
  assert.equal((JSON.parse(await nextMessage(ws)) as { route: string }).route, "$default");
  ws.send(JSON.stringify({ action: "unknown" }));
  assert.equal((JSON.parse(await nextMessage(ws)) as { route: string }).route, "$default");
  // A binary frame is never JSON: $default, with the bytes in base64.
  ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
  const bin = JSON.parse(await nextMessage(ws)) as { route: string; body: string; b64: boolean };
  assert.deepEqual(bin, { ...bin, route: "$default", body: Buffer.from([0, 1, 2, 255]).toString("base64"), b64: true });
  ws.close();
  await closed(ws);
});

test("Route selection: no matching route and no $default answers AWS's Forbidden message", async () => {
  const echo = await fn(ECHO_ROUTE);
  const api = await wsApi([{ key: "only", fn: echo, twoWay: true }]);
  const { ws } = await connect(`ws://127.0.0.1:${server.skyport.port}/_aws/execute-api/${api}/prod`);
  ws!.send(JSON.stringify({ action: "other" }));
  const answer = JSON.parse(await nextMessage(ws!)) as Record<string, string>;
  assert.equal(answer.message, "Forbidden");
  assert.ok(answer.connectionId && answer.requestId);
  ws!.close();
});

test("Two-way route: a MOCK integration answers with its integration response template", async () => {
  const api = await wsApi([{ key: "$default", twoWay: true, mock: { request: '{"statusCode": 200}', response: '{"mocked": true, "route": "$context.routeKey", "type": "$context.eventType"}' } }]);
  const { ws } = await connect(hostUrl(api));
  ws!.send(JSON.stringify({ text: "mocked" }));
  assert.deepEqual(JSON.parse(await nextMessage(ws!)), { mocked: true, route: "$default", type: "MESSAGE" });
  ws!.close();
});

test("Two-way route over wss:// (TLS on the API port, Skyport's CA)", async () => {
  const api = await wsApi([{ key: "$default", twoWay: true, mock: { request: '{"statusCode": 200}', response: '{"secure": true}' } }]);
  const ca = readFileSync(join(server.skyport.config.dataDir, "tls", "public", "ca.pem"));
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(`wss://${api}.execute-api.localhost:${server.skyport.port}/prod`, { lookup: loopback, ca });
    s.once("open", () => resolve(s));
    s.once("error", reject);
  });
  ws.send("hello");
  assert.deepEqual(JSON.parse(await nextMessage(ws)), { secure: true });
  ws.close();
});

test("$connect: a REQUEST authorizer refuses (401 without the token, 403 on Deny) and its context reaches later events", async () => {
  const auth = await fn(`export const handler = async (event) => ({ principalId: "p1", context: { user: "alice" },
    policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: event.queryStringParameters.token === "good" ? "Allow" : "Deny", Resource: event.methodArn }] } });`);
  const echo = await fn(ECHO_ROUTE);
  const api = await wsApi([{ key: "$connect", fn: await fn(`export const handler = async () => ({ statusCode: 200 });`) }, { key: "$default", fn: echo, twoWay: true }], auth);
  assert.equal((await connect(hostUrl(api))).status, 401);
  const denied = await connect(hostUrl(api, "?token=bad"));
  assert.equal(denied.status, 403);
  assert.deepEqual(JSON.parse(denied.body!), { message: "Forbidden" });
  const { ws } = await connect(hostUrl(api, "?token=good"));
  ws!.send("hello");
  assert.equal((JSON.parse(await nextMessage(ws!)) as { user: string }).user, "alice");
  ws!.close();
});

test("$connect: authorizer verdicts are cached by identity source for authorizerResultTtlInSeconds", async () => {
  const auth = await fn(`export const handler = async (event) => ({ principalId: "p", context: { nonce: String(Math.random()) },
    policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }] } });`);
  const who = await fn(`export const handler = async (event) => ({ statusCode: 200, body: event.requestContext.authorizer.nonce });`);
  const api = await wsApi([{ key: "$connect" }, { key: "$default", fn: who, twoWay: true }], auth);
  const nonceOf = async (token: string) => {
    const { ws } = await connect(hostUrl(api, `?token=${token}`));
    ws!.send("nonce?");
    const n = await nextMessage(ws!);
    ws!.close();
    return n;
  };
  const first = await nonceOf("t1");
  assert.equal(await nonceOf("t1"), first, "the same token reuses the cached verdict and its context");
  assert.notEqual(await nonceOf("t2"), first, "another token runs the authorizer again");
});

test("$connect: a function answering a non-2xx status refuses the upgrade with it", async () => {
  const api = await wsApi([{ key: "$connect", fn: await fn(`export const handler = async (e) => ({ statusCode: e.headers["X-Let-Me-In"] === "yes" ? 200 : 400 });`) }]);
  assert.equal((await connect(hostUrl(api))).status, 400);
  const ok = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(hostUrl(api), { lookup: loopback, headers: { "X-Let-Me-In": "yes" } });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
  ok.close();
});

test("$connect: the subprotocol the function answers with is the one agreed", async () => {
  const api = await wsApi([{ key: "$connect", fn: await fn(`export const handler = async () => ({ statusCode: 200, headers: { "Sec-WebSocket-Protocol": "chat.v2" } });`) }]);
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(hostUrl(api), ["chat.v1", "chat.v2"], { lookup: loopback });
    s.once("open", () => resolve(s));
    s.once("error", reject);
  });
  assert.equal(ws.protocol, "chat.v2");
  ws.close();
});

test("PostToConnection: a function answers through @connections at https://{domainName}/{stage}", async () => {
  const poster = await fn(`import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
export const handler = async (event) => {
  const { connectionId, domainName, stage } = event.requestContext;
  const c = new ApiGatewayManagementApiClient({ endpoint: \`https://\${domainName}/\${stage}\` });
  await c.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from("echo:" + event.body) }));
  return { statusCode: 200 };
};`);
  const api = await wsApi([{ key: "$default", fn: poster }]);
  const { ws } = await connect(hostUrl(api));
  ws!.send("hi-there");
  assert.equal(await nextMessage(ws!), "echo:hi-there");
  ws!.close();
});

test("GetConnection / DeleteConnection: identity and times; deleting closes the socket, runs $disconnect, then GoneException", async () => {
  const recorder = await fn(`import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
const ddb = new DynamoDBClient({});
export const handler = async (event) => {
  const rc = event.requestContext;
  if (rc.eventType === "CONNECT") return { statusCode: 200 };
  await ddb.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { pk: { S: rc.connectionId }, type: { S: rc.eventType }, route: { S: rc.routeKey }, code: { N: String(rc.disconnectStatusCode) } } }));
  return { statusCode: 200 };
};`, { TABLE: table });
  const echo = await fn(`export const handler = async (event) => ({ statusCode: 200, body: event.requestContext.connectionId });`);
  const api = await wsApi([{ key: "$connect", fn: recorder }, { key: "$disconnect", fn: recorder }, { key: "$default", fn: echo, twoWay: true }]);
  const mgmt = new ApiGatewayManagementApiClient({ ...server.clientConfig, endpoint: `${server.endpoint}/_aws/execute-api/${api}/prod` });

  // Server side: DeleteConnection.
  const a = (await connect(hostUrl(api))).ws!;
  a.send("who am i");
  const idA = await nextMessage(a);
  assert.match(idA, /^[A-Za-z0-9+/]{14}==?$|^[A-Za-z0-9+/]{15}=$/);
  const info = await mgmt.send(new GetConnectionCommand({ ConnectionId: idA }));
  assert.equal(info.Identity?.SourceIp, "127.0.0.1");
  assert.ok(info.ConnectedAt instanceof Date && info.LastActiveAt instanceof Date && info.LastActiveAt >= info.ConnectedAt);
  const pushed = nextMessage(a); // listening before the post: the frame may arrive before the answer does
  await mgmt.send(new PostToConnectionCommand({ ConnectionId: idA, Data: Buffer.from("pushed") }));
  assert.equal(await pushed, "pushed");
  const aClosed = closed(a);
  await mgmt.send(new DeleteConnectionCommand({ ConnectionId: idA }));
  await aClosed;
  assert.deepEqual(await waitForItem(idA), { pk: idA, type: "DISCONNECT", route: "$disconnect", code: "1000" });
  const gone = await mgmt.send(new PostToConnectionCommand({ ConnectionId: idA, Data: Buffer.from("late") })).catch((e: Error) => e);
  assert.equal((gone as Error).name, "GoneException");

  // Client side: the client closes.
  const b = (await connect(hostUrl(api))).ws!;
  b.send("who am i");
  const idB = await nextMessage(b);
  b.close(4000, "bye");
  assert.deepEqual(await waitForItem(idB), { pk: idB, type: "DISCONNECT", route: "$disconnect", code: "4000" });
  assert.equal((await mgmt.send(new GetConnectionCommand({ ConnectionId: idB })).catch((e: Error) => e) as Error).name, "GoneException");
});

test("Two-way route: an AWS integration maps the message to DynamoDB PutItem with a request template", async () => {
  const api = (await v2.send(new CreateApiCommand({ Name: uniqueName("ws"), ProtocolType: "WEBSOCKET", RouteSelectionExpression: "$request.body.action" }))).ApiId!;
  const request = `{"TableName": "${table}", "Item": {"pk": {"S": "saved-$context.connectionId"}, "text": {"S": $input.json('$.text')}, "route": {"S": "$context.routeKey"}}}`;
  const integ = (await v2.send(new CreateIntegrationCommand({ ApiId: api, IntegrationType: "AWS", IntegrationMethod: "POST", IntegrationUri: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", RequestTemplates: { $default: request }, TemplateSelectionExpression: "\\$default" }))).IntegrationId!;
  await v2.send(new CreateIntegrationResponseCommand({ ApiId: api, IntegrationId: integ, IntegrationResponseKey: "$default", ResponseTemplates: { $default: '{"saved": "$context.connectionId"}' }, TemplateSelectionExpression: "\\$default" }));
  const route = await v2.send(new CreateRouteCommand({ ApiId: api, RouteKey: "save", Target: `integrations/${integ}`, RouteResponseSelectionExpression: "$default" }));
  await v2.send(new CreateRouteResponseCommand({ ApiId: api, RouteId: route.RouteId!, RouteResponseKey: "$default" }));
  await v2.send(new CreateStageCommand({ ApiId: api, StageName: "prod" }));
  await v2.send(new CreateDeploymentCommand({ ApiId: api, StageName: "prod" }));
  const { ws } = await connect(hostUrl(api));
  ws!.send(JSON.stringify({ action: "save", text: "kept" }));
  const id = (JSON.parse(await nextMessage(ws!)) as { saved: string }).saved;
  assert.deepEqual(await waitForItem(`saved-${id}`), { pk: `saved-${id}`, text: "kept", route: "save" });
  ws!.close();
});

test("PostToConnection: Data over 128 KB answers PayloadTooLargeException", async () => {
  const api = await wsApi([{ key: "$default", twoWay: true, mock: { request: '{"statusCode": 200}', response: "$context.connectionId" } }]);
  const { ws } = await connect(hostUrl(api));
  ws!.send("id?");
  const id = await nextMessage(ws!);
  const mgmt = new ApiGatewayManagementApiClient({ ...server.clientConfig, endpoint: `${server.endpoint}/_aws/execute-api/${api}/prod` });
  const err = (await mgmt.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.alloc(128 * 1024 + 1, 97) })).catch((e: Error) => e)) as Error & { $metadata: { httpStatusCode: number } };
  assert.deepEqual([err.name, err.$metadata.httpStatusCode], ["PayloadTooLargeException", 413]);
  ws!.close();
});
