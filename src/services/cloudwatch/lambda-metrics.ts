/**
 * AWS/Lambda metrics, published by the Lambda provider around each invocation: Invocations, Errors,
 * Throttles (Count), Duration (Milliseconds) and ConcurrentExecutions (Count, the number running when one
 * starts), each by FunctionName, by FunctionName and Resource (name:qualifier, when invoked with one) and
 * across the account (no dimensions) as AWS aggregates them.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 */
import type { ServiceHost } from "../host.js";
import { metricSink } from "./publish.js";

export type InvocationOutcome = { kind: "ok" | "error"; durationMs: number } | { kind: "throttled" };

const running = new WeakMap<ServiceHost, Map<string, number>>();

/** Marks an invocation's start; the returned function records its outcome. */
export function startInvocation(services: ServiceHost, account: string, region: string, functionName: string, invokedArn: string, now: () => number): (o: InvocationOutcome) => void {
  let counts = running.get(services);
  if (!counts) running.set(services, (counts = new Map()));
  const key = `${account}\u0000${region}\u0000${functionName}`;
  const accountKey = `${account}\u0000${region}`;
  const n = (counts.get(key) ?? 0) + 1;
  const total = (counts.get(accountKey) ?? 0) + 1;
  counts.set(key, n);
  counts.set(accountKey, total);
  const qualifier = /:function:[^:]+:([^:]+)$/.exec(invokedArn)?.[1];
  const sets: Array<Record<string, string>> = [{ FunctionName: functionName }, {}];
  if (qualifier) sets.push({ FunctionName: functionName, Resource: `${functionName}:${qualifier}` });
  const sink = metricSink(services);
  const put = (name: string, value: number, unit: string, dims = sets) => {
    const ts = now();
    for (const d of dims) sink.put(account, region, "AWS/Lambda", name, d, value, unit, ts);
  };
  put("ConcurrentExecutions", n, "Count", sets.slice(0, 1));
  put("ConcurrentExecutions", total, "Count", [{}]);
  return (o) => {
    counts.set(key, counts.get(key)! - 1);
    counts.set(accountKey, counts.get(accountKey)! - 1);
    if (o.kind === "throttled") return put("Throttles", 1, "Count");
    put("Invocations", 1, "Count");
    put("Errors", o.kind === "error" ? 1 : 0, "Count");
    put("Duration", o.durationMs, "Milliseconds");
  };
}

/** Skyport's own namespace for what its environment scheduler does: AWS has no such metrics, and AWS/* is AWS's. */
export const SKYPORT_LAMBDA_NAMESPACE = "Skyport/Lambda";

/** A function's environments at one moment (runtime/env-report.ts). */
export interface EnvironmentGauge {
  /** `account:region:function`; spares (`spare:…`) belong to no function and are left out. */
  poolKey: string;
  environments: number;
  busy: number;
  waiting: number;
  memoryMb: number;
}

/**
 * Skyport/Lambda metrics by FunctionName, for the environment scheduler (runtime/scheduler.ts):
 * - as they happen: EnvironmentStarts (Count), InitDuration (Milliseconds, one value per environment's init) and
 *   EnvironmentWaitTime (Milliseconds, one value per invocation that had to wait for an environment: its
 *   SampleCount is how many waited);
 * - sampled (runtime/env-report.ts) while a function has environments, and once when its last one is gone:
 *   Environments, BusyEnvironments, WaitingInvocations (Count) and EnvironmentMemory (Megabytes, measured PSS;
 *   left out of a sample taken before any of the function's environments was measured).
 */
export function environmentMetrics(services: ServiceHost, now: () => number) {
  const sink = metricSink(services);
  const put = (poolKey: string, name: string, value: number, unit: string) => {
    if (poolKey.startsWith("spare:")) return;
    const [account = "", region = "", ...rest] = poolKey.split(":");
    sink.put(account, region, SKYPORT_LAMBDA_NAMESPACE, name, { FunctionName: rest.join(":") }, value, unit, now());
  };
  const sampled = new Map<string, number>();
  return {
    started: (poolKey: string) => put(poolKey, "EnvironmentStarts", 1, "Count"),
    initialised: (poolKey: string, ms: number) => put(poolKey, "InitDuration", Math.round(ms * 100) / 100, "Milliseconds"),
    waited: (poolKey: string, ms: number) => put(poolKey, "EnvironmentWaitTime", Math.round(ms * 100) / 100, "Milliseconds"),
    sample(pools: EnvironmentGauge[]): void {
      for (const p of pools) {
        if (p.environments === 0 && !sampled.get(p.poolKey)) continue;
        sampled.set(p.poolKey, p.environments);
        put(p.poolKey, "Environments", p.environments, "Count");
        put(p.poolKey, "BusyEnvironments", p.busy, "Count");
        put(p.poolKey, "WaitingInvocations", p.waiting, "Count");
        // Not before any environment's memory was measured (a start in progress reads as 0 MB until then).
        if (p.memoryMb > 0 || p.environments === 0) put(p.poolKey, "EnvironmentMemory", p.memoryMb, "Megabytes");
      }
    },
  };
}
