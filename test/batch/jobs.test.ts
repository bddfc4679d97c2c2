/**
 * Batch jobs end to end in a real image (busybox as an OCI archive, run by the OCI runner): the lifecycle
 * with logs, array jobs, dependencies, retries with evaluateOnExit, cancel vs terminate, capacity.
 */
import { BatchClient, CancelJobCommand, ListJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand, TerminateJobCommand } from "@aws-sdk/client-batch";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ociRunnerUnavailable } from "../../src/runtime/containers/oci-runner.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { busyboxOciArchive, haveBusybox } from "./busybox-image.js";
import { job, queue, until, waitFinished } from "./helpers.js";

const skip = !haveBusybox() ? "busybox-static is not installed" : ociRunnerUnavailable();

describe("Batch jobs", { skip }, () => {
  let server: TestServer;
  let batch: BatchClient;
  let logs: CloudWatchLogsClient;
  let dir: string;
  let image: string;
  let q: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "skyport-batch-test-"));
    await busyboxOciArchive(join(dir, "busy.tar"));
    image = `oci-archive:${join(dir, "busy.tar")}`;
    server = await startServer();
    batch = new BatchClient(server.clientConfig);
    logs = new CloudWatchLogsClient(server.clientConfig);
    q = await queue(batch, uniqueName("q"));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function def(command: string, extra: Record<string, unknown> = {}, vcpus = "1"): Promise<string> {
    const name = uniqueName("jd");
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: name, type: "container", containerProperties: { image, command: ["sh", "-c", command], resourceRequirements: [{ type: "VCPU", value: vcpus }, { type: "MEMORY", value: "64" }] }, ...extra }));
    return name;
  }
  const submit = async (jd: string, extra: Record<string, unknown> = {}, queueArn = q) => (await batch.send(new SubmitJobCommand({ jobName: "j", jobQueue: queueArn, jobDefinition: jd, ...extra }))).jobId!;

  test("SubmitJob: a job runs in its image and succeeds, with its output in /aws/batch/job", async () => {
    const jd = await def('echo "hello var=$IMAGE_VAR pwd=$(pwd) p=Ref::who idx=$AWS_BATCH_JOB_ARRAY_INDEX"; test -n "$AWS_SESSION_TOKEN" && echo creds; echo "$AWS_ENDPOINT_URL"', { parameters: { who: "default" } });
    const id = await submit(jd, { parameters: { who: "me" } });
    const j = await waitFinished(batch, id);
    assert.equal(j.status, "SUCCEEDED", JSON.stringify(j));
    assert.equal(j.attempts?.length, 1);
    assert.equal(j.attempts![0]!.container!.exitCode, 0);
    assert.equal(j.statusReason, "Essential container in task exited");
    assert.ok(j.createdAt! <= j.startedAt! && j.startedAt! <= j.stoppedAt!);
    const stream = j.container!.logStreamName!;
    assert.match(stream, new RegExp(`^${jd}/default/[0-9a-f]{32}$`));
    const events = await until(() => logs.send(new GetLogEventsCommand({ logGroupName: "/aws/batch/job", logStreamName: stream })), (r) => (r.events?.length ?? 0) >= 3, "log events");
    assert.deepEqual(events.events!.map((e) => e.message), ["hello var=from-image pwd=/work p=me idx=", "creds", server.endpoint]);
  });

  test("SubmitJob: array job children get AWS_BATCH_JOB_ARRAY_INDEX and the parent a statusSummary", async () => {
    const jd = await def('echo "idx=$AWS_BATCH_JOB_ARRAY_INDEX"');
    const id = await submit(jd, { arrayProperties: { size: 3 } });
    const parent = await waitFinished(batch, id);
    assert.equal(parent.status, "SUCCEEDED");
    assert.equal(parent.arrayProperties?.statusSummary?.SUCCEEDED, 3);
    const kids = await batch.send(new ListJobsCommand({ arrayJobId: id, jobStatus: "SUCCEEDED" }));
    assert.deepEqual(kids.jobSummaryList!.map((k) => k.arrayProperties?.index).sort(), [0, 1, 2]);
    const child = await job(batch, `${id}:2`);
    const out = await until(() => logs.send(new GetLogEventsCommand({ logGroupName: "/aws/batch/job", logStreamName: child.container!.logStreamName! })), (r) => (r.events?.length ?? 0) >= 1, "child log");
    assert.equal(out.events![0]!.message, "idx=2");
  });

  test("SubmitJob: N_TO_N dependency: child i waits for the other array's child i", async () => {
    const slow = await def('if [ "$AWS_BATCH_JOB_ARRAY_INDEX" = 0 ]; then sleep 2; fi; date +%s%N');
    const a = await submit(slow, { arrayProperties: { size: 2 } });
    const fast = await def("date +%s%N");
    const b = await submit(fast, { arrayProperties: { size: 2 }, dependsOn: [{ jobId: a, type: "N_TO_N" }] });
    assert.equal((await waitFinished(batch, b)).status, "SUCCEEDED");
    for (const i of [0, 1]) {
      const [pa, pb] = [await job(batch, `${a}:${i}`), await job(batch, `${b}:${i}`)];
      assert.ok(pb.startedAt! >= pa.stoppedAt!, `child ${i} started before its dependency stopped`);
    }
  });

  test("SubmitJob: a failed dependency fails the dependent job", async () => {
    const bad = await submit(await def("exit 1"));
    const dep = await submit(await def("true"), { dependsOn: [{ jobId: bad }] });
    const j = await waitFinished(batch, dep);
    assert.equal(j.status, "FAILED");
    assert.equal(j.statusReason, "Dependent Job failed");
  });

  test("SubmitJob: retries per evaluateOnExit; EXIT stops retrying", async () => {
    const retried = await submit(await def("echo failing; exit 3", { retryStrategy: { attempts: 3, evaluateOnExit: [{ onExitCode: "4", action: "EXIT" }] } }));
    const r = await waitFinished(batch, retried);
    assert.equal(r.status, "FAILED");
    assert.deepEqual(r.attempts!.map((a) => a.container?.exitCode), [3, 3, 3]);
    const exited = await submit(await def("exit 4", { retryStrategy: { attempts: 3, evaluateOnExit: [{ onExitCode: "4", action: "EXIT" }] } }));
    const e = await waitFinished(batch, exited);
    assert.equal(e.status, "FAILED");
    assert.equal(e.attempts!.length, 1);
  });

  test("CancelJob: a RUNNABLE job ends FAILED; TerminateJob stops a RUNNING one", async () => {
    const running = await submit(await def("echo started; sleep 300"));
    await until(() => job(batch, running), (j) => j.status === "RUNNING", "RUNNING");
    await batch.send(new CancelJobCommand({ jobId: running, reason: "no longer needed" }));
    assert.equal((await job(batch, running)).status, "RUNNING", "CancelJob leaves a RUNNING job alone");
    await batch.send(new TerminateJobCommand({ jobId: running, reason: "stop it" }));
    const t = await waitFinished(batch, running);
    assert.equal(t.status, "FAILED");
    assert.equal(t.statusReason, "stop it");
    assert.equal(t.isTerminated, true);
    const waiting = await submit(await def("true"), { dependsOn: [{ jobId: await submit(await def("sleep 300")) }] });
    await until(() => job(batch, waiting), (j) => j.status === "PENDING", "PENDING");
    await batch.send(new CancelJobCommand({ jobId: waiting, reason: "cancelled" }));
    const c = await job(batch, waiting);
    assert.equal(c.status, "FAILED");
    assert.equal(c.statusReason, "cancelled");
    assert.equal(c.isCancelled, true);
  });

  test("SubmitJob: a job needing more vCPUs than any environment of its queue stays RUNNABLE with AWS's reason", async () => {
    const id = await submit(await def("true", {}, "64"));
    const j = await until(() => job(batch, id), (j) => j.statusReason?.startsWith("MISCONFIGURATION") ?? false, "the misconfiguration reason");
    assert.equal(j.status, "RUNNABLE");
    assert.equal(j.statusReason, "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.");
    await batch.send(new TerminateJobCommand({ jobId: id, reason: "cleanup" }));
  });
});
