/**
 * The service registry: service name → status and a lazily imported provider factory. A service costs
 * nothing until its first request. `planned` services are routed (so clients get a clear answer) but
 * have no provider yet: every operation answers NotImplementedException.
 */
import type { ServiceEnv, ProviderFactory } from "./host.js";

export type ServiceStatus = "available" | "partial" | "planned";

export interface ServiceEntry {
  status: ServiceStatus;
  load?: () => Promise<ProviderFactory>;
  /**
   * SQL that returns a row when the service has persisted background work (queues, pollers, sweepers): such
   * a service's provider starts at boot, not on its first API call (a missing table means none). Several
   * queries: any of them (each on its own, so one table that does not exist yet hides nothing).
   */
  pendingWork?: string | string[];
}

export const SERVICES: Record<string, ServiceEntry> = {
  sts: { status: "available", load: async () => (await import("./sts/provider.js")).createProvider },
  dynamodb: { status: "available", load: async () => (await import("./dynamodb/provider.js")).createProvider, pendingWork: [`SELECT 1 FROM dynamodb_tables WHERE meta LIKE '%"ttl":{%"enabled":true%' LIMIT 1`, `SELECT 1 FROM dynamodb_transfers WHERE body LIKE '%"IN_PROGRESS"%' LIMIT 1`] },
  dynamodbstreams: { status: "available", load: async () => (await import("./dynamodbstreams/provider.js")).createProvider },
  lambda: { status: "partial", load: async () => (await import("./lambda/provider.js")).createProvider, pendingWork: ["SELECT 1 FROM lambda_async_queue UNION ALL SELECT 1 FROM lambda_event_sources LIMIT 1", "SELECT 1 FROM lambda_settings WHERE kind = 'provisioned' LIMIT 1"] },
  logs: { status: "partial", load: async () => (await import("./logs/provider.js")).createProvider, pendingWork: ["SELECT 1 FROM logs_groups WHERE retention IS NOT NULL LIMIT 1", `SELECT 1 FROM logs_objects WHERE kind = 'export-task' AND (body LIKE '%"code":"PENDING"%' OR body LIKE '%"code":"RUNNING"%') LIMIT 1`] },
  apigateway: { status: "partial", load: async () => (await import("./apigateway/provider.js")).createProvider },
  apigatewayv2: { status: "partial", load: async () => (await import("./apigatewayv2/provider.js")).createProvider },
  apigatewaymanagementapi: { status: "partial", load: async () => (await import("./apigatewaymanagementapi/provider.js")).createProvider },
  s3: { status: "partial", load: async () => (await import("./s3/provider.js")).createProvider, pendingWork: `SELECT 1 FROM s3_notify_queue UNION ALL SELECT 1 FROM s3_buckets WHERE config LIKE '%"lifecycle"%' LIMIT 1` },
  cloudwatch: { status: "partial", load: async () => (await import("./cloudwatch/provider.js")).createProvider, pendingWork: "SELECT 1 FROM cloudwatch_alarms LIMIT 1" },
  batch: { status: "partial", load: async () => (await import("./batch/provider.js")).createProvider, pendingWork: "SELECT 1 FROM batch_jobs WHERE status NOT IN ('SUCCEEDED', 'FAILED') LIMIT 1" },
  lightsail: { status: "partial", load: async () => (await import("./lightsail/provider.js")).createProvider, pendingWork: [`SELECT 1 FROM lightsail_resources WHERE type = 'Instance' AND body LIKE '%"desired":"running"%' LIMIT 1`, "SELECT 1 FROM lightsail_resources WHERE type IN ('Domain', 'RelationalDatabase', 'Alarm', 'LoadBalancer') LIMIT 1", `SELECT 1 FROM lightsail_resources WHERE type IN ('Instance', 'Disk') AND body LIKE '%"name":"AutoSnapshot","status":"Enabled"%' LIMIT 1`] },
  events: { status: "partial", load: async () => (await import("./events/provider.js")).createProvider, pendingWork: "SELECT 1 FROM events_deliveries UNION ALL SELECT 1 FROM events_rules WHERE next_fire IS NOT NULL LIMIT 1" },
  iam: { status: "partial", load: async () => (await import("./iam/provider.js")).createProvider, pendingWork: "SELECT 1 FROM iam_access_keys LIMIT 1" },
  "cognito-idp": { status: "partial", load: async () => (await import("./cognito-idp/provider.js")).createProvider },
  "cognito-identity": { status: "partial", load: async () => (await import("./cognito-identity/provider.js")).createProvider },
  cloudformation: { status: "planned" },
  ecr: { status: "partial", load: async () => (await import("./ecr/provider.js")).createProvider },
};

export type { ServiceEnv };
