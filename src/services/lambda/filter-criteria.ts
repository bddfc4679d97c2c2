/**
 * Event filtering for event source mappings (FilterCriteria): the EventBridge pattern syntax Lambda uses —
 * value lists (any of), nested objects, and the matchers prefix, suffix, exists, anything-but, numeric.
 * Reference: "Lambda event filtering" in the Lambda developer guide. A record passes when any filter matches.
 */
export type Pattern = Record<string, unknown>;

export function matchesAny(patterns: Pattern[], event: unknown): boolean {
  return patterns.length === 0 || patterns.some((p) => matches(p, event));
}

export function matches(pattern: Pattern, event: unknown): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    const value = event && typeof event === "object" ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) {
      if (!matchList(rule, value)) return false;
    } else if (rule && typeof rule === "object") {
      if (!matches(rule as Pattern, value)) return false;
    } else return false;
  }
  return true;
}

function matchList(rules: unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (rule !== null && typeof rule === "object") return matchOperator(rule as Record<string, unknown>, value, values);
    return values.some((v) => v === rule);
  });
}

function matchOperator(op: Record<string, unknown>, value: unknown, values: unknown[]): boolean {
  if ("exists" in op) return op.exists ? value !== undefined : value === undefined;
  if ("prefix" in op) return values.some((v) => typeof v === "string" && v.startsWith(String(op.prefix)));
  if ("suffix" in op) return values.some((v) => typeof v === "string" && v.endsWith(String(op.suffix)));
  if ("anything-but" in op) {
    const but = op["anything-but"];
    const list = Array.isArray(but) ? but : [but];
    return value !== undefined && values.every((v) => !list.includes(v));
  }
  if ("numeric" in op) {
    const conds = op.numeric as unknown[];
    return values.some((v) => {
      const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
      if (Number.isNaN(n)) return false;
      for (let i = 0; i + 1 < conds.length; i += 2) {
        const bound = Number(conds[i + 1]);
        const ok = { "=": n === bound, "<": n < bound, "<=": n <= bound, ">": n > bound, ">=": n >= bound }[String(conds[i])];
        if (!ok) return false;
      }
      return true;
    });
  }
  return false;
}
