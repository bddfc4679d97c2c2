/** CloudWatch Logs export tasks to Skyport's own S3, through the SDK v3 clients. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { CancelExportTaskCommand, CreateExportTaskCommand, DescribeExportTasksCommand, PutLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createGroup, logsClient, rejects } from "./helpers.js";

let server: TestServer;
let logs: CloudWatchLogsClient;
let s3: S3Client;
before(async () => {
  server = await startServer();
  logs = logsClient(server);
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
});
after(() => server.stop());

const bucket = async () => {
  const b = uniqueName("exp").toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  return b;
};

/** Polls DescribeExportTasks (each poll a round trip, no timers) until the task leaves PENDING/RUNNING. */
async function settled(taskId: string) {
  for (let i = 0; i < 2000; i++) {
    const t = (await logs.send(new DescribeExportTasksCommand({ taskId }))).exportTasks![0]!;
    if (t.status!.code !== "PENDING" && t.status!.code !== "RUNNING") return t;
  }
  assert.fail("the export task never finished");
}

const text = async (b: string, key: string) => gunzipSync(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: key }))).Body!.transformToByteArray())).toString();

test("CreateExportTask: events in [from, to] of matching streams land as <prefix>/<taskId>/<stream>/000000.gz, one line per event", async () => {
  const b = await bucket();
  const g = await createGroup(logs, ["app/1", "app/2", "other"]);
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000; // PutLogEvents refuses events older than 14 days
  const iso = (ms: number) => new Date(ms).toISOString();
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "app/1", logEvents: [0, 1, 2, 3].map((i) => ({ timestamp: t0 + i * 1000, message: `one ${i}` })) }));
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "app/2", logEvents: [{ timestamp: t0 + 1000, message: "two\n" }] }));
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "other", logEvents: [{ timestamp: t0 + 1000, message: "not exported" }] }));
  const { taskId } = await logs.send(new CreateExportTaskCommand({ taskName: "t", logGroupName: g, logStreamNamePrefix: "app/", from: t0 + 1000, to: t0 + 2000, destination: b, destinationPrefix: "exp" }));
  assert.match(taskId!, /^[0-9a-f-]{36}$/);
  const done = await settled(taskId!);
  assert.equal(done.status!.code, "COMPLETED");
  assert.equal(done.status!.message, "Completed successfully");
  assert.equal(done.taskName, "t");
  assert.equal(done.logGroupName, g);
  assert.equal(done.destination, b);
  assert.equal(done.destinationPrefix, "exp");
  assert.equal(done.from, t0 + 1000);
  assert.equal(done.to, t0 + 2000);
  assert.equal(typeof done.executionInfo!.creationTime, "number");
  assert.equal(typeof done.executionInfo!.completionTime, "number");

  const keys = (await s3.send(new ListObjectsV2Command({ Bucket: b }))).Contents!.map((o) => o.Key).sort();
  assert.deepEqual(keys, [`exp/${taskId}/app/1/000000.gz`, `exp/${taskId}/app/2/000000.gz`, "exp/aws-logs-write-test"].sort());
  assert.equal(await text(b, `exp/${taskId}/app/1/000000.gz`), `${iso(t0 + 1000)} one 1\n${iso(t0 + 2000)} one 2\n`);
  assert.equal(await text(b, `exp/${taskId}/app/2/000000.gz`), `${iso(t0 + 1000)} two\n`);
});

test("CreateExportTask: the destination prefix defaults to exportedlogs; more than a page of events stays in order", async () => {
  const b = await bucket();
  const g = await createGroup(logs, ["s"]);
  const t0 = Date.now() - 60_000;
  const events = Array.from({ length: 2500 }, (_, i) => ({ timestamp: t0 + Math.floor(i / 3), message: `e${i}` }));
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: events }));
  const { taskId } = await logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: t0 + 10_000, destination: b }));
  assert.equal((await settled(taskId!)).status!.code, "COMPLETED");
  const lines = (await text(b, `exportedlogs/${taskId}/s/000000.gz`)).trimEnd().split("\n");
  assert.deepEqual(lines, events.map((e) => `${new Date(e.timestamp).toISOString()} ${e.message}`));
});

