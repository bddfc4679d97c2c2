/**
 * CloudWatch Logs Insights query language — the common commands: `fields`, `filter`, `stats` (count, sum,
 * avg, min, max, count_distinct; `by` fields and `bin(period)`), `sort`, `limit`, `display`, `parse` (glob
 * form, or a regex with named groups). Source: "CloudWatch Logs Insights language query syntax"
 * (CWL_QuerySyntax*.html).
 *
 * A query is commands joined by `|`. Expressions: fields (`@message`, `a.b`, `` `odd-name` ``), strings
 * ('..' or ".."), numbers, /regex/ (linear-time engine), comparisons, arithmetic, `and`/`or`/`not`,
 * `like`/`not like`, `=~`, `in [..]`, and a few functions. Errors carry AWS's MalformedQueryException shape
 * (a message and the character offsets of the culprit).
 */
import { compileUserRegex, type UserRegex } from "../../../core/user-regex.js";

export class QueryError extends Error {
  constructor(message: string, readonly start: number, readonly end: number) {
    super(message);
  }
}

export type Expr =
  | { k: "field"; name: string }
  | { k: "str"; v: string }
  | { k: "num"; v: number }
  | { k: "regex"; re: UserRegex }
  | { k: "call"; fn: string; args: Expr[] }
  | { k: "op"; op: string; a: Expr; b: Expr }
  | { k: "not"; a: Expr }
  | { k: "like"; a: Expr; p: Expr; neg: boolean }
  | { k: "in"; a: Expr; list: Expr[]; neg: boolean };

/** A named expression: `expr as alias`, or the expression's own text. */
export interface Named {
  name: string;
  e: Expr;
}

export type Command =
  | { c: "fields"; list: Named[] }
  | { c: "display"; list: Named[] }
  | { c: "filter"; e: Expr }
  | { c: "stats"; aggs: Named[]; by: Named[] }
  | { c: "sort"; keys: Array<{ e: Expr; desc: boolean }> }
  | { c: "limit"; n: number }
  | { c: "parse"; src: Expr; pieces: string[]; names: string[] }
  | { c: "parse"; src: Expr; re: UserRegex };

type Tok = { t: "id" | "str" | "num" | "regex" | "op"; v: string; s: number; e: number };

/** Aggregations `stats` accepts. */
export const AGGREGATES = new Set(["count", "sum", "avg", "min", "max", "count_distinct"]);
const FUNCTIONS = new Set(["ispresent", "isempty", "isblank", "strlen", "tolower", "toupper", "abs", "floor", "ceil", "bin", "concat"]);
const MAX_QUERY_LENGTH = 10_000;

