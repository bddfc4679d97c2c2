/** Shared set-up for Batch server tests: a queue on a managed environment and a wait for job states. */
import { BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeComputeEnvironmentsCommand, DescribeJobQueuesCommand, DescribeJobsCommand, type JobDetail } from "@aws-sdk/client-batch";
import { setTimeout as delay } from "node:timers/promises";

/** Polls until `cond` holds (a condition wait, not a timing assertion). */
export async function until<T>(fn: () => Promise<T>, cond: (v: T) => boolean, what: string, limitMs = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (cond(v)) return v;
    if (Date.now() - t0 > limitMs) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(v).slice(0, 600)}`);
    await delay(50);
  }
}

export async function queue(batch: BatchClient, name: string, opts: { maxvCpus?: number; priority?: number; type?: string } = {}): Promise<string> {
  await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: `${name}-ce`, type: "MANAGED", computeResources: { type: (opts.type as "EC2") ?? "EC2", minvCpus: 0, maxvCpus: opts.maxvCpus ?? 4, instanceTypes: ["optimal"], subnets: ["subnet-1"], securityGroupIds: ["sg-1"], instanceRole: "ecsInstanceRole" } }));
  await until(() => batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [`${name}-ce`] })), (r) => r.computeEnvironments?.[0]?.status === "VALID", "CE VALID");
  const q = await batch.send(new CreateJobQueueCommand({ jobQueueName: name, priority: opts.priority ?? 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: `${name}-ce` }] }));
  await until(() => batch.send(new DescribeJobQueuesCommand({ jobQueues: [name] })), (r) => r.jobQueues?.[0]?.status === "VALID", "queue VALID");
  return q.jobQueueArn!;
}

export async function job(batch: BatchClient, id: string): Promise<JobDetail> {
  return (await batch.send(new DescribeJobsCommand({ jobs: [id] }))).jobs![0]!;
}

export const finished = (j: JobDetail) => j.status === "SUCCEEDED" || j.status === "FAILED";
export const waitFinished = (batch: BatchClient, id: string) => until(() => job(batch, id), finished, `job ${id} to finish`);
