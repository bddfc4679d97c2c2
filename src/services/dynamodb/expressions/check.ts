/**
 * Semantic checks of parsed expressions and their resolution into ast.ts trees. AWS reports one error
 * per request, choosing by category, not by position: errors are collected per category while the
 * whole tree is walked, then the first category in AWS's order wins (the orders follow AWS's observed
 * answers; messages per "Condition expressions", "Update expressions" and the errors AWS returns).
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { ServiceError } from "../../../aws/errors.js";
import { compareAttributeValues, typeOf } from "../values/attribute-value.js";
import type { ConditionNode, Operand, Path, SetValue, UpdateAction } from "./ast.js";
import type { ExpressionAttributes } from "./attributes.js";
import type { SynCondition, SynOperand, SynUpdate } from "./parser.js";
import { RESERVED_WORDS } from "./reserved.js";

const CONDITION_FUNCTIONS: Record<string, number> = { attribute_exists: 1, attribute_not_exists: 1, attribute_type: 2, begins_with: 2, contains: 2, size: 1 };
const UPDATE_FUNCTIONS: Record<string, number> = { if_not_exists: 2, list_append: 2 };
const ATTRIBUTE_TYPES = ["S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M"];
const TYPE_WORDS: Record<string, string> = { S: "STRING", N: "NUMBER", B: "BINARY", NULL: "NULL", BOOL: "BOOLEAN", L: "LIST", M: "MAP" };

const CONDITION_ORDER = ["parens", "unknownFunction", "misusedFunction", "reserved", "attr", "operands", "distinct", "function"];
const UPDATE_ORDER = ["parens", "reserved", "unknownFunction", "section", "attr", "overlap", "conflict", "operand", "function"];

/** Prints a path as AWS does in overlap messages: [a, b, [2]]. */
export const pathList = (p: Path) => `[${p.map((e) => (typeof e === "number" ? `[${e}]` : e)).join(", ")}]`;

export class Checker {
  private readonly errors = new Map<string, string>();

  constructor(
    private readonly attrs: ExpressionAttributes,
    readonly kind: string,
  ) {}

  private note(category: string, message: string): void {
    if (!this.errors.has(category)) this.errors.set(category, message);
  }

  /** Throws the winning error, if any. */
  finish(update = false): void {
    for (const c of update ? UPDATE_ORDER : CONDITION_ORDER) {
      const m = this.errors.get(c);
      if (m !== undefined) throw new ServiceError("ValidationException", `Invalid ${this.kind}: ${m}`, 400);
    }
  }

  private parens(n: number): void {
    if (n > 1) this.note("parens", "The expression has redundant parentheses;");
  }

  path(o: SynOperand & { s: "path" }): Path {
    this.parens(o.parens);
    const out: Path = [];
    for (const e of o.els) {
      if ("index" in e) out.push(e.index);
      else if (e.placeholder) {
        try {
          out.push(this.attrs.name(e.name));
        } catch (err) {
          this.note("attr", (err as Error).message);
          out.push(e.name);
        }
      } else {
        if (RESERVED_WORDS.has(e.name.toUpperCase())) this.note("reserved", `Attribute name is a reserved keyword; reserved keyword: ${e.name}`);
        out.push(e.name);
      }
    }
    return out;
  }

  private value(ref: string): AttributeValue {
    try {
      return this.attrs.value(ref);
    } catch (err) {
      this.note("attr", (err as Error).message);
      return { NULL: true };
    }
  }

  // ---- conditions ----

  condition(c: SynCondition): ConditionNode {
    this.parens(c.parens);
    switch (c.c) {
      case "and":
      case "or":
        return { t: c.c, a: this.condition(c.a), b: this.condition(c.b) };
      case "not":
        return { t: "not", a: this.condition(c.a) };
      case "cmp": {
        const l = this.operand(c.l);
        const r = this.operand(c.r);
        this.distinct(c.op, [l, r], "operator");
        if (c.op !== "=" && c.op !== "<>") for (const o of [l, r]) this.orderable(o, c.op);
        return { t: "cmp", op: c.op, l, r };
      }
      case "between": {
        const [v, lo, hi] = [this.operand(c.v), this.operand(c.lo), this.operand(c.hi)];
        for (const o of [v, lo, hi]) this.orderable(o, "BETWEEN");
        if (lo.k === "val" && hi.k === "val") this.bounds(lo.v, hi.v);
        return { t: "between", v, lo, hi };
      }
      case "in":
        return { t: "in", v: this.operand(c.v), list: c.list.map((o) => this.operand(o)) };
      case "fn": {
        const name = c.f.name;
        if (name === "size") this.note("misusedFunction", "The function is not allowed to be used this way in an expression; function: size");
        else if (CONDITION_FUNCTIONS[name] === undefined) this.note("unknownFunction", `Invalid function name; function: ${name}`);
        const args = c.f.args.map((a) => this.operand(a));
        this.conditionFunction(name, args);
        return { t: "fn", name, args };
      }
    }
  }

