/**
 * The one expression parser (condition, filter, key condition, projection and update expressions):
 * tokens -> a syntax tree that still holds #names and :values. check.ts then validates it with AWS's
 * semantic errors and resolves it. Only syntax errors are raised here, so they win over semantic ones
 * as on AWS. Grammar per "Expressions" in the DynamoDB Developer Guide; operands may be parenthesised
 * (`(size(b)) = :b`, `SET #x = (if_not_exists(#x, :d) - :v)`, `SET a = ((c[1]) + (b.a))`).
 * Recursion is bounded by MAX_DEPTH (expressions are at most 4 KB, so a bound of nesting is no loss).
 */
import type { ServiceError } from "../../../aws/errors.js";
import { syntaxError, tokenize, type Token } from "./tokenizer.js";

export type SynPathElement = { name: string; placeholder: boolean; tok: Token } | { index: number };
export type SynOperand = (
  | { s: "path"; els: SynPathElement[] }
  | { s: "val"; ref: string }
  | { s: "fn"; name: string; args: SynOperand[] }
  | { s: "arith"; op: "+" | "-"; a: SynOperand; b: SynOperand }
) & { parens: number; tok: Token };
export type SynCondition = (
  | { c: "cmp"; op: string; l: SynOperand; r: SynOperand }
  | { c: "between"; v: SynOperand; lo: SynOperand; hi: SynOperand }
  | { c: "in"; v: SynOperand; list: SynOperand[] }
  | { c: "and" | "or"; a: SynCondition; b: SynCondition }
  | { c: "not"; a: SynCondition }
  | { c: "fn"; f: SynOperand & { s: "fn" } }
) & { parens: number };
export interface SynUpdateAction {
  clause: "SET" | "REMOVE" | "ADD" | "DELETE";
  path: SynOperand & { s: "path" };
  value?: SynOperand;
}
export interface SynUpdate {
  actions: SynUpdateAction[];
  /** Clauses in the order they appear (a repeated one is a semantic error). */
  clauses: string[];
}

/** Deepest nesting of parentheses, NOT and function calls accepted. */
export const MAX_DEPTH = 100;

const COMPARATORS = new Set(["=", "<>", "<", "<=", ">", ">="]);
const CONDITION_KEYWORDS = new Set(["AND", "OR", "NOT", "BETWEEN", "IN"]);
const UPDATE_KEYWORDS = new Set(["SET", "REMOVE", "ADD", "DELETE"]);

/** Internal: a syntax failure at a token; cheap to throw while backtracking (no stack trace). */
class Fail {
  constructor(readonly tok: Token) {}
}

class Parser {
  private i = 0;
  private depth = 0;
  readonly toks: Token[];
  private readonly keywords: Set<string>;

  constructor(
    readonly expr: string,
    readonly kind: string,
    update: boolean,
  ) {
    this.toks = tokenize(expr, kind);
    this.keywords = update ? UPDATE_KEYWORDS : CONDITION_KEYWORDS;
  }

  run<T>(f: () => T): T {
    try {
      const out = f();
      if (this.peek().type !== "eof") throw new Fail(this.peek());
      return out;
    } catch (e) {
      if (e instanceof Fail) throw this.error(e.tok);
      throw e;
    }
  }

  error(tok: Token): ServiceError {
    return syntaxError(this.kind, this.toks, tok, this.expr);
  }

