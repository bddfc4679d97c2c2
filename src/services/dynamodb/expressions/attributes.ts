/**
 * ExpressionAttributeNames / ExpressionAttributeValues of one request, shared by all its expressions so
 * unused entries can be reported once all expressions are parsed (AWS checks this across the request).
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { ServiceError } from "../../../aws/errors.js";

const invalid = (msg: string) => new ServiceError("ValidationException", msg, 400);

export class ExpressionAttributes {
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  constructor(
    readonly names?: Record<string, string>,
    readonly values?: Record<string, AttributeValue>,
  ) {
    if (names && Object.keys(names).length === 0) throw invalid("ExpressionAttributeNames must not be empty");
    if (values && Object.keys(values).length === 0) throw invalid("ExpressionAttributeValues must not be empty");
  }

  /** Resolves "#x" to its attribute name, marking it used; kind (e.g. "ConditionExpression") prefixes AWS's "Invalid <kind>: ". */
  name(placeholder: string, kind?: string): string {
    const n = this.names?.[placeholder];
    if (n === undefined) throw invalid(`${kind ? `Invalid ${kind}: ` : ""}An expression attribute name used in the document path is not defined; attribute name: ${placeholder}`);
    this.usedNames.add(placeholder);
    return n;
  }

  /** Resolves ":v" to its value, marking it used. */
  value(placeholder: string, kind?: string): AttributeValue {
    const v = this.values?.[placeholder];
    if (v === undefined) throw invalid(`${kind ? `Invalid ${kind}: ` : ""}An expression attribute value used in expression is not defined; attribute value: ${placeholder}`);
    this.usedValues.add(placeholder);
    return v;
  }

  /** Throws when a name or value was supplied but no expression of the request used it. */
  assertAllUsed(): void {
    if (this.names) {
      const unused = Object.keys(this.names).filter((k) => !this.usedNames.has(k));
      if (unused.length) throw invalid(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unused.join(", ")}}`);
    }
    if (this.values) {
      const unused = Object.keys(this.values).filter((k) => !this.usedValues.has(k));
      if (unused.length) throw invalid(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unused.join(", ")}}`);
    }
  }
}
