/**
 * Load from a second process: wrk with a Lua script that replays one raw HTTP request (method, path,
 * headers, body). Requests are pre-signed once; none of the servers compared verifies signatures by
 * default, and SigV4 parsing still runs on every request.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { cpuMs } from "./servers.js";

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Extra Lua run per request (e.g. varying the body); gets `counter`. */
  lua?: string;
}

export interface LoadResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  requests: number;
  /** Server CPU per request in µs, when a pid was given. */
  cpuUsPerReq?: number;
}

const luaString = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;

function script(r: RawRequest): string {
  const headers = Object.entries(r.headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`).join("\n");
  const base = `wrk.method = ${luaString(r.method)}\nwrk.path = ${luaString(r.path)}\n${headers}\n${r.body !== undefined ? `wrk.body = ${luaString(r.body)}` : ""}\n`;
  const errors = `
local errs = 0
response = function(status, headers, body) if status >= 400 then errs = errs + 1 end end
done = function(summary, latency, requests) io.write("ERRORS " .. summary.errors.status .. "\\n") end
`;
  return base + errors + (r.lua ?? "");
}

const parseMs = (s: string) => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(s.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
};

/** Runs wrk against `base` for `seconds` with `connections`; returns throughput and latency. */
export async function load(base: string, r: RawRequest, connections: number, seconds: number, serverPid?: number): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "skyport-bench-"));
  const file = join(dir, "req.lua");
  writeFileSync(file, script(r));
  const threads = connections === 1 ? 1 : 2;
  const cpu0 = serverPid ? cpuMs(serverPid) : 0;
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)("wrk", ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`, "--timeout", "10s", "--latency", "-s", file, base], { timeout: (seconds + 30) * 1000 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cpu1 = serverPid ? cpuMs(serverPid) : 0;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const p50 = parseMs(/\s50%\s+(\S+)/.exec(stdout)?.[1] ?? "");
  const p99 = parseMs(/\s99%\s+(\S+)/.exec(stdout)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p50ms: p50, p99ms: p99, errors, requests, cpuUsPerReq: serverPid && requests ? ((cpu1 - cpu0) * 1000) / requests : undefined };
}

/** A SigV4-shaped Authorization header (scope only; signatures are not verified by the servers compared). */
/**
 * Seconds of untimed load before every measured window, the same for every system (issue 10's fair runner:
 * serverless-offline slows the longer it runs, Skyport speeds up as its environments and JIT warm).
 */
export const WARMUP_SECONDS = 3;

/** A measured window after the common warm-up at the same concurrency. */
export async function measure(base: string, r: RawRequest, connections: number, seconds: number, serverPid?: number): Promise<LoadResult> {
  await load(base, r, connections, WARMUP_SECONDS);
  return load(base, r, connections, seconds, serverPid);
}

export const authHeader = (service: string, region = "us-east-1", key = "test") => ({
  Authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/${region}/${service}/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000`,
  "X-Amz-Date": "20260101T000000Z",
});
