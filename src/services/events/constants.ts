/** Limits and messages of EventBridge (quotas page and observed answers, as cited). */

export const Limits = {
  /** PutEvents: entries per request (API reference). */
  MAX_PUT_EVENTS_ENTRIES: 10,
  /** PutEvents: total entry size per request (quotas: 256 KB). */
  MAX_PUT_EVENTS_BYTES: 256 * 1024,
  /** Nesting of an event's detail (Skyport's bound: deeper JSON would overflow the stack when stored). */
  MAX_DETAIL_DEPTH: 1000,
  /** Targets per rule (quotas). */
  MAX_TARGETS_PER_RULE: 5,
  /** Rules per event bus (quotas: 300 by default). */
  MAX_RULES_PER_BUS: 300,
  /** Event buses per account (quotas: 100). */
  MAX_BUSES: 100,
  /** Length of EventPattern (PutRule/TestEventPattern model). */
  MAX_EVENT_PATTERN_LENGTH: 4096,
  /** InputPathsMap entries (PutTargets reference). */
  MAX_INPUT_PATHS: 100,
  /** RetryPolicy defaults (targets: "Retry policy"). */
  DEFAULT_MAX_RETRY_ATTEMPTS: 185,
  DEFAULT_MAX_EVENT_AGE_SECONDS: 86400,
  /** Delivery worker: rows taken per pass, and how often it looks for due rows (ms, real time). */
  DELIVERY_BATCH: 32,
  DELIVERY_POLL_MS: 250,
  /** Scheduler: how often it compares rules' next fire time with the clock (ms, real time). */
  SCHEDULE_POLL_MS: 1000,
  /** Retry backoff between delivery attempts (ms), capped at the last value. */
  RETRY_DELAYS_MS: [1000, 2000, 5000, 15000, 60000, 180000] as readonly number[],
} as const;

export const Messages = {
  busNotFound: (name: string) => `Event bus ${name} does not exist.`,
  busExists: (name: string) => `Event bus ${name} already exists.`,
  ruleNotFound: (rule: string, bus: string) => `Rule ${rule} does not exist on EventBus ${bus}.`,
  ruleHasTargets: "Rule can't be deleted since it has targets.",
  cannotDeleteDefault: "Cannot delete event bus default.",
  patternOrSchedule: "Parameter(s) EventPattern or ScheduleExpression must be specified.",
  scheduleOnlyDefault: "ScheduleExpression is supported only on the default event bus.",
  scheduleInvalid: "Parameter ScheduleExpression is not valid.",
  tooManyEntries: "The requested resource exceeds the maximum number allowed.",
  entriesTooBig: "Total size of the entries in the request is over the limit.",
  resourceNotFound: (arn: string) => `Resource ${arn} does not exist.`,
  statementNotFound: "Statement with the provided id does not exist.",
  noPolicy: "EventBus does not have a policy.",
} as const;

/** Name patterns of the model. */
export const Patterns = {
  RULE_NAME: { re: /^[.\-_A-Za-z0-9]+$/, text: "[\\.\\-_A-Za-z0-9]+" },
  BUS_NAME: { re: /^[/.\-_A-Za-z0-9]+$/, text: "[/\\.\\-_A-Za-z0-9]+" },
  BUS_NAME_OR_ARN: { re: /^(arn:aws[\w-]*:events:[a-z]{2}-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/, text: "(arn:aws[\\w-]*:events:[a-z]{2}-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+" },
  TARGET_ID: { re: /^[.\-_A-Za-z0-9]+$/, text: "[\\.\\-_A-Za-z0-9]+" },
  INPUT_PATH_KEY: /^[A-Za-z0-9_-]+$/,
} as const;

export const RULE_STATES = ["ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"] as const;
