/**
 * What an HTTP API request leaves behind, off the request path:
 * - access logs: the stage's AccessLogSettings.Format with its $context variables ("Customizing HTTP API
 *   access logs": requestId, routeKey, status, responseLength, integrationLatency, responseLatency,
 *   integrationStatus, integrationErrorMessage, error.message, identity.sourceIp, ...) into the destination
 *   log group (which must exist, as on AWS), stream {apiId}_{stage}; written by the REST path's
 *   StageLogWriter (apigateway/execute/access-log.ts);
 * - AWS/ApiGateway metrics by ApiId and Stage (and ApiId, Method, Resource, Stage with DetailedMetricsEnabled):
 *   Count, 4xx, 5xx, Latency, IntegrationLatency, DataProcessed — HTTP APIs' own metric names — through the
 *   CloudWatch metric sink.
 */
import type { HttpResponse } from "../../../aws/protocol/types.js";
import { logGroupOfArn, renderAccessLog, StageLogWriter } from "../../apigateway/execute/access-log.js";
import { metricSink } from "../../cloudwatch/publish.js";
import type { HttpApiDataPlane } from "./data-plane.js";
import type { Exchange } from "./pipeline.js";

const NAMESPACE = "AWS/ApiGateway";
const writers = new WeakMap<HttpApiDataPlane, StageLogWriter>();

/** The access log writer of a data plane (tests flush it). */
export function logWriterOf(plane: HttpApiDataPlane): StageLogWriter {
  let w = writers.get(plane);
  if (!w) writers.set(plane, (w = new StageLogWriter(plane.services, plane.provider.log)));
  return w;
}

export function observe(ex: Exchange, res: HttpResponse, latencyMs: number): void {
  const stage = ex.stage;
  if (!stage?.DeploymentId) return; // no stage: nothing AWS would count or log either
  const bodyLength = typeof res.body === "string" ? Buffer.byteLength(res.body) : res.body.length;
  const now = ex.plane.provider.now();
  const c = ex.context;
  c.status = res.status;
  c.responseLength = bodyLength;
  c.responseLatency = Math.round(latencyMs);
  if (ex.integrationLatencyMs !== undefined) {
    c.integrationLatency = Math.round(ex.integrationLatencyMs);
    c.integrationStatus = ex.integrationStatus;
    c.integration = { status: ex.integrationStatus, latency: c.integrationLatency, error: ex.errorMessage, integrationStatus: ex.integrationStatus };
  }
  if (ex.errorMessage) c.integrationErrorMessage = ex.errorMessage;
  if (res.status >= 400 && !ex.integration) {
    try {
      c.error = { message: (JSON.parse(typeof res.body === "string" ? res.body : res.body.toString("utf8")) as { message?: string }).message, responseType: "-" };
    } catch {
      /* not a gateway error */
    }
  }
  const access = stage.AccessLogSettings;
  if (access?.DestinationArn && access.Format) {
    const dest = logGroupOfArn(access.DestinationArn);
    if (dest) logWriterOf(ex.plane).add(dest.account, dest.region, dest.group, `${ex.entry.api.ApiId}_${ex.stageName}`, now, renderAccessLog(access.Format, c), false);
  }
  const sink = metricSink(ex.plane.services);
  const { account, region } = ex.entry;
  const dims: Array<Record<string, string>> = [{ ApiId: ex.entry.api.ApiId, Stage: ex.stageName }];
  const route = ex.match?.route.RouteKey;
  if (stage.DefaultRouteSettings?.DetailedMetricsEnabled || (route && stage.RouteSettings?.[route]?.DetailedMetricsEnabled)) {
    if (route) {
      const space = route.indexOf(" ");
      dims.push({ ApiId: ex.entry.api.ApiId, Method: space < 0 ? ex.req.method : route.slice(0, space), Resource: space < 0 ? route : route.slice(space + 1), Stage: ex.stageName });
    }
  }
  const dataBytes = ex.req.body.length + bodyLength;
  for (const d of dims) {
    sink.put(account, region, NAMESPACE, "Count", d, 1, "Count", now);
    sink.put(account, region, NAMESPACE, "4xx", d, res.status >= 400 && res.status < 500 ? 1 : 0, "Count", now);
    sink.put(account, region, NAMESPACE, "5xx", d, res.status >= 500 ? 1 : 0, "Count", now);
    sink.put(account, region, NAMESPACE, "Latency", d, latencyMs, "Milliseconds", now);
    if (ex.integrationLatencyMs !== undefined) sink.put(account, region, NAMESPACE, "IntegrationLatency", d, ex.integrationLatencyMs, "Milliseconds", now);
    sink.put(account, region, NAMESPACE, "DataProcessed", d, dataBytes, "Bytes", now);
  }
}
