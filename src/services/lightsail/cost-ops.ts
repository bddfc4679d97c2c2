/**
 * GetCostEstimate (from the bundle's monthly price and the hours the instance really ran — Lightsail bills
 * hourly at price / 744, capped at the monthly price, https://aws.amazon.com/lightsail/pricing/) and
 * GetInstanceMetricData (CPUUtilization, NetworkIn/Out, StatusCheckFailed*, measured from the instance's
 * processes and network namespace; instances/runtime.ts samples every minute and at each query).
 *
 * Unconfirmed against AWS: the usageType names ("BundleUsage:<bundleId>") and one resultsByTime entry per UTC day.
 */
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { bundleById } from "./catalogue.js";
import type { InstanceBody } from "./instances/runtime.js";
import { checkName, invalidInput, notFound, type LightsailShared } from "./shared.js";

const HOURS_PER_MONTH = 744;
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const MAX_DAYS = 366;
const MAX_DATAPOINTS = 1440;
const METRICS: Record<string, string> = {
  CPUUtilization: "Percent", NetworkIn: "Bytes", NetworkOut: "Bytes", StatusCheckFailed: "Count",
  StatusCheckFailed_Instance: "Count", StatusCheckFailed_System: "Count", BurstCapacityTime: "Seconds", BurstCapacityPercentage: "Percent",
};
const STATISTICS = ["Minimum", "Maximum", "Sum", "Average", "SampleCount"];

const toMs = (d: unknown) => (d instanceof Date ? d.getTime() : typeof d === "number" ? d * 1000 : Date.parse(String(d)));

/** Milliseconds of [from, to) covered by the running intervals. */
export function runningMs(intervals: Array<[number, number | null]>, from: number, to: number, now: number): number {
  let ms = 0;
  for (const [s, e] of intervals) ms += Math.max(0, Math.min(to, e ?? now) - Math.max(from, s));
  return ms;
}

export class CostOps {
  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {}

  GetCostEstimate(ctx: RequestContext, input: L.GetCostEstimateInput): L.GetCostEstimateOutput {
    const name = checkName(input.resourceName, "resourceName");
    const start = toMs(input.startTime);
    const end = toMs(input.endTime);
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) throw invalidInput("endTime must be after startTime");
    if (end - start > MAX_DAYS * DAY_MS) throw invalidInput(`The time range must be at most ${MAX_DAYS} days`);
    const r = this.shared.db.get<InstanceBody>(ctx, "Instance", name);
    if (!r) throw notFound(`The resource does not exist: ${name}`);
    const bundle = bundleById(r.body.bundleId!)!;
    const now = this.env.clock.now();
    const resultsByTime: NonNullable<NonNullable<NonNullable<L.GetCostEstimateOutput["resourcesBudgetEstimate"]>[number]["costEstimates"]>[number]["resultsByTime"]> = [];
    for (let day = Math.floor(start / DAY_MS) * DAY_MS; day < end; day += DAY_MS) {
      const from = Math.max(day, start);
      const to = Math.min(day + DAY_MS, end);
      const hours = runningMs(r.body.sk.intervals, from, to, now) / HOUR_MS;
      resultsByTime.push({
        usageCost: Number(((hours * bundle.price) / HOURS_PER_MONTH).toFixed(10)),
        pricingUnit: "Hours",
        unit: Number(hours.toFixed(8)),
        currency: "USD",
        timePeriod: { start: new Date(from), end: new Date(to) },
      });
    }
    return {
      resourcesBudgetEstimate: [{
        resourceName: name, resourceType: "Instance", startTime: new Date(start), endTime: new Date(end),
        costEstimates: [{ usageType: `BundleUsage:${bundle.bundleId}`, resultsByTime }],
      }],
    };
  }

  GetInstanceMetricData(ctx: RequestContext, input: L.GetInstanceMetricDataInput): L.GetInstanceMetricDataOutput {
    const name = checkName(input.instanceName, "instanceName");
    const r = this.shared.db.get<InstanceBody>(ctx, "Instance", name);
    if (!r) throw notFound(`The Instance does not exist: ${name}`);
    const unit = METRICS[input.metricName];
    if (!unit) throw invalidInput(`The metric name ${String(input.metricName).slice(0, 64)} is not valid for an instance`);
    if (!Number.isInteger(input.period) || input.period < 60 || input.period > 86400) throw invalidInput("period must be 60 to 86400 seconds");
    if (!Array.isArray(input.statistics) || !input.statistics.length || input.statistics.some((s) => !STATISTICS.includes(s))) throw invalidInput(`statistics must be among ${STATISTICS.join(", ")}`);
    const start = toMs(input.startTime);
    const end = toMs(input.endTime);
    const periodMs = input.period * 1000;
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) throw invalidInput("endTime must be after startTime");
    if ((end - start) / periodMs > MAX_DATAPOINTS) throw invalidInput(`At most ${MAX_DATAPOINTS} datapoints per request`);
    this.shared.instances.sample(r.arn);
    const samples = this.shared.instances.samples.get(r.arn) ?? [];
    const cpus = r.body.hardware?.cpuCount ?? 1;
    // One value per interval between consecutive samples, attributed to the interval's end.
    const values: Array<{ t: number; v: number }> = [];
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1]!;
      const b = samples[i]!;
      const dt = (b.t - a.t) / 1000;
      if (dt <= 0) continue;
      let v: number;
      switch (input.metricName) {
        case "CPUUtilization": v = Math.min(100, Math.max(0, ((b.cpu - a.cpu) / dt / cpus) * 100)); break;
        case "NetworkIn": v = Math.max(0, b.rx - a.rx); break;
        case "NetworkOut": v = Math.max(0, b.tx - a.tx); break;
        case "BurstCapacityPercentage": v = 100; break;
        case "BurstCapacityTime": v = dt; break;
        default: v = 0; // status checks pass while the instance runs
      }
      values.push({ t: b.t, v });
    }
    const metricData: NonNullable<L.MetricDataShape> = [];
    for (let t = start; t < end; t += periodMs) {
      const inBucket = values.filter((x) => x.t >= t && x.t < t + periodMs).map((x) => x.v);
      if (!inBucket.length) continue;
      const sum = inBucket.reduce((a, b) => a + b, 0);
      const point: L.MetricDataShape[number] = { timestamp: new Date(t), unit };
      for (const s of input.statistics) {
        if (s === "Sum") point.sum = sum;
        if (s === "Average") point.average = sum / inBucket.length;
        if (s === "Minimum") point.minimum = Math.min(...inBucket);
        if (s === "Maximum") point.maximum = Math.max(...inBucket);
        if (s === "SampleCount") point.sampleCount = inBucket.length;
      }
      metricData.push(point);
    }
    return { metricName: input.metricName, metricData };
  }
}
