/**
 * PartiQL parser for DynamoDB's subset (SELECT, INSERT, UPDATE, DELETE). PartiQL is its own language
 * with its own lexer; it produces the expression engine's resolved trees (../expressions/ast.ts), so
 * statements run on the one evaluator.
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { ServiceError } from "../../../aws/errors.js";
import type { ConditionNode, Operand, Path, SetValue, UpdateAction } from "../expressions/ast.js";
import { normalizeNumber } from "../values/number.js";

type Item = Record<string, AttributeValue>;

/** One ORDER BY term: a key attribute and its direction. */
export interface OrderTerm {
  name: string;
  desc: boolean;
}

export type PartiqlSelect = { kind: "SELECT"; table: string; index?: string; paths?: Path[]; where?: ConditionNode; equalities: Map<string, AttributeValue>; orderBy?: OrderTerm[] };

export type PartiqlStatement =
  | PartiqlSelect
  /** EXISTS(SELECT ...): a transaction's condition check ("Using the EXISTS function with PartiQL"). */
  | { kind: "EXISTS"; select: PartiqlSelect }
  | { kind: "INSERT"; table: string; item: Item }
  | { kind: "UPDATE"; table: string; actions: UpdateAction[]; where?: ConditionNode; equalities: Map<string, AttributeValue> }
  | { kind: "DELETE"; table: string; where?: ConditionNode; equalities: Map<string, AttributeValue> };

interface Tok {
  t: "id" | "qid" | "str" | "num" | "p" | "param" | "eof";
  v: string;
}

