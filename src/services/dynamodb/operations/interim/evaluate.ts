/**
 * INTERIM evaluator: conditions, projections, updates and the legacy parameter conversions, used only
 * until the cores' expressions/ module lands. Numbers are exact decimals (BigInt with a scale).
 */
import type { AttributeValue } from "../../../../aws/api/dynamodb.js";
import { ServiceError } from "../../../../aws/errors.js";
import type { ConditionNode, KeyCondition, Operand, Path, SetValue, UpdateAction } from "./parse.js";
import { compareNumbers, addNumbers } from "./number.js";

type Item = Record<string, AttributeValue>;
const validation = (m: string) => new ServiceError("ValidationException", m, 400);

const typeOf = (v: AttributeValue): string => {
  for (const k in v) if ((v as Record<string, unknown>)[k] !== undefined) return k;
  return "";
};

/** The value at a document path, or undefined. */
export function getPath(item: Item | undefined, p: Path): AttributeValue | undefined {
  if (!item) return undefined;
  let cur: AttributeValue | undefined = item[p[0] as string];
  for (let i = 1; i < p.length && cur; i++) {
    const e = p[i]!;
    cur = typeof e === "number" ? cur.L?.[e] : cur.M?.[e];
  }
  return cur;
}

export const pathToString = (p: Path) => p.map((e, i) => (typeof e === "number" ? `[${e}]` : i ? `.${e}` : e)).join("");

function resolve(o: Operand, item: Item | undefined): AttributeValue | undefined {
  if (o.k === "val") return o.v;
  const v = getPath(item, o.p);
  if (o.k === "path") return v;
  if (!v) return undefined;
  const n =
    v.S !== undefined ? [...v.S].length : v.B !== undefined ? v.B.length : v.SS ? v.SS.length : v.NS ? v.NS.length : v.BS ? v.BS.length : v.L ? v.L.length : v.M ? Object.keys(v.M).length : undefined;
  if (n === undefined) throw validation(`Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: ${typeOf(v)}`);
  return { N: String(n) };
}

export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const t = typeOf(a);
  if (t !== typeOf(b)) return false;
  switch (t) {
    case "S":
      return a.S === b.S;
    case "N":
      return compareNumbers(a.N!, b.N!) === 0;
    case "B":
      return Buffer.compare(Buffer.from(a.B!), Buffer.from(b.B!)) === 0;
    case "BOOL":
      return a.BOOL === b.BOOL;
    case "NULL":
      return true;
    case "SS":
      return a.SS!.length === b.SS!.length && a.SS!.every((x) => b.SS!.includes(x));
    case "NS":
      return a.NS!.length === b.NS!.length && a.NS!.every((x) => b.NS!.some((y) => compareNumbers(x, y) === 0));
    case "BS":
      return a.BS!.length === b.BS!.length && a.BS!.every((x) => b.BS!.some((y) => Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0));
    case "L":
      return a.L!.length === b.L!.length && a.L!.every((x, i) => valuesEqual(x, b.L![i]!));
    case "M": {
      const ka = Object.keys(a.M!);
      return ka.length === Object.keys(b.M!).length && ka.every((k) => b.M![k] !== undefined && valuesEqual(a.M![k]!, b.M![k]!));
    }
  }
  return false;
}