  peek(): Token {
    return this.toks[this.i]!;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t.type === "op" && t.text === text;
  }
  accept(text: string): boolean {
    if (!this.isOp(text)) return false;
    this.i++;
    return true;
  }
  private expect(text: string): void {
    if (!this.accept(text)) throw new Fail(this.peek());
  }
  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.type === "name" && t.text.toUpperCase() === word;
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new Fail(this.peek());
  }

  // ---- document paths and operands ----

  path(): SynOperand & { s: "path" } {
    const tok = this.peek();
    const els: SynPathElement[] = [this.element()];
    for (;;) {
      if (this.accept(".")) els.push(this.element());
      else if (this.accept("[")) {
        const t = this.peek();
        if (t.type !== "number") throw new Fail(t);
        this.i++;
        els.push({ index: Number(t.text) });
        this.expect("]");
      } else return { s: "path", els, parens: 0, tok };
    }
  }

  private element(): SynPathElement {
    const t = this.peek();
    if (t.type === "placeholder" && t.text.length > 1) {
      this.i++;
      return { name: t.text, placeholder: true, tok: t };
    }
    if (t.type === "name" && !this.keywords.has(t.text.toUpperCase())) {
      this.i++;
      return { name: t.text, placeholder: false, tok: t };
    }
    throw new Fail(t);
  }

  /** path | :value | f(args) | ( operand ) ; with `arith`, a parenthesised operand may hold a + b. */
  operand(arith = false): SynOperand {
    const t = this.peek();
    if (t.type === "op" && t.text === "(") {
      this.i++;
      this.enter();
      const inner = arith ? this.arithmetic() : this.operand();
      this.expect(")");
      this.depth--;
      inner.parens++;
      return inner;
    }
    if (t.type === "value" && t.text.length > 1) {
      this.i++;
      return { s: "val", ref: t.text, parens: 0, tok: t };
    }
    if (t.type === "name" && this.toks[this.i + 1]?.text === "(" && this.toks[this.i + 1]?.type === "op") {
      this.i += 2;
      this.enter();
      const args = [this.operand()];
      while (this.accept(",")) args.push(this.operand());
      this.expect(")");
      this.depth--;
      return { s: "fn", name: t.text, args, parens: 0, tok: t };
    }
    return this.path();
  }

  /** SET's value: operand [+|- operand], each side possibly parenthesised, the whole too. */
  arithmetic(): SynOperand {
    const a = this.operand(true);
    const op = this.peek();
    if (op.type === "op" && (op.text === "+" || op.text === "-")) {
      this.i++;
      const b = this.operand();
      return { s: "arith", op: op.text, a, b, parens: 0, tok: op };
    }
    return a;
  }

  // ---- conditions ----

  condition(): SynCondition {
    let a = this.andCondition();
    while (this.isKeyword("OR")) {
      this.i++;
      a = { c: "or", a, b: this.andCondition(), parens: 0 };
    }
    return a;
  }

  private andCondition(): SynCondition {
    let a = this.notCondition();
    while (this.isKeyword("AND")) {
      this.i++;
      a = { c: "and", a, b: this.notCondition(), parens: 0 };
    }
    return a;
  }

  private notCondition(): SynCondition {
    if (!this.isKeyword("NOT")) return this.primary();
    this.i++;
    this.enter();
    const a = this.notCondition();
    this.depth--;
    return { c: "not", a, parens: 0 };
  }

  /** `(` opens either a parenthesised operand (`(size(a)) = :v`) or a condition: try the first, then the second. */
  private primary(): SynCondition {
    if (!this.isOp("(")) return this.comparison();
    const start = this.i;
    const depth = this.depth;
    try {
      return this.comparison();
    } catch (e1) {
      if (!(e1 instanceof Fail)) throw e1;
      this.i = start;
      this.depth = depth;
      try {
        this.i++;
        this.enter();
        const c = this.condition();
        this.expect(")");
        this.depth--;
        c.parens++;
        return c;
      } catch (e2) {
        if (!(e2 instanceof Fail)) throw e2;
        throw e2.tok.pos >= e1.tok.pos ? e2 : e1;
      }
    }
  }

  private comparison(): SynCondition {
    const v = this.operand();
    const t = this.peek();
    if (t.type === "op" && COMPARATORS.has(t.text)) {
      this.i++;
      return { c: "cmp", op: t.text, l: v, r: this.operand(), parens: 0 };
    }
    if (this.isKeyword("BETWEEN")) {
      this.i++;
      const lo = this.operand();
      if (!this.isKeyword("AND")) throw new Fail(this.peek());
      this.i++;
      return { c: "between", v, lo, hi: this.operand(), parens: 0 };
    }
    if (this.isKeyword("IN")) {
      this.i++;
      this.expect("(");
      const list = [this.operand()];
      while (this.accept(",")) list.push(this.operand());
      this.expect(")");
      return { c: "in", v, list, parens: 0 };
    }
    if (v.s === "fn" && v.parens === 0) return { c: "fn", f: v, parens: 0 };
    throw new Fail(t);
  }

  // ---- update expressions ----

  update(): SynUpdate {
    const out: SynUpdate = { actions: [], clauses: [] };
    do {
      const kw = this.peek();
      const clause = kw.text.toUpperCase();
      if (kw.type !== "name" || !UPDATE_KEYWORDS.has(clause)) throw new Fail(kw);
      this.i++;
      out.clauses.push(clause);
      do {
        const path = this.path();
        const action: SynUpdateAction = { clause: clause as SynUpdateAction["clause"], path };
        if (clause === "SET") {
          this.expect("=");
          action.value = this.arithmetic();
        } else if (clause === "ADD" || clause === "DELETE") {
          const v = this.peek();
          if (v.type !== "value" || v.text.length < 2) throw new Fail(v);
          this.i++;
          action.value = { s: "val", ref: v.text, parens: 0, tok: v };
        }
        out.actions.push(action);
      } while (this.accept(","));
    } while (this.peek().type !== "eof");
    return out;
  }
}

export function parseConditionSyntax(expr: string, kind: string): SynCondition {
  const p = new Parser(expr, kind, false);
  return p.run(() => p.condition());
}

export function parseProjectionSyntax(expr: string, kind = "ProjectionExpression"): (SynOperand & { s: "path" })[] {
  const p = new Parser(expr, kind, false);
  return p.run(() => {
    const out = [p.path()];
    while (p.accept(",")) out.push(p.path());
    return out;
  });
}

export function parseUpdateSyntax(expr: string, kind = "UpdateExpression"): SynUpdate {
  const p = new Parser(expr, kind, true);
  return p.run(() => p.update());
}
