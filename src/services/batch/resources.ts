/**
 * Batch control plane: compute environments, job queues, scheduling policies and job definitions, with
 * AWS's validation and ClientException messages (provider.ts lists which are confirmed).
 */
import type * as B from "../../aws/api/batch.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { Limits, NAME } from "./constants.js";
import type { ComputeEnvironment, ContainerProps, JobDefinition, JobQueue, SchedulingPolicy } from "./model.js";
import type { BatchStore, ResourceKind } from "./store.js";

export const clientError = (message: string) => new ServiceError("ClientException", message, 400);

const arnOf = (ctx: RequestContext, kind: string, name: string) => `arn:aws:batch:${ctx.region}:${ctx.accountId}:${kind}/${name}`;
/** The name part of a name-or-ARN argument of the given ARN resource type. */
export function nameOf(ref: string, kind: string): string {
  const m = /^arn:aws[a-z-]*:batch:[^:]*:\d{12}:([a-z-]+)\/(.+)$/.exec(ref);
  return m && m[1] === kind ? m[2]! : ref;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== "string" || !NAME.test(name)) throw clientError(`${what} name should match valid pattern`);
  return name;
}
function checkTags(tags: unknown): Record<string, string> | undefined {
  if (tags === undefined) return undefined;
  const t = tags as Record<string, string>;
  if (Object.keys(t).length > Limits.TAGS_MAX) throw clientError(`Too many tags: at most ${Limits.TAGS_MAX}`);
  return { ...t };
}
const statusOf = (r: { changedAt: number; changeKind: string }, now: number) => (now - r.changedAt < Limits.CREATING_MS ? r.changeKind : "VALID");

export class Resources {
  constructor(private readonly s: BatchStore, private readonly env: ServiceEnv, private readonly changed: () => void) {}

  private now() {
    return this.env.clock.now();
  }

