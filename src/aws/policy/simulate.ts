/**
 * Pieces IAM's SimulatePrincipalPolicy / SimulateCustomPolicy need around evaluate(): the request context
 * from their ContextEntries, and the EvalDecision wording ("allowed", "explicitDeny", "implicitDeny").
 */
import type { ConditionValue, Decision } from "./types.js";

export interface ContextEntry {
  ContextKeyName?: string;
  ContextKeyValues?: string[];
  /** string | stringList | numeric | numericList | boolean | booleanList | ip | ipList | binary | binaryList | date | dateList */
  ContextKeyType?: string;
}

/** Lower-cased context keys; *List types stay lists, single-valued types take their first value. */
export function contextFromEntries(entries: ContextEntry[] | undefined): Record<string, ConditionValue> {
  const ctx: Record<string, ConditionValue> = {};
  for (const e of (entries ?? []).slice(0, 1000)) {
    if (!e.ContextKeyName) continue;
    const values = (e.ContextKeyValues ?? []).slice(0, 1000);
    const key = e.ContextKeyName.toLowerCase();
    if (e.ContextKeyType?.endsWith("List")) ctx[key] = values;
    else if (values.length) ctx[key] = values[0]!;
  }
  return ctx;
}

/** IAM's EvalDecision for a Decision. */
export function evalDecision(d: Decision): "allowed" | "explicitDeny" | "implicitDeny" {
  return d.decision === "Allow" ? "allowed" : d.decision === "ExplicitDeny" ? "explicitDeny" : "implicitDeny";
}
