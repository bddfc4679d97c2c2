/**
 * Condition operators ("IAM JSON policy elements: Condition operators"), compiled once per policy.
 *
 * - Several keys in one block AND; several values of one key OR — except negated operators (StringNotEquals,
 *   NotIpAddress, ArnNotLike, …), where the value must match none of them (a logical NOR).
 * - A key absent from the request context: the condition is false, but true for negated operators; `…IfExists`
 *   makes it true; `Null` tests presence itself.
 * - `ForAllValues:` is true when every request value matches (so an absent key or empty set is true);
 *   `ForAnyValue:` when at least one does (absent or empty: false).
 * - Policy variables are resolved in String*, Arn* and Bool values (not in Numeric/Date/Binary/IP ones, as
 *   the operator page documents).
 */
import { BlockList, isIP } from "node:net";
import { compileGlob, globMatch, type Glob } from "./glob.js";
import { hasVariables, resolvePattern, resolveText, type Lookup } from "./variables.js";
import type { ConditionBlock } from "./validate.js";

/** Positive test: does one request value match at least one policy value? */
type Matcher = (requestValue: string, lookup: Lookup) => boolean;

export interface CompiledCondition {
  operator: string;
  key: string;
  set: "all" | "any" | null;
  ifExists: boolean;
  isNull: boolean;
  negated: boolean;
  nullValues: boolean[];
  match: Matcher;
}

const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals", StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase", StringNotLike: "StringLike",
  NumericNotEquals: "NumericEquals", DateNotEquals: "DateEquals", NotIpAddress: "IpAddress",
  ArnNotEquals: "ArnEquals", ArnNotLike: "ArnLike",
};

/** Compiles a statement's Condition block; unknown operators never match (IAM rejects them when validating). */
export function compileConditions(block: ConditionBlock, variables: boolean): CompiledCondition[] {
  const out: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    let op = operator;
    let set: CompiledCondition["set"] = null;
    if (op.startsWith("ForAllValues:")) { set = "all"; op = op.slice(13); }
    else if (op.startsWith("ForAnyValue:")) { set = "any"; op = op.slice(12); }
    let ifExists = false;
    if (op.endsWith("IfExists") && op !== "IfExists") { ifExists = true; op = op.slice(0, -8); }
    const positive = NEGATED[op] ?? op;
    for (const [key, values] of Object.entries(keys)) {
      out.push({
        operator,
        key: key.toLowerCase(),
        set,
        ifExists,
        isNull: op === "Null",
        negated: positive !== op,
        nullValues: values.map((v) => v.toLowerCase() === "true"),
        match: matcher(positive, values, variables),
      });
    }
  }
  return out;
}

/** Evaluates compiled conditions (AND) against the request context. */
export function conditionsHold(conditions: CompiledCondition[], lookup: Lookup): boolean {
  for (const c of conditions) if (!conditionHolds(c, lookup)) return false;
  return true;
}

function conditionHolds(c: CompiledCondition, lookup: Lookup): boolean {
  const raw = lookup(c.key);
  const values = raw === undefined ? undefined : Array.isArray(raw) ? raw.map(String) : [String(raw)];
  const present = values !== undefined && values.length > 0;
  if (c.isNull) return c.nullValues.some((wantsAbsent) => wantsAbsent !== present);
  const test = (v: string) => (c.negated ? !c.match(v, lookup) : c.match(v, lookup));
  if (!present) {
    if (c.ifExists) return true;
    if (c.set === "all") return true;
    if (c.set === "any") return false;
    return c.negated;
  }
  if (c.set === "all") return values.every(test);
  if (c.set === "any") return values.some(test);
  // A multi-valued key without a set operator: the request matches when any of its values does.
  return c.negated ? values.every(test) : values.some(test);
}

