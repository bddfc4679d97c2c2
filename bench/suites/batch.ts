/**
 * Batch (issue 13): submit → RUNNING latency with free capacity and a cached image (server timestamps:
 * startedAt − createdAt), throughput of 1,000 trivial jobs (1 vCPU each: as many at once as the host has
 * cores), scheduling cost with 1,000 / 10,000 jobs queued (SubmitJob latency and server CPU per submit while
 * the queue's environment is DISABLED, so every job waits RUNNABLE), and control-plane calls side by side
 * with moto_server (which stores jobs but runs none without Docker). `BATCH_BENCH_JOBS` and `BATCH_BENCH_QUEUED` scale the
 * runs down for a smoke test.
 */
import { BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeComputeEnvironmentsCommand, DescribeJobQueuesCommand, DescribeJobsCommand, ListJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand, UpdateComputeEnvironmentCommand } from "@aws-sdk/client-batch";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busyboxOciArchive } from "../../test/batch/busybox-image.js";
import { printTable, type Row } from "../lib/report.js";
import { cpuMs, startMoto, startSkyport, stop, type Started } from "../lib/servers.js";
import type { BenchOptions } from "../run.js";

const client = (url: string) => new BatchClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(b: BatchClient, name: string, maxvCpus: number, image: string): Promise<void> {
  await b.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: `${name}-ce`, type: "MANAGED", computeResources: { type: "EC2", minvCpus: 0, maxvCpus, instanceTypes: ["optimal"], subnets: ["s"], securityGroupIds: ["g"], instanceRole: "r" } }));
  while ((await b.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [`${name}-ce`] }))).computeEnvironments?.[0]?.status !== "VALID") await pause(50);
  await b.send(new CreateJobQueueCommand({ jobQueueName: name, priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: `${name}-ce` }] }));
  while ((await b.send(new DescribeJobQueuesCommand({ jobQueues: [name] }))).jobQueues?.[0]?.status !== "VALID") await pause(50);
  await b.send(new RegisterJobDefinitionCommand({ jobDefinitionName: `${name}-jd`, type: "container", containerProperties: { image, command: ["true"], resourceRequirements: [{ type: "VCPU", value: "1" }, { type: "MEMORY", value: "32" }] } }));
}

const submit = (b: BatchClient, q: string) => b.send(new SubmitJobCommand({ jobName: "j", jobQueue: q, jobDefinition: `${q}-jd` })).then((r) => r.jobId!);

async function waitDone(b: BatchClient, ids: string[]): Promise<Array<Record<string, any>>> {
  const out: Array<Record<string, any>> = [];
  for (let i = 0; i < ids.length; i += 100) {
    for (;;) {
      const jobs = (await b.send(new DescribeJobsCommand({ jobs: ids.slice(i, i + 100) }))).jobs ?? [];
      if (jobs.every((j) => j.status === "SUCCEEDED" || j.status === "FAILED")) {
        out.push(...jobs);
        break;
      }
      await pause(100);
    }
  }
  return out;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

async function timeCalls(n: number, fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

export default async function run(_opts: BenchOptions): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "skyport-bench-batch-"));
  await busyboxOciArchive(join(dir, "busy.tar"));
  const image = `oci-archive:${join(dir, "busy.tar")}`;
  const rows: Row[] = [];
  const jobsN = Number(process.env.BATCH_BENCH_JOBS ?? 1000);
  let out = "";
  const sky: Started = await startSkyport();
  try {
    const b = client(sky.url);
    await setup(b, "lat", 4, image);
    await waitDone(b, [await submit(b, "lat")]); // image imported and unpacked once: later starts use the cache
    const lat: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [j] = await waitDone(b, [await submit(b, "lat")]);
      lat.push(j!.startedAt - j!.createdAt);
    }
    rows.push({ scenario: "submit → RUNNING (cached image)", server: "skyport", values: { p50: pct(lat, 0.5), p99: pct(lat, 0.99) } });
    await setup(b, "many", 256, image);
    const t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < jobsN; i += 50) ids.push(...(await Promise.all(Array.from({ length: Math.min(50, jobsN - i) }, () => submit(b, "many")))));
    const done = await waitDone(b, ids);
    const secs = (performance.now() - t0) / 1000;
    rows.push({ scenario: `${jobsN} trivial jobs`, server: "skyport", values: { jpm: (done.length / secs) * 60, total: secs, failed: done.filter((j) => j.status !== "SUCCEEDED").length } });
    await setup(b, "held", 4, image);
    await b.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: "held-ce", state: "DISABLED" }));
    let queued = 0;
    for (const target of [1000, Number(process.env.BATCH_BENCH_QUEUED ?? 10_000)]) {
      while (queued < target) {
        await Promise.all(Array.from({ length: 100 }, () => submit(b, "held")));
        queued += 100;
      }
      const cpu0 = cpuMs(sky.pid);
      const ms = await timeCalls(200, () => submit(b, "held"));
      queued += 200;
      rows.push({ scenario: `SubmitJob with ${target} queued`, server: "skyport", values: { ms, cpu: ((cpuMs(sky.pid) - cpu0) * 1000) / 200 } });
    }
  } finally {
    await stop(sky);
  }
  for (const start of [startSkyport, startMoto]) {
    const s = await start();
    try {
      const b = client(s.url);
      await b.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: "cp-ce", type: "UNMANAGED", state: "DISABLED", serviceRole: "arn:aws:iam::123456789012:role/AWSBatchServiceRole" }));
      await b.send(new CreateJobQueueCommand({ jobQueueName: "cp", priority: 1, state: "ENABLED", computeEnvironmentOrder: [{ order: 1, computeEnvironment: "cp-ce" }] }));
      let n = 0;
      const reg = await timeCalls(100, () => b.send(new RegisterJobDefinitionCommand({ jobDefinitionName: `d${n++ % 10}`, type: "container", containerProperties: { image: "busybox", command: ["true"], vcpus: 1, memory: 32 } })));
      const desc = await timeCalls(200, () => b.send(new DescribeJobQueuesCommand({})));
      const sub = await timeCalls(200, () => b.send(new SubmitJobCommand({ jobName: "j", jobQueue: "cp", jobDefinition: "d1" })));
      const list = await timeCalls(100, () => b.send(new ListJobsCommand({ jobQueue: "cp", jobStatus: "RUNNABLE" })));
      for (const [scenario, ms] of [["RegisterJobDefinition", reg], ["DescribeJobQueues", desc], ["SubmitJob (no capacity)", sub], ["ListJobs RUNNABLE (200 jobs)", list]] as const) rows.push({ scenario: `control plane: ${scenario}`, server: s.name, values: { ms } });
    } catch (e) {
      out += `\n${s.name}: control-plane run failed: ${(e as Error).message}\n`;
      console.log(out);
    } finally {
      await stop(s);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return (
    printTable("Batch", rows, [
      { key: "p50", label: "p50 ms", higherIsBetter: false },
      { key: "p99", label: "p99 ms", higherIsBetter: false },
      { key: "jpm", label: "jobs/min", higherIsBetter: true },
      { key: "total", label: "total s", higherIsBetter: false, digits: 1 },
      { key: "failed", label: "failed", higherIsBetter: false },
      { key: "ms", label: "ms/call (SDK, sequential)", higherIsBetter: false, digits: 2 },
      { key: "cpu", label: "server CPU µs/call", higherIsBetter: false },
    ]) + out
  );
}
