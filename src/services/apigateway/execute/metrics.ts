/**
 * AWS/ApiGateway metrics of REST API stages ("Amazon API Gateway dimensions and metrics"): Count, 4XXError,
 * 5XXError (0 or 1 per request, so Sum and Average work as on AWS), Latency, IntegrationLatency (ms), and
 * CacheHitCount/CacheMissCount for methods that cache — by ApiName and Stage, and by ApiName, Method,
 * Resource and Stage when the method's settings turn detailed metrics on (metricsEnabled). Published through
 * the CloudWatch metric sink (a map update per value; written off the request path).
 */
import { metricSink } from "../../cloudwatch/publish.js";
import type { ServiceHost } from "../../host.js";
import type { Target } from "./route.js";

const NAMESPACE = "AWS/ApiGateway";

export function publishRequestMetrics(services: ServiceHost, target: Target, apiName: string, status: number, latencyMs: number, context: Record<string, unknown>, detailed: boolean, cacheHit: boolean | undefined, nowMs: number): void {
  const sink = metricSink(services);
  const { accountId, region } = target.location;
  const dims: Array<Record<string, string>> = [{ ApiName: apiName, Stage: target.stageName }];
  if (detailed && typeof context.resourcePath === "string") dims.push({ ApiName: apiName, Method: String(context.httpMethod), Resource: context.resourcePath, Stage: target.stageName });
  const integration = typeof context.integrationLatency === "number" ? context.integrationLatency : undefined;
  for (const d of dims) {
    sink.put(accountId, region, NAMESPACE, "Count", d, 1, "Count", nowMs);
    sink.put(accountId, region, NAMESPACE, "4XXError", d, status >= 400 && status < 500 ? 1 : 0, "Count", nowMs);
    sink.put(accountId, region, NAMESPACE, "5XXError", d, status >= 500 ? 1 : 0, "Count", nowMs);
    sink.put(accountId, region, NAMESPACE, "Latency", d, latencyMs, "Milliseconds", nowMs);
    if (integration !== undefined) sink.put(accountId, region, NAMESPACE, "IntegrationLatency", d, integration, "Milliseconds", nowMs);
    if (cacheHit !== undefined) {
      sink.put(accountId, region, NAMESPACE, "CacheHitCount", d, cacheHit ? 1 : 0, "Count", nowMs);
      sink.put(accountId, region, NAMESPACE, "CacheMissCount", d, cacheHit ? 0 : 1, "Count", nowMs);
    }
  }
}
