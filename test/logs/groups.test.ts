import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteMetricFilterCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeMetricFiltersCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  TestMetricFilterCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
  paginateDescribeLogGroups,
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

test("CreateLogGroup: DescribeLogGroups shows the group with AWS's fields", async () => {
  const name = `/aws/lambda/${uniqueName("fn")}`;
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  const r = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  assert.equal(r.logGroups?.length, 1);
  const g = r.logGroups![0]!;
  assert.equal(g.logGroupName, name);
  assert.equal(g.arn, `arn:aws:logs:us-east-1:000000000000:log-group:${name}:*`);
  assert.equal(g.logGroupArn, `arn:aws:logs:us-east-1:000000000000:log-group:${name}`);
  assert.equal(g.storedBytes, 0);
  assert.equal(g.metricFilterCount, 0);
  assert.equal(g.logGroupClass, "STANDARD");
  assert.equal(g.retentionInDays, undefined);
  assert.ok(Math.abs(g.creationTime! - Date.now()) < 60_000);
  assert.equal(r.nextToken, undefined);
});

test("CreateLogGroup: an existing name is ResourceAlreadyExistsException", async () => {
  const name = await createGroup(logs);
  await rejects(logs.send(new CreateLogGroupCommand({ logGroupName: name })), "ResourceAlreadyExistsException", "The specified log group already exists");
});

test("CreateLogGroup: names are validated against the model", async () => {
  await rejects(
    logs.send(new CreateLogGroupCommand({ logGroupName: "bad name" })),
    "InvalidParameterException",
    "1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
  );
  await rejects(
    logs.send(new CreateLogGroupCommand({ logGroupName: "x".repeat(513) })),
    "InvalidParameterException",
    `1 validation error detected: Value '${"x".repeat(513)}' at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512`,
  );
});

test("DeleteLogGroup: deletes the group; a missing one is ResourceNotFoundException", async () => {
  const name = await createGroup(logs, ["s"]);
  await logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
  const r = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  assert.deepEqual(r.logGroups, []);
  await rejects(logs.send(new DeleteLogGroupCommand({ logGroupName: name })), "ResourceNotFoundException", "The specified log group does not exist.");
  await rejects(logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: "s" })), "ResourceNotFoundException", "The specified log group does not exist.");
});

test("DescribeLogGroups: prefix, limit and nextToken pagination in name order", async () => {
  const prefix = `/skyport/${uniqueName("page")}/`;
  const names = ["e", "a", "d", "c", "b"].map((n) => prefix + n);
  for (const n of names) await logs.send(new CreateLogGroupCommand({ logGroupName: n }));
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, limit: 2, nextToken: token }));
    seen.push(...r.logGroups!.map((g) => g.logGroupName!));
    token = r.nextToken;
    pages++;
  } while (token);
  assert.deepEqual(seen, [...names].sort());
  assert.equal(pages, 3);
  // The SDK's paginator follows the same tokens.
  const viaPaginator: string[] = [];
  for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 2 }, { logGroupNamePrefix: prefix })) viaPaginator.push(...page.logGroups!.map((g) => g.logGroupName!));
  assert.deepEqual(viaPaginator, [...names].sort());
  // API reference: a case-sensitive substring search; the answer then holds only arn, creationTime and logGroupName.
  const byPattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: prefix.slice(9, -1) }));
  assert.equal(byPattern.logGroups!.length, 5);
  assert.deepEqual(Object.keys(byPattern.logGroups![0]!).sort(), ["arn", "creationTime", "logGroupName"]);
  const upper = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: prefix.slice(9, -1).toUpperCase() }));
  assert.equal(upper.logGroups!.length, 0);
});

test("DescribeLogGroups: limit is 1..50 and tokens are checked", async () => {
  await rejects(
    logs.send(new DescribeLogGroupsCommand({ limit: 51 })),
    "InvalidParameterException",
    "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
  );
  await rejects(
    logs.send(new DescribeLogGroupsCommand({ limit: 0 })),
    "InvalidParameterException",
    "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
  );
  await rejects(logs.send(new DescribeLogGroupsCommand({ nextToken: "not-a-token" })), "InvalidParameterException", "The specified nextToken is invalid.");
});

