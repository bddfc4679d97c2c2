/**
 * CloudWatch (issue 15): PutMetricData throughput (one datum per request, raw JSON 1.0 from wrk) and
 * GetMetricData over one day of 1-minute data for 100 series (100 MetricStat queries, Period 60) — Skyport
 * vs moto_server. Both are loaded with the same 144,000 points first (PutMetricData, 1,000 data per call).
 */
import { jsonCall } from "../lib/raw.js";
import { printTable, type Row } from "../lib/report.js";
import { startMoto, startSkyport, stop, type Started } from "../lib/servers.js";
import { authHeader, load, measure, type RawRequest } from "../lib/wrk.js";
import type { BenchOptions } from "../run.js";

const TARGET = "GraniteServiceVersion20100801";
const SERIES = 100;
const MINUTES = 1440;
const headers = (op: string) => ({ "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": `${TARGET}.${op}`, "x-amzn-query-mode": "true", ...authHeader("monitoring") });
const call = (base: string, op: string, body: unknown) => jsonCall(base, `${TARGET}.${op}`, "monitoring", body);

async function seed(base: string, end: number): Promise<void> {
  const data: Array<Record<string, unknown>> = [];
  for (let s = 0; s < SERIES; s++) for (let m = 0; m < MINUTES; m++) data.push({ MetricName: "Lat", Dimensions: [{ Name: "Series", Value: `s${s}` }], Value: (s + m) % 97, Timestamp: (end - (MINUTES - m) * 60_000) / 1000 });
  for (let i = 0; i < data.length; i += 1000) await call(base, "PutMetricData", { Namespace: "Bench", MetricData: data.slice(i, i + 1000) });
}

function getMetricData(end: number): RawRequest {
  const queries = Array.from({ length: SERIES }, (_, s) => ({ Id: `m${s}`, MetricStat: { Metric: { Namespace: "Bench", MetricName: "Lat", Dimensions: [{ Name: "Series", Value: `s${s}` }] }, Period: 60, Stat: "Average" } }));
  return { method: "POST", path: "/", headers: headers("GetMetricData"), body: JSON.stringify({ MetricDataQueries: queries, StartTime: (end - MINUTES * 60_000) / 1000, EndTime: end / 1000 }) };
}

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const put: RawRequest = { method: "POST", path: "/", headers: headers("PutMetricData"), body: JSON.stringify({ Namespace: "Bench", MetricData: [{ MetricName: "Put", Value: 1, Unit: "Count" }] }) };
  const servers: Array<[string, () => Promise<Started>]> = [["skyport", () => startSkyport()], ["moto_server", startMoto]];
  for (const [name, start] of servers) {
    const s = await start();
    try {
      for (const c of [1, 16]) {
        const r = await measure(s.url, put, c, opts.seconds, s.pid);
        rows.push({ scenario: `PutMetricData, ${c} conn`, server: name, values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors } });
      }
      const t0 = Date.now();
      await seed(s.url, end);
      const seedSec = (Date.now() - t0) / 1000;
      const r = await load(s.url, getMetricData(end), 1, opts.seconds, s.pid);
      rows.push({ scenario: "GetMetricData, 100 series x 1 day of 1-minute data", server: name, values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors, seedSec } });
    } finally {
      await stop(s);
    }
  }
  rows.sort((a, b) => a.scenario.localeCompare(b.scenario));
  return printTable("CloudWatch", rows, [
    { key: "rps", label: "req/s", higherIsBetter: true },
    { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
    { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
    { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
    { key: "errors", label: "errors", higherIsBetter: false },
    { key: "seedSec", label: "load 144,000 points s", higherIsBetter: false },
  ]);
}
