/**
 * Matching an event (parsed JSON) against a compiled pattern. Semantics of EventBridge's engine:
 * - a leaf rule sees the field's *leaf values*: the value itself, or every scalar inside it when it is an
 *   array (nested arrays flattened); objects are not leaf values, so `exists: true` only matches leaves;
 * - the rule matches when any matcher matches any leaf value; a field with no leaf values is absent and
 *   only `exists: false` matches it;
 * - an object rule applied to an array of objects matches when one element matches the whole sub-pattern
 *   (fields of one element are never combined with fields of another);
 * - `anything-but` needs the field present; numeric and cidr only read numbers and strings respectively.
 * Cost is bounded by pattern size × event size: every pattern node visits each event node at its path once.
 */
import { ipInRange } from "./cidr.js";
import type { CompiledPattern, FieldRule, Matcher, Scalar } from "./compile.js";
import { matchWildcard } from "./wildcard.js";

/** Nesting deeper than this is not explored (bounded recursion on user input; AWS events are far shallower). */
const MAX_DEPTH = 200;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Whether the event matches the pattern. */
export function matchesPattern(pattern: CompiledPattern, event: unknown): boolean {
  return matchObject(pattern, isObject(event) ? event : {}, 0);
}

function matchObject(p: CompiledPattern, obj: Obj, depth: number): boolean {
  for (const [key, rule] of p.fields) {
    if (!matchField(rule, Object.hasOwn(obj, key) ? obj[key] : undefined, depth)) return false;
  }
  for (const alts of p.ors) {
    if (!alts.some((alt) => matchObject(alt, obj, depth))) return false;
  }
  return true;
}

function matchField(rule: FieldRule, value: unknown, depth: number): boolean {
  if ("obj" in rule) {
    const objects = collectObjects(value, depth + 1);
    // A missing or scalar value is an empty object to the sub-pattern: its `exists: false` rules still hold.
    if (!objects.length) return matchObject(rule.obj, {}, depth + 1);
    return objects.some((o) => matchObject(rule.obj, o, depth + 1));
  }
  const leaves = collectLeaves(value, depth + 1);
  return rule.leaf.some((m) => (m.t === "exists" ? m.v === leaves.length > 0 : leaves.some((v) => matchValue(m, v))));
}

function collectLeaves(value: unknown, depth: number, out: Scalar[] = []): Scalar[] {
  if (value === undefined || depth > MAX_DEPTH) return out;
  if (Array.isArray(value)) for (const v of value) collectLeaves(v, depth + 1, out);
  else if (!isObject(value)) out.push(value as Scalar);
  return out;
}

function collectObjects(value: unknown, depth: number, out: Obj[] = []): Obj[] {
  if (depth > MAX_DEPTH) return out;
  if (Array.isArray(value)) for (const v of value) collectObjects(v, depth + 1, out);
  else if (isObject(value)) out.push(value);
  return out;
}

const lower = (s: string) => s.toLowerCase();

function matchValue(m: Matcher, v: Scalar): boolean {
  switch (m.t) {
    case "exact":
      return v === m.v;
    case "prefix":
      return typeof v === "string" && (m.ci ? lower(v).startsWith(lower(m.v)) : v.startsWith(m.v));
    case "suffix":
      return typeof v === "string" && (m.ci ? lower(v).endsWith(lower(m.v)) : v.endsWith(m.v));
    case "eic":
      return typeof v === "string" && lower(v) === lower(m.v);
    case "wildcard":
      return typeof v === "string" && matchWildcard(m.w, v);
    case "but":
      return !m.values.includes(v);
    case "but-eic":
      return typeof v !== "string" || !m.values.includes(lower(v));
    case "but-prefix":
      return typeof v !== "string" || !v.startsWith(m.v);
    case "but-suffix":
      return typeof v !== "string" || !v.endsWith(m.v);
    case "but-wildcard":
      return typeof v !== "string" || !m.ws.some((w) => matchWildcard(w, v));
    case "numeric":
      return typeof v === "number" && m.conds.every(([op, n]) => compare(op, v, n));
    case "cidr":
      return typeof v === "string" && ipInRange(m.range, v);
    case "exists":
      return m.v;
  }
}

function compare(op: string, v: number, n: number): boolean {
  switch (op) {
    case "=":
      return v === n;
    case "<":
      return v < n;
    case "<=":
      return v <= n;
    case ">":
      return v > n;
    default:
      return v >= n;
  }
}
