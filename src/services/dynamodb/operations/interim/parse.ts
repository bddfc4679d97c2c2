/**
 * INTERIM expression parser (condition, key condition, projection, update), used only until the cores'
 * expressions/ module lands. Grammar per "Expressions" in the DynamoDB Developer Guide.
 */
import type { AttributeValue } from "../../../../aws/api/dynamodb.js";
import { ServiceError } from "../../../../aws/errors.js";
import { RESERVED_WORDS } from "./reserved.js";

export type Path = Array<string | number>;
export type Operand = { k: "path"; p: Path } | { k: "val"; v: AttributeValue } | { k: "size"; p: Path };
export type ConditionNode =
  | { t: "cmp"; op: string; l: Operand; r: Operand }
  | { t: "between"; v: Operand; lo: Operand; hi: Operand }
  | { t: "in"; v: Operand; list: Operand[] }
  | { t: "and" | "or"; a: ConditionNode; b: ConditionNode }
  | { t: "not"; a: ConditionNode }
  | { t: "fn"; name: string; args: Operand[] };
export type SetValue =
  | { k: "operand"; o: Operand }
  | { k: "if_not_exists"; p: Path; v: SetValue }
  | { k: "list_append"; a: SetValue; b: SetValue }
  | { k: "arith"; op: "+" | "-"; a: SetValue; b: SetValue };
export type UpdateAction =
  | { t: "SET"; p: Path; v: SetValue }
  | { t: "REMOVE"; p: Path }
  | { t: "ADD"; p: Path; v: AttributeValue }
  | { t: "DELETE"; p: Path; v: AttributeValue };

const validation = (m: string) => new ServiceError("ValidationException", m, 400);

/** The ExpressionAttributeNames/Values of a request; records which were used. */
export class ExpressionAttributes {
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();
  constructor(
    readonly names?: Record<string, string>,
    readonly values?: Record<string, AttributeValue>,
  ) {}

  name(token: string, kind: string): string {
    const n = this.names?.[token];
    if (n === undefined) throw validation(`Invalid ${kind}: An expression attribute name used in the document path is not defined; attribute name: ${token}`);
    this.usedNames.add(token);
    return n;
  }

  value(token: string, kind: string): AttributeValue {
    const v = this.values?.[token];
    if (v === undefined) throw validation(`Invalid ${kind}: An expression attribute value used in expression is not defined; attribute value: ${token}`);
    this.usedValues.add(token);
    return v;
  }

  assertAllUsed(): void {
    const names = Object.keys(this.names ?? {}).filter((k) => !this.usedNames.has(k));
    if (names.length) throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(", ")}}`);
    const values = Object.keys(this.values ?? {}).filter((k) => !this.usedValues.has(k));
    if (values.length) throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(", ")}}`);
  }
}

interface Token {
  type: "name" | "attrname" | "value" | "number" | "punct" | "eof";
  text: string;
  pos: number;
}

const PUNCT = ["<>", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", ".", ",", "+", "-"];

function tokenize(src: string, kind: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "#" || c === ":") {
      i++;
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      if (i === start + 1) throw syntax(kind, c, src, start);
      out.push({ type: c === "#" ? "attrname" : "value", text: src.slice(start, i), pos: start });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      out.push({ type: "name", text: src.slice(start, i), pos: start });
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < src.length && /[0-9]/.test(src[i]!)) i++;
      out.push({ type: "number", text: src.slice(start, i), pos: start });
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (!p) throw syntax(kind, c, src, start);
    out.push({ type: "punct", text: p, pos: start });
    i += p.length;
  }
  out.push({ type: "eof", text: "<EOF>", pos: src.length });
  return out;
}

function syntax(kind: string, token: string, src: string, pos: number): ServiceError {
  const near = src.slice(Math.max(0, pos - 4), pos + token.length + 4).trim();
  return validation(`Invalid ${kind}: Syntax error; token: "${token}", near: "${near}"`);
}

const RESERVED = new Set(["AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"]);