  // ---- compute environments
  ce(ctx: RequestContext, ref: string): ComputeEnvironment | undefined {
    return this.s.getResource<ComputeEnvironment>(ctx.accountId, ctx.region, "ce", nameOf(ref, "compute-environment"));
  }
  createCe(ctx: RequestContext, input: B.CreateComputeEnvironmentInput & Record<string, unknown>): B.CreateComputeEnvironmentOutput {
    const name = checkName(input.computeEnvironmentName, "Compute environment");
    if (input.type !== "MANAGED" && input.type !== "UNMANAGED") throw clientError("type must be one of MANAGED, UNMANAGED");
    if (this.ce(ctx, name)) throw clientError("Object already exists");
    const cr = input.computeResources as B.ComputeResources | undefined;
    if (input.type === "MANAGED") {
      if (!cr) throw clientError("computeResources must be specified for a MANAGED compute environment");
      this.checkResources(cr);
    } else if (cr) throw clientError("computeResources can't be specified for an UNMANAGED compute environment");
    const state = (input.state as string | undefined) ?? "ENABLED";
    if (state !== "ENABLED" && state !== "DISABLED") throw clientError("state must be one of ENABLED, DISABLED");
    const uuid = this.env.ids.uuid();
    const ce: ComputeEnvironment = {
      computeEnvironmentName: name,
      computeEnvironmentArn: arnOf(ctx, "compute-environment", name),
      type: input.type,
      state,
      computeResources: cr ? { desiredvCpus: cr.minvCpus ?? 0, ...cr } : undefined,
      unmanagedvCpus: input.unmanagedvCpus,
      serviceRole: input.serviceRole ?? `arn:aws:iam::${ctx.accountId}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch`,
      tags: checkTags(input.tags),
      uuid,
      ecsClusterArn: `arn:aws:ecs:${ctx.region}:${ctx.accountId}:cluster/AWSBatch-${name}-${uuid}`,
      containerOrchestrationType: "ECS",
      changedAt: this.now(),
      changeKind: "CREATING",
      extra: pick(input, ["eksConfiguration", "updatePolicy", "context"]),
    };
    this.s.putResource(ctx.accountId, ctx.region, "ce", name, ce);
    setTimeout(this.changed, Limits.CREATING_MS).unref();
    return { computeEnvironmentName: name, computeEnvironmentArn: ce.computeEnvironmentArn };
  }
  private checkResources(cr: Partial<B.ComputeResources>): void {
    const types = ["EC2", "SPOT", "FARGATE", "FARGATE_SPOT"];
    if (cr.type !== undefined && !types.includes(cr.type)) throw clientError(`computeResources.type must be one of ${types.join(", ")}`);
    const { minvCpus, maxvCpus, desiredvCpus } = cr;
    for (const [k, v] of Object.entries({ minvCpus, maxvCpus, desiredvCpus })) if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw clientError(`${k} must be a non-negative integer`);
    if (minvCpus !== undefined && maxvCpus !== undefined && minvCpus > maxvCpus) throw clientError("minvCpus must be less than or equal to maxvCpus");
    if (desiredvCpus !== undefined && maxvCpus !== undefined && desiredvCpus > maxvCpus) throw clientError("desiredvCpus must be less than or equal to maxvCpus");
  }
  describeCes(ctx: RequestContext, input: { computeEnvironments?: string[]; maxResults?: number; nextToken?: string }, used: (arn: string) => number) {
    let list = input.computeEnvironments?.length
      ? input.computeEnvironments.map((r) => this.ce(ctx, r)).filter((c): c is ComputeEnvironment => !!c)
      : this.s.listResources<ComputeEnvironment>(ctx.accountId, ctx.region, "ce");
    const page = paginate(list, input.maxResults, input.nextToken, (c) => c.computeEnvironmentName);
    list = page.items;
    const now = this.now();
    return {
      computeEnvironments: list.map(({ changedAt: _c, changeKind: _k, extra, computeResources, ...c }) => ({
        ...c,
        ...extra,
        ...(computeResources ? { computeResources: { ...computeResources, desiredvCpus: Math.min(computeResources.maxvCpus, Math.max(computeResources.minvCpus ?? 0, used(c.computeEnvironmentArn))) } } : {}),
        status: statusOf({ changedAt: _c, changeKind: _k }, now),
        statusReason: statusOf({ changedAt: _c, changeKind: _k }, now) === "VALID" ? "ComputeEnvironment Healthy" : undefined,
      })),
      nextToken: page.nextToken,
    };
  }
  updateCe(ctx: RequestContext, input: B.UpdateComputeEnvironmentInput): B.UpdateComputeEnvironmentOutput {
    const ce = this.ce(ctx, input.computeEnvironment);
    if (!ce) throw clientError(`${input.computeEnvironment} does not exist`);
    if (input.state !== undefined) {
      if (input.state !== "ENABLED" && input.state !== "DISABLED") throw clientError("state must be one of ENABLED, DISABLED");
      ce.state = input.state;
    }
    if (input.computeResources) {
      if (ce.type === "UNMANAGED") throw clientError("computeResources can't be specified for an UNMANAGED compute environment");
      const merged = { ...ce.computeResources!, ...stripUndefined(input.computeResources) } as B.ComputeResources;
      this.checkResources(merged);
      ce.computeResources = merged;
    }
    if (input.unmanagedvCpus !== undefined) ce.unmanagedvCpus = input.unmanagedvCpus;
    if (input.serviceRole !== undefined) ce.serviceRole = input.serviceRole;
    ce.changedAt = this.now();
    ce.changeKind = "UPDATING";
    this.s.putResource(ctx.accountId, ctx.region, "ce", ce.computeEnvironmentName, ce);
    this.changed();
    return { computeEnvironmentName: ce.computeEnvironmentName, computeEnvironmentArn: ce.computeEnvironmentArn };
  }
  deleteCe(ctx: RequestContext, ref: string): void {
    const ce = this.ce(ctx, ref);
    if (!ce) throw clientError(`${ref} does not exist`);
    if (ce.state !== "DISABLED") throw clientError("Cannot delete, compute environment must be DISABLED");
    const inUse = this.s.listResources<JobQueue>(ctx.accountId, ctx.region, "jq").some((q) => q.computeEnvironmentOrder.some((o) => o.computeEnvironment === ce.computeEnvironmentArn));
    if (inUse) throw clientError("Cannot delete, found existing JobQueue relationship");
    this.s.deleteResource(ctx.accountId, ctx.region, "ce", ce.computeEnvironmentName);
    this.changed();
  }

