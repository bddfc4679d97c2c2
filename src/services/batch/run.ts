/**
 * One attempt of a job: STARTING (image resolved and prepared through the image store, src/images) →
 * RUNNING (the container runs on the OCI runner, or the Docker runner when the compute environment asks
 * with the tag skyport:runner=docker and an engine answers) → an attempt record with the container's exit
 * code and reason, then SUCCEEDED, FAILED or RUNNABLE again per the retry strategy. The job gets AWS_BATCH_*
 * variables, AWS_ENDPOINT_URL and temporary credentials of its job role (revoked when the attempt ends);
 * its output goes to /aws/batch/job; attemptDurationSeconds kills it with "Job attempt duration exceeded timeout".
 */
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RequestContext } from "../../edge/context.js";
import { instanceName } from "../../runtime/cgroup.js";
import { DockerRunner, dockerReachable } from "../../runtime/containers/docker-runner.js";
import { OciRunner, ociRunnerUnavailable } from "../../runtime/containers/oci-runner.js";
import type { ContainerHandle, ContainerRunner, PreparedImage } from "../../runtime/containers/types.js";
import type { SessionCredentials } from "../../aws/credentials.js";
import type { ServiceEnv } from "../host.js";
import { assumeServiceRole } from "../sts/service-roles.js";
import { Reasons } from "./constants.js";
import { JobLogStream } from "./job-logs.js";
import type { JobEngine } from "./jobs.js";
import type { ComputeEnvironment, Job } from "./model.js";
import { retryDecision } from "./scheduler/retry.js";

/** Resolved at run time: the image store lands with the ECR slice (src/images/index.ts). */
const IMAGES_MODULE = "../../images/index.js";
type PrepareImage = (env: ServiceEnv, ref: string, opts: { accountId?: string; region?: string }) => Promise<PreparedImage>;
let prepareImageFn: Promise<PrepareImage | undefined> | undefined;
async function prepareImage(env: ServiceEnv, ref: string, account: string, region: string): Promise<PreparedImage> {
  prepareImageFn ??= import(IMAGES_MODULE as string).then((m: { prepareImage?: PrepareImage }) => m.prepareImage).catch(() => undefined);
  const fn = await prepareImageFn;
  if (!fn) throw new Error("CannotPullContainerError: this Skyport has no image store");
  return { ...(await fn(env, ref, { accountId: account, region })), ref };
}

const CREDENTIALS_TTL_MS = 12 * 3600 * 1000;

/**
 * Job layers live in <tmp>/skyport-batch-<pid>-<start time> (/tmp: a non-root container user must traverse the path,
 * which a 0700 data dir would forbid); a server removes its own as it exits. One killed with -9 cannot: the next
 * server removes those whose process no longer runs (instanceName, as for cgroups: a reused pid is not mistaken).
 * Servers before that named it skyport-batch-<pid>: removed once no process has that pid.
 */
function removeDeadServersLayers(base: string): void {
  for (const name of readdirSync(base)) {
    const m = /^skyport-batch-(\d+)(-\d+)?$/.exec(name);
    if (!m) continue;
    const now = instanceName(Number(m[1]));
    if (m[2] ? now === m[1]! + m[2] : now !== undefined) continue;
    try {
      rmSync(join(base, name), { recursive: true, force: true });
    } catch {
      /* not ours to remove (another user's server) */
    }
  }
}

interface Running {
  handle?: ContainerHandle;
  timer?: NodeJS.Timeout;
  logs: JobLogStream;
  credentials?: string;
}

export class AttemptRunner {
  private readonly running = new Map<string, Running>();
  private readonly oci: OciRunner;
  private docker?: Promise<DockerRunner | undefined>;
  private closed = false;
  private readonly scratch: string;

  constructor(
    private readonly env: ServiceEnv,
    private readonly engine: JobEngine,
    private readonly lookup: { ce(arn: string): ComputeEnvironment | undefined; jdName(job: Job): string; release(job: Job): void },
  ) {
    removeDeadServersLayers(tmpdir());
    this.scratch = join(tmpdir(), `skyport-batch-${instanceName(process.pid) ?? process.pid}`);
    this.oci = new OciRunner({ scratchDir: this.scratch });
  }

  private ctx(job: Job): RequestContext {
    const env = this.env;
    return { requestId: env.ids.uuid(), accountId: job._account, region: job._region, service: "batch", operation: "", principal: { accessKeyId: "", anonymous: false }, clock: env.clock, endpoint: env.services.localEndpoint };
  }

