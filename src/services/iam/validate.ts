/**
 * IAM's input rules the model does not enforce, with IAM's own error codes and messages: names, paths,
 * policy documents (structure and size), session durations.
 */
import { ServiceError } from "../../aws/errors.js";
import { checkPolicySize, parsePolicyDocument, type PolicyQuota } from "../../aws/policy/validate.js";
import { Limits } from "./constants.js";

export const noSuchEntity = (message: string) => new ServiceError("NoSuchEntity", message, 404);
export const alreadyExists = (message: string) => new ServiceError("EntityAlreadyExists", message, 409);
export const deleteConflict = (message: string) => new ServiceError("DeleteConflict", message, 409);
export const limitExceeded = (message: string) => new ServiceError("LimitExceeded", message, 409);
export const malformed = (message: string) => new ServiceError("MalformedPolicyDocument", message, 400);
export const invalidInput = (message: string) => new ServiceError("InvalidInput", message, 400);
export const validationError = (message: string) => new ServiceError("ValidationError", message, 400);

const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\u002F)|(\u002F[\u0021-\u007E]+\u002F)$/;

/** A user, group, role, policy or instance profile name: IAM's pattern and length (ValidationError as IAM words it). */
export function checkName(value: string | undefined, member: string, max: number = Limits.NAME_MAX): string {
  const v = value ?? "";
  if (v.length < 1 || v.length > max) throw validationError(`1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must have length ${v.length < 1 ? "greater than or equal to 1" : `less than or equal to ${max}`}`);
  if (!NAME.test(v)) throw validationError(`1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
  return v;
}

/** A path: "/" or "/a/b/" (default "/"). */
export function checkPath(value: string | undefined, member = "path"): string {
  if (value === undefined) return "/";
  if (value.length > 512 || !(value === "/" || /^\/[\u0021-\u007E]+\/$/.test(value)) || !PATH.test(value)) {
    throw validationError(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)`);
  }
  return value;
}

/** Tags: at most 50, keys unique (case-insensitive as IAM treats them), later values replace earlier. */
export function mergeTags(existing: Array<{ Key: string; Value: string }>, added: Array<{ Key: string; Value: string }> | undefined): Array<{ Key: string; Value: string }> {
  const out = existing.slice();
  for (const t of added ?? []) {
    if (!t.Key || t.Key.length > 128 || (t.Value ?? "").length > 256) throw invalidInput(`Tag key or value is invalid: '${t.Key}'`);
    const i = out.findIndex((o) => o.Key.toLowerCase() === t.Key.toLowerCase());
    if (i >= 0) out[i] = { Key: t.Key, Value: t.Value ?? "" };
    else out.push({ Key: t.Key, Value: t.Value ?? "" });
  }
  if (out.length > Limits.TAGS_MAX) throw limitExceeded(`The number of tags has reached the maximum limit.`);
  return out;
}

/**
 * Checks a policy document as IAM does before storing it (size quota, then grammar — src/aws/policy/validate.ts)
 * and returns it as given (IAM keeps the caller's text). "identity": managed and inline policies; "trust": a
 * role's AssumeRolePolicyDocument.
 */
export function checkPolicyDocument(doc: string | undefined, kind: "identity" | "trust", quota: PolicyQuota, entityName = ""): string {
  const text = doc ?? "";
  checkPolicySize(text, quota, entityName);
  parsePolicyDocument(text, kind);
  return text;
}

/** MaxSessionDuration: 3600–43200 seconds. */
export function checkMaxSession(v: number | undefined): number {
  if (v === undefined) return Limits.DEFAULT_SESSION_SECONDS;
  if (v < 3600) throw validationError(`1 validation error detected: Value '${v}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600`);
  if (v > 43200) throw validationError(`1 validation error detected: Value '${v}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200`);
  return v;
}

/** MaxItems (1–1000, default 100). */
export function checkMaxItems(v: number | undefined): number {
  if (v === undefined) return 100;
  if (v < 1 || v > 1000) throw validationError(`1 validation error detected: Value '${v}' at 'maxItems' failed to satisfy constraint: Member must have value ${v < 1 ? "greater than or equal to 1" : "less than or equal to 1000"}`);
  return v;
}
