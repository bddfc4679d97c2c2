/** Shared helpers of the EventBridge provider: errors, ARNs, bus-name resolution, page tokens. */
import { constraintMessage, ServiceError } from "../../aws/errors.js";
import { arn } from "../../core/arn.js";
import type { RequestContext } from "../../edge/context.js";
import { Patterns } from "./constants.js";

export const validation = (message: string) => new ServiceError("ValidationException", message, 400);
export const notFound = (message: string) => new ServiceError("ResourceNotFoundException", message, 400);
export const alreadyExists = (message: string) => new ServiceError("ResourceAlreadyExistsException", message, 400);
export const limitExceeded = (message: string) => new ServiceError("LimitExceededException", message, 400);

export const DEFAULT_BUS = "default";

export const busArn = (account: string, region: string, bus: string) => arn("events", region, account, `event-bus/${bus}`);
export const ruleArn = (account: string, region: string, bus: string, rule: string) => arn("events", region, account, bus === DEFAULT_BUS ? `rule/${rule}` : `rule/${bus}/${rule}`);

/** The bus an EventBusName parameter names (a name or an event-bus ARN); the default bus when absent. */
export function busName(value: string | undefined, field = "eventBusName"): string {
  if (value === undefined) return DEFAULT_BUS;
  checks().string(value, field, 1, 1600, Patterns.BUS_NAME_OR_ARN).throwIfAny();
  const i = value.indexOf(":event-bus/");
  return i >= 0 ? value.slice(i + ":event-bus/".length) : value;
}

/** Collects model constraint violations and throws them together as a ValidationException (Coral's message). */
export class Constraints {
  private readonly v: string[] = [];
  private add(value: unknown, field: string, constraint: string): void {
    this.v.push(`Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`);
  }
  required(value: unknown, field: string): this {
    if (value === undefined || value === null) this.v.push(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
    return this;
  }
  string(value: string | undefined, field: string, min: number, max: number, pattern?: { re: RegExp; text: string }): this {
    if (value === undefined) return this;
    if (pattern && !pattern.re.test(value)) this.add(value, field, `Member must satisfy regular expression pattern: ${pattern.text}`);
    if (value.length < min) this.add(value, field, `Member must have length greater than or equal to ${min}`);
    if (value.length > max) this.add(value, field, `Member must have length less than or equal to ${max}`);
    return this;
  }
  size(value: unknown[] | undefined, field: string, min: number, max: number): this {
    if (value === undefined) return this;
    if (value.length < min) this.add("[...]", field, `Member must have length greater than or equal to ${min}`);
    if (value.length > max) this.add("[...]", field, `Member must have length less than or equal to ${max}`);
    return this;
  }
  range(value: number | undefined, field: string, min: number, max: number): this {
    if (value === undefined) return this;
    if (value < min) this.add(value, field, `Member must have value greater than or equal to ${min}`);
    if (value > max) this.add(value, field, `Member must have value less than or equal to ${max}`);
    return this;
  }
  oneOf(value: string | undefined, field: string, allowed: readonly string[]): this {
    if (value !== undefined && !allowed.includes(value)) this.add(value, field, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
    return this;
  }
  throwIfAny(): void {
    if (this.v.length) throw validation(constraintMessage(this.v));
  }
}
export const checks = () => new Constraints();

/** Opaque page tokens: the last name returned. */
export function encodeToken(last: string): string {
  return Buffer.from(JSON.stringify({ l: last })).toString("base64url");
}
export function decodeToken(token: string | undefined): string {
  if (!token) return "";
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString()) as { l?: unknown };
    if (typeof v.l === "string") return v.l;
  } catch {
    /* fall through */
  }
  throw validation("The NextToken provided is invalid.");
}

/** A context for work the service does on its own (deliveries, schedules), in the resource's account. */
export function internalCtx(base: Pick<RequestContext, "clock" | "endpoint">, requestId: string, accountId: string, region: string): RequestContext {
  return { requestId, accountId, region, service: "events", operation: "", principal: { accessKeyId: accountId, anonymous: false }, clock: base.clock, endpoint: base.endpoint };
}

/** ISO 8601 without milliseconds, as event envelopes carry time. */
export const eventTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

export type Tag = { Key: string; Value: string };
export function mergeTags(current: Tag[], add: Tag[]): Tag[] {
  const m = new Map(current.map((t) => [t.Key, t.Value]));
  for (const t of add) m.set(t.Key, t.Value);
  return [...m].map(([Key, Value]) => ({ Key, Value }));
}