  /** An operand of a comparison or function: path, value or size(path). */
  operand(o: SynOperand): Operand {
    this.parens(o.parens);
    if (o.s === "path") return { k: "path", p: this.path(o) };
    if (o.s === "val") return { k: "val", v: this.value(o.ref) };
    if (o.s === "fn") {
      if (CONDITION_FUNCTIONS[o.name] === undefined) this.note("unknownFunction", `Invalid function name; function: ${o.name}`);
      else if (o.name !== "size") this.note("misusedFunction", `The function is not allowed to be used this way in an expression; function: ${o.name}`);
      const args = o.args.map((a) => this.operand(a));
      if (o.name === "size") {
        if (args.length !== 1) this.note("operands", `Incorrect number of operands for operator or function; operator or function: size, number of operands: ${args.length}`);
        const a = args[0]!;
        if (a.k === "val") {
          const t = typeOf(a.v);
          if (t === "N" || t === "BOOL" || t === "NULL") this.note("function", `Incorrect operand type for operator or function; operator or function: size, operand type: ${t}`);
        }
        if (a.k === "path") return { k: "size", p: a.p };
      }
      return { k: "val", v: { NULL: true } }; // an error was noted; the value is never used
    }
    this.note("misusedFunction", "Syntax error; arithmetic is only allowed in an update expression");
    return { k: "val", v: { NULL: true } };
  }

  private conditionFunction(name: string, args: Operand[]): void {
    const arity = CONDITION_FUNCTIONS[name];
    if (arity === undefined) return;
    if (args.length !== arity) {
      this.note("operands", `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`);
      return;
    }
    if (arity === 2) this.distinct(name, args, "operator");
    const typeOfOperand = (o: Operand | undefined) => (o?.k === "val" ? typeOf(o.v) : o?.k === "size" ? "N" : undefined);
    switch (name) {
      case "attribute_exists":
      case "attribute_not_exists":
        if (args[0]!.k !== "path") this.note("function", `Operator or function requires a document path; operator or function: ${name}`);
        break;
      case "begins_with":
        for (const a of args) {
          const t = typeOfOperand(a);
          if (t && t !== "S" && t !== "B") this.note("function", `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${t}`);
        }
        break;
      case "attribute_type": {
        const t = typeOfOperand(args[1]);
        const v = args[1]!;
        if (t !== "S") this.note("function", `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${t ?? "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"}`);
        else if (v.k === "val" && !ATTRIBUTE_TYPES.includes(v.v.S!)) this.note("function", `Invalid attribute type name found; type: ${v.v.S}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`);
      }
    }
  }

  private distinct(op: string, args: Operand[], _word: string): void {
    const [a, b] = args;
    if (a?.k !== "path" || b?.k !== "path" || a.p.length !== b.p.length || !a.p.every((e, i) => e === b.p[i])) return;
    this.note("distinct", `The first operand must be distinct from the remaining operands for this operator or function; operator: ${op}, first operand: ${pathList(a.p)}`);
  }

  /** Ordering comparisons take only numbers, strings and binary values. */
  private orderable(o: Operand, op: string): void {
    if (o.k !== "val") return;
    const t = typeOf(o.v);
    if (t !== "N" && t !== "S" && t !== "B") this.note("function", `Incorrect operand type for operator or function; operator: ${op}, operand type: ${t}`);
  }