  // ---- job queues
  jq(ctx: RequestContext, ref: string): JobQueue | undefined {
    return this.s.getResource<JobQueue>(ctx.accountId, ctx.region, "jq", nameOf(ref, "job-queue"));
  }
  private order(ctx: RequestContext, order: unknown): JobQueue["computeEnvironmentOrder"] {
    if (!Array.isArray(order) || !order.length) throw clientError("computeEnvironmentOrder must contain at least one compute environment");
    if (order.length > 3) throw clientError("computeEnvironmentOrder can contain at most 3 compute environments");
    const out: JobQueue["computeEnvironmentOrder"] = [];
    for (const o of order as Array<{ order: number; computeEnvironment: string }>) {
      const ce = this.ce(ctx, String(o.computeEnvironment));
      if (!ce) throw clientError(`computeEnvironment ${o.computeEnvironment} does not exist`);
      out.push({ order: Number(o.order), computeEnvironment: ce.computeEnvironmentArn });
    }
    const fargate = new Set(out.map((o) => /FARGATE/.test(this.ce(ctx, o.computeEnvironment)!.computeResources?.type ?? "")));
    if (fargate.size > 1) throw clientError("computeEnvironmentOrder cannot mix EC2/SPOT and FARGATE/FARGATE_SPOT compute environments");
    return out.sort((a, b) => a.order - b.order);
  }
  createJq(ctx: RequestContext, input: B.CreateJobQueueInput & Record<string, unknown>): B.CreateJobQueueOutput {
    const name = checkName(input.jobQueueName, "Job queue");
    if (this.jq(ctx, name)) throw clientError("Object already exists");
    if (!Number.isInteger(input.priority) || input.priority < 0 || input.priority > 1000) throw clientError("priority must be between 0 and 1000");
    const state = (input.state as string | undefined) ?? "ENABLED";
    if (state !== "ENABLED" && state !== "DISABLED") throw clientError("state must be one of ENABLED, DISABLED");
    if (input.schedulingPolicyArn && !this.sp(ctx, input.schedulingPolicyArn)) throw clientError(`schedulingPolicyArn ${input.schedulingPolicyArn} does not exist`);
    const q: JobQueue = {
      jobQueueName: name,
      jobQueueArn: arnOf(ctx, "job-queue", name),
      state,
      priority: input.priority,
      computeEnvironmentOrder: this.order(ctx, input.computeEnvironmentOrder),
      schedulingPolicyArn: input.schedulingPolicyArn,
      jobStateTimeLimitActions: input.jobStateTimeLimitActions as unknown[] | undefined,
      tags: checkTags(input.tags),
      changedAt: this.now(),
      changeKind: "CREATING",
    };
    this.s.putResource(ctx.accountId, ctx.region, "jq", name, q);
    setTimeout(this.changed, Limits.CREATING_MS).unref();
    return { jobQueueName: name, jobQueueArn: q.jobQueueArn };
  }
  describeJqs(ctx: RequestContext, input: { jobQueues?: string[]; maxResults?: number; nextToken?: string }) {
    const list = input.jobQueues?.length ? input.jobQueues.map((r) => this.jq(ctx, r)).filter((q): q is JobQueue => !!q) : this.s.listResources<JobQueue>(ctx.accountId, ctx.region, "jq");
    const page = paginate(list, input.maxResults, input.nextToken, (q) => q.jobQueueName);
    const now = this.now();
    return {
      jobQueues: page.items.map(({ changedAt, changeKind, ...q }) => {
        const status = statusOf({ changedAt, changeKind }, now);
        return { ...q, status, statusReason: status === "VALID" ? "JobQueue Healthy" : undefined };
      }),
      nextToken: page.nextToken,
    };
  }
  updateJq(ctx: RequestContext, input: B.UpdateJobQueueInput & Record<string, unknown>): B.UpdateJobQueueOutput {
    const q = this.jq(ctx, input.jobQueue);
    if (!q) throw clientError(`${input.jobQueue} does not exist`);
    if (input.state !== undefined) {
      if (input.state !== "ENABLED" && input.state !== "DISABLED") throw clientError("state must be one of ENABLED, DISABLED");
      q.state = input.state;
    }
    if (input.priority !== undefined) {
      if (!Number.isInteger(input.priority) || input.priority < 0 || input.priority > 1000) throw clientError("priority must be between 0 and 1000");
      q.priority = input.priority;
    }
    if (input.computeEnvironmentOrder !== undefined) q.computeEnvironmentOrder = this.order(ctx, input.computeEnvironmentOrder);
    if (input.schedulingPolicyArn !== undefined) q.schedulingPolicyArn = input.schedulingPolicyArn;
    q.changedAt = this.now();
    q.changeKind = "UPDATING";
    this.s.putResource(ctx.accountId, ctx.region, "jq", q.jobQueueName, q);
    this.changed();
    return { jobQueueName: q.jobQueueName, jobQueueArn: q.jobQueueArn };
  }
  deleteJq(ctx: RequestContext, ref: string, hasActiveJobs: (arn: string) => boolean): void {
    const q = this.jq(ctx, ref);
    if (!q) throw clientError(`${ref} does not exist`);
    if (q.state !== "DISABLED") throw clientError("Cannot delete, job queue must be DISABLED");
    if (hasActiveJobs(q.jobQueueArn)) throw clientError("Cannot delete, job queue has jobs that are not finished");
    this.s.deleteResource(ctx.accountId, ctx.region, "jq", q.jobQueueName);
    this.changed();
  }

