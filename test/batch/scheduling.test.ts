/**
 * Scheduling in a real image: queue priority on a shared environment, capacity (jobs wait RUNNABLE while the
 * environment is full), and attempt timeouts ("Job attempt duration exceeded timeout", not retried).
 */
import { BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeComputeEnvironmentsCommand, DescribeJobQueuesCommand, RegisterJobDefinitionCommand, SubmitJobCommand, TerminateJobCommand } from "@aws-sdk/client-batch";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ociRunnerUnavailable } from "../../src/runtime/containers/oci-runner.js";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { busyboxOciArchive, jobsUnavailable } from "./busybox-image.js";
import { job, until, waitFinished } from "./helpers.js";

const skip = jobsUnavailable(ociRunnerUnavailable());

describe("Batch scheduling", { skip }, () => {
  let server: TestServer;
  let batch: BatchClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "skyport-batch-sched-"));
    await busyboxOciArchive(join(dir, "busy.tar"));
    server = await startServer();
    batch = new BatchClient(server.clientConfig);
    await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: "one-vcpu", type: "MANAGED", computeResources: { type: "EC2", minvCpus: 0, maxvCpus: 1, instanceTypes: ["optimal"], subnets: ["s"], securityGroupIds: ["g"], instanceRole: "r" } }));
    await until(() => batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: ["one-vcpu"] })), (r) => r.computeEnvironments?.[0]?.status === "VALID", "CE VALID");
    for (const [name, priority] of [["low", 1], ["high", 10]] as const) await batch.send(new CreateJobQueueCommand({ jobQueueName: name, priority, computeEnvironmentOrder: [{ order: 1, computeEnvironment: "one-vcpu" }] }));
    await until(() => batch.send(new DescribeJobQueuesCommand({ jobQueues: ["low", "high"] })), (r) => r.jobQueues?.every((q) => q.status === "VALID") ?? false, "queues VALID");
    const props = (cmd: string) => ({ image: `oci-archive:${join(dir, "busy.tar")}`, command: ["sh", "-c", cmd], resourceRequirements: [{ type: "VCPU" as const, value: "1" }, { type: "MEMORY" as const, value: "32" }] });
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "sleeper", type: "container", containerProperties: props("sleep 300") }));
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "quick", type: "container", containerProperties: props("echo quick") }));
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "timed", type: "container", containerProperties: props("sleep 300"), timeout: { attemptDurationSeconds: 60 }, retryStrategy: { attempts: 3 } }));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = async (queue: string, def: string, extra = {}) => (await batch.send(new SubmitJobCommand({ jobName: def, jobQueue: queue, jobDefinition: def, ...extra }))).jobId!;

  test("SubmitJob: a full environment keeps jobs RUNNABLE; the higher-priority queue goes first when room frees", async () => {
    const blocker = await submit("low", "sleeper");
    await until(() => job(batch, blocker), (j) => j.status === "RUNNING", "blocker RUNNING");
    const low = await submit("low", "quick");
    const high = await submit("high", "quick");
    await until(() => Promise.all([job(batch, low), job(batch, high)]), (js) => js.every((j) => j.status === "RUNNABLE"), "both RUNNABLE");
    assert.equal((await job(batch, low)).statusReason, undefined, "waiting for capacity is not a misconfiguration");
    await batch.send(new TerminateJobCommand({ jobId: blocker, reason: "make room" }));
    const [l, h] = [await waitFinished(batch, low), await waitFinished(batch, high)];
    assert.equal(h.status, "SUCCEEDED");
    assert.equal(l.status, "SUCCEEDED");
    assert.ok(l.startedAt! >= h.stoppedAt!, "the low-priority job started after the high-priority one ended (1 vCPU)");
  });

  test("SubmitJob: attemptDurationSeconds kills the attempt and the job is not retried", async () => {
    const id = await submit("high", "timed");
    const j = await until(() => job(batch, id), (j) => j.status === "FAILED", "the timeout", 150_000);
    assert.equal(j.statusReason, "Job attempt duration exceeded timeout");
    assert.equal(j.attempts!.length, 1);
    assert.ok(j.stoppedAt! - j.attempts![0]!.startedAt! >= 60_000);
  });
});