/** Orders two scalars of the same type (S by UTF-8 bytes, N numerically, B by bytes); undefined when not comparable. */
function order(a: AttributeValue, b: AttributeValue): number | undefined {
  const t = typeOf(a);
  if (t !== typeOf(b)) return undefined;
  if (t === "N") return compareNumbers(a.N!, b.N!);
  if (t === "S") return Buffer.compare(Buffer.from(a.S!, "utf8"), Buffer.from(b.S!, "utf8"));
  if (t === "B") return Buffer.compare(Buffer.from(a.B!), Buffer.from(b.B!));
  return undefined;
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
      const l = resolve(node.l, item);
      const r = resolve(node.r, item);
      if (!l || !r) return node.op === "<>" && !!(l || r);
      if (node.op === "=") return valuesEqual(l, r);
      if (node.op === "<>") return !valuesEqual(l, r);
      const o = order(l, r);
      if (o === undefined) return false;
      return node.op === "<" ? o < 0 : node.op === "<=" ? o <= 0 : node.op === ">" ? o > 0 : o >= 0;
    }
    case "between": {
      const v = resolve(node.v, item);
      const lo = resolve(node.lo, item);
      const hi = resolve(node.hi, item);
      if (!v || !lo || !hi) return false;
      const a = order(lo, v);
      const b = order(v, hi);
      return a !== undefined && b !== undefined && a <= 0 && b <= 0;
    }
    case "in": {
      const v = resolve(node.v, item);
      return !!v && node.list.some((o) => {
        const x = resolve(o, item);
        return !!x && valuesEqual(v, x);
      });
    }
    case "fn": {
      const [a, b] = node.args;
      switch (node.name) {
        case "attribute_exists":
          return resolve(a!, item) !== undefined;
        case "attribute_not_exists":
          return resolve(a!, item) === undefined;
        case "attribute_type": {
          const v = resolve(a!, item);
          const t = resolve(b!, item);
          return !!v && !!t && t.S === typeOf(v);
        }
        case "begins_with": {
          const v = resolve(a!, item);
          const p = resolve(b!, item);
          if (!v || !p) return false;
          if (v.S !== undefined && p.S !== undefined) return v.S.startsWith(p.S);
          if (v.B !== undefined && p.B !== undefined) return Buffer.from(v.B).subarray(0, p.B.length).equals(Buffer.from(p.B));
          return false;
        }
        case "contains": {
          const v = resolve(a!, item);
          const x = resolve(b!, item);
          if (!v || !x) return false;
          if (v.S !== undefined) return x.S !== undefined && v.S.includes(x.S);
          if (v.B !== undefined) return x.B !== undefined && Buffer.from(v.B).includes(Buffer.from(x.B));
          if (v.SS) return x.S !== undefined && v.SS.includes(x.S);
          if (v.NS) return x.N !== undefined && v.NS.some((n) => compareNumbers(n, x.N!) === 0);
          if (v.BS) return x.B !== undefined && v.BS.some((e) => Buffer.compare(Buffer.from(e), Buffer.from(x.B!)) === 0);
          if (v.L) return v.L.some((e) => valuesEqual(e, x));
          return false;
        }
      }
    }
  }
  return false;
}

/** Keeps only the given document paths of an item (list elements keep their relative order). */
export function project(item: Item, paths: Path[]): Item {
  const out: Item = {};
  for (const p of paths) {
    const v = getPath(item, p);
    if (v === undefined) continue;
    let holder: Record<string | number, AttributeValue> = out;
    for (let i = 0; i < p.length - 1; i++) {
      const key = p[i]!;
      const nextKey = p[i + 1]!;
      let child = holder[key as string];
      if (!child) {
        child = typeof nextKey === "number" ? { L: [] } : { M: {} };
        holder[key as string] = child;
      }
      holder = (typeof nextKey === "number" ? (child.L as unknown) : child.M) as Record<string | number, AttributeValue>;
    }
    const last = p[p.length - 1]!;
    if (typeof last === "number" && Array.isArray(holder)) (holder as unknown as AttributeValue[]).push(v);
    else holder[last as string] = v;
  }
  return out;
}

function setValue(sv: SetValue, item: Item): AttributeValue {
  switch (sv.k) {
    case "operand": {
      const v = resolve(sv.o, item);
      if (!v) throw validation(`The provided expression refers to an attribute that does not exist in the item`);
      return v;
    }
    case "if_not_exists":
      return getPath(item, sv.p) ?? setValue(sv.v, item);
    case "list_append": {
      const a = setValue(sv.a, item);
      const b = setValue(sv.b, item);
      if (!a.L || !b.L) throw validation(`An operand in the update expression has an incorrect data type`);
      return { L: [...a.L, ...b.L] };
    }
    case "arith": {
      const a = setValue(sv.a, item);
      const b = setValue(sv.b, item);
      if (a.N === undefined || b.N === undefined) throw validation(`An operand in the update expression has an incorrect data type`);
      return { N: addNumbers(a.N, sv.op === "+" ? b.N : b.N.startsWith("-") ? b.N.slice(1) : `-${b.N}`) };
    }
  }
}

function setAt(item: Item, p: Path, v: AttributeValue): void {
  if (p.length === 1) {
    item[p[0] as string] = v;
    return;
  }
  const parent = getPath(item, p.slice(0, -1));
  const last = p[p.length - 1]!;
  if (typeof last === "number" && parent?.L) {
    if (last >= parent.L.length) parent.L.push(v);
    else parent.L[last] = v;
  } else if (typeof last === "string" && parent?.M) parent.M[last] = v;
  else throw validation("The document path provided in the update expression is invalid for update");
}

