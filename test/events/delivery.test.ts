/**
 * EventBridge delivery end to end: rules on PutEvents that invoke a Lambda function (whole event,
 * InputPath, InputTransformer with reserved variables), bus-to-bus routing, dead letters, and deliveries
 * that survive a restart and resume at boot. Functions print what they receive; the tests read it back
 * from CloudWatch Logs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { zipSync, strToU8 } from "fflate";
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ManualClock, systemClock } from "../../src/core/clock.js";
import type { EventsProvider } from "../../src/services/events/provider.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { createLambdaRoles } from "../helpers/iam.js";

let server: TestServer;
let eb: EventBridgeClient;
before(async () => {
  server = await startServer();
  await createLambdaRoles(server);
  eb = new EventBridgeClient(server.clientConfig);
});
after(() => server.stop());

const PRINTER = 'exports.handler = async (e) => { console.log("EVENT " + JSON.stringify(e)); return 1; };';

async function createPrinter(s: TestServer, name = uniqueName("printer")): Promise<string> {
  const lambda = new LambdaClient(s.clientConfig);
  const out = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(PRINTER) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return out.FunctionArn!;
}

/** What the function printed, once `count` events have arrived (polls its log group: delivery is asynchronous). */
async function received(s: TestServer, fnArn: string, count: number): Promise<unknown[]> {
  const logs = new CloudWatchLogsClient(s.clientConfig);
  const group = `/aws/lambda/${fnArn.split(":").pop()}`;
  let got: unknown[] = [];
  for (let i = 0; i < 400; i++) {
    try {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '"EVENT "' }));
      got = (out.events ?? []).map((e) => JSON.parse(e.message!.slice(e.message!.indexOf("EVENT ") + 6)));
    } catch {
      got = [];
    }
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`expected ${count} event(s) at ${fnArn}, got ${JSON.stringify(got)}`);
}

test("PutEvents: a matching rule invokes its Lambda target with the event envelope; others do not", async () => {
  const fn = await createPrinter(server);
  const rule = uniqueName("r");
  await eb.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ["orders"], detail: { n: [{ numeric: [">", 5] }] } }) }));
  await eb.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: "1", Arn: fn }] }));
  const put = await eb.send(new PutEventsCommand({ Entries: [
    { Source: "orders", DetailType: "Order Placed", Detail: '{"n":9,"tag":"big"}', Resources: ["arn:aws:s3:::b"] },
    { Source: "orders", DetailType: "Order Placed", Detail: '{"n":1,"tag":"small"}' },
  ] }));
  const [event] = (await received(server, fn, 1)) as Array<Record<string, unknown>>;
  assert.deepEqual(Object.keys(event!), ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]);
  assert.equal(event!.id, put.Entries![0]!.EventId);
  assert.equal(event!["detail-type"], "Order Placed");
  assert.equal(event!.account, "000000000000");
  assert.equal(event!.region, "us-east-1");
  assert.match(event!.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(event!.resources, ["arn:aws:s3:::b"]);
  assert.deepEqual(event!.detail, { n: 9, tag: "big" });
  // Only the matching event arrived (the worker has run everything due by now).
  await (await server.skyport.services.get("events") as unknown as EventsProvider).deliverDue();
  assert.equal((await received(server, fn, 1)).length, 1);
});

