/**
 * Model constraints the protocol layer does not check (lengths, patterns), with the Coral message Cognito
 * gives: "1 validation error detected: Value 'x' at 'username' failed to satisfy constraint: Member must ...".
 * Checked before anything is stored or hashed, so every name and password is bounded.
 */
import { constraintMessage } from "../../aws/errors.js";
import { invalidParameter } from "./core.js";

interface Rule { min?: number; max: number; pattern?: RegExp; patternText?: string }

export const Rules = {
  username: { min: 1, max: 128, pattern: /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u, patternText: "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+" },
  password: { min: 1, max: 256 },
  poolName: { min: 1, max: 128, pattern: /^[\w\s+=,.@-]+$/, patternText: "[\\w\\s+=,.@-]+" },
  clientName: { min: 1, max: 128, pattern: /^[\w\s+=,.@-]+$/, patternText: "[\\w\\s+=,.@-]+" },
  groupName: { min: 1, max: 128, pattern: /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u, patternText: "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+" },
  code: { min: 1, max: 2048, pattern: /^\S+$/, patternText: "[\\S]+" },
} as const satisfies Record<string, Rule>;

/** Throws InvalidParameterException listing every violated constraint of the given fields. */
export function checkFields(fields: Array<[value: string | undefined, field: string, rule: Rule]>): void {
  const problems: string[] = [];
  for (const [value, field, rule] of fields) {
    if (value === undefined) continue;
    // The sensitive values (passwords) are not echoed back.
    const shown = field.toLowerCase().includes("password") ? "" : value.length > 256 ? value.slice(0, 256) : value;
    const at = `Value${shown ? ` '${shown}'` : ""} at '${field}' failed to satisfy constraint: `;
    if (rule.min !== undefined && value.length < rule.min) problems.push(`${at}Member must have length greater than or equal to ${rule.min}`);
    else if (value.length > rule.max) problems.push(`${at}Member must have length less than or equal to ${rule.max}`);
    else if (rule.pattern && !rule.pattern.test(value)) problems.push(`${at}Member must satisfy regular expression pattern: ${rule.patternText}`);
  }
  if (problems.length) throw invalidParameter(constraintMessage(problems));
}
