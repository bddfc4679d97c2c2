/**
 * The Batch control plane through the `aws batch` CLI and the SDK: compute environments (CREATING → VALID,
 * update, delete rules), job queues, job definition revisions, scheduling policies, tags, and the
 * ClientException answers AWS gives ("Cannot delete, found existing JobQueue relationship").
 */
import { BatchClient, DescribeJobDefinitionsCommand, ListJobsCommand, ListTagsForResourceCommand, RegisterJobDefinitionCommand, SubmitJobCommand, TagResourceCommand } from "@aws-sdk/client-batch";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { cliEnv, startServer, type TestServer } from "../helpers/skyport.js";
import { until } from "./helpers.js";

const exec = promisify(execFile);

let server: TestServer;
let batch: BatchClient;
before(async () => {
  server = await startServer();
  batch = new BatchClient(server.clientConfig);
});
after(() => server?.stop());

const cli = async (...args: string[]) => JSON.parse((await exec("aws", ["batch", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() })).stdout || "{}");
const cliError = (...args: string[]) => exec("aws", ["batch", ...args, "--endpoint-url", server.endpoint], { env: cliEnv() }).then(() => "", (e: { stderr: string }) => e.stderr.trim());

test("CreateComputeEnvironment: CREATING then VALID; DeleteComputeEnvironment needs DISABLED and no queue", async () => {
  const ce = await cli("create-compute-environment", "--compute-environment-name", "cp-ce", "--type", "MANAGED", "--compute-resources", "type=SPOT,minvCpus=0,maxvCpus=8,instanceTypes=optimal,subnets=subnet-1,securityGroupIds=sg-1,instanceRole=ecsInstanceRole");
  assert.equal(ce.computeEnvironmentArn, "arn:aws:batch:us-east-1:000000000000:compute-environment/cp-ce");
  const described = await until(() => cli("describe-compute-environments", "--compute-environments", "cp-ce"), (r) => r.computeEnvironments[0].status === "VALID", "VALID");
  assert.equal(described.computeEnvironments[0].state, "ENABLED");
  assert.equal(described.computeEnvironments[0].computeResources.maxvCpus, 8);
  assert.match(await cliError("create-compute-environment", "--compute-environment-name", "cp-ce", "--type", "UNMANAGED"), /ClientException.*Object already exists/);
  await cli("create-job-queue", "--job-queue-name", "cp-q", "--priority", "5", "--compute-environment-order", "order=1,computeEnvironment=cp-ce");
  await cli("update-compute-environment", "--compute-environment", "cp-ce", "--state", "DISABLED", "--compute-resources", "maxvCpus=16");
  const updated = await cli("describe-compute-environments", "--compute-environments", "cp-ce");
  assert.deepEqual([updated.computeEnvironments[0].state, updated.computeEnvironments[0].computeResources.maxvCpus, updated.computeEnvironments[0].computeResources.type], ["DISABLED", 16, "SPOT"]);
  assert.match(await cliError("delete-compute-environment", "--compute-environment", "cp-ce"), /ClientException.*Cannot delete, found existing JobQueue relationship/);
  await cli("update-job-queue", "--job-queue", "cp-q", "--state", "DISABLED");
  await cli("delete-job-queue", "--job-queue", "cp-q");
  await cli("delete-compute-environment", "--compute-environment", "cp-ce");
  assert.deepEqual((await cli("describe-compute-environments", "--compute-environments", "cp-ce")).computeEnvironments, []);
});

test("RegisterJobDefinition: revisions count up; deregistered ones are INACTIVE and the name resolves to the latest ACTIVE", async () => {
  const props = { image: "busybox", command: ["echo", "Ref::msg"], resourceRequirements: [{ type: "VCPU" as const, value: "1" }, { type: "MEMORY" as const, value: "64" }] };
  const r1 = await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "rev", type: "container", containerProperties: props, parameters: { msg: "hi" } }));
  const r2 = await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "rev", type: "container", containerProperties: props }));
  assert.deepEqual([r1.revision, r2.revision], [1, 2]);
  assert.equal(r2.jobDefinitionArn, "arn:aws:batch:us-east-1:000000000000:job-definition/rev:2");
  await cli("deregister-job-definition", "--job-definition", "rev:2");
  const all = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: "rev" }));
  assert.deepEqual(all.jobDefinitions!.map((d) => [d.revision, d.status]), [[1, "ACTIVE"], [2, "INACTIVE"]]);
  const active = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: "rev", status: "ACTIVE" }));
  assert.deepEqual(active.jobDefinitions!.map((d) => d.revision), [1]);
  assert.match(await cliError("register-job-definition", "--job-definition-name", "bad", "--type", "container", "--container-properties", '{"image":"x"}', "--retry-strategy", "attempts=11"), /ClientException/);
  assert.match(await cliError("register-job-definition", "--job-definition-name", "bad", "--type", "container", "--container-properties", '{"image":"x"}', "--timeout", "attemptDurationSeconds=10"), /ClientException/);
});

