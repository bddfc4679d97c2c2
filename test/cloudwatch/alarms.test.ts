import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DeleteDashboardsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  GetDashboardCommand,
  ListDashboardsCommand,
  ListTagsForResourceCommand,
  PutCompositeAlarmCommand,
  PutDashboardCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-cloudwatch";
import { CreateTableCommand, DynamoDBClient, ScanCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import { ManualClock } from "../../src/core/clock.js";
import type { CloudWatchProvider } from "../../src/services/cloudwatch/provider.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { rejects } from "./helpers.js";

const MIN = 60_000;
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
let server: TestServer;
let cw: CloudWatchClient;
let provider: CloudWatchProvider;
before(async () => {
  server = await startServer({}, { clock });
  cw = new CloudWatchClient(server.clientConfig);
  provider = (await server.skyport.services.get("cloudwatch")) as CloudWatchProvider;
});
after(() => server.stop());

const put = (ns: string, v: number) => cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }], Value: v, Timestamp: new Date(clock.now()) }] }));
const describe = async (name: string) => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ["MetricAlarm", "CompositeAlarm"] })));

async function recorderFunction(): Promise<{ arn: string; table: string; ddb: DynamoDBClient }> {
  const ddb = new DynamoDBClient(server.clientConfig);
  const lambda = new LambdaClient(server.clientConfig);
  const table = uniqueName("alarm-events");
  await ddb.send(new CreateTableCommand({ TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] }));
  await waitUntilTableExists({ client: ddb, maxWaitTime: 20, minDelay: 0.05 } as never, { TableName: table });
  const name = uniqueName("on-alarm");
  const source = `
const { DynamoDBClient, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const db = new DynamoDBClient({});
exports.handler = async (e) => { await db.send(new PutItemCommand({ TableName: "${table}", Item: { id: { S: e.alarmData.state.value }, event: { S: JSON.stringify(e) } } })); };`;
  const out = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs20.x", Role: "arn:aws:iam::000000000000:role/r", Handler: "index.handler", Code: { ZipFile: zipSync({ "index.js": strToU8(source) }) } }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05 } as never, { FunctionName: name });
  return { arn: out.FunctionArn!, table, ddb };
}

test("PutMetricAlarm: OK → ALARM → OK on the clock, with AWS's reasons, history and a Lambda action", async () => {
  const ns = uniqueName("Alarm");
  const name = uniqueName("hot");
  const fn = await recorderFunction();
  await cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: ns, MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }], Statistic: "Maximum", Period: 60, EvaluationPeriods: 1, Threshold: 50, ComparisonOperator: "GreaterThanThreshold", AlarmActions: [fn.arn], OKActions: [fn.arn] }));
  let a = (await describe(name)).MetricAlarms![0]!;
  assert.deepEqual([a.StateValue, a.StateReason, a.ActionsEnabled, a.AlarmArn], ["INSUFFICIENT_DATA", "Unchecked: Initial alarm creation", true, `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`]);

  await put(ns, 10);
  clock.advance(MIN);
  provider.evaluateAlarms();
  a = (await describe(name)).MetricAlarms![0]!;
  assert.equal(a.StateValue, "OK");
  assert.equal(a.StateReason, "Threshold Crossed: 1 datapoint [10.0 (01/06/26 12:00:00)] was not greater than the threshold (50.0).");

  await put(ns, 80);
  clock.advance(MIN);
  provider.evaluateAlarms();
  a = (await describe(name)).MetricAlarms![0]!;
  assert.equal(a.StateValue, "ALARM");
  assert.equal(a.StateReason, "Threshold Crossed: 1 datapoint [80.0 (01/06/26 12:01:00)] was greater than the threshold (50.0).");
  assert.deepEqual(JSON.parse(a.StateReasonData!).recentDatapoints, [80]);

  await put(ns, 20);
  clock.advance(MIN);
  provider.evaluateAlarms();
  assert.equal((await describe(name)).MetricAlarms![0]!.StateValue, "OK");

  const h = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "StateUpdate" }));
  assert.deepEqual(h.AlarmHistoryItems!.map((x) => x.HistorySummary), ["Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM", "Alarm updated from INSUFFICIENT_DATA to OK"]);
  const data = JSON.parse(h.AlarmHistoryItems![1]!.HistoryData!);
  assert.deepEqual([data.oldState.stateValue, data.newState.stateValue], ["OK", "ALARM"]);
  const cfg = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "ConfigurationUpdate" }));
  assert.equal(cfg.AlarmHistoryItems![0]!.HistorySummary, `Alarm "${name}" created`);

  // The Lambda action got AWS's alarm event for each transition it is set for (ALARM, then OK).
  let items: Array<Record<string, { S?: string }>> = [];
  for (let i = 0; i < 300 && items.length < 2; i++) {
    items = ((await fn.ddb.send(new ScanCommand({ TableName: fn.table }))).Items ?? []) as typeof items;
    if (items.length < 2) await new Promise((r) => setTimeout(r, 50));
  }
  const events = Object.fromEntries(items.map((x) => [x.id!.S!, JSON.parse(x.event!.S!)]));
  assert.deepEqual(Object.keys(events).sort(), ["ALARM", "OK"]);
  const ev = events.ALARM;
  assert.equal(ev.source, "aws.cloudwatch");
  assert.equal(ev.alarmArn, a.AlarmArn);
  assert.equal(ev.alarmData.alarmName, name);
  assert.equal(ev.alarmData.previousState.value, "OK");
  assert.deepEqual(ev.alarmData.configuration.metrics[0].metricStat, { metric: { namespace: ns, name: "Lat", dimensions: { Svc: "a" } }, period: 60, stat: "Maximum" });
  const actions = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "Action" }));
  assert.ok(actions.AlarmHistoryItems!.every((x) => x.HistorySummary === `Successfully executed action ${fn.arn}`));
});

