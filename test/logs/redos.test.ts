/** Issue 8 item 6: user regular expressions run in linear time — the reported ReDoS patterns simply return. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { FilterLogEventsCommand, PutLogEventsCommand, StartQueryCommand, GetQueryResultsCommand, TestMetricFilterCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { createGroup, logsClient } from "./helpers.js";

let server: TestServer;
let logs: CloudWatchLogsClient;
before(async () => {
  server = await startServer();
  logs = logsClient(server);
});
after(() => server.stop());

// 12 `a*` against 45 `a`s: hours for a backtracking engine (the report: 7 took 4 s, 8 took 25 s).
const EVIL = `%${"a*".repeat(12)}b%`;
const VICTIM = "a".repeat(45);

test("FilterLogEvents: the reported catastrophic %regex% returns, as JSON and space-delimited values too", async () => {
  const g = await createGroup(logs, ["s"]);
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: [{ timestamp: now - 1, message: VICTIM }, { timestamp: now, message: JSON.stringify({ m: VICTIM }) }] }));
  for (const filterPattern of [EVIL, `{ $.m = ${EVIL} }`, `[w = ${EVIL}]`]) {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern }));
    assert.deepEqual(r.events, [], filterPattern);
  }
});

test("TestMetricFilter: the catastrophic pattern over 50 messages returns", async () => {
  const r = await logs.send(new TestMetricFilterCommand({ filterPattern: EVIL, logEventMessages: Array.from({ length: 50 }, () => VICTIM) }));
  assert.deepEqual(r.matches, []);
});

test("StartQuery: a catastrophic /regex/ in Logs Insights returns", async () => {
  const g = await createGroup(logs, ["s"]);
  const now = Date.now();
  await logs.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: [{ timestamp: now, message: VICTIM }] }));
  const s = Math.floor(now / 1000);
  const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: g, startTime: s - 60, endTime: s + 60, queryString: `filter @message like /${"a*".repeat(12)}b/` }));
  assert.deepEqual((await logs.send(new GetQueryResultsCommand({ queryId }))).results, []);
});
