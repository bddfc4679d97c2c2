/** CloudWatch Logs limits and fixed values, from the API reference and the service quotas page. */
export const Limits = {
  /** PutLogEvents: events per call. */
  MAX_BATCH_EVENTS: 10_000,
  /** PutLogEvents: sum of UTF-8 message bytes plus EVENT_OVERHEAD_BYTES per event. */
  MAX_BATCH_BYTES: 1_048_576,
  EVENT_OVERHEAD_BYTES: 26,
  /** Events older than this are rejected (tooOldLogEventEndIndex). */
  MAX_EVENT_AGE_MS: 14 * 24 * 3600 * 1000,
  /** Events further ahead are rejected (tooNewLogEventStartIndex). */
  MAX_EVENT_FUTURE_MS: 2 * 3600 * 1000,
  /** The accepted events of one batch may not span more than this. */
  MAX_BATCH_SPAN_MS: 24 * 3600 * 1000,
  /** GetLogEvents / FilterLogEvents: events per page and bytes per response. */
  MAX_EVENTS_PAGE: 10_000,
  MAX_RESPONSE_BYTES: 1_048_576,
  /** FilterLogEvents: rows examined per call before answering with a nextToken (AWS also returns partial pages). */
  FILTER_SCAN_BUDGET: 200_000,
  /** DescribeLogGroups / DescribeLogStreams / DescribeMetricFilters page size. */
  MAX_DESCRIBE_LIMIT: 50,
  MAX_TAGS: 50,
  MAX_METRIC_FILTERS_PER_GROUP: 100,
  MAX_LOG_STREAM_NAMES: 100,
  MAX_FILTER_PATTERN_LENGTH: 1024,
  /** How often the retention sweeper runs. */
  RETENTION_SWEEP_INTERVAL_MS: 60_000,
} as const;

/** The retentionInDays values PutRetentionPolicy accepts, in AWS's order. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export const Messages = {
  GROUP_NOT_FOUND: "The specified log group does not exist.",
  STREAM_NOT_FOUND: "The specified log stream does not exist.",
  GROUP_EXISTS: "The specified log group already exists",
  STREAM_EXISTS: "The specified log stream already exists",
  FILTER_NOT_FOUND: "The specified metric filter does not exist.",
  SUBSCRIPTION_NOT_FOUND: "The specified subscription filter does not exist.",
  CHRONOLOGICAL: "Log events in a single PutLogEvents request must be in chronological order.",
  SPAN: "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
  BAD_TOKEN: "The specified nextToken is invalid.",
  ORDER_BY_PREFIX: "Cannot order by LastEventTime with a logStreamNamePrefix.",
  NAME_AND_ARN: "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
  NAME_OR_ARN: "Either LogGroup name or LogGroup ARN must be specified.",
  STREAM_NAMES_AND_PREFIX: "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
  PREFIX_AND_PATTERN: "logGroupNamePrefix and logGroupNamePattern are mutually exclusive parameters.",
  TOO_MANY_TAGS: "A resource can have no more than 50 tags.",
  LIMIT_EXCEEDED: "Resource limit exceeded.",
} as const;

/** Model patterns (as AWS prints them in constraint messages). */
export const Patterns = {
  LOG_GROUP_NAME: { re: /^[.\-_/#A-Za-z0-9]+$/, text: "[\\.\\-_/#A-Za-z0-9]+" },
  LOG_GROUP_NAME_PATTERN: { re: /^[.\-_/#A-Za-z0-9]*$/, text: "[\\.\\-_/#A-Za-z0-9]*" },
  LOG_STREAM_NAME: { re: /^[^:*]*$/, text: "[^:*]*" },
  FILTER_NAME: { re: /^[^:*]*$/, text: "[^:*]*" },
  METRIC_NAME: { re: /^[^:*$]*$/, text: "[^:*$]*" },
  LOG_GROUP_IDENTIFIER: { re: /^[\w#+=/:,.@-]*$/, text: "[\\w#+=/:,.@-]*" },
  TAG_KEY: { re: /^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$/u, text: "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$" },
  TAG_VALUE: { re: /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u, text: "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$" },
} as const;