  private bounds(lo: AttributeValue, hi: AttributeValue): void {
    const [tl, th] = [typeOf(lo), typeOf(hi)];
    if (!tl || !th || !["S", "N", "B"].includes(tl) || !["S", "N", "B"].includes(th)) return;
    const show = (t: string, v: AttributeValue) => `AttributeValue: {${t}:${t === "B" ? Buffer.from(v.B!).toString("base64") : (v as Record<string, unknown>)[t]}}`;
    const both = `lower bound operand: ${show(tl, lo)}, upper bound operand: ${show(th, hi)}`;
    if (tl !== th) this.note("function", `The BETWEEN operator requires same data type for lower and upper bounds; ${both}`);
    else if (compareAttributeValues(lo, hi) > 0) this.note("function", `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${both}`);
  }

  // ---- update expressions ----

  update(u: SynUpdate): UpdateAction[] {
    const seen = new Set<string>();
    for (const c of u.clauses) {
      if (seen.has(c)) this.note("section", `The "${c}" section can only be used once in an update expression;`);
      seen.add(c);
    }
    const out: UpdateAction[] = [];
    for (const a of u.actions) {
      const p = this.path(a.path);
      if (a.clause === "SET") out.push({ t: "SET", p, v: this.setValue(a.value!) });
      else if (a.clause === "REMOVE") out.push({ t: "REMOVE", p });
      else {
        const v = this.value((a.value as { ref: string }).ref);
        const t = typeOf(v);
        const word = t ? TYPE_WORDS[t] : undefined;
        if (word && !(a.clause === "ADD" && t === "N")) this.note("operand", `Incorrect operand type for operator or function; operator: ${a.clause}, operand type: ${word}`);
        out.push({ t: a.clause, p, v });
      }
    }
    this.overlaps(out.map((a) => a.p));
    return out;
  }

  private setValue(o: SynOperand): SetValue {
    this.parens(o.parens);
    switch (o.s) {
      case "path":
        return { k: "operand", o: { k: "path", p: this.path(o) } };
      case "val":
        return { k: "operand", o: { k: "val", v: this.value(o.ref) } };
      case "arith": {
        const a = this.setValue(o.a);
        const b = this.setValue(o.b);
        this.operandTypes(o.op, [a, b], "N");
        return { k: "arith", op: o.op, a, b };
      }
      case "fn": {
        const arity = UPDATE_FUNCTIONS[o.name];
        if (arity === undefined) {
          this.note("unknownFunction", `Invalid function name; function: ${o.name}`);
          o.args.forEach((x) => this.setValue(x));
          return { k: "operand", o: { k: "val", v: { NULL: true } } };
        }
        const args = o.args.map((x) => this.setValue(x));
        if (args.length !== arity) {
          this.note("function", `Incorrect number of operands for operator or function; operator or function: ${o.name}, number of operands: ${args.length}`);
          return { k: "operand", o: { k: "val", v: { NULL: true } } };
        }
        if (o.name === "if_not_exists") {
          const first = args[0]!;
          if (first.k !== "operand" || first.o.k !== "path") {
            this.note("function", "Operator or function requires a document path; operator or function: if_not_exists");
            return args[1]!;
          }
          return { k: "if_not_exists", p: first.o.p, v: args[1]! };
        }
        this.operandTypes("list_append", args, "L");
        return { k: "list_append", a: args[0]!, b: args[1]! };
      }
    }
  }

  /** Values given directly to + / - / list_append must have the type the operator works on. */
  private operandTypes(name: string, args: SetValue[], want: string): void {
    for (const a of args) {
      if (a.k !== "operand" || a.o.k !== "val") continue;
      const t = typeOf(a.o.v);
      if (t && t !== want) this.note("function", `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${t}`);
    }
  }

  /** Two paths where one is the other or a prefix of it overlap; a name vs an index at one level conflict. */
  overlaps(paths: Path[]): void {
    for (let i = 0; i < paths.length; i++)
      for (let j = 0; j < i; j++) {
        const [a, b] = [paths[j]!, paths[i]!];
        let k = 0;
        let differ = false;
        for (; k < a.length && k < b.length; k++) {
          if (typeof a[k] !== typeof b[k]) {
            this.note("conflict", `Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ${pathList(a)}, path two: ${pathList(b)}`);
            differ = true;
            break;
          }
          if (a[k] !== b[k]) {
            differ = true;
            break;
          }
        }
        if (!differ) this.note("overlap", `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${pathList(a)}, path two: ${pathList(b)}`);
      }
  }
}
