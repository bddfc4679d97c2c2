import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DeleteLogStreamCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import { ManualClock } from "../../src/core/clock.js";
import type { LogsProvider } from "../../src/services/logs/provider.js";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { createGroup, logsClient, rejects } from "./helpers.js";

const DAY = 24 * 3600 * 1000;
// The server runs on a clock the tests move (retention); event times are relative to it.
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
let server: TestServer;
let logs: CloudWatchLogsClient;
before(async () => {
  server = await startServer({}, { clock });
  logs = logsClient(server);
});
after(() => server.stop());

const at = (offsetMs: number) => clock.now() + offsetMs;
const put = (logGroupName: string, logStreamName: string, logEvents: InputLogEvent[]) => logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents }));

test("PutLogEvents: accepts a batch and returns a sequence token; GetLogEvents reads it back", async () => {
  const g = await createGroup(logs, ["s"]);
  const r = await put(g, "s", [{ timestamp: at(-3000), message: "first" }, { timestamp: at(-2000), message: "second" }, { timestamp: at(-2000), message: "same time" }]);
  assert.match(r.nextSequenceToken!, /^\d{56}$/);
  assert.equal(r.rejectedLogEventsInfo, undefined);
  const e = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", startFromHead: true }));
  assert.deepEqual(e.events!.map((x) => [x.timestamp, x.message, x.ingestionTime]), [[at(-3000), "first", clock.now()], [at(-2000), "second", clock.now()], [at(-2000), "same time", clock.now()]]);
  assert.match(e.nextForwardToken!, /^f\/\d{56}\/s$/);
  assert.match(e.nextBackwardToken!, /^b\/\d{56}\/s$/);
  const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
  assert.equal(groups.logGroups![0]!.storedBytes, "first".length + "second".length + "same time".length);
});

test("PutLogEvents: events out of chronological order are refused", async () => {
  const g = await createGroup(logs, ["s"]);
  await rejects(put(g, "s", [{ timestamp: at(-1000), message: "b" }, { timestamp: at(-2000), message: "a" }]), "InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.");
});

test("PutLogEvents: too old, expired and too new events are rejected while the rest is stored", async () => {
  const g = await createGroup(logs, ["s"]);
  await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 1 }));
  const r = await put(g, "s", [
    { timestamp: at(-15 * DAY), message: "too old" },
    { timestamp: at(-2 * DAY), message: "expired" },
    { timestamp: at(-1000), message: "kept" },
    { timestamp: at(3 * 3600 * 1000), message: "too new" },
  ]);
  assert.deepEqual(r.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 1, expiredLogEventEndIndex: 2, tooNewLogEventStartIndex: 3 });
  const e = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s" }));
  assert.deepEqual(e.events!.map((x) => x.message), ["kept"]);
});

test("PutLogEvents: batch limits (1,048,576 bytes with 26 bytes per event; 24 hours span); missing group or stream", async () => {
  const g = await createGroup(logs, ["s"]);
  const big = "x".repeat(1_048_576 - 26);
  await put(g, "s", [{ timestamp: at(0), message: big }]);
  await rejects(put(g, "s", [{ timestamp: at(0), message: big + "y" }]), "InvalidParameterException", "Upload too large: 1048577 bytes exceeds limit of 1048576");
  await rejects(put(g, "s", [{ timestamp: at(-25 * 3600 * 1000), message: "a" }, { timestamp: at(0), message: "b" }]), "InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
  await rejects(put(g, "s", []), "InvalidParameterException", "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1");
  await rejects(put(g, "s", [{ timestamp: at(0), message: "" }]), "InvalidParameterException", "1 validation error detected: Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1");
  await rejects(put(g, "missing", [{ timestamp: at(0), message: "a" }]), "ResourceNotFoundException", "The specified log stream does not exist.");
  await rejects(put(`${g}-missing`, "s", [{ timestamp: at(0), message: "a" }]), "ResourceNotFoundException", "The specified log group does not exist.");
});

async function tenEvents(): Promise<string> {
  const g = await createGroup(logs, ["s"]);
  await put(g, "s", Array.from({ length: 10 }, (_, i) => ({ timestamp: at(-10_000 + i * 1000), message: `m${i}` })));
  return g;
}

test("GetLogEvents: forward pages from the head; the end gives back the same forward token", async () => {
  const g = await tenEvents();
  const seen: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 10; page++) {
    const r = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", startFromHead: true, limit: 4, nextToken: token }));
    seen.push(...r.events!.map((e) => e.message!));
    if (r.nextForwardToken === token) break;
    token = r.nextForwardToken;
  }
  assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => `m${i}`));
  // New events after the end are picked up with the same token.
  await put(g, "s", [{ timestamp: at(0), message: "late" }]);
  const r = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", nextToken: token }));
  assert.deepEqual(r.events!.map((e) => e.message), ["late"]);
});

