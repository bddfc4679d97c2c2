/**
 * Lightsail alarm evaluation, pure: datapoints of the last `evaluationPeriods` periods → the new state.
 * Follows https://docs.aws.amazon.com/lightsail/latest/userguide/amazon-lightsail-alarms.html: ALARM when at
 * least `datapointsToAlarm` of the evaluated periods breach; missing periods per `treatMissingData`
 * (breaching, notBreaching, ignore: keep the state, missing: INSUFFICIENT_DATA when nothing is known).
 */
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmRule {
  comparisonOperator: string;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: string;
}

export function breaches(op: string, value: number, threshold: number): boolean {
  switch (op) {
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "GreaterThanThreshold":
      return value > threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
    default:
      return false;
  }
}

/** `values`: one entry per evaluated period, oldest first; undefined where the period has no data. */
export function evaluate(rule: AlarmRule, values: Array<number | undefined>, current: AlarmState): AlarmState {
  let bad = 0;
  let good = 0;
  for (const v of values) {
    if (v === undefined) {
      if (rule.treatMissingData === "breaching") bad++;
      else if (rule.treatMissingData === "notBreaching") good++;
    } else if (breaches(rule.comparisonOperator, v, rule.threshold)) bad++;
    else good++;
  }
  if (bad >= rule.datapointsToAlarm) return "ALARM";
  if (bad + good === 0) return rule.treatMissingData === "ignore" ? current : "INSUFFICIENT_DATA";
  // Enough periods known that ALARM is out of reach even if every unknown one breached: OK.
  const unknown = values.length - bad - good;
  if (bad + unknown < rule.datapointsToAlarm) return "OK";
  return rule.treatMissingData === "ignore" ? current : good > 0 ? "OK" : "INSUFFICIENT_DATA";
}

/** Per-period averages of a rate from cumulative samples ({t, v} with v growing), oldest period first. */
export function periodRates(samples: Array<{ t: number; v: number }>, end: number, periodMs: number, periods: number, scale: number): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  for (let p = periods - 1; p >= 0; p--) {
    const from = end - (p + 1) * periodMs;
    const to = end - p * periodMs;
    let dv = 0;
    let dt = 0;
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1]!;
      const b = samples[i]!;
      if (b.t <= from || b.t > to || b.t <= a.t) continue;
      dv += Math.max(0, b.v - a.v);
      dt += b.t - a.t;
    }
    out.push(dt > 0 ? (dv / (dt / 1000)) * scale : undefined);
  }
  return out;
}
