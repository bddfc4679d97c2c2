/**
 * Bad input never hurts the server: each malformed request gets the AWS error the real service gives,
 * and the server keeps serving.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { after, before, test } from "node:test";
import { startServer, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

const AUTH = (svc: string) => `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${svc}/aws4_request, SignedHeaders=host, Signature=00`;

async function call(method: string, path: string, headers: Record<string, string>, body?: string | Buffer) {
  const r = await fetch(server.endpoint + path, { method, headers, body });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

async function healthy() {
  const r = await fetch(`${server.endpoint}/_skyport/health`);
  assert.equal(r.status, 200);
}

const ddb = { "X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0", Authorization: AUTH("dynamodb") };

test("json: malformed JSON → 400 SerializationException", async () => {
  const r = await call("POST", "/", ddb, "{bad");
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.text).__type, "com.amazon.coral.service#SerializationException");
  await healthy();
});

test("json: unknown target → 400 UnknownOperationException", async () => {
  const r = await call("POST", "/", { ...ddb, "X-Amz-Target": "DynamoDB_20120810.NoSuchOp" }, "{}");
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.text).__type, "com.amazon.coral.service#UnknownOperationException");
});

test("json: wrong value type → SerializationException", async () => {
  const r = await call("POST", "/", { ...ddb, "X-Amz-Target": "DynamoDB_20120810.DescribeTable" }, '{"TableName": 5}');
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.text).__type, "com.amazon.coral.service#SerializationException");
});

test("json: missing required member → ValidationException naming it", async () => {
  const r = await call("POST", "/", { ...ddb, "X-Amz-Target": "DynamoDB_20120810.DescribeTable" }, "{}");
  assert.equal(r.status, 400);
  const body = JSON.parse(r.text);
  assert.equal(body.__type, "com.amazon.coral.validate#ValidationException");
  assert.equal(body.message, "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null");
});

test("json: a JSON array where a structure belongs → SerializationException", async () => {
  const r = await call("POST", "/", { ...ddb, "X-Amz-Target": "DynamoDB_20120810.DescribeTable" }, "[1,2]");
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.text).__type, /SerializationException/);
});

test("json: wrong content type → SerializationException", async () => {
  const r = await call("POST", "/", { ...ddb, "Content-Type": "image/png" }, "{}");
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.text).__type, /SerializationException/);
});

test("json: body over the service's limit → 413, server keeps serving", async () => {
  const big = Buffer.alloc(17 * 1024 * 1024, 0x20);
  const r = await call("POST", "/", ddb, big);
  assert.equal(r.status, 413);
  await healthy();
});

test("rest-json: malformed body for Lambda → InvalidRequestContentException", async () => {
  const r = await call("POST", "/2015-03-31/functions", { "Content-Type": "application/json", Authorization: AUTH("lambda") }, "{nope");
  assert.equal(r.status, 400);
  assert.equal(r.headers.get("x-amzn-errortype"), "InvalidRequestContentException");
  assert.equal(JSON.parse(r.text).Type, "User");
});

test("rest-json: no operation for the path → UnknownOperationException", async () => {
  const r = await call("DELETE", "/2015-03-31/nothing-here", { Authorization: AUTH("lambda") });
  assert.equal(r.status, 404);
  assert.equal(r.headers.get("x-amzn-errortype"), "UnknownOperationException");
});

test("rest-xml: malformed XML → 400 MalformedXML", async () => {
  const r = await call("PUT", "/bucket?tagging", { Authorization: AUTH("s3"), "Content-Type": "application/xml" }, "<Tagging><TagSet>");
  assert.equal(r.status, 400);
  assert.match(r.text, /<Code>MalformedXML<\/Code>/);
});

test("query: unknown action → InvalidAction in an ErrorResponse", async () => {
  const r = await call("POST", "/", { Authorization: AUTH("sts"), "Content-Type": "application/x-www-form-urlencoded" }, "Action=NoSuchThing&Version=2011-06-15");
  assert.equal(r.status, 400);
  assert.match(r.text, /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/);
});

test("unimplemented operation of a registered service → NotImplementedException naming it", async () => {
  const r = await call("POST", "/", { Authorization: AUTH("sts"), "Content-Type": "application/x-www-form-urlencoded" }, "Action=GetSessionToken&Version=2011-06-15");
  assert.equal(r.status, 501);
  assert.match(r.text, /<Code>NotImplementedException<\/Code><Message>The operation GetSessionToken of service sts is not implemented by Skyport yet<\/Message>/);
});

test("unroutable request → 400 naming what is missing", async () => {
  const r = await call("GET", "/what", {});
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.text).message, /could not tell which AWS service/);
});

test("truncated body: the client hangs up mid-request and the server keeps serving", async () => {
  await new Promise<void>((resolve) => {
    const sock = connect(server.skyport.port, "127.0.0.1", () => {
      sock.write(`POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: ${AUTH("dynamodb")}\r\nContent-Length: 1000\r\n\r\n{"Tab`);
      sock.end();
      sock.on("close", () => resolve());
      sock.resume();
    });
  });
  await healthy();
});

test("garbage that is not HTTP gets 400 and the server keeps serving", async () => {
  const reply = await new Promise<string>((resolve) => {
    const sock = connect(server.skyport.port, "127.0.0.1", () => sock.write("\x00\x01\x02 not http\r\n\r\n"));
    let data = "";
    sock.on("data", (d) => (data += d));
    sock.on("close", () => resolve(data));
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  await healthy();
});

test("health: version, uptime and every service with its state", async () => {
  const r = await fetch(`${server.endpoint}/_skyport/health`);
  const h = (await r.json()) as { status: string; version: string; uptimeSeconds: number; services: Record<string, { status: string }> };
  assert.equal(h.status, "running");
  assert.match(h.version, /^\d+\.\d+\.\d+/);
  assert.equal(typeof h.uptimeSeconds, "number");
  assert.equal(h.services.sts?.status, "available");
  assert.ok(h.services.lightsail);
});

test("HEAD on health has no body; unknown internal route is 404", async () => {
  await new Promise<void>((resolve, reject) => {
    const req = request(`${server.endpoint}/_skyport/health`, { method: "HEAD" }, (res) => {
      assert.equal(res.statusCode, 200);
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal((await fetch(`${server.endpoint}/_skyport/nothing`)).status, 404);
});
