/**
 * Alias routing ("Implement Lambda canary deployments using a weighted alias"): an alias points at one version
 * and may send a share of invocations (RoutingConfig.AdditionalVersionWeights, 0–1) to one other published
 * version. The executed version is what Invoke reports in X-Amz-Executed-Version.
 */
import { ServiceError } from "../../aws/errors.js";
import type { AliasRow } from "./store.js";

/** The version an invocation of the alias runs, given a uniform draw in [0, 1). */
export function routeAlias(alias: AliasRow, draw: number): string {
  let r = draw;
  for (const [version, weight] of Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {})) {
    if (r < weight) return version;
    r -= weight;
  }
  return alias.FunctionVersion;
}

/** AWS's checks of a routing configuration that the model cannot express. */
export function checkRouting(version: string, weights: Record<string, number> | undefined): void {
  const extra = Object.entries(weights ?? {});
  if (!extra.length) return;
  for (const [, w] of extra) {
    if (!(w >= 0 && w <= 1)) throw new ServiceError("ValidationException", "1 validation error detected: Value at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]", 400);
  }
  if (version === "$LATEST" || extra.some(([v]) => v === "$LATEST")) throw new ServiceError("InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version", 400);
  // "You can point an alias to a maximum of two Lambda function versions" (message not checked against AWS).
  if (extra.length > 1) throw new ServiceError("InvalidParameterValueException", "Number of items in AdditionalVersionWeights cannot be greater than 1", 400);
}