export function parseQuery(query: string): Command[] {
  if (query.length > MAX_QUERY_LENGTH) throw new QueryError(`Query is longer than ${MAX_QUERY_LENGTH} characters`, 0, query.length);
  const toks = tokenize(query);
  const cmds: Command[] = [];
  let i = 0;
  while (i < toks.length) {
    let j = i;
    while (j < toks.length && !(toks[j]!.t === "op" && toks[j]!.v === "|")) j++;
    if (j === i) throw new QueryError("Expected a command", toks[i]?.s ?? query.length, toks[i]?.e ?? query.length);
    cmds.push(new CommandParser(query, toks.slice(i, j)).command());
    i = j + 1;
    if (i === toks.length && toks[j]) throw new QueryError("Expected a command after '|'", toks[j]!.s, toks[j]!.e);
  }
  return cmds;
}

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const s = i;
    if (c === '"' || c === "'") {
      let v = "";
      i++;
      while (i < q.length && q[i] !== c) {
        if (q[i] === "\\" && i + 1 < q.length) i++;
        v += q[i++];
      }
      if (i >= q.length) throw new QueryError("Unterminated string", s, q.length);
      out.push({ t: "str", v, s, e: ++i });
    } else if (c === "`") {
      const end = q.indexOf("`", i + 1);
      if (end < 0) throw new QueryError("Unterminated field name", s, q.length);
      out.push({ t: "id", v: q.slice(i + 1, end), s, e: (i = end + 1) });
    } else if (c === "/" && regexAllowed(out)) {
      let j = i + 1;
      while (j < q.length && q[j] !== "/") j += q[j] === "\\" ? 2 : 1;
      if (j >= q.length) throw new QueryError("Unterminated regular expression", s, q.length);
      out.push({ t: "regex", v: q.slice(i + 1, j), s, e: (i = j + 1) });
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(q[i + 1] ?? ""))) {
      const m = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(q.slice(i))!;
      i += m[0].length;
      out.push({ t: "num", v: m[0], s, e: i });
    } else if (/[A-Za-z_@$]/.test(c)) {
      const m = /^[A-Za-z_@$][\w.@$-]*/.exec(q.slice(i))!;
      // A trailing '-' or '.' belongs to what follows (e.g. `a-1` stays one name; `x.` is not a name).
      const v = m[0].replace(/[.-]+$/, "");
      i += v.length;
      out.push({ t: "id", v, s, e: i });
    } else {
      const two = q.slice(i, i + 2);
      const v = ["!=", "<=", ">=", "=~", "=="].includes(two) ? two : c;
      if (!"|,()[]=!<>+-*/%".includes(v[0]!)) throw new QueryError(`Unexpected character '${c}'`, s, s + 1);
      i += v.length;
      out.push({ t: "op", v, s, e: i });
    }
  }
  return out;
}

/** A '/' starts a regex where a value is expected (after an operator, keyword or opening bracket). */
function regexAllowed(prev: Tok[]): boolean {
  const p = prev[prev.length - 1];
  if (!p) return true;
  // `parse <field> /regex/`
  if (p.t === "id" && prev[prev.length - 2]?.t === "id" && prev[prev.length - 2]!.v.toLowerCase() === "parse") return true;
  if (p.t === "op") return p.v !== ")" && p.v !== "]";
  return p.t === "id" && ["like", "filter", "and", "or", "not", "parse", "in"].includes(p.v.toLowerCase());
}

class CommandParser {
  private i = 0;
  constructor(
    private readonly q: string,
    private readonly t: Tok[],
  ) {}

