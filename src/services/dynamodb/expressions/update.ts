/**
 * Applies resolved update actions (UpdateExpression, legacy AttributeUpdates, PartiQL UPDATE) to a copy of
 * an item. Numbers use the exact decimal arithmetic of values/number.ts.
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { ServiceError } from "../../../aws/errors.js";
import { attributeValuesEqual, typeOf } from "../values/attribute-value.js";
import { addNumbers, compareNumbers, subtractNumbers } from "../values/number.js";
import type { Path, SetValue, UpdateAction } from "./ast.js";
import { resolveOperand } from "./evaluate.js";
import { getPath } from "./path.js";

type Item = Record<string, AttributeValue>;
const validation = (m: string) => new ServiceError("ValidationException", m, 400);

function setValue(sv: SetValue, item: Item): AttributeValue {
  switch (sv.k) {
    case "operand": {
      const v = resolveOperand(sv.o, item);
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
      return { N: sv.op === "+" ? addNumbers(a.N, b.N) : subtractNumbers(a.N, b.N) };
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
      else if (t === "L" && cur.L) setAt(out, a.p, { L: [...cur.L, ...a.v.L!] }); // legacy AttributeUpdates ADD appends
      else if (t === "SS" && cur.SS) setAt(out, a.p, { SS: [...cur.SS, ...a.v.SS!.filter((x) => !cur.SS!.includes(x))] });
      else if (t === "NS" && cur.NS) setAt(out, a.p, { NS: [...cur.NS, ...a.v.NS!.filter((x) => !cur.NS!.some((y) => compareNumbers(x, y) === 0))] });
      else if (t === "BS" && cur.BS) setAt(out, a.p, { BS: [...cur.BS, ...a.v.BS!.filter((x) => !cur.BS!.some((y) => Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0))] });
      else throw validation("An operand in the update expression has an incorrect data type");
    } else {
      const cur = getPath(out, a.p);
      if (!cur) continue;
      const t = typeOf(a.v);
      let rest: AttributeValue;
      if (t === "SS" && cur.SS) rest = { SS: cur.SS.filter((x) => !a.v.SS!.includes(x)) };
      else if (t === "NS" && cur.NS) rest = { NS: cur.NS.filter((x) => !a.v.NS!.some((y) => compareNumbers(x, y) === 0)) };
      else if (t === "BS" && cur.BS) rest = { BS: cur.BS.filter((x) => !a.v.BS!.some((y) => Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0)) };
      else throw validation("An operand in the update expression has an incorrect data type");
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
