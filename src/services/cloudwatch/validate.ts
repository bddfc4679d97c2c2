/** CloudWatch's input errors (Query-era codes: InvalidParameterValue, MissingParameter, InvalidParameterCombination). */
import { ServiceError } from "../../aws/errors.js";
import { HIGH_RES_PERIODS, Limits, UNITS } from "./constants.js";
import type { Dimension } from "./store.js";

export const invalidValue = (message: string) => new ServiceError("InvalidParameterValue", message, 400);
export const missing = (message: string) => new ServiceError("MissingParameter", message, 400);
export const combination = (message: string) => new ServiceError("InvalidParameterCombination", message, 400);
export const notFound = (message: string) => new ServiceError("ResourceNotFound", message, 404);
export const limitExceeded = (message: string) => new ServiceError("LimitExceeded", message, 400);

/** Coral's model-constraint message, as CloudWatch returns it for lengths and enums. */
export const constraint = (value: unknown, field: string, rule: string) =>
  invalidValue(`1 validation error detected: Value '${typeof value === "string" ? value : JSON.stringify(value)}' at '${field}' failed to satisfy constraint: ${rule}`);

export function checkName(value: string | undefined, field: string, max = 255): void {
  if (value === undefined) return;
  if (value.length < 1) throw constraint(value, field, "Member must have length greater than or equal to 1");
  if (value.length > max) throw constraint(value, field, `Member must have length less than or equal to ${max}`);
}

export function checkNamespace(ns: string, field = "namespace"): void {
  checkName(ns, field);
  if (!/^[^:].*$/.test(ns)) throw constraint(ns, field, "Member must satisfy regular expression pattern: [^:].*");
}

export function checkUnit(unit: string | undefined, field: string): void {
  if (unit !== undefined && !(UNITS as readonly string[]).includes(unit)) throw constraint(unit, field, `Member must satisfy enum value set: [${UNITS.join(", ")}]`);
}

export function checkDimensions(dims: Dimension[] | undefined, field: string): void {
  if (!dims) return;
  if (dims.length > Limits.MAX_DIMENSIONS) throw constraint(`[${dims.map((d) => `${d.Name}=${d.Value}`).join(", ")}]`, field, `Member must have length less than or equal to ${Limits.MAX_DIMENSIONS}`);
  const seen = new Set<string>();
  dims.forEach((d, i) => {
    checkName(d.Name, `${field}.${i + 1}.member.name`);
    checkName(d.Value, `${field}.${i + 1}.member.value`, 1024);
    if (seen.has(d.Name)) throw invalidValue(`No Metric may specify the same dimension name twice.`);
    seen.add(d.Name);
  });
}

/** A valid period: 1, 5, 10, 20, 30 or a multiple of 60 seconds. */
export function checkPeriod(period: number, field = "Period"): void {
  if (!Number.isInteger(period) || period < 1) throw constraint(period, field.charAt(0).toLowerCase() + field.slice(1), "Member must have value greater than or equal to 1");
  if (!(HIGH_RES_PERIODS as readonly number[]).includes(period) && period % 60 !== 0) {
    throw invalidValue(`The parameter ${field} must be a multiple of 60 or equal to 1, 5, 10, 20, or 30.`);
  }
}
