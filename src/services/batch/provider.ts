/**
 * AWS Batch (rest-json) that really runs container jobs, without Docker. Control plane (resources.ts):
 * compute environments (MANAGED/UNMANAGED, EC2/SPOT/FARGATE/FARGATE_SPOT; CREATING → VALID a moment after
 * create, UPDATING after update), job queues, fair-share scheduling policies, job definitions with
 * revisions, tags. Jobs (jobs.ts, submit.ts, run.ts): the full state machine with attempts, retries with
 * evaluateOnExit, timeouts, dependencies (plain, N_TO_N, SEQUENTIAL), array jobs, CancelJob vs TerminateJob;
 * placement (scheduler/placement.ts) by queue priority and fair share up to each environment's vCPUs and the
 * host's cores and memory; containers on the OCI runner (src/runtime/containers); output in CloudWatch Logs
 * /aws/batch/job; "Batch Job State Change" events on the default event bus. Everything is persisted and
 * resumed at boot (services/index.ts pendingWork). Under --enforce-iam a job's jobRoleArn is assumed as
 * ecs-tasks.amazonaws.com through STS (sts/service-roles.ts): the job's credentials are that role's session, and a
 * role ECS cannot assume fails the attempt with ECS's "ECS was unable to assume the role …" reason.
 *
 * Known gaps: multi-node parallel jobs and EKS jobs are accepted (node/eksProperties stored) but not run;
 * ecsProperties are stored, only containerProperties run; volumes/mountPoints, secrets, linuxParameters,
 * GPUs and logConfiguration other than awslogs' default group are not applied (runtime/containers/README.md);
 * schedulingPriority inside a fair-share queue is not used (FIFO per share); shareDecaySeconds and
 * computeReservation are stored only; jobStateTimeLimitActions are stored, not acted on; Spot interruptions
 * are not simulated; desiredvCpus follows the vCPUs in use. Operations newer than the aws-sdk v2 model
 * (consumable resources, service environments, service jobs) answer NotImplemented.
 *
 * Messages: "Cannot delete, found existing JobQueue relationship", "Object already exists", the
 * MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT reason, "Job attempt duration exceeded timeout", "Essential
 * container in task exited", "Host EC2 (instance …) terminated." and ECS's role reason are AWS's; other ClientException texts
 * (validation, not found, delete of an ENABLED resource) are ours with AWS's code.
 */
import type * as B from "../../aws/api/batch.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { Limits } from "./constants.js";
import { JobEngine, publicJob } from "./jobs.js";
import { listJobs } from "./list-jobs.js";
import type { ComputeEnvironment, Job, JobQueue, SchedulingPolicy } from "./model.js";
import { clientError, nameOf, Resources } from "./resources.js";
import { AttemptRunner } from "./run.js";
import { Placement } from "./scheduler/placement.js";
import { BatchStore } from "./store.js";
import { buildJob, type SubmitInput } from "./submit.js";

type In = Record<string, unknown>;

export class BatchProvider {
  private readonly store: BatchStore;
  private readonly resources: Resources;
  private readonly engine: JobEngine;
  private readonly placement: Placement;
  private readonly runner: AttemptRunner;
  private kicked = false;
  private closed = false;
  private events: Promise<unknown> = Promise.resolve();

  constructor(private readonly env: ServiceEnv) {
    this.store = new BatchStore(env.store);
    this.resources = new Resources(this.store, env, () => {
      this.placement.unstick();
      this.kick();
    });
    this.engine = new JobEngine(this.store);
    this.placement = new Placement({
      queues: () => this.store.allResources<JobQueue>("jq"),
      ce: (arn) => this.ceByArn(arn),
      policy: (q) => (q.schedulingPolicyArn ? this.byArn<SchedulingPolicy>(q.schedulingPolicyArn, "sp", "scheduling-policy") : undefined),
      now: () => env.clock.now(),
    });
    this.runner = new AttemptRunner(env, this.engine, {
      ce: (arn) => this.ceByArn(arn),
      jdName: (job) => job.jobDefinition.split("/").pop()!.split(":")[0]!,
      release: (job) => {
        this.placement.release(job);
        this.kick();
      },
    });
    this.engine.init({
      changed: (job, previous) => this.emit(job, previous),
      runnable: (job) => {
        this.placement.enqueue(job);
        this.kick();
      },
      released: (job) => this.placement.release(job),
      stop: (job, reason) => this.runner.stop(job, reason),
      now: () => env.clock.now(),
    });
    this.engine.resume((job) => this.runner.interrupted(job));
    // Queues and environments created just before a restart become VALID a moment later.
    setTimeout(() => this.kick(), Limits.CREATING_MS).unref();
  }