  // ---- scheduling policies
  sp(ctx: RequestContext, arn: string): SchedulingPolicy | undefined {
    return this.s.getResource<SchedulingPolicy>(ctx.accountId, ctx.region, "sp", nameOf(arn, "scheduling-policy"));
  }
  createSp(ctx: RequestContext, input: { name: string; fairsharePolicy?: SchedulingPolicy["fairsharePolicy"]; tags?: Record<string, string> }) {
    const name = checkName(input.name, "Scheduling policy");
    if (this.sp(ctx, name)) throw clientError("Object already exists");
    this.checkFairshare(input.fairsharePolicy);
    const sp: SchedulingPolicy = { name, arn: arnOf(ctx, "scheduling-policy", name), fairsharePolicy: input.fairsharePolicy, tags: checkTags(input.tags) };
    this.s.putResource(ctx.accountId, ctx.region, "sp", name, sp);
    return { name, arn: sp.arn };
  }
  private checkFairshare(fp: SchedulingPolicy["fairsharePolicy"]): void {
    for (const d of fp?.shareDistribution ?? []) {
      if (d.weightFactor !== undefined && !(d.weightFactor >= 0.0001 && d.weightFactor <= 999.9999)) throw clientError("weightFactor must be between 0.0001 and 999.9999");
    }
    if ((fp?.shareDistribution?.length ?? 0) > 500) throw clientError("shareDistribution can contain at most 500 entries");
  }
  updateSp(ctx: RequestContext, input: { arn: string; fairsharePolicy?: SchedulingPolicy["fairsharePolicy"] }): void {
    const sp = this.sp(ctx, input.arn);
    if (!sp) throw clientError(`${input.arn} does not exist`);
    this.checkFairshare(input.fairsharePolicy);
    sp.fairsharePolicy = input.fairsharePolicy;
    this.s.putResource(ctx.accountId, ctx.region, "sp", sp.name, sp);
    this.changed();
  }
  deleteSp(ctx: RequestContext, arn: string): void {
    const sp = this.sp(ctx, arn);
    if (!sp) throw clientError(`${arn} does not exist`);
    if (this.s.listResources<JobQueue>(ctx.accountId, ctx.region, "jq").some((q) => q.schedulingPolicyArn === sp.arn)) throw clientError("Cannot delete, found existing JobQueue relationship");
    this.s.deleteResource(ctx.accountId, ctx.region, "sp", sp.name);
  }
  listSps(ctx: RequestContext, input: { maxResults?: number; nextToken?: string }) {
    const page = paginate(this.s.listResources<SchedulingPolicy>(ctx.accountId, ctx.region, "sp"), input.maxResults, input.nextToken, (p) => p.name);
    return { schedulingPolicies: page.items.map((p) => ({ arn: p.arn })), nextToken: page.nextToken };
  }
  describeSps(ctx: RequestContext, arns: string[]) {
    return { schedulingPolicies: arns.map((a) => this.sp(ctx, a)).filter((p): p is SchedulingPolicy => !!p) };
  }

