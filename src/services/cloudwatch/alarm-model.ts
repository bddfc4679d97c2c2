/** The stored shape of alarms, their output form, and AWS's wording of history items. */
import type * as C from "../../aws/api/cloudwatch.js";
import type { StateValue } from "./constants.js";

type MetricAlarmOut = C.MetricAlarmsShape[number];
type CompositeAlarmOut = NonNullable<C.DescribeAlarmsOutput["CompositeAlarms"]>[number];

/** An alarm as stored: the API fields with times as epoch ms. */
export interface StoredAlarm {
  type: "MetricAlarm" | "CompositeAlarm";
  name: string;
  arn: string;
  config: Omit<C.PutMetricAlarmInput, "Tags"> | Omit<C.PutCompositeAlarmInput, "Tags">;
  state: StateValue;
  reason: string;
  reasonData?: string;
  stateUpdated: number;
  stateTransitioned: number;
  configUpdated: number;
  actionsEnabled: boolean;
  /** SetAlarmState's state stands until this time (the next evaluation boundary): evaluations before it leave the alarm alone. */
  heldUntil?: number;
}

/** The query whose data a metric-math alarm evaluates. */
export const returnedQuery = (c: C.PutMetricAlarmInput) => c.Metrics?.find((q) => q.ReturnData !== false);

/** A metric alarm's period, s: its own, or that of the query whose data it evaluates. */
export function alarmPeriod(c: C.PutMetricAlarmInput, returned = returnedQuery(c)): number {
  return c.Period ?? returned?.MetricStat?.Period ?? returned?.Period ?? 60;
}

/**
 * When a metric alarm is next evaluated after `now`: at the next boundary of its period, or of the minute for periods
 * of a minute and longer (CloudWatch evaluates alarms every minute; high-resolution ones every 10 or 30 s).
 */
export function nextEvaluation(c: C.PutMetricAlarmInput, now: number): number {
  const every = Math.min(alarmPeriod(c), 60) * 1000;
  return Math.floor(now / every) * every + every;
}

export const alarmArn = (region: string, account: string, name: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;

export function metricAlarmOut(a: StoredAlarm): MetricAlarmOut {
  const c = a.config as C.PutMetricAlarmInput;
  return {
    AlarmName: a.name,
    AlarmArn: a.arn,
    AlarmDescription: c.AlarmDescription,
    AlarmConfigurationUpdatedTimestamp: new Date(a.configUpdated),
    ActionsEnabled: a.actionsEnabled,
    OKActions: c.OKActions ?? [],
    AlarmActions: c.AlarmActions ?? [],
    InsufficientDataActions: c.InsufficientDataActions ?? [],
    StateValue: a.state,
    StateReason: a.reason,
    StateReasonData: a.reasonData,
    StateUpdatedTimestamp: new Date(a.stateUpdated),
    StateTransitionedTimestamp: new Date(a.stateTransitioned),
    MetricName: c.MetricName,
    Namespace: c.Namespace,
    Statistic: c.Statistic,
    ExtendedStatistic: c.ExtendedStatistic,
    Dimensions: c.MetricName ? (c.Dimensions ?? []) : undefined,
    Period: c.Period,
    Unit: c.Unit,
    EvaluationPeriods: c.EvaluationPeriods,
    DatapointsToAlarm: c.DatapointsToAlarm,
    Threshold: c.Threshold,
    ComparisonOperator: c.ComparisonOperator,
    TreatMissingData: c.TreatMissingData,
    EvaluateLowSampleCountPercentile: c.EvaluateLowSampleCountPercentile,
    Metrics: c.Metrics,
    ThresholdMetricId: c.ThresholdMetricId,
  };
}

export function compositeAlarmOut(a: StoredAlarm): CompositeAlarmOut {
  const c = a.config as C.PutCompositeAlarmInput;
  return {
    AlarmName: a.name,
    AlarmArn: a.arn,
    AlarmDescription: c.AlarmDescription,
    AlarmRule: c.AlarmRule,
    AlarmConfigurationUpdatedTimestamp: new Date(a.configUpdated),
    ActionsEnabled: a.actionsEnabled,
    OKActions: c.OKActions ?? [],
    AlarmActions: c.AlarmActions ?? [],
    InsufficientDataActions: c.InsufficientDataActions ?? [],
    StateValue: a.state,
    StateReason: a.reason,
    StateReasonData: a.reasonData,
    StateUpdatedTimestamp: new Date(a.stateUpdated),
    StateTransitionedTimestamp: new Date(a.stateTransitioned),
    ActionsSuppressor: c.ActionsSuppressor,
    ActionsSuppressorWaitPeriod: c.ActionsSuppressorWaitPeriod,
    ActionsSuppressorExtensionPeriod: c.ActionsSuppressorExtensionPeriod,
  };
}

/** Java's Double.toString for the numbers in reasons: 50 → "50.0". */
export const jnum = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n));

const pad = (n: number) => String(n).padStart(2, "0");
/** The datapoint time format of AWS's state reasons: dd/MM/yy HH:mm:ss (UTC). */
export function reasonTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** ISO time with milliseconds and +0000, as history data and reason data show it. */
export const isoTime = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000");

export function stateUpdateData(a: StoredAlarm, old: { state: string; reason: string; reasonData?: string }): string {
  const part = (s: string, r: string, d?: string) => ({ stateValue: s, stateReason: r, ...(d ? { stateReasonData: JSON.parse(d) as unknown } : {}) });
  return JSON.stringify({ version: "1.0", oldState: part(old.state, old.reason, old.reasonData), newState: part(a.state, a.reason, a.reasonData) });
}
