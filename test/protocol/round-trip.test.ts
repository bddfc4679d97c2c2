/**
 * Protocol round trips with the real AWS SDK v3 clients: for a sample of operations per protocol, the
 * client's serialized request must parse into exactly the input the test built, and our serialized
 * response (or error) must read back into exactly the output the test expected.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, QueryCommand, ResourceNotFoundException as DdbNotFound } from "@aws-sdk/client-dynamodb";
import { CloudWatchLogsClient, DescribeLogStreamsCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, ResourceNotFoundException as LambdaNotFound } from "@aws-sdk/client-lambda";
import { APIGatewayClient, CreateDeploymentCommand, GetResourcesCommand, NotFoundException, UpdateStageCommand } from "@aws-sdk/client-api-gateway";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand, ResourceNotFound } from "@aws-sdk/client-cloudwatch";
import { ServiceError } from "../../src/aws/errors.js";
import { codecHandler, plain, withoutMetadata, type Exchange } from "./codec-handler.js";

const base = { region: "us-east-1", endpoint: "http://localhost", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
const T1 = new Date("2026-03-04T05:06:07.000Z");
const T2 = new Date("2026-03-04T05:06:07.250Z");

function client<C>(Ctor: new (cfg: object) => C, service: string, respond: (op: string, input: Record<string, unknown>) => Record<string, unknown> | ServiceError, extra: object = {}) {
  const exchange: Exchange = {};
  return { c: new Ctor({ ...base, ...extra, requestHandler: codecHandler(service, respond, exchange) }), exchange };
}

describe("json 1.0 (DynamoDB)", () => {
  test("PutItem: every attribute type round-trips, output ConsumedCapacity reads back", async () => {
    const item = {
      pk: { S: "a" }, n: { N: "-12.50" }, b: { B: new Uint8Array([0, 1, 254, 255]) }, ss: { SS: ["x", "y"] }, ns: { NS: ["1", "2"] },
      bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] }, m: { M: { inner: { L: [{ BOOL: true }, { NULL: true }, { S: "é✓" }] } } },
    };
    const { c, exchange } = client(DynamoDBClient, "dynamodb", () => ({ ConsumedCapacity: { TableName: "t", CapacityUnits: 1.5 } }));
    const out = await c.send(new PutItemCommand({ TableName: "t", Item: item, ReturnConsumedCapacity: "TOTAL", ConditionExpression: "attribute_not_exists(pk)" }));
    assert.equal(exchange.operation, "PutItem");
    assert.deepEqual(plain(exchange.input), { TableName: "t", Item: item, ReturnConsumedCapacity: "TOTAL", ConditionExpression: "attribute_not_exists(pk)" });
    assert.deepEqual(withoutMetadata(out), { ConsumedCapacity: { TableName: "t", CapacityUnits: 1.5 } });
    assert.equal(out.$metadata.requestId, "11111111-2222-4333-8444-555555555555");
  });

  test("Query: output items with binary and nested maps read back", async () => {
    const items = [{ pk: { S: "a" }, data: { B: new Uint8Array([9, 8]) } }, { pk: { S: "a" }, m: { M: { k: { N: "1" } } } }];
    const { c, exchange } = client(DynamoDBClient, "dynamodb", () => ({ Items: items, Count: 2, ScannedCount: 2, LastEvaluatedKey: { pk: { S: "a" } } }));
    const out = await c.send(new QueryCommand({ TableName: "t", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "a" } }, Limit: 2 }));
    assert.deepEqual(plain(exchange.input), { TableName: "t", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: { ":p": { S: "a" } }, Limit: 2 });
    assert.deepEqual(plain(withoutMetadata(out)), { Items: items, Count: 2, ScannedCount: 2, LastEvaluatedKey: { pk: { S: "a" } } });
  });

  test("PutItem: ConditionalCheckFailedException carries message and Item", async () => {
    const { c } = client(DynamoDBClient, "dynamodb", () => new ServiceError("ConditionalCheckFailedException", "The conditional request failed", 400, true, { Item: { pk: { S: "a" } } }));
    const err = await c.send(new PutItemCommand({ TableName: "t", Item: { pk: { S: "a" } } })).catch((e: unknown) => e);
    assert.ok(err instanceof ConditionalCheckFailedException);
    assert.equal(err.message, "The conditional request failed");
    assert.deepEqual(err.Item, { pk: { S: "a" } });
    assert.equal(err.$metadata.httpStatusCode, 400);
  });

  test("GetItem: ResourceNotFoundException is recognized by the client", async () => {
    const { c } = client(DynamoDBClient, "dynamodb", () => new ServiceError("ResourceNotFoundException", "Requested resource not found", 400));
    const err = await c.send(new QueryCommand({ TableName: "nope", KeyConditionExpression: "a = :a", ExpressionAttributeValues: { ":a": { S: "x" } } })).catch((e: unknown) => e);
    assert.ok(err instanceof DdbNotFound);
    assert.equal(err.message, "Requested resource not found");
  });
});

describe("json 1.1 (CloudWatch Logs)", () => {
  test("PutLogEvents and DescribeLogStreams: lists, longs and pagination tokens", async () => {
    const { c, exchange } = client(CloudWatchLogsClient, "logs", (op) =>
      op === "PutLogEvents"
        ? { nextSequenceToken: "49", rejectedLogEventsInfo: { tooOldLogEventEndIndex: 0 } }
        : { logStreams: [{ logStreamName: "s", creationTime: 1767225600000, storedBytes: 0 }], nextToken: "tok" },
    );
    const events = [{ timestamp: 1767225600000, message: "hello" }, { timestamp: 1767225600001, message: "world" }];
    const put = await c.send(new PutLogEventsCommand({ logGroupName: "g", logStreamName: "s", logEvents: events }));
    assert.deepEqual(plain(exchange.input), { logGroupName: "g", logStreamName: "s", logEvents: events });
    assert.deepEqual(withoutMetadata(put), { nextSequenceToken: "49", rejectedLogEventsInfo: { tooOldLogEventEndIndex: 0 } });
    const d = await c.send(new DescribeLogStreamsCommand({ logGroupName: "g", descending: true, limit: 5 }));
    assert.deepEqual(plain(exchange.input), { logGroupName: "g", descending: true, limit: 5 });
    assert.deepEqual(withoutMetadata(d), { logStreams: [{ logStreamName: "s", creationTime: 1767225600000, storedBytes: 0 }], nextToken: "tok" });
  });
});

describe("rest-json (Lambda, API Gateway)", () => {
  test("Invoke: headers, query string and blob payload both ways", async () => {
    const { c, exchange } = client(LambdaClient, "lambda", () => ({
      StatusCode: 200, FunctionError: "Unhandled", LogResult: "bG9n", ExecutedVersion: "3", Payload: Buffer.from('{"errorMessage":"boom"}'),
    }));
    const out = await c.send(new InvokeCommand({ FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:f", Qualifier: "live", InvocationType: "RequestResponse", LogType: "Tail", Payload: Buffer.from('{"a":1}') }));
    assert.deepEqual(plain(exchange.input), { FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:f", Qualifier: "live", InvocationType: "RequestResponse", LogType: "Tail", Payload: new Uint8Array(Buffer.from('{"a":1}')) });
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, "Unhandled");
    assert.equal(out.LogResult, "bG9n");
    assert.equal(out.ExecutedVersion, "3");
    assert.equal(Buffer.from(out.Payload!).toString(), '{"errorMessage":"boom"}');
  });

  test("CreateFunction: base64 zip and nested maps in the JSON body; 201 output", async () => {
    const { c, exchange } = client(LambdaClient, "lambda", () => ({ FunctionName: "f", MemorySize: 256, Environment: { Variables: { A: "1" } }, Architectures: ["x86_64"] }));
    const input = { FunctionName: "f", Runtime: "nodejs20.x" as const, Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: new Uint8Array([80, 75, 3, 4]) }, Environment: { Variables: { A: "1" } }, MemorySize: 256 };
    const out = await c.send(new CreateFunctionCommand(input));
    assert.deepEqual(plain(exchange.input), input);
    assert.equal(out.$metadata.httpStatusCode, 201);
    assert.deepEqual(withoutMetadata(out), { FunctionName: "f", MemorySize: 256, Environment: { Variables: { A: "1" } }, Architectures: ["x86_64"] });
  });

  test("GetFunction: ResourceNotFoundException with Lambda's Type and Message", async () => {
    const { c } = client(LambdaClient, "lambda", () => new ServiceError("ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope", 404));
    const err = await c.send(new InvokeCommand({ FunctionName: "nope" })).catch((e: unknown) => e);
    assert.ok(err instanceof LambdaNotFound);
    assert.equal(err.message, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope");
    assert.equal(err.Type, "User");
    assert.equal(err.$metadata.httpStatusCode, 404);
  });

  test("GetResources: uri label, querystring list and integer; embedded maps in the output", async () => {
    const item = { id: "abc123", parentId: "root", pathPart: "{proxy+}", path: "/{proxy+}", resourceMethods: { ANY: { httpMethod: "ANY", authorizationType: "NONE", apiKeyRequired: false } } };
    const { c, exchange } = client(APIGatewayClient, "apigateway", () => ({ items: [item], position: "p2" }));
    const out = await c.send(new GetResourcesCommand({ restApiId: "a1b2c3d4e5", limit: 25, position: "p1", embed: ["methods"] }));
    assert.deepEqual(plain(exchange.input), { restApiId: "a1b2c3d4e5", limit: 25, position: "p1", embed: ["methods"] });
    assert.equal(exchange.request?.path, "/restapis/a1b2c3d4e5/resources");
    assert.deepEqual(withoutMetadata(out), { items: [item], position: "p2" });
  });

  test("CreateDeployment / UpdateStage: epoch-second timestamps and patch operations", async () => {
    const { c, exchange } = client(APIGatewayClient, "apigateway", (op) => (op === "CreateDeployment" ? { id: "dep1", createdDate: T2 } : { stageName: "dev", variables: { v: "1" }, lastUpdatedDate: T1 }));
    const dep = await c.send(new CreateDeploymentCommand({ restApiId: "api", stageName: "dev", variables: { v: "1" } }));
    assert.deepEqual(plain(exchange.input), { restApiId: "api", stageName: "dev", variables: { v: "1" } });
    assert.deepEqual(withoutMetadata(dep), { id: "dep1", createdDate: T2 });
    const st = await c.send(new UpdateStageCommand({ restApiId: "api", stageName: "dev", patchOperations: [{ op: "replace", path: "/variables/v", value: "2" }] }));
    assert.deepEqual(plain(exchange.input), { restApiId: "api", stageName: "dev", patchOperations: [{ op: "replace", path: "/variables/v", value: "2" }] });
    assert.deepEqual(withoutMetadata(st), { stageName: "dev", variables: { v: "1" }, lastUpdatedDate: T1 });
  });

  test("GetRestApi: NotFoundException with x-amzn-ErrorType", async () => {
    const { c } = client(APIGatewayClient, "apigateway", () => new ServiceError("NotFoundException", "Invalid API identifier specified 000000000000:nope", 404));
    const err = await c.send(new GetResourcesCommand({ restApiId: "nope" })).catch((e: unknown) => e);
    assert.ok(err instanceof NotFoundException);
    assert.equal(err.message, "Invalid API identifier specified 000000000000:nope");
  });
});

describe("rest-xml (S3)", () => {
  const s3 = (respond: Parameters<typeof client>[2]) => client(S3Client, "s3", respond, { forcePathStyle: true });

  test("PutObject: greedy key label, metadata headers and a binary body", async () => {
    const { c, exchange } = s3(() => ({ ETag: '"abc"', VersionId: "v1" }));
    const body = Buffer.from([1, 2, 3, 250]);
    const out = await c.send(new PutObjectCommand({ Bucket: "bkt", Key: "a/b c/d.txt", Body: body, ContentType: "application/x-test", Metadata: { owner: "me" } }));
    assert.equal(exchange.operation, "PutObject");
    const input = plain(exchange.input!);
    assert.equal(input.Bucket, "bkt");
    assert.equal(input.Key, "a/b c/d.txt");
    assert.equal(input.ContentType, "application/x-test");
    assert.deepEqual(input.Metadata, { owner: "me" });
    assert.deepEqual(input.Body, new Uint8Array(body));
    assert.equal(out.ETag, '"abc"');
    assert.equal(out.VersionId, "v1");
  });

  test("GetObject: streaming body and RFC 822 Last-Modified header", async () => {
    const { c } = s3(() => ({ Body: Buffer.from("hello"), LastModified: T1, ContentType: "text/plain", ContentLength: 5, Metadata: { owner: "me" } }));
    const out = await c.send(new GetObjectCommand({ Bucket: "bkt", Key: "k" }));
    assert.equal(await out.Body!.transformToString(), "hello");
    assert.deepEqual(out.LastModified, T1);
    assert.equal(out.ContentType, "text/plain");
    assert.equal(out.ContentLength, 5);
    assert.deepEqual(out.Metadata, { owner: "me" });
  });

  test("ListObjectsV2: query literal list-type=2, flattened XML list, ISO timestamps", async () => {
    const { c, exchange } = s3(() => ({ Name: "bkt", KeyCount: 2, MaxKeys: 2, IsTruncated: true, NextContinuationToken: "n", Contents: [{ Key: "a", Size: 1, LastModified: T1, ETag: '"e"' }, { Key: "b&<c>", Size: 2, LastModified: T2 }] }));
    const out = await c.send(new ListObjectsV2Command({ Bucket: "bkt", Prefix: "p/", MaxKeys: 2 }));
    assert.equal(exchange.operation, "ListObjectsV2");
    assert.deepEqual(plain(exchange.input), { Bucket: "bkt", Prefix: "p/", MaxKeys: 2 });
    assert.equal(out.Name, "bkt");
    assert.equal(out.KeyCount, 2);
    assert.equal(out.IsTruncated, true);
    assert.deepEqual(out.Contents, [{ Key: "a", Size: 1, LastModified: T1, ETag: '"e"' }, { Key: "b&<c>", Size: 2, LastModified: T2 }]);
  });

  test("GetObject: NoSuchKey error document", async () => {
    const { c } = s3(() => new ServiceError("NoSuchKey", "The specified key does not exist.", 404, true, { Key: "k" }));
    const err = await c.send(new GetObjectCommand({ Bucket: "bkt", Key: "k" })).catch((e: unknown) => e);
    assert.ok(err instanceof NoSuchKey);
    assert.equal(err.message, "The specified key does not exist.");
    assert.equal(err.$metadata.httpStatusCode, 404);
  });
});

describe("query (STS) and JSON with query compatibility (CloudWatch)", () => {
  test("GetCallerIdentity: XML result wrapper and request id", async () => {
    const { c, exchange } = client(STSClient, "sts", () => ({ UserId: "u", Account: "000000000000", Arn: "arn:aws:iam::000000000000:root" }));
    const out = await c.send(new GetCallerIdentityCommand({}));
    assert.equal(exchange.operation, "GetCallerIdentity");
    assert.deepEqual(withoutMetadata(out), { UserId: "u", Account: "000000000000", Arn: "arn:aws:iam::000000000000:root" });
    assert.equal(out.$metadata.requestId, "11111111-2222-4333-8444-555555555555");
  });

  test("AssumeRole: form parameters with a member list in, ISO timestamp out", async () => {
    const { c, exchange } = client(STSClient, "sts", () => ({ Credentials: { AccessKeyId: "AK", SecretAccessKey: "S", SessionToken: "T", Expiration: T1 }, AssumedRoleUser: { AssumedRoleId: "id", Arn: "arn" } }));
    const out = await c.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s", DurationSeconds: 900, Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }] }));
    assert.deepEqual(plain(exchange.input), { RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s", DurationSeconds: 900, Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }] });
    assert.deepEqual(out.Credentials, { AccessKeyId: "AK", SecretAccessKey: "S", SessionToken: "T", Expiration: T1 });
  });

  test("AssumeRole: ErrorResponse with Sender type", async () => {
    const { c } = client(STSClient, "sts", () => new ServiceError("MalformedPolicyDocument", "bad policy", 400));
    const err = (await c.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s" })).catch((e: unknown) => e)) as { name: string; message: string; $fault: string };
    assert.equal(err.name, "MalformedPolicyDocumentException");
    assert.equal(err.message, "bad policy");
    assert.equal(err.$fault, "client");
  });

  test("PutMetricData / GetMetricData: JSON 1.0 with x-amzn-query-mode, timestamps both ways", async () => {
    const { c, exchange } = client(CloudWatchClient, "cloudwatch", (op) => (op === "PutMetricData" ? {} : { MetricDataResults: [{ Id: "m1", Label: "L", Timestamps: [T1, T2], Values: [1.5, 2], StatusCode: "Complete" }], Messages: [] }));
    await c.send(new PutMetricDataCommand({ Namespace: "App", MetricData: [{ MetricName: "Latency", Dimensions: [{ Name: "Api", Value: "a" }], Timestamp: T1, Value: 12.5, Unit: "Milliseconds" }] }));
    assert.deepEqual(plain(exchange.input), { Namespace: "App", MetricData: [{ MetricName: "Latency", Dimensions: [{ Name: "Api", Value: "a" }], Timestamp: T1, Value: 12.5, Unit: "Milliseconds" }] });
    const out = await c.send(new GetMetricDataCommand({ MetricDataQueries: [{ Id: "m1", MetricStat: { Metric: { Namespace: "App", MetricName: "Latency" }, Period: 60, Stat: "Average" } }], StartTime: T1, EndTime: T2 }));
    assert.deepEqual(plain(exchange.input), { MetricDataQueries: [{ Id: "m1", MetricStat: { Metric: { Namespace: "App", MetricName: "Latency" }, Period: 60, Stat: "Average" } }], StartTime: T1, EndTime: T2 });
    assert.deepEqual(out.MetricDataResults, [{ Id: "m1", Label: "L", Timestamps: [T1, T2], Values: [1.5, 2], StatusCode: "Complete" }]);
  });

  test("GetMetricData: query-compatible error code from x-amzn-query-error", async () => {
    const { c } = client(CloudWatchClient, "cloudwatch", () => new ServiceError("ResourceNotFound", "no such alarm", 404));
    const err = await c.send(new GetMetricDataCommand({ MetricDataQueries: [], StartTime: T1, EndTime: T2 })).catch((e: unknown) => e);
    assert.ok(err instanceof ResourceNotFound, String(err));
    assert.equal((err as Error).message, "no such alarm");
  });
});