  // ---- job definitions
  /** A job definition by ARN, name:revision or name (the latest ACTIVE revision). */
  jd(ctx: RequestContext, ref: string): JobDefinition | undefined {
    const r = nameOf(ref, "job-definition");
    if (/:\d+$/.test(r)) return this.s.getResource<JobDefinition>(ctx.accountId, ctx.region, "jd", r);
    return this.revisions(ctx, r).filter((d) => d.status === "ACTIVE").at(-1);
  }
  private revisions(ctx: RequestContext, name: string): JobDefinition[] {
    return this.s.listResources<JobDefinition>(ctx.accountId, ctx.region, "jd", `${name}:`).sort((a, b) => a.revision - b.revision);
  }
  registerJd(ctx: RequestContext, input: B.RegisterJobDefinitionInput & Record<string, unknown>): B.RegisterJobDefinitionOutput {
    const name = checkName(input.jobDefinitionName, "Job definition");
    if (input.type !== "container" && input.type !== "multinode") throw clientError("type must be one of container, multinode");
    const cp = input.containerProperties as ContainerProps | undefined;
    if (input.type === "container" && !cp && !input.ecsProperties && !input.eksProperties) throw clientError("Container properties must be specified for a job definition of type container");
    if (cp) checkContainerProps(cp, (input.platformCapabilities as string[] | undefined) ?? ["EC2"]);
    const rs = input.retryStrategy as JobDefinition["retryStrategy"];
    checkRetry(rs);
    const timeout = input.timeout as JobDefinition["timeout"];
    checkTimeout(timeout);
    const params = input.parameters as Record<string, string> | undefined;
    if (params && Object.keys(params).length > Limits.PARAMETERS_MAX) throw clientError(`Too many parameters: at most ${Limits.PARAMETERS_MAX}`);
    const revision = (this.revisions(ctx, name).at(-1)?.revision ?? 0) + 1;
    const jd: JobDefinition = {
      jobDefinitionName: name,
      jobDefinitionArn: arnOf(ctx, "job-definition", `${name}:${revision}`),
      revision,
      status: "ACTIVE",
      type: input.type,
      parameters: params ?? {},
      retryStrategy: rs,
      containerProperties: cp,
      ecsProperties: input.ecsProperties,
      eksProperties: input.eksProperties,
      nodeProperties: input.nodeProperties,
      timeout,
      tags: checkTags(input.tags),
      propagateTags: input.propagateTags,
      platformCapabilities: (input.platformCapabilities as string[] | undefined) ?? ["EC2"],
      schedulingPriority: input.schedulingPriority,
      containerOrchestrationType: input.eksProperties ? "EKS" : "ECS",
    };
    this.s.putResource(ctx.accountId, ctx.region, "jd", `${name}:${revision}`, jd);
    return { jobDefinitionName: name, jobDefinitionArn: jd.jobDefinitionArn, revision };
  }
  deregisterJd(ctx: RequestContext, ref: string): void {
    const r = nameOf(ref, "job-definition");
    const jd = /:\d+$/.test(r) ? this.s.getResource<JobDefinition>(ctx.accountId, ctx.region, "jd", r) : undefined;
    if (!jd) throw clientError(`Job definition ${ref} does not exist`);
    jd.status = "INACTIVE";
    this.s.putResource(ctx.accountId, ctx.region, "jd", `${jd.jobDefinitionName}:${jd.revision}`, jd);
  }
  describeJds(ctx: RequestContext, input: { jobDefinitions?: string[]; jobDefinitionName?: string; status?: string; maxResults?: number; nextToken?: string }) {
    let list: JobDefinition[];
    if (input.jobDefinitions?.length) list = input.jobDefinitions.flatMap((r) => (/:\d+$/.test(nameOf(r, "job-definition")) ? [this.jd(ctx, r)] : this.revisions(ctx, nameOf(r, "job-definition")))).filter((d): d is JobDefinition => !!d);
    else if (input.jobDefinitionName) list = this.revisions(ctx, input.jobDefinitionName);
    else list = this.s.listResources<JobDefinition>(ctx.accountId, ctx.region, "jd").sort((a, b) => a.jobDefinitionName.localeCompare(b.jobDefinitionName) || a.revision - b.revision);
    if (input.status) list = list.filter((d) => d.status === input.status);
    const page = paginate(list, input.maxResults, input.nextToken, (d) => `${d.jobDefinitionName}:${String(d.revision).padStart(10, "0")}`);
    return { jobDefinitions: page.items, nextToken: page.nextToken };
  }

