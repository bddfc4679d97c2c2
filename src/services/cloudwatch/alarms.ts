/**
 * Alarm definitions and their state: PutMetricAlarm, PutCompositeAlarm, DescribeAlarms(ForMetric),
 * DescribeAlarmHistory, SetAlarmState, Enable/DisableAlarmActions, DeleteAlarms. State changes go through
 * `transition`, which writes the StateUpdate history item and hands the change to the action runner.
 */
import type * as C from "../../aws/api/cloudwatch.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import { COMPARISON_OPERATORS, Limits, STATE_VALUES, STATISTICS, TREAT_MISSING, type StateValue } from "./constants.js";
import { parseRule, ruleAlarmNames } from "./composite-rule.js";
import { checkQueries } from "./metric-data.js";
import { alarmArn, compositeAlarmOut, metricAlarmOut, nextEvaluation, stateUpdateData, type StoredAlarm } from "./alarm-model.js";
import { isPercentile } from "./stats.js";
import { canonicalDims, type CloudWatchStore } from "./store.js";
import { checkDimensions, checkName, checkNamespace, checkPeriod, checkUnit, combination, constraint, invalidValue, missing, notFound } from "./validate.js";

export interface StateChange {
  account: string;
  region: string;
  alarm: StoredAlarm;
  previous: { state: StateValue; reason: string; reasonData?: string; time: number };
}

export class AlarmOps {
  constructor(
    private readonly store: CloudWatchStore,
    private readonly now: () => number,
    private readonly onChange: (c: StateChange) => void,
  ) {}

  get(account: string, region: string, name: string): StoredAlarm | undefined {
    const row = this.store.q("SELECT body FROM cloudwatch_alarms WHERE account = ? AND region = ? AND name = ?").get(account, region, name) as { body: string } | undefined;
    return row && (JSON.parse(row.body) as StoredAlarm);
  }

  all(account: string, region: string): StoredAlarm[] {
    return (this.store.q("SELECT body FROM cloudwatch_alarms WHERE account = ? AND region = ? ORDER BY name").all(account, region) as Array<{ body: string }>).map((r) => JSON.parse(r.body) as StoredAlarm);
  }

  /** Every alarm of every account (the evaluator's loop). */
  everywhere(): Array<{ account: string; region: string; alarm: StoredAlarm }> {
    return (this.store.q("SELECT account, region, body FROM cloudwatch_alarms ORDER BY type DESC, name").all() as Array<{ account: string; region: string; body: string }>).map((r) => ({ account: r.account, region: r.region, alarm: JSON.parse(r.body) as StoredAlarm }));
  }

  save(account: string, region: string, a: StoredAlarm): void {
    this.store.q("INSERT INTO cloudwatch_alarms (account, region, name, type, state, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account, region, name) DO UPDATE SET type = excluded.type, state = excluded.state, body = excluded.body").run(account, region, a.name, a.type, a.state, JSON.stringify(a));
  }

