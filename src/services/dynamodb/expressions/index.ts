/** DynamoDB expression cores (in progress): attributes, document paths, tokenizer. */
export * from "./attributes.js";
export * from "./path.js";
export * from "./tokenizer.js";
