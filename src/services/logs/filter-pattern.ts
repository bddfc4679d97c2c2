/**
 * CloudWatch Logs filter patterns, as used by FilterLogEvents, metric filters and TestMetricFilter.
 * Source: "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live
 * Tail" (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
 *
 * - Terms: `ERROR`, `"exact phrase"`, all ANDed; `-term` excludes; `?term` terms are ORed. Case-sensitive
 *   substring match ("ERROR" matches "ERRORCODE", as the doc's example shows). Unquoted terms may hold
 *   only letters, digits and underscores.
 * - Regex: `%regex%` as the whole pattern, or as a value in JSON and space-delimited conditions.
 * - JSON: `{ $.a.b[0] = "x" }` with = != < > <= >=, `*` wildcards at the ends of strings, IS NULL,
 *   IS TRUE/FALSE, NOT EXISTS, && binding tighter than ||, parentheses.
 * - Space-delimited: `[ip, user, ..., status = 4* && status != 403, bytes > 1000]`; `"..."` and `[...]`
 *   group a field of the message; extracted values are `$name` for named fields and `$<position>` else.
 */

/** A pattern error, reported by the caller as InvalidParameterException with this message. */
export class FilterPatternError extends Error {}

export interface FilterMatcher {
  /** True when the message matches. */
  match(message: string): boolean;
  /** The values a space-delimited pattern extracts from a matching message (empty for other kinds); undefined when it does not match. */
  extract(message: string): Record<string, string> | undefined;
}

const MATCH_ALL: FilterMatcher = { match: () => true, extract: () => ({}) };
const INVALID = "Invalid filter pattern";

const cache = new Map<string, FilterMatcher>();

/** Compiles a filter pattern (cached: the same patterns come back with every page and every event batch). */
export function compileFilterPattern(pattern: string | undefined): FilterMatcher {
  if (pattern === undefined) return MATCH_ALL;
  let m = cache.get(pattern);
  if (!m) {
    m = compile(pattern);
    if (cache.size > 500) cache.clear();
    cache.set(pattern, m);
  }
  return m;
}

function compile(pattern: string): FilterMatcher {
  const p = pattern.trim();
  if (p === "" || /^"\s+"$/.test(p)) return MATCH_ALL;
  if (p.startsWith("{")) {
    if (!p.endsWith("}")) throw new FilterPatternError("If a filter pattern starts with '{' it must end with '}'");
    return jsonMatcher(p.slice(1, -1));
  }
  if (p.startsWith("[")) {
    if (!p.endsWith("]")) throw new FilterPatternError("If a filter pattern starts with '[' it must end with ']'");
    return delimitedMatcher(p.slice(1, -1));
  }
  if (p.length > 1 && p.startsWith("%") && p.endsWith("%")) {
    const re = compileRegex(p);
    return { match: (m) => re.test(m), extract: (m) => (re.test(m) ? {} : undefined) };
  }
  return termsMatcher(p);
}

// ---------------------------------------------------------------- terms

function termsMatcher(p: string): FilterMatcher {
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  let i = 0;
  while (i < p.length) {
    if (/\s/.test(p[i]!)) { i++; continue; }
    let kind: "all" | "any" | "none" = "all";
    if (p[i] === "?" || p[i] === "-") {
      kind = p[i] === "?" ? "any" : "none";
      i++;
      while (i < p.length && /\s/.test(p[i]!)) i++;
      if (i >= p.length) throw new FilterPatternError(INVALID);
    }
    let term: string;
    if (p[i] === '"') {
      const end = closingQuote(p, i);
      if (end < 0) throw new FilterPatternError(INVALID);
      term = unescape(p.slice(i + 1, end));
      if (term === "") throw new FilterPatternError(`Invalid character(s) in term '""'`);
      i = end + 1;
    } else {
      let j = i;
      while (j < p.length && !/\s/.test(p[j]!)) j++;
      term = p.slice(i, j);
      if (!/^[\p{L}\p{N}_]+$/u.test(term)) throw new FilterPatternError(`Invalid character(s) in term '${term}'`);
      i = j;
    }
    (kind === "all" ? all : kind === "any" ? any : none).push(term);
  }
  const match = (m: string): boolean => {
    for (const t of all) if (!m.includes(t)) return false;
    for (const t of none) if (m.includes(t)) return false;
    if (any.length && !any.some((t) => m.includes(t))) return false;
    return true;
  };
  return { match, extract: (m) => (match(m) ? {} : undefined) };
}