  // ---- tags (resources; jobs are tagged through the provider)
  kindOfArn(arn: string): { kind: ResourceKind; name: string } | undefined {
    const m = /^arn:aws[a-z-]*:batch:[^:]*:\d{12}:([a-z-]+)\/(.+)$/.exec(arn);
    const kinds: Record<string, ResourceKind> = { "compute-environment": "ce", "job-queue": "jq", "scheduling-policy": "sp", "job-definition": "jd" };
    return m && kinds[m[1]!] ? { kind: kinds[m[1]!]!, name: m[2]! } : undefined;
  }
  tagsOf(ctx: RequestContext, arn: string): { get(): Record<string, string>; set(t: Record<string, string>): void } | undefined {
    const k = this.kindOfArn(arn);
    if (!k) return undefined;
    const body = this.s.getResource<{ tags?: Record<string, string> }>(ctx.accountId, ctx.region, k.kind, k.name);
    if (!body) return undefined;
    return {
      get: () => body.tags ?? {},
      set: (t) => {
        body.tags = t;
        this.s.putResource(ctx.accountId, ctx.region, k.kind, k.name, body);
      },
    };
  }
}

export function checkRetry(rs: { attempts?: number; evaluateOnExit?: unknown[] } | undefined): void {
  if (!rs) return;
  if (rs.attempts !== undefined && (!Number.isInteger(rs.attempts) || rs.attempts < Limits.ATTEMPTS_MIN || rs.attempts > Limits.ATTEMPTS_MAX)) throw clientError("Error executing request, Exception : Retry strategy attempts must be between 1 and 10");
  if ((rs.evaluateOnExit?.length ?? 0) > Limits.EVALUATE_ON_EXIT_MAX) throw clientError("Error executing request, Exception : Retry strategy evaluateOnExit can have at most 5 entries");
  for (const e of (rs.evaluateOnExit ?? []) as Array<Record<string, string>>) {
    if (!/^(RETRY|EXIT)$/i.test(e.action ?? "")) throw clientError("Error executing request, Exception : evaluateOnExit action must be RETRY or EXIT");
    if (e.onExitCode !== undefined && !/^\d{1,512}\*?$|^\*$/.test(e.onExitCode)) throw clientError("Error executing request, Exception : onExitCode can contain only numbers and can end with an asterisk");
    for (const k of ["onStatusReason", "onReason"]) if (e[k] !== undefined && (e[k]!.length > 512 || !/^[A-Za-z0-9.:\s*-]*$/.test(e[k]!))) throw clientError(`Error executing request, Exception : ${k} can contain letters, numbers, periods, colons and white space, and can end with an asterisk`);
  }
}