test("PutTargets: InputTransformer fills the template (JSON and string placeholders, reserved variables); InputPath and Input", async () => {
  const fn = await createPrinter(server);
  const rule = uniqueName("tr");
  const { RuleArn } = await eb.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ["tr.test"] }) }));
  await eb.send(new PutTargetsCommand({ Rule: rule, Targets: [
    { Id: "t", Arn: fn, InputTransformer: { InputPathsMap: { k: "$.detail.object.key", size: "$.detail.object.size", obj: "$.detail.object", none: "$.detail.missing" }, InputTemplate: '{"kind":"transformer","key":<k>,"size":<size>,"obj":<obj>,"text":"file <k> of <size> bytes","rule":<aws.events.rule-name>,"arn":"<aws.events.rule-arn>","none":"<none>"}' } },
    { Id: "p", Arn: fn, InputPath: "$.detail.object" },
    { Id: "i", Arn: fn, Input: '{"kind":"constant"}' },
  ] }));
  await eb.send(new PutEventsCommand({ Entries: [{ Source: "tr.test", DetailType: "Object Created", Detail: JSON.stringify({ object: { key: "eb/one.txt", size: 6 } }) }] }));
  const got = (await received(server, fn, 3)) as Array<Record<string, unknown>>;
  const byKind = (k: string) => got.find((g) => g.kind === k);
  assert.deepEqual(byKind("transformer"), { kind: "transformer", key: "eb/one.txt", size: 6, obj: { key: "eb/one.txt", size: 6 }, text: "file eb/one.txt of 6 bytes", rule, arn: RuleArn, none: "" });
  assert.deepEqual(byKind("constant"), { kind: "constant" });
  assert.ok(got.some((g) => g.key === "eb/one.txt" && g.size === 6 && g.kind === undefined));
});

test("PutEvents: an in-process producer (S3's notifications) routes an aws.s3 event to a rule with an input transformer", async () => {
  const fn = await createPrinter(server);
  const rule = uniqueName("s3");
  await eb.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ["aws.s3"], "detail-type": ["Object Created"], detail: { bucket: { name: [rule] }, object: { key: [{ prefix: "eb/" }] } } }) }));
  await eb.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: "1", Arn: fn, InputTransformer: { InputPathsMap: { k: "$.detail.object.key" }, InputTemplate: '{"via":"eventbridge","key":<k>}' } }] }));
  const ctx = { requestId: "r", accountId: "000000000000", region: "us-east-1", service: "s3", operation: "PutObject", principal: { accessKeyId: "test", anonymous: false }, clock: systemClock, endpoint: server.endpoint };
  const detail = (key: string) => JSON.stringify({ version: "0", bucket: { name: rule }, object: { key, size: 6 }, reason: "PutObject" });
  const out = await server.skyport.services.call<{ FailedEntryCount: number }>("events", "PutEvents", ctx, { Entries: [
    { Source: "aws.s3", DetailType: "Object Created", Detail: detail("eb/one.txt"), Resources: [`arn:aws:s3:::${rule}`] },
    { Source: "aws.s3", DetailType: "Object Created", Detail: detail("other/two.txt"), Resources: [`arn:aws:s3:::${rule}`] },
  ] });
  assert.equal(out.FailedEntryCount, 0);
  assert.deepEqual(await received(server, fn, 1), [{ via: "eventbridge", key: "eb/one.txt" }]);
});

test("PutTargets: an event-bus target forwards the event to that bus's rules", async () => {
  const fn = await createPrinter(server);
  const bus = uniqueName("fwd");
  const { EventBusArn } = await eb.send(new CreateEventBusCommand({ Name: bus }));
  const r1 = uniqueName("to-bus");
  await eb.send(new PutRuleCommand({ Name: r1, EventPattern: JSON.stringify({ source: ["fwd.test"] }) }));
  await eb.send(new PutTargetsCommand({ Rule: r1, Targets: [{ Id: "bus", Arn: EventBusArn! }] }));
  const r2 = uniqueName("on-bus");
  await eb.send(new PutRuleCommand({ Name: r2, EventBusName: bus, EventPattern: JSON.stringify({ detail: { hop: [1] } }) }));
  await eb.send(new PutTargetsCommand({ Rule: r2, EventBusName: bus, Targets: [{ Id: "fn", Arn: fn }] }));
  await eb.send(new PutEventsCommand({ Entries: [{ Source: "fwd.test", DetailType: "t", Detail: '{"hop":1}' }] }));
  const [event] = (await received(server, fn, 1)) as Array<Record<string, unknown>>;
  assert.equal(event!.source, "fwd.test");
  assert.deepEqual(event!.detail, { hop: 1 });
});

