/**
 * API Gateway AWS integrations with S3, set up as the developer guide's "REST API as an Amazon S3 proxy"
 * tutorial does (path override `{bucket}/{object}` from method path parameters), called over HTTP.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand,
  PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand,
} from "@aws-sdk/client-api-gateway";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let apigw: APIGatewayClient;
let s3: S3Client;
before(async () => {
  server = await startServer();
  apigw = new APIGatewayClient(server.clientConfig);
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
});
after(() => server.stop());

/** /{folder}/{item} with GET and PUT to s3:path/{bucket}/{object}; 4xx from S3 mapped to 404/400 method responses. */
async function s3Proxy(): Promise<string> {
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("s3proxy"), binaryMediaTypes: ["application/octet-stream"] }));
  const restApiId = api.id!;
  const folder = (await apigw.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId!, pathPart: "{folder}" }))).id!;
  const resourceId = (await apigw.send(new CreateResourceCommand({ restApiId, parentId: folder, pathPart: "{item}" }))).id!;
  for (const httpMethod of ["GET", "PUT"]) {
    await apigw.send(new PutMethodCommand({ restApiId, resourceId, httpMethod, authorizationType: "NONE", requestParameters: { "method.request.path.folder": true, "method.request.path.item": true, "method.request.header.Content-Type": false } }));
    await apigw.send(new PutIntegrationCommand({
      restApiId, resourceId, httpMethod, type: "AWS", integrationHttpMethod: httpMethod,
      uri: "arn:aws:apigateway:us-east-1:s3:path/{bucket}/{object}",
      requestParameters: {
        "integration.request.path.bucket": "method.request.path.folder",
        "integration.request.path.object": "method.request.path.item",
        ...(httpMethod === "PUT" ? { "integration.request.header.Content-Type": "method.request.header.Content-Type" } : {}),
      },
    }));
    await apigw.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod, statusCode: "200", responseParameters: { "method.response.header.Content-Type": false, "method.response.header.ETag": false } }));
    await apigw.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod, statusCode: "404" }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod, statusCode: "200", responseParameters: { "method.response.header.Content-Type": "integration.response.header.Content-Type", "method.response.header.ETag": "integration.response.header.ETag" } }));
    await apigw.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod, statusCode: "404", selectionPattern: "404" }));
  }
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "prod" }));
  return `${server.endpoint}/_aws/execute-api/${restApiId}/prod`;
}

test("PutIntegration: GET through an S3 path integration returns the object with S3's Content-Type and ETag", async () => {
  const bucket = uniqueName("gw").toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "hello.txt", Body: "hello through the gateway", ContentType: "text/plain" }));
  const base = await s3Proxy();
  const res = await fetch(`${base}/${bucket}/hello.txt`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain");
  assert.equal(res.headers.get("etag"), put.ETag);
  assert.equal(await res.text(), "hello through the gateway");
});

test("PutIntegration: PUT through an S3 path integration stores the body with the mapped Content-Type", async () => {
  const bucket = uniqueName("gw").toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const base = await s3Proxy();
  const res = await fetch(`${base}/${bucket}/notes.json`, { method: "PUT", headers: { "content-type": "application/json" }, body: '{"a":1}' });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "notes.json" }));
  assert.equal(got.ContentType, "application/json");
  assert.equal(await got.Body!.transformToString(), '{"a":1}');
});

test("PutIntegration: a missing key or bucket answers S3's 404, selected by the integration response's pattern", async () => {
  const bucket = uniqueName("gw").toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const base = await s3Proxy();
  const noKey = await fetch(`${base}/${bucket}/missing.txt`);
  assert.equal(noKey.status, 404);
  assert.match(await noKey.text(), /<Code>NoSuchKey<\/Code>/);
  const noBucket = await fetch(`${base}/${bucket}-none/x`);
  assert.equal(noBucket.status, 404);
  assert.match(await noBucket.text(), /<Code>NoSuchBucket<\/Code>/);
});

test("PutIntegration: an S3 action integration (action/GetObject&Bucket=…&Key=…) reads the named object", async () => {
  const bucket = uniqueName("gw").toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/b.txt", Body: "by action" }));
  const api = await apigw.send(new CreateRestApiCommand({ name: uniqueName("s3action") }));
  const restApiId = api.id!;
  const resourceId = api.rootResourceId!;
  await apigw.send(new PutMethodCommand({ restApiId, resourceId, httpMethod: "GET", authorizationType: "NONE" }));
  await apigw.send(new PutIntegrationCommand({ restApiId, resourceId, httpMethod: "GET", type: "AWS", integrationHttpMethod: "GET", uri: `arn:aws:apigateway:us-east-1:s3:action/GetObject&Bucket=${bucket}&Key=a%2Fb.txt` }));
  await apigw.send(new PutMethodResponseCommand({ restApiId, resourceId, httpMethod: "GET", statusCode: "200" }));
  await apigw.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod: "GET", statusCode: "200" }));
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: "prod" }));
  const res = await fetch(`${server.endpoint}/_aws/execute-api/${restApiId}/prod/`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "by action");
});
