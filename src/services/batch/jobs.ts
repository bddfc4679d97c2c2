/**
 * The job state machine: SUBMITTED → PENDING (dependencies) → RUNNABLE → STARTING → RUNNING →
 * SUCCEEDED/FAILED. Active jobs live in memory (indexed by id, by the jobs waiting on them, and in the
 * placement lines); every change is written to `batch_jobs` at once, so a restart resumes every job: queued
 * ones where they were, ones that were STARTING/RUNNING as a failed attempt ("Host EC2 (instance …)
 * terminated.") that the retry strategy retries or fails — none is lost or stuck.
 *
 * Array jobs: the parent stays PENDING while its children (`<id>:<index>`, own rows) run, and ends
 * SUCCEEDED when all did, FAILED otherwise; statusSummary counts the children by status. Dependencies:
 * plain (on a job, or on a whole array job), N_TO_N (child i on the other array's child i) and SEQUENTIAL
 * (child i on child i-1). A dependency that fails fails its dependents ("Dependent Job failed").
 */
import { isFinal, Reasons, STATUSES } from "./constants.js";
import type { Job } from "./model.js";
import { publicJob } from "./model.js";
import type { BatchStore } from "./store.js";

export interface JobHooks {
  /** After every status change (events, logs). */
  changed(job: Job, previous: string): void;
  /** A job became RUNNABLE: put it in line. */
  runnable(job: Job): void;
  /** A job left STARTING/RUNNING or ended: give its capacity back. */
  released(job: Job): void;
  /** Kill the running attempt (terminate). */
  stop(job: Job, reason: string): void;
  now(): number;
}

export class JobEngine {
  readonly active = new Map<string, Job>();
  /** dependency id → ids of PENDING jobs waiting for it. */
  private readonly waiters = new Map<string, Set<string>>();
  private hooks!: JobHooks;

  constructor(private readonly s: BatchStore) {}

  init(hooks: JobHooks): void {
    this.hooks = hooks;
  }

  /** A job by id: active ones from memory, finished ones from the store. */
  get(id: string): Job | undefined {
    return this.active.get(id) ?? this.s.loadJob<Job>(id);
  }

  save(job: Job): void {
    this.s.saveJob({ id: job.jobId, account: job._account, region: job._region, queue: job.jobQueue, status: job.status, created: job.createdAt, name: job.jobName, parent: job._parent ?? null }, job);
  }

  /** Moves a job to a status (with an optional reason), persists it and tells the hooks. */
  setStatus(job: Job, status: string, reason?: string): void {
    const previous = job.status;
    job.status = status;
    if (reason !== undefined) job.statusReason = reason;
    if (isFinal(status)) {
      job.stoppedAt ??= this.hooks.now();
      this.active.delete(job.jobId);
    }
    if (job._parent) this.childChanged(job, previous);
    this.save(job);
    this.hooks.changed(job, previous);
    if (isFinal(status)) this.finished(job);
  }

  /** Adds a new job (and its array children) and moves it past SUBMITTED. */
  add(job: Job, children: Job[]): void {
    this.active.set(job.jobId, job);
    this.save(job);
    for (const c of children) {
      this.active.set(c.jobId, c);
      this.save(c);
    }
    this.hooks.changed(job, "");
    queueMicrotask(() => {
      if (job.arrayProperties?.size) {
        this.setStatus(job, "PENDING");
        for (const c of children) this.advance(c);
      } else this.advance(job);
    });
  }

  /** SUBMITTED/PENDING: waits on what it depends on, else RUNNABLE. */
  advance(job: Job): void {
    if (job.status !== "SUBMITTED" && job.status !== "PENDING") return;
    const waiting: string[] = [];
    for (const dep of job._waitFor ?? []) {
      const d = this.get(dep);
      if (!d || d.status === "SUCCEEDED") continue;
      if (d.status === "FAILED") {
        if (job.status === "SUBMITTED") this.setStatus(job, "PENDING");
        this.setStatus(job, "FAILED", Reasons.DEPENDENT_FAILED);
        return;
      }
      waiting.push(dep);
    }
    job._waitFor = waiting;
    if (waiting.length) {
      for (const w of waiting) {
        let set = this.waiters.get(w);
        if (!set) this.waiters.set(w, (set = new Set()));
        set.add(job.jobId);
      }
      if (job.status !== "PENDING") this.setStatus(job, "PENDING");
      return;
    }
    if (job.status === "SUBMITTED") this.setStatus(job, "PENDING");
    this.setStatus(job, "RUNNABLE");
    this.hooks.runnable(job);
  }

