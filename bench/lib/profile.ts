/**
 * Where the time goes: a CPU profile of a running Skyport taken over the inspector protocol for exactly one
 * measurement window (the server starts with --inspect on a loopback port; Profiler.start/stop around the
 * load), its samples attributed to the part of Skyport they ran in. A sample counts for the innermost
 * Skyport frame on its stack, so work Skyport asks of node (JSON, crypto, SQLite) lands in the part that
 * asked; samples with no Skyport frame at all ("(program)" included: native code with no JS stack) are node's
 * HTTP server and socket writes, shared by every request the server answers: the gateway's, the Runtime API's
 * and the function's DynamoDB calls.
 */
import { readFileSync } from "node:fs";
import WebSocket from "ws";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Part of Skyport by source path under dist/ (first match wins). */
const PARTS: Array<[RegExp, string]> = [
  [/\/services\/apigateway(v2)?\//, "gateway"],
  [/\/services\/lambda\/runtime\/runtime-api\./, "runtime API"],
  [/\/services\/lambda\/runtime\//, "environments"],
  [/\/services\/lambda\/logs\.|\/services\/logs\//, "logs"],
  [/\/services\/lambda\//, "lambda invoke"],
  [/\/services\/dynamodb\//, "dynamodb"],
  [/\/services\/cloudwatch\//, "metrics"],
  [/\/(store|core)\//, "storage & core"],
  [/\/(edge|aws|server|services)\//, "edge & protocol"],
];
export const PART_NAMES = ["gateway", "lambda invoke", "runtime API", "environments", "dynamodb", "logs", "metrics", "storage & core", "edge & protocol", "node http & sockets", "gc"];

/** The profiler's sampling interval, µs. */
const SAMPLING_US = 250;
/**
 * A sample this long after the previous one (in wall time) was taken where the thread resumed after the kernel
 * had taken the CPU away — most often in a socket write that woke the process reading it. Counting that wait as CPU
 * time of the write made node's socket writes look like half of the server's time (a quarter, measured by /proc as
 * system time); such samples are left out, and the parts are scaled to the measured CPU time anyway.
 */
const DESCHEDULED_US = 2 * SAMPLING_US;

/** A profiling session on a node process started with --inspect=127.0.0.1:PORT. */
export class InspectorProfiler {
  private ws!: WebSocket;
  private seq = 0;
  private readonly pending = new Map<number, (r: unknown) => void>();

  static async connect(inspectPort: number): Promise<InspectorProfiler> {
    const list = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    const p = new InspectorProfiler();
    p.ws = new WebSocket(list[0]!.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => p.ws.once("open", resolve).once("error", reject));
    p.ws.on("message", (data) => {
      const m = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (m.id !== undefined) p.pending.get(m.id)?.(m.result);
    });
    await p.call("Profiler.enable");
    await p.call("Profiler.setSamplingInterval", { interval: SAMPLING_US });
    return p;
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  start(): Promise<unknown> {
    return this.call("Profiler.start");
  }

  async stop(): Promise<Profile> {
    return ((await this.call("Profiler.stop")) as { profile: Profile }).profile;
  }

  close(): void {
    this.ws.close();
  }
}

/** CPU ms per part of Skyport (idle and descheduled samples excluded). */
export function attribute(profile: Profile): Record<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const partOf = new Map<number, string | null>();
  const part = (id: number): string | null => {
    if (partOf.has(id)) return partOf.get(id)!;
    const n = byId.get(id)!;
    const url = n.callFrame.url;
    let p: string | null = null;
    if (url.includes("/dist/") && !url.includes("/node_modules/")) p = PARTS.find(([re]) => re.test(url))?.[1] ?? "edge & protocol";
    else if (parent.has(id)) p = part(parent.get(id)!);
    partOf.set(id, p);
    return p;
  };
  const out: Record<string, number> = Object.fromEntries(PART_NAMES.map((k) => [k, 0]));
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]!)!;
    const fn = n.callFrame.functionName;
    if (fn === "(idle)" || (profile.timeDeltas[i] ?? 0) > DESCHEDULED_US) continue;
    const key = fn === "(garbage collector)" ? "gc" : part(n.id) ?? "node http & sockets";
    out[key] = (out[key] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
  }
  return out;
}

/** CPU ms (user + system) of one process, not its children. */
export function ownCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}
