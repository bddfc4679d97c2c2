/**
 * Shared pieces of the operation → IAM action/resource mappers (one file per service under this folder).
 * A mapper reads the operation's parsed input (member names as the service model spells them) and answers
 * the action(s) and resource ARN(s) the Service Authorization Reference lists for it.
 */
import type { ConditionValue } from "../types.js";

/** One authorization question of a request: all of its resources must be allowed for the action. */
export interface AuthorizationCheck {
  action: string;
  resources: string[];
}

/** What a mapper answers; the action defaults to `${prefix}:${Operation}`. */
export interface MappedOperation {
  action?: string;
  resources: string[];
  /** Further checks the same request needs (CopyObject reads its source; CreateFunction passes its role). */
  extra?: AuthorizationCheck[];
}

export interface MapperEnv {
  region: string;
  accountId: string;
  /** Service-specific condition keys the mapper adds (lower-cased names). */
  context: Record<string, ConditionValue>;
  /** The caller's own ARN, for IAM operations whose UserName defaults to the caller. */
  callerArn?: string;
  /** Partition key attribute of a DynamoDB table, when the authorizer knows it (dynamodb:LeadingKeys). */
  partitionKeyOf?: (tableName: string) => string | undefined;
}

export type Input = Record<string, unknown>;

/**
 * A service's mapper: undefined means the operation is not authorized through IAM at all (anonymous or
 * token-authorized calls such as Cognito's SignUp, STS's AssumeRoleWithWebIdentity).
 */
export type Mapper = (operation: string, input: Input, env: MapperEnv) => MappedOperation | undefined;

/** A string member, or undefined. */
export const str = (v: unknown): string | undefined => (typeof v === "string" && v.length ? v : undefined);

/** Bounds lists taken from input (a request cannot make evaluation expand without limit). */
export const MAX_RESOURCES = 1000;
export const bounded = <T>(list: T[]): T[] => (list.length > MAX_RESOURCES ? list.slice(0, MAX_RESOURCES) : list);

/** The account of an ARN (its fifth field), or undefined for ARNs without one (S3 buckets). */
export function arnAccount(arn: string): string | undefined {
  const parts = arn.split(":", 5);
  return parts.length === 5 && parts[0] === "arn" && parts[4] ? parts[4] : undefined;
}

/** The region of an ARN (its fourth field), or undefined. */
export function arnRegion(arn: string): string | undefined {
  const parts = arn.split(":", 4);
  return parts.length === 4 && parts[0] === "arn" && parts[3] ? parts[3] : undefined;
}

/**
 * aws:RequestTag/* and aws:TagKeys from the tags a request carries, in any of the shapes AWS APIs use:
 * a map (Lambda, Logs, API Gateway, Cognito) or a list of {Key, Value} (DynamoDB, IAM, EventBridge, S3 TagSet).
 */
export function addRequestTags(input: Input, context: Record<string, ConditionValue>): void {
  const raw = input.Tags ?? input.tags ?? input.UserPoolTags ?? (input.Tagging as Input | undefined)?.TagSet;
  if (raw === undefined || raw === null || typeof raw !== "object") return;
  const keys: string[] = [];
  const add = (k: unknown, v: unknown) => {
    if (typeof k !== "string" || keys.length >= 50) return;
    keys.push(k);
    context[`aws:requesttag/${k.toLowerCase()}`] = typeof v === "string" ? v : String(v ?? "");
  };
  if (Array.isArray(raw)) {
    for (const t of raw) if (t && typeof t === "object") add((t as Input).Key, (t as Input).Value);
  } else {
    for (const [k, v] of Object.entries(raw as Input)) add(k, v);
  }
  context["aws:tagkeys"] = keys;
}

/** For TagResource-style operations whose input is only tag keys (UntagResource). */
export function addTagKeys(list: unknown, context: Record<string, ConditionValue>): void {
  if (Array.isArray(list)) context["aws:tagkeys"] = list.filter((k): k is string => typeof k === "string").slice(0, 50);
}
