/**
 * Lambda authorizers, the part REST and HTTP APIs share: invoke the function with an event, read its
 * answer as API Gateway reads it ("Output from an API Gateway Lambda authorizer"), and evaluate the returned
 * IAM policy against a method ARN (src/aws/policy: `*`/`?` wildcards, explicit Deny wins, nothing matching
 * is an implicit deny). No REST-only types: the caller builds the event and decides what each answer means
 * on the wire (401 / 403 / 500, see authorize.ts).
 *
 * Answers: a function error whose message is exactly "Unauthorized" is `unauthorized` (AWS: 401);
 * any other error, a payload that is not JSON, a missing principalId or policyDocument, a policy without
 * statements, or a context value that is an object or array is `error` (AWS: 500
 * AuthorizerConfigurationException, "Execution failed due to configuration error: Invalid JSON in response"
 * in the execution log).
 */
import type { RequestContext } from "../../../edge/context.js";
import { evaluate } from "../../../aws/policy/evaluate.js";
import type { CallerIdentity } from "../../../aws/policy/types.js";
import { ServiceError } from "../../../aws/errors.js";
import type { InProcessCaller } from "../../sts/service-roles.js";
import { invokeLambda } from "./integrations.js";

export type AuthorizerContextValue = string | number | boolean;

export type AuthorizerAnswer =
  | {
      kind: "policy";
      principalId: string;
      /** The policyDocument as JSON text (policy compilation caches by text). */
      policy: string;
      context: Record<string, AuthorizerContextValue>;
      usageIdentifierKey?: string;
    }
  /** HTTP API "simple" responses (payload format 2.0 with enableSimpleResponses). */
  | { kind: "simple"; isAuthorized: boolean; context: Record<string, AuthorizerContextValue> }
  | { kind: "unauthorized" }
  | { kind: "error"; why: string };

export const LambdaAuthorizerLimits = {
  /** Largest authorizer answer read (Lambda's own synchronous payload limit is 6 MB). */
  MAX_ANSWER_BYTES: 6 * 1024 * 1024,
  /** Keys of the context map kept (AWS documents no number; a bound keeps the request state small). */
  MAX_CONTEXT_KEYS: 1000,
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function readContext(raw: unknown): Record<string, AuthorizerContextValue> | string {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) return "the context is not a map";
  const out: Record<string, AuthorizerContextValue> = {};
  let n = 0;
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || v === undefined) continue;
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return `the context value of "${k}" is not a string, number or boolean`;
    if (++n > LambdaAuthorizerLimits.MAX_CONTEXT_KEYS) break;
    out[k] = v;
  }
  return out;
}

/** Reads a function's answer; `format` "simple" accepts HTTP API simple responses as well. */
export function parseAuthorizerOutput(payload: Buffer, functionError: string | undefined, format: "policy" | "simple" = "policy"): AuthorizerAnswer {
  if (payload.length > LambdaAuthorizerLimits.MAX_ANSWER_BYTES) return { kind: "error", why: "the answer is too large" };
  let answer: unknown;
  try {
    answer = JSON.parse(payload.toString("utf8"));
  } catch {
    return functionError ? { kind: "error", why: `the function failed (${functionError})` } : { kind: "error", why: "Invalid JSON in response" };
  }
  if (functionError) {
    const message = isObject(answer) ? answer.errorMessage : undefined;
    return message === "Unauthorized" ? { kind: "unauthorized" } : { kind: "error", why: `the function failed: ${String(message ?? functionError)}` };
  }
  if (!isObject(answer)) return { kind: "error", why: "Invalid JSON in response" };
  const context = readContext(answer.context);
  if (typeof context === "string") return { kind: "error", why: `Invalid JSON in response: ${context}` };
  if (format === "simple" && typeof answer.isAuthorized === "boolean") return { kind: "simple", isAuthorized: answer.isAuthorized, context };
  const principalId = answer.principalId;
  if (typeof principalId !== "string" && typeof principalId !== "number") return { kind: "error", why: "Invalid JSON in response: principalId is missing" };
  const doc = typeof answer.policyDocument === "string" ? safeParse(answer.policyDocument) : answer.policyDocument;
  if (!isObject(doc) || !(Array.isArray(doc.Statement) ? doc.Statement.length : isObject(doc.Statement))) {
    return { kind: "error", why: "Invalid JSON in response: policyDocument has no Statement" };
  }
  const out: AuthorizerAnswer = { kind: "policy", principalId: String(principalId), policy: JSON.stringify(doc), context };
  if (typeof answer.usageIdentifierKey === "string" && answer.usageIdentifierKey) out.usageIdentifierKey = answer.usageIdentifierKey;
  return out;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Invokes the authorizer function in process and reads its answer. */
export async function invokeLambdaAuthorizer(services: InProcessCaller, ctx: RequestContext, functionArn: string, event: unknown, format: "policy" | "simple" = "policy"): Promise<AuthorizerAnswer> {
  let out: { payload: Buffer; functionError?: string };
  try {
    out = await invokeLambda(services, ctx, functionArn, Buffer.from(JSON.stringify(event)));
  } catch (e) {
    // The function does not exist or cannot run (or the authorizer's role may not invoke it): AUTHORIZER_CONFIGURATION_ERROR.
    if (e instanceof ServiceError && e.status === 403) return { kind: "error", why: "Invalid permissions on Lambda function" };
    return { kind: "error", why: `the authorizer function could not be invoked: ${(e as Error).message}` };
  }
  return parseAuthorizerOutput(out.payload, out.functionError, format);
}

/** The decision of an authorizer's policy for one method ARN: "Allow", "Deny" (explicit) or "None" (implicit deny). */
export function policyEffect(policy: string, methodArn: string): "Allow" | "Deny" | "None" {
  const account = methodArn.split(":")[4] ?? "";
  const caller: CallerIdentity = {
    accountId: account, arn: `arn:aws:iam::${account}:user/authorizer`, principalArn: `arn:aws:iam::${account}:user/authorizer`, userId: "authorizer",
    kind: "user", identityPolicies: [policy], principalTags: {}, allPowerful: false,
  };
  const d = evaluate({ action: "execute-api:Invoke", resource: methodArn, caller, context: {}, resourceAccountId: account });
  return d.decision === "Allow" ? "Allow" : d.decision === "ExplicitDeny" ? "Deny" : "None";
}

/** The execute-api ARN of a method call: arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path without leading slash}. */
export function methodArnOf(region: string, accountId: string, apiId: string, stage: string, method: string, path: string): string {
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method}/${path.replace(/^\//, "")}`;
}
