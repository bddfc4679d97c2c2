/**
 * The values a mapping template can see, and the budget it runs under.
 *
 * Why this exists: velocityjs resolves properties and methods on live JavaScript objects, so a template
 * could walk `__lookupGetter__` → `Function` → `child_process`. Our interpreter (vtl-engine.ts) instead
 * only ever holds *plain data* — null, strings, numbers, booleans, arrays and null-prototype maps — plus
 * a few HostObjects ($input, $util) whose callable members live in a fixed table. No JavaScript function
 * is ever a template value, so there is nothing to call but the allow-listed methods.
 */

/** A template failed (bad syntax, exhausted budget, bad regex): the request answers 500 as AWS does. */
export class VtlError extends Error {
  override name = "VtlError";
}

export type DataMap = { [key: string]: Value };
export type Value = null | undefined | string | number | boolean | Value[] | DataMap | HostObject;
export type HostMethod = (args: Value[], budget: Budget) => Value;

/** $input / $util: named data members and allow-listed methods; nothing else is reachable on them. */
export class HostObject {
  readonly props: DataMap;
  readonly methods: Record<string, HostMethod>;
  constructor(props: Record<string, Value>, methods: Record<string, HostMethod>) {
    this.props = Object.assign(Object.create(null) as DataMap, props);
    this.methods = Object.assign(Object.create(null) as Record<string, HostMethod>, methods);
  }
}

/**
 * Limits. AWS documents 1,000 iterations per #foreach (Velocity's `directive.foreach.maxloops`: the
 * loop stops there) and a 10 MB payload; the rest bound CPU and memory so one template cannot stall the
 * event loop: every evaluated node, loop turn and method call is a step; every string a template makes
 * (concatenation, interpolation, method results, output) is charged by length.
 */
export const VtlLimits = {
  MAX_FOREACH_ITERATIONS: 1000,
  MAX_STEPS: 500_000,
  MAX_CHARS: 32 * 1024 * 1024,
  MAX_OUTPUT_CHARS: 10 * 1024 * 1024,
  MAX_RANGE_ELEMENTS: 100_000,
  MAX_MACRO_DEPTH: 20,
  MAX_EVAL_DEPTH: 200,
  /** Parsing costs ~3 µs per character (once per template, then cached): 256 KB stays under a second. */
  MAX_TEMPLATE_CHARS: 256 * 1024,
} as const;

export class Budget {
  steps = 0;
  chars = 0;
  constructor(readonly limits: typeof VtlLimits = VtlLimits) {}
  step(n = 1): void {
    this.steps += n;
    if (this.steps > this.limits.MAX_STEPS) throw new VtlError(`template exceeded ${this.limits.MAX_STEPS} evaluation steps`);
  }
  /** Charges a string the template produced; returns it. */
  str(s: string): string {
    this.chars += s.length;
    if (this.chars > this.limits.MAX_CHARS) throw new VtlError(`template produced more than ${this.limits.MAX_CHARS} characters`);
    return s;
  }
  /** Refuses before building a string of the given length (repeat, join, replace results). */
  reserve(length: number): void {
    if (this.chars + length > this.limits.MAX_CHARS) throw new VtlError(`template produced more than ${this.limits.MAX_CHARS} characters`);
  }
}

/** Names never resolved as a property or method, on anything. Plain own data keys like `_id` stay readable. */
export function isForbiddenName(name: string): boolean {
  return name.startsWith("__") || name === "constructor" || name === "prototype" || name === "getClass" || name === "class";
}

export const isMap = (v: Value): v is DataMap => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof HostObject);

export function newMap(): DataMap {
  return Object.create(null) as DataMap;
}

/** An own data member of a map (never an inherited one). */
export function mapGet(m: DataMap, key: string): Value {
  return Object.prototype.hasOwnProperty.call(m, key) ? m[key] : undefined;
}

/** Copies host data (request context, parameters) into template data: null-prototype maps, no functions. */
export function toData(v: unknown, depth = 0): Value {
  if (v === null || v === undefined) return v;
  switch (typeof v) {
    case "string":
    case "number":
    case "boolean":
      return v;
    case "bigint":
      return String(v);
    case "object":
      if (v instanceof HostObject) return v;
      if (depth > 64) return null;
      if (Array.isArray(v)) return v.map((x) => toData(x, depth + 1));
      if (Object.getPrototypeOf(v) === null) return v as DataMap; // already template data (shared, e.g. overrides)
      {
        const out = newMap();
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toData(x, depth + 1);
        return out;
      }
    default:
      return undefined; // functions and symbols do not exist for templates
  }
}

/** JSON.parse into template data (null-prototype maps); undefined when the text is not JSON. */
export function parseJsonData(text: string): Value {
  try {
    return JSON.parse(text, (_k, v: unknown) =>
      v !== null && typeof v === "object" && !Array.isArray(v) ? Object.assign(newMap(), v) : v) as Value;
  } catch {
    return undefined;
  }
}

/** How Velocity (Java) prints a value: lists as `[a, b]`, maps as `{k=v}`, null as empty. */
export function formatValue(v: Value, budget: Budget, depth = 0): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (depth > 64) throw new VtlError("value nested too deeply to print");
  budget.step();
  if (Array.isArray(v)) return budget.str("[" + v.map((x) => formatValue(x, budget, depth + 1)).join(", ") + "]");
  if (v instanceof HostObject) return "";
  return budget.str("{" + Object.keys(v).map((k) => `${k}=${formatValue(v[k], budget, depth + 1)}`).join(", ") + "}");
}

/** Converts template data back to JSON text (for $input.json results and the like). */
export function jsonOf(v: Value): string {
  return JSON.stringify(v === undefined ? null : v, (_k, x: unknown) => (x instanceof HostObject ? null : x));
}
