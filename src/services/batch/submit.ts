/**
 * SubmitJob: validates the request against its queue and job definition and builds the job (and its
 * array children) with the definition's container properties, the overrides, Ref:: parameter substitution
 * and the resolved dependencies.
 */
import type { RequestContext } from "../../edge/context.js";
import { JOB_NAME, Limits } from "./constants.js";
import type { Job, JobDefinition, JobQueue } from "./model.js";
import { checkRetry, checkTimeout, clientError, resourcesOf } from "./resources.js";

export interface SubmitInput {
  jobName: string;
  jobQueue: string;
  jobDefinition: string;
  arrayProperties?: { size?: number };
  dependsOn?: Array<{ jobId?: string; type?: string }>;
  parameters?: Record<string, string>;
  containerOverrides?: { command?: string[]; environment?: Array<{ name: string; value: string }>; resourceRequirements?: Array<{ type: string; value: string }>; vcpus?: number; memory?: number; instanceType?: string };
  retryStrategy?: Job["retryStrategy"];
  timeout?: Job["timeout"];
  tags?: Record<string, string>;
  propagateTags?: boolean;
  shareIdentifier?: string;
  schedulingPriorityOverride?: number;
  ecsPropertiesOverride?: unknown;
}

/** Replaces Ref::name placeholders with parameter values (unknown names stay as written, as on AWS). */
export function substitute(args: string[] | undefined, params: Record<string, string>): string[] | undefined {
  return args?.map((a) => a.replace(/Ref::([A-Za-z0-9_-]+)/g, (m, name: string) => (Object.hasOwn(params, name) ? params[name]! : m)));
}

export function buildJob(ctx: RequestContext, input: SubmitInput, queue: JobQueue, jd: JobDefinition, id: string, now: number, dep: (id: string) => Job | undefined): { job: Job; children: Job[] } {
  if (typeof input.jobName !== "string" || !JOB_NAME.test(input.jobName)) throw clientError("Job name should match valid pattern");
  if (jd.status !== "ACTIVE") throw clientError(`Job definition ${jd.jobDefinitionArn} is INACTIVE`);
  if (queue.schedulingPolicyArn && !input.shareIdentifier) throw clientError("Share identifier must be specified for a job submitted to a job queue with a scheduling policy");
  if (!queue.schedulingPolicyArn && input.shareIdentifier) throw clientError("Share identifier cannot be specified for a job submitted to a job queue without a scheduling policy");
  const size = input.arrayProperties?.size;
  if (size !== undefined && (!Number.isInteger(size) || size < Limits.ARRAY_MIN || size > Limits.ARRAY_MAX)) throw clientError(`Array properties size must be between ${Limits.ARRAY_MIN} and ${Limits.ARRAY_MAX}`);
  checkRetry(input.retryStrategy);
  checkTimeout(input.timeout);
  const deps = input.dependsOn ?? [];
  if (deps.length > Limits.DEPENDS_ON_MAX) throw clientError(`A job can depend on at most ${Limits.DEPENDS_ON_MAX} jobs`);
  const params = { ...(jd.parameters ?? {}), ...(input.parameters ?? {}) };
  if (Object.keys(params).length > Limits.PARAMETERS_MAX) throw clientError(`Too many parameters: at most ${Limits.PARAMETERS_MAX}`);
  const cp = jd.containerProperties ?? {};
  const o = input.containerOverrides ?? {};
  const rr = [...(cp.resourceRequirements ?? []).filter((r) => !(o.resourceRequirements ?? []).some((x) => x.type === r.type)), ...(o.resourceRequirements ?? [])];
  const envMap = new Map<string, string>();
  for (const e of [...(cp.environment ?? []), ...(o.environment ?? [])]) envMap.set(String(e.name), String(e.value));
  const container: Record<string, unknown> = {
    ...cp,
    command: substitute(o.command ?? cp.command, params),
    environment: [...envMap].map(([name, value]) => ({ name, value })),
    resourceRequirements: rr.length ? rr : undefined,
    ...(o.vcpus !== undefined ? { vcpus: o.vcpus } : {}),
    ...(o.memory !== undefined ? { memory: o.memory } : {}),
  };
  const { vcpus, memoryMb } = resourcesOf(container as never);
  if (!(vcpus > 0) || !(memoryMb >= 4)) throw clientError("Error executing request, Exception : Invalid resource requirements");
  const jobArn = `arn:aws:batch:${ctx.region}:${ctx.accountId}:job/${id}`;
  const waitFor: string[] = [];
  const sequential = deps.some((d) => d.type === "SEQUENTIAL");
  const nToN: string[] = [];
  for (const d of deps) {
    if (d.type === "SEQUENTIAL") {
      if (size === undefined) throw clientError("SEQUENTIAL dependency can only be specified for an array job");
      continue;
    }
    if (!d.jobId) throw clientError("dependsOn jobId must be specified");
    const parent = dep(d.jobId);
    if (!parent || parent._account !== ctx.accountId) throw clientError(`Dependent Job ${d.jobId} does not exist`);
    if (d.type === "N_TO_N") {
      if (size === undefined || parent.arrayProperties?.size !== size) throw clientError("N_TO_N dependency requires array jobs of the same size");
      nToN.push(d.jobId);
    } else waitFor.push(d.jobId);
  }
  const base: Job = {
    jobArn,
    jobName: input.jobName,
    jobId: id,
    jobQueue: queue.jobQueueArn,
    status: "SUBMITTED",
    createdAt: now,
    jobDefinition: jd.jobDefinitionArn,
    dependsOn: deps.map((d) => ({ ...(d.jobId ? { jobId: d.jobId } : {}), ...(d.type ? { type: d.type } : {}) })),
    parameters: params,
    container,
    retryStrategy: input.retryStrategy ?? jd.retryStrategy,
    timeout: input.timeout ?? jd.timeout,
    tags: input.propagateTags ?? jd.propagateTags ? { ...(jd.tags ?? {}), ...(input.tags ?? {}) } : input.tags,
    propagateTags: input.propagateTags ?? jd.propagateTags,
    platformCapabilities: jd.platformCapabilities,
    shareIdentifier: input.shareIdentifier,
    schedulingPriority: input.schedulingPriorityOverride ?? jd.schedulingPriority,
    attempts: [],
    ecsProperties: jd.ecsProperties,
    _account: ctx.accountId,
    _region: ctx.region,
    _waitFor: size === undefined ? waitFor : [],
    _vcpus: vcpus,
    _memoryMb: memoryMb,
  };
  if (size === undefined) return { job: base, children: [] };
  base.arrayProperties = { size, statusSummary: { SUBMITTED: size, PENDING: 0, RUNNABLE: 0, STARTING: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0 } };
  const children: Job[] = [];
  for (let i = 0; i < size; i++) {
    const childId = `${id}:${i}`;
    children.push({
      ...base,
      jobArn: `${jobArn}:${i}`,
      jobId: childId,
      container: { ...container },
      attempts: [],
      arrayProperties: { index: i },
      _parent: id,
      _waitFor: [...waitFor, ...nToN.map((p) => `${p}:${i}`), ...(sequential && i > 0 ? [`${id}:${i - 1}`] : [])],
    });
  }
  return { job: base, children };
}
