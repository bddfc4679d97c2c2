/**
 * The error each service answers when authorization denies a request: the code and status are the
 * service's own (AccessDeniedException for the JSON services, AccessDenied for S3 and the query services),
 * the message is AWS's "User: ARN is not authorized to perform: ACTION on resource: RESOURCE because …".
 * S3 quotes the resource ARN ("Troubleshoot access denied (403 Forbidden) errors in Amazon S3").
 */
import { ServiceError } from "../errors.js";
import { accessDeniedMessage } from "./evaluate.js";
import type { AuthorizationRequest, Decision } from "./types.js";

const CODES: Record<string, { code: string; status: number }> = {
  dynamodb: { code: "AccessDeniedException", status: 400 },
  dynamodbstreams: { code: "AccessDeniedException", status: 400 },
  logs: { code: "AccessDeniedException", status: 400 },
  events: { code: "AccessDeniedException", status: 400 },
  "cognito-idp": { code: "AccessDeniedException", status: 400 },
  lambda: { code: "AccessDeniedException", status: 403 },
  apigateway: { code: "AccessDeniedException", status: 403 },
  apigatewayv2: { code: "AccessDeniedException", status: 403 },
  s3: { code: "AccessDenied", status: 403 },
  iam: { code: "AccessDenied", status: 403 },
  sts: { code: "AccessDenied", status: 403 },
};

/** The ServiceError a service answers for a denied request. */
export function accessDeniedError(service: string, req: Pick<AuthorizationRequest, "action" | "resource" | "caller">, decision: Decision): ServiceError {
  const { code, status } = CODES[service] ?? { code: "AccessDeniedException", status: 400 };
  const message = service === "s3" ? accessDeniedMessage({ ...req, resource: `"${req.resource}"` }, decision) : accessDeniedMessage(req, decision);
  return new ServiceError(code, message, status);
}