function closingQuote(s: string, open: number): number {
  for (let j = open + 1; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s[j] === '"') return j;
  }
  return -1;
}

const unescape = (s: string) => s.replace(/\\(.)/g, "$1");

/** `%...%` → RegExp. The doc allows letters, digits, a few symbols and the operators ^$?[]{}|\*+. — not ( ). */
function compileRegex(src: string): RegExp {
  const body = src.slice(1, -1);
  if (!body || /[()]/.test(body) || /[^\x20-\x7e]/.test(body)) throw new FilterPatternError(INVALID);
  try {
    return new RegExp(body);
  } catch {
    throw new FilterPatternError(INVALID);
  }
}

// ---------------------------------------------------------------- values and comparisons (shared by JSON and space-delimited)

type Op = "=" | "!=" | "<" | ">" | "<=" | ">=";

/** The right-hand side of a comparison. */
type Value =
  | { kind: "number"; n: number; text: string }
  | { kind: "string"; text: string; prefix: boolean; suffix: boolean }
  | { kind: "any" }
  | { kind: "regex"; re: RegExp };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function stringMatches(v: Extract<Value, { kind: "string" }>, s: string): boolean {
  if (v.prefix && v.suffix) return s.includes(v.text);
  if (v.prefix) return s.endsWith(v.text);
  if (v.suffix) return s.startsWith(v.text);
  return s === v.text;
}

