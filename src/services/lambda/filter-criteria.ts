/**
 * Event filtering for event source mappings (FilterCriteria), as the Lambda developer guide documents it
 * ("Control which events Lambda sends to your function", comparison operators table) — the EventBridge pattern
 * syntax: keys nest as in the record, a leaf rule is a list of alternatives, all keys must match, `$or` lists
 * alternative sub-patterns. Matchers: literal values (strings, numbers, booleans, null, "" for empty),
 * equals-ignore-case, prefix / suffix (optionally ignoring case), anything-but (values, prefix, suffix,
 * equals-ignore-case), numeric (=, <, <=, >, >= and ranges), exists (true / false: leaf values only — an object
 * does not "exist" as a leaf). A value that is an array matches when any element matches. DynamoDB numbers arrive
 * as strings ({"N": "12"}): numeric rules read a numeric string as its number.
 * A record passes when any filter of the mapping matches (or there are none).
 */
import { ServiceError } from "../../aws/errors.js";

export type Pattern = Record<string, unknown>;

/** Lambda's quotas: 5 filters per mapping (can be raised on AWS), 4 KB per pattern. */
export const FilterLimits = { MAX_FILTERS: 5, MAX_PATTERN_CHARS: 4096, MAX_DEPTH: 32 } as const;

const invalid = (detail?: string) => new ServiceError("InvalidParameterValueException", `Invalid filter pattern definition.${detail ? ` ${detail}` : ""}`, 400);

/** Parses and checks the mapping's filter patterns; throws Lambda's InvalidParameterValueException on a bad one. */
export function parseFilters(filters: Array<{ Pattern?: string }> | undefined): Pattern[] {
  const list = filters ?? [];
  if (list.length > FilterLimits.MAX_FILTERS) throw new ServiceError("InvalidParameterValueException", `The maximum number of filters allowed is ${FilterLimits.MAX_FILTERS}.`, 400);
  return list.map((f) => {
    const text = f.Pattern ?? "";
    if (text.length > FilterLimits.MAX_PATTERN_CHARS) throw invalid(`A filter pattern can have at most ${FilterLimits.MAX_PATTERN_CHARS} characters.`);
    let p: unknown;
    try {
      p = JSON.parse(text);
    } catch {
      throw invalid();
    }
    checkPattern(p, 0);
    return p as Pattern;
  });
}

function checkPattern(p: unknown, depth: number): void {
  if (depth > FilterLimits.MAX_DEPTH || !p || typeof p !== "object" || Array.isArray(p)) throw invalid();
  for (const [key, rule] of Object.entries(p)) {
    if (key === "$or") {
      if (!Array.isArray(rule) || rule.length < 2) throw invalid();
      for (const alt of rule) checkPattern(alt, depth + 1);
    } else if (Array.isArray(rule)) {
      if (rule.length === 0) throw invalid();
      for (const r of rule) checkRule(r);
    } else checkPattern(rule, depth + 1);
  }
}

const NUMERIC_OPS = new Set(["=", "<", "<=", ">", ">="]);
const isStr = (v: unknown): v is string => typeof v === "string";

function checkRule(r: unknown): void {
  if (r === null || typeof r !== "object") return; // a literal
  if (Array.isArray(r)) throw invalid();
  const entries = Object.entries(r);
  if (entries.length !== 1) throw invalid();
  const [op, arg] = entries[0]!;
  switch (op) {
    case "exists":
      if (typeof arg !== "boolean") throw invalid();
      return;
    case "prefix":
    case "suffix":
      if (!isStr(arg) && !(arg && typeof arg === "object" && isStr((arg as Record<string, unknown>)["equals-ignore-case"]) && Object.keys(arg).length === 1)) throw invalid();
      return;
    case "equals-ignore-case":
      if (!isStr(arg)) throw invalid();
      return;
    case "anything-but": {
      if (Array.isArray(arg)) {
        if (arg.length === 0 || arg.some((v) => v !== null && typeof v === "object")) throw invalid();
      } else if (arg && typeof arg === "object") {
        const [k, v] = Object.entries(arg)[0] ?? [];
        if (Object.keys(arg).length !== 1 || !["prefix", "suffix", "equals-ignore-case"].includes(k!)) throw invalid();
        if (!(isStr(v) || (k === "equals-ignore-case" && Array.isArray(v) && v.length > 0 && v.every(isStr)))) throw invalid();
      }
      return;
    }
    case "numeric": {
      if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) throw invalid();
      for (let i = 0; i < arg.length; i += 2) if (!NUMERIC_OPS.has(arg[i] as string) || typeof arg[i + 1] !== "number") throw invalid();
      if (arg.length === 4 && (arg[0] === "=" || arg[2] === "=" || (arg[0] as string)[0] === (arg[2] as string)[0])) throw invalid();
      return;
    }
    default:
      throw invalid();
  }
}