test("GetLogEvents: without startFromHead the newest events come first page; backward tokens walk to the head", async () => {
  const g = await tenEvents();
  const first = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", limit: 3 }));
  assert.deepEqual(first.events!.map((e) => e.message), ["m7", "m8", "m9"]);
  const pages = [first.events!.map((e) => e.message!)];
  let token = first.nextBackwardToken;
  for (;;) {
    const r = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", limit: 3, nextToken: token }));
    if (r.nextBackwardToken === token) {
      assert.deepEqual(r.events, []);
      break;
    }
    pages.unshift(r.events!.map((e) => e.message!));
    token = r.nextBackwardToken;
  }
  assert.deepEqual(pages.flat(), Array.from({ length: 10 }, (_, i) => `m${i}`));
  const forwardAgain = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", limit: 2, nextToken: first.nextForwardToken }));
  assert.deepEqual(forwardAgain.events, []);
});

test("GetLogEvents: startTime is inclusive, endTime exclusive; bad tokens and missing streams", async () => {
  const g = await tenEvents();
  const r = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", startTime: at(-8000), endTime: at(-5000), startFromHead: true }));
  assert.deepEqual(r.events!.map((e) => e.message), ["m2", "m3", "m4"]);
  await rejects(logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", nextToken: "x/123" })), "InvalidParameterException", "The specified nextToken is invalid.");
  await rejects(logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "nope" })), "ResourceNotFoundException", "The specified log stream does not exist.");
  await rejects(
    logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", limit: 10001 })),
    "InvalidParameterException",
    "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
  );
  await rejects(logs.send(new GetLogEventsCommand({ logGroupName: g, logGroupIdentifier: g, logStreamName: "s" })), "InvalidParameterException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
});

test("FilterLogEvents: interleaves streams by time with stream names and 56-digit event ids", async () => {
  const g = await createGroup(logs, ["a", "b"]);
  await put(g, "a", [{ timestamp: at(-3000), message: "ERROR one" }, { timestamp: at(-1000), message: "INFO three" }]);
  await put(g, "b", [{ timestamp: at(-2000), message: "ERROR two" }]);
  const all = await logs.send(new FilterLogEventsCommand({ logGroupName: g }));
  assert.deepEqual(all.events!.map((e) => [e.logStreamName, e.message]), [["a", "ERROR one"], ["b", "ERROR two"], ["a", "INFO three"]]);
  for (const e of all.events!) assert.match(e.eventId!, /^\d{56}$/);
  assert.equal(all.nextToken, undefined);
  const errors = await logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern: "ERROR" }));
  assert.deepEqual(errors.events!.map((e) => e.message), ["ERROR one", "ERROR two"]);
  const inA = await logs.send(new FilterLogEventsCommand({ logGroupName: g, logStreamNames: ["a"], filterPattern: "?ERROR ?INFO" }));
  assert.deepEqual(inA.events!.map((e) => e.message), ["ERROR one", "INFO three"]);
  const prefixed = await logs.send(new FilterLogEventsCommand({ logGroupIdentifier: g, logStreamNamePrefix: "b" }));
  assert.deepEqual(prefixed.events!.map((e) => e.message), ["ERROR two"]);
  const timed = await logs.send(new FilterLogEventsCommand({ logGroupName: g, startTime: at(-2000), endTime: at(-1000) }));
  assert.deepEqual(timed.events!.map((e) => e.message), ["ERROR two", "INFO three"]);
});

test("FilterLogEvents: JSON and space-delimited patterns", async () => {
  const g = await createGroup(logs, ["s"]);
  await put(g, "s", [
    { timestamp: at(-3000), message: JSON.stringify({ level: "error", latency: 1200 }) },
    { timestamp: at(-2000), message: JSON.stringify({ level: "info", latency: 20 }) },
    { timestamp: at(-1000), message: "10.0.0.1 GET /index.html 404 512" },
  ]);
  const slow = await logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern: '{ $.level = "error" && $.latency > 1000 }' }));
  assert.equal(slow.events!.length, 1);
  const notFound = await logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern: "[ip, method, path, status = 4*, bytes]" }));
  assert.deepEqual(notFound.events!.map((e) => e.message), ["10.0.0.1 GET /index.html 404 512"]);
});

