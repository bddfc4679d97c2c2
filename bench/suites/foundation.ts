/**
 * Foundation (issue 2): start to healthy, idle RSS, and a trivial signed call (STS GetCallerIdentity,
 * query protocol) at 1 and 50 connections — Skyport vs moto_server.
 */
import { authHeader, measure, type RawRequest } from "../lib/wrk.js";
import { printTable, type Row } from "../lib/report.js";
import { rssMb, startMoto, startSkyport, stop, type Started } from "../lib/servers.js";
import type { BenchOptions } from "../run.js";

const sts: RawRequest = {
  method: "POST",
  path: "/",
  headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", ...authHeader("sts") },
  body: "Action=GetCallerIdentity&Version=2011-06-15",
};

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  const starters: Array<[string, () => Promise<Started>]> = [["skyport", () => startSkyport()], ["moto_server", startMoto]];
  for (const [name, start] of starters) {
    // Start-to-healthy: best of 3 cold starts.
    let best = Infinity;
    let s: Started | undefined;
    for (let i = 0; i < 3; i++) {
      if (s) await stop(s);
      s = await start();
      best = Math.min(best, s.startMs);
    }
    const server = s!;
    await new Promise((r) => setTimeout(r, 500));
    const idle = rssMb(server.pid);
    rows.push({ scenario: "start → healthy (ms), idle RSS (MB)", server: name, values: { start: best, rss: idle } });
    for (const c of [1, 50]) {
      const r = await measure(server.url, sts, c, opts.seconds, server.pid);
      rows.push({ scenario: `STS GetCallerIdentity, ${c} conn`, server: name, values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors } });
    }
    await stop(server);
  }
  const startRows = rows.filter((r) => r.scenario.startsWith("start"));
  const loadRows = rows.filter((r) => !r.scenario.startsWith("start"));
  return (
    printTable("Foundation: start-up and idle memory", startRows, [
      { key: "start", label: "start→healthy ms", higherIsBetter: false },
      { key: "rss", label: "idle RSS MB", higherIsBetter: false, digits: 1 },
    ]) +
    printTable("Foundation: trivial signed call", loadRows, [
      { key: "rps", label: "req/s", higherIsBetter: true },
      { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
      { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
      { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
      { key: "errors", label: "errors", higherIsBetter: false },
    ])
  );
}