test("SubmitJob: unknown queue and job definition are ClientExceptions; ListJobs filters and pages", async () => {
  assert.match(await cliError("submit-job", "--job-name", "x", "--job-queue", "nope", "--job-definition", "rev"), /ClientException/);
  await cli("create-compute-environment", "--compute-environment-name", "off-ce", "--type", "UNMANAGED", "--state", "DISABLED");
  const q = await cli("create-job-queue", "--job-queue-name", "held", "--priority", "1", "--compute-environment-order", "order=1,computeEnvironment=off-ce");
  assert.match(await cliError("submit-job", "--job-name", "x", "--job-queue", "held", "--job-definition", "missing"), /ClientException/);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await batch.send(new SubmitJobCommand({ jobName: i < 3 ? `alpha-${i}` : `beta-${i}`, jobQueue: q.jobQueueArn, jobDefinition: "rev" }))).jobId!);
  const runnable = await until(() => batch.send(new ListJobsCommand({ jobQueue: "held", jobStatus: "RUNNABLE" })), (r) => r.jobSummaryList!.length === 5, "5 RUNNABLE");
  assert.deepEqual(new Set(runnable.jobSummaryList!.map((j) => j.jobId)), new Set(ids));
  const alpha = await batch.send(new ListJobsCommand({ jobQueue: "held", filters: [{ name: "JOB_NAME", values: ["alpha*"] }] }));
  assert.equal(alpha.jobSummaryList!.length, 3);
  const page1 = await batch.send(new ListJobsCommand({ jobQueue: "held", jobStatus: "RUNNABLE", maxResults: 2 }));
  const page2 = await batch.send(new ListJobsCommand({ jobQueue: "held", jobStatus: "RUNNABLE", maxResults: 2, nextToken: page1.nextToken }));
  const page3 = await batch.send(new ListJobsCommand({ jobQueue: "held", jobStatus: "RUNNABLE", maxResults: 2, nextToken: page2.nextToken }));
  assert.deepEqual(new Set([...page1.jobSummaryList!, ...page2.jobSummaryList!, ...page3.jobSummaryList!].map((j) => j.jobId)), new Set(ids));
  assert.equal(page3.nextToken, undefined);
  await batch.send(new TagResourceCommand({ resourceArn: q.jobQueueArn, tags: { team: "imaging" } }));
  assert.deepEqual((await batch.send(new ListTagsForResourceCommand({ resourceArn: q.jobQueueArn }))).tags, { team: "imaging" });
  assert.match(await cliError("delete-job-queue", "--job-queue", "held"), /ClientException/);
});

test("CreateSchedulingPolicy: fair-share weights; a queue with a policy needs a share identifier", async () => {
  const sp = await cli("create-scheduling-policy", "--name", "fair", "--fairshare-policy", '{"shareDecaySeconds":3600,"shareDistribution":[{"shareIdentifier":"a","weightFactor":0.5},{"shareIdentifier":"b","weightFactor":1}]}');
  const d = await cli("describe-scheduling-policies", "--arns", sp.arn);
  assert.equal(d.schedulingPolicies[0].fairsharePolicy.shareDistribution[0].weightFactor, 0.5);
  await cli("create-compute-environment", "--compute-environment-name", "fair-ce", "--type", "UNMANAGED", "--state", "DISABLED");
  await cli("create-job-queue", "--job-queue-name", "fair-q", "--priority", "1", "--scheduling-policy-arn", sp.arn, "--compute-environment-order", "order=1,computeEnvironment=fair-ce");
  assert.match(await cliError("submit-job", "--job-name", "x", "--job-queue", "fair-q", "--job-definition", "rev"), /ClientException.*[Ss]hare identifier/);
  const ok = await cli("submit-job", "--job-name", "x", "--job-queue", "fair-q", "--job-definition", "rev", "--share-identifier", "a");
  assert.ok(ok.jobId);
  assert.match(await cliError("delete-scheduling-policy", "--arn", sp.arn), /ClientException/);
});
