import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { ManualClock } from "../../src/core/clock.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { rejects } from "./helpers.js";

const MIN = 60_000;
// Whole hour, so periods line up with the data the tests put.
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
let server: TestServer;
let cw: CloudWatchClient;
before(async () => {
  server = await startServer({}, { clock });
  cw = new CloudWatchClient(server.clientConfig);
});
after(() => server.stop());

const at = (offsetMs: number) => new Date(clock.now() + offsetMs);
const put = (Namespace: string, MetricData: MetricDatum[]) => cw.send(new PutMetricDataCommand({ Namespace, MetricData }));

test("GetMetricStatistics: statistics and percentiles of 1..100 (nearest rank, as AWS defines percentiles)", async () => {
  const ns = uniqueName("Pct");
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  await put(ns, [{ MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }], Values: values.slice(0, 50), Timestamp: at(-5 * MIN), Unit: "Milliseconds" }]);
  await put(ns, values.slice(50).map((v) => ({ MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }], Value: v, Timestamp: at(-4 * MIN), Unit: "Milliseconds" })));
  const r = await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "Lat", Dimensions: [{ Name: "Svc", Value: "a" }], StartTime: at(-60 * MIN), EndTime: at(0), Period: 3600, Statistics: ["Sum", "Average", "Minimum", "Maximum", "SampleCount"], ExtendedStatistics: ["p50", "p90", "p99", "p100"] }));
  assert.equal(r.Label, "Lat");
  assert.equal(r.Datapoints!.length, 1);
  const d = r.Datapoints![0]!;
  assert.deepEqual([d.Sum, d.Average, d.Minimum, d.Maximum, d.SampleCount, d.Unit], [5050, 50.5, 1, 100, 100, "Milliseconds"]);
  assert.deepEqual(d.ExtendedStatistics, { p50: 50, p90: 90, p99: 99, p100: 100 });
  assert.deepEqual(d.Timestamp, at(-60 * MIN));
});

test("GetMetricStatistics: one datapoint per period, statistic sets and Values/Counts combine", async () => {
  const ns = uniqueName("Sets");
  await put(ns, [
    { MetricName: "M", StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 }, Timestamp: at(-10 * MIN) },
    { MetricName: "M", Values: [1, 2], Counts: [3, 1], Timestamp: at(-9 * MIN) },
    { MetricName: "M", Value: 7, Timestamp: at(-2 * MIN) },
  ]);
  const r = await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "M", StartTime: at(-15 * MIN), EndTime: at(0), Period: 300, Statistics: ["Sum", "SampleCount", "Minimum", "Maximum"] }));
  const dps = r.Datapoints!.sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
  assert.deepEqual(dps.map((d) => [d.Timestamp!.getTime() - clock.now(), d.Sum, d.SampleCount, d.Minimum, d.Maximum, d.Unit]), [
    [-10 * MIN, 45, 8, 1, 15, "None"],
    [-5 * MIN, 7, 1, 7, 7, "None"],
  ]);
});

test("PutMetricData: AWS's validation (mutually exclusive values, old timestamps, AWS/ namespaces, 30 dimensions)", async () => {
  const ns = uniqueName("Bad");
  await rejects(put(ns, [{ MetricName: "M", Value: 1, Values: [1] }]), "InvalidParameterCombination", /mutually exclusive/);
  await rejects(put(ns, [{ MetricName: "M", Value: 1, Timestamp: at(-15 * 24 * 60 * MIN) }]), "InvalidParameterValue", /two weeks/);
  await rejects(put(ns, [{ MetricName: "M", Value: 1, Timestamp: at(3 * 60 * MIN) }]), "InvalidParameterValue", /two hours/);
  await rejects(put("AWS/EC2", [{ MetricName: "M", Value: 1 }]), "InvalidParameterValue");
  const dims = Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: "v" }));
  await rejects(put(ns, [{ MetricName: "M", Value: 1, Dimensions: dims }]), "InvalidParameterValue", /less than or equal to 30/);
  await rejects(put(ns, [{ MetricName: "M", Values: [1, 2], Counts: [1] }]), "InvalidParameterValue", /same size/);
  await rejects(put(ns, [{ MetricName: "M", Value: 1, Unit: "Parsecs" as never }]), "InvalidParameterValue", /enum/);
});

test("GetMetricStatistics: more than 1,440 datapoints is refused, as AWS words it", async () => {
  await rejects(
    cw.send(new GetMetricStatisticsCommand({ Namespace: "X", MetricName: "M", StartTime: at(-1441 * MIN), EndTime: at(0), Period: 60, Statistics: ["Sum"] })),
    "InvalidParameterCombination",
    /You have requested up to 1,441 datapoints, which exceeds the limit of 1,440/,
  );
  await rejects(cw.send(new GetMetricStatisticsCommand({ Namespace: "X", MetricName: "M", StartTime: at(-60 * MIN), EndTime: at(0), Period: 61, Statistics: ["Sum"] })), "InvalidParameterValue", /multiple of 60/);
});

