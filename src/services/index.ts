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
}

export const SERVICES: Record<string, ServiceEntry> = {
  sts: { status: "available", load: async () => (await import("./sts/provider.js")).createProvider },
  dynamodb: { status: "available", load: async () => (await import("./dynamodb/provider.js")).createProvider },
  dynamodbstreams: { status: "available", load: async () => (await import("./dynamodbstreams/provider.js")).createProvider },
  lambda: { status: "partial", load: async () => (await import("./lambda/provider.js")).createProvider },
  logs: { status: "partial", load: async () => (await import("./logs/provider.js")).createProvider },
  apigateway: { status: "partial", load: async () => (await import("./apigateway/provider.js")).createProvider },
  apigatewayv2: { status: "planned" },
  apigatewaymanagementapi: { status: "planned" },
  s3: { status: "planned" },
  cloudwatch: { status: "planned" },
  batch: { status: "planned" },
  lightsail: { status: "planned" },
  events: { status: "planned" },
  iam: { status: "planned" },
  "cognito-idp": { status: "planned" },
  cloudformation: { status: "planned" },
};

export type { ServiceEnv };