class Parser {
  private i = 0;
  private readonly toks: Token[];
  constructor(
    private readonly src: string,
    private readonly attrs: ExpressionAttributes,
    private readonly kind: string,
  ) {
    if (!src.trim()) throw validation(`Invalid ${kind}: The expression can not be empty;`);
    this.toks = tokenize(src, kind);
  }

  peek(): Token {
    return this.toks[this.i]!;
  }
  next(): Token {
    return this.toks[this.i++]!;
  }
  isKw(word: string): boolean {
    const t = this.peek();
    return t.type === "name" && t.text.toUpperCase() === word;
  }
  accept(text: string): boolean {
    const t = this.peek();
    if (t.type === "punct" && t.text === text) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(text: string): void {
    if (!this.accept(text)) this.fail();
  }
  fail(): never {
    const t = this.peek();
    throw syntax(this.kind, t.text, this.src, t.pos);
  }
  end(): void {
    if (this.peek().type !== "eof") this.fail();
  }

  path(): Path {
    const p: Path = [this.pathElement()];
    for (;;) {
      if (this.accept(".")) p.push(this.pathElement());
      else if (this.accept("[")) {
        const t = this.next();
        if (t.type !== "number") throw syntax(this.kind, t.text, this.src, t.pos);
        p.push(Number(t.text));
        this.expect("]");
      } else return p;
    }
  }
  private pathElement(): string {
    const t = this.next();
    if (t.type === "attrname") return this.attrs.name(t.text, this.kind);
    if (t.type === "name") {
      if (RESERVED.has(t.text.toUpperCase())) throw syntax(this.kind, t.text, this.src, t.pos);
      if (RESERVED_WORDS.has(t.text.toUpperCase())) throw validation(`Invalid ${this.kind}: Attribute name is a reserved keyword; reserved keyword: ${t.text}`);
      return t.text;
    }
    throw syntax(this.kind, t.text, this.src, t.pos);
  }

  operand(): Operand {
    const t = this.peek();
    if (t.type === "value") {
      this.i++;
      return { k: "val", v: this.attrs.value(t.text, this.kind) };
    }
    if (t.type === "name" && t.text === "size" && this.toks[this.i + 1]?.text === "(") {
      this.i += 2;
      const p = this.path();
      this.expect(")");
      return { k: "size", p };
    }
    return { k: "path", p: this.path() };
  }

  condition(): ConditionNode {
    let left = this.andExpr();
    while (this.isKw("OR")) {
      this.i++;
      left = { t: "or", a: left, b: this.andExpr() };
    }
    return left;
  }
  private andExpr(): ConditionNode {
    let left = this.notExpr();
    while (this.isKw("AND")) {
      this.i++;
      left = { t: "and", a: left, b: this.notExpr() };
    }
    return left;
  }
  private notExpr(): ConditionNode {
    if (this.isKw("NOT")) {
      this.i++;
      return { t: "not", a: this.notExpr() };
    }
    return this.primary();
  }
  private primary(): ConditionNode {
    if (this.accept("(")) {
      const c = this.condition();
      this.expect(")");
      return c;
    }
    const t = this.peek();
    const fns = ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"];
    if (t.type === "name" && fns.includes(t.text) && this.toks[this.i + 1]?.text === "(") {
      this.i += 2;
      const args: Operand[] = [this.operand()];
      while (this.accept(",")) args.push(this.operand());
      this.expect(")");
      const arity = t.text.startsWith("attribute_") && t.text !== "attribute_type" ? 1 : 2;
      if (args.length !== arity) throw validation(`Invalid ${this.kind}: Incorrect number of operands for operator or function; operator or function: ${t.text}, number of operands: ${args.length}`);
      if (t.text.startsWith("attribute_") && args[0]!.k !== "path") throw validation(`Invalid ${this.kind}: Operator or function requires a document path; operator or function: ${t.text}`);
      const second = args[1];
      if (second?.k === "val") {
        const type = Object.keys(second.v).find((k) => (second.v as Record<string, unknown>)[k] !== undefined) ?? "";
        const badType = (fn: string) => validation(`Invalid ${this.kind}: Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${type}`);
        if (t.text === "attribute_type") {
          if (type !== "S") throw badType("attribute_type");
          if (!["S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M"].includes(second.v.S!))
            throw validation(`Invalid ${this.kind}: Invalid attribute type name found; type: ${second.v.S}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`);
        }
        if (t.text === "begins_with" && type !== "S" && type !== "B") throw badType("begins_with");
      }
      return { t: "fn", name: t.text, args };
    }
    const v = this.operand();
    if (this.isKw("BETWEEN")) {
      this.i++;
      const lo = this.operand();
      if (!this.isKw("AND")) this.fail();
      this.i++;
      const hi = this.operand();
      for (const o of [v, lo, hi]) this.checkOrderable(o, "BETWEEN");
      return { t: "between", v, lo, hi };
    }
    if (this.isKw("IN")) {
      this.i++;
      this.expect("(");
      const list = [this.operand()];
      while (this.accept(",")) list.push(this.operand());
      this.expect(")");
      return { t: "in", v, list };
    }
    const op = this.next();
    if (op.type !== "punct" || !["=", "<>", "<", "<=", ">", ">="].includes(op.text)) throw syntax(this.kind, op.text, this.src, op.pos);
    const r = this.operand();
    if (op.text !== "=" && op.text !== "<>") for (const o of [v, r]) this.checkOrderable(o, op.text);
    return { t: "cmp", op: op.text, l: v, r };
  }

  /** Ordering comparisons take only numbers, strings and binary values. */
  private checkOrderable(o: Operand, op: string): void {
    if (o.k !== "val") return;
    const type = Object.keys(o.v).find((k) => (o.v as Record<string, unknown>)[k] !== undefined) ?? "";
    if (type !== "N" && type !== "S" && type !== "B")
      throw validation(`Invalid ${this.kind}: Incorrect operand type for operator or function; operator: ${op}, operand type: ${type}`);
  }

  setValue(): SetValue {
    const a = this.setOperand();
    if (this.accept("+")) return { k: "arith", op: "+", a, b: this.setOperand() };
    if (this.accept("-")) return { k: "arith", op: "-", a, b: this.setOperand() };
    return a;
  }
  private setOperand(): SetValue {
    const t = this.peek();
    if (t.type === "name" && (t.text === "if_not_exists" || t.text === "list_append") && this.toks[this.i + 1]?.text === "(") {
      this.i += 2;
      if (t.text === "if_not_exists") {
        const p = this.path();
        this.expect(",");
        const v = this.setValue();
        this.expect(")");
        return { k: "if_not_exists", p, v };
      }
      const a = this.setValue();
      this.expect(",");
      const b = this.setValue();
      this.expect(")");
      return { k: "list_append", a, b };
    }
    const o = this.operand();
    if (o.k === "size") this.fail();
    return { k: "operand", o };
  }

  updates(): UpdateAction[] {
    const out: UpdateAction[] = [];
    const seen = new Set<string>();
    while (this.peek().type !== "eof") {
      const kw = this.next();
      const clause = kw.text.toUpperCase();
      if (kw.type !== "name" || !["SET", "REMOVE", "ADD", "DELETE"].includes(clause)) throw syntax(this.kind, kw.text, this.src, kw.pos);
      if (seen.has(clause)) throw validation(`Invalid UpdateExpression: The "${clause}" section can only be used once in an update expression;`);
      seen.add(clause);
      do {
        const p = this.path();
        if (clause === "SET") {
          this.expect("=");
          out.push({ t: "SET", p, v: this.setValue() });
        } else if (clause === "REMOVE") out.push({ t: "REMOVE", p });
        else {
          const v = this.next();
          if (v.type !== "value") throw syntax(this.kind, v.text, this.src, v.pos);
          out.push({ t: clause as "ADD" | "DELETE", p, v: this.attrs.value(v.text, this.kind) });
        }
      } while (this.accept(","));
    }
    return out;
  }
}

export function parseCondition(expr: string, attrs: ExpressionAttributes, kind = "ConditionExpression"): ConditionNode {
  const p = new Parser(expr, attrs, kind);
  const c = p.condition();
  p.end();
  return c;
}

export function parseProjection(expr: string, attrs: ExpressionAttributes): Path[] {
  const p = new Parser(expr, attrs, "ProjectionExpression");
  const out = [p.path()];
  while (p.accept(",")) out.push(p.path());
  p.end();
  checkOverlaps(out, "ProjectionExpression");
  return out;
}

export function parseUpdate(expr: string, attrs: ExpressionAttributes): UpdateAction[] {
  const p = new Parser(expr, attrs, "UpdateExpression");
  const actions = p.updates();
  checkOverlaps(actions.map((a) => a.p), "UpdateExpression");
  return actions;
}

/** Two paths where one is the other or a prefix of it are refused, as AWS does. */
function checkOverlaps(paths: Path[], kind: string): void {
  for (let i = 0; i < paths.length; i++)
    for (let j = i + 1; j < paths.length; j++) {
      const [a, b] = [paths[i]!, paths[j]!];
      const n = Math.min(a.length, b.length);
      let same = true;
      for (let k = 0; k < n && same; k++) same = a[k] === b[k];
      if (same) {
        const show = (p: Path) => `[${p.join(", ")}]`;
        throw validation(`Invalid ${kind}: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${show(a)}, path two: ${show(b)}`);
      }
    }
}

export interface KeyCondition {
  partition: { name: string; value: AttributeValue };
  sort?: { name: string; op: string; values: AttributeValue[] };
}

/** A KeyConditionExpression: `hash = :v` optionally AND one sort key condition. */
export function parseKeyCondition(expr: string, attrs: ExpressionAttributes): KeyCondition {
  const c = parseCondition(expr, attrs, "KeyConditionExpression");
  const parts = c.t === "and" ? [c.a, c.b] : [c];
  const bad = () => validation("Invalid KeyConditionExpression: The key conditions must be equality on the partition key and a single condition on the sort key");
  const simple = (n: ConditionNode): { name: string; op: string; values: AttributeValue[] } => {
    const name = (o: Operand) => (o.k === "path" && o.p.length === 1 && typeof o.p[0] === "string" ? o.p[0] : undefined);
    const val = (o: Operand) => (o.k === "val" ? o.v : undefined);
    if (n.t === "cmp" && n.op !== "<>") {
      const l = name(n.l);
      const r = val(n.r);
      if (l && r) return { name: l, op: n.op, values: [r] };
      const l2 = name(n.r);
      const r2 = val(n.l);
      const flip: Record<string, string> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
      if (l2 && r2) return { name: l2, op: flip[n.op]!, values: [r2] };
    }
    if (n.t === "between") {
      const l = name(n.v);
      const lo = val(n.lo);
      const hi = val(n.hi);
      if (l && lo && hi) return { name: l, op: "BETWEEN", values: [lo, hi] };
    }
    if (n.t === "fn" && n.name === "begins_with") {
      const l = name(n.args[0]!);
      const v = val(n.args[1]!);
      if (l && v) return { name: l, op: "begins_with", values: [v] };
    }
    if (n.t === "fn" && n.name !== "begins_with") throw validation(`Invalid operator used in KeyConditionExpression: ${n.name}`);
    if (n.t === "and" || n.t === "or" || n.t === "not" || n.t === "in" || (n.t === "cmp" && n.op === "<>"))
      throw validation(n.t === "cmp" ? "Invalid operator used in KeyConditionExpression: <>" : `Invalid operator used in KeyConditionExpression: ${n.t.toUpperCase()}`);
    throw bad();
  };
  const conds = parts.map(simple);
  if (conds.length === 1) {
    if (conds[0]!.op !== "=") throw validation("Query key condition not supported");
    return { partition: { name: conds[0]!.name, value: conds[0]!.values[0]! } };
  }
  const eq = conds.findIndex((x) => x.op === "=");
  if (eq < 0) throw validation("Query key condition not supported");
  const [a, b] = eq === 0 ? [conds[0]!, conds[1]!] : [conds[1]!, conds[0]!];
  if (a.name === b.name) throw validation(`KeyConditionExpressions must only contain one condition per key`);
  return { partition: { name: a.name, value: a.values[0]! }, sort: b };
}
