import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CloudWatchClient, GetMetricStatisticsCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { ManualClock } from "../../src/core/clock.js";
import type { CloudWatchProvider } from "../../src/services/cloudwatch/provider.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.UTC(2026, 5, 1, 12);
const clock = new ManualClock(T0);
let server: TestServer;
let cw: CloudWatchClient;
let provider: CloudWatchProvider;
before(async () => {
  server = await startServer({}, { clock });
  cw = new CloudWatchClient(server.clientConfig);
  provider = (await server.skyport.services.get("cloudwatch")) as CloudWatchProvider;
});
after(() => server.stop());

test("PutMetricData: points roll up across AWS's retention boundaries (3 h, 15 days, 63 days, 455 days) with their statistics", async () => {
  const ns = uniqueName("Roll");
  // 20 high-resolution points, one per second over two minutes' worth of 6-second steps, values 1..20.
  await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: Array.from({ length: 20 }, (_, i) => ({ MetricName: "M", Value: i + 1, StorageResolution: 1, Timestamp: new Date(T0 + i * 6000) })) }));
  const rows = () => (provider.store.q("SELECT COUNT(*) AS n FROM cloudwatch_pts p JOIN cloudwatch_metrics m ON m.id = p.metric_id WHERE m.namespace = ?").get(ns) as { n: number }).n;
  const stats = async () => {
    const r = await cw.send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "M", StartTime: new Date(T0 - 3600_000), EndTime: new Date(T0 + 3600_000), Period: 3600, Statistics: ["Sum", "SampleCount", "Minimum", "Maximum"], ExtendedStatistics: ["p50"] }));
    const d = r.Datapoints?.[0];
    return d && [d.Sum, d.SampleCount, d.Minimum, d.Maximum, d.ExtendedStatistics?.p50];
  };
  const expected = [210, 20, 1, 20, 10];
  assert.equal(rows(), 20);
  assert.deepEqual(await stats(), expected);
  const steps: Array<[number, number]> = [
    [3 * 60 * MIN + 5 * MIN, 2], // high resolution → 1-minute rows (the points span two minutes)
    [16 * DAY, 1], // → 5-minute rows
    [64 * DAY, 1], // → 1-hour rows
  ];
  for (const [age, n] of steps) {
    clock.set(T0 + age);
    provider.sweep();
    assert.equal(rows(), n, `rows after ${age / DAY} days`);
    assert.deepEqual(await stats(), expected);
  }
  clock.set(T0 + 456 * DAY);
  provider.sweep();
  assert.equal(rows(), 0);
});
