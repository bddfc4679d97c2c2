/** CloudWatch limits and the fixed vocabularies of the API (units, statistics, operators), from the API reference. */

export const Limits = {
  MAX_DIMENSIONS: 30,
  MAX_METRIC_DATA: 1000,
  MAX_VALUES: 150,
  /** PutMetricData accepts timestamps up to two weeks back and two hours ahead. */
  MAX_PAST_MS: 14 * 24 * 3600 * 1000,
  MAX_FUTURE_MS: 2 * 3600 * 1000,
  MAX_DATAPOINTS_STATISTICS: 1440,
  MAX_DATAPOINTS_DATA: 100_800,
  MAX_QUERIES: 500,
  MAX_EXPRESSION_LENGTH: 2048,
  MAX_ALARM_HISTORY: 1000,
  MAX_DASHBOARD_BODY_BYTES: 1024 * 1024,
  /** ListMetrics pages hold up to 500 metrics. */
  LIST_PAGE: 500,
  DESCRIBE_PAGE: 100,
  /** ListMetrics RecentlyActive=PT3H. */
  RECENT_MS: 3 * 3600 * 1000,
} as const;

/** Retention of data by resolution (AWS: high-resolution 3 h, 1-minute 15 days, 5-minute 63 days, 1-hour 455 days). */
export const Retention = {
  HIGH_RES_MS: 3 * 3600 * 1000,
  MINUTE_MS: 15 * 24 * 3600 * 1000,
  FIVE_MINUTE_MS: 63 * 24 * 3600 * 1000,
  HOUR_MS: 455 * 24 * 3600 * 1000,
} as const;

export const UNITS = [
  "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits",
  "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
  "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
] as const;

export const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;
export type Statistic = (typeof STATISTICS)[number];

export const COMPARISON_OPERATORS = [
  "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold",
  "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold",
] as const;

export const TREAT_MISSING = ["breaching", "notBreaching", "ignore", "missing"] as const;
export const STATE_VALUES = ["OK", "ALARM", "INSUFFICIENT_DATA"] as const;
export type StateValue = (typeof STATE_VALUES)[number];

/** Valid periods below one minute (high-resolution metrics); otherwise a multiple of 60. */
export const HIGH_RES_PERIODS = [1, 5, 10, 20, 30] as const;

export const ALARM_EVAL_INTERVAL_MS = 10_000;