test("CreateExportTask: a missing bucket is InvalidParameterException, a missing group ResourceNotFoundException; DescribeExportTasks: an unknown statusCode is refused", async () => {
  const g = await createGroup(logs);
  await rejects(logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: 1, destination: uniqueName("nobucket").toLowerCase() })), "InvalidParameterException", "The specified bucket does not exist");
  await rejects(logs.send(new CreateExportTaskCommand({ logGroupName: `${g}-missing`, from: 0, to: 1, destination: await bucket() })), "ResourceNotFoundException", "The specified log group does not exist.");
  await rejects(logs.send(new DescribeExportTasksCommand({ statusCode: "BOGUS" as "PENDING" })), "InvalidParameterException", /Member must satisfy enum value set/);
});

test("DescribeExportTasks: statusCode filters; CancelExportTask: a finished task cannot be cancelled, an unknown one is not found", async () => {
  const b = await bucket();
  const g = await createGroup(logs, ["s"]);
  const { taskId } = await logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: 1, destination: b }));
  await settled(taskId!);
  const completed = (await logs.send(new DescribeExportTasksCommand({ statusCode: "COMPLETED" }))).exportTasks!;
  assert.ok(completed.some((t) => t.taskId === taskId));
  assert.ok(completed.every((t) => t.status!.code === "COMPLETED"));
  const cancelled = (await logs.send(new DescribeExportTasksCommand({ statusCode: "CANCELLED" }))).exportTasks!;
  assert.ok(!cancelled.some((t) => t.taskId === taskId));
  await rejects(logs.send(new CancelExportTaskCommand({ taskId })), "InvalidOperationException");
  await rejects(logs.send(new CancelExportTaskCommand({ taskId: "00000000-0000-0000-0000-000000000000" })), "ResourceNotFoundException", "The specified export task does not exist.");
});

test("CreateExportTask: a second task while one is active is LimitExceededException", async () => {
  const b = await bucket();
  const g = await createGroup(logs, ["s"]);
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: Array.from({ length: 5000 }, (_, i) => ({ timestamp: now - 5000 + i, message: `line ${i}` })) }));
  // Calls sent together: the first reserves the account's one active task before its first await, so the
  // others arrive while it is PENDING or RUNNING. Repeated, because a task may (rarely) finish first.
  let refused: Error | undefined;
  for (let round = 0; round < 10 && !refused; round++) {
    const results = await Promise.allSettled([0, 1, 2, 3].map(() => logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: now, destination: b }))));
    for (const r of results) {
      if (r.status === "fulfilled") assert.equal((await settled(r.value.taskId!)).status!.code, "COMPLETED");
      else refused = r.reason as Error;
    }
  }
  assert.ok(refused, "no call was refused");
  assert.equal(refused.name, "LimitExceededException");
  assert.equal(refused.message, "Resource limit exceeded.");
});

test("CancelExportTask: an active task ends CANCELLED with AWS's status message", async () => {
  const b = await bucket();
  const g = await createGroup(logs, ["s"]);
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: [{ timestamp: now - 1, message: "x" }] }));
  // Create and cancel go out together; whichever state the task reached, the answer is consistent.
  const { taskId } = await logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: now, destination: b }));
  try {
    await logs.send(new CancelExportTaskCommand({ taskId }));
    const t = await settled(taskId!);
    assert.equal(t.status!.code, "CANCELLED");
    assert.equal(t.status!.message, "Cancelled by user");
    assert.equal(typeof t.executionInfo!.completionTime, "number");
  } catch (e) {
    // The task finished before the cancel arrived.
    assert.equal((e as Error).name, "InvalidOperationException");
    assert.equal((await settled(taskId!)).status!.code, "COMPLETED");
  }
});

test("DescribeExportTasks: pages with limit and nextToken", async () => {
  const b = await bucket();
  const g = await createGroup(logs, ["s"]);
  for (let i = 0; i < 3; i++) await settled((await logs.send(new CreateExportTaskCommand({ logGroupName: g, from: 0, to: 1, destination: b }))).taskId!);
  const seen = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new DescribeExportTasksCommand({ limit: 2, nextToken }));
    assert.ok(page.exportTasks!.length <= 2);
    for (const t of page.exportTasks!) seen.add(t.taskId!);
    nextToken = page.nextToken;
  } while (nextToken);
  assert.ok(seen.size >= 3);
});
