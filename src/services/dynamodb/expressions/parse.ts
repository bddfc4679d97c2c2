/**
 * Entry points of the expression engine: each parses (parser.ts), checks and resolves (check.ts) one
 * expression of a request. Expressions are bounded first: at most 4 KB ("Expression parameters" in the
 * Developer Guide's quotas), so the parser never sees more.
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { ServiceError } from "../../../aws/errors.js";
import type { ConditionNode, KeyCondition, Operand, Path, UpdateAction } from "./ast.js";
import type { ExpressionAttributes } from "./attributes.js";
import { Checker } from "./check.js";
import { parseConditionSyntax, parseProjectionSyntax, parseUpdateSyntax } from "./parser.js";

export const MAX_EXPRESSION_BYTES = 4096;
const invalid = (m: string) => new ServiceError("ValidationException", m, 400);

function bound(expr: string, kind: string): void {
  if (typeof expr !== "string") throw invalid(`Invalid ${kind}: The expression can not be empty;`);
  const size = Buffer.byteLength(expr, "utf8");
  if (size > MAX_EXPRESSION_BYTES) throw invalid(`Invalid ${kind}: Expression size has exceeded the maximum allowed size; expression size: ${size}`);
  if (!expr.trim()) throw invalid(`Invalid ${kind}: The expression can not be empty;`);
}

/** A ConditionExpression or FilterExpression (kind names it in messages). */
export function parseCondition(expr: string, attrs: ExpressionAttributes, kind = "ConditionExpression"): ConditionNode {
  bound(expr, kind);
  const syn = parseConditionSyntax(expr, kind);
  const c = new Checker(attrs, kind);
  const node = c.condition(syn);
  c.finish();
  return node;
}

export function parseProjection(expr: string, attrs: ExpressionAttributes, kind = "ProjectionExpression"): Path[] {
  bound(expr, kind);
  const syn = parseProjectionSyntax(expr, kind);
  const c = new Checker(attrs, kind);
  const paths = syn.map((p) => c.path(p));
  c.overlaps(paths);
  c.finish(true);
  return paths;
}

export function parseUpdate(expr: string, attrs: ExpressionAttributes, kind = "UpdateExpression"): UpdateAction[] {
  bound(expr, kind);
  const syn = parseUpdateSyntax(expr, kind);
  const c = new Checker(attrs, kind);
  const actions = c.update(syn);
  c.finish(true);
  return actions;
}

type Simple = { name: string; op: string; values: AttributeValue[] };
const FLIP: Record<string, string> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** A KeyConditionExpression: `partition = :v`, optionally AND one condition on the sort key. */
export function parseKeyCondition(expr: string, attrs: ExpressionAttributes): KeyCondition {
  const c = parseCondition(expr, attrs, "KeyConditionExpression");
  const parts = c.t === "and" ? [c.a, c.b] : [c];
  const name = (o: Operand) => (o.k === "path" && o.p.length === 1 && typeof o.p[0] === "string" ? o.p[0] : undefined);
  const val = (o: Operand) => (o.k === "val" ? o.v : undefined);
  const simple = (n: ConditionNode): Simple => {
    if (n.t === "cmp" && n.op !== "<>") {
      const [l, r] = [name(n.l), val(n.r)];
      if (l && r) return { name: l, op: n.op, values: [r] };
      const [l2, r2] = [name(n.r), val(n.l)];
      if (l2 && r2) return { name: l2, op: FLIP[n.op]!, values: [r2] };
    }
    if (n.t === "between") {
      const [l, lo, hi] = [name(n.v), val(n.lo), val(n.hi)];
      if (l && lo && hi) return { name: l, op: "BETWEEN", values: [lo, hi] };
    }
    if (n.t === "fn" && n.name === "begins_with") {
      const [l, v] = [name(n.args[0]!), val(n.args[1]!)];
      if (l && v) return { name: l, op: "begins_with", values: [v] };
    }
    if (n.t === "fn") throw invalid(`Invalid operator used in KeyConditionExpression: ${n.name}`);
    if (n.t === "cmp" && n.op === "<>") throw invalid("Invalid operator used in KeyConditionExpression: <>");
    if (n.t === "and" || n.t === "or" || n.t === "not" || n.t === "in") throw invalid(`Invalid operator used in KeyConditionExpression: ${n.t.toUpperCase()}`);
    throw invalid("Invalid KeyConditionExpression: The key conditions must be equality on the partition key and a single condition on the sort key");
  };
  const conds = parts.map(simple);
  if (conds.length === 1) {
    if (conds[0]!.op !== "=") throw invalid("Query key condition not supported");
    return { partition: { name: conds[0]!.name, value: conds[0]!.values[0]! } };
  }
  const eq = conds.findIndex((x) => x.op === "=");
  if (eq < 0) throw invalid("Query key condition not supported");
  const [a, b] = eq === 0 ? [conds[0]!, conds[1]!] : [conds[1]!, conds[0]!];
  if (a.name === b.name) throw invalid("KeyConditionExpressions must only contain one condition per key");
  return { partition: { name: a.name, value: a.values[0]! }, sort: b };
}
