/** Space-delimited filter patterns: `[ip, user, ..., status = 4* && status != 403, bytes > 1000]`. */
import { compare, FilterPatternError, INVALID, Lexer, type FilterMatcher, type Op, type Value } from "./filter-values.js";

// ---------------------------------------------------------------- space-delimited patterns

type Cond = { t: "and" | "or"; a: Cond; b: Cond } | { t: "cmp"; name: string; op: Op; v: Value };
interface Field {
  ellipsis: boolean;
  name: string;
  cond?: Cond;
}

export function delimitedMatcher(body: string): FilterMatcher {
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