function matcher(op: string, values: string[], variables: boolean): Matcher {
  const withVars = variables && values.some(hasVariables);
  switch (op) {
    case "StringEquals":
      return textMatcher(values, withVars, (a, b) => a === b);
    case "StringEqualsIgnoreCase":
      return textMatcher(values, withVars, (a, b) => a.toLowerCase() === b.toLowerCase());
    case "Bool":
      return textMatcher(values, withVars, (a, b) => a.toLowerCase() === b.toLowerCase());
    case "StringLike": {
      if (!withVars) {
        const globs = values.map((v) => compileGlob(v));
        return (r) => globs.some((g) => globMatch(g, r));
      }
      return (r, lookup) => values.some((v) => {
        const g = resolvePattern(v, lookup);
        return g !== undefined && globMatch(g, r);
      });
    }
    case "ArnEquals":
    case "ArnLike": {
      if (!withVars) {
        const arns = values.map(compileArn);
        return (r) => arns.some((a) => arnMatch(a, r));
      }
      return (r, lookup) => values.some((v) => {
        const t = resolveText(v, lookup);
        return t !== undefined && arnMatch(compileArn(t), r);
      });
    }
    case "NumericEquals": return numeric(values, (a, b) => a === b);
    case "NumericLessThan": return numeric(values, (a, b) => a < b);
    case "NumericLessThanEquals": return numeric(values, (a, b) => a <= b);
    case "NumericGreaterThan": return numeric(values, (a, b) => a > b);
    case "NumericGreaterThanEquals": return numeric(values, (a, b) => a >= b);
    case "DateEquals": return dates(values, (a, b) => a === b);
    case "DateLessThan": return dates(values, (a, b) => a < b);
    case "DateLessThanEquals": return dates(values, (a, b) => a <= b);
    case "DateGreaterThan": return dates(values, (a, b) => a > b);
    case "DateGreaterThanEquals": return dates(values, (a, b) => a >= b);
    case "BinaryEquals": {
      const wanted = values.map((v) => Buffer.from(v, "base64"));
      return (r) => {
        const got = Buffer.from(r, "base64");
        return wanted.some((w) => w.equals(got));
      };
    }
    case "IpAddress": return ipMatcher(values);
    default:
      return () => false;
  }
}

function textMatcher(values: string[], withVars: boolean, eq: (request: string, policy: string) => boolean): Matcher {
  if (!withVars) return (r) => values.some((v) => eq(r, v));
  return (r, lookup) => values.some((v) => {
    const t = resolveText(v, lookup);
    return t !== undefined && eq(r, t);
  });
}

function parseNumber(s: string): number | undefined {
  if (!s.trim()) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function numeric(values: string[], cmp: (request: number, policy: number) => boolean): Matcher {
  const wanted = values.map(parseNumber).filter((n): n is number => n !== undefined);
  return (r) => {
    const n = parseNumber(r);
    return n !== undefined && wanted.some((w) => cmp(n, w));
  };
}

/** ISO 8601 or epoch seconds, as the Date operators accept both. */
export function parseDate(s: string): number | undefined {
  const t = s.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

function dates(values: string[], cmp: (request: number, policy: number) => boolean): Matcher {
  const wanted = values.map(parseDate).filter((n): n is number => n !== undefined);
  return (r) => {
    const d = parseDate(r);
    return d !== undefined && wanted.some((w) => cmp(d, w));
  };
}

function ipMatcher(values: string[]): Matcher {
  const list = new BlockList();
  for (const v of values) {
    const [addr = "", bits] = v.trim().split("/");
    const family = isIP(addr);
    if (!family) continue;
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) continue;
    list.addSubnet(addr, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return (r) => {
    const family = isIP(r);
    return family !== 0 && list.check(r, family === 4 ? "ipv4" : "ipv6");
  };
}

/** An ARN pattern: each of its six colon-separated parts matched on its own (the last keeps any colons). */
type ArnPattern = { parts: Glob[] } | { whole: Glob } | null;

function splitArn(s: string): string[] | undefined {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const at = s.indexOf(":", from);
    if (at < 0) return undefined;
    parts.push(s.slice(from, at));
    from = at + 1;
  }
  parts.push(s.slice(from));
  return parts;
}

function compileArn(pattern: string): ArnPattern {
  const parts = splitArn(pattern);
  if (parts) return { parts: parts.map((p) => compileGlob(p)) };
  // Not six parts: only a bare wildcard pattern ("*") can still match; a truncated ARN never does.
  return pattern.includes(":") ? null : { whole: compileGlob(pattern) };
}

function arnMatch(p: ArnPattern, arn: string): boolean {
  if (!p) return false;
  if ("whole" in p) return globMatch(p.whole, arn);
  const parts = splitArn(arn);
  if (!parts) return false;
  for (let i = 0; i < 6; i++) if (!globMatch(p.parts[i]!, parts[i]!)) return false;
  return true;
}
