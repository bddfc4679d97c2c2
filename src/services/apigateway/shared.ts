/** Pieces both halves of the API Gateway control plane use: errors, limits, pagination, validation. */
import type * as A from "../../aws/api/apigateway.js";
import { ServiceError } from "../../aws/errors.js";
import type { StoredResource } from "./model.js";

export const notFound = (what: string) => new ServiceError("NotFoundException", `Invalid ${what} identifier specified`, 404);
export const badRequest = (message: string) => new ServiceError("BadRequestException", message, 400);
export const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"];
export const INTEGRATION_TYPES = ["HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"];
export const DEFAULT_MODELS: Array<[string, string]> = [
  ["Empty", '{\n  "$schema": "http://json-schema.org/draft-04/schema#",\n  "title" : "Empty Schema",\n  "type" : "object"\n}'],
  ["Error", '{\n  "$schema" : "http://json-schema.org/draft-04/schema#",\n  "title" : "Error Schema",\n  "type" : "object",\n  "properties" : {\n    "message" : { "type" : "string" }\n  }\n}'],
];
export function toResource(r: StoredResource, embed: boolean | undefined): A.Resource {
  const out: A.Resource = { id: r.id, parentId: r.parentId, pathPart: r.pathPart, path: r.path };
  const methods = Object.entries(r.methods);
  if (methods.length) out.resourceMethods = Object.fromEntries(methods.map(([k, m]) => [k, embed ? m : {}]));
  return out;
}

/** position/limit pagination as API Gateway does it (position is an opaque token: the next item's key). */
export function page<T>(all: T[], position: string | undefined, limit: number | undefined, key: (t: T) => string): { items: T[]; position?: string } {
  const max = Math.min(Math.max(limit ?? 25, 1), 500);
  let start = 0;
  if (position) {
    const k = Buffer.from(position, "base64url").toString("utf8");
    start = all.findIndex((x) => key(x) === k);
    if (start < 0) throw badRequest("Invalid position parameter");
  }
  const items = all.slice(start, start + max);
  const next = all[start + max];
  return { items, position: next ? Buffer.from(key(next)).toString("base64url") : undefined };
}

export function validateIntegration(input: A.PutIntegrationInput): void {
  const t = input.type;
  if (t === "MOCK") return;
  if ((t === "AWS" || t === "AWS_PROXY" || t === "HTTP" || t === "HTTP_PROXY") && !input.integrationHttpMethod) throw badRequest("Enumeration value for HttpMethod must be non-empty");
  if (!input.uri) throw badRequest(`Invalid integration URI specified`);
  if (t === "HTTP" || t === "HTTP_PROXY") {
    if (!/^https?:\/\//.test(input.uri)) throw badRequest("Invalid HTTP endpoint specified for URI");
    return;
  }
  const m = /^arn:aws:apigateway:([a-z0-9-]+|\$\{stageVariables\.[^}]+\}):([a-z0-9-]+):(path|action)\/(.+)$/.exec(input.uri);
  if (!input.uri.startsWith("arn:")) throw badRequest("Invalid ARN specified in the request");
  if (!m) throw badRequest("AWS ARN for integration must contain path or action");
  if (t === "AWS_PROXY" && m[2] !== "lambda" && m[2] !== "firehose") throw badRequest("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.");
}


/** AWS's validation message for a member outside its enum (API Gateway answers these as BadRequestException). */
export const enumError = (member: string, value: unknown, allowed: string[]) =>
  badRequest(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`);

const AUTHORIZATION_TYPES = ["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"];

/** PutMethod's checks beyond the model: authorization type and authorizer, request parameter names. */
export function validateMethod(input: A.PutMethodInput, authorizerIds: string[]): void {
  if (!AUTHORIZATION_TYPES.includes(input.authorizationType)) throw enumError("putMethodInput.authorizationType", input.authorizationType, AUTHORIZATION_TYPES);
  if ((input.authorizationType === "CUSTOM" || input.authorizationType === "COGNITO_USER_POOLS") && (!input.authorizerId || !authorizerIds.includes(input.authorizerId))) {
    throw badRequest("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.");
  }
  for (const key of Object.keys(input.requestParameters ?? {})) {
    if (!/^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.[^.\s]+/.test(key)) throw badRequest(`Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid method parameter specified: ${key}]`);
  }
}

/** PutIntegration's enumerations and ranges (API reference: Integration). */
export function validateIntegrationSettings(input: A.PutIntegrationInput): void {
  const one = (member: string, v: string | undefined, allowed: string[]) => {
    if (v !== undefined && !allowed.includes(v)) throw enumError(`putIntegrationInput.${member}`, v, allowed);
  };
  one("passthroughBehavior", input.passthroughBehavior, ["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"]);
  one("contentHandling", input.contentHandling, ["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"]);
  one("connectionType", input.connectionType, ["INTERNET", "VPC_LINK"]);
  if (input.connectionType === "VPC_LINK" && !input.connectionId) throw badRequest("ConnectionId required for VPC_LINK connection type");
  if (input.timeoutInMillis !== undefined && (input.timeoutInMillis < 50 || input.timeoutInMillis > 29000)) throw badRequest("Timeout should be between 50 ms and 29000 ms");
  for (const key of Object.keys(input.requestParameters ?? {})) {
    if (!/^integration\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.[^.\s]+/.test(key)) throw badRequest(`Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: ${key}]`);
  }
}
