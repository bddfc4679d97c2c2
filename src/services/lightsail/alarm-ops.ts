/**
 * Alarms and notifications: PutAlarm, GetAlarms, DeleteAlarm, TestAlarm; CreateContactMethod,
 * GetContactMethods, DeleteContactMethod, SendContactMethodVerification.
 *
 * Alarms are evaluated every minute on the instances' measured samples (InstanceRuntime: CPU seconds and
 * network bytes of the sandbox) over AWS's 5-minute periods (notify/evaluate.ts); a state change in the
 * alarm's notificationTriggers notifies its contact protocols. --lightsail-metric-period-seconds shortens
 * the period (tests, demos): alarms are then evaluated, and their instances sampled, 5 times a period, as
 * AWS's minute evaluation does for 5-minute periods; evaluationPeriods, datapointsToAlarm and
 * treatMissingData keep their meaning. Email contact methods start
 * PendingVerification and get a verification email whose link (served on the API port at
 * /_aws/lightsail/verify-contact) makes them Valid, as AWS's does; only Valid emails get notifications.
 * SMS contact methods need no verification (as on AWS); texts are recorded in the outbox (notify/mailer.ts).
 *
 * Known gaps: database and load balancer metrics (their alarms see missing data); no alarm history.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type * as L from "../../aws/api/lightsail.js";
import type { HttpRequest, HttpResponse } from "../../aws/protocol/types.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { checkName, invalidInput, notFound, type LightsailShared, type ResourceRow } from "./shared.js";
import { Mailer } from "./notify/mailer.js";
import { evaluate, periodRates, type AlarmState } from "./notify/evaluate.js";

const ALARM = "Alarm";
const CONTACT = "ContactMethod";
/** AWS's alarm period for Lightsail metrics: 5 minutes, evaluated every minute. */
const DEFAULT_PERIOD_MS = 300_000;
const EVALUATIONS_PER_PERIOD = 5;
const MAX_ALARMS = 200;

/** Metrics an alarm may watch per resource type, with AWS's statistic and unit. */
const METRICS: Record<string, Record<string, { statistic: string; unit: string }>> = {
  Instance: {
    CPUUtilization: { statistic: "Average", unit: "Percent" },
    NetworkIn: { statistic: "Sum", unit: "Bytes" },
    NetworkOut: { statistic: "Sum", unit: "Bytes" },
    StatusCheckFailed: { statistic: "Sum", unit: "Count" },
    StatusCheckFailed_Instance: { statistic: "Sum", unit: "Count" },
    StatusCheckFailed_System: { statistic: "Sum", unit: "Count" },
    BurstCapacityTime: { statistic: "Average", unit: "Seconds" },
    BurstCapacityPercentage: { statistic: "Average", unit: "Percent" },
    MetadataNoToken: { statistic: "Sum", unit: "Count" },
  },
  RelationalDatabase: {
    CPUUtilization: { statistic: "Average", unit: "Percent" },
    DatabaseConnections: { statistic: "Sum", unit: "Count" },
    DiskQueueDepth: { statistic: "Average", unit: "Count" },
    FreeStorageSpace: { statistic: "Average", unit: "Bytes" },
    NetworkReceiveThroughput: { statistic: "Average", unit: "Bytes/Second" },
    NetworkTransmitThroughput: { statistic: "Average", unit: "Bytes/Second" },
  },
};
const OPERATORS = ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"];
const MISSING = ["breaching", "notBreaching", "ignore", "missing"];
const STATES = ["OK", "ALARM", "INSUFFICIENT_DATA"];
const PROTOCOLS = ["Email", "SMS"];

/** A measurement of an instance: cumulative CPU seconds and network bytes at time t. */
type Sample = { t: number; cpu: number; rx: number; tx: number };
type AlarmBody = NonNullable<L.GetAlarmsOutput["alarms"]>[number];
interface ContactBody {
  contactEndpoint: string;
  status: string;
  protocol: string;
  name: string;
  arn: string;
  location: L.Location;
  resourceType: string;
  supportCode: string;
  /** The pending verification's secret (link token) and when it expires. */
  token?: string;
  tokenExpires?: number;
}

export class AlarmOps {
  readonly mailer: Mailer;
  private readonly timer: NodeJS.Timeout;
  /** The alarms' period (--lightsail-metric-period-seconds) and how often they are evaluated. */
  readonly periodMs: number;
  private readonly evaluateEveryMs: number;
  private evaluating = false;

  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {
    this.mailer = new Mailer(env.config.outboxDir ?? join(env.config.dataDir, "outbox"), env.config.smtpUrl, () => env.clock.now());
    this.periodMs = env.config.lightsailMetricPeriodMs ?? DEFAULT_PERIOD_MS;
    this.evaluateEveryMs = this.periodMs / EVALUATIONS_PER_PERIOD;
    this.timer = setInterval(() => void this.tick(), this.evaluateEveryMs);
    this.timer.unref();
  }

