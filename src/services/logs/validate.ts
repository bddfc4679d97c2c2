/**
 * The model constraints of CloudWatch Logs (lengths, patterns, ranges, enums), which the protocol layer
 * does not check. Logs reports them as InvalidParameterException with Coral's
 * "1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: ..." message.
 */
import { constraintMessage, ServiceError } from "../../aws/errors.js";
import { Messages, Patterns } from "./constants.js";

export const invalidParameter = (message: string) => new ServiceError("InvalidParameterException", message, 400);
export const notFound = (message: string) => new ServiceError("ResourceNotFoundException", message, 400);
export const alreadyExists = (message: string) => new ServiceError("ResourceAlreadyExistsException", message, 400);
export const limitExceeded = () => new ServiceError("LimitExceededException", Messages.LIMIT_EXCEEDED, 400);

/** Collects violations of one request and throws them together, as Coral does. */
export class Constraints {
  private readonly v: string[] = [];

  private add(value: unknown, field: string, constraint: string): void {
    this.v.push(`Value '${render(value)}' at '${field}' failed to satisfy constraint: ${constraint}`);
  }

  /** Length bounds and pattern of an optional string. */
  string(value: string | undefined, field: string, min: number, max: number, pattern?: { re: RegExp; text: string }): this {
    if (value === undefined) return this;
    if (pattern && !pattern.re.test(value)) this.add(value, field, `Member must satisfy regular expression pattern: ${pattern.text}`);
    if (value.length < min) this.add(value, field, `Member must have length greater than or equal to ${min}`);
    if (value.length > max) this.add(value, field, `Member must have length less than or equal to ${max}`);
    return this;
  }

  /** Bounds of an optional integer. */
  range(value: number | undefined, field: string, min: number, max?: number): this {
    if (value === undefined) return this;
    if (value < min) this.add(value, field, `Member must have value greater than or equal to ${min}`);
    if (max !== undefined && value > max) this.add(value, field, `Member must have value less than or equal to ${max}`);
    return this;
  }

  /** Length bounds of an optional list or map. */
  size(value: unknown[] | Record<string, unknown> | undefined, field: string, min: number, max: number): this {
    if (value === undefined) return this;
    const n = Array.isArray(value) ? value.length : Object.keys(value).length;
    if (n < min) this.add(value, field, `Member must have length greater than or equal to ${min}`);
    if (n > max) this.add(value, field, `Member must have length less than or equal to ${max}`);
    return this;
  }

  oneOf(value: string | number | undefined, field: string, allowed: ReadonlyArray<string | number>): this {
    if (value === undefined || allowed.includes(value)) return this;
    this.add(value, field, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
    return this;
  }

  /** Tag keys and values (TagResource, TagLogGroup, CreateLogGroup). */
  tags(tags: Record<string, string> | undefined, field: string): this {
    if (tags === undefined) return this;
    this.size(tags, field, 1, 50);
    for (const [k, val] of Object.entries(tags)) {
      this.string(k, `${field}.key`, 1, 128, Patterns.TAG_KEY);
      this.string(val, `${field}.${k}.member`, 0, 256, Patterns.TAG_VALUE);
    }
    return this;
  }

  throwIfAny(): void {
    if (this.v.length) throw invalidParameter(constraintMessage(this.v));
  }
}

/** Coral prints lists as [a, b] and maps as {k=v}. */
function render(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(render).join(", ")}]`;
  if (value && typeof value === "object") return `{${Object.entries(value).map(([k, v]) => `${k}=${render(v)}`).join(", ")}}`;
  return String(value);
}

export const checks = () => new Constraints();

/** A log group name: its model constraints, and (CreateLogGroup) AWS's reserved prefix. */
export function checkGroupName(name: string, field = "logGroupName"): void {
  checks().string(name, field, 1, 512, Patterns.LOG_GROUP_NAME).throwIfAny();
}

export function checkStreamName(name: string, field = "logStreamName"): void {
  checks().string(name, field, 1, 512, Patterns.LOG_STREAM_NAME).throwIfAny();
}
