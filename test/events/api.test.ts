/** EventBridge control plane through the SDK v3 EventBridgeClient: buses, rules, targets, PutEvents, TestEventPattern, tags. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CreateEventBusCommand, DeleteEventBusCommand, DeleteRuleCommand, DescribeEventBusCommand, DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand,
  EventBridgeClient, ListEventBusesCommand, ListRuleNamesByTargetCommand, ListRulesCommand, ListTagsForResourceCommand, ListTargetsByRuleCommand,
  PutEventsCommand, PutPermissionCommand, PutRuleCommand, PutTargetsCommand, RemovePermissionCommand, RemoveTargetsCommand, TagResourceCommand,
  TestEventPatternCommand, UntagResourceCommand,
} from "@aws-sdk/client-eventbridge";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { rejects } from "./helpers.js";

let server: TestServer;
let eb: EventBridgeClient;
before(async () => {
  server = await startServer();
  eb = new EventBridgeClient(server.clientConfig);
});
after(() => server.stop());

const FN = "arn:aws:lambda:us-east-1:000000000000:function:nowhere";

test("CreateEventBus: custom buses are created, described, listed and deleted; the default bus always exists", async () => {
  const name = uniqueName("bus");
  const out = await eb.send(new CreateEventBusCommand({ Name: name, Tags: [{ Key: "team", Value: "a" }] }));
  assert.equal(out.EventBusArn, `arn:aws:events:us-east-1:000000000000:event-bus/${name}`);
  await rejects(eb.send(new CreateEventBusCommand({ Name: name })), "ResourceAlreadyExistsException", `Event bus ${name} already exists.`);
  const d = await eb.send(new DescribeEventBusCommand({ Name: name }));
  assert.equal(d.Name, name);
  assert.ok(d.CreationTime instanceof Date);
  const def = await eb.send(new DescribeEventBusCommand({}));
  assert.equal(def.Name, "default");
  assert.equal(def.Arn, "arn:aws:events:us-east-1:000000000000:event-bus/default");
  const list = await eb.send(new ListEventBusesCommand({}));
  assert.ok(list.EventBuses!.some((b) => b.Name === "default"));
  assert.ok(list.EventBuses!.some((b) => b.Name === name));
  const prefixed = await eb.send(new ListEventBusesCommand({ NamePrefix: name }));
  assert.deepEqual(prefixed.EventBuses!.map((b) => b.Name), [name]);
  assert.deepEqual((await eb.send(new ListTagsForResourceCommand({ ResourceARN: out.EventBusArn }))).Tags, [{ Key: "team", Value: "a" }]);
  await rejects(eb.send(new DeleteEventBusCommand({ Name: "default" })), "ValidationException", "Cannot delete event bus default.");
  await eb.send(new DeleteEventBusCommand({ Name: name }));
  await rejects(eb.send(new DescribeEventBusCommand({ Name: name })), "ResourceNotFoundException", `Event bus ${name} does not exist.`);
});

test("ListEventBuses: pages with Limit and NextToken", async () => {
  const prefix = uniqueName("page");
  for (const s of ["a", "b", "c"]) await eb.send(new CreateEventBusCommand({ Name: `${prefix}-${s}` }));
  const p1 = await eb.send(new ListEventBusesCommand({ NamePrefix: prefix, Limit: 2 }));
  assert.deepEqual(p1.EventBuses!.map((b) => b.Name), [`${prefix}-a`, `${prefix}-b`]);
  const p2 = await eb.send(new ListEventBusesCommand({ NamePrefix: prefix, Limit: 2, NextToken: p1.NextToken }));
  assert.deepEqual(p2.EventBuses!.map((b) => b.Name), [`${prefix}-c`]);
  assert.equal(p2.NextToken, undefined);
});

test("PutPermission: statements build the bus policy; RemovePermission takes them out", async () => {
  const name = uniqueName("perm");
  await eb.send(new CreateEventBusCommand({ Name: name }));
  await eb.send(new PutPermissionCommand({ EventBusName: name, Action: "events:PutEvents", Principal: "111122223333", StatementId: "s1" }));
  const policy = JSON.parse((await eb.send(new DescribeEventBusCommand({ Name: name }))).Policy!);
  assert.deepEqual(policy.Statement, [{ Sid: "s1", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "events:PutEvents", Resource: `arn:aws:events:us-east-1:000000000000:event-bus/${name}` }]);
  await rejects(eb.send(new RemovePermissionCommand({ EventBusName: name, StatementId: "nope" })), "ResourceNotFoundException", "Statement with the provided id does not exist.");
  await eb.send(new RemovePermissionCommand({ EventBusName: name, StatementId: "s1" }));
  assert.equal((await eb.send(new DescribeEventBusCommand({ Name: name }))).Policy, undefined);
});

test("PutRule: pattern and schedule rules are stored, described, listed, enabled and disabled", async () => {
  const name = uniqueName("rule");
  const pattern = JSON.stringify({ source: ["my.app"] });
  const out = await eb.send(new PutRuleCommand({ Name: name, EventPattern: pattern, Description: "d" }));
  assert.equal(out.RuleArn, `arn:aws:events:us-east-1:000000000000:rule/${name}`);
  const d = await eb.send(new DescribeRuleCommand({ Name: name }));
  assert.equal(d.EventPattern, pattern);
  assert.equal(d.State, "ENABLED");
  assert.equal(d.EventBusName, "default");
  assert.equal(d.Description, "d");
  await eb.send(new DisableRuleCommand({ Name: name }));
  assert.equal((await eb.send(new DescribeRuleCommand({ Name: name }))).State, "DISABLED");
  await eb.send(new EnableRuleCommand({ Name: name }));
  assert.equal((await eb.send(new DescribeRuleCommand({ Name: name }))).State, "ENABLED");
  const sched = uniqueName("sched");
  await eb.send(new PutRuleCommand({ Name: sched, ScheduleExpression: "rate(5 minutes)" }));
  assert.equal((await eb.send(new DescribeRuleCommand({ Name: sched }))).ScheduleExpression, "rate(5 minutes)");
  const listed = await eb.send(new ListRulesCommand({ NamePrefix: name }));
  assert.deepEqual(listed.Rules!.map((r) => r.Name), [name]);
  const bus = uniqueName("rbus");
  const busArn = (await eb.send(new CreateEventBusCommand({ Name: bus }))).EventBusArn;
  const onBus = await eb.send(new PutRuleCommand({ Name: name, EventBusName: busArn, EventPattern: pattern }));
  assert.equal(onBus.RuleArn, `arn:aws:events:us-east-1:000000000000:rule/${bus}/${name}`);
  assert.equal((await eb.send(new DescribeRuleCommand({ Name: name, EventBusName: bus }))).EventBusName, bus);
});

test("PutRule: AWS's validation errors", async () => {
  await rejects(eb.send(new PutRuleCommand({ Name: uniqueName("r") })), "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.");
  await rejects(eb.send(new PutRuleCommand({ Name: uniqueName("r"), ScheduleExpression: "rate(1 minutes)" })), "ValidationException", "Parameter ScheduleExpression is not valid.");
  await rejects(eb.send(new PutRuleCommand({ Name: uniqueName("r"), ScheduleExpression: "cron(0 10 * * * *)" })), "ValidationException", "Parameter ScheduleExpression is not valid.");
  await rejects(eb.send(new PutRuleCommand({ Name: uniqueName("r"), EventPattern: '{"source":"x"}' })), "InvalidEventPatternException", 'Event pattern is not valid. Reason: "source" must be an object or an array');
  await rejects(eb.send(new PutRuleCommand({ Name: "bad name!", EventPattern: '{"source":["x"]}' })), "ValidationException", /at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  await rejects(eb.send(new PutRuleCommand({ Name: uniqueName("r"), EventPattern: '{"source":["x"]}', EventBusName: "nobus" })), "ResourceNotFoundException", "Event bus nobus does not exist.");
  const bus = uniqueName("b");
  await eb.send(new CreateEventBusCommand({ Name: bus }));
  await rejects(eb.send(new PutRuleCommand({ Name: uniqueName("r"), ScheduleExpression: "rate(5 minutes)", EventBusName: bus })), "ValidationException", "ScheduleExpression is supported only on the default event bus.");
  await rejects(eb.send(new DescribeRuleCommand({ Name: "missing-rule" })), "ResourceNotFoundException", "Rule missing-rule does not exist on EventBus default.");
});

test("PutTargets: targets are stored and listed; invalid ones come back in FailedEntries; a rule with targets cannot be deleted", async () => {
  const rule = uniqueName("t");
  await eb.send(new PutRuleCommand({ Name: rule, EventPattern: '{"source":["x"]}' }));
  const out = await eb.send(new PutTargetsCommand({
    Rule: rule,
    Targets: [
      { Id: "a", Arn: FN, InputTransformer: { InputPathsMap: { k: "$.detail.key" }, InputTemplate: '{"key": <k>}' }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 }, DeadLetterConfig: { Arn: "arn:aws:sqs:us-east-1:000000000000:dlq" } },
      { Id: "b", Arn: FN, Input: "not json" },
      { Id: "c", Arn: FN, Input: "{}", InputPath: "$.detail" },
    ],
  }));
  assert.equal(out.FailedEntryCount, 2);
  assert.deepEqual(out.FailedEntries!.map((f) => [f.TargetId, f.ErrorCode]), [["b", "ValidationException"], ["c", "ValidationException"]]);
  const listed = await eb.send(new ListTargetsByRuleCommand({ Rule: rule }));
  assert.equal(listed.Targets!.length, 1);
  assert.deepEqual(listed.Targets![0]!.InputTransformer, { InputPathsMap: { k: "$.detail.key" }, InputTemplate: '{"key": <k>}' });
  assert.equal(listed.Targets![0]!.RetryPolicy!.MaximumRetryAttempts, 2);
  assert.equal(listed.Targets![0]!.DeadLetterConfig!.Arn, "arn:aws:sqs:us-east-1:000000000000:dlq");
  assert.ok((await eb.send(new ListRuleNamesByTargetCommand({ TargetArn: FN }))).RuleNames!.includes(rule));
  await rejects(eb.send(new DeleteRuleCommand({ Name: rule })), "ValidationException", "Rule can't be deleted since it has targets.");
  const removed = await eb.send(new RemoveTargetsCommand({ Rule: rule, Ids: ["a"] }));
  assert.equal(removed.FailedEntryCount, 0);
  await eb.send(new DeleteRuleCommand({ Name: rule }));
  await rejects(eb.send(new DescribeRuleCommand({ Name: rule })), "ResourceNotFoundException");
});

test("PutTargets: a rule takes at most 5 targets", async () => {
  const rule = uniqueName("five");
  await eb.send(new PutRuleCommand({ Name: rule, EventPattern: '{"source":["x"]}' }));
  await eb.send(new PutTargetsCommand({ Rule: rule, Targets: [1, 2, 3, 4, 5].map((i) => ({ Id: `t${i}`, Arn: FN })) }));
  await rejects(eb.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: "t6", Arn: FN }] })), "LimitExceededException");
});

test("PutEvents: event ids for good entries, AWS's per-entry errors for bad ones", async () => {
  const out = await eb.send(new PutEventsCommand({
    Entries: [
      { Source: "my.app", DetailType: "t", Detail: '{"a":1}' },
      { DetailType: "t", Detail: "{}" },
      { Source: "s", Detail: "{}" },
      { Source: "s", DetailType: "t" },
      { Source: "s", DetailType: "t", Detail: "[1]" },
      { Source: "s", DetailType: "t", Detail: "{}", EventBusName: "no-such-bus" },
    ],
  }));
  assert.equal(out.FailedEntryCount, 5);
  assert.match(out.Entries![0]!.EventId!, /^[0-9a-f-]{36}$/);
  assert.deepEqual(out.Entries!.slice(1).map((e) => [e.ErrorCode, e.ErrorMessage]), [
    ["InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."],
    ["InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."],
    ["InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."],
    ["MalformedDetail", "Detail is malformed."],
    ["ResourceNotFoundException", "Event bus no-such-bus does not exist."],
  ]);
});

test("PutEvents: a detail nested too deep is malformed, not a server error", async () => {
  const deep = '{"a":'.repeat(20000) + "1" + "}".repeat(20000);
  const out = await eb.send(new PutEventsCommand({ Entries: [{ Source: "s", DetailType: "t", Detail: deep }] }));
  assert.deepEqual([out.Entries![0]!.ErrorCode, out.FailedEntryCount], ["MalformedDetail", 1]);
  await rejects(eb.send(new TestEventPatternCommand({ EventPattern: '{"source":["a"]}', Event: deep })), "ValidationException", "Parameter Event is not valid.");
});

test("PutEvents: at most 10 entries and 256 KB per request", async () => {
  const e = { Source: "s", DetailType: "t", Detail: "{}" };
  await rejects(eb.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => e) })), "ValidationException", /at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10/);
  const big = JSON.stringify({ x: "y".repeat(130 * 1024) });
  await rejects(eb.send(new PutEventsCommand({ Entries: [{ ...e, Detail: big }, { ...e, Detail: big }] })), "ValidationException", "Total size of the entries in the request is over the limit.");
});

test("TestEventPattern: matches the envelope and detail; invalid patterns are refused", async () => {
  const event = JSON.stringify({ id: "1", account: "000000000000", source: "my.app", time: "2026-01-01T00:00:00Z", region: "us-east-1", resources: [], "detail-type": "x", detail: { n: 7 } });
  assert.equal((await eb.send(new TestEventPatternCommand({ EventPattern: '{"source":[{"prefix":"my."}],"detail":{"n":[{"numeric":[">",5]}]}}', Event: event }))).Result, true);
  assert.equal((await eb.send(new TestEventPatternCommand({ EventPattern: '{"detail":{"n":[{"numeric":["<",5]}]}}', Event: event }))).Result, false);
  await rejects(eb.send(new TestEventPatternCommand({ EventPattern: '{"source":[]}', Event: event })), "InvalidEventPatternException", "Event pattern is not valid. Reason: Empty arrays are not allowed");
  await rejects(eb.send(new TestEventPatternCommand({ EventPattern: '{"source":["a"]}', Event: "{}" })), "ValidationException");
});

test("TagResource: rules and buses are tagged and untagged by ARN", async () => {
  const rule = uniqueName("tag");
  const { RuleArn } = await eb.send(new PutRuleCommand({ Name: rule, EventPattern: '{"source":["x"]}', Tags: [{ Key: "a", Value: "1" }] }));
  await eb.send(new TagResourceCommand({ ResourceARN: RuleArn, Tags: [{ Key: "b", Value: "2" }, { Key: "a", Value: "3" }] }));
  assert.deepEqual((await eb.send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))).Tags, [{ Key: "a", Value: "3" }, { Key: "b", Value: "2" }]);
  await eb.send(new UntagResourceCommand({ ResourceARN: RuleArn, TagKeys: ["a"] }));
  assert.deepEqual((await eb.send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))).Tags, [{ Key: "b", Value: "2" }]);
  await rejects(eb.send(new ListTagsForResourceCommand({ ResourceARN: "arn:aws:events:us-east-1:000000000000:rule/none" })), "ResourceNotFoundException", "Rule none does not exist on EventBus default.");
});