function removeAt(item: Item, p: Path): void {
  if (p.length === 1) {
    delete item[p[0] as string];
    return;
  }
  const parent = getPath(item, p.slice(0, -1));
  const last = p[p.length - 1]!;
  if (typeof last === "number" && parent?.L) {
    if (last < parent.L.length) parent.L.splice(last, 1);
  } else if (typeof last === "string" && parent?.M) delete parent.M[last];
}

/** Applies update actions to a copy of the item; returns it and the paths updated. */
export function applyUpdate(item: Item, actions: UpdateAction[]): { item: Item; updatedPaths: Path[] } {
  const src = item;
  const out: Item = structuredClone(item);
  const updatedPaths: Path[] = [];
  const removes: Path[] = [];
  for (const a of actions) {
    updatedPaths.push(a.p);
    if (a.t === "SET") setAt(out, a.p, setValue(a.v, src));
    else if (a.t === "REMOVE") removes.push(a.p);
    else if (a.t === "ADD") {
      const cur = getPath(out, a.p);
      const t = typeOf(a.v);
      if (!cur) setAt(out, a.p, a.v);
      else if (t === "N" && cur.N !== undefined) setAt(out, a.p, { N: addNumbers(cur.N, a.v.N!) });
      else if (t === "SS" && cur.SS) setAt(out, a.p, { SS: [...cur.SS, ...a.v.SS!.filter((x) => !cur.SS!.includes(x))] });
      else if (t === "NS" && cur.NS) setAt(out, a.p, { NS: [...cur.NS, ...a.v.NS!.filter((x) => !cur.NS!.some((y) => compareNumbers(x, y) === 0))] });
      else if (t === "BS" && cur.BS) setAt(out, a.p, { BS: [...cur.BS, ...a.v.BS!.filter((x) => !cur.BS!.some((y) => Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0))] });
      else throw validation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: " + typeOf(cur));
    } else {
      const cur = getPath(out, a.p);
      if (!cur) continue;
      const t = typeOf(a.v);
      let rest: AttributeValue;
      if (t === "SS" && cur.SS) rest = { SS: cur.SS.filter((x) => !a.v.SS!.includes(x)) };
      else if (t === "NS" && cur.NS) rest = { NS: cur.NS.filter((x) => !a.v.NS!.some((y) => compareNumbers(x, y) === 0)) };
      else if (t === "BS" && cur.BS) rest = { BS: cur.BS.filter((x) => !a.v.BS!.some((y) => Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0)) };
      else throw validation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: " + typeOf(cur));
      const left = (rest.SS ?? rest.NS ?? rest.BS)!.length;
      if (left) setAt(out, a.p, rest);
      else removeAt(out, a.p);
    }
  }
  // List elements are removed from the highest index down so earlier removals do not shift later ones.
  removes.sort((x, y) => (typeof y[y.length - 1] === "number" && typeof x[x.length - 1] === "number" ? (y[y.length - 1] as number) - (x[x.length - 1] as number) : 0));
  for (const p of removes) removeAt(out, p);
  return { item: out, updatedPaths };
}

type Legacy = { ComparisonOperator?: string; AttributeValueList?: AttributeValue[]; Value?: AttributeValue; Exists?: boolean };

function legacyCondition(name: string, c: Legacy): ConditionNode {
  const path: Operand = { k: "path", p: [name] };
  const vals = (c.AttributeValueList ?? (c.Value ? [c.Value] : [])).map((v): Operand => ({ k: "val", v }));
  const op = c.ComparisonOperator;
  if (!op) {
    if (c.Exists === false) {
      if (c.Value) throw validation(`One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: ${name}`);
      return { t: "fn", name: "attribute_not_exists", args: [path] };
    }
    if (!c.Value) throw validation(`One or more parameter values were invalid: Value must be provided when Exists is ${c.Exists ?? "null"} for Attribute: ${name}`);
    return { t: "cmp", op: "=", l: path, r: vals[0]! };
  }
  const need = (n: number) => {
    if (vals.length !== n) throw validation(`One or more parameter values were invalid: Invalid number of argument(s) for the ${op} ComparisonOperator`);
  };
  const cmp = (o: string): ConditionNode => (need(1), { t: "cmp", op: o, l: path, r: vals[0]! });
  switch (op) {
    case "EQ":
      return cmp("=");
    case "NE":
      return cmp("<>");
    case "LT":
      return cmp("<");
    case "LE":
      return cmp("<=");
    case "GT":
      return cmp(">");
    case "GE":
      return cmp(">=");
    case "NULL":
      need(0);
      return { t: "fn", name: "attribute_not_exists", args: [path] };
    case "NOT_NULL":
      need(0);
      return { t: "fn", name: "attribute_exists", args: [path] };
    case "CONTAINS":
      need(1);
      return { t: "fn", name: "contains", args: [path, vals[0]!] };
    case "NOT_CONTAINS":
      need(1);
      return { t: "and", a: { t: "fn", name: "attribute_exists", args: [path] }, b: { t: "not", a: { t: "fn", name: "contains", args: [path, vals[0]!] } } };
    case "BEGINS_WITH":
      need(1);
      return { t: "fn", name: "begins_with", args: [path, vals[0]!] };
    case "IN":
      if (!vals.length) need(1);
      return { t: "in", v: path, list: vals };
    case "BETWEEN":
      need(2);
      return { t: "between", v: path, lo: vals[0]!, hi: vals[1]! };
  }
  throw validation(`1 validation error detected: Value '${op}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]`);
}

