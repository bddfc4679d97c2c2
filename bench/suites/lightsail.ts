/**
 * Lightsail instances (issue 17 targets: create → running with the image cached < 2 s; 20 idle instances
 * < 1 GB in total, Skyport + the instances' own processes). The blueprint runs `skyport:busybox` (cached
 * after the first instance), or the image in LS_BENCH_IMAGE. Needs root and bubblewrap; skipped otherwise.
 * No peer runs Lightsail instances (moto and LocalStack have none), so the table has Skyport alone.
 * LS_BENCH_INSTANCES sets the idle count (default 20; a smoke run takes fewer). The instances are deleted
 * before Skyport stops, so no overlay mount outlives the run. DNS queries/s: bench/suites/dns.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { jsonCall } from "../lib/raw.js";
import { printTable, type Row } from "../lib/report.js";
import { pssMb, rssMb, startSkyport, stop } from "../lib/servers.js";
import type { BenchOptions } from "../run.js";

const ls = (op: string, body: unknown, base: string) => jsonCall(base, `Lightsail_20161128.${op}`, "lightsail", body, "1.1") as Promise<Record<string, any>>;

/** PSS of one process alone (not its children), MB. */
function ownPssMb(pid: number): number {
  const kb = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

async function createRunning(base: string, name: string): Promise<number> {
  const t0 = performance.now();
  await ls("CreateInstances", { instanceNames: [name], availabilityZone: "us-east-1a", blueprintId: "debian_12", bundleId: "nano_3_0" }, base);
  for (;;) {
    const s = await ls("GetInstanceState", { instanceName: name }, base);
    if (s.state?.name === "running") return performance.now() - t0;
    if (s.state?.name === "stopped") throw new Error(`instance ${name} did not boot`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export default async function run(_opts: BenchOptions): Promise<string> {
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/bwrap")) return "Lightsail: skipped (needs root and bubblewrap)\n";
  const idle = Number(process.env.LS_BENCH_INSTANCES ?? 20);
  const image = process.env.LS_BENCH_IMAGE ?? "skyport:busybox";
  const s = await startSkyport(["--lightsail-blueprint-image", `debian_12=${image}`]);
  const names: string[] = [];
  const create = (name: string) => {
    names.push(name);
    return createRunning(s.url, name);
  };
  try {
    await create("warm"); // pulls / builds the image once
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await create(`t${i}`));
    times.sort((a, b) => a - b);
    const base = { rss: rssMb(s.pid), pss: pssMb(s.pid) };
    for (let i = times.length + 1; i < idle; i++) await create(`idle${i}`);
    await new Promise((r) => setTimeout(r, 2000)); // settle: user data and services done
    const rows: Row[] = [
      { scenario: "create → running, image cached (median of 5)", server: "skyport", values: { ms: Math.round(times[2]!) } },
      { scenario: `${idle} idle instances: Skyport + instances, PSS`, server: "skyport", values: { mb: pssMb(s.pid) } },
      { scenario: `${idle} idle instances: Skyport + instances, RSS (shared pages counted per process)`, server: "skyport", values: { mb: rssMb(s.pid) } },
      { scenario: `${idle} idle instances: of which Skyport's own process, PSS`, server: "skyport", values: { mb: ownPssMb(s.pid) } },
      { scenario: `${times.length + 1} instances: Skyport + instances, PSS`, server: "skyport", values: { mb: base.pss } },
    ];
    return printTable("Lightsail instances", rows, [
      { key: "ms", label: "ms", higherIsBetter: false },
      { key: "mb", label: "MB", higherIsBetter: false, digits: 1 },
    ]);
  } finally {
    await Promise.all(names.map((n) => ls("DeleteInstance", { instanceName: n }, s.url).catch(() => undefined)));
    await stop(s);
  }
}
