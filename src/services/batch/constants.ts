/** AWS Batch limits, defaults and the messages AWS gives (see provider.ts for which are confirmed). */
export const Limits = {
  NAME_MAX: 128,
  ARRAY_MIN: 2,
  ARRAY_MAX: 10_000,
  ATTEMPTS_MIN: 1,
  ATTEMPTS_MAX: 10,
  EVALUATE_ON_EXIT_MAX: 5,
  DEPENDS_ON_MAX: 20,
  TIMEOUT_MIN_SECONDS: 60,
  LIST_MAX: 1000,
  LIST_DEFAULT: 100,
  PARAMETERS_MAX: 100,
  TAGS_MAX: 50,
  /** How long a new compute environment or queue stays CREATING (AWS: seconds to minutes). */
  CREATING_MS: 300,
  /** Queued jobs a scheduling pass looks at behind a head that does not fit now (bounded backfill). */
  BACKFILL_LOOKAHEAD: 64,
} as const;

export const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
export const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const Reasons = {
  NEVER_FITS: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.",
  TIMEOUT: "Job attempt duration exceeded timeout",
  ESSENTIAL_EXITED: "Essential container in task exited",
  DEPENDENT_FAILED: "Dependent Job failed",
  ARRAY_CHILD_FAILED: "Array Child Job failed",
  HOST_TERMINATED: (instance: string) => `Host EC2 (instance ${instance}) terminated.`,
  /** ECS's reason when it cannot assume a task's (job's) role. */
  ROLE_NOT_ASSUMED: (roleArn: string) => `ECS was unable to assume the role '${roleArn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`,
} as const;

/** Job statuses in AWS's order. */
export const STATUSES = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"] as const;
export type JobStatus = (typeof STATUSES)[number];
export const isFinal = (s: string) => s === "SUCCEEDED" || s === "FAILED";