/** Compares a scalar (string, number or boolean from the log) with a pattern value. */
function compare(op: Op, actual: string | number | boolean, v: Value): boolean {
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
class Lexer {
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

// ---------------------------------------------------------------- JSON patterns

type Step = { key: string } | { index: number } | { wildcard: true };
type JsonExpr =
  | { t: "and" | "or"; a: JsonExpr; b: JsonExpr }
  | { t: "cmp"; path: Step[]; op: Op; v: Value }
  | { t: "is"; path: Step[]; what: "NULL" | "TRUE" | "FALSE" }
  | { t: "notExists"; path: Step[] };

function jsonMatcher(body: string): FilterMatcher {
  const lx = new Lexer(body);
  const expr = parseOr(lx);
  if (!lx.done()) throw new FilterPatternError(INVALID);
  const match = (m: string): boolean => {
    const doc = parseJsonMessage(m);
    return doc !== undefined && evalJson(expr, doc);
  };
  return { match, extract: (m) => (match(m) ? {} : undefined) };
}

function parseJsonMessage(m: string): unknown {
  const t = m.trimStart();
  if (t[0] !== "{" && t[0] !== "[") return undefined;
  try {
    return JSON.parse(m);
  } catch {
    return undefined;
  }
}

function parseOr(lx: Lexer): JsonExpr {
  let a = parseAnd(lx);
  while (lx.eat("||")) a = { t: "or", a, b: parseAnd(lx) };
  return a;
}

function parseAnd(lx: Lexer): JsonExpr {
  let a = parsePrimary(lx);
  while (lx.eat("&&")) a = { t: "and", a, b: parsePrimary(lx) };
  return a;
}

function parsePrimary(lx: Lexer): JsonExpr {
  if (lx.eat("(")) {
    const e = parseOr(lx);
    if (!lx.eat(")")) throw new FilterPatternError(INVALID);
    return e;
  }
  const path = parseSelector(lx);
  const w = lx.word().toUpperCase();
  if (w === "IS") {
    lx.i += 2;
    const what = lx.word().toUpperCase();
    if (what !== "NULL" && what !== "TRUE" && what !== "FALSE") throw new FilterPatternError(INVALID);
    lx.i += what.length;
    return { t: "is", path, what };
  }
  if (w === "NOT") {
    lx.i += 3;
    if (lx.word().toUpperCase() !== "EXISTS") throw new FilterPatternError(INVALID);
    lx.i += 6;
    return { t: "notExists", path };
  }
  const op = lx.op();
  if (!op) throw new FilterPatternError(INVALID);
  const v = lx.value(/[\s()]/);
  if (op !== "=" && op !== "!=" && v.kind !== "number") throw new FilterPatternError(INVALID);
  return { t: "cmp", path, op, v };
}

function parseSelector(lx: Lexer): Step[] {
  lx.ws();
  if (lx.s[lx.i] !== "$") throw new FilterPatternError(INVALID);
  lx.i++;
  const steps: Step[] = [];
  const s = lx.s;
  for (;;) {
    if (s[lx.i] === ".") {
      lx.i++;
      if (s[lx.i] === "*") { lx.i++; steps.push({ wildcard: true }); continue; }
      if (s[lx.i] === "[") continue;
      const m = /^[^\s.[\]=!<>()&|]+/.exec(s.slice(lx.i));
      if (!m) throw new FilterPatternError(INVALID);
      steps.push({ key: m[0] });
      lx.i += m[0].length;
    } else if (s[lx.i] === "[") {
      const end = s.indexOf("]", lx.i);
      if (end < 0) throw new FilterPatternError(INVALID);
      const inner = s.slice(lx.i + 1, end).trim();
      if (inner === "*") steps.push({ wildcard: true });
      else if (/^\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ key: inner.slice(1, -1) });
      else throw new FilterPatternError(INVALID);
      lx.i = end + 1;
    } else break;
  }
  if (!steps.length) throw new FilterPatternError(INVALID);
  return steps;
}

/** Every node the selector reaches (more than one only through wildcards). */
function resolve(doc: unknown, path: Step[]): unknown[] {
  let nodes: unknown[] = [doc];
  for (const step of path) {
    const next: unknown[] = [];
    for (const n of nodes) {
      if (n === null || typeof n !== "object") continue;
      if ("key" in step) {
        if (!Array.isArray(n) && Object.prototype.hasOwnProperty.call(n, step.key)) next.push((n as Record<string, unknown>)[step.key]);
      } else if ("index" in step) {
        if (Array.isArray(n) && step.index < n.length) next.push(n[step.index]);
      } else next.push(...(Array.isArray(n) ? n : Object.values(n as object)));
    }
    nodes = next;
    if (!nodes.length) break;
  }
  return nodes;
}

function evalJson(e: JsonExpr, doc: unknown): boolean {
  switch (e.t) {
    case "and":
      return evalJson(e.a, doc) && evalJson(e.b, doc);
    case "or":
      return evalJson(e.a, doc) || evalJson(e.b, doc);
    case "notExists":
      return resolve(doc, e.path).length === 0;
    case "is": {
      const want = e.what === "NULL" ? null : e.what === "TRUE";
      return resolve(doc, e.path).some((n) => n === want);
    }
    case "cmp":
      // The selector must reach a value node: arrays and objects match neither = nor != (AWS doc).
      return resolve(doc, e.path).some((n) => (typeof n === "string" || typeof n === "number" || typeof n === "boolean") && compare(e.op, n, e.v));
  }
}

// ---------------------------------------------------------------- space-delimited patterns

type Cond = { t: "and" | "or"; a: Cond; b: Cond } | { t: "cmp"; name: string; op: Op; v: Value };
interface Field {
  ellipsis: boolean;
  name: string;
  cond?: Cond;
}

function delimitedMatcher(body: string): FilterMatcher {
  const fields = splitTopLevel(body).map(parseField);
  const conds = fields.filter((f) => f.cond).map((f) => f.cond!);
  const run = (m: string): Record<string, string> | undefined => {
    const tokens = tokenizeMessage(m);
    const binding: Array<[number, number]> = [];
    const found = bind(fields, 0, tokens, 0, binding, () => {
      const named = new Map<string, string>();
      for (let k = 0; k < fields.length; k++) if (!fields[k]!.ellipsis && fields[k]!.name) named.set(fields[k]!.name, tokens[binding[k]![0]]!);
      return conds.every((c) => evalCond(c, named));
    });
    if (!found) return undefined;
    const out: Record<string, string> = {};
    for (let k = 0; k < fields.length; k++) {
      const [from, to] = binding[k]!;
      const f = fields[k]!;
      if (!f.ellipsis && f.name) out[`$${f.name}`] = tokens[from]!;
      else for (let t = from; t < to; t++) out[`$${t + 1}`] = tokens[t]!;
    }
    return out;
  };
  return { match: (m) => run(m) !== undefined, extract: run };
}

/** Assigns message tokens to fields (an ellipsis takes any number), trying each split until `ok` accepts one. */
function bind(fields: Field[], fi: number, tokens: string[], ti: number, binding: Array<[number, number]>, ok: () => boolean): boolean {
  if (fi === fields.length) return ti === tokens.length && ok();
  const f = fields[fi]!;
  if (!f.ellipsis) {
    if (ti >= tokens.length) return false;
    binding[fi] = [ti, ti + 1];
    return bind(fields, fi + 1, tokens, ti + 1, binding, ok);
  }
  for (let end = ti; end <= tokens.length; end++) {
    binding[fi] = [ti, end];
    if (bind(fields, fi + 1, tokens, end, binding, ok)) return true;
  }
  return false;
}

/** Splits on commas outside quotes and %regex%. */
function splitTopLevel(body: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote = false;
  let regex = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote && c === "\\") { cur += c + (body[++i] ?? ""); continue; }
    if (c === '"' && !regex) quote = !quote;
    else if (c === "%" && !quote) regex = !regex;
    else if (c === "," && !quote && !regex) { out.push(cur); cur = ""; continue; }
    cur += c;
  }
  if (quote || regex) throw new FilterPatternError(INVALID);
  out.push(cur);
  return out;
}