export function checkTimeout(t: { attemptDurationSeconds?: number } | undefined): void {
  if (t?.attemptDurationSeconds !== undefined && (!Number.isInteger(t.attemptDurationSeconds) || t.attemptDurationSeconds < Limits.TIMEOUT_MIN_SECONDS)) throw clientError("Error executing request, Exception : Timeout must be at least 60 seconds");
}

/** vCPUs and memory (MiB) of container properties: resourceRequirements first, then the legacy fields. */
export function resourcesOf(cp: { vcpus?: number; memory?: number; resourceRequirements?: Array<{ type: string; value: string }> } | undefined): { vcpus: number; memoryMb: number } {
  const rr = cp?.resourceRequirements ?? [];
  const v = rr.find((r) => r.type === "VCPU")?.value;
  const m = rr.find((r) => r.type === "MEMORY")?.value;
  return { vcpus: v !== undefined ? Number(v) : (cp?.vcpus ?? 1), memoryMb: m !== undefined ? Number(m) : (cp?.memory ?? 2048) };
}

export function checkContainerProps(cp: ContainerProps, platform: string[]): void {
  if (typeof cp.image !== "string" || !cp.image) throw clientError("Error executing request, Exception : Image must be specified for the container");
  if (cp.command !== undefined && (!Array.isArray(cp.command) || cp.command.some((c) => typeof c !== "string"))) throw clientError("command must be a list of strings");
  for (const r of cp.resourceRequirements ?? []) {
    if (!["VCPU", "MEMORY", "GPU"].includes(r.type)) throw clientError(`Invalid resource type ${r.type}`);
    if (!(Number(r.value) > 0)) throw clientError(`Error executing request, Exception : Invalid ${r.type} value ${r.value}`);
  }
  const { vcpus, memoryMb } = resourcesOf(cp);
  if (!(vcpus > 0)) throw clientError("Error executing request, Exception : vCPUs must be greater than 0");
  if (!(memoryMb >= 4)) throw clientError("Error executing request, Exception : Memory must be at least 4 MiB");
  if (platform.includes("FARGATE") && !Number.isInteger(vcpus * 4)) throw clientError("Error executing request, Exception : Fargate vCPU must be one of 0.25, 0.5, 1, 2, 4, 8, 16");
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return Object.keys(out).length ? out : undefined;
}
function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Name-ordered pagination with an opaque token (the last name returned). */
export function paginate<T>(items: T[], maxResults: number | undefined, token: string | undefined, key: (t: T) => string): { items: T[]; nextToken?: string } {
  const max = Math.min(Math.max(maxResults ?? Limits.LIST_DEFAULT, 1), Limits.LIST_MAX);
  let start = 0;
  if (token) {
    let after: string;
    try {
      after = Buffer.from(token, "base64url").toString("utf8");
    } catch {
      throw clientError("Invalid nextToken");
    }
    start = items.findIndex((i) => key(i) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + max);
  const more = start + max < items.length;
  return { items: page, nextToken: more ? Buffer.from(key(page.at(-1)!)).toString("base64url") : undefined };
}
