/**
 * Placement: which RUNNABLE job starts next and on which compute environment. Job queues are visited by
 * priority (higher first, AWS's order when queues share environments); within a queue, jobs wait in FIFO
 * order per share identifier, and with a fair-share scheduling policy the share using least vCPUs relative
 * to its weight (a smaller weightFactor gets more) goes first. A job goes to the first environment of the
 * queue's computeEnvironmentOrder that is ENABLED, VALID and has room: its maxvCpus (MANAGED) or
 * unmanagedvCpus, and the host's real cores and memory across all environments (a job asking for more
 * vCPUs than the host has still runs once it is alone). A job no environment of its queue could ever hold
 * stays RUNNABLE with AWS's MISCONFIGURATION reason and leaves the line until the queue or an environment
 * changes. A pass costs O(jobs started + queues), whatever the number waiting: each queue stops at the
 * first head that does not fit now.
 */
import { cpus, totalmem } from "node:os";
import { Limits, Reasons } from "../constants.js";
import type { ComputeEnvironment, Job, JobQueue, SchedulingPolicy } from "../model.js";

interface Line {
  jobs: Job[];
  head: number;
}
interface QueueState {
  lines: Map<string, Line>;
  /** Running vCPUs per share (fair share). */
  usage: Map<string, number>;
  stuck: Set<Job>;
}

export interface PlacementView {
  queues(): JobQueue[];
  ce(arn: string): ComputeEnvironment | undefined;
  policy(q: JobQueue): SchedulingPolicy | undefined;
  now(): number;
}

export const HOST_VCPUS = cpus().length || 1;
export const HOST_MEMORY_MB = Math.floor(totalmem() / (1024 * 1024));

export class Placement {
  private readonly queues = new Map<string, QueueState>();
  private readonly ceUsed = new Map<string, number>();
  private hostVcpus = 0;
  private hostMemoryMb = 0;

  constructor(private readonly view: PlacementView, private readonly host = { vcpus: HOST_VCPUS, memoryMb: HOST_MEMORY_MB }) {}

  private state(queueArn: string): QueueState {
    let s = this.queues.get(queueArn);
    if (!s) this.queues.set(queueArn, (s = { lines: new Map(), usage: new Map(), stuck: new Set() }));
    return s;
  }

  /** Adds a RUNNABLE job at the back of its line. */
  enqueue(job: Job): void {
    const s = this.state(job.jobQueue);
    const share = job.shareIdentifier ?? "";
    let line = s.lines.get(share);
    if (!line) s.lines.set(share, (line = { jobs: [], head: 0 }));
    line.jobs.push(job);
  }

  /** Jobs left RUNNABLE because they never fit go back in line (an environment or queue changed). */
  unstick(): void {
    for (const s of this.queues.values()) {
      for (const j of s.stuck) {
        if (j.status !== "RUNNABLE") continue;
        j.statusReason = undefined;
        const line = s.lines.get(j.shareIdentifier ?? "") ?? { jobs: [], head: 0 };
        s.lines.set(j.shareIdentifier ?? "", line);
        line.jobs.splice(line.head, 0, j);
      }
      s.stuck.clear();
    }
  }

  used(ceArn: string): number {
    return this.ceUsed.get(ceArn) ?? 0;
  }

  /** Capacity given back when a placed job's attempt ends. */
  release(job: Job): void {
    if (!job._ce) return;
    this.ceUsed.set(job._ce, Math.max(0, (this.ceUsed.get(job._ce) ?? 0) - job._vcpus));
    this.hostVcpus = Math.max(0, this.hostVcpus - job._vcpus);
    this.hostMemoryMb = Math.max(0, this.hostMemoryMb - job._memoryMb);
    const s = this.queues.get(job.jobQueue);
    const share = job.shareIdentifier ?? "";
    if (s) s.usage.set(share, Math.max(0, (s.usage.get(share) ?? 0) - job._vcpus));
    job._ce = undefined;
  }

  /** Records a placement made before a restart (jobs resumed RUNNING are not; they are retried). */
  private take(job: Job, ce: ComputeEnvironment, s: QueueState): void {
    job._ce = ce.computeEnvironmentArn;
    this.ceUsed.set(job._ce, this.used(job._ce) + job._vcpus);
    this.hostVcpus += job._vcpus;
    this.hostMemoryMb += job._memoryMb;
    const share = job.shareIdentifier ?? "";
    s.usage.set(share, (s.usage.get(share) ?? 0) + job._vcpus);
  }

