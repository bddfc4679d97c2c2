/** DynamoDB value cores: numbers, attribute values, sizes, ordering and key encoding. */
export * from "./number.js";
export * from "./attribute-value.js";
