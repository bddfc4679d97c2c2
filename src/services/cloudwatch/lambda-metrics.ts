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
