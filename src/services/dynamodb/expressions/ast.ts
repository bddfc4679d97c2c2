/**
 * Resolved expression trees: names and values already substituted from ExpressionAttributeNames/Values.
 * The expression parser (parser.ts + check.ts), the legacy-parameter conversions (legacy.ts) and the
 * PartiQL parser (../partiql/) all produce these; evaluate.ts and update.ts run them.
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import type { DocumentPath } from "./path.js";

export type Path = DocumentPath;
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

export interface KeyCondition {
  partition: { name: string; value: AttributeValue };
  sort?: { name: string; op: string; values: AttributeValue[] };
}
