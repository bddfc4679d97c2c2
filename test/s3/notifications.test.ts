/** S3 → Lambda: function code and layers from S3, and event notifications that invoke a function with AWS's S3 event record. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, PublishLayerVersionCommand, UpdateFunctionCodeCommand, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

let server: TestServer;
let s3: S3Client;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;
before(async () => {
  server = await startServer();
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
  lambda = new LambdaClient(server.clientConfig);
  logs = new CloudWatchLogsClient(server.clientConfig);
});
after(() => server.stop());

const zip = (src: string) => zipSync({ "index.js": strToU8(src) });
const bucketName = () => uniqueName("n").toLowerCase().slice(0, 60);
const ROLE = "arn:aws:iam::000000000000:role/r";

test("CreateFunction: Code.S3Bucket/S3Key runs the zip stored in S3; UpdateFunctionCode from S3; a missing key is InvalidParameterValueException", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "v1.zip", Body: zip("exports.handler = async () => 'v1';") }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "v2.zip", Body: zip("exports.handler = async () => 'v2';") }));
  const name = uniqueName("from-s3");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { S3Bucket: b, S3Key: "v1.zip" } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const out = async () => JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload!).toString());
  assert.equal(await out(), "v1");
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, S3Bucket: b, S3Key: "v2.zip" }));
  assert.equal(await out(), "v2");
  const missing = (await lambda.send(new CreateFunctionCommand({ FunctionName: uniqueName("x"), Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { S3Bucket: b, S3Key: "nope.zip" } })).catch((e: unknown) => e)) as Error;
  assert.equal(missing.name, "InvalidParameterValueException");
  assert.match(missing.message, /S3 Error Code: NoSuchKey/);
});

test("PublishLayerVersion: Content.S3Bucket/S3Key publishes the zip stored in S3 and functions load it; a missing key is InvalidParameterValueException", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "layer.zip", Body: zipSync({ "nodejs/node_modules/greet/index.js": strToU8("module.exports = (n) => 'hi ' + n + ' from s3';") }) }));
  const layer = await lambda.send(new PublishLayerVersionCommand({ LayerName: uniqueName("s3-layer"), Content: { S3Bucket: b, S3Key: "layer.zip" } }));
  assert.equal(layer.Version, 1);
  assert.ok((layer.Content?.CodeSize ?? 0) > 0);
  const name = uniqueName("uses-s3-layer");
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Layers: [layer.LayerVersionArn!], Code: { ZipFile: zip("exports.handler = async () => require('greet')('you');") } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  assert.equal(JSON.parse(Buffer.from((await lambda.send(new InvokeCommand({ FunctionName: name }))).Payload!).toString()), "hi you from s3");
  const missing = (await lambda.send(new PublishLayerVersionCommand({ LayerName: uniqueName("s3-layer"), Content: { S3Bucket: b, S3Key: "nope.zip" } })).catch((e: unknown) => e)) as Error;
  assert.equal(missing.name, "InvalidParameterValueException");
  assert.match(missing.message, /S3 Error Code: NoSuchKey/);
});

test("PutBucketNotificationConfiguration: a matching upload invokes the function with the S3 event record; filters hold; an unknown function is refused", async () => {
  const b = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  const name = uniqueName("on-upload");
  const fn = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler", Code: { ZipFile: zip("exports.handler = async (e) => { console.log('EVENT ' + JSON.stringify(e)); };") } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  const bad = (await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: b, NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: fn.FunctionArn + "-missing", Events: ["s3:ObjectCreated:*"] }] } })).catch((e: unknown) => e)) as Error;
  assert.equal(bad.name, "InvalidArgument");
  await s3.send(new PutBucketNotificationConfigurationCommand({
    Bucket: b,
    NotificationConfiguration: { LambdaFunctionConfigurations: [{ Id: "imgs", LambdaFunctionArn: fn.FunctionArn, Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "in/" }, { Name: "suffix", Value: ".jpg" }] } } }] },
  }));
  const cfg = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: b }));
  assert.equal(cfg.LambdaFunctionConfigurations?.[0]?.Id, "imgs");
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "in/skip.txt", Body: "no" }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "out/skip.jpg", Body: "no" }));
  const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: "in/red flower.jpg", Body: "jpeg!" }));
  await s3.send(new DeleteObjectCommand({ Bucket: b, Key: "in/red flower.jpg" }));

  const events: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 300 && events.filter((e) => e.Records).length < 2; i++) {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: "EVENT" })).catch(() => ({ events: [] }));
    events.length = 0;
    for (const e of r.events ?? []) events.push(JSON.parse(e.message!.slice(e.message!.indexOf("EVENT ") + 6)));
    if (events.filter((e) => e.Records).length < 2) await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(events.some((e) => e.Event === "s3:TestEvent" && e.Bucket === b), "the s3:TestEvent arrived");
  const records = events.filter((e) => e.Records).map((e) => (e.Records as Array<Record<string, any>>)[0]!);
  assert.equal(records.length, 2, JSON.stringify(events));
  const created = records.find((r) => r.eventName === "ObjectCreated:Put")!;
  assert.equal(created.eventVersion, "2.1");
  assert.equal(created.eventSource, "aws:s3");
  assert.equal(created.awsRegion, "us-east-1");
  assert.equal(created.s3.configurationId, "imgs");
  assert.equal(created.s3.bucket.name, b);
  assert.equal(created.s3.bucket.arn, `arn:aws:s3:::${b}`);
  assert.equal(created.s3.object.key, "in/red+flower.jpg");
  assert.equal(created.s3.object.size, 5);
  assert.equal(`"${created.s3.object.eTag}"`, put.ETag);
  assert.match(created.s3.object.sequencer, /^[0-9A-F]{16,}$/);
  const removed = records.find((r) => r.eventName === "ObjectRemoved:Delete")!;
  assert.equal(removed.s3.object.key, "in/red+flower.jpg");
  assert.ok(removed.s3.object.sequencer > created.s3.object.sequencer);
});
