/**
 * The one place the provider imports the DynamoDB cores from: values/ (numbers, attribute values, key
 * encoding, sizes), expressions/ (the expression engine) and partiql/.
 */
export { attributeValuesEqual, compareAttributeValues, encodeKeyValue, itemSize, normalizeNumber, validateAttributeValue } from "../values/index.js";
export {
  applyUpdate,
  attributesToGetToPaths,
  attributeUpdatesToActions,
  conditionAttributeNames,
  evaluateCondition,
  expectedToCondition,
  ExpressionAttributes,
  filterMapToCondition,
  keyConditionsToKeyCondition,
  parseCondition,
  parseKeyCondition,
  parseProjection,
  parseUpdate,
  project,
  type ConditionNode,
  type Path,
  type UpdateAction,
} from "../expressions/index.js";
export { parsePartiql } from "../partiql/parser.js";
