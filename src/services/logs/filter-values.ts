/**
 * The pieces filter patterns share: errors, the matcher interface, quoted strings, %regex%, comparison
 * values (numbers, strings with edge wildcards, regexes) and the small lexer of the JSON and
 * space-delimited condition languages.
 */

import { compileUserRegex, type UserRegex } from "../../core/user-regex.js";

/** A pattern error, reported by the caller as InvalidParameterException with this message. */
export class FilterPatternError extends Error {}

export interface FilterMatcher {
  /** True when the message matches. */
  match(message: string): boolean;
  /** The values a space-delimited pattern extracts from a matching message (empty for other kinds); undefined when it does not match. */
  extract(message: string): Record<string, string> | undefined;
}

export const INVALID = "Invalid filter pattern";

/** The index of the quote closing the one at `open` (backslash escapes skipped), or -1. */
export function closingQuote(s: string, open: number): number {
  for (let j = open + 1; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s[j] === '"') return j;
  }
  return -1;
}

export const unescape = (s: string) => s.replace(/\\(.)/g, "$1");

/**
 * The characters a `%regex%` may hold (doc "Supported regular expressions (regex) syntax"): letters, digits,
 * the symbols : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \ * + . — no parentheses (no
 * subpatterns), nothing multi-byte.
 */
const REGEX_CHARS = /^[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+.]+$/;

/** `%...%` → a linear-time matcher (issue 8: a backtracking engine let one pattern block the server). */
export function compileRegex(src: string): UserRegex {
  const body = src.slice(1, -1);
  if (!body || !REGEX_CHARS.test(body)) throw new FilterPatternError(INVALID);
  try {
    return compileUserRegex(body, "", { maxLength: 1024 });
  } catch {
    throw new FilterPatternError(INVALID);
  }
}

// ---------------------------------------------------------------- values and comparisons (shared by JSON and space-delimited)

export type Op = "=" | "!=" | "<" | ">" | "<=" | ">=";

/** The right-hand side of a comparison. */
export type Value =
  | { kind: "number"; n: number; text: string }
  | { kind: "string"; text: string; prefix: boolean; suffix: boolean }
  | { kind: "any" }
  | { kind: "regex"; re: UserRegex };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function stringMatches(v: Extract<Value, { kind: "string" }>, s: string): boolean {
  if (v.prefix && v.suffix) return s.includes(v.text);
  if (v.prefix) return s.endsWith(v.text);
  if (v.suffix) return s.startsWith(v.text);
  return s === v.text;
}

/** Compares a scalar (string, number or boolean from the log) with a pattern value. */
export function compare(op: Op, actual: string | number | boolean, v: Value): boolean {
  if (v.kind === "any") return op === "=";
  if (op === "=" || op === "!=") {
    let eq: boolean;
    if (v.kind === "number") {
      const n = typeof actual === "number" ? actual : typeof actual === "string" && NUMBER.test(actual.trim()) ? Number(actual) : NaN;
      eq = Number.isNaN(n) ? String(actual) === v.text : n === v.n;
    } else if (v.kind === "regex") eq = v.re.test(String(actual));
    else eq = stringMatches(v, String(actual));
    return op === "=" ? eq : !eq;
  }
  if (v.kind !== "number") return false;
  const n = typeof actual === "number" ? actual : typeof actual === "string" && NUMBER.test(actual.trim()) ? Number(actual) : NaN;
  if (Number.isNaN(n)) return false;
  return op === "<" ? n < v.n : op === ">" ? n > v.n : op === "<=" ? n <= v.n : n >= v.n;
}

/** A small tokenizer for the JSON and space-delimited condition languages. */
export class Lexer {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  peek(lit: string): boolean {
    this.ws();
    return this.s.startsWith(lit, this.i);
  }
  eat(lit: string): boolean {
    if (!this.peek(lit)) return false;
    this.i += lit.length;
    return true;
  }
  done(): boolean {
    this.ws();
    return this.i >= this.s.length;
  }
  word(): string {
    this.ws();
    const m = /^[A-Za-z]+/.exec(this.s.slice(this.i));
    return m ? m[0] : "";
  }
  op(): Op | undefined {
    this.ws();
    for (const o of ["!=", "<=", ">=", "=", "<", ">"] as const) if (this.eat(o)) return o;
    return undefined;
  }
  /** A comparison value; `stops` are the characters that end a bare value. */
  value(stops: RegExp): Value {
    this.ws();
    const s = this.s;
    if (s[this.i] === '"') {
      const end = closingQuote(s, this.i);
      if (end < 0) throw new FilterPatternError(INVALID);
      const raw = unescape(s.slice(this.i + 1, end));
      this.i = end + 1;
      return stringValue(raw);
    }
    if (s[this.i] === "%") {
      const end = s.indexOf("%", this.i + 1);
      if (end < 0) throw new FilterPatternError(INVALID);
      const re = compileRegex(s.slice(this.i, end + 1));
      this.i = end + 1;
      return { kind: "regex", re };
    }
    let j = this.i;
    while (j < s.length && !stops.test(s[j]!) && !s.startsWith("&&", j) && !s.startsWith("||", j)) j++;
    const raw = s.slice(this.i, j).trim();
    if (!raw) throw new FilterPatternError(INVALID);
    this.i = j;
    if (NUMBER.test(raw)) return { kind: "number", n: Number(raw), text: raw };
    return stringValue(raw);
  }
}

function stringValue(raw: string): Value {
  if (raw === "*") return { kind: "any" };
  // Only leading and trailing asterisks are wildcards ("Ev*ent will only match the actual string Ev*ent").
  const prefix = raw.length > 1 && raw.startsWith("*");
  const suffix = raw.length > 1 && raw.endsWith("*");
  return { kind: "string", text: raw.slice(prefix ? 1 : 0, suffix ? -1 : undefined), prefix, suffix };
}