function combine(map: Record<string, Legacy>, op: string | undefined): ConditionNode | undefined {
  const entries = Object.entries(map);
  if (op && entries.length < 2) throw validation("ConditionalOperator can only be used when Filter or Expected has two or more elements");
  let node: ConditionNode | undefined;
  for (const [name, c] of entries) {
    const n = legacyCondition(name, c);
    node = node ? { t: op === "OR" ? "or" : "and", a: node, b: n } : n;
  }
  return node;
}

export const expectedToCondition = (expected: Record<string, Legacy>, op?: string) => combine(expected, op);
export const filterMapToCondition = (filter: Record<string, Legacy>, op?: string) => combine(filter, op);

export function keyConditionsToKeyCondition(kc: Record<string, Legacy>): KeyCondition {
  const entries = Object.entries(kc);
  const eq = entries.filter(([, c]) => c.ComparisonOperator === "EQ");
  if (!eq.length || entries.length > 2) throw validation("Query key condition not supported");
  const [pName, pCond] = eq[0]!;
  const rest = entries.find(([n]) => n !== pName);
  const out: KeyCondition = { partition: { name: pName, value: pCond.AttributeValueList![0]! } };
  if (rest) {
    const [n, c] = rest;
    const ops: Record<string, string> = { EQ: "=", LT: "<", LE: "<=", GT: ">", GE: ">=", BETWEEN: "BETWEEN", BEGINS_WITH: "begins_with" };
    const op = ops[c.ComparisonOperator ?? ""];
    if (!op) throw validation(`One or more parameter values were invalid: Invalid KeyConditions ComparisonOperator: ${c.ComparisonOperator}`);
    out.sort = { name: n, op, values: c.AttributeValueList ?? [] };
  }
  return out;
}

export function attributeUpdatesToActions(updates: Record<string, { Action?: string; Value?: AttributeValue }>): UpdateAction[] {
  return Object.entries(updates).map(([name, u]): UpdateAction => {
    const action = u.Action ?? "PUT";
    if (action === "PUT") {
      if (!u.Value) throw validation(`One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified`);
      return { t: "SET", p: [name], v: { k: "operand", o: { k: "val", v: u.Value } } };
    }
    if (action === "DELETE") return u.Value ? { t: "DELETE", p: [name], v: u.Value } : { t: "REMOVE", p: [name] };
    if (!u.Value) throw validation(`One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified`);
    return { t: "ADD", p: [name], v: u.Value };
  });
}

export const attributesToGetToPaths = (names: string[]): Path[] => names.map((n) => [n]);

/** Top-level attribute names a condition reads (Query refuses filters on key attributes). */
export function conditionAttributeNames(node: ConditionNode, out: Set<string> = new Set()): Set<string> {
  const op = (o: Operand) => {
    if (o.k !== "val") out.add(o.p[0] as string);
  };
  switch (node.t) {
    case "and":
    case "or":
      conditionAttributeNames(node.a, out);
      conditionAttributeNames(node.b, out);
      break;
    case "not":
      conditionAttributeNames(node.a, out);
      break;
    case "cmp":
      op(node.l);
      op(node.r);
      break;
    case "between":
      [node.v, node.lo, node.hi].forEach(op);
      break;
    case "in":
      [node.v, ...node.list].forEach(op);
      break;
    case "fn":
      node.args.forEach(op);
  }
  return out;
}
