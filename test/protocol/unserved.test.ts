/**
 * Requests for AWS services Skyport does not serve (issue 9 item 2): a 501 not-implemented error in that
 * service's own protocol, which its clients parse and do not retry; an unsigned `GET /` is a health answer.
 * Clients: the AWS CLI, and requests signed by the SDK's SigV4 signer (no SQS/SNS SDK clients are installed).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { cliEnv, startServer, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);

const toBytes = (d: string | ArrayBuffer | ArrayBufferView) =>
  typeof d === "string" ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** The hash constructor the SDK's signer takes (a secret makes it an HMAC), over node:crypto. */
class Sha256 {
  private h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.h.digest();
  }
}
let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

async function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run("aws", [...args, "--endpoint-url", server.endpoint], { env: cliEnv(), timeout: 60_000 });
    return { code: 0, stderr: "" };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

for (const [args, operation, name] of [
  [["sqs", "list-queues"], "ListQueues", "Amazon SQS"],
  [["sns", "list-topics"], "ListTopics", "Amazon SNS"],
  [["kinesis", "list-streams"], "ListStreams", "Kinesis"],
  [["ec2", "describe-instances"], "DescribeInstances", "Amazon EC2"],
] as const) {
  test(`${operation}: the CLI gets a clear not-implemented error for ${name}, without retrying`, async () => {
    const r = await cli(...args);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`An error occurred \\(NotImplementedException\\) when calling the ${operation} operation: Skyport does not serve ${name}`));
    assert.doesNotMatch(r.stderr, /reached max retries/);
  });
}

async function signed(service: string, init: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<Response> {
  const url = new URL(server.endpoint + init.path);
  const signer = new SignatureV4({ service, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, sha256: Sha256 });
  const req = await signer.sign({
    method: init.method, protocol: "http:", hostname: url.hostname, port: Number(url.port), path: url.pathname,
    query: Object.fromEntries(url.searchParams), headers: { host: url.host, ...init.headers }, body: init.body,
  });
  return fetch(url, { method: init.method, headers: req.headers as Record<string, string>, body: init.body });
}

test("ListQueues: SQS's JSON protocol (X-Amz-Target) gets a JSON error with the query-compatible code header", async () => {
  const r = await signed("sqs", { method: "POST", path: "/", headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.ListQueues" }, body: "{}" });
  assert.equal(r.status, 501);
  assert.equal(r.headers.get("content-type"), "application/x-amz-json-1.0");
  assert.equal(r.headers.get("x-amzn-query-error"), "NotImplementedException;Sender");
  const body = (await r.json()) as { __type: string; message: string };
  assert.equal(body.__type, "NotImplementedException");
  assert.match(body.message, /Skyport does not serve Amazon SQS/);
});

test("ListQueues: SQS's older query protocol (Action=) gets an XML ErrorResponse", async () => {
  const r = await signed("sqs", { method: "POST", path: "/", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=ListQueues&Version=2012-11-05" });
  assert.equal(r.status, 501);
  const text = await r.text();
  assert.match(text, /^<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type><Code>NotImplementedException<\/Code>/);
});

test("ListTopics: SNS (query) gets an XML ErrorResponse", async () => {
  const r = await signed("sns", { method: "POST", path: "/", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=ListTopics&Version=2010-03-31" });
  assert.equal(r.status, 501);
  assert.match(await r.text(), /<ErrorResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>NotImplementedException<\/Code><Message>Skyport does not serve Amazon SNS/);
});

test("ListClusters: a rest-json service (EKS) gets x-amzn-ErrorType and a JSON message", async () => {
  const r = await signed("eks", { method: "GET", path: "/clusters", headers: {} });
  assert.equal(r.status, 501);
  assert.equal(r.headers.get("x-amzn-errortype"), "NotImplementedException");
  assert.match(((await r.json()) as { message: string }).message, /Skyport does not serve Amazon EKS/);
});

test("a signing name no AWS service has keeps the UnknownServiceException answer", async () => {
  const r = await signed("no-such-service", { method: "GET", path: "/x", headers: {} });
  assert.equal(r.status, 400);
  assert.match(((await r.json()) as { message: string }).message, /could not tell which AWS service/);
});

test("GET /: an unsigned request is a small JSON health answer", async () => {
  const r = await fetch(`${server.endpoint}/`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: "running", service: "skyport", health: "/_skyport/health" });
});