const syntax = (tok: string) => new ServiceError("ValidationException", `Statement wasn't well formed, can't be processed: Unexpected token: ${tok}`, 400);
/** A complete statement followed by more tokens (AWS's wording, observed). */
const leftover = () => new ServiceError("ValidationException", "Statement wasn't well formed, can't be processed: Unexpected token after expression", 400);

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = "";
      for (;;) {
        if (j >= src.length) throw syntax(src.slice(i));
        if (src[j] === c) {
          if (src[j + 1] === c) {
            s += c;
            j += 2;
            continue;
          }
          break;
        }
        s += src[j++];
      }
      out.push({ t: c === "'" ? "str" : "qid", v: s });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (c !== "-" || !out.length || out[out.length - 1]!.t === "p")) {
      out.push({ t: "num", v: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    if (c === "?") {
      out.push({ t: "param", v: "?" });
      i++;
      continue;
    }
    const p = ["<<", ">>", "<>", "!=", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":", "*", "+", "-"].find((x) => src.startsWith(x, i));
    if (!p) throw syntax(c);
    out.push({ t: "p", v: p });
    i += p.length;
  }
  out.push({ t: "eof", v: "<EOF>" });
  return out;
}

class P {
  i = 0;
  param = 0;
  constructor(
    readonly toks: Tok[],
    readonly params: AttributeValue[],
  ) {}
  peek(): Tok {
    return this.toks[this.i]!;
  }
  kw(w: string): boolean {
    const t = this.peek();
    if (t.t === "id" && t.v.toUpperCase() === w) {
      this.i++;
      return true;
    }
    return false;
  }
  expectKw(w: string): void {
    if (!this.kw(w)) throw syntax(this.peek().v);
  }
  p(v: string): boolean {
    const t = this.peek();
    if (t.t === "p" && t.v === v) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(v: string): void {
    if (!this.p(v)) throw syntax(this.peek().v);
  }
  name(): string {
    const t = this.toks[this.i++]!;
    if (t.t === "id" || t.t === "qid") return t.v;
    throw syntax(t.v);
  }
  path(): Path {
    const p: Path = [this.name()];
    for (;;) {
      if (this.p(".")) p.push(this.name());
      else if (this.p("[")) {
        const t = this.toks[this.i++]!;
        if (t.t === "num") p.push(Number(t.v));
        else if (t.t === "str") p.push(t.v);
        else throw syntax(t.v);
        this.expect("]");
      } else return p;
    }
  }
  value(): AttributeValue {
    const t = this.peek();
    if (t.t === "str") {
      this.i++;
      return { S: t.v };
    }
    if (t.t === "num") {
      this.i++;
      return { N: normalizeNumber(t.v) };
    }
    if (t.t === "param") {
      this.i++;
      const v = this.params[this.param++];
      if (!v) throw new ServiceError("ValidationException", "Number of parameters in request and statement don't match.", 400);
      return v;
    }
    if (t.t === "id") {
      const w = t.v.toUpperCase();
      if (w === "TRUE" || w === "FALSE") {
        this.i++;
        return { BOOL: w === "TRUE" };
      }
      if (w === "NULL") {
        this.i++;
        return { NULL: true };
      }
    }
    if (this.p("[")) {
      const l: AttributeValue[] = [];
      if (!this.p("]")) {
        do l.push(this.value());
        while (this.p(","));
        this.expect("]");
      }
      return { L: l };
    }
    if (this.p("{")) {
      const m: Item = {};
      if (!this.p("}")) {
        do {
          const k = this.toks[this.i++]!;
          if (k.t !== "str" && k.t !== "qid") throw syntax(k.v);
          this.expect(":");
          m[k.v] = this.value();
        } while (this.p(","));
        this.expect("}");
      }
      return { M: m };
    }
    if (this.p("<<")) {
      const vals: AttributeValue[] = [];
      do vals.push(this.value());
      while (this.p(","));
      this.expect(">>");
      if (vals.every((v) => v.S !== undefined)) return { SS: vals.map((v) => v.S!) };
      if (vals.every((v) => v.N !== undefined)) return { NS: vals.map((v) => v.N!) };
      if (vals.every((v) => v.B !== undefined)) return { BS: vals.map((v) => v.B!) };
      throw new ServiceError("ValidationException", "Unsupported set: all elements of a set must be of the same type", 400);
    }
    throw syntax(t.v);
  }
  operand(): Operand {
    const t = this.peek();
    if (t.t === "id" || t.t === "qid") {
      const w = t.v.toUpperCase();
      if (t.t === "qid" || !["TRUE", "FALSE", "NULL"].includes(w)) {
        if (t.t === "id" && w === "SIZE" && this.toks[this.i + 1]?.v === "(") {
          this.i += 2;
          const p = this.path();
          this.expect(")");
          return { k: "size", p };
        }
        return { k: "path", p: this.path() };
      }
    }
    return { k: "val", v: this.value() };
  }
  condition(): ConditionNode {
    let l = this.andC();
    while (this.kw("OR")) l = { t: "or", a: l, b: this.andC() };
    return l;
  }
  andC(): ConditionNode {
    let l = this.notC();
    while (this.kw("AND")) l = { t: "and", a: l, b: this.notC() };
    return l;
  }
  notC(): ConditionNode {
    if (this.kw("NOT")) return { t: "not", a: this.notC() };
    return this.prim();
  }
  prim(): ConditionNode {
    if (this.p("(")) {
      const c = this.condition();
      this.expect(")");
      return c;
    }
    const t = this.peek();
    const fns = ["begins_with", "contains", "attribute_type", "exists"];
    if (t.t === "id" && fns.includes(t.v.toLowerCase()) && this.toks[this.i + 1]?.v === "(") {
      this.i += 2;
      const args = [this.operand()];
      while (this.p(",")) args.push(this.operand());
      this.expect(")");
      const name = t.v.toLowerCase() === "exists" ? "attribute_exists" : t.v.toLowerCase();
      return { t: "fn", name, args };
    }
    const v = this.operand();
    if (this.kw("IS")) {
      const not = this.kw("NOT");
      const w = this.name().toUpperCase();
      if (w !== "MISSING" && w !== "NULL") throw syntax(w);
      const n: ConditionNode = w === "MISSING" ? { t: "fn", name: "attribute_not_exists", args: [v] } : { t: "fn", name: "attribute_type", args: [v, { k: "val", v: { S: "NULL" } }] };
      return not ? { t: "not", a: n } : n;
    }
    if (this.kw("BETWEEN")) {
      const lo = this.operand();
      this.expectKw("AND");
      return { t: "between", v, lo, hi: this.operand() };
    }
    if (this.kw("IN")) {
      const close = this.p("[") ? "]" : (this.expect("("), ")");
      const list = [this.operand()];
      while (this.p(",")) list.push(this.operand());
      this.expect(close);
      return { t: "in", v, list };
    }
    const op = this.toks[this.i++]!;
    if (op.t !== "p" || !["=", "<>", "!=", "<", "<=", ">", ">="].includes(op.v)) throw syntax(op.v);
    return { t: "cmp", op: op.v === "!=" ? "<>" : op.v, l: v, r: this.operand() };
  }
  table(): { table: string; index?: string } {
    const table = this.name();
    if (this.p(".")) return { table, index: this.name() };
    return { table };
  }
  end(): void {
    if (this.peek().t !== "eof") throw leftover();
  }
}

function equalities(c: ConditionNode | undefined): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  const walk = (n: ConditionNode) => {
    if (n.t === "and") {
      walk(n.a);
      walk(n.b);
    } else if (n.t === "cmp" && n.op === "=") {
      if (n.l.k === "path" && n.l.p.length === 1 && n.r.k === "val") out.set(n.l.p[0] as string, n.r.v);
      else if (n.r.k === "path" && n.r.p.length === 1 && n.l.k === "val") out.set(n.r.p[0] as string, n.l.v);
    }
  };
  if (c) walk(c);
  return out;
}

export function parsePartiql(statement: string, parameters: AttributeValue[] = []): PartiqlStatement {
  const p = new P(lex(statement), parameters);
  let out: PartiqlStatement;
  if (p.kw("SELECT")) out = select(p);
  else if (p.peek().t === "id" && p.peek().v.toUpperCase() === "EXISTS" && p.toks[p.i + 1]?.v === "(") {
    p.i += 2;
    p.expectKw("SELECT");
    out = { kind: "EXISTS", select: select(p) };
    p.expect(")");
  } else if (p.kw("INSERT")) {
    p.expectKw("INTO");
    const table = p.name();
    p.expectKw("VALUE");
    const v = p.value();
    if (!v.M) throw syntax("VALUE");
    out = { kind: "INSERT", table, item: v.M };
  } else if (p.kw("UPDATE")) {
    const table = p.name();
    const actions: UpdateAction[] = [];
    for (;;) {
      if (p.kw("SET")) {
        do {
          const path = p.path();
          p.expect("=");
          const fn = p.peek();
          if (fn.t === "id" && ["set_add", "set_delete"].includes(fn.v.toLowerCase()) && p.toks[p.i + 1]?.v === "(") {
            // set_add(path, <<...>>) / set_delete(path, <<...>>): the ADD / DELETE of update expressions.
            p.i += 2;
            p.path();
            p.expect(",");
            const v = p.value();
            p.expect(")");
            actions.push({ t: fn.v.toLowerCase() === "set_add" ? "ADD" : "DELETE", p: path, v });
            continue;
          }
          const a = setOperand(p);
          let v: SetValue = a;
          if (p.p("+")) v = { k: "arith", op: "+", a, b: setOperand(p) };
          else if (p.p("-")) v = { k: "arith", op: "-", a, b: setOperand(p) };
          actions.push({ t: "SET", p: path, v });
        } while (p.p(","));
      } else if (p.kw("REMOVE")) {
        do actions.push({ t: "REMOVE", p: p.path() });
        while (p.p(","));
      } else break;
    }
    if (!actions.length) throw syntax(p.peek().v);
    const where = p.kw("WHERE") ? p.condition() : undefined;
    out = { kind: "UPDATE", table, actions, where, equalities: equalities(where) };
  } else if (p.kw("DELETE")) {
    p.expectKw("FROM");
    const table = p.name();
    const where = p.kw("WHERE") ? p.condition() : undefined;
    out = { kind: "DELETE", table, where, equalities: equalities(where) };
  } else throw syntax(p.peek().v);
  if (p.kw("RETURNING")) while (p.peek().t !== "eof") p.i++;
  p.end();
  if (p.param !== parameters.length) throw new ServiceError("ValidationException", "Number of parameters in request and statement don't match.", 400);
  return out;
}

/** The rest of a SELECT after the keyword: projection, FROM, WHERE and ORDER BY. */
function select(p: P): PartiqlSelect {
  let paths: Path[] | undefined;
  if (!p.p("*")) {
    paths = [p.path()];
    while (p.p(",")) paths.push(p.path());
  }
  p.expectKw("FROM");
  const t = p.table();
  const where = p.kw("WHERE") ? p.condition() : undefined;
  const out: PartiqlSelect = { kind: "SELECT", ...t, paths, where, equalities: equalities(where) };
  if (p.peek().t === "id" && p.peek().v.toUpperCase() === "ORDER" && p.toks[p.i + 1]?.t === "id" && p.toks[p.i + 1]!.v.toUpperCase() === "BY") {
    p.i += 2;
    out.orderBy = [];
    do {
      const name = p.name();
      const desc = p.kw("DESC");
      if (!desc) p.kw("ASC");
      out.orderBy.push({ name, desc });
    } while (p.p(","));
  }
  return out;
}

function setOperand(p: P): SetValue {
  const t = p.peek();
  if (t.t === "id" && t.v.toLowerCase() === "list_append" && p.toks[p.i + 1]?.v === "(") {
    p.i += 2;
    const a = setOperand(p);
    p.expect(",");
    const b = setOperand(p);
    p.expect(")");
    return { k: "list_append", a, b };
  }
  return { k: "operand", o: p.operand() };
}
