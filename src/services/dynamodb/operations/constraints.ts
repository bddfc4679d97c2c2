/**
 * The model constraints of the data-plane requests (enums, lengths, ranges, the table name), checked
 * all at once before anything else, so several violations are listed together as AWS lists them:
 * "3 validation errors detected: Value 'x' at 'tableName' failed to satisfy constraint: ...; ...".
 */
import { constraintMessage } from "../../../aws/errors.js";
import { nameViolations, validation } from "../validate.js";

const ENUMS: [field: string, wire: string, values: string[]][] = [
  ["Select", "select", ["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"]],
  ["ReturnValues", "returnValues", ["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"]],
  ["ReturnConsumedCapacity", "returnConsumedCapacity", ["INDEXES", "TOTAL", "NONE"]],
  ["ReturnItemCollectionMetrics", "returnItemCollectionMetrics", ["SIZE", "NONE"]],
  ["ConditionalOperator", "conditionalOperator", ["AND", "OR"]],
  ["ReturnValuesOnConditionCheckFailure", "returnValuesOnConditionCheckFailure", ["ALL_OLD", "NONE"]],
];

const RANGES: [field: string, wire: string, min: number, max: number][] = [
  ["Limit", "limit", 1, Infinity],
  ["Segment", "segment", 0, 999999],
  ["TotalSegments", "totalSegments", 1, 1000000],
];

/**
 * Throws one ValidationException listing every model-constraint violation of the request; `before` are
 * violations of members the caller checked itself (a batch's table names, a token), listed first.
 */
export function checkRequestConstraints(input: Record<string, unknown>, before: string[] = []): void {
  const v: string[] = [...before];
  const table = input.TableName;
  if (typeof table === "string" && !table.startsWith("arn:")) v.push(...nameViolations(table, "tableName", 3, 1024));
  if (typeof input.IndexName === "string") v.push(...nameViolations(input.IndexName, "indexName", 3, 255));
  const atg = input.AttributesToGet;
  if (Array.isArray(atg) && atg.length === 0) v.push("Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1");
  for (const [field, wire, min, max] of RANGES) {
    const n = input[field];
    if (typeof n !== "number") continue;
    if (n < min) v.push(`Value '${n}' at '${wire}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
    if (n > max) v.push(`Value '${n}' at '${wire}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
  }
  for (const [field, wire, values] of ENUMS) {
    const x = input[field];
    if (typeof x === "string" && !values.includes(x)) v.push(`Value '${x}' at '${wire}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(", ")}]`);
  }
  if (v.length) throw validation(constraintMessage(v));
}