  history(account: string, region: string, a: StoredAlarm, itemType: string, summary: string, data: string, at = this.now()): void {
    this.store.q("INSERT INTO cloudwatch_history (account, region, alarm, type, ts, item_type, summary, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(account, region, a.name, a.type, at, itemType, summary, data);
  }

  /** Moves an alarm to a state (a no-op when state and reason are unchanged, as AWS records nothing then); true when it was saved. */
  transition(account: string, region: string, a: StoredAlarm, state: StateValue, reason: string, reasonData?: string): boolean {
    if (a.state === state && a.reason === reason) return false;
    const now = this.now();
    const previous = { state: a.state, reason: a.reason, reasonData: a.reasonData, time: a.stateUpdated };
    const changed = a.state !== state;
    a.state = state;
    a.reason = reason;
    a.reasonData = reasonData;
    a.stateUpdated = now;
    if (changed) a.stateTransitioned = now;
    this.save(account, region, a);
    if (!changed) return true;
    this.history(account, region, a, "StateUpdate", `Alarm updated from ${previous.state} to ${state}`, stateUpdateData(a, previous), now);
    this.onChange({ account, region, alarm: a, previous });
    return true;
  }

  PutMetricAlarm(ctx: RequestContext, input: C.PutMetricAlarmInput): C.PutMetricAlarmOutput {
    checkName(input.AlarmName, "alarmName");
    checkName(input.AlarmDescription, "alarmDescription", 1024);
    if (!(COMPARISON_OPERATORS as readonly string[]).includes(input.ComparisonOperator)) throw constraint(input.ComparisonOperator, "comparisonOperator", `Member must satisfy enum value set: [${COMPARISON_OPERATORS.join(", ")}]`);
    if (input.TreatMissingData !== undefined && !(TREAT_MISSING as readonly string[]).includes(input.TreatMissingData)) throw invalidValue(`The value ${input.TreatMissingData} is not a valid TreatMissingData value. Valid values are: breaching, notBreaching, ignore, missing`);
    if (input.EvaluationPeriods < 1) throw constraint(input.EvaluationPeriods, "evaluationPeriods", "Member must have value greater than or equal to 1");
    if (input.DatapointsToAlarm !== undefined && (input.DatapointsToAlarm < 1 || input.DatapointsToAlarm > input.EvaluationPeriods)) throw invalidValue("DatapointsToAlarm must be between 1 and EvaluationPeriods.");
    for (const list of [input.OKActions, input.AlarmActions, input.InsufficientDataActions]) if (list && list.length > 5) throw invalidValue("The collection of actions must not have a size greater than 5.");
    if (input.Metrics) {
      if (input.MetricName || input.Namespace || input.Statistic || input.ExtendedStatistic || input.Dimensions || input.Period) throw combination("The parameters MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions and Period cannot be used together with Metrics.");
      checkQueries(input.Metrics, "Metrics");
      if (input.Metrics.filter((q) => q.ReturnData !== false).length !== 1) throw invalidValue("Exactly one element of the metrics list should return data.");
    } else {
      if (!input.MetricName) throw missing("The parameter MetricName is required.");
      if (!input.Namespace) throw missing("The parameter Namespace is required.");
      if (input.Period === undefined) throw missing("The parameter Period is required.");
      checkName(input.MetricName, "metricName");
      checkNamespace(input.Namespace);
      checkDimensions(input.Dimensions, "dimensions");
      checkUnit(input.Unit, "unit");
      checkPeriod(input.Period);
      if (input.Statistic && input.ExtendedStatistic) throw combination("The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.");
      if (!input.Statistic && !input.ExtendedStatistic) throw missing("One of the parameters Statistic or ExtendedStatistic must be specified.");
      if (input.Statistic && !(STATISTICS as readonly string[]).includes(input.Statistic)) throw constraint(input.Statistic, "statistic", "Member must satisfy enum value set: [Maximum, SampleCount, Sum, Minimum, Average]");
      if (input.ExtendedStatistic && !isPercentile(input.ExtendedStatistic)) throw invalidValue(`The value ${input.ExtendedStatistic} for parameter ExtendedStatistic is not supported.`);
      if (input.Period * input.EvaluationPeriods > 86_400) throw invalidValue("Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)");
    }
    if (input.Threshold === undefined && !input.ThresholdMetricId) throw missing("The parameter Threshold is required.");
    const { Tags, ...config } = input;
    this.upsert(ctx, "MetricAlarm", config, Tags);
    return {};
  }

  PutCompositeAlarm(ctx: RequestContext, input: C.PutCompositeAlarmInput): C.PutCompositeAlarmOutput {
    checkName(input.AlarmName, "alarmName");
    if (input.AlarmRule.length > 10_240) throw constraint("...", "alarmRule", "Member must have length less than or equal to 10240");
    const rule = parseRule(input.AlarmRule);
    for (const n of ruleAlarmNames(rule)) {
      if (n === input.AlarmName) throw invalidValue("A composite alarm cannot reference itself in its rule.");
      if (!this.get(ctx.accountId, ctx.region, n)) throw invalidValue(`Could not save the composite alarm as alarms [${n}] in the alarm rule do not exist`);
    }
    const { Tags, ...config } = input;
    this.upsert(ctx, "CompositeAlarm", config, Tags);
    return {};
  }

  private upsert(ctx: RequestContext, type: StoredAlarm["type"], config: StoredAlarm["config"], tags: C.TagsShape | undefined): void {
    const now = this.now();
    const old = this.get(ctx.accountId, ctx.region, config.AlarmName);
    if (old && old.type !== type) throw invalidValue(`The alarm ${config.AlarmName} already exists as a ${old.type === "MetricAlarm" ? "metric" : "composite"} alarm.`);
    const a: StoredAlarm = old
      ? { ...old, config, configUpdated: now, actionsEnabled: config.ActionsEnabled ?? true, heldUntil: undefined }
      : { type, name: config.AlarmName, arn: alarmArn(ctx.region, ctx.accountId, config.AlarmName), config, state: "INSUFFICIENT_DATA", reason: "Unchecked: Initial alarm creation", stateUpdated: now, stateTransitioned: now, configUpdated: now, actionsEnabled: config.ActionsEnabled ?? true };
    this.save(ctx.accountId, ctx.region, a);
    if (tags?.length && !old) this.store.q("INSERT INTO cloudwatch_tags (arn, tags) VALUES (?, ?) ON CONFLICT (arn) DO UPDATE SET tags = excluded.tags").run(a.arn, JSON.stringify(Object.fromEntries(tags.map((t) => [t.Key, t.Value]))));
    const body = type === "MetricAlarm" ? metricAlarmOut(a) : compositeAlarmOut(a);
    const data = JSON.stringify({ version: "1.0", type: old ? "Update" : "Create", ...(old ? { originalUpdatedAlarm: {}, updatedAlarm: jsonish(body) } : { createdAlarm: jsonish(body) }) });
    this.history(ctx.accountId, ctx.region, a, "ConfigurationUpdate", `Alarm "${a.name}" ${old ? "updated" : "created"}`, data, now);
  }

  SetAlarmState(ctx: RequestContext, input: C.SetAlarmStateInput): C.SetAlarmStateOutput {
    if (!(STATE_VALUES as readonly string[]).includes(input.StateValue)) throw constraint(input.StateValue, "stateValue", "Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]");
    checkName(input.StateReason, "stateReason", 1023);
    if (input.StateReasonData !== undefined) {
      try {
        JSON.parse(input.StateReasonData);
      } catch {
        throw new ServiceError("InvalidFormat", "The StateReasonData is not valid JSON.", 400);
      }
    }
    const a = this.get(ctx.accountId, ctx.region, input.AlarmName);
    if (!a) throw notFound(`Alarm ${input.AlarmName} not found`);
    // A metric alarm keeps the state until its next evaluation (AWS: back to its actual state "often within seconds"),
    // not until whichever background pass comes first: a describe right after sees what was set.
    if (a.type === "MetricAlarm") a.heldUntil = nextEvaluation(a.config as C.PutMetricAlarmInput, this.now());
    if (!this.transition(ctx.accountId, ctx.region, a, input.StateValue as StateValue, input.StateReason, input.StateReasonData)) this.save(ctx.accountId, ctx.region, a);
    return {};
  }

  DescribeAlarms(ctx: RequestContext, input: C.DescribeAlarmsInput): C.DescribeAlarmsOutput {
    if (input.AlarmNames && input.AlarmNamePrefix) throw combination("AlarmNames and AlarmNamePrefix cannot be specified together.");
    if (input.ChildrenOfAlarmName && input.ParentsOfAlarmName) throw combination("ChildrenOfAlarmName and ParentsOfAlarmName cannot be specified together.");
    const max = input.MaxRecords ?? Limits.DESCRIBE_PAGE;
    if (max < 1 || max > 100) throw constraint(max, "maxRecords", `Member must have value ${max < 1 ? "greater than or equal to 1" : "less than or equal to 100"}`);
    if (input.StateValue && !(STATE_VALUES as readonly string[]).includes(input.StateValue)) throw constraint(input.StateValue, "stateValue", "Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]");
    const types = input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"];
    let list = this.all(ctx.accountId, ctx.region);
    if (input.ChildrenOfAlarmName) {
      const parent = list.find((a) => a.name === input.ChildrenOfAlarmName && a.type === "CompositeAlarm");
      const names = parent ? ruleAlarmNames(parseRule((parent.config as C.PutCompositeAlarmInput).AlarmRule)) : [];
      list = list.filter((a) => names.includes(a.name));
    } else if (input.ParentsOfAlarmName) {
      list = list.filter((a) => a.type === "CompositeAlarm" && ruleAlarmNames(parseRule((a.config as C.PutCompositeAlarmInput).AlarmRule)).includes(input.ParentsOfAlarmName!));
    } else {
      list = list.filter((a) => types.includes(a.type));
    }
    if (input.AlarmNames) list = list.filter((a) => input.AlarmNames!.includes(a.name));
    if (input.AlarmNamePrefix) list = list.filter((a) => a.name.startsWith(input.AlarmNamePrefix!));
    if (input.StateValue) list = list.filter((a) => a.state === input.StateValue);
    if (input.ActionPrefix) list = list.filter((a) => [...(a.config.AlarmActions ?? []), ...(a.config.OKActions ?? []), ...(a.config.InsufficientDataActions ?? [])].some((x) => x.startsWith(input.ActionPrefix!)));
    const from = input.NextToken ? list.findIndex((a) => a.name > Buffer.from(input.NextToken!, "base64url").toString()) : 0;
    const page = list.slice(from < 0 ? list.length : from, (from < 0 ? list.length : from) + max);
    const more = (from < 0 ? list.length : from) + max < list.length;
    return {
      MetricAlarms: page.filter((a) => a.type === "MetricAlarm").map(metricAlarmOut),
      CompositeAlarms: page.filter((a) => a.type === "CompositeAlarm").map(compositeAlarmOut),
      NextToken: more ? Buffer.from(page[page.length - 1]!.name).toString("base64url") : undefined,
    };
  }

  DescribeAlarmsForMetric(ctx: RequestContext, input: C.DescribeAlarmsForMetricInput): C.DescribeAlarmsForMetricOutput {
    checkNamespace(input.Namespace);
    checkName(input.MetricName, "metricName");
    const dims = canonicalDims(input.Dimensions);
    const list = this.all(ctx.accountId, ctx.region).filter((a) => {
      if (a.type !== "MetricAlarm") return false;
      const c = a.config as C.PutMetricAlarmInput;
      const metrics = c.Metrics ? c.Metrics.filter((q) => q.MetricStat).map((q) => ({ ...q.MetricStat!.Metric, Stat: q.MetricStat!.Stat, Period: q.MetricStat!.Period, Unit: q.MetricStat!.Unit })) : [{ Namespace: c.Namespace, MetricName: c.MetricName, Dimensions: c.Dimensions, Stat: c.Statistic ?? c.ExtendedStatistic, Period: c.Period, Unit: c.Unit }];
      return metrics.some(
        (m) =>
          m.Namespace === input.Namespace &&
          m.MetricName === input.MetricName &&
          (input.Dimensions === undefined || canonicalDims(m.Dimensions) === dims) &&
          (input.Statistic === undefined || m.Stat === input.Statistic) &&
          (input.ExtendedStatistic === undefined || m.Stat === input.ExtendedStatistic) &&
          (input.Period === undefined || m.Period === input.Period) &&
          (input.Unit === undefined || m.Unit === input.Unit),
      );
    });
    return { MetricAlarms: list.map(metricAlarmOut) };
  }

  DescribeAlarmHistory(ctx: RequestContext, input: C.DescribeAlarmHistoryInput): C.DescribeAlarmHistoryOutput {
    const max = input.MaxRecords ?? Limits.DESCRIBE_PAGE;
    if (max < 1 || max > 100) throw constraint(max, "maxRecords", `Member must have value ${max < 1 ? "greater than or equal to 1" : "less than or equal to 100"}`);
    const types = input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm", "CompositeAlarm"];
    const asc = input.ScanBy === "TimestampAscending";
    let after: number | undefined;
    if (input.NextToken) {
      after = Number(Buffer.from(input.NextToken, "base64url").toString());
      if (!Number.isSafeInteger(after)) throw invalidValue("The value of NextToken is invalid.");
    }
    const rows = this.store
      .q(
        `SELECT seq, alarm, type, ts, item_type, summary, data FROM cloudwatch_history WHERE account = @account AND region = @region AND (@alarm IS NULL OR alarm = @alarm) AND (@itemType IS NULL OR item_type = @itemType)
         AND ts >= @from AND ts <= @to AND (@after IS NULL OR (CASE WHEN @asc THEN seq > @after ELSE seq < @after END)) ORDER BY CASE WHEN @asc THEN seq ELSE -seq END LIMIT @limit`,
      )
      .all({ account: ctx.accountId, region: ctx.region, alarm: input.AlarmName ?? null, itemType: input.HistoryItemType ?? null, from: input.StartDate?.getTime() ?? 0, to: input.EndDate?.getTime() ?? Number.MAX_SAFE_INTEGER, after: after ?? null, asc: asc ? 1 : 0, limit: max + 1 }) as Array<{ seq: number; alarm: string; type: string; ts: number; item_type: string; summary: string; data: string }>;
    const items = rows.filter((r) => types.includes(r.type));
    const page = items.slice(0, max);
    return {
      AlarmHistoryItems: page.map((r) => ({ AlarmName: r.alarm, AlarmType: r.type, Timestamp: new Date(r.ts), HistoryItemType: r.item_type, HistorySummary: r.summary, HistoryData: r.data })),
      NextToken: rows.length > max ? Buffer.from(String(page[page.length - 1]!.seq)).toString("base64url") : undefined,
    };
  }

  setActions(ctx: RequestContext, names: string[], enabled: boolean): void {
    for (const n of names) {
      const a = this.get(ctx.accountId, ctx.region, n);
      if (!a || a.actionsEnabled === enabled) continue;
      a.actionsEnabled = enabled;
      this.save(ctx.accountId, ctx.region, a);
      this.history(ctx.accountId, ctx.region, a, "ConfigurationUpdate", `Alarm "${a.name}" updated`, JSON.stringify({ version: "1.0", type: "Update", updatedAlarm: { actionsEnabled: enabled } }));
    }
  }

  DeleteAlarms(ctx: RequestContext, input: C.DeleteAlarmsInput): C.DeleteAlarmsOutput {
    if (input.AlarmNames.length > 100) throw constraint("[...]", "alarmNames", "Member must have length less than or equal to 100");
    const missingNames = input.AlarmNames.filter((n) => !this.get(ctx.accountId, ctx.region, n));
    if (missingNames.length) throw notFound(`${missingNames.length === 1 ? "Alarm" : "Alarms"} ${missingNames.join(", ")} not found`);
    this.store.tx(() => {
      for (const n of input.AlarmNames) {
        const a = this.get(ctx.accountId, ctx.region, n)!;
        this.store.q("DELETE FROM cloudwatch_alarms WHERE account = ? AND region = ? AND name = ?").run(ctx.accountId, ctx.region, n);
        this.store.q("DELETE FROM cloudwatch_history WHERE account = ? AND region = ? AND alarm = ?").run(ctx.accountId, ctx.region, n);
        this.store.q("DELETE FROM cloudwatch_tags WHERE arn = ?").run(a.arn);
      }
    });
    return {};
  }
}

/** The alarm as history data shows it (times as ISO strings, lower-camel keys are AWS's; kept as the API's here). */
function jsonish(o: object): unknown {
  return JSON.parse(JSON.stringify(o));
}
