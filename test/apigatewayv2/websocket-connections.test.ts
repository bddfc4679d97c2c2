/**
 * The @connections management API without a WebSocket API: GoneException for unknown connections over
 * every way of reaching it (path-style, the API host over HTTPS on the same port, from inside a function
 * that builds its endpoint from a domainName as the event gives it).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
});
after(() => server.stop());

const loopback = ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) => (o?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4))) as never;

function httpsClient(endpoint: string): ApiGatewayManagementApiClient {
  const ca = readFileSync(join(server.skyport.config.dataDir, "tls", "public", "ca.pem"));
  return new ApiGatewayManagementApiClient({ ...server.clientConfig, endpoint, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca, lookup: loopback }) }) });
}

const errorOf = (p: Promise<unknown>) => p.then(() => assert.fail("expected an error"), (e: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: e.name, status: e.$metadata?.httpStatusCode }));

test("PostToConnection: an unknown connection answers GoneException (410) on the path-style URL", async () => {
  const c = new ApiGatewayManagementApiClient({ ...server.clientConfig, endpoint: `${server.endpoint}/_aws/execute-api/abcdefghij/prod` });
  assert.deepEqual(await errorOf(c.send(new PostToConnectionCommand({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: Buffer.from("hi") }))), { name: "GoneException", status: 410 });
  assert.deepEqual(await errorOf(c.send(new GetConnectionCommand({ ConnectionId: "L0SM9cOFvHcCIhw=" }))), { name: "GoneException", status: 410 });
  assert.deepEqual(await errorOf(c.send(new DeleteConnectionCommand({ ConnectionId: "L0SM9cOFvHcCIhw=" }))), { name: "GoneException", status: 410 });
});

test("GetConnection: HTTPS on the API port reaches the API host with Skyport's CA", async () => {
  const c = httpsClient(`https://abcdefghij.execute-api.localhost:${server.skyport.port}/prod`);
  assert.deepEqual(await errorOf(c.send(new GetConnectionCommand({ ConnectionId: "nope" }))), { name: "GoneException", status: 410 });
  // Plain HTTP on the same port is untouched.
  const plain = new ApiGatewayManagementApiClient({ ...server.clientConfig, endpoint: `${server.endpoint}/_aws/execute-api/abcdefghij/prod` });
  assert.deepEqual(await errorOf(plain.send(new GetConnectionCommand({ ConnectionId: "nope" }))), { name: "GoneException", status: 410 });
});

test("PostToConnection: a function reaches https://{apiId}.execute-api.localhost:PORT/{stage} (*.localhost resolved, Skyport's CA trusted)", async () => {
  const lambda = new LambdaClient(server.clientConfig);
  const name = uniqueName("wsgone");
  const source = `
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
export const handler = async (event) => {
  const c = new ApiGatewayManagementApiClient({ endpoint: \`https://\${event.domainName}/\${event.stage}\` });
  try { await c.send(new PostToConnectionCommand({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: "x" })); return { ok: true }; }
  catch (e) { return { name: e.name, status: e.$metadata?.httpStatusCode, message: String(e.message).slice(0, 200) }; }
};`;
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.mjs": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ domainName: `abcdefghij.execute-api.localhost:${server.skyport.port}`, stage: "prod" })) }));
  const answer = JSON.parse(Buffer.from(out.Payload!).toString()) as { name?: string; status?: number };
  assert.equal(out.FunctionError, undefined, JSON.stringify(answer));
  assert.deepEqual({ name: answer.name, status: answer.status }, { name: "GoneException", status: 410 }, JSON.stringify(answer));
});

test("PostToConnection: a python function reaches https://{apiId}.execute-api.localhost:PORT/{stage} with boto3 (AWS_CA_BUNDLE)", async () => {
  const lambda = new LambdaClient(server.clientConfig);
  const name = uniqueName("wsgonepy");
  const source = `import boto3

def handler(event, context):
    c = boto3.client("apigatewaymanagementapi", endpoint_url="https://%s/%s" % (event["domainName"], event["stage"]))
    try:
        c.post_to_connection(ConnectionId="L0SM9cOFvHcCIhw=", Data=b"x")
        return {"ok": True}
    except c.exceptions.GoneException as e:
        return {"name": "GoneException", "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    except Exception as e:
        return {"name": type(e).__name__, "message": str(e)[:300]}
`;
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "python3.12", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Timeout: 30, Code: { ZipFile: zipSync({ "index.py": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ domainName: `abcdefghij.execute-api.localhost:${server.skyport.port}`, stage: "prod" })) }));
  const answer = JSON.parse(Buffer.from(out.Payload!).toString()) as { name?: string; status?: number };
  assert.deepEqual({ name: answer.name, status: answer.status }, { name: "GoneException", status: 410 }, JSON.stringify(answer));
});

test("PostToConnection: with --enforce-sigv4 the signature over /{stage}/@connections/{id} is verified", async () => {
  const strict = await startServer({ "enforce-sigv4": true });
  try {
    const endpoint = `${strict.endpoint}/_aws/execute-api/abcdefghij/prod`;
    const good = new ApiGatewayManagementApiClient({ ...strict.clientConfig, endpoint });
    assert.deepEqual(await errorOf(good.send(new PostToConnectionCommand({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: Buffer.from("hi") }))), { name: "GoneException", status: 410 });
    const bad = new ApiGatewayManagementApiClient({ ...strict.clientConfig, endpoint, credentials: { accessKeyId: "test", secretAccessKey: "wrong" } });
    const err = await errorOf(bad.send(new PostToConnectionCommand({ ConnectionId: "L0SM9cOFvHcCIhw=", Data: Buffer.from("hi") })));
    assert.equal(err.status, 403);
  } finally {
    await strict.stop();
  }
});
