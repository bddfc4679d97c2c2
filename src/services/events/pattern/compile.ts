/**
 * Event patterns: validation and compilation of the JSON pattern language of "Content filtering in Amazon
 * EventBridge event patterns" and "Creating event patterns" (EventBridge user guide). Invalid patterns fail
 * with InvalidEventPatternException "Event pattern is not valid. Reason: <why>", the reasons worded as
 * EventBridge's engine (aws/event-ruler JsonRuleCompiler) words them. AWS appends the parser position
 * (" at [Source: ...; line: 1, column: N]"); Skyport does not (its JSON parser reports no positions).
 */
import { ServiceError } from "../../../aws/errors.js";
import { parseCidr, type IpRange } from "./cidr.js";
import { parseWildcard, WildcardSyntaxError, type Wildcard } from "./wildcard.js";

export type Scalar = string | number | boolean | null;

export type Matcher =
  | { t: "exact"; v: Scalar }
  | { t: "prefix" | "suffix"; v: string; ci: boolean }
  | { t: "eic"; v: string }
  | { t: "wildcard"; w: Wildcard }
  | { t: "but"; values: Scalar[] }
  | { t: "but-eic"; values: string[] }
  | { t: "but-prefix" | "but-suffix"; v: string }
  | { t: "but-wildcard"; ws: Wildcard[] }
  | { t: "numeric"; conds: Array<[NumericOp, number]> }
  | { t: "exists"; v: boolean }
  | { t: "cidr"; range: IpRange };

export type NumericOp = "=" | "<" | "<=" | ">" | ">=";

export type FieldRule = { leaf: Matcher[] } | { obj: CompiledPattern };

/** A compiled pattern object: every field must match, and in every `$or` group one alternative must. */
export interface CompiledPattern {
  fields: Array<[string, FieldRule]>;
  ors: CompiledPattern[][];
}

export const EVENT_PATTERN_MAX_LENGTH = 4096;
const OR = "$or";
/** Field names that cannot appear inside `$or` (they would read as match expressions). */
const RESERVED_IN_OR = new Set(["anything-but", "exists", "prefix", "suffix", "numeric", "cidr", "equals-ignore-case", "wildcard", "exactly"]);

export const invalidPattern = (reason: string) => new ServiceError("InvalidEventPatternException", `Event pattern is not valid. Reason: ${reason}`, 400);

class PatternError extends Error {}
const barf = (reason: string): never => {
  throw new PatternError(reason);
};