test("FilterLogEvents: limit and nextToken page through every match once", async () => {
  const g = await createGroup(logs, ["a", "b"]);
  await put(g, "a", Array.from({ length: 7 }, (_, i) => ({ timestamp: at(-20_000 + i * 2000), message: `hit a${i}` })));
  await put(g, "b", Array.from({ length: 7 }, (_, i) => ({ timestamp: at(-19_000 + i * 2000), message: i % 2 ? `miss b${i}` : `hit b${i}` })));
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern: "hit", limit: 3, nextToken: token }));
    seen.push(...r.events!.map((e) => e.message!));
    token = r.nextToken;
    pages++;
  } while (token);
  assert.deepEqual(seen, ["hit a0", "hit b0", "hit a1", "hit a2", "hit b2", "hit a3", "hit a4", "hit b4", "hit a5", "hit a6", "hit b6"]);
  assert.equal(pages, 4);
});

test("FilterLogEvents: parameter errors", async () => {
  const g = await createGroup(logs, ["s"]);
  await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern: "{ $.a = 1" })), "InvalidParameterException", "If a filter pattern starts with '{' it must end with '}'");
  await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: g, filterPattern: "user@example.com" })), "InvalidParameterException", "Invalid character(s) in term 'user@example.com'");
  await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: g, nextToken: "garbage" })), "InvalidParameterException", "The specified nextToken is invalid.");
  await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: `${g}-missing` })), "ResourceNotFoundException", "The specified log group does not exist.");
  await rejects(logs.send(new FilterLogEventsCommand({})), "InvalidParameterException", "Either LogGroup name or LogGroup ARN must be specified.");
});

test("PutRetentionPolicy: the sweeper deletes events older than the retention, and storedBytes follows", async () => {
  const g = await createGroup(logs, ["s"]);
  await put(g, "s", [{ timestamp: at(-2 * DAY), message: "old" }]);
  await put(g, "s", [{ timestamp: at(-1000), message: "recent" }]);
  await logs.send(new PutRetentionPolicyCommand({ logGroupName: g, retentionInDays: 1 }));
  const provider = (await server.skyport.services.get("logs")) as LogsProvider;
  assert.ok(provider.sweepExpired() >= 1);
  let e = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", startFromHead: true }));
  assert.deepEqual(e.events!.map((x) => x.message), ["recent"]);
  const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
  assert.equal(groups.logGroups![0]!.storedBytes, "recent".length);
  // A day later the recent event expires too.
  clock.advance(DAY + 1000);
  try {
    provider.sweepExpired();
    e = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: "s", startFromHead: true }));
    assert.deepEqual(e.events, []);
  } finally {
    clock.advance(-(DAY + 1000));
  }
});

test("DeleteLogStream: removes its events and their bytes from the group", async () => {
  const g = await createGroup(logs, ["a", "b"]);
  await put(g, "a", [{ timestamp: at(0), message: "aaaa" }]);
  await put(g, "b", [{ timestamp: at(0), message: "bb" }]);
  await logs.send(new DeleteLogStreamCommand({ logGroupName: g, logStreamName: "a" }));
  const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
  assert.equal(groups.logGroups![0]!.storedBytes, 2);
  const all = await logs.send(new FilterLogEventsCommand({ logGroupName: g }));
  assert.deepEqual(all.events!.map((e) => e.message), ["bb"]);
});

test("PutLogEvents: after /_skyport/reset no group, stream or cached id survives", async () => {
  const other = await startServer();
  try {
    const l = logsClient(other);
    const g = await createGroup(l, ["s"]);
    await l.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "before reset" }] }));
    const res = await fetch(`${other.endpoint}/_skyport/reset`, { method: "POST" });
    assert.equal(res.status, 200);
    await rejects(l.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "after" }] })), "ResourceNotFoundException", "The specified log group does not exist.");
    assert.deepEqual((await l.send(new DescribeLogGroupsCommand({}))).logGroups, []);
    await createGroup(l, ["s"], g);
    const e = await l.send(new FilterLogEventsCommand({ logGroupName: g }));
    assert.deepEqual(e.events, []);
  } finally {
    await other.stop();
  }
});
