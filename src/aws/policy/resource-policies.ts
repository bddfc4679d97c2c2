/**
 * Resource-based policies for --enforce-iam: the policy attached to the resource a request acts on (a Lambda
 * function's policy, an S3 bucket policy, a DynamoDB table's resource policy, an event bus policy, an ECR
 * repository policy). A provider that keeps such policies implements `resourcePolicy(arn)` — a plain lookup
 * (no ServiceError on the hot path) that answers the policy document as stored, or undefined when the resource
 * has none or does not exist. The evaluator combines it with the caller's identity policies as AWS's
 * evaluation logic says (evaluate.ts: same account, either side may allow; across accounts, both must).
 */
import type { ServiceHost } from "../../services/host.js";

/** What a provider with resource policies implements (not an operation: lower-case, never routed). */
export interface ResourcePolicySource {
  resourcePolicy(arn: string): string | undefined;
}

/** The ARN's service segment → the service whose provider keeps that resource's policy. */
const OWNERS: Record<string, string> = { lambda: "lambda", s3: "s3", dynamodb: "dynamodb", events: "events", ecr: "ecr" };

/** The resource policy that governs `arn`, if its service keeps one (only started providers are asked). */
export function resourcePolicyOf(services: ServiceHost, arn: string): Promise<string | undefined> | string | undefined {
  const start = arn.indexOf(":", arn.indexOf(":") + 1) + 1;
  const service = OWNERS[arn.slice(start, arn.indexOf(":", start))];
  if (!service) return undefined;
  // The provider once loaded is asked synchronously: an await per request is measurable on the GetItem path.
  const known = loaded.get(services)?.get(service);
  if (known) return known.resourcePolicy?.(arn);
  return Promise.resolve(services.get(service)).then((provider) => {
    const p = (provider ?? {}) as Partial<ResourcePolicySource>;
    let byService = loaded.get(services);
    if (!byService) loaded.set(services, (byService = new Map()));
    byService.set(service, p);
    return p.resourcePolicy?.(arn);
  });
}

const loaded = new WeakMap<ServiceHost, Map<string, Partial<ResourcePolicySource>>>();
