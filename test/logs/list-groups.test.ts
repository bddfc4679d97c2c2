/** Issue 9 item 25: ListLogGroups, PutMetricFilter on a missing group, empty messages, pagination tokens. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateLogGroupCommand,
  ListLogGroupsCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  paginateDescribeLogGroups,
  paginateDescribeLogStreams,
  paginateFilterLogEvents,
  paginateGetLogEvents,
  paginateDescribeMetricFilters,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createGroup, logsClient, rejects } from "./helpers.js";

let server: TestServer;
let logs: CloudWatchLogsClient;
before(async () => {
  server = await startServer();
  logs = logsClient(server);
});
after(() => server.stop());

test("ListLogGroups: summaries with ARN and class, regex name patterns, pagination", async () => {
  const base = uniqueName("llg").replace(/[^A-Za-z0-9]/g, "");
  const names = [`/aws/lambda/${base}-a`, `/aws/lambda/${base}-b`, `/app/${base}-c`];
  for (const n of names) await logs.send(new CreateLogGroupCommand({ logGroupName: n, ...(n.endsWith("-c") ? { logGroupClass: "INFREQUENT_ACCESS" } : {}) }));

  const all = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: base.slice(-20) }));
  assert.deepEqual(all.logGroups?.map((g) => g.logGroupName).sort(), [...names].sort());
  const c = all.logGroups!.find((g) => g.logGroupName === names[2])!;
  assert.deepEqual(c, { logGroupName: names[2], logGroupArn: `arn:aws:logs:us-east-1:000000000000:log-group:${names[2]}`, logGroupClass: "INFREQUENT_ACCESS" });

  // `^` anchors a prefix; `|` separates patterns (API reference example "^/aws/lambda|discovery").
  const lambda = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: `^/aws/lambda|${base.slice(-20)}-c` }));
  assert.ok(lambda.logGroups!.some((g) => g.logGroupName === names[0]));
  assert.ok(lambda.logGroups!.some((g) => g.logGroupName === names[2]));
  const ia = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: base.slice(-20), logGroupClass: "INFREQUENT_ACCESS" }));
  assert.deepEqual(ia.logGroups?.map((g) => g.logGroupName), [names[2]]);

  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: base.slice(-20), limit: 1, nextToken }));
    assert.ok(page.logGroups!.length <= 1);
    seen.push(...page.logGroups!.map((g) => g.logGroupName!));
    nextToken = page.nextToken;
  } while (nextToken);
  assert.deepEqual(seen, [...names].sort());
});

test("ListLogGroups: patterns are validated against the model", async () => {
  await rejects(logs.send(new ListLogGroupsCommand({ logGroupNamePattern: "ab" })), "InvalidParameterException", /at 'logGroupNamePattern' failed to satisfy constraint/);
  await rejects(logs.send(new ListLogGroupsCommand({ logGroupNamePattern: "a*b+c" })), "InvalidParameterException", /Member must satisfy regular expression pattern/);
  await rejects(logs.send(new ListLogGroupsCommand({ limit: 0 })), "InvalidParameterException", /Member must have value greater than or equal to 1/);
});

test("PutMetricFilter: a missing log group is ResourceNotFoundException", async () => {
  await rejects(
    logs.send(new PutMetricFilterCommand({ logGroupName: `/skyport/${uniqueName("missing")}`, filterName: "f", filterPattern: "ERROR", metricTransformations: [{ metricName: "m", metricNamespace: "ns", metricValue: "1" }] })),
    "ResourceNotFoundException",
    "The specified log group does not exist.",
  );
});

test("PutMetricFilter: at most 5 filter patterns with regex per log group (doc quotas)", async () => {
  const g = await createGroup(logs);
  const mt = [{ metricName: "m", metricNamespace: "ns", metricValue: "1" }];
  for (let i = 0; i < 5; i++) await logs.send(new PutMetricFilterCommand({ logGroupName: g, filterName: `r${i}`, filterPattern: `%err${i}%`, metricTransformations: mt }));
  await rejects(logs.send(new PutMetricFilterCommand({ logGroupName: g, filterName: "r5", filterPattern: "%err5%", metricTransformations: mt })), "LimitExceededException");
  // Replacing one of the five, or adding a pattern without regex, is fine.
  await logs.send(new PutMetricFilterCommand({ logGroupName: g, filterName: "r0", filterPattern: "%other%", metricTransformations: mt }));
  await logs.send(new PutMetricFilterCommand({ logGroupName: g, filterName: "plain", filterPattern: "ERROR", metricTransformations: mt }));
});

test("PutLogEvents: an empty message fails the model's length constraint (AWS: min length 1), naming the event", async () => {
  const g = await createGroup(logs, ["s"]);
  await rejects(
    logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "ok" }, { timestamp: Date.now(), message: "" }] })),
    "InvalidParameterException",
    "1 validation error detected: Value '' at 'logEvents.2.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1",
  );
});

test("DescribeLogGroups: the SDK's paginators round-trip every token (groups, streams, events, filters)", async () => {
  const prefix = `/skyport/${uniqueName("pg")}`;
  for (let i = 0; i < 5; i++) await logs.send(new CreateLogGroupCommand({ logGroupName: `${prefix}/${i}` }));
  const groups: string[] = [];
  for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 2 }, { logGroupNamePrefix: prefix })) groups.push(...page.logGroups!.map((g) => g.logGroupName!));
  assert.equal(groups.length, 5);

  const streams = Array.from({ length: 5 }, (_, i) => `s${i}`);
  const g = await createGroup(logs, streams);
  const now = Date.now();
  for (const s of streams) await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: s, logEvents: [{ timestamp: now - 1000, message: `one ${s}` }, { timestamp: now, message: `two ${s}` }] }));
  const byName: string[] = [];
  for await (const page of paginateDescribeLogStreams({ client: logs, pageSize: 2 }, { logGroupName: g })) byName.push(...page.logStreams!.map((s) => s.logStreamName!));
  assert.deepEqual(byName, streams);
  const byTime: string[] = [];
  for await (const page of paginateDescribeLogStreams({ client: logs, pageSize: 2 }, { logGroupName: g, orderBy: "LastEventTime", descending: true })) byTime.push(...page.logStreams!.map((s) => s.logStreamName!));
  assert.equal(byTime.length, 5);

  const filtered: string[] = [];
  for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 3 }, { logGroupName: g })) filtered.push(...page.events!.map((e) => e.message!));
  assert.equal(filtered.length, 10);

  // AWS answers the same forward token at the end of a stream; the SDK stops on it only with stopOnSameToken.
  const read: string[] = [];
  for await (const page of paginateGetLogEvents({ client: logs, pageSize: 1, stopOnSameToken: true }, { logGroupName: g, logStreamName: "s0", startFromHead: true })) read.push(...page.events!.map((e) => e.message!));
  assert.deepEqual(read, ["one s0", "two s0"]);

  for (let i = 0; i < 3; i++) await logs.send(new PutMetricFilterCommand({ logGroupName: g, filterName: `f${i}`, filterPattern: "one", metricTransformations: [{ metricName: "m", metricNamespace: "ns", metricValue: "1" }] }));
  const mf: string[] = [];
  for await (const page of paginateDescribeMetricFilters({ client: logs, pageSize: 2 }, { logGroupName: g })) mf.push(...page.metricFilters!.map((f) => f.filterName!));
  assert.deepEqual(mf, ["f0", "f1", "f2"]);
});
