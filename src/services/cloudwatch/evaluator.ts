/**
 * Alarm evaluation on the injected clock. A metric alarm looks at its last EvaluationPeriods whole periods
 * (ending at the last period boundary), counts breaching datapoints (missing ones as TreatMissingData says)
 * and goes to ALARM when at least DatapointsToAlarm breach, OK otherwise, INSUFFICIENT_DATA when nothing is
 * known; a state set by SetAlarmState stands until the alarm's next evaluation boundary (alarm-model.ts,
 * nextEvaluation). Composite alarms follow their rule after any child changes. State changes run the alarm's actions
 * (Lambda functions, invoked asynchronously in process, with AWS's alarm event) and put the "CloudWatch Alarm
 * State Change" event on the default event bus.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 */
import type * as C from "../../aws/api/cloudwatch.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { alarmPeriod, isoTime, jnum, reasonTime, returnedQuery, type StoredAlarm } from "./alarm-model.js";
import type { AlarmOps, StateChange } from "./alarms.js";
import { evaluateRule, parseRule } from "./composite-rule.js";
import type { StateValue } from "./constants.js";
import { runQueries } from "./metric-data.js";
import type { MetricOps } from "./metrics.js";
import { statOf } from "./stats.js";

const OPERATOR_WORDS: Record<string, [string, (v: number, t: number) => boolean]> = {
  GreaterThanThreshold: ["greater than", (v, t) => v > t],
  GreaterThanOrEqualToThreshold: ["greater than or equal to", (v, t) => v >= t],
  LessThanThreshold: ["less than", (v, t) => v < t],
  LessThanOrEqualToThreshold: ["less than or equal to", (v, t) => v <= t],
};

export class AlarmEvaluator {
  constructor(
    private readonly env: ServiceEnv,
    private readonly alarms: AlarmOps,
    private readonly metrics: MetricOps,
  ) {}

  ctx(account: string, region: string, service = "cloudwatch"): RequestContext {
    return { requestId: this.env.ids.uuid(), accountId: account, region, service, operation: "", principal: { accessKeyId: account, anonymous: false }, clock: this.env.clock, endpoint: this.env.services.localEndpoint };
  }

  /** One evaluation pass over every metric alarm (composites follow their children's changes). */
  evaluateAll(): void {
    for (const { account, region, alarm } of this.alarms.everywhere()) {
      if (alarm.type !== "MetricAlarm") continue;
      try {
        this.evaluateMetricAlarm(account, region, alarm);
      } catch (e) {
        this.env.log.warn(`cloudwatch: evaluating alarm ${alarm.name} failed`, e);
      }
    }
  }

  evaluateMetricAlarm(account: string, region: string, a: StoredAlarm): void {
    const c = a.config as C.PutMetricAlarmInput;
    const op = OPERATOR_WORDS[c.ComparisonOperator];
    if (!op) return; // anomaly-band operators: no anomaly detectors yet
    const now = this.env.clock.now();
    if (a.heldUntil !== undefined && now < a.heldUntil) return; // SetAlarmState's state stands until the next evaluation
    const returned = returnedQuery(c);
    const period = alarmPeriod(c, returned);
    const pMs = period * 1000;
    const n = c.EvaluationPeriods;
    const m = c.DatapointsToAlarm ?? n;
    const end = Math.floor(now / pMs) * pMs;
    const start = end - n * pMs;
    const slots = new Map<number, { value: number; count: number }>();
    if (c.Metrics) {
      const s = runQueries(this.metrics, this.ctx(account, region), c.Metrics, start, end, now).get(returned!.Id)?.[0];
      s?.ts.forEach((t, i) => Number.isFinite(s.v[i]) && slots.set(t, { value: s.v[i]!, count: 1 }));
    } else {
      for (const b of this.metrics.buckets(account, region, c, start, end, period, c.Unit)) {
        const v = statOf(b, c.Statistic ?? c.ExtendedStatistic!);
        if (v !== undefined) slots.set(b.ts, { value: v, count: b.n });
      }
    }
    const threshold = c.Threshold ?? 0;
    const treat = c.TreatMissingData ?? "missing";
    const points = [...slots.entries()].filter(([t]) => t >= start && t < end).sort((x, y) => y[0] - x[0]);
    const missing = n - points.length;
    const breaching = points.filter(([, p]) => op[1](p.value, threshold)).length + (treat === "breaching" ? missing : 0);
    const reasonData = JSON.stringify({
      version: "1.0",
      queryDate: isoTime(now),
      startDate: isoTime(start),
      ...(c.Statistic ? { statistic: c.Statistic } : c.ExtendedStatistic ? { extendedStatistic: c.ExtendedStatistic } : {}),
      period,
      recentDatapoints: points.map(([, p]) => p.value).reverse(),
      threshold,
      evaluatedDatapoints: points.map(([t, p]) => ({ timestamp: isoTime(t), ...(c.Metrics ? {} : { sampleCount: p.count }), value: p.value })),
    });
    if (!points.length && treat !== "breaching" && treat !== "notBreaching") {
      if (treat === "ignore") return;
      this.alarms.transition(account, region, a, "INSUFFICIENT_DATA", `Insufficient Data: ${n} datapoint${n === 1 ? " was" : "s were"} unknown.`, reasonData);
      return;
    }
    const list = `[${points.map(([t, p]) => `${jnum(p.value)} (${reasonTime(t)})`).join(", ")}]`;
    const state: StateValue = breaching >= m ? "ALARM" : "OK";
    let reason: string;
    if (state === "ALARM") {
      reason = n === 1 ? `Threshold Crossed: 1 datapoint ${list} was ${op[0]} the threshold (${jnum(threshold)}).` : `Threshold Crossed: ${breaching} out of the last ${n} datapoints ${list} were ${op[0]} the threshold (${jnum(threshold)}) (minimum ${m} datapoint${m === 1 ? "" : "s"} for OK -> ALARM transition).`;
    } else {
      reason = points.length === 1 ? `Threshold Crossed: 1 datapoint ${list} was not ${op[0]} the threshold (${jnum(threshold)}).` : `Threshold Crossed: ${points.length} datapoints were not ${op[0]} the threshold (${jnum(threshold)}). The most recent datapoints which crossed the threshold: ${list}.`;
    }
    this.alarms.transition(account, region, a, state, reason, reasonData);
  }