test("SetAlarmState: a metric alarm keeps the state set until its next evaluation, at the minute's boundary (10 s for a high-resolution one), then returns to its actual state", async () => {
  const ns = uniqueName("Held");
  clock.set(Date.UTC(2026, 5, 3, 12, 0, 20));
  for (const [name, period] of [[uniqueName("held"), 300], [uniqueName("held-hr"), 10]] as const) {
    await cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: ns, MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }], Statistic: "Maximum", Period: period, EvaluationPeriods: 1, Threshold: 50, ComparisonOperator: "GreaterThanThreshold", TreatMissingData: "notBreaching" }));
    provider.evaluateAlarms();
    assert.equal((await describe(name)).MetricAlarms![0]!.StateValue, "OK");
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: "ALARM", StateReason: "testing" }));
    // Set at 12:00:20: the next evaluation is at 12:01:00 (a 5-minute period is evaluated every minute), or 12:00:30.
    const boundary = Date.UTC(2026, 5, 3, 12, 0, period === 10 ? 30 : 60);
    clock.set(boundary - 1);
    provider.evaluateAlarms();
    const held = (await describe(name)).MetricAlarms![0]!;
    assert.deepEqual([held.StateValue, held.StateReason], ["ALARM", "testing"], `${period} s: still as set just before the boundary`);
    clock.advance(1);
    provider.evaluateAlarms();
    assert.equal((await describe(name)).MetricAlarms![0]!.StateValue, "OK", `${period} s: back at the boundary`);
    const h = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "StateUpdate" }));
    assert.deepEqual(h.AlarmHistoryItems!.map((x) => x.HistorySummary), ["Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM", "Alarm updated from INSUFFICIENT_DATA to OK"]);
    clock.set(Date.UTC(2026, 5, 3, 12, 0, 20));
  }
});

test("PutMetricAlarm: DatapointsToAlarm (2 of 3) and TreatMissingData", async () => {
  const ns = uniqueName("MofN");
  const name = uniqueName("m-of-n");
  clock.set(Date.UTC(2026, 5, 2, 12));
  await cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: ns, MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }], Statistic: "Average", Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 5, ComparisonOperator: "GreaterThanOrEqualToThreshold", TreatMissingData: "notBreaching" }));
  for (const v of [9, 1, 7]) {
    await put(ns, v);
    clock.advance(MIN);
  }
  provider.evaluateAlarms();
  const a = (await describe(name)).MetricAlarms![0]!;
  assert.equal(a.StateValue, "ALARM");
  assert.match(a.StateReason!, /^Threshold Crossed: 2 out of the last 3 datapoints \[7\.0 \(02\/06\/26 12:02:00\), 1\.0 \(02\/06\/26 12:01:00\), 9\.0 \(02\/06\/26 12:00:00\)\] were greater than or equal to the threshold \(5\.0\) \(minimum 2 datapoints for OK -> ALARM transition\)\.$/);
  // No data at all: notBreaching makes it OK; "missing" would make it INSUFFICIENT_DATA.
  clock.advance(10 * MIN);
  provider.evaluateAlarms();
  assert.equal((await describe(name)).MetricAlarms![0]!.StateValue, "OK");
  await cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: ns, MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }], Statistic: "Average", Period: 60, EvaluationPeriods: 3, Threshold: 5, ComparisonOperator: "GreaterThanOrEqualToThreshold" }));
  provider.evaluateAlarms();
  const b = (await describe(name)).MetricAlarms![0]!;
  assert.deepEqual([b.StateValue, b.StateReason], ["INSUFFICIENT_DATA", "Insufficient Data: 3 datapoints were unknown."]);
});