test("PutTargets: a delivery that cannot succeed is recorded as a dead letter with the DeadLetterConfig ARN", async () => {
  const rule = uniqueName("dlq");
  const dlq = "arn:aws:sqs:us-east-1:000000000000:my-dlq";
  await eb.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ["dlq.test"] }) }));
  await eb.send(new PutTargetsCommand({ Rule: rule, Targets: [
    { Id: "gone", Arn: "arn:aws:lambda:us-east-1:000000000000:function:does-not-exist", RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: dlq } },
  ] }));
  await eb.send(new PutEventsCommand({ Entries: [{ Source: "dlq.test", DetailType: "t", Detail: "{}" }] }));
  const provider = (await server.skyport.services.get("events")) as unknown as EventsProvider;
  let dead: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 100 && !dead.length; i++) {
    await provider.deliverDue();
    dead = provider.deadLetters("000000000000", "us-east-1").filter((d) => String(d.rule_arn).endsWith(rule));
    if (!dead.length) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.dead_letter_arn, dlq);
  assert.equal(dead[0]!.attempts, 1);
  assert.match(String(dead[0]!.error), /^ResourceNotFoundException/);
});

test("PutEvents: queued deliveries survive a restart and resume at boot, before any API call", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-events-"));
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const fnName = uniqueName("late");
  const fnArn = `arn:aws:lambda:us-east-1:000000000000:function:${fnName}`;
  const s1 = await startServer({ ephemeral: false, "data-dir": dir }, { clock });
  await createLambdaRoles(s1);
  try {
    const c1 = new EventBridgeClient(s1.clientConfig);
    const rule = uniqueName("restart");
    await c1.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ["restart.test"] }) }));
    await c1.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: "1", Arn: fnArn }] }));
    await c1.send(new PutEventsCommand({ Entries: [{ Source: "restart.test", DetailType: "t", Detail: '{"survived":true}' }] }));
    // The function does not exist yet: the first attempt fails and the delivery waits for its retry.
    await ((await s1.skyport.services.get("events")) as unknown as EventsProvider).deliverDue();
  } finally {
    await s1.stop();
  }
  const s2 = await startServer({ ephemeral: false, "data-dir": dir }, { clock });
  await createLambdaRoles(s2);
  try {
    assert.ok(s2.skyport.services.started().includes("events"), "the events worker starts at boot");
    await createPrinter(s2, fnName);
    clock.advance(60_000);
    const got = (await received(s2, fnArn, 1)) as Array<Record<string, unknown>>;
    assert.deepEqual(got[0]!.detail, { survived: true });
  } finally {
    await s2.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("PutEvents: an event-bus ARN of another account delivers to that account's rules", async () => {
  const other = new EventBridgeClient({ ...server.clientConfig, credentials: { accessKeyId: "111122223333", secretAccessKey: "test" } });
  const bus = uniqueName("shared");
  const { EventBusArn } = await other.send(new CreateEventBusCommand({ Name: bus }));
  assert.match(EventBusArn!, /:111122223333:event-bus\//);
  const rule = uniqueName("x-acct");
  await other.send(new PutRuleCommand({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify({ source: ["cross.account"] }) }));
  // An SQS target: Skyport records the delivery as a dead letter at once, which shows it was routed.
  await other.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: "q", Arn: "arn:aws:sqs:us-east-1:111122223333:q" }] }));
  const out = await eb.send(new PutEventsCommand({ Entries: [{ Source: "cross.account", DetailType: "t", Detail: "{}", EventBusName: EventBusArn }] }));
  assert.equal(out.FailedEntryCount, 0);
  const provider = (await server.skyport.services.get("events")) as unknown as EventsProvider;
  await provider.deliverDue();
  const dead = provider.deadLetters("111122223333", "us-east-1").filter((d) => String(d.rule_arn).endsWith(rule));
  assert.equal(dead.length, 1);
  assert.equal(JSON.parse(String(dead[0]!.event)).account, "000000000000", "the event names the sender's account");
});