  private async runnerFor(ce: ComputeEnvironment | undefined): Promise<ContainerRunner> {
    if (ce?.tags?.["skyport:runner"] === "docker") {
      this.docker ??= dockerReachable().then((ok) => (ok ? new DockerRunner() : undefined));
      const d = await this.docker;
      if (d) return d;
    }
    const why = ociRunnerUnavailable();
    if (why) throw new Error(`CannotStartContainerError: the OCI runner cannot run here (${why})`);
    return this.oci;
  }

  /** Starts an attempt of a placed job. */
  start(job: Job): void {
    const taskId = randomBytes(16).toString("hex");
    job._taskId = taskId;
    const stream = `${this.lookup.jdName(job)}/default/${taskId}`;
    const r: Running = { logs: new JobLogStream(this.env, this.ctx(job), stream) };
    this.running.set(job.jobId, r);
    this.engine.setStatus(job, "STARTING");
    void this.launch(job, r, stream).catch((e: Error) =>
      e instanceof RoleNotAssumed
        ? this.ended(job, { exitCode: undefined, notStarted: true, statusReason: e.message })
        : this.ended(job, { exitCode: undefined, reason: e.message.startsWith("Cannot") ? e.message : `CannotStartContainerError: ${e.message}`, notStarted: true }));
  }

  private async launch(job: Job, r: Running, stream: string): Promise<void> {
    const c = job.container ?? {};
    const ce = job._ce ? this.lookup.ce(job._ce) : undefined;
    const runner = await this.runnerFor(ce);
    const image = await prepareImage(this.env, String(c.image), job._account, job._region);
    if (job._stopReason) throw new Error(job._stopReason);
    const creds = await this.jobCredentials(job, c.jobRoleArn as string | undefined);
    r.credentials = creds.accessKeyId;
    const queueName = job.jobQueue.split("/").pop()!;
    const env: Record<string, string> = {};
    for (const e of (c.environment as Array<{ name: string; value: string }> | undefined) ?? []) env[e.name] = e.value;
    Object.assign(env, {
      AWS_BATCH_JOB_ID: job.jobId,
      AWS_BATCH_JQ_NAME: queueName,
      AWS_BATCH_CE_NAME: ce?.computeEnvironmentName ?? "",
      AWS_BATCH_JOB_ATTEMPT: String(job.attempts.length + 1),
      AWS_REGION: job._region,
      AWS_DEFAULT_REGION: job._region,
      AWS_ENDPOINT_URL: this.env.services.localEndpoint,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_SESSION_TOKEN: creds.sessionToken,
    });
    if (job.arrayProperties?.index !== undefined) env.AWS_BATCH_JOB_ARRAY_INDEX = String(job.arrayProperties.index);
    const handle = await runner.run({
      id: `${job.jobId.replace(/:/g, "-")}-${job.attempts.length + 1}`,
      image,
      command: c.command as string[] | undefined,
      env,
      user: c.user as string | undefined,
      vcpus: job._vcpus,
      memoryMb: job._memoryMb,
      hostname: `ip-10-0-${(job.attempts.length % 250) + 1}-${parseInt(job.jobId.slice(0, 2), 16) || 1}`,
      onLine: (line) => r.logs.line(line),
    });
    r.handle = handle;
    if (this.closed) handle.kill("SIGKILL");
    job.startedAt = this.env.clock.now();
    job.container = { ...c, logStreamName: stream, taskArn: taskArn(job), containerInstanceArn: instanceArn(job) };
    this.engine.setStatus(job, "RUNNING");
    if (job._stopReason) handle.kill("SIGTERM");
    const seconds = job.timeout?.attemptDurationSeconds;
    if (seconds) {
      r.timer = setTimeout(() => this.stop(job, Reasons.TIMEOUT), seconds * 1000);
      r.timer.unref();
    }
    const exit = await handle.wait();
    this.ended(job, { exitCode: exit.exitCode ?? (exit.signal ? 128 + signalNumber(exit.signal) : undefined), reason: exit.reason });
  }