test("PutCompositeAlarm: follows its rule over its children; DescribeAlarms by parents and children", async () => {
  const c1 = uniqueName("c1");
  const c2 = uniqueName("c2");
  const parent = uniqueName("parent");
  for (const n of [c1, c2]) await cw.send(new PutMetricAlarmCommand({ AlarmName: n, Namespace: "NoData", MetricName: "X", Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanThreshold" }));
  await rejects(cw.send(new PutCompositeAlarmCommand({ AlarmName: parent, AlarmRule: `ALARM("${c1}") AND ALARM("nope-${c2}")` })), "InvalidParameterValue");
  await cw.send(new PutCompositeAlarmCommand({ AlarmName: parent, AlarmRule: `ALARM("${c1}") AND NOT OK(${c2})` }));
  await cw.send(new SetAlarmStateCommand({ AlarmName: c1, StateValue: "ALARM", StateReason: "test" }));
  let p = (await describe(parent)).CompositeAlarms![0]!;
  assert.equal(p.StateValue, "ALARM");
  await cw.send(new SetAlarmStateCommand({ AlarmName: c2, StateValue: "OK", StateReason: "test" }));
  p = (await describe(parent)).CompositeAlarms![0]!;
  assert.equal(p.StateValue, "OK");
  assert.match(p.StateReason!, new RegExp(`alarm:${c2} transitioned to OK`));
  const children = await cw.send(new DescribeAlarmsCommand({ ChildrenOfAlarmName: parent }));
  assert.deepEqual(children.MetricAlarms!.map((x) => x.AlarmName).sort(), [c1, c2].sort());
  const parents = await cw.send(new DescribeAlarmsCommand({ ParentsOfAlarmName: c1 }));
  assert.deepEqual(parents.CompositeAlarms!.map((x) => x.AlarmName), [parent]);
  // Metric alarms only, unless AlarmTypes asks for composites.
  assert.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [parent] }))).CompositeAlarms!.length, 0);
});

test("DescribeAlarmsForMetric, DisableAlarmActions, tags, DeleteAlarms", async () => {
  const ns = uniqueName("Misc");
  const name = uniqueName("misc");
  await cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: ns, MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }], Statistic: "Sum", Period: 300, EvaluationPeriods: 2, Threshold: 3, ComparisonOperator: "LessThanThreshold", Tags: [{ Key: "team", Value: "a" }] }));
  const f = await cw.send(new DescribeAlarmsForMetricCommand({ Namespace: ns, MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }] }));
  assert.deepEqual(f.MetricAlarms!.map((x) => x.AlarmName), [name]);
  assert.equal((await cw.send(new DescribeAlarmsForMetricCommand({ Namespace: ns, MetricName: "Lat", Statistic: "Average" }))).MetricAlarms!.length, 0);
  await cw.send(new DisableAlarmActionsCommand({ AlarmNames: [name] }));
  const a = (await describe(name)).MetricAlarms![0]!;
  assert.equal(a.ActionsEnabled, false);
  await cw.send(new TagResourceCommand({ ResourceARN: a.AlarmArn, Tags: [{ Key: "env", Value: "dev" }] }));
  await cw.send(new UntagResourceCommand({ ResourceARN: a.AlarmArn, TagKeys: ["team"] }));
  assert.deepEqual((await cw.send(new ListTagsForResourceCommand({ ResourceARN: a.AlarmArn }))).Tags, [{ Key: "env", Value: "dev" }]);
  await rejects(cw.send(new SetAlarmStateCommand({ AlarmName: `${name}-x`, StateValue: "OK", StateReason: "r" })), "ResourceNotFound");
  await rejects(cw.send(new PutMetricAlarmCommand({ AlarmName: name, Namespace: ns, MetricName: "Lat", Statistic: "Sum", Period: 3600, EvaluationPeriods: 25, Threshold: 3, ComparisonOperator: "LessThanThreshold" })), "InvalidParameterValue", /more than a day/);
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
  assert.equal((await describe(name)).MetricAlarms!.length, 0);
  await rejects(cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] })), "ResourceNotFound");
});

test("PutDashboard: stored and listed; GetDashboard of a missing one is ResourceNotFound", async () => {
  const name = uniqueName("dash");
  const body = JSON.stringify({ widgets: [{ type: "text", x: 0, y: 0, width: 6, height: 3, properties: { markdown: "hi" } }] });
  const r = await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: body }));
  assert.deepEqual(r.DashboardValidationMessages, []);
  const g = await cw.send(new GetDashboardCommand({ DashboardName: name }));
  assert.deepEqual([g.DashboardBody, g.DashboardArn], [body, `arn:aws:cloudwatch::000000000000:dashboard/${name}`]);
  const l = await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: name }));
  assert.deepEqual(l.DashboardEntries!.map((x) => [x.DashboardName, x.Size]), [[name, body.length]]);
  await rejects(cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: "[" })), "DashboardInvalidInputError");
  await cw.send(new DeleteDashboardsCommand({ DashboardNames: [name] }));
  await rejects(cw.send(new GetDashboardCommand({ DashboardName: name })), "ResourceNotFound");
});
