/** The shapes Batch keeps: control-plane documents and jobs (what DescribeJobs returns plus what the scheduler needs). */
import type * as B from "../../aws/api/batch.js";

export interface ComputeEnvironment {
  computeEnvironmentName: string;
  computeEnvironmentArn: string;
  type: "MANAGED" | "UNMANAGED";
  state: "ENABLED" | "DISABLED";
  computeResources?: B.ComputeResources;
  unmanagedvCpus?: number;
  serviceRole?: string;
  tags?: Record<string, string>;
  uuid: string;
  ecsClusterArn: string;
  containerOrchestrationType: "ECS";
  /** Epoch ms of the last create/update: status is CREATING/UPDATING for a moment after it. */
  changedAt: number;
  changeKind: "CREATING" | "UPDATING";
  /** Extra fields the model knows (eksConfiguration, updatePolicy, context): returned as given. */
  extra?: Record<string, unknown>;
}

export interface JobQueue {
  jobQueueName: string;
  jobQueueArn: string;
  state: "ENABLED" | "DISABLED";
  priority: number;
  computeEnvironmentOrder: Array<{ order: number; computeEnvironment: string }>;
  schedulingPolicyArn?: string;
  jobStateTimeLimitActions?: unknown[];
  tags?: Record<string, string>;
  changedAt: number;
  changeKind: "CREATING" | "UPDATING";
}

export interface SchedulingPolicy {
  name: string;
  arn: string;
  fairsharePolicy?: { shareDecaySeconds?: number; computeReservation?: number; shareDistribution?: Array<{ shareIdentifier: string; weightFactor?: number }> };
  tags?: Record<string, string>;
}

export interface JobDefinition {
  jobDefinitionName: string;
  jobDefinitionArn: string;
  revision: number;
  status: "ACTIVE" | "INACTIVE";
  type: string;
  parameters?: Record<string, string>;
  retryStrategy?: RetryStrategy;
  containerProperties?: ContainerProps;
  ecsProperties?: unknown;
  eksProperties?: unknown;
  nodeProperties?: unknown;
  timeout?: { attemptDurationSeconds?: number };
  tags?: Record<string, string>;
  propagateTags?: boolean;
  platformCapabilities?: string[];
  schedulingPriority?: number;
  containerOrchestrationType: "ECS" | "EKS";
}

export type ContainerProps = B.ContainerProperties & Record<string, unknown>;

export interface RetryStrategy {
  attempts?: number;
  evaluateOnExit?: Array<{ onStatusReason?: string; onReason?: string; onExitCode?: string; action: string }>;
}

export interface Attempt {
  container: { exitCode?: number; reason?: string; logStreamName?: string; taskArn?: string; containerInstanceArn?: string; networkInterfaces?: unknown[] };
  startedAt?: number;
  stoppedAt?: number;
  statusReason?: string;
}

export interface Job {
  jobArn: string;
  jobName: string;
  jobId: string;
  jobQueue: string;
  status: string;
  statusReason?: string;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  jobDefinition: string;
  dependsOn: Array<{ jobId?: string; type?: string }>;
  parameters: Record<string, string>;
  container?: Record<string, unknown>;
  retryStrategy?: RetryStrategy;
  timeout?: { attemptDurationSeconds?: number };
  tags?: Record<string, string>;
  propagateTags?: boolean;
  platformCapabilities?: string[];
  shareIdentifier?: string;
  schedulingPriority?: number;
  arrayProperties?: { size?: number; index?: number; statusSummary?: Record<string, number> };
  attempts: Attempt[];
  isCancelled?: boolean;
  isTerminated?: boolean;
  ecsProperties?: unknown;
  // Skyport's own fields (not returned):
  _account: string;
  _region: string;
  /** Array parent of a child job. */
  _parent?: string;
  /** Dependencies still to succeed (job ids, N_TO_N and SEQUENTIAL already resolved to children). */
  _waitFor?: string[];
  _vcpus: number;
  _memoryMb: number;
  _ce?: string;
  _taskId?: string;
  /** A terminate/timeout asked for while STARTING/RUNNING: the reason the attempt ends with. */
  _stopReason?: string;
}

/** The fields DescribeJobs does not return. */
export function publicJob(j: Job): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(j)) if (!k.startsWith("_") && v !== undefined) out[k] = v;
  if (!j.dependsOn.length) delete out.dependsOn;
  return out;
}
