/** The key Logs flows through the real aws CLI (v1), as users and the Lambda acceptance checks run them. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { PutLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createGroup, logsClient } from "./helpers.js";

const run = promisify(execFile);
let server: TestServer;
let sdk: CloudWatchLogsClient;
before(async () => {
  server = await startServer();
  sdk = logsClient(server);
});
after(() => server.stop());

const aws = async (...args: string[]) => {
  const { stdout } = await run("aws", ["logs", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  return stdout.trim() ? JSON.parse(stdout) : {};
};

const awsError = async (...args: string[]) => {
  try {
    await run("aws", ["logs", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  } catch (e) {
    return (e as { stderr: string }).stderr;
  }
  assert.fail("the command succeeded");
};

test("FilterLogEvents: aws logs filter-log-events with a quoted phrase finds a function's log line", async () => {
  const g = `/aws/lambda/${uniqueName("cli")}`;
  const stream = "2026/06/01/[$LATEST]0123456789abcdef0123456789abcdef";
  await aws("create-log-group", "--log-group-name", g);
  await aws("create-log-stream", "--log-group-name", g, "--log-stream-name", stream);
  const now = Date.now();
  const events = [
    { timestamp: now - 3, message: "START RequestId: 8f1c2c3d-1111-2222-3333-444455556666 Version: $LATEST\n" },
    { timestamp: now - 2, message: "2026-06-01T00:00:00.000Z\t8f1c2c3d-1111-2222-3333-444455556666\tINFO\thello from node\n" },
    { timestamp: now - 1, message: "END RequestId: 8f1c2c3d-1111-2222-3333-444455556666\n" },
  ];
  const put = await aws("put-log-events", "--log-group-name", g, "--log-stream-name", stream, "--log-events", JSON.stringify(events));
  assert.match(put.nextSequenceToken, /^\d{56}$/);
  const r = await aws("filter-log-events", "--log-group-name", g, "--filter-pattern", '"hello from node"');
  assert.equal(r.events.length, 1);
  assert.equal(r.events[0].logStreamName, stream);
  assert.match(r.events[0].message, /hello from node/);
  const starts = await aws("filter-log-events", "--log-group-name", g, "--filter-pattern", "START", "--log-stream-names", stream);
  assert.equal(starts.events.length, 1);
  const got = await aws("get-log-events", "--log-group-name", g, "--log-stream-name", stream, "--start-from-head");
  assert.deepEqual(got.events.map((e: { message: string }) => e.message), events.map((e) => e.message));
  assert.match(got.nextForwardToken, /^f\/\d{56}\/s$/);
});

test("DescribeLogGroups: the CLI follows nextToken across pages", async () => {
  const prefix = `/skyport/${uniqueName("cli-page")}/`;
  for (const n of ["a", "b", "c"]) await aws("create-log-group", "--log-group-name", prefix + n);
  const r = await aws("describe-log-groups", "--log-group-name-prefix", prefix, "--page-size", "1");
  assert.deepEqual(r.logGroups.map((g: { logGroupName: string }) => g.logGroupName), ["a", "b", "c"].map((n) => prefix + n));
  await aws("put-retention-policy", "--log-group-name", prefix + "a", "--retention-in-days", "14");
  const d = await aws("describe-log-groups", "--log-group-name-prefix", prefix + "a");
  assert.equal(d.logGroups[0].retentionInDays, 14);
});

test("CreateLogGroup: the CLI shows AWS's error for an existing group", async () => {
  const g = `/skyport/${uniqueName("cli-dup")}`;
  await aws("create-log-group", "--log-group-name", g);
  const stderr = await awsError("create-log-group", "--log-group-name", g);
  assert.match(stderr, /ResourceAlreadyExistsException.*The specified log group already exists/);
});

test("FilterLogEvents: the CLI pages with --page-size and resumes from its own --starting-token", async () => {
  // Set-up through the SDK (fast); only the paging goes through the CLI.
  const g = await createGroup(sdk, ["s"]);
  const now = Date.now();
  const events = Array.from({ length: 5 }, (_, i) => ({ timestamp: now - 5000 + i, message: `line ${i}` }));
  await sdk.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: events }));
  const first = await aws("filter-log-events", "--log-group-name", g, "--max-items", "3", "--page-size", "2");
  assert.deepEqual(first.events.map((e: { message: string }) => e.message), ["line 0", "line 1", "line 2"]);
  assert.ok(first.NextToken, "the CLI hands out a token wrapping ours");
  const rest = await aws("filter-log-events", "--log-group-name", g, "--starting-token", first.NextToken, "--page-size", "2");
  assert.deepEqual(rest.events.map((e: { message: string }) => e.message), ["line 3", "line 4"]);
});

test("StartQuery: the CLI's list-log-groups and start-query/get-query-results", async () => {
  const g = await createGroup(sdk, ["s"]);
  await sdk.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "ERROR boom" }] }));
  const listed = await aws("list-log-groups", "--log-group-name-pattern", g.slice(-20));
  assert.deepEqual(listed.logGroups.map((x: { logGroupName: string }) => x.logGroupName), [g]);
  const now = Math.floor(Date.now() / 1000);
  const { queryId } = await aws("start-query", "--log-group-name", g, "--start-time", String(now - 60), "--end-time", String(now + 60), "--query-string", "filter @message like /ERROR/ | stats count(*) as n");
  const r = await aws("get-query-results", "--query-id", queryId);
  assert.equal(r.status, "Complete");
  assert.deepEqual(r.results, [[{ field: "n", value: "1" }]]);
});