  /**
   * The job role's credentials. Under --enforce-iam ECS assumes the role as ecs-tasks.amazonaws.com through STS
   * (sts/service-roles.ts): a role that does not exist or does not trust it fails the attempt with ECS's reason,
   * and what the job may do is what the role allows. Without it (no identity checked) the session only carries
   * the role's name, as Lambda's execution role does.
   */
  private async jobCredentials(job: Job, jobRoleArn: string | undefined): Promise<SessionCredentials> {
    const sessionName = job.jobId.slice(0, 32);
    if (jobRoleArn) {
      const assumed = await assumeServiceRole(this.env.services, { roleArn: jobRoleArn, servicePrincipal: "ecs-tasks.amazonaws.com", sessionName, region: job._region, seconds: CREDENTIALS_TTL_MS / 1000 });
      if (assumed === null) throw new RoleNotAssumed(Reasons.ROLE_NOT_ASSUMED(jobRoleArn));
      if (assumed) return assumed;
    }
    return this.env.services.credentials.issue({ accountId: job._account, arn: `arn:aws:sts::${job._account}:assumed-role/${roleName(jobRoleArn)}/${sessionName}`, kind: "function", ttlMs: CREDENTIALS_TTL_MS });
  }

  /** Asks a running attempt to stop (terminate, timeout): SIGTERM, then SIGKILL after the grace period. */
  stop(job: Job, reason: string): void {
    job._stopReason ??= reason;
    this.running.get(job.jobId)?.handle?.kill("SIGTERM");
  }

  /** Ends the current attempt: records it, then retries or finishes the job. */
  ended(job: Job, exit: { exitCode?: number; reason?: string; notStarted?: boolean; statusReason?: string }): void {
    // Shutting down: the job stays STARTING/RUNNING in the store; the next start counts it as interrupted.
    if (this.closed) return;
    const r = this.running.get(job.jobId);
    this.running.delete(job.jobId);
    if (r?.timer) clearTimeout(r.timer);
    if (r?.credentials) this.env.services.credentials.revoke(r.credentials);
    void r?.logs.flush();
    this.lookup.release(job);
    const now = this.env.clock.now();
    const stream = r?.logs.stream;
    const statusReason = exit.statusReason ?? job._stopReason ?? (exit.notStarted ? exit.reason : Reasons.ESSENTIAL_EXITED);
    const container = { ...(exit.exitCode !== undefined ? { exitCode: exit.exitCode } : {}), ...(exit.reason ? { reason: exit.reason } : {}), ...(stream ? { logStreamName: stream } : {}), taskArn: taskArn(job), containerInstanceArn: instanceArn(job), networkInterfaces: [] };
    job.attempts.push({ container, startedAt: job.startedAt, stoppedAt: now, statusReason });
    job.container = { ...(job.container ?? {}), ...container };
    if (!job._stopReason && exit.exitCode === 0 && !exit.notStarted) {
      this.engine.setStatus(job, "SUCCEEDED", Reasons.ESSENTIAL_EXITED);
      return;
    }
    // Terminated or timed-out attempts are not retried (Job timeouts, AWS Batch user guide).
    const decision = job._stopReason ? "EXIT" : retryDecision(job.retryStrategy, job.attempts.length, { exitCode: exit.exitCode, reason: exit.reason, statusReason });
    if (decision === "RETRY") {
      this.engine.setStatus(job, "RUNNABLE", statusReason);
      this.engine.runnableAgain(job);
      return;
    }
    this.engine.setStatus(job, "FAILED", statusReason);
  }

  /** A job that was STARTING/RUNNING when Skyport stopped: its attempt failed with the host. */
  interrupted(job: Job): void {
    this.ended(job, { exitCode: undefined, statusReason: Reasons.HOST_TERMINATED(instanceId(job)) });
  }

  health(): Record<string, unknown> {
    return { runningJobs: this.running.size };
  }

  /** Kills every running attempt (reset); `close` also refuses new ones (shutdown). */
  killAll(): void {
    for (const r of this.running.values()) r.handle?.kill("SIGKILL");
    this.running.clear();
  }
  close(): void {
    this.closed = true;
    this.killAll();
    // Each run removes its own layer when it ends; the (then empty) base goes with the server.
    process.once("exit", () => {
      try {
        rmSync(this.scratch, { recursive: true, force: true });
      } catch {
        /* a layer still busy: /tmp keeps it */
      }
    });
  }
}

class RoleNotAssumed extends Error {}

const roleName = (arn: string | undefined) => (arn ? arn.split("/").pop()! : "BatchJobRole");
const instanceId = (job: Job) => `i-${(job._ce ?? job.jobId).replace(/[^0-9a-f]/g, "").slice(0, 17).padEnd(17, "0")}`;
const taskArn = (job: Job) => `arn:aws:ecs:${job._region}:${job._account}:task/AWSBatch/${job._taskId ?? ""}`;
const instanceArn = (job: Job) => `arn:aws:ecs:${job._region}:${job._account}:container-instance/AWSBatch/${instanceId(job)}`;
const SIGNUMS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
const signalNumber = (s: string) => SIGNUMS[s] ?? 9;
