/**
 * Jobs survive a kill -9 of the server: a job RUNNING at the crash counts a failed attempt ("Host EC2 (instance
 * …) terminated.") and is retried per its evaluateOnExit, or FAILED without a retry strategy; queued jobs run
 * after the restart, which starts Batch at boot (pendingWork) without any Batch call.
 */
import { BatchClient, RegisterJobDefinitionCommand, SubmitJobCommand } from "@aws-sdk/client-batch";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ociRunnerUnavailable } from "../../src/runtime/containers/oci-runner.js";
import { freePort, start } from "../helpers/process-server.js";
import { busyboxOciArchive, jobsUnavailable } from "./busybox-image.js";
import { job, queue, until, waitFinished } from "./helpers.js";

const skip = jobsUnavailable(ociRunnerUnavailable());
const dir = mkdtempSync(join(tmpdir(), "skyport-batch-restart-"));
let child: ChildProcess | undefined;
// Each server keeps its jobs' layers in /tmp/skyport-batch-<pid>-<start time> (batch/run.ts) and removes it as it exits; one
// killed with -9 cannot: the next server does (checked below), and the test for the last one.
const pids: number[] = [];
const layersOf = (pid: number) => readdirSync(tmpdir()).filter((n) => n.startsWith(`skyport-batch-${pid}-`)).map((n) => join(tmpdir(), n));
after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
  for (const pid of pids) for (const d of [...layersOf(pid), join(tmpdir(), `skyport-batch-${pid}`)]) rmSync(d, { recursive: true, force: true });
});

test("restart: a RUNNING job is retried or failed per its retry strategy, queued jobs run", { skip }, async () => {
  await busyboxOciArchive(join(dir, "busy.tar"));
  const port = await freePort();
  child = await start(port, join(dir, "data"));
  pids.push(child.pid!);
  const batch = new BatchClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  const q = await queue(batch, "restart-q", { maxvCpus: 2 });
  const props = (cmd: string) => ({ image: `oci-archive:${join(dir, "busy.tar")}`, command: ["sh", "-c", cmd], resourceRequirements: [{ type: "VCPU" as const, value: "1" }, { type: "MEMORY" as const, value: "32" }] });
  const cmd = 'if [ "$AWS_BATCH_JOB_ATTEMPT" = 1 ]; then sleep 300; fi; echo done';
  await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "retried", type: "container", containerProperties: props(cmd), retryStrategy: { attempts: 2, evaluateOnExit: [{ onStatusReason: "Host EC2*", action: "RETRY" }, { onReason: "*", action: "EXIT" }] } }));
  await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "once", type: "container", containerProperties: props(cmd) }));
  const retried = (await batch.send(new SubmitJobCommand({ jobName: "r", jobQueue: q, jobDefinition: "retried" }))).jobId!;
  const once = (await batch.send(new SubmitJobCommand({ jobName: "o", jobQueue: q, jobDefinition: "once" }))).jobId!;
  await until(() => Promise.all([job(batch, retried), job(batch, once)]), (js) => js.every((j) => j.status === "RUNNING"), "both RUNNING");
  const queued = (await batch.send(new SubmitJobCommand({ jobName: "later", jobQueue: q, jobDefinition: "retried" }))).jobId!;
  assert.equal((await job(batch, queued)).status === "RUNNING", false);
  child.kill("SIGKILL");
  await new Promise((r) => child!.once("exit", r));
  const killedLayers = layersOf(pids[0]!);
  assert.ok(killedLayers.length === 1 && existsSync(killedLayers[0]!), "the killed server's job layers are still there");
  // The name servers gave their layers before the start time was part of it.
  const oldFormat = join(tmpdir(), `skyport-batch-${pids[0]}`);
  mkdirSync(oldFormat);
  child = await start(port, join(dir, "data"));
  pids.push(child.pid!);
  const r = await waitFinished(batch, retried);
  assert.equal(existsSync(killedLayers[0]!), false, "the restarted server removed the dead one's job layers");
  assert.equal(existsSync(oldFormat), false, "and those named by its pid alone");
  assert.equal(r.status, "SUCCEEDED", JSON.stringify(r));
  assert.equal(r.attempts!.length, 2);
  assert.match(r.attempts![0]!.statusReason!, /^Host EC2 \(instance i-[0-9a-f]+\) terminated\.$/);
  const o = await waitFinished(batch, once);
  assert.equal(o.status, "FAILED");
  assert.match(o.statusReason!, /^Host EC2 \(instance i-[0-9a-f]+\) terminated\.$/);
  const l = await until(() => job(batch, queued), (j) => j.status === "RUNNING" || j.status === "SUCCEEDED", "the queued job to run");
  assert.ok(l.status === "RUNNING" || l.status === "SUCCEEDED");
});
