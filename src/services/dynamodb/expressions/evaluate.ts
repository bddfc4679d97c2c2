/**
 * Evaluates resolved conditions (ConditionExpression, FilterExpression, legacy conditions, PartiQL WHERE)
 * against an item, and applies projections. Comparison semantics per "Comparison operator and function
 * reference" (DynamoDB Developer Guide): a missing attribute makes a comparison false (but <> true when
 * exactly one side exists); values of different types are never ordered.
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { ServiceError } from "../../../aws/errors.js";
import { attributeValuesEqual, compareAttributeValues, typeOf } from "../values/attribute-value.js";
import { compareNumbers } from "../values/number.js";
import type { ConditionNode, Operand, Path } from "./ast.js";
import { getPath } from "./path.js";

type Item = Record<string, AttributeValue>;
const validation = (m: string) => new ServiceError("ValidationException", m, 400);

/** The value an operand stands for in an item: path lookup, the value itself or size(path). */
export function resolveOperand(o: Operand, item: Item | undefined): AttributeValue | undefined {
  if (o.k === "val") return o.v;
  const v = getPath(item, o.p);
  if (o.k === "path") return v;
  if (!v) return undefined;
  const n =
    v.S !== undefined ? [...v.S].length : v.B !== undefined ? v.B.length : v.SS ? v.SS.length : v.NS ? v.NS.length : v.BS ? v.BS.length : v.L ? v.L.length : v.M ? Object.keys(v.M).length : undefined;
  if (n === undefined) throw validation(`Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: ${typeOf(v)}`);
  return { N: String(n) };
}

/** Orders two scalars of the same type (S by UTF-8 bytes, N numerically, B by bytes); undefined when not comparable. */
function order(a: AttributeValue, b: AttributeValue): number | undefined {
  const t = typeOf(a);
  if (t !== typeOf(b) || (t !== "N" && t !== "S" && t !== "B")) return undefined;
  return compareAttributeValues(a, b);
}

export function evaluateCondition(node: ConditionNode, item: Item | undefined): boolean {
  switch (node.t) {
    case "and":
      return evaluateCondition(node.a, item) && evaluateCondition(node.b, item);
    case "or":
      return evaluateCondition(node.a, item) || evaluateCondition(node.b, item);
    case "not":
      return !evaluateCondition(node.a, item);
    case "cmp": {
      const l = resolveOperand(node.l, item);
      const r = resolveOperand(node.r, item);
      if (!l || !r) return node.op === "<>" && !!(l || r);
      if (node.op === "=") return attributeValuesEqual(l, r);
      if (node.op === "<>") return !attributeValuesEqual(l, r);
      const o = order(l, r);
      if (o === undefined) return false;
      return node.op === "<" ? o < 0 : node.op === "<=" ? o <= 0 : node.op === ">" ? o > 0 : o >= 0;
    }
    case "between": {
      const v = resolveOperand(node.v, item);
      const lo = resolveOperand(node.lo, item);
      const hi = resolveOperand(node.hi, item);
      if (!v || !lo || !hi) return false;
      const a = order(lo, v);
      const b = order(v, hi);
      return a !== undefined && b !== undefined && a <= 0 && b <= 0;
    }
    case "in": {
      const v = resolveOperand(node.v, item);
      return !!v && node.list.some((o) => {
        const x = resolveOperand(o, item);
        return !!x && attributeValuesEqual(v, x);
      });
    }
    case "fn": {
      const [a, b] = node.args;
      switch (node.name) {
        case "attribute_exists":
          return resolveOperand(a!, item) !== undefined;
        case "attribute_not_exists":
          return resolveOperand(a!, item) === undefined;
        case "attribute_type": {
          const v = resolveOperand(a!, item);
          const t = resolveOperand(b!, item);
          return !!v && !!t && t.S === typeOf(v);
        }
        case "begins_with": {
          const v = resolveOperand(a!, item);
          const p = resolveOperand(b!, item);
          if (!v || !p) return false;
          if (v.S !== undefined && p.S !== undefined) return v.S.startsWith(p.S);
          if (v.B !== undefined && p.B !== undefined) return Buffer.from(v.B).subarray(0, p.B.length).equals(Buffer.from(p.B));
          return false;
        }
        case "contains": {
          const v = resolveOperand(a!, item);
          const x = resolveOperand(b!, item);
          if (!v || !x) return false;
          if (v.S !== undefined) return x.S !== undefined && v.S.includes(x.S);
          if (v.B !== undefined) return x.B !== undefined && Buffer.from(v.B).includes(Buffer.from(x.B));
          if (v.SS) return x.S !== undefined && v.SS.includes(x.S);
          if (v.NS) return x.N !== undefined && v.NS.some((n) => compareNumbers(n, x.N!) === 0);
          if (v.BS) return x.B !== undefined && v.BS.some((e) => Buffer.compare(Buffer.from(e), Buffer.from(x.B!)) === 0);
          if (v.L) return v.L.some((e) => attributeValuesEqual(e, x));
          return false;
        }
      }
    }
  }
  return false;
}

/** A projection under construction: lists hold the projected elements by index, compacted at the end. */
type Partial = { v: AttributeValue } | { m: Map<string, Partial> } | { l: Map<number, Partial> };

function build(n: Partial): AttributeValue {
  if ("v" in n) return n.v;
  if ("m" in n) {
    const M: Record<string, AttributeValue> = {};
    for (const [k, c] of n.m) M[k] = build(c);
    return { M };
  }
  return { L: [...n.l.entries()].sort((x, y) => x[0] - y[0]).map(([, c]) => build(c)) };
}

/**
 * Keeps only the given document paths of an item. List elements keep their relative order without
 * padding: projecting a.b[2].y gives {a: {M: {b: {L: [{M: {y}}]}}}}, as AWS does.
 */
export function project(item: Item, paths: Path[]): Item {
  const root = new Map<string, Partial>();
  for (const p of paths) {
    const v = getPath(item, p);
    if (v === undefined) continue;
    let holder: Map<string | number, Partial> = root as Map<string | number, Partial>;
    for (let i = 0; i < p.length - 1; i++) {
      const key = p[i]!;
      const listNext = typeof p[i + 1] === "number";
      let child = holder.get(key);
      if (!child || "v" in child) {
        child = listNext ? { l: new Map() } : { m: new Map() };
        holder.set(key, child);
      }
      holder = ("l" in child ? child.l : (child as { m: Map<string, Partial> }).m) as Map<string | number, Partial>;
    }
    holder.set(p[p.length - 1]!, { v });
  }
  const out: Item = {};
  for (const [k, n] of root) out[k] = build(n);
  return out;
}