  private capacity(ce: ComputeEnvironment): number {
    return ce.type === "MANAGED" ? (ce.computeResources?.maxvCpus ?? 0) : ce.unmanagedvCpus || this.host.vcpus;
  }

  /** Runs one pass: returns the jobs placed (each with `_ce` set), in start order. `newlyStuck` gets jobs that never fit. */
  pass(newlyStuck: (j: Job) => void): Job[] {
    const placed: Job[] = [];
    const now = this.view.now();
    const queues = this.view.queues().filter((q) => q.state === "ENABLED" && this.queues.has(q.jobQueueArn)).sort((a, b) => b.priority - a.priority);
    for (const q of queues) {
      if (now - q.changedAt < Limits.CREATING_MS && q.changeKind === "CREATING") continue;
      const s = this.state(q.jobQueueArn);
      const ces = q.computeEnvironmentOrder.map((o) => this.view.ce(o.computeEnvironment)).filter((c): c is ComputeEnvironment => !!c);
      const usable = ces.filter((c) => c.state === "ENABLED" && !(c.changeKind === "CREATING" && now - c.changedAt < Limits.CREATING_MS));
      const maxCap = Math.max(0, ...ces.map((c) => this.capacity(c)));
      const weights = new Map((this.view.policy(q)?.fairsharePolicy?.shareDistribution ?? []).map((d) => [d.shareIdentifier, d.weightFactor ?? 1]));
      const fair = !!q.schedulingPolicyArn;
      for (;;) {
        const pick = this.nextLine(s, fair, weights);
        if (!pick) break;
        const [share, line] = pick;
        const job = line.jobs[line.head]!;
        if (job.status !== "RUNNABLE" || job.jobQueue !== q.jobQueueArn) {
          this.shift(s, share, line);
          continue;
        }
        if (job._vcpus > maxCap || job._memoryMb > this.host.memoryMb) {
          this.shift(s, share, line);
          s.stuck.add(job);
          if (job.statusReason !== Reasons.NEVER_FITS) {
            job.statusReason = Reasons.NEVER_FITS;
            newlyStuck(job);
          }
          continue;
        }
        const hostFits = (this.hostVcpus === 0 || this.hostVcpus + job._vcpus <= this.host.vcpus) && this.hostMemoryMb + job._memoryMb <= this.host.memoryMb;
        const ce = hostFits ? usable.find((c) => this.used(c.computeEnvironmentArn) + job._vcpus <= this.capacity(c)) : undefined;
        if (!ce) {
          if (!fair) break;
          // Fair share: this share waits; the others may still fit (bounded by the number of shares).
          weights.set(`\u0000blocked:${share}`, 0);
          if (![...s.lines.keys()].some((k) => !weights.has(`\u0000blocked:${k}`) && this.lineLen(s.lines.get(k)!))) break;
          continue;
        }
        this.shift(s, share, line);
        this.take(job, ce, s);
        placed.push(job);
      }
    }
    return placed;
  }

  private lineLen(l: Line): number {
    return l.jobs.length - l.head;
  }

  private shift(s: QueueState, share: string, line: Line): void {
    line.head++;
    if (line.head > 1024 && line.head * 2 > line.jobs.length) {
      line.jobs = line.jobs.slice(line.head);
      line.head = 0;
    }
    if (!this.lineLen(line)) s.lines.delete(share);
  }

  private nextLine(s: QueueState, fair: boolean, weights: Map<string, number>): [string, Line] | undefined {
    let best: [string, Line] | undefined;
    let bestScore = Infinity;
    for (const [share, line] of s.lines) {
      if (!this.lineLen(line) || weights.has(`\u0000blocked:${share}`)) continue;
      if (!fair) return [share, line];
      const score = (s.usage.get(share) ?? 0) * (weights.get(share) ?? 1);
      if (score < bestScore) [best, bestScore] = [[share, line], score];
    }
    return best;
  }

  /** How many RUNNABLE jobs wait in line per queue (health). */
  waiting(): number {
    let n = 0;
    for (const s of this.queues.values()) for (const l of s.lines.values()) n += this.lineLen(l);
    return n;
  }

  reset(): void {
    this.queues.clear();
    this.ceUsed.clear();
    this.hostVcpus = 0;
    this.hostMemoryMb = 0;
  }
}