export function matchesAny(patterns: Pattern[], event: unknown): boolean {
  return patterns.length === 0 || patterns.some((p) => matches(p, event));
}

export function matches(pattern: Pattern, event: unknown): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === "$or" && Array.isArray(rule)) {
      if (!rule.some((alt) => matches(alt as Pattern, event))) return false;
      continue;
    }
    const value = event && typeof event === "object" && !Array.isArray(event) ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) {
      if (!matchLeaf(rule, value)) return false;
    } else if (rule && typeof rule === "object") {
      if (!matches(rule as Pattern, value)) return false;
    } else return false;
  }
  return true;
}

const isLeaf = (v: unknown) => v === null || typeof v !== "object";

function matchLeaf(rules: unknown[], value: unknown): boolean {
  // Leaf values at this path: the value itself, or the primitive elements of an array.
  const leaves = value === undefined ? [] : Array.isArray(value) ? value.filter(isLeaf) : isLeaf(value) ? [value] : [];
  return rules.some((rule) => {
    if (rule !== null && typeof rule === "object") {
      const op = rule as Record<string, unknown>;
      if ("exists" in op) return op.exists === true ? leaves.length > 0 : leaves.length === 0;
      return leaves.some((v) => matchOperator(op, v));
    }
    return leaves.some((v) => equalLiteral(rule, v));
  });
}

function equalLiteral(rule: unknown, v: unknown): boolean {
  if (typeof rule === "number" && typeof v === "number") return rule === v;
  return rule === v;
}

const lower = (s: string) => s.toLowerCase();

function matchOperator(op: Record<string, unknown>, v: unknown): boolean {
  if ("equals-ignore-case" in op) return isStr(v) && lower(v) === lower(String(op["equals-ignore-case"]));
  if ("prefix" in op) return isStr(v) && affix(op.prefix, v, (s, a) => s.startsWith(a));
  if ("suffix" in op) return isStr(v) && affix(op.suffix, v, (s, a) => s.endsWith(a));
  if ("anything-but" in op) {
    const but = op["anything-but"];
    if (Array.isArray(but)) return !but.some((b) => equalLiteral(b, v));
    if (but && typeof but === "object") {
      const o = but as Record<string, unknown>;
      if (!isStr(v)) return true;
      if ("prefix" in o) return !v.startsWith(String(o.prefix));
      if ("suffix" in o) return !v.endsWith(String(o.suffix));
      const list = Array.isArray(o["equals-ignore-case"]) ? (o["equals-ignore-case"] as string[]) : [String(o["equals-ignore-case"])];
      return !list.some((s) => lower(s) === lower(v));
    }
    return !equalLiteral(but, v);
  }
  if ("numeric" in op) {
    const conds = op.numeric as unknown[];
    const n = typeof v === "number" ? v : isStr(v) && v.trim() !== "" ? Number(v) : NaN;
    if (Number.isNaN(n)) return false;
    for (let i = 0; i + 1 < conds.length; i += 2) {
      const bound = Number(conds[i + 1]);
      const ok = { "=": n === bound, "<": n < bound, "<=": n <= bound, ">": n > bound, ">=": n >= bound }[String(conds[i])];
      if (!ok) return false;
    }
    return true;
  }
  return false;
}

function affix(arg: unknown, v: string, test: (s: string, a: string) => boolean): boolean {
  if (isStr(arg)) return test(v, arg);
  const a = (arg as Record<string, unknown>)["equals-ignore-case"];
  return isStr(a) && test(lower(v), lower(a));
}
