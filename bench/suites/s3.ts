/**
 * S3 (issue 12): PutObject (unique keys) and GetObject of a 4 KB object at 1 and 16 connections, and a
 * ListObjectsV2 page of 1,000 keys — Skyport vs moto_server, path-style raw HTTP from wrk, with the server's
 * RSS after the load (objects are streamed to disk, so it stays flat).
 */
import { measure, authHeader, type RawRequest } from "../lib/wrk.js";
import { printTable, type Row } from "../lib/report.js";
import { rssMb, startMoto, startSkyport, stop, type Started } from "../lib/servers.js";
import type { BenchOptions } from "../run.js";

const BODY = "x".repeat(4096);
const headers = () => ({ ...authHeader("s3"), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" });

async function put(base: string, path: string, body?: string): Promise<void> {
  const r = await fetch(base + path, { method: "PUT", headers: headers(), body });
  if (r.status >= 300) throw new Error(`PUT ${path} → ${r.status} ${await r.text()}`);
}

async function setup(base: string): Promise<void> {
  await put(base, "/bench");
  await put(base, "/bench/get4k", BODY);
  for (let i = 0; i < 1000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => put(base, `/bench/list/${String(i + k).padStart(5, "0")}`, "x")));
}

const unique = `
local counter = 0
local tid = tostring({}):sub(8)
request = function()
  counter = counter + 1
  return wrk.format("PUT", "/bench/put/" .. tid .. "-" .. counter, nil, ${JSON.stringify(BODY)})
end
`;

function scenarios(): Array<[string, RawRequest]> {
  return [
    ["PutObject 4 KB", { method: "PUT", path: "/bench/put/x", headers: headers(), body: BODY, lua: unique }],
    ["GetObject 4 KB", { method: "GET", path: "/bench/get4k", headers: headers() }],
    ["ListObjectsV2 (1,000 keys)", { method: "GET", path: "/bench?list-type=2&prefix=list/", headers: headers() }],
  ];
}

export default async function run(opts: BenchOptions): Promise<string> {
  const rows: Row[] = [];
  for (const start of [startSkyport, startMoto]) {
    const s: Started = await start();
    try {
      await setup(s.url);
      for (const [scenario, req] of scenarios()) {
        for (const c of [1, 16]) {
          const r = await measure(s.url, req, c, opts.seconds, s.pid);
          rows.push({ scenario: `${scenario}, ${c} conn`, server: s.name, values: { rps: r.rps, p50: r.p50ms, p99: r.p99ms, cpu: r.cpuUsPerReq, errors: r.errors, rss: rssMb(s.pid) } });
        }
      }
    } finally {
      await stop(s);
    }
  }
  rows.sort((a, b) => a.scenario.localeCompare(b.scenario));
  return printTable("S3: objects", rows, [
    { key: "rps", label: "req/s", higherIsBetter: true },
    { key: "p50", label: "p50 ms", higherIsBetter: false, digits: 2 },
    { key: "p99", label: "p99 ms", higherIsBetter: false, digits: 2 },
    { key: "cpu", label: "server CPU µs/req", higherIsBetter: false },
    { key: "errors", label: "errors", higherIsBetter: false },
    { key: "rss", label: "RSS MB", higherIsBetter: false },
  ]);
}
