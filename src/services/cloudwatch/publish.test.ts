/**
 * The metric sink's aggregation: one datum per metric (account, region, namespace, name, dimensions, unit) and
 * second, with Values/Counts as PutMetricData takes them (at most 150 distinct values a datum), grouped per
 * account, region and namespace when written.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServiceHost } from "../host.js";
import type { MetricDatum } from "./metrics.js";
import { metricSink } from "./publish.js";

type Written = { account: string; region: string; namespace: string; data: MetricDatum[] };

function sinkWithHost() {
  const host = { onClose: () => undefined, get: () => undefined } as unknown as ServiceHost;
  const sink = metricSink(host);
  const written: Written[] = [];
  const into = { ingest: (account: string, region: string, namespace: string, data: MetricDatum[]) => void written.push({ account, region, namespace, data }) };
  return { sink, written, flush: () => sink.flush(into) };
}

const T = Date.UTC(2026, 11, 2, 10, 0, 0);

test("metric sink: values of one metric and second add up into Values/Counts", async () => {
  const { sink, written, flush } = sinkWithHost();
  for (const v of [1, 2, 1, 1]) sink.put("111", "us-east-1", "AWS/DynamoDB", "Latency", { TableName: "t1" }, v, "Milliseconds", T + 10);
  sink.put("111", "us-east-1", "AWS/DynamoDB", "Latency", { TableName: "t1" }, 5, "Milliseconds", T + 999);
  await flush();
  assert.equal(written.length, 1);
  assert.deepEqual(written[0]!.data, [
    { MetricName: "Latency", Dimensions: [{ Name: "TableName", Value: "t1" }], Unit: "Milliseconds", Timestamp: new Date(T), Values: [1, 2, 5], Counts: [3, 1, 1] },
  ]);
  await flush();
  assert.equal(written.length, 1, "a flush empties the batch");
});

test("metric sink: every key of a datum keeps series apart", async () => {
  const { sink, written, flush } = sinkWithHost();
  const cases: Array<[string, string, string, string, Record<string, string>, string, number]> = [
    ["111", "us-east-1", "AWS/DynamoDB", "M", { TableName: "t" }, "Count", T],
    ["222", "us-east-1", "AWS/DynamoDB", "M", { TableName: "t" }, "Count", T], // account
    ["111", "eu-west-1", "AWS/DynamoDB", "M", { TableName: "t" }, "Count", T], // region
    ["111", "us-east-1", "AWS/Lambda", "M", { TableName: "t" }, "Count", T], // namespace
    ["111", "us-east-1", "AWS/DynamoDB", "N", { TableName: "t" }, "Count", T], // name
    ["111", "us-east-1", "AWS/DynamoDB", "M", { TableName: "u" }, "Count", T], // dimension value
    ["111", "us-east-1", "AWS/DynamoDB", "M", { TableName: "t", Operation: "GetItem" }, "Count", T], // one dimension more
    ["111", "us-east-1", "AWS/DynamoDB", "M", {}, "Count", T], // none
    ["111", "us-east-1", "AWS/DynamoDB", "M", { "TableName\u0001t": "" }, "Count", T], // a name holding a separator
    ["111", "us-east-1", "AWS/DynamoDB", "M", { TableName: "t" }, "Milliseconds", T], // unit
    ["111", "us-east-1", "AWS/DynamoDB", "M", { TableName: "t" }, "Count", T + 1000], // second
  ];
  for (const [a, r, ns, name, dims, unit, ts] of cases) sink.put(a, r, ns, name, dims, 1, unit, ts);
  await flush();
  const data = written.flatMap((w) => w.data.map((d) => ({ ...d, account: w.account, region: w.region, namespace: w.namespace })));
  assert.equal(data.length, cases.length);
  for (const d of data) assert.deepEqual([d.Values, d.Counts], [[1], [1]]);
  // Grouped per account, region and namespace: the first group holds every datum of 111/us-east-1/AWS/DynamoDB.
  assert.equal(written.length, 4);
  assert.equal(written[0]!.data.length, 8);
});

test("metric sink: a datum holds at most 150 distinct values, then a new one starts", async () => {
  const { sink, written, flush } = sinkWithHost();
  for (let v = 0; v < 160; v++) sink.put("111", "us-east-1", "AWS/Lambda", "Duration", { FunctionName: "f" }, v, "Milliseconds", T);
  sink.put("111", "us-east-1", "AWS/Lambda", "Duration", { FunctionName: "f" }, 155, "Milliseconds", T);
  sink.put("111", "us-east-1", "AWS/Lambda", "Duration", { FunctionName: "f" }, Number.NaN, "Milliseconds", T);
  await flush();
  const data = written[0]!.data;
  assert.deepEqual(data.map((d) => d.Values!.length), [150, 10]);
  assert.deepEqual(data[1]!.Counts, [1, 1, 1, 1, 1, 2, 1, 1, 1, 1]);
});