  private byArn<T>(arn: string, kind: "ce" | "jq" | "sp", type: string): T | undefined {
    const m = /^arn:aws[a-z-]*:batch:([^:]*):(\d{12}):/.exec(arn);
    return m ? this.store.getResource<T>(m[2]!, m[1]!, kind, nameOf(arn, type)) : undefined;
  }
  private ceByArn(arn: string): ComputeEnvironment | undefined {
    return this.byArn<ComputeEnvironment>(arn, "ce", "compute-environment");
  }

  /** Schedules one placement pass for the next turn (many changes in one turn share it). */
  private kick(): void {
    if (this.kicked || this.closed) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      const placed = this.placement.pass((job) => this.engine.save(job));
      for (const job of placed) this.runner.start(job);
    });
  }

  /** "Batch Job State Change" on the default bus (PutEvents in process), in order. */
  private emit(job: Job, _previous: string): void {
    const detail = JSON.stringify(publicJob(job));
    const ctx: RequestContext = { requestId: this.env.ids.uuid(), accountId: job._account, region: job._region, service: "batch", operation: "", principal: { accessKeyId: "", anonymous: false }, clock: this.env.clock, endpoint: this.env.services.localEndpoint };
    this.events = this.events
      .then(() => this.env.services.call("events", "PutEvents", ctx, { Entries: [{ Source: "aws.batch", DetailType: "Batch Job State Change", Detail: detail, Resources: [job.jobArn] }] }))
      .catch((e) => this.env.log.debug?.("batch: state change event not delivered", e));
  }

  // ---- compute environments
  CreateComputeEnvironment(ctx: RequestContext, input: B.CreateComputeEnvironmentInput) {
    return this.resources.createCe(ctx, input as B.CreateComputeEnvironmentInput & In);
  }
  DescribeComputeEnvironments(ctx: RequestContext, input: B.DescribeComputeEnvironmentsInput & { computeEnvironments?: string[] }) {
    return this.resources.describeCes(ctx, input, (arn) => this.placement.used(arn));
  }
  UpdateComputeEnvironment(ctx: RequestContext, input: B.UpdateComputeEnvironmentInput) {
    return this.resources.updateCe(ctx, input);
  }
  DeleteComputeEnvironment(ctx: RequestContext, input: B.DeleteComputeEnvironmentInput) {
    this.resources.deleteCe(ctx, input.computeEnvironment);
    return {};
  }

  // ---- job queues
  CreateJobQueue(ctx: RequestContext, input: B.CreateJobQueueInput) {
    return this.resources.createJq(ctx, input as B.CreateJobQueueInput & In);
  }
  DescribeJobQueues(ctx: RequestContext, input: B.DescribeJobQueuesInput & { jobQueues?: string[] }) {
    return this.resources.describeJqs(ctx, input);
  }
  UpdateJobQueue(ctx: RequestContext, input: B.UpdateJobQueueInput) {
    return this.resources.updateJq(ctx, input as B.UpdateJobQueueInput & In);
  }
  DeleteJobQueue(ctx: RequestContext, input: B.DeleteJobQueueInput) {
    this.resources.deleteJq(ctx, input.jobQueue, (arn) => this.engine.queueBusy(arn));
    return {};
  }
  GetJobQueueSnapshot(ctx: RequestContext, input: B.GetJobQueueSnapshotInput) {
    const q = this.resources.jq(ctx, input.jobQueue);
    if (!q) throw clientError(`${input.jobQueue} does not exist`);
    const jobs = [...this.engine.active.values()].filter((j) => j.jobQueue === q.jobQueueArn && j.status === "RUNNABLE").slice(0, 100);
    return { frontOfQueue: { jobs: jobs.map((j) => ({ jobArn: j.jobArn, earliestTimeAtPosition: j.createdAt })), lastUpdatedAt: this.env.clock.now() } };
  }

  // ---- scheduling policies
  CreateSchedulingPolicy(ctx: RequestContext, input: B.CreateSchedulingPolicyInput) {
    return this.resources.createSp(ctx, input as never);
  }
  DescribeSchedulingPolicies(ctx: RequestContext, input: B.DescribeSchedulingPoliciesInput) {
    return this.resources.describeSps(ctx, input.arns ?? []);
  }
  ListSchedulingPolicies(ctx: RequestContext, input: B.ListSchedulingPoliciesInput) {
    return this.resources.listSps(ctx, input);
  }
  UpdateSchedulingPolicy(ctx: RequestContext, input: B.UpdateSchedulingPolicyInput) {
    this.resources.updateSp(ctx, input as never);
    return {};
  }
  DeleteSchedulingPolicy(ctx: RequestContext, input: B.DeleteSchedulingPolicyInput) {
    this.resources.deleteSp(ctx, input.arn);
    return {};
  }

  // ---- job definitions
  RegisterJobDefinition(ctx: RequestContext, input: B.RegisterJobDefinitionInput) {
    return this.resources.registerJd(ctx, input as B.RegisterJobDefinitionInput & In);
  }
  DeregisterJobDefinition(ctx: RequestContext, input: B.DeregisterJobDefinitionInput) {
    this.resources.deregisterJd(ctx, input.jobDefinition);
    return {};
  }
  DescribeJobDefinitions(ctx: RequestContext, input: B.DescribeJobDefinitionsInput & { jobDefinitions?: string[] }) {
    return this.resources.describeJds(ctx, input);
  }

  // ---- jobs
  SubmitJob(ctx: RequestContext, input: B.SubmitJobInput) {
    const i = input as unknown as SubmitInput;
    const queue = this.resources.jq(ctx, String(i.jobQueue ?? ""));
    if (!queue) throw clientError(`Job queue ${i.jobQueue} does not exist`);
    if (queue.state !== "ENABLED") throw clientError(`Job queue ${queue.jobQueueArn} is not ENABLED`);
    const jd = this.resources.jd(ctx, String(i.jobDefinition ?? ""));
    if (!jd) throw clientError(`Job definition ${i.jobDefinition} does not exist`);
    const { job, children } = buildJob(ctx, i, queue, jd, this.env.ids.uuid(), this.env.clock.now(), (id) => this.engine.get(id));
    this.engine.add(job, children);
    return { jobArn: job.jobArn, jobName: job.jobName, jobId: job.jobId };
  }
  DescribeJobs(ctx: RequestContext, input: B.DescribeJobsInput) {
    const ids = input.jobs ?? [];
    if (ids.length > 100) throw clientError("Too many jobs: at most 100 job ids");
    const jobs = ids.map((id) => this.engine.get(nameOf(String(id), "job"))).filter((j): j is Job => !!j && j._account === ctx.accountId && j._region === ctx.region);
    return { jobs: jobs.map((j) => publicJob(j)) as never };
  }
  ListJobs(ctx: RequestContext, input: B.ListJobsInput) {
    return listJobs(this.store, ctx, input as never, (ref) => this.resources.jq(ctx, ref)?.jobQueueArn);
  }
  CancelJob(ctx: RequestContext, input: B.CancelJobInput) {
    this.engine.cancel(this.job(ctx, input.jobId), String(input.reason ?? ""));
    return {};
  }
  TerminateJob(ctx: RequestContext, input: B.TerminateJobInput) {
    this.engine.terminate(this.job(ctx, input.jobId), String(input.reason ?? ""));
    return {};
  }
  private job(ctx: RequestContext, id: string): Job {
    const j = this.engine.get(nameOf(String(id ?? ""), "job"));
    if (!j || j._account !== ctx.accountId || j._region !== ctx.region) throw clientError(`Job ${id} does not exist`);
    return j;
  }

  // ---- tags
  private tagTarget(ctx: RequestContext, arn: string) {
    const t = this.resources.tagsOf(ctx, arn);
    if (t) return t;
    const m = /^arn:aws[a-z-]*:batch:[^:]*:\d{12}:job\/(.+)$/.exec(arn);
    const job = m ? this.engine.get(m[1]!) : undefined;
    if (!job || job._account !== ctx.accountId) throw clientError(`Resource ${arn} does not exist`);
    return { get: () => job.tags ?? {}, set: (tags: Record<string, string>) => ((job.tags = tags), this.engine.save(job)) };
  }
  TagResource(ctx: RequestContext, input: B.TagResourceInput) {
    const t = this.tagTarget(ctx, input.resourceArn);
    const tags = { ...t.get(), ...input.tags };
    if (Object.keys(tags).length > Limits.TAGS_MAX) throw clientError(`Too many tags: at most ${Limits.TAGS_MAX}`);
    t.set(tags);
    return {};
  }
  UntagResource(ctx: RequestContext, input: B.UntagResourceInput) {
    const t = this.tagTarget(ctx, input.resourceArn);
    const tags = { ...t.get() };
    for (const k of input.tagKeys ?? []) delete tags[k];
    t.set(tags);
    return {};
  }
  ListTagsForResource(ctx: RequestContext, input: B.ListTagsForResourceInput) {
    return { tags: this.tagTarget(ctx, input.resourceArn).get() };
  }

  health(): Record<string, unknown> {
    return { activeJobs: this.engine.active.size, waiting: this.placement.waiting(), ...this.runner.health() };
  }
  close(): void {
    this.closed = true;
    this.runner.close();
  }
  reset(): void {
    this.runner.killAll();
    this.engine.reset();
    this.placement.reset();
  }
}

export const createProvider = (env: ServiceEnv) => new BatchProvider(env);
