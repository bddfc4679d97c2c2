/**
 * The DynamoDB expression engine: one tokenizer, one parser, one checker, one evaluator. Everything the
 * provider needs from it is exported here.
 */
export * from "./ast.js";
export * from "./attributes.js";
export * from "./path.js";
export * from "./tokenizer.js";
export { parseCondition, parseKeyCondition, parseProjection, parseUpdate, MAX_EXPRESSION_BYTES } from "./parse.js";
export { evaluateCondition, project, resolveOperand } from "./evaluate.js";
export { applyUpdate } from "./update.js";
export * from "./legacy.js";
