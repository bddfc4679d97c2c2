/**
 * The request path's side of an integration's credentials role (the role itself is assumed in sts/service-roles.ts):
 * AWS's 500 for a configuration error — "Internal server error" to the client, the reason in the execution log —
 * and Lambda invocations as the role, where a role that may not invoke is "Invalid permissions on Lambda function".
 */
import { ServiceError } from "../../../aws/errors.js";
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import type { Logger } from "../../../core/log.js";
import type { ActingIdentity } from "../../sts/service-roles.js";
import type { DeploymentSnapshot } from "../snapshot.js";
import { gatewayResponse } from "./gateway-response.js";
import { invokeLambda } from "./integrations.js";
import type { RequestTrace } from "./limits.js";
import type { Target } from "./route.js";

/** What of the pipeline's exchange a configuration error needs. */
export interface FailingExchange {
  req: HttpRequest;
  target: Target;
  snapshot: DeploymentSnapshot;
  context: Record<string, unknown>;
  stageVariables: Record<string, string>;
  requestId: string;
  log?: Logger;
  trace?: RequestTrace;
}

/** AWS's 500 for a configuration error: the client sees "Internal server error", the execution log why. */
export function configurationError(ex: FailingExchange, why: string): HttpResponse {
  ex.log?.warn(`apigateway: ${ex.target.apiId}/${ex.target.stageName} ${ex.req.method} ${ex.target.path} (${ex.requestId}): Execution failed due to configuration error: ${why}`);
  if (ex.trace) ex.trace.failure = why;
  return gatewayResponse(ex.snapshot, "DEFAULT_5XX", 500, "Internal server error", ex.context, ex.stageVariables);
}

/** Invokes a Lambda integration as `acting`; a role that may not invoke it is AWS's "Invalid permissions on Lambda function". */
export async function invokeAs(ex: FailingExchange, acting: ActingIdentity, fn: string, payload: Buffer): Promise<{ payload: Buffer; functionError?: string } | HttpResponse> {
  try {
    return await invokeLambda(acting.caller, acting.ctx, fn, payload);
  } catch (e) {
    if (e instanceof ServiceError && e.status === 403) return configurationError(ex, "Invalid permissions on Lambda function");
    throw e;
  }
}