/** Parses and validates a pattern string; throws InvalidEventPatternException. */
export function compilePattern(text: string): CompiledPattern {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidPattern(`Filter is not valid JSON: ${(e as Error).message}`);
  }
  try {
    if (!isObject(json)) barf("Filter is not an object");
    return compileObject(json as Record<string, unknown>, false);
  } catch (e) {
    if (e instanceof PatternError) throw invalidPattern(e.message);
    throw e;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function compileObject(obj: Record<string, unknown>, insideOr: boolean): CompiledPattern {
  const out: CompiledPattern = { fields: [], ors: [] };
  const keys = Object.keys(obj);
  if (!keys.length) barf("Empty objects are not allowed");
  for (const key of keys) {
    const v = obj[key];
    if (key === OR) {
      out.ors.push(compileOr(v));
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) barf(`${key} is Ruler reserved fieldName which cannot be used inside ${OR}.`);
    if (Array.isArray(v)) out.fields.push([key, { leaf: compileValues(v) }]);
    else if (isObject(v)) out.fields.push([key, { obj: compileObject(v, insideOr) }]);
    else barf(`"${key}" must be an object or an array`);
  }
  return out;
}

function compileOr(v: unknown): CompiledPattern[] {
  if (!Array.isArray(v)) barf(`It must be an Array followed with ${OR}.`);
  const alts = (v as unknown[]).map((alt) => (isObject(alt) ? compileObject(alt, true) : barf(`Only JSON object is allowed in array of ${OR} relationship.`)));
  if (alts.length < 2) barf(`There must have at least 2 Objects in ${OR} relationship.`);
  return alts;
}

function compileValues(values: unknown[]): Matcher[] {
  if (!values.length) barf("Empty arrays are not allowed");
  return values.map((v): Matcher => {
    if (isObject(v)) return compileExpression(v);
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return { t: "exact", v };
    return barf("Match value must be String, number, true, false, or null");
  });
}

function single(expr: Record<string, unknown>): [string, unknown] {
  const keys = Object.keys(expr);
  if (!keys.length) barf("Match expression name not found");
  if (keys.length > 1) barf(keys[0] === "numeric" || keys[0] === "anything-but" ? "Too many elements in numeric expression" : "Only one key allowed in match expression");
  return [keys[0]!, expr[keys[0]!]];
}

function compileExpression(expr: Record<string, unknown>): Matcher {
  const [type, arg] = single(expr);
  switch (type) {
    case "exactly":
      if (typeof arg !== "string") barf("exact match pattern must be a string");
      return { t: "exact", v: arg as string };
    case "prefix":
    case "suffix": {
      if (typeof arg === "string") return { t: type, v: arg, ci: false };
      if (isObject(arg)) {
        const [inner, s] = single(arg);
        if (inner !== "equals-ignore-case") barf(`Unsupported ${type} pattern: ${inner}`);
        if (typeof s !== "string") barf(`equals-ignore-case match pattern must be a string`);
        return { t: type, v: s as string, ci: true };
      }
      return barf(`${type} match pattern must be a string`);
    }
    case "equals-ignore-case":
      if (typeof arg !== "string") barf("equals-ignore-case match pattern must be a string");
      return { t: "eic", v: arg as string };
    case "wildcard":
      if (typeof arg !== "string") barf("wildcard match pattern must be a string");
      return { t: "wildcard", w: wildcard(arg as string) };
    case "numeric":
      return { t: "numeric", conds: compileNumeric(arg) };
    case "anything-but":
      return compileAnythingBut(arg);
    case "exists":
      if (typeof arg !== "boolean") barf("exists match pattern must be either true or false.");
      return { t: "exists", v: arg as boolean };
    case "cidr": {
      if (typeof arg !== "string") barf("cidr match pattern must be a string");
      const range = parseCidr(arg as string);
      if (!range) barf(`Nonstandard IP address: ${arg as string}`);
      return { t: "cidr", range: range! };
    }
    default:
      return barf(`Unrecognized match type ${type}`);
  }
}

function wildcard(s: string): Wildcard {
  try {
    return parseWildcard(s);
  } catch (e) {
    if (e instanceof WildcardSyntaxError) barf(e.message);
    throw e;
  }
}

function compileAnythingBut(arg: unknown): Matcher {
  if (isObject(arg)) {
    const [op, v] = single(arg);
    if (op === "prefix" || op === "suffix") {
      if (typeof v !== "string") barf("prefix/suffix match pattern must be a string");
      if (v === "") barf("Null prefix/suffix not allowed");
      return { t: op === "prefix" ? "but-prefix" : "but-suffix", v: v as string };
    }
    if (op === "equals-ignore-case") {
      const list = Array.isArray(v) ? v : [v];
      if (!list.length || !list.every((x) => typeof x === "string")) barf("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.");
      return { t: "but-eic", values: (list as string[]).map((s) => s.toLowerCase()) };
    }
    if (op === "wildcard") {
      const list = Array.isArray(v) ? v : [v];
      if (!list.length || !list.every((x) => typeof x === "string")) barf("wildcard match pattern must be a string");
      return { t: "but-wildcard", ws: (list as string[]).map(wildcard) };
    }
    return barf(`Unsupported anything-but pattern: ${op}`);
  }
  if (Array.isArray(arg)) {
    if (!arg.every((x) => typeof x === "string" || typeof x === "number")) barf("Inside anything but list, start|null|boolean is not supported.");
    const strings = arg.filter((x) => typeof x === "string").length;
    if (!arg.length || (strings && strings !== arg.length)) barf("Inside anything but list, either all values are number or string, mixed type is not supported");
    return { t: "but", values: arg as Scalar[] };
  }
  if (typeof arg === "string" || typeof arg === "number") return { t: "but", values: [arg] };
  return barf("Value of anything-but must be an array or single string/number value.");
}

const LOWER = new Set([">", ">="]);
const UPPER = new Set(["<", "<="]);

function compileNumeric(arg: unknown): Array<[NumericOp, number]> {
  if (!Array.isArray(arg)) barf("Value of numeric must be an array.");
  const a = arg as unknown[];
  const op = a[0];
  if (typeof op !== "string") barf(`Invalid member in numeric match: ${JSON.stringify(op ?? "]")}`);
  const num = (i: number, name: string): number => (typeof a[i] === "number" && Number.isFinite(a[i]) ? (a[i] as number) : barf(`Value of ${name} must be numeric`));
  if (op === "=") {
    const n = num(1, "equals");
    if (a.length > 2) barf("Too many elements in numeric expression");
    return [["=", n]];
  }
  if (UPPER.has(op as string)) {
    const n = num(1, op as string);
    if (a.length > 2) barf("Too many elements in numeric expression");
    return [[op as NumericOp, n]];
  }
  if (!LOWER.has(op as string)) return barf(`Unrecognized numeric range operator: ${op as string}`);
  const lo = num(1, op as string);
  if (a.length === 2) return [[op as NumericOp, lo]];
  const top = a[2];
  if (typeof top !== "string") barf(`Bad value in numeric range: ${JSON.stringify(top)}`);
  if (!UPPER.has(top as string)) barf(`Bad numeric range operator: ${top as string}`);
  const hi = num(3, top as string);
  if (a.length > 4) barf("Too many terms in numeric range expression");
  if (hi < lo || (hi === lo && (op === ">" || top === "<"))) barf("Bottom must be less than top");
  return [
    [op as NumericOp, lo],
    [top as NumericOp, hi],
  ];
}
