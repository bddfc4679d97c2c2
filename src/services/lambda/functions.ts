/**
 * Function names, ARNs, qualifiers and the configuration documents Lambda reports; validation of the
 * settings a function is created or updated with (AWS's constraint messages).
 */
import type { FunctionConfiguration } from "../../aws/api/lambda.js";
import { constraintMessage, ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import { DEPRECATED_RUNTIMES, Limits, Messages, RUNTIME_ENUM, RUNTIMES } from "./constants.js";

const NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const PARTIAL = /^(\d{12}):function:([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const NAME_QUALIFIED = /^([a-zA-Z0-9-_]+):(\$LATEST|[a-zA-Z0-9-_]+)$/;
const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;

export interface FunctionRef {
  name: string;
  qualifier?: string;
}

/** Reads FunctionName in any of its forms (name, name:qualifier, partial or full ARN). */
export function parseFunctionName(ctx: RequestContext, value: string, qualifier?: string): FunctionRef {
  let name: string | undefined;
  let q: string | undefined;
  let m = ARN.exec(value);
  if (m) {
    if (m[2] !== ctx.accountId || m[1] !== ctx.region) throw notFound(ctx, value);
    name = m[3];
    q = m[4];
  } else if ((m = PARTIAL.exec(value))) {
    name = m[2];
    q = m[3];
  } else if ((m = NAME_QUALIFIED.exec(value))) {
    name = m[1];
    q = m[2];
  } else if (NAME.test(value)) {
    name = value;
  }
  if (!name) {
    throw new ServiceError("ValidationException", constraintMessage([`Value '${value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`]), 400);
  }
  if (q && qualifier && q !== qualifier) throw new ServiceError("InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.", 400);
  return { name, qualifier: qualifier ?? q };
}

export const functionArn = (ctx: { accountId: string; region: string }, name: string, qualifier?: string) =>
  `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}${qualifier ? `:${qualifier}` : ""}`;

export function notFound(ctx: RequestContext, nameOrArn: string, qualifier?: string): ServiceError {
  const arn = nameOrArn.startsWith("arn:") ? nameOrArn : functionArn(ctx, nameOrArn, qualifier);
  return new ServiceError("ResourceNotFoundException", Messages.functionNotFound(arn), 404);
}

/** Lambda's LastModified format: 2026-01-01T00:00:00.000+0000. */
export const lastModified = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000");

export interface SettingsInput {
  Runtime?: string;
  Handler?: string;
  Role?: string;
  MemorySize?: number;
  Timeout?: number;
  Description?: string;
  EphemeralStorage?: { Size: number };
}

/** Model constraints the generated model does not carry (enums, ranges, patterns), with AWS's messages. */
export function validateSettings(input: SettingsInput, creating: boolean): void {
  const violations: string[] = [];
  if (input.Runtime !== undefined && !RUNTIME_ENUM.includes(input.Runtime) && !DEPRECATED_RUNTIMES.includes(input.Runtime)) {
    violations.push(`Value '${input.Runtime}' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${RUNTIME_ENUM.join(", ")}] or be a valid ARN`);
  }
  if (input.MemorySize !== undefined && input.MemorySize < Limits.MIN_MEMORY_MB) violations.push(`Value '${input.MemorySize}' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to ${Limits.MIN_MEMORY_MB}`);
  if (input.MemorySize !== undefined && input.MemorySize > Limits.MAX_MEMORY_MB) violations.push(`Value '${input.MemorySize}' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to ${Limits.MAX_MEMORY_MB}`);
  if (input.Timeout !== undefined && input.Timeout < Limits.MIN_TIMEOUT_SEC) violations.push(`Value '${input.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to ${Limits.MIN_TIMEOUT_SEC}`);
  if (input.Handler !== undefined && (input.Handler.length > 128 || !/^[^\s]+$/.test(input.Handler))) violations.push(`Value '${input.Handler}' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+`);
  if (input.Role !== undefined && !ROLE.test(input.Role)) violations.push(`Value '${input.Role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+`);
  if (input.Description !== undefined && input.Description.length > 256) violations.push(`Value '${input.Description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256`);
  if (violations.length) throw new ServiceError("ValidationException", constraintMessage(violations), 400);
  if (input.Timeout !== undefined && input.Timeout > Limits.MAX_TIMEOUT_SEC) {
    throw new ServiceError("InvalidParameterValueException", `1 validation error detected: Value '${input.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to ${Limits.MAX_TIMEOUT_SEC}`, 400);
  }
  if (input.Runtime !== undefined && DEPRECATED_RUNTIMES.includes(input.Runtime)) {
    throw new ServiceError("InvalidParameterValueException", `The runtime parameter of ${input.Runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`, 400);
  }
  if (input.Runtime !== undefined && !RUNTIMES[input.Runtime]) {
    throw new ServiceError("InvalidParameterValueException", `Skyport does not run the ${input.Runtime} runtime yet (supported: ${Object.keys(RUNTIMES).join(", ")}).`, 400);
  }
  if (creating && input.Runtime && !input.Handler && RUNTIMES[input.Runtime] !== "provided") {
    throw new ServiceError("InvalidParameterValueException", "Handler is required for zip-packaged functions with a managed runtime.", 400);
  }
  const eph = input.EphemeralStorage?.Size;
  if (eph !== undefined && (eph < 512 || eph > 10240)) {
    throw new ServiceError("ValidationException", constraintMessage([`Value '${eph}' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value ${eph < 512 ? "greater than or equal to 512" : "less than or equal to 10240"}`]), 400);
  }
}

/** The part of a configuration reported for a version (ARN and Version set per version). */
export function versionConfig(latest: FunctionConfiguration, version: string, ctx: { accountId: string; region: string }): FunctionConfiguration {
  return { ...latest, Version: version, FunctionArn: functionArn(ctx, latest.FunctionName!, version === "$LATEST" ? undefined : version) };
}