  // ---- contact methods ----

  private contact(ctx: RequestContext, protocol: unknown): ResourceRow<ContactBody> | undefined {
    return this.shared.db.get<ContactBody>(ctx, CONTACT, String(protocol));
  }

  CreateContactMethod(ctx: RequestContext, input: L.CreateContactMethodInput): L.CreateContactMethodOutput {
    const protocol = input.protocol;
    if (!PROTOCOLS.includes(protocol)) throw invalidInput("protocol must be Email or SMS");
    const endpoint = typeof input.contactEndpoint === "string" ? input.contactEndpoint.trim() : "";
    if (protocol === "Email" && !/^[^\s@<>"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$/.test(endpoint)) throw invalidInput("The contact endpoint must be a valid email address");
    if (protocol === "SMS" && !/^\+[1-9]\d{1,14}$/.test(endpoint)) throw invalidInput("The contact endpoint must be a phone number in E.164 format, such as +1XXX5550100");
    if (this.contact(ctx, protocol)) throw invalidInput(`A ${protocol} contact method already exists in ${ctx.region}: delete it first`);
    const arn = this.shared.arn(ctx, CONTACT);
    const row: ResourceRow<ContactBody> = {
      account: ctx.accountId,
      region: ctx.region,
      type: CONTACT,
      name: protocol,
      arn,
      created: this.env.clock.now(),
      body: { contactEndpoint: endpoint, status: protocol === "SMS" ? "Valid" : "PendingVerification", protocol, name: protocol, arn, location: this.shared.location(ctx), resourceType: CONTACT, supportCode: `${ctx.accountId}/${protocol}` },
    };
    this.shared.db.put(row);
    if (protocol === "Email") this.sendVerification(row);
    return { operations: [this.shared.operation(ctx, protocol, CONTACT, "CreateContactMethod")] };
  }

  /** A new verification token (24 hours, as AWS's link) in a verification email. */
  private sendVerification(row: ResourceRow<ContactBody>): void {
    const token = randomBytes(24).toString("base64url");
    row.body.token = token;
    row.body.tokenExpires = this.env.clock.now() + 24 * 3600 * 1000;
    row.body.status = "PendingVerification";
    this.shared.db.put(row);
    const link = `${this.env.services.localEndpoint}/_aws/lightsail/verify-contact?token=${token}`;
    void this.mailer
      .sendEmail({
        to: row.body.contactEndpoint,
        subject: "Amazon Lightsail: verify your email address",
        text: `Hello,\n\nYou added this email address as a notification contact for Amazon Lightsail in ${row.region} (account ${row.account}).\nTo confirm, open this link within 24 hours:\n\n${link}\n`,
      })
      .catch((e: Error) => this.env.log.warn(`lightsail: verification email to ${row.body.contactEndpoint} not sent: ${e.message}`));
  }

  SendContactMethodVerification(ctx: RequestContext, input: L.SendContactMethodVerificationInput): L.SendContactMethodVerificationOutput {
    if (input.protocol !== "Email") throw invalidInput("Only Email contact methods are verified: SMS contact methods don't need to be verified");
    const row = this.contact(ctx, "Email");
    if (!row) throw notFound("There is no Email contact method in this Region");
    if (row.body.status === "Valid") throw invalidInput("The Email contact method is already verified");
    this.sendVerification(row);
    return { operations: [this.shared.operation(ctx, "Email", CONTACT, "SendContactMethodVerification")] };
  }

  GetContactMethods(ctx: RequestContext, input: L.GetContactMethodsInput): L.GetContactMethodsOutput {
    const want = input.protocols && input.protocols.length > 0 ? new Set(input.protocols) : undefined;
    const rows = this.shared.db.list<ContactBody>(ctx, CONTACT).filter((r) => !want || want.has(r.body.protocol));
    return { contactMethods: rows.map((r) => this.contactView(r)) };
  }

  private contactView(r: ResourceRow<ContactBody>): NonNullable<L.GetContactMethodsOutput["contactMethods"]>[number] {
    const { token: _t, tokenExpires, ...b } = r.body;
    const expired = b.status === "PendingVerification" && tokenExpires !== undefined && tokenExpires < this.env.clock.now();
    return { ...b, status: expired ? "Invalid" : b.status, createdAt: new Date(r.created) };
  }

  DeleteContactMethod(ctx: RequestContext, input: L.DeleteContactMethodInput): L.DeleteContactMethodOutput {
    if (!PROTOCOLS.includes(input.protocol)) throw invalidInput("protocol must be Email or SMS");
    if (!this.contact(ctx, input.protocol)) throw notFound(`There is no ${input.protocol} contact method in this Region`);
    this.shared.db.delete(ctx, CONTACT, input.protocol);
    return { operations: [this.shared.operation(ctx, input.protocol, CONTACT, "DeleteContactMethod")] };
  }

  /** GET /_aws/lightsail/verify-contact?token=… — the link in the verification email. */
  verifyContact(req: HttpRequest): HttpResponse {
    const token = req.query.get("token") ?? "";
    const page = (status: number, text: string): HttpResponse => ({ status, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: text + "\n" });
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return page(400, "This verification link is not valid.");
    const row = this.shared.db.all<ContactBody>(CONTACT).find((r) => r.body.token === token);
    if (!row) return page(404, "This verification link is not valid or was already used.");
    if ((row.body.tokenExpires ?? 0) < this.env.clock.now()) return page(410, "This verification link has expired: send a new one with SendContactMethodVerification.");
    row.body.status = "Valid";
    delete row.body.token;
    delete row.body.tokenExpires;
    this.shared.db.put(row);
    return page(200, `Your email address ${row.body.contactEndpoint} is verified for Amazon Lightsail notifications in ${row.region}.`);
  }

  // ---- alarms ----

  private monitored(ctx: RequestContext, name: string): ResourceRow<{ hardware?: { cpuCount?: number } }> {
    for (const t of ["Instance", "RelationalDatabase"]) {
      const r = this.shared.db.get<{ hardware?: { cpuCount?: number } }>(ctx, t, name);
      if (r) return r;
    }
    throw notFound(`The monitored resource does not exist: ${name}`);
  }

  PutAlarm(ctx: RequestContext, input: L.PutAlarmInput): L.PutAlarmOutput {
    const name = checkName(input.alarmName, "alarmName");
    const res = this.monitored(ctx, checkName(input.monitoredResourceName, "monitoredResourceName"));
    const metric = METRICS[res.type]?.[input.metricName];
    if (!metric) throw invalidInput(`The metric ${String(input.metricName).slice(0, 100)} can't be monitored for a ${res.type}: use one of ${Object.keys(METRICS[res.type] ?? {}).join(", ")}`);
    if (!OPERATORS.includes(input.comparisonOperator)) throw invalidInput(`comparisonOperator must be one of ${OPERATORS.join(", ")}`);
    if (typeof input.threshold !== "number" || !Number.isFinite(input.threshold)) throw invalidInput("threshold must be a number");
    const periods = input.evaluationPeriods;
    if (!Number.isInteger(periods) || periods < 1 || periods > 288) throw invalidInput("evaluationPeriods must be from 1 to 288 (24 hours of 5-minute periods)");
    const dta = input.datapointsToAlarm ?? periods;
    if (!Number.isInteger(dta) || dta < 1 || dta > periods) throw invalidInput("datapointsToAlarm must be from 1 to evaluationPeriods");
    const missing = input.treatMissingData ?? "missing";
    if (!MISSING.includes(missing)) throw invalidInput(`treatMissingData must be one of ${MISSING.join(", ")}`);
    const protocols = input.contactProtocols ?? [];
    if (!protocols.every((p) => PROTOCOLS.includes(p))) throw invalidInput("contactProtocols may contain Email and SMS");
    const triggers = input.notificationTriggers ?? ["ALARM"];
    if (!triggers.every((t) => STATES.includes(t))) throw invalidInput("notificationTriggers may contain OK, ALARM and INSUFFICIENT_DATA");
    const existing = this.shared.db.get<AlarmBody>(ctx, ALARM, name);
    if (!existing && this.shared.db.list(ctx, ALARM).length >= MAX_ALARMS) throw invalidInput(`You can have at most ${MAX_ALARMS} alarms`);
    const arn = existing?.arn ?? this.shared.arn(ctx, ALARM);
    const body: AlarmBody = {
      name,
      arn,
      location: this.shared.location(ctx),
      resourceType: ALARM,
      supportCode: `${ctx.accountId}/${name}`,
      monitoredResourceInfo: { arn: res.arn, name: res.name, resourceType: res.type },
      comparisonOperator: input.comparisonOperator,
      evaluationPeriods: periods,
      period: Math.round(this.periodMs / 1000),
      threshold: input.threshold,
      datapointsToAlarm: dta,
      treatMissingData: missing,
      statistic: metric.statistic,
      metricName: input.metricName,
      state: existing?.body.state ?? "INSUFFICIENT_DATA",
      unit: metric.unit,
      contactProtocols: [...new Set(protocols)],
      notificationTriggers: [...new Set(triggers)],
      notificationEnabled: input.notificationEnabled ?? true,
    };
    this.shared.db.put({ account: ctx.accountId, region: ctx.region, type: ALARM, name, arn, created: existing?.created ?? this.env.clock.now(), body });
    void this.evaluateOne(ctx.accountId, ctx.region, name);
    return { operations: [this.shared.operation(ctx, name, ALARM, "PutAlarm")] };
  }

  GetAlarms(ctx: RequestContext, input: L.GetAlarmsInput): L.GetAlarmsOutput {
    let rows = this.shared.db.list<AlarmBody>(ctx, ALARM);
    if (input.alarmName !== undefined) {
      rows = rows.filter((r) => r.name === input.alarmName);
      if (rows.length === 0) throw notFound(`The alarm does not exist: ${String(input.alarmName).slice(0, 255)}`);
    }
    if (input.monitoredResourceName !== undefined) rows = rows.filter((r) => r.body.monitoredResourceInfo?.name === input.monitoredResourceName);
    return { alarms: rows.map((r) => ({ ...r.body, createdAt: new Date(r.created) })) };
  }

  DeleteAlarm(ctx: RequestContext, input: L.DeleteAlarmInput): L.DeleteAlarmOutput {
    const name = checkName(input.alarmName, "alarmName");
    if (!this.shared.db.get(ctx, ALARM, name)) throw notFound(`The alarm does not exist: ${name}`);
    this.shared.db.delete(ctx, ALARM, name);
    return { operations: [this.shared.operation(ctx, name, ALARM, "DeleteAlarm")] };
  }

  /** AWS: sets the state for a test and sends the notifications the alarm's triggers ask for. */
  async TestAlarm(ctx: RequestContext, input: L.TestAlarmInput): Promise<L.TestAlarmOutput> {
    const name = checkName(input.alarmName, "alarmName");
    if (!STATES.includes(input.state)) throw invalidInput("state must be OK, ALARM or INSUFFICIENT_DATA");
    const row = this.shared.db.get<AlarmBody>(ctx, ALARM, name);
    if (!row) throw notFound(`The alarm does not exist: ${name}`);
    await this.transition(row, input.state as AlarmState, `Test of the alarm: state set to ${input.state}`, true);
    return { operations: [this.shared.operation(ctx, name, ALARM, "TestAlarm")] };
  }

  // ---- evaluation and notification ----

  /** The metric's values for the alarm's evaluated periods (oldest first), from the instance's samples. */
  private datapoints(row: ResourceRow<AlarmBody>, end: number): Array<number | undefined> {
    const a = row.body;
    const periods = a.evaluationPeriods!;
    const none = Array.from({ length: periods }, () => undefined);
    if (a.monitoredResourceInfo?.resourceType !== "Instance") return none;
    // The instances' runtime (the ls group's InstanceRuntime) keeps per-instance samples by ARN.
    const runtime = (this.shared as { instances?: { samples: Map<string, Sample[]> } }).instances;
    const samples = runtime?.samples.get(a.monitoredResourceInfo.arn!) ?? [];
    const periodMs = this.periodMs;
    const periodSeconds = periodMs / 1000;
    const res = this.shared.db.get<{ hardware?: { cpuCount?: number } }>({ accountId: row.account, region: row.region }, "Instance", a.monitoredResourceInfo.name!);
    const cpus = res?.body.hardware?.cpuCount ?? 1;
    switch (a.metricName) {
      case "CPUUtilization":
        return periodRates(samples.map((s) => ({ t: s.t, v: s.cpu })), end, periodMs, periods, 100 / cpus);
      case "NetworkIn":
        return periodRates(samples.map((s) => ({ t: s.t, v: s.rx })), end, periodMs, periods, periodSeconds);
      case "NetworkOut":
        return periodRates(samples.map((s) => ({ t: s.t, v: s.tx })), end, periodMs, periods, periodSeconds);
      case "StatusCheckFailed":
      case "StatusCheckFailed_Instance":
      case "StatusCheckFailed_System": {
        // A running sandbox passes its status checks; a period with samples is a period it was running.
        return periodRates(samples.map((s) => ({ t: s.t, v: 0 })), end, periodMs, periods, 1);
      }
      default:
        return none;
    }
  }

  private async evaluateOne(account: string, region: string, name: string): Promise<void> {
    const row = this.shared.db.get<AlarmBody>({ accountId: account, region }, ALARM, name);
    if (!row) return;
    const values = this.datapoints(row, this.env.clock.now());
    const a = row.body;
    const next = evaluate(
      { comparisonOperator: a.comparisonOperator!, threshold: a.threshold!, evaluationPeriods: a.evaluationPeriods!, datapointsToAlarm: a.datapointsToAlarm!, treatMissingData: a.treatMissingData! },
      values,
      (a.state ?? "INSUFFICIENT_DATA") as AlarmState,
    );
    if (next !== a.state) {
      const shown = values.map((v) => (v === undefined ? "missing" : v.toFixed(2))).join(", ");
      await this.transition(row, next, `Threshold crossed: datapoints [${shown}] ${a.comparisonOperator} ${a.threshold}`, false);
    }
  }

  /** The timer: one evaluation at a time (an SMTP server that answers slowly must not pile them up). */
  private async tick(): Promise<void> {
    if (this.evaluating) return;
    this.evaluating = true;
    try {
      await this.evaluateAll();
    } finally {
      this.evaluating = false;
    }
  }

  /**
   * Samples the monitored instances the runtime has not sampled within half an evaluation interval: its own
   * timer samples every minute, which is enough for AWS's 5-minute periods but not for shorter ones.
   */
  private sampleMonitored(alarms: ResourceRow<AlarmBody>[]): void {
    const runtime = this.shared.instances as { samples?: Map<string, Sample[]>; sample?: (arn: string) => void } | undefined;
    if (!runtime?.sample || !runtime.samples) return;
    const now = this.env.clock.now();
    const arns = new Set(alarms.filter((a) => a.body.monitoredResourceInfo?.resourceType === "Instance").map((a) => a.body.monitoredResourceInfo!.arn!));
    for (const arn of arns) {
      const list = runtime.samples.get(arn);
      const last = list?.[list.length - 1];
      if (last && now - last.t < this.evaluateEveryMs / 2) continue;
      runtime.sample(arn);
    }
  }

  /** Evaluates every alarm (the timer); exposed for tests that drive the clock. */
  async evaluateAll(): Promise<void> {
    const alarms = this.shared.db.all<AlarmBody>(ALARM);
    this.sampleMonitored(alarms);
    for (const r of alarms) {
      try {
        await this.evaluateOne(r.account, r.region, r.name);
      } catch (e) {
        this.env.log.warn(`lightsail: evaluating alarm ${r.name} failed`, e);
      }
    }
  }

  private async transition(row: ResourceRow<AlarmBody>, state: AlarmState, reason: string, test: boolean): Promise<void> {
    const old = row.body.state;
    row.body.state = state;
    this.shared.db.put(row);
    const a = row.body;
    if (!a.notificationEnabled || !(a.notificationTriggers ?? []).includes(state) || (!test && old === state)) return;
    const ctx = { accountId: row.account, region: row.region };
    const subject = `${state}: "${a.name}" in ${row.region}${test ? " (test)" : ""}`;
    const text = [
      `Your Amazon Lightsail alarm "${a.name}" in ${row.region} is now in the ${state} state${test ? " (a test notification)" : ""}.`,
      "",
      `Resource: ${a.monitoredResourceInfo?.resourceType} ${a.monitoredResourceInfo?.name}`,
      `Metric: ${a.metricName} (${a.statistic}, ${a.period}-second periods)`,
      `Condition: ${a.comparisonOperator} ${a.threshold} for ${a.datapointsToAlarm} out of ${a.evaluationPeriods} periods`,
      `Previous state: ${old}`,
      `Reason: ${reason}`,
      `Time: ${new Date(this.env.clock.now()).toISOString()}`,
    ].join("\n");
    for (const p of a.contactProtocols ?? []) {
      const c = this.shared.db.get<ContactBody>(ctx, CONTACT, p);
      if (!c || c.body.status !== "Valid") continue;
      try {
        if (p === "Email") await this.mailer.sendEmail({ to: c.body.contactEndpoint, subject, text });
        else this.mailer.sendSms(c.body.contactEndpoint, `${subject}. ${a.metricName} ${a.comparisonOperator} ${a.threshold}`);
      } catch (e) {
        this.env.log.warn(`lightsail: alarm ${a.name}: ${p} notification not sent: ${(e as Error).message}`);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