test("CreateLogStream: duplicates and bad names are refused; DeleteLogStream of a missing stream is ResourceNotFoundException", async () => {
  const g = await createGroup(logs, ["s1"]);
  await rejects(logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: "s1" })), "ResourceAlreadyExistsException", "The specified log stream already exists");
  await rejects(
    logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: "a:b" })),
    "InvalidParameterException",
    "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*",
  );
  await logs.send(new DeleteLogStreamCommand({ logGroupName: g, logStreamName: "s1" }));
  await rejects(logs.send(new DeleteLogStreamCommand({ logGroupName: g, logStreamName: "s1" })), "ResourceNotFoundException", "The specified log stream does not exist.");
  await rejects(logs.send(new DeleteLogStreamCommand({ logGroupName: `${g}-missing`, logStreamName: "s1" })), "ResourceNotFoundException", "The specified log group does not exist.");
});

test("DescribeLogStreams: fields, prefix, descending order, LastEventTime order and pagination", async () => {
  const g = await createGroup(logs, ["2026/01/01/[$LATEST]aaa", "2026/01/01/[$LATEST]bbb", "2026/01/02/[$LATEST]ccc", "other"]);
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "2026/01/01/[$LATEST]bbb", logEvents: [{ timestamp: now - 2000, message: "one" }, { timestamp: now - 1000, message: "two" }] }));
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "other", logEvents: [{ timestamp: now, message: "three" }] }));

  const all = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g }));
  assert.deepEqual(all.logStreams!.map((s) => s.logStreamName), ["2026/01/01/[$LATEST]aaa", "2026/01/01/[$LATEST]bbb", "2026/01/02/[$LATEST]ccc", "other"]);
  const bbb = all.logStreams![1]!;
  assert.equal(bbb.firstEventTimestamp, now - 2000);
  assert.equal(bbb.lastEventTimestamp, now - 1000);
  assert.equal(typeof bbb.lastIngestionTime, "number");
  assert.match(bbb.uploadSequenceToken!, /^\d{56}$/);
  assert.equal(bbb.storedBytes, 0);
  assert.equal(bbb.arn, `arn:aws:logs:us-east-1:000000000000:log-group:${g}:log-stream:2026/01/01/[$LATEST]bbb`);
  assert.equal(all.logStreams![0]!.firstEventTimestamp, undefined);

  const prefixed = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g, logStreamNamePrefix: "2026/01/01/", descending: true }));
  assert.deepEqual(prefixed.logStreams!.map((s) => s.logStreamName), ["2026/01/01/[$LATEST]bbb", "2026/01/01/[$LATEST]aaa"]);

  const byTime = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g, orderBy: "LastEventTime", descending: true, limit: 1 }));
  assert.deepEqual(byTime.logStreams!.map((s) => s.logStreamName), ["other"]);
  const next = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g, orderBy: "LastEventTime", descending: true, limit: 1, nextToken: byTime.nextToken }));
  assert.deepEqual(next.logStreams!.map((s) => s.logStreamName), ["2026/01/01/[$LATEST]bbb"]);

  const names: string[] = [];
  let token: string | undefined;
  do {
    const r = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: `arn:aws:logs:us-east-1:000000000000:log-group:${g}`, limit: 3, nextToken: token }));
    names.push(...r.logStreams!.map((s) => s.logStreamName!));
    token = r.nextToken;
  } while (token);
  assert.equal(names.length, 4);
});

test("DescribeLogStreams: AWS's parameter errors", async () => {
  const g = await createGroup(logs, ["s"]);
  await rejects(logs.send(new DescribeLogStreamsCommand({ logGroupName: g, orderBy: "LastEventTime", logStreamNamePrefix: "s" })), "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.");
  await rejects(
    logs.send(new DescribeLogStreamsCommand({ logGroupName: g, orderBy: "Size" as "LogStreamName" })),
    "InvalidParameterException",
    "1 validation error detected: Value 'Size' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]",
  );
  await rejects(logs.send(new DescribeLogStreamsCommand({ logGroupName: `${g}-missing` })), "ResourceNotFoundException", "The specified log group does not exist.");
});

test("PutRetentionPolicy: shows in DescribeLogGroups; only AWS's values; DeleteRetentionPolicy removes it", async () => {
  const g = await createGroup(logs);
  await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 7 }));
  let r = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
  assert.equal(r.logGroups![0]!.retentionInDays, 7);
  await rejects(
    logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 2 })),
    "InvalidParameterException",
    "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
  );
  await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: g }));
  r = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
  assert.equal(r.logGroups![0]!.retentionInDays, undefined);
  await rejects(logs.send(new PutRetentionPolicyCommand({ logGroupName: `${g}-missing`, retentionInDays: 1 })), "ResourceNotFoundException", "The specified log group does not exist.");
});

