/**
 * Request parameters shared by the item operations: expression vs legacy parameters (and AWS's errors
 * for mixing them), ReturnValues checks, the ConditionalCheckFailedException, item value validation.
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { constraintMessage, ServiceError } from "../../../aws/errors.js";
import { Messages } from "../constants.js";
import type { Item } from "../store.js";
import { validation } from "../validate.js";
import { validateAttributeValue } from "./deps.js";
import {
  attributesToGetToPaths,
  expectedToCondition,
  ExpressionAttributes,
  parseCondition,
  parseProjection,
  type ConditionNode,
  type Path,
} from "./deps.js";

type Params = Record<string, unknown>;

const present = (v: unknown) => v !== undefined && v !== null;

/**
 * AWS refuses a request mixing expression and legacy parameters, and expression attribute maps without
 * any expression. `legacy`/`expressions` list the parameter names the operation knows.
 */
export function checkParameterStyle(input: Params, legacy: string[], expressions: string[], nullList: string): void {
  const l = legacy.filter((n) => present(input[n]));
  const e = expressions.filter((n) => present(input[n]));
  if (l.length && e.length)
    throw validation(`Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${l.join(", ")}} Expression parameters: {${e.join(", ")}}`);
  if (!e.length) {
    if (present(input.ExpressionAttributeNames)) throw validation("ExpressionAttributeNames can only be specified when using expressions");
    if (present(input.ExpressionAttributeValues)) throw validation(`ExpressionAttributeValues can only be specified when using expressions: ${nullList}`);
  }
}

/** The expression attribute maps of a request, checked for empty maps as AWS does. */
export function attributesOf(input: Params): ExpressionAttributes {
  const names = input.ExpressionAttributeNames as Record<string, string> | undefined;
  const values = input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined;
  if (names && Object.keys(names).length === 0) throw validation("ExpressionAttributeNames must not be empty");
  if (values && Object.keys(values).length === 0) throw validation("ExpressionAttributeValues must not be empty");
  if (names) for (const k in names) if (!/^#[A-Za-z0-9_]+$/.test(k)) throw validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${k}"`);
  if (values)
    for (const k in values) {
      if (!/^:[A-Za-z0-9_]+$/.test(k)) throw validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${k}"`);
      checkValue(values[k]!, k);
    }
  return new ExpressionAttributes(names, values);
}

/** The condition of a write: ConditionExpression, or the legacy Expected/ConditionalOperator. */
export function conditionOf(input: Params, attrs: ExpressionAttributes): ConditionNode | undefined {
  if (typeof input.ConditionExpression === "string") return parseCondition(input.ConditionExpression, attrs, "ConditionExpression");
  if (input.Expected) return expectedToCondition(input.Expected as never, input.ConditionalOperator as string | undefined);
  if (input.ConditionalOperator) throw validation("ConditionalOperator can only be used when Filter or Expected has two or more elements");
  return undefined;
}

/** The projection of a read: ProjectionExpression, or the legacy AttributesToGet. */
export function projectionOf(input: Params, attrs: ExpressionAttributes): Path[] | undefined {
  if (typeof input.ProjectionExpression === "string") return parseProjection(input.ProjectionExpression, attrs);
  const atg = input.AttributesToGet as string[] | undefined;
  if (atg) {
    if (new Set(atg).size !== atg.length) throw validation(`One or more parameter values were invalid: Duplicate value in attribute name: ${atg.find((a, i) => atg.indexOf(a) !== i)}`);
    return attributesToGetToPaths(atg);
  }
  return undefined;
}

const RETURN_VALUES = ["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];

/** ReturnValues: the model enum, then the operation's own subset ("Return values set to invalid value"). */
export function checkReturnValues(value: string | undefined, allowed: string[]): string {
  if (value === undefined) return "NONE";
  if (!RETURN_VALUES.includes(value))
    throw validation(constraintMessage([`Value '${value}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [${RETURN_VALUES.join(", ")}]`]));
  if (!allowed.includes(value)) throw validation("Return values set to invalid value");
  return value;
}

export function checkReturnValuesOnFailure(value: string | undefined): boolean {
  if (value === undefined || value === "NONE") return false;
  if (value === "ALL_OLD") return true;
  throw validation(constraintMessage([`Value '${value}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`]));
}

/** A ConditionalCheckFailedException; with ReturnValuesOnConditionCheckFailure=ALL_OLD it carries the item. */
export function conditionFailed(returnOld: boolean, old: Item | undefined): ServiceError {
  const item = returnOld ? old : undefined;
  const e = new ServiceError("ConditionalCheckFailedException", Messages.CONDITION_FAILED, 400, true, item ? { Item: wireItem(item) } : undefined);
  (e as ServiceError & { rawItem?: Item }).rawItem = item;
  return e;
}

/** The item a ConditionalCheckFailedException carries, as typed values (for responses that embed it). */
export const rawItemOf = (e: ServiceError): Item | undefined => (e as ServiceError & { rawItem?: Item }).rawItem;

/**
 * An item in JSON wire form (binary as base64). Error members are written as they are, without the
 * model-driven conversion outputs get, so items inside errors are converted here.
 */
export function wireItem(item: Item): Item {
  return JSON.parse(JSON.stringify(item, function (this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    return original instanceof Uint8Array ? Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString("base64") : value;
  })) as Item;
}

/**
 * Checks every attribute of an item (an empty name first, whatever its place, then numbers, sets, empties,
 * depth); normalizes numbers in place. Observed on DynamoDB: "Empty attribute name" beats a value nested
 * past the limits in the same item.
 */
export function checkItemValues(item: Item): void {
  if (Object.prototype.hasOwnProperty.call(item, "")) throw validation("Empty attribute name");
  for (const k in item) checkValue(item[k]!, k);
}

function checkValue(v: AttributeValue, path: string): void {
  const msg = validateAttributeValue(v, path) as unknown;
  if (typeof msg === "string") throw validation(msg);
}

const RCC = ["INDEXES", "TOTAL", "NONE"];
export function checkReturnConsumedCapacity(value: string | undefined): string {
  if (value === undefined) return "NONE";
  if (!RCC.includes(value))
    throw validation(constraintMessage([`Value '${value}' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]`]));
  return value;
}
