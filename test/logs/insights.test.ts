/** Logs Insights through the SDK: StartQuery → GetQueryResults (Complete), StopQuery, DescribeQueries, errors. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DeleteQueryDefinitionCommand,
  DescribeQueriesCommand,
  DescribeQueryDefinitionsCommand,
  PutQueryDefinitionCommand,
  GetLogRecordCommand,
  GetQueryResultsCommand,
  PutLogEventsCommand,
  StartQueryCommand,
  StopQueryCommand,
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

const sec = (ms: number) => Math.floor(ms / 1000);

test("StartQuery: fields/filter/sort/limit results come back Complete with statistics and @ptr", async () => {
  const g = await createGroup(logs, ["a", "b"]);
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "a", logEvents: [{ timestamp: now - 3000, message: '{"level":"ERROR","ms":40}' }, { timestamp: now - 1000, message: '{"level":"INFO","ms":10}' }] }));
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "b", logEvents: [{ timestamp: now - 2000, message: '{"level":"ERROR","ms":80}' }] }));
  const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: g, startTime: sec(now) - 60, endTime: sec(now) + 60, queryString: "fields @timestamp, level, ms, @logStream | filter level = 'ERROR' | sort ms desc | limit 5" }));
  assert.match(queryId!, /^[0-9a-f-]{36}$/);
  const r = await logs.send(new GetQueryResultsCommand({ queryId }));
  assert.equal(r.status, "Complete");
  assert.deepEqual(r.statistics, { recordsMatched: 2, recordsScanned: 3, bytesScanned: r.statistics!.bytesScanned });
  assert.deepEqual(r.results!.map((row) => row.filter((f) => f.field !== "@ptr" && f.field !== "@timestamp")), [
    [{ field: "level", value: "ERROR" }, { field: "ms", value: "80" }, { field: "@logStream", value: "b" }],
    [{ field: "level", value: "ERROR" }, { field: "ms", value: "40" }, { field: "@logStream", value: "a" }],
  ]);
  assert.match(r.results![0]!.find((f) => f.field === "@timestamp")!.value!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
  const ptr = r.results![0]!.find((f) => f.field === "@ptr")!.value!;
  const rec = await logs.send(new GetLogRecordCommand({ logRecordPointer: ptr }));
  assert.equal(rec.logRecord?.["@message"], '{"level":"ERROR","ms":80}');
  assert.equal(rec.logRecord?.["@logStream"], "b");
  assert.equal(rec.logRecord?.["@log"], `000000000000:${g}`);
  assert.equal(rec.logRecord?.["@timestamp"], String(now - 2000));
  assert.equal(rec.logRecord?.ms, "80");
  await rejects(logs.send(new GetLogRecordCommand({ logRecordPointer: "bm9wZQ" })), "InvalidParameterException");
});

test("StartQuery: stats count/avg by field and bin() over several log groups", async () => {
  const g1 = await createGroup(logs, ["s"]);
  const g2 = await createGroup(logs, ["s"]);
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName: g1, logStreamName: "s", logEvents: [{ timestamp: now - 2000, message: '{"route":"/a","ms":10}' }, { timestamp: now - 1000, message: '{"route":"/b","ms":30}' }] }));
  await logs.send(new PutLogEventsCommand({ logGroupName: g2, logStreamName: "s", logEvents: [{ timestamp: now - 1500, message: '{"route":"/a","ms":20}' }] }));
  const { queryId } = await logs.send(new StartQueryCommand({ logGroupNames: [g1, g2], startTime: sec(now) - 60, endTime: sec(now) + 60, queryString: "stats count(*) as n, avg(ms) as avgMs by route | sort route" }));
  const r = await logs.send(new GetQueryResultsCommand({ queryId }));
  assert.deepEqual(r.results, [
    [{ field: "route", value: "/a" }, { field: "n", value: "2" }, { field: "avgMs", value: "15" }],
    [{ field: "route", value: "/b" }, { field: "n", value: "1" }, { field: "avgMs", value: "30" }],
  ]);
  const binned = await logs.send(new GetQueryResultsCommand({ queryId: (await logs.send(new StartQueryCommand({ logGroupName: g1, startTime: sec(now) - 60, endTime: sec(now) + 60, queryString: "stats sum(ms) by bin(1d)" }))).queryId }));
  assert.equal(binned.results?.length, 1);
  assert.equal(binned.results![0]![1]!.value, "40");
  assert.match(binned.results![0]![0]!.value!, / 00:00:00\.000$/);
});

test("StartQuery: malformed queries, missing groups and ended queries answer as AWS does", async () => {
  const g = await createGroup(logs);
  const now = sec(Date.now());
  try {
    await logs.send(new StartQueryCommand({ logGroupName: g, startTime: now - 60, endTime: now, queryString: "fields @message | frobnicate" }));
    assert.fail("expected MalformedQueryException");
  } catch (e) {
    const err = e as Error & { queryCompileError?: { location?: { startCharOffset?: number; endCharOffset?: number } } };
    assert.equal(err.name, "MalformedQueryException");
    assert.equal(err.queryCompileError?.location?.startCharOffset, 18);
  }
  await rejects(logs.send(new StartQueryCommand({ logGroupName: `/nope/${uniqueName("g")}`, startTime: now - 60, endTime: now, queryString: "fields @message" })), "ResourceNotFoundException", /does not exist for account ID '000000000000'/);
  await rejects(logs.send(new StartQueryCommand({ startTime: now - 60, endTime: now, queryString: "fields @message" })), "InvalidParameterException");
  const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: g, startTime: now - 60, endTime: now, queryString: "fields @message" }));
  assert.deepEqual((await logs.send(new GetQueryResultsCommand({ queryId }))).results, []);
  await rejects(logs.send(new StopQueryCommand({ queryId })), "InvalidParameterException", /not running/);
  await rejects(logs.send(new GetQueryResultsCommand({ queryId: "00000000-0000-0000-0000-000000000000" })), "ResourceNotFoundException");
  const d = await logs.send(new DescribeQueriesCommand({ logGroupName: g }));
  assert.deepEqual(d.queries?.map((q) => [q.queryId, q.status, q.queryString]), [[queryId, "Complete", "fields @message"]]);
});

test("PutQueryDefinition: saved queries are created, updated, listed by prefix and deleted", async () => {
  const name = `${uniqueName("saved")}/errors`;
  const { queryDefinitionId: id } = await logs.send(new PutQueryDefinitionCommand({ name, queryString: "filter @message like /ERROR/", logGroupNames: ["/a"] }));
  assert.match(id!, /^[0-9a-f-]{36}$/);
  await logs.send(new PutQueryDefinitionCommand({ name, queryDefinitionId: id, queryString: "filter @message like /WARN/" }));
  const d = await logs.send(new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: name.split("/")[0] }));
  assert.equal(d.queryDefinitions?.length, 1);
  assert.equal(d.queryDefinitions![0]!.queryString, "filter @message like /WARN/");
  assert.equal(d.queryDefinitions![0]!.name, name);
  assert.ok(d.queryDefinitions![0]!.lastModified! > 0);
  assert.equal((await logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: id }))).success, true);
  await rejects(logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: id })), "ResourceNotFoundException");
  await rejects(logs.send(new PutQueryDefinitionCommand({ name, queryDefinitionId: id, queryString: "x" })), "ResourceNotFoundException");
});