test("TagLogGroup: tags from CreateLogGroup, added, listed and removed", async () => {
  const name = `/skyport/${uniqueName("tags")}`;
  await logs.send(new CreateLogGroupCommand({ logGroupName: name, tags: { team: "a" } }));
  await logs.send(new TagLogGroupCommand({ logGroupName: name, tags: { env: "dev", team: "b" } }));
  assert.deepEqual((await logs.send(new ListTagsLogGroupCommand({ logGroupName: name }))).tags, { team: "b", env: "dev" });
  await logs.send(new UntagLogGroupCommand({ logGroupName: name, tags: ["team"] }));
  assert.deepEqual((await logs.send(new ListTagsLogGroupCommand({ logGroupName: name }))).tags, { env: "dev" });
  await rejects(logs.send(new ListTagsLogGroupCommand({ logGroupName: `${name}-missing` })), "ResourceNotFoundException", "The specified log group does not exist.");
});

test("TagResource: tags a log group by ARN; ListTagsForResource and UntagResource; more than 50 is TooManyTagsException", async () => {
  const name = await createGroup(logs);
  const arn = `arn:aws:logs:us-east-1:000000000000:log-group:${name}`;
  await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { a: "1", b: "2" } }));
  await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["a"] }));
  assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { b: "2" });
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
  await rejects(logs.send(new TagResourceCommand({ resourceArn: arn, tags: many })), "TooManyTagsException", "A resource can have no more than 50 tags.");
  await rejects(logs.send(new ListTagsForResourceCommand({ resourceArn: `${arn}-missing` })), "ResourceNotFoundException", "The specified log group does not exist.");
});

test("PutMetricFilter: stored, described, counted in the group, deleted", async () => {
  const g = await createGroup(logs);
  const transformations = [{ metricName: "Errors", metricNamespace: "App", metricValue: "1", defaultValue: 0 }];
  await logs.send(new PutMetricFilterCommand({ logGroupName: g, filterName: "errors", filterPattern: "ERROR", metricTransformations: transformations }));
  await logs.send(new PutMetricFilterCommand({ logGroupName: g, filterName: "latency", filterPattern: "{ $.latency = * }", metricTransformations: [{ metricName: "Latency", metricNamespace: "App", metricValue: "$.latency" }] }));
  const d = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: g }));
  assert.deepEqual(d.metricFilters!.map((f) => [f.filterName, f.filterPattern, f.logGroupName]), [["errors", "ERROR", g], ["latency", "{ $.latency = * }", g]]);
  assert.deepEqual(d.metricFilters![0]!.metricTransformations, transformations);
  const byMetric = await logs.send(new DescribeMetricFiltersCommand({ metricName: "Latency", metricNamespace: "App" }));
  assert.ok(byMetric.metricFilters!.some((f) => f.filterName === "latency" && f.logGroupName === g));
  const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
  assert.equal(groups.logGroups![0]!.metricFilterCount, 2);
  await logs.send(new DeleteMetricFilterCommand({ logGroupName: g, filterName: "errors" }));
  await rejects(logs.send(new DeleteMetricFilterCommand({ logGroupName: g, filterName: "errors" })), "ResourceNotFoundException", "The specified metric filter does not exist.");
  await rejects(
    logs.send(new PutMetricFilterCommand({ logGroupName: g, filterName: "bad", filterPattern: '{ $.a = "b"', metricTransformations: transformations })),
    "InvalidParameterException",
    "If a filter pattern starts with '{' it must end with '}'",
  );
});

test("TestMetricFilter: matches and space-delimited extracted values", async () => {
  const r = await logs.send(
    new TestMetricFilterCommand({
      filterPattern: "[ip, user, username, timestamp, request, status_code = 4*, bytes]",
      logEventMessages: ['127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534', '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET / HTTP/1.0" 200 1'],
    }),
  );
  assert.equal(r.matches!.length, 1);
  assert.equal(r.matches![0]!.eventNumber, 1);
  assert.equal(r.matches![0]!.extractedValues!.$status_code, "404");
  assert.equal(r.matches![0]!.extractedValues!.$request, "GET /index.html HTTP/1.0");
});