  private finished(job: Job): void {
    const waiting = this.waiters.get(job.jobId);
    if (waiting) {
      this.waiters.delete(job.jobId);
      for (const id of waiting) {
        const w = this.active.get(id);
        if (w) this.advance(w);
      }
    }
  }

  /** Keeps an array parent's statusSummary and ends it when its last child ends. */
  private childChanged(child: Job, previous: string): void {
    const parent = this.active.get(child._parent!);
    if (!parent?.arrayProperties) return;
    const sum = (parent.arrayProperties.statusSummary ??= Object.fromEntries(STATUSES.map((s) => [s, 0])));
    if (previous) sum[previous] = Math.max(0, (sum[previous] ?? 0) - 1);
    sum[child.status] = (sum[child.status] ?? 0) + 1;
    const size = parent.arrayProperties.size ?? 0;
    const done = (sum.SUCCEEDED ?? 0) + (sum.FAILED ?? 0);
    if (done >= size && !isFinal(parent.status)) {
      parent.startedAt ??= child.startedAt;
      this.setStatus(parent, sum.FAILED ? "FAILED" : "SUCCEEDED", sum.FAILED ? Reasons.ARRAY_CHILD_FAILED : undefined);
    } else if (child.status === "RUNNING" && parent.startedAt === undefined) {
      parent.startedAt = child.startedAt;
      this.save(parent);
    } else this.save(parent);
  }

  /** CancelJob: jobs not yet STARTING end FAILED; later ones are left alone (AWS's documented behaviour). */
  cancel(job: Job, reason: string): void {
    for (const c of this.childrenOf(job)) this.cancel(c, reason);
    if (isFinal(job.status) || job.status === "STARTING" || job.status === "RUNNING") return;
    if (job.arrayProperties?.size && job._parent === undefined && this.childrenOf(job).some((c) => !isFinal(c.status))) return;
    job.isCancelled = true;
    this.setStatus(job, "FAILED", reason);
  }

  /** TerminateJob: like cancel, and STARTING/RUNNING attempts are stopped (the job ends FAILED with the reason). */
  terminate(job: Job, reason: string): void {
    for (const c of this.childrenOf(job)) this.terminate(c, reason);
    if (isFinal(job.status)) return;
    job.isTerminated = true;
    if (job.status === "STARTING" || job.status === "RUNNING") {
      job._stopReason = reason;
      this.hooks.stop(job, reason);
      return;
    }
    if (job.arrayProperties?.size && job._parent === undefined) return; // ends with its children
    this.setStatus(job, "FAILED", reason);
  }

  childrenOf(job: Job): Job[] {
    if (!job.arrayProperties?.size || job._parent !== undefined) return [];
    const out: Job[] = [];
    for (let i = 0; i < job.arrayProperties.size; i++) {
      const c = this.active.get(`${job.jobId}:${i}`);
      if (c) out.push(c);
    }
    return out;
  }

  /** Boot: active jobs back in memory; those that were running get `interrupted` (a failed attempt). */
  resume(interrupted: (job: Job) => void): void {
    const jobs = this.s.activeJobs<Job>();
    for (const j of jobs) this.active.set(j.jobId, j);
    for (const j of jobs) {
      if (j.status === "SUBMITTED" || j.status === "PENDING") {
        if (j.arrayProperties?.size && !j._parent) {
          if (j.status === "SUBMITTED") this.setStatus(j, "PENDING");
          continue;
        }
        this.advance(j);
      } else if (j.status === "RUNNABLE") {
        j._ce = undefined;
        this.hooks.runnable(j);
      } else if (j.status === "STARTING" || j.status === "RUNNING") {
        j._ce = undefined;
        interrupted(j);
      }
    }
  }

  /** A failed attempt to be retried goes back in line. */
  runnableAgain(job: Job): void {
    this.hooks.runnable(job);
  }

  /** Whether a queue has jobs not finished (DeleteJobQueue). */
  queueBusy(queueArn: string): boolean {
    for (const j of this.active.values()) if (j.jobQueue === queueArn) return true;
    return false;
  }

  reset(): void {
    this.active.clear();
    this.waiters.clear();
  }
}

export { publicJob };
