/** S3 CORS on the data path: preflight OPTIONS answered from the bucket's rules, Access-Control-* on GetObject. */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, test } from "node:test";
import { CreateBucketCommand, GetBucketCorsCommand, PutBucketCorsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let s3: S3Client;
before(async () => {
  server = await startServer();
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
});
after(() => server.stop());

/** A raw request to the bucket's virtual host (what a browser sends: unsigned). */
function raw(method: string, bucket: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const port = new URL(server.endpoint).port;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { Host: `${bucket}.s3.localhost:${port}`, ...headers } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("PutBucketCors: preflight OPTIONS is answered from the rules; GetObject with an Origin gets Access-Control-Allow-Origin", async () => {
  const b = uniqueName("cors").toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "v" }));
  const none = await raw("OPTIONS", b, "/k", { Origin: "https://app.example", "Access-Control-Request-Method": "GET" });
  assert.equal(none.status, 403);
  assert.match(none.body, /CORS is not enabled for this bucket/);
  await s3.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["https://*.example"], AllowedMethods: ["GET", "PUT"], AllowedHeaders: ["x-amz-*", "content-type"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 600 }] } }));
  assert.equal((await s3.send(new GetBucketCorsCommand({ Bucket: b }))).CORSRules?.[0]?.MaxAgeSeconds, 600);
  const ok = await raw("OPTIONS", b, "/k", { Origin: "https://app.example", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "Content-Type, x-amz-meta-a" });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["access-control-allow-origin"], "https://app.example");
  assert.equal(ok.headers["access-control-allow-methods"], "GET, PUT");
  assert.equal(ok.headers["access-control-allow-headers"], "Content-Type, x-amz-meta-a");
  assert.equal(ok.headers["access-control-max-age"], "600");
  const denied = await raw("OPTIONS", b, "/k", { Origin: "https://evil.test", "Access-Control-Request-Method": "GET" });
  assert.equal(denied.status, 403);
  assert.match(denied.body, /<Code>AccessForbidden<\/Code>/);
  const get = await raw("GET", b, "/k", { Origin: "https://app.example" });
  assert.equal(get.status, 200);
  assert.equal(get.body, "v");
  assert.equal(get.headers["access-control-allow-origin"], "https://app.example");
  assert.equal(get.headers["access-control-expose-headers"], "ETag");
  const plain = await raw("GET", b, "/k", {});
  assert.equal(plain.headers["access-control-allow-origin"], undefined);
});