function parseField(src: string): Field {
  const s = src.trim();
  if (s === "..." || s === "…") return { ellipsis: true, name: "" };
  if (s === "") return { ellipsis: false, name: "" };
  const m = /^[A-Za-z0-9_-]+/.exec(s);
  if (!m) throw new FilterPatternError(INVALID);
  const name = m[0];
  if (s.length === name.length) return { ellipsis: false, name };
  const lx = new Lexer(s);
  const cond = parseCondOr(lx);
  if (!lx.done()) throw new FilterPatternError(INVALID);
  return { ellipsis: false, name, cond };
}

function parseCondOr(lx: Lexer): Cond {
  let a = parseCondAnd(lx);
  while (lx.eat("||")) a = { t: "or", a, b: parseCondAnd(lx) };
  return a;
}

function parseCondAnd(lx: Lexer): Cond {
  let a = parseCondCmp(lx);
  while (lx.eat("&&")) a = { t: "and", a, b: parseCondCmp(lx) };
  return a;
}

function parseCondCmp(lx: Lexer): Cond {
  lx.ws();
  const m = /^[A-Za-z0-9_-]+/.exec(lx.s.slice(lx.i));
  if (!m) throw new FilterPatternError(INVALID);
  lx.i += m[0].length;
  const op = lx.op();
  if (!op) throw new FilterPatternError(INVALID);
  const v = lx.value(/\s/);
  if (op !== "=" && op !== "!=" && v.kind !== "number") throw new FilterPatternError(INVALID);
  return { t: "cmp", name: m[0], op, v };
}

function evalCond(c: Cond, named: Map<string, string>): boolean {
  if (c.t !== "cmp") return c.t === "and" ? evalCond(c.a, named) && evalCond(c.b, named) : evalCond(c.a, named) || evalCond(c.b, named);
  const actual = named.get(c.name);
  return actual !== undefined && compare(c.op, actual, c.v);
}

/** Space-separated fields; text between "" or [] is one field (without its delimiters). */
export function tokenizeMessage(m: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = m.length;
  while (i < n) {
    while (i < n && isSpace(m.charCodeAt(i))) i++;
    if (i >= n) break;
    const c = m[i]!;
    const close = c === '"' ? '"' : c === "[" ? "]" : "";
    if (close) {
      const end = m.indexOf(close, i + 1);
      if (end >= 0 && (end + 1 === n || isSpace(m.charCodeAt(end + 1)))) {
        out.push(m.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let j = i;
    while (j < n && !isSpace(m.charCodeAt(j))) j++;
    out.push(m.slice(i, j));
    i = j;
  }
  return out;
}

/** Space, tab, CR, LF (log lines usually end with a newline). */
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