  private peek(): Tok | undefined {
    return this.t[this.i];
  }
  private isWord(w: string, off = 0): boolean {
    const k = this.t[this.i + off];
    return k?.t === "id" && k.v.toLowerCase() === w;
  }
  private isOp(v: string): boolean {
    const k = this.peek();
    return k?.t === "op" && k.v === v;
  }
  private fail(msg: string): never {
    const k = this.peek() ?? this.t[this.t.length - 1];
    throw new QueryError(msg, k?.s ?? 0, k?.e ?? this.q.length);
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) this.fail(`Expected '${v}'`);
    this.i++;
  }
  private end(): void {
    if (this.i < this.t.length) this.fail(`Unexpected '${this.peek()!.v}'`);
  }

  command(): Command {
    const head = this.t[this.i++]!;
    const name = head.v.toLowerCase();
    let cmd: Command;
    if (head.t !== "id") this.fail("Expected a command");
    if (name === "fields" || name === "display") cmd = { c: name, list: this.namedList(false) };
    else if (name === "filter") cmd = { c: "filter", e: this.expr() };
    else if (name === "stats") cmd = this.stats();
    else if (name === "sort") cmd = this.sort();
    else if (name === "limit") {
      const n = this.peek();
      if (n?.t !== "num" || !/^\d+$/.test(n.v) || Number(n.v) < 1 || Number(n.v) > 10_000) this.fail("limit must be an integer between 1 and 10000");
      this.i++;
      cmd = { c: "limit", n: Number(n!.v) };
    } else if (name === "parse") cmd = this.parse();
    else throw new QueryError(`Unsupported command '${head.v}'`, head.s, head.e);
    this.end();
    return cmd;
  }

  private namedList(allowAggregates: boolean, stopAtBy = false): Named[] {
    const list: Named[] = [];
    do {
      const start = this.peek()?.s ?? this.q.length;
      const e = this.expr();
      if (!allowAggregates && e.k === "call" && AGGREGATES.has(e.fn)) this.fail(`Aggregate ${e.fn}() is only allowed in stats`);
      const end = this.t[this.i - 1]!.e;
      let name = this.q.slice(start, end).trim();
      if (e.k === "field") name = e.name;
      if (this.isWord("as")) {
        this.i++;
        const a = this.peek();
        if (a?.t !== "id") this.fail("Expected a name after 'as'");
        name = a!.v;
        this.i++;
      }
      list.push({ name, e });
      if (stopAtBy && this.isWord("by")) break;
    } while (this.isOp(",") && ++this.i);
    return list;
  }

  private stats(): Command {
    const aggs = this.namedList(true, true);
    for (const a of aggs) if (a.e.k !== "call" || !AGGREGATES.has(a.e.fn)) this.fail(`stats expects aggregate functions (${[...AGGREGATES].join(", ")})`);
    let by: Named[] = [];
    if (this.isWord("by")) {
      this.i++;
      by = this.namedList(false);
    }
    return { c: "stats", aggs, by };
  }

  private sort(): Command {
    const keys: Array<{ e: Expr; desc: boolean }> = [];
    do {
      const e = this.expr();
      let desc = false;
      if (this.isWord("desc") || this.isWord("asc")) desc = this.t[this.i++]!.v.toLowerCase() === "desc";
      keys.push({ e, desc });
    } while (this.isOp(",") && ++this.i);
    return { c: "sort", keys };
  }

  /** `parse <field> "glob with * wildcards" as a, b`, or `parse <field> /regex with (?<name>groups)/`. */
  private parse(): Command {
    let src: Expr = { k: "field", name: "@message" };
    if (this.peek()?.t === "id" && !this.isWord("as")) src = this.primary();
    const p = this.peek();
    if (p?.t === "regex") {
      const e = this.primary() as Extract<Expr, { k: "regex" }>;
      if (!/\(\?<[A-Za-z_]\w*>/.test(p.v)) throw new QueryError("parse with a regular expression needs named groups (?<name>...)", p.s, p.e);
      return { c: "parse", src, re: e.re };
    }
    if (p?.t !== "str") this.fail("parse expects a quoted pattern with * wildcards or a /regex/ with named groups");
    this.i++;
    const pieces = p!.v.split("*");
    if (!this.isWord("as")) this.fail("Expected 'as' after the parse pattern");
    this.i++;
    const names: string[] = [];
    do {
      const n = this.peek();
      if (n?.t !== "id") this.fail("Expected a field name");
      names.push(n!.v);
      this.i++;
    } while (this.isOp(",") && ++this.i);
    if (names.length !== pieces.length - 1) throw new QueryError("The number of fields does not match the number of * in the pattern", p!.s, p!.e);
    return { c: "parse", src, pieces, names };
  }

  // ---------------------------------------------------------------- expressions: or > and > not > comparison > additive > term > primary

  expr(): Expr {
    let a = this.and();
    while (this.isWord("or")) {
      this.i++;
      a = { k: "op", op: "or", a, b: this.and() };
    }
    return a;
  }

  private and(): Expr {
    let a = this.not();
    while (this.isWord("and")) {
      this.i++;
      a = { k: "op", op: "and", a, b: this.not() };
    }
    return a;
  }

  private not(): Expr {
    if (this.isWord("not") && !this.isWord("like", 1)) {
      this.i++;
      return { k: "not", a: this.not() };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const a = this.additive();
    const neg = this.isWord("not") && (this.isWord("like", 1) || this.isWord("in", 1));
    if (neg) this.i++;
    if (this.isWord("like")) {
      this.i++;
      return { k: "like", a, p: this.additive(), neg };
    }
    if (this.isWord("in")) {
      this.i++;
      this.expectOp("[");
      const list: Expr[] = [];
      if (!this.isOp("]")) do list.push(this.additive()); while (this.isOp(",") && ++this.i);
      this.expectOp("]");
      return { k: "in", a, list, neg };
    }
    if (neg) this.fail("Expected 'like' or 'in' after 'not'");
    const k = this.peek();
    if (k?.t === "op" && ["=", "==", "!=", "<", "<=", ">", ">=", "=~"].includes(k.v)) {
      this.i++;
      const b = this.additive();
      if (k.v === "=~") return { k: "like", a, p: b, neg: false };
      return { k: "op", op: k.v === "==" ? "=" : k.v, a, b };
    }
    return a;
  }

  private additive(): Expr {
    let a = this.term();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.t[this.i++]!.v;
      a = { k: "op", op, a, b: this.term() };
    }
    return a;
  }

  private term(): Expr {
    let a = this.primary();
    while (this.isOp("*") || this.isOp("/") || this.isOp("%")) {
      const op = this.t[this.i++]!.v;
      a = { k: "op", op, a, b: this.primary() };
    }
    return a;
  }

  private primary(): Expr {
    const k = this.peek();
    if (!k) this.fail("Unexpected end of query");
    this.i++;
    if (k!.t === "str") return { k: "str", v: k!.v };
    if (k!.t === "num") return { k: "num", v: Number(k!.v) };
    if (k!.t === "regex") {
      try {
        return { k: "regex", re: compileUserRegex(k!.v, "", { maxLength: 1024 }) };
      } catch (e) {
        throw new QueryError((e as Error).message, k!.s, k!.e);
      }
    }
    if (k!.t === "op" && k!.v === "(") {
      const e = this.expr();
      this.expectOp(")");
      return e;
    }
    if (k!.t === "op" && k!.v === "-") return { k: "op", op: "-", a: { k: "num", v: 0 }, b: this.primary() };
    if (k!.t === "id") {
      if (this.isOp("(")) {
        const fn = k!.v.toLowerCase();
        if (!AGGREGATES.has(fn) && !FUNCTIONS.has(fn)) throw new QueryError(`Unknown function ${k!.v}`, k!.s, k!.e);
        this.i++;
        const args: Expr[] = [];
        if (this.isOp("*") && fn === "count") {
          this.i++;
        } else if (!this.isOp(")")) {
          do args.push(fn === "bin" ? this.period() : this.expr()); while (this.isOp(",") && ++this.i);
        }
        this.expectOp(")");
        return { k: "call", fn, args };
      }
      return { k: "field", name: k!.v };
    }
    throw new QueryError(`Unexpected '${k!.v}'`, k!.s, k!.e);
  }

  /** bin()'s argument: a number and a unit (`5m`, `1h`, `30s`), as milliseconds. */
  private period(): Expr {
    const n = this.peek();
    if (n?.t !== "num") this.fail("bin() expects a period such as 5m");
    this.i++;
    const u = this.peek();
    let unit = "s";
    if (u?.t === "id" && u.s === n!.e) {
      unit = u.v.toLowerCase();
      this.i++;
    }
    const ms = UNIT_MS[unit] ?? UNIT_MS[unit.replace(/s$/, "")];
    if (!ms) throw new QueryError(`Unknown time unit '${unit}'`, u?.s ?? n!.s, u?.e ?? n!.e);
    return { k: "num", v: Number(n!.v) * ms };
  }
}

/** The bin() units of the stats doc (plural forms with a trailing s also accepted). */
const UNIT_MS: Record<string, number> = {
  ms: 1, msec: 1, millisecond: 1,
  s: 1000, sec: 1000, second: 1000,
  m: 60_000, min: 60_000, minute: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000,
  d: 86_400_000, day: 86_400_000,
  w: 604_800_000, week: 604_800_000,
};