test("ListMetrics: filters by namespace, name, dimension and RecentlyActive", async () => {
  const ns = uniqueName("List");
  await put(ns, [
    { MetricName: "A", Dimensions: [{ Name: "Svc", Value: "x" }], Value: 1, Timestamp: at(-MIN) },
    { MetricName: "A", Dimensions: [{ Name: "Svc", Value: "y" }, { Name: "Az", Value: "1" }], Value: 1, Timestamp: at(-MIN) },
    { MetricName: "B", Value: 1, Timestamp: at(-MIN) },
  ]);
  const all = await cw.send(new ListMetricsCommand({ Namespace: ns }));
  assert.equal(all.Metrics!.length, 3);
  const a = await cw.send(new ListMetricsCommand({ Namespace: ns, MetricName: "A", Dimensions: [{ Name: "Az" }] }));
  assert.deepEqual(a.Metrics, [{ Namespace: ns, MetricName: "A", Dimensions: [{ Name: "Az", Value: "1" }, { Name: "Svc", Value: "y" }] }]);
  const x = await cw.send(new ListMetricsCommand({ Namespace: ns, Dimensions: [{ Name: "Svc", Value: "x" }] }));
  assert.equal(x.Metrics!.length, 1);
  clock.advance(4 * 60 * MIN);
  try {
    const recent = await cw.send(new ListMetricsCommand({ Namespace: ns, RecentlyActive: "PT3H" }));
    assert.equal(recent.Metrics!.length, 0);
  } finally {
    clock.advance(-4 * 60 * MIN);
  }
});

test("GetMetricData: metric math (arithmetic, SUM over METRICS(), RATE, FILL, IF), ScanBy and pagination", async () => {
  const ns = uniqueName("Math");
  const data: MetricDatum[] = [];
  for (const [i, v] of [10, 20, 40].entries()) data.push({ MetricName: "Req", Value: v, Timestamp: at((-10 + i) * MIN) });
  for (const [i, v] of [1, 2].entries()) data.push({ MetricName: "Err", Value: v, Timestamp: at((-10 + i) * MIN) });
  await put(ns, data);
  const stat = (id: string, name: string) => ({ Id: id, MetricStat: { Metric: { Namespace: ns, MetricName: name }, Period: 60, Stat: "Sum" }, ReturnData: false });
  const r = await cw.send(
    new GetMetricDataCommand({
      StartTime: at(-10 * MIN),
      EndTime: at(-7 * MIN),
      ScanBy: "TimestampAscending",
      MetricDataQueries: [
        stat("req", "Req"),
        stat("err", "Err"),
        { Id: "ratio", Expression: "100 * err / req" },
        { Id: "total", Expression: "SUM(METRICS())" },
        { Id: "rate", Expression: "RATE(req)" },
        { Id: "filled", Expression: "FILL(err, 0)" },
        { Id: "big", Expression: "IF(req > 15, req, 0)", Label: "Big" },
        { Id: "avg", Expression: "AVG(req)" },
      ],
    }),
  );
  const byId = Object.fromEntries(r.MetricDataResults!.map((x) => [x.Id, { t: x.Timestamps!.map((d) => (d.getTime() - clock.now()) / MIN), v: x.Values, label: x.Label }]));
  assert.deepEqual(byId.ratio, { t: [-10, -9], v: [10, 10], label: "ratio" });
  assert.deepEqual(byId.total!.v, [11, 22, 40]);
  assert.deepEqual(byId.rate!.v, [10 / 60, 20 / 60]);
  assert.deepEqual(byId.filled!.v, [1, 2, 0]);
  assert.deepEqual(byId.big, { t: [-10, -9, -8], v: [0, 20, 40], label: "Big" });
  assert.deepEqual(byId.avg!.v, [70 / 3, 70 / 3, 70 / 3]);
  // Default ScanBy is TimestampDescending; MaxDatapoints pages through the values.
  const q = { StartTime: at(-10 * MIN), EndTime: at(-7 * MIN), MaxDatapoints: 2, MetricDataQueries: [{ ...stat("req", "Req"), ReturnData: true }] };
  const p1 = await cw.send(new GetMetricDataCommand(q));
  assert.deepEqual(p1.MetricDataResults![0]!.Values, [40, 20]);
  assert.ok(p1.NextToken);
  const p2 = await cw.send(new GetMetricDataCommand({ ...q, NextToken: p1.NextToken }));
  assert.deepEqual(p2.MetricDataResults![0]!.Values, [10]);
  assert.equal(p2.NextToken, undefined);
});

test("GetMetricData: a bad expression or a duplicated id is a ValidationError/InvalidParameterValue", async () => {
  const base = { StartTime: at(-10 * MIN), EndTime: at(0) };
  await rejects(cw.send(new GetMetricDataCommand({ ...base, MetricDataQueries: [{ Id: "e", Expression: "m1 +" }] })), "ValidationError");
  await rejects(cw.send(new GetMetricDataCommand({ ...base, MetricDataQueries: [{ Id: "e", Expression: "1" }, { Id: "e", Expression: "2" }] })), "InvalidParameterValue", /duplicated/);
  await rejects(cw.send(new GetMetricDataCommand({ ...base, MetricDataQueries: [{ Id: "E1", Expression: "1" }] })), "InvalidParameterValue");
});