  /** Called for every state change: actions, the EventBridge event, then the composite alarms above it. */
  onChange(change: StateChange): void {
    const { account, region, alarm: a, previous } = change;
    const c = a.config;
    const actions = a.state === "ALARM" ? c.AlarmActions : a.state === "OK" ? c.OKActions : c.InsufficientDataActions;
    const configuration = a.type === "MetricAlarm" ? { description: c.AlarmDescription, metrics: metricsOf(c as C.PutMetricAlarmInput) } : { description: c.AlarmDescription, alarmRule: (c as C.PutCompositeAlarmInput).AlarmRule };
    const alarmData = {
      alarmName: a.name,
      state: { value: a.state, reason: a.reason, ...(a.reasonData ? { reasonData: a.reasonData } : {}), timestamp: isoTime(a.stateUpdated) },
      previousState: { value: previous.state, reason: previous.reason, ...(previous.reasonData ? { reasonData: previous.reasonData } : {}), timestamp: isoTime(previous.time) },
      configuration,
    };
    if (a.actionsEnabled) for (const arn of actions ?? []) void this.runAction(account, region, a, arn, alarmData);
    const detail = { alarmName: a.name, state: alarmData.state, previousState: alarmData.previousState, configuration };
    void this.env.services
      .call("events", "PutEvents", this.ctx(account, region, "events"), { Entries: [{ Source: "aws.cloudwatch", DetailType: "CloudWatch Alarm State Change", Resources: [a.arn], Detail: JSON.stringify(detail) }] })
      .catch((e) => this.env.log.debug?.(`cloudwatch: alarm state change event not delivered: ${String(e)}`));
    this.updateComposites(account, region, a);
  }

  private async runAction(account: string, region: string, a: StoredAlarm, arn: string, alarmData: object): Promise<void> {
    const fn = /^arn:aws[\w-]*:lambda:[^:]+:\d{12}:function:([^:]+)(?::[^:]+)?$/.exec(arn);
    const payload = { source: "aws.cloudwatch", alarmArn: a.arn, accountId: account, time: isoTime(this.env.clock.now()), region, alarmData };
    try {
      if (!fn) throw new Error(`Skyport runs only Lambda alarm actions`);
      await this.env.services.call("lambda", "Invoke", this.ctx(account, region, "lambda"), { FunctionName: arn, InvocationType: "Event", Payload: Buffer.from(JSON.stringify(payload)) });
      this.alarms.history(account, region, a, "Action", `Successfully executed action ${arn}`, JSON.stringify({ actionState: "Succeeded", notificationResource: arn, stateUpdateTimestamp: a.stateUpdated }));
    } catch (e) {
      this.alarms.history(account, region, a, "Action", `Failed to execute action ${arn}. Received error: "${(e as Error).message}"`, JSON.stringify({ actionState: "Failed", notificationResource: arn, stateUpdateTimestamp: a.stateUpdated, error: (e as Error).message }));
    }
  }

  private updateComposites(account: string, region: string, child: StoredAlarm): void {
    const all = this.alarms.all(account, region);
    const states = new Map(all.map((x) => [x.name, x.state]));
    for (const parent of all) {
      if (parent.type !== "CompositeAlarm") continue;
      const rule = parseRule((parent.config as C.PutCompositeAlarmInput).AlarmRule);
      const text = JSON.stringify(rule);
      if (!text.includes(JSON.stringify(child.name))) continue;
      const fire = evaluateRule(rule, (n) => states.get(n));
      const when = new Date(child.stateUpdated).toUTCString();
      this.alarms.transition(account, region, parent, fire ? "ALARM" : "OK", `${child.arn} transitioned to ${child.state} at ${when}`, JSON.stringify({ triggeringAlarms: [{ arn: child.arn, state: { value: child.state, timestamp: isoTime(child.stateUpdated) } }] }));
    }
  }
}

function metricsOf(c: C.PutMetricAlarmInput): unknown[] {
  if (c.Metrics) return c.Metrics.map((q) => ({ id: q.Id, ...(q.MetricStat ? { metricStat: { metric: { namespace: q.MetricStat.Metric.Namespace, name: q.MetricStat.Metric.MetricName, dimensions: dimsObject(q.MetricStat.Metric.Dimensions) }, period: q.MetricStat.Period, stat: q.MetricStat.Stat } } : { expression: q.Expression }), returnData: q.ReturnData !== false }));
  return [{ id: "m1", metricStat: { metric: { namespace: c.Namespace, name: c.MetricName, dimensions: dimsObject(c.Dimensions) }, period: c.Period, stat: c.Statistic ?? c.ExtendedStatistic }, returnData: true }];
}

const dimsObject = (d: C.DimensionsShape | undefined) => Object.fromEntries((d ?? []).map((x) => [x.Name, x.Value]));
