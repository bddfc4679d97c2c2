/**
 * The legacy (pre-expression) parameters as resolved expression trees: Expected, QueryFilter/ScanFilter,
 * KeyConditions, AttributeUpdates and AttributesToGet ("Legacy conditional parameters" in the Developer Guide).
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { constraintMessage, ServiceError } from "../../../aws/errors.js";
import { typeOf } from "../values/attribute-value.js";
import type { ConditionNode, KeyCondition, Operand, Path, UpdateAction } from "./ast.js";

const validation = (m: string) => new ServiceError("ValidationException", m, 400);

type Legacy = { ComparisonOperator?: string; AttributeValueList?: AttributeValue[]; Value?: AttributeValue; Exists?: boolean };

function legacyCondition(name: string, c: Legacy, field: string): ConditionNode {
  const path: Operand = { k: "path", p: [name] };
  const vals = (c.AttributeValueList ?? (c.Value ? [c.Value] : [])).map((v): Operand => ({ k: "val", v }));
  const op = c.ComparisonOperator;
  if (op !== undefined) {
    if (c.Exists !== undefined) throw validation(`One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: ${name}`);
    if (c.AttributeValueList !== undefined && c.Value !== undefined)
      throw validation(`One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: ${name}`);
  } else if (c.AttributeValueList !== undefined) {
    throw validation(`One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: ${name}`);
  }
  if (!op) {
    if (c.Exists === false) {
      if (c.Value) throw validation(`One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: ${name}`);
      return { t: "fn", name: "attribute_not_exists", args: [path] };
    }
    if (!c.Value) throw validation(`One or more parameter values were invalid: Value must be provided when Exists is ${c.Exists ?? "null"} for Attribute: ${name}`);
    return { t: "cmp", op: "=", l: path, r: vals[0]! };
  }
  if (!vals.length && op !== "NULL" && op !== "NOT_NULL")
    throw validation(`One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: ${op} for Attribute: ${name}`);
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
  throw validation(`1 validation error detected: Value '${op}' at '${field}.${name}.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]`);
}

function combine(map: Record<string, Legacy>, op: string | undefined, field: string): ConditionNode | undefined {
  const entries = Object.entries(map);
  if (op && entries.length < 2) throw validation("ConditionalOperator can only be used when Filter or Expected has two or more elements");
  let node: ConditionNode | undefined;
  for (const [name, c] of entries) {
    const n = legacyCondition(name, c, field);
    node = node ? { t: op === "OR" ? "or" : "and", a: node, b: n } : n;
  }
  return node;
}

export const expectedToCondition = (expected: Record<string, Legacy>, op?: string) => combine(expected, op, "expected");
export const filterMapToCondition = (filter: Record<string, Legacy>, op?: string, field = "queryFilter") => combine(filter, op, field);

const KEY_OPERATORS: Record<string, [op: string, args: number]> = { EQ: ["=", 1], LT: ["<", 1], LE: ["<=", 1], GT: [">", 1], GE: [">=", 1], BETWEEN: ["BETWEEN", 2], BEGINS_WITH: ["begins_with", 1] };
const OPERATORS = ["IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"];

/** The legacy KeyConditions of a Query: EQ on the partition key and at most one condition on the sort key. */
export function keyConditionsToKeyCondition(kc: Record<string, Legacy>): KeyCondition {
  const entries = Object.entries(kc);
  const badEnum = entries.filter(([, c]) => !OPERATORS.includes(c.ComparisonOperator ?? ""));
  if (badEnum.length)
    throw validation(
      constraintMessage(badEnum.map(([n, c]) => `Value ${c.ComparisonOperator === undefined ? "null" : `'${c.ComparisonOperator}'`} at 'keyConditions.${n}.member.comparisonOperator' failed to satisfy constraint: ${c.ComparisonOperator === undefined ? "Member must not be null" : `Member must satisfy enum value set: [${OPERATORS.join(", ")}]`}`)),
    );
  if (entries.length < 1 || entries.length > 2) throw validation("Conditions can be of length 1 or 2 only");
  for (const [, c] of entries) {
    const k = KEY_OPERATORS[c.ComparisonOperator!];
    if (!k) throw validation(`Attempted conditional constraint is not an indexable operation`);
    if ((c.AttributeValueList ?? []).length !== k[1]) throw validation(`One or more parameter values were invalid: Invalid number of argument(s) for the ${c.ComparisonOperator} ComparisonOperator`);
  }
  const eq = entries.filter(([, c]) => c.ComparisonOperator === "EQ");
  if (!eq.length) throw validation("Query key condition not supported");
  const [pName, pCond] = eq[0]!;
  const rest = entries.find(([n]) => n !== pName);
  const out: KeyCondition = { partition: { name: pName, value: pCond.AttributeValueList![0]! } };
  if (rest) {
    const [n, c] = rest;
    out.sort = { name: n, op: KEY_OPERATORS[c.ComparisonOperator!]![0], values: c.AttributeValueList! };
  }
  return out;
}

const ACTIONS = ["ADD", "PUT", "DELETE"];

/** AttributeUpdates as update actions, with AWS's checks (enum, value presence, types per action). */
export function attributeUpdatesToActions(updates: Record<string, { Action?: string; Value?: AttributeValue }>): UpdateAction[] {
  const bad = Object.entries(updates).filter(([, u]) => u.Action !== undefined && !ACTIONS.includes(u.Action));
  if (bad.length)
    throw validation(
      constraintMessage(bad.map(([name, u]) => `Value '${u.Action}' at 'attributeUpdates.${name}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]`)),
    );
  return Object.entries(updates).map(([name, u]): UpdateAction => {
    const action = u.Action ?? "PUT";
    const type = u.Value ? typeOf(u.Value) : undefined;
    if (!u.Value && action !== "DELETE") throw validation(`One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified`);
    if (action === "PUT") return { t: "SET", p: [name], v: { k: "operand", o: { k: "val", v: u.Value! } } };
    if (action === "DELETE") {
      if (!u.Value) return { t: "REMOVE", p: [name] };
      if (type !== "SS" && type !== "NS" && type !== "BS") throw validation(`One or more parameter values were invalid: DELETE action with value is not supported for the type ${type}`);
      return { t: "DELETE", p: [name], v: u.Value };
    }
    if (type !== "N" && type !== "L" && type !== "SS" && type !== "NS" && type !== "BS") throw validation(`One or more parameter values were invalid: ADD action is not supported for the type ${type}`);
    return { t: "ADD", p: [name], v: u.Value! };
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

