/** JSON filter patterns: `{ $.selector op value }`, IS NULL/TRUE/FALSE, NOT EXISTS, && over ||, parentheses. */
import { compare, FilterPatternError, INVALID, Lexer, type FilterMatcher, type Op, type Value } from "./filter-values.js";

// ---------------------------------------------------------------- JSON patterns

type Step = { key: string } | { index: number } | { wildcard: true };
type JsonExpr =
  | { t: "and" | "or"; a: JsonExpr; b: JsonExpr }
  | { t: "cmp"; path: Step[]; op: Op; v: Value }
  | { t: "is"; path: Step[]; what: "NULL" | "TRUE" | "FALSE" }
  | { t: "notExists"; path: Step[] };

export function jsonMatcher(body: string): FilterMatcher {
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

