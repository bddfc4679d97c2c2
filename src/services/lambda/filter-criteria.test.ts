import assert from "node:assert/strict";
import { test } from "node:test";
import { matches, matchesAny, parseFilters, type Pattern } from "./filter-criteria.js";

// The comparison operators table of the Lambda developer guide ("Control which events Lambda sends to your
// function"): each operator with a record it matches and one it does not.
const OPERATORS: Array<[string, Pattern, object, object]> = [
  ["Null", { UserID: [null] }, { UserID: null }, { UserID: "u1" }],
  ["Empty", { LastName: [""] }, { LastName: "" }, { LastName: "Doe" }],
  ["Equals", { Name: ["Alice"] }, { Name: "Alice" }, { Name: "alice" }],
  ["Equals (ignore case)", { Name: [{ "equals-ignore-case": "alice" }] }, { Name: "ALICE" }, { Name: "Bob" }],
  ["And", { Location: ["New York"], Day: ["Monday"] }, { Location: "New York", Day: "Monday" }, { Location: "New York", Day: "Tuesday" }],
  ["Or", { PaymentType: ["Credit", "Debit"] }, { PaymentType: "Debit" }, { PaymentType: "Cash" }],
  ["Or (multiple fields)", { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] }, { Location: "Boston", Day: "Monday" }, { Location: "Boston", Day: "Friday" }],
  ["Not", { Weather: [{ "anything-but": ["Raining"] }] }, { Weather: "Sunny" }, { Weather: "Raining" }],
  ["Numeric (equals)", { Price: [{ numeric: ["=", 100] }] }, { Price: 100 }, { Price: 101 }],
  ["Numeric (range)", { Price: [{ numeric: [">", 10, "<=", 20] }] }, { Price: 20 }, { Price: 10 }],
  ["Exists", { ProductName: [{ exists: true }] }, { ProductName: "P" }, { Other: 1 }],
  ["Does not exist", { ProductName: [{ exists: false }] }, { Other: 1 }, { ProductName: "P" }],
  ["Begins with", { Region: [{ prefix: "us-" }] }, { Region: "us-east-1" }, { Region: "eu-west-1" }],
  ["Ends with", { FileName: [{ suffix: ".png" }] }, { FileName: "a.png" }, { FileName: "a.jpg" }],
  // EventBridge's forms that Lambda accepts too.
  ["prefix ignoring case", { Region: [{ prefix: { "equals-ignore-case": "US-" } }] }, { Region: "us-west-2" }, { Region: "eu-west-1" }],
  ["suffix ignoring case", { FileName: [{ suffix: { "equals-ignore-case": ".PNG" } }] }, { FileName: "a.png" }, { FileName: "a.gif" }],
  ["anything-but a prefix", { Region: [{ "anything-but": { prefix: "us-" } }] }, { Region: "eu-west-1" }, { Region: "us-east-1" }],
  ["anything-but a suffix", { FileName: [{ "anything-but": { suffix: ".png" } }] }, { FileName: "a.gif" }, { FileName: "a.png" }],
  ["anything-but ignoring case", { Weather: [{ "anything-but": { "equals-ignore-case": ["raining", "snowing"] } }] }, { Weather: "Sunny" }, { Weather: "RAINING" }],
  ["anything-but a single value", { Weather: [{ "anything-but": "Raining" }] }, { Weather: "Dry" }, { Weather: "Raining" }],
  ["anything-but needs the field", { Weather: [{ "anything-but": ["Raining"] }] }, { Weather: "Dry" }, { Other: "x" }],
  ["numeric range with the upper bound open", { Price: [{ numeric: [">=", 0, "<", 5] }] }, { Price: 0 }, { Price: 5 }],
  ["numeric on a non-number", { Price: [{ numeric: [">", 0] }] }, { Price: 1.5 }, { Price: "cheap" }],
  ["an array value matches when any element matches", { Tags: ["red"] }, { Tags: ["blue", "red"] }, { Tags: ["blue"] }],
];

for (const [name, pattern, yes, no] of OPERATORS) {
  test(`matches: ${name}`, () => {
    assert.equal(matches(pattern, yes), true, `should match ${JSON.stringify(yes)}`);
    assert.equal(matches(pattern, no), false, `should not match ${JSON.stringify(no)}`);
  });
}

// "Using event filtering with a DynamoDB event source": the record shape, DynamoDB JSON under `dynamodb`.
const record = { eventName: "INSERT", dynamodb: { ApproximateCreationDateTime: 1678831218, Keys: { CustomerName: { S: "AnyCompany Industries" } }, NewImage: { AccountManager: { S: "Pat Candella" }, PaymentTerms: { S: "60 days" }, CustomerName: { S: "AnyCompany Industries" }, Quantity: { N: "3" } } } };
const DYNAMODB: Array<[string, Pattern, boolean]> = [
  ["table key", { dynamodb: { Keys: { CustomerName: { S: ["AnyCompany Industries"] } } } }, true],
  ["table attribute", { dynamodb: { NewImage: { AccountManager: { S: ["Pat Candella"] } } } }, true],
  ["boolean expression (and)", { dynamodb: { NewImage: { AccountManager: { S: ["Pat Candella"] }, PaymentTerms: { S: ["60 days"] } } } }, true],
  ["exists on the typed value", { dynamodb: { NewImage: { AccountManager: { S: [{ exists: true }] } } } }, true],
  // The guide's warning: exists on the attribute name (an object) never matches; it has no leaf value there.
  ["exists on the attribute name itself", { dynamodb: { NewImage: { AccountManager: [{ exists: true }] } } }, false],
  ["exists false on a missing attribute", { dynamodb: { NewImage: { Discount: { N: [{ exists: false }] } } } }, true],
  ["exists false on a present attribute", { dynamodb: { NewImage: { Quantity: { N: [{ exists: false }] } } } }, false],
  ["numeric range on a DynamoDB number", { dynamodb: { NewImage: { Quantity: { N: [{ numeric: [">", 0, "<=", 5] }] } } } }, true],
  ["numeric range missed", { dynamodb: { NewImage: { Quantity: { N: [{ numeric: [">", 5] }] } } } }, false],
  ["event name", { eventName: ["INSERT", "MODIFY"] }, true],
];
for (const [name, pattern, expected] of DYNAMODB) {
  test(`matches (DynamoDB record): ${name}`, () => assert.equal(matches(pattern, record), expected));
}

test("matchesAny: no filters lets everything through; any filter may match", () => {
  assert.equal(matchesAny([], record), true);
  assert.equal(matchesAny([{ eventName: ["REMOVE"] }, { eventName: ["INSERT"] }], record), true);
  assert.equal(matchesAny([{ eventName: ["REMOVE"] }], record), false);
});

const BAD: Array<[string, string]> = [
  ["not JSON", "{"],
  ["not an object", "[1]"],
  ["a bare value instead of a list", '{"a": "x"}'],
  ["an empty list", '{"a": []}'],
  ["an unknown operator", '{"a": [{"regex": "x"}]}'],
  ["numeric with a string bound", '{"a": [{"numeric": [">", "1"]}]}'],
  ["numeric with an unknown comparison", '{"a": [{"numeric": ["!=", 1]}]}'],
  ["numeric range with two lower bounds", '{"a": [{"numeric": [">", 1, ">=", 2]}]}'],
  ["exists with a string", '{"a": [{"exists": "true"}]}'],
  ["$or with one alternative", '{"$or": [{"a": ["x"]}]}'],
];
for (const [name, pattern] of BAD) {
  test(`parseFilters: ${name} is InvalidParameterValueException`, () => {
    assert.throws(() => parseFilters([{ Pattern: pattern }]), { code: "InvalidParameterValueException", message: /^Invalid filter pattern definition\./ });
  });
}

test("parseFilters: at most 5 filters, patterns up to 4 KB", () => {
  assert.equal(parseFilters([{ Pattern: '{"a": ["x"]}' }]).length, 1);
  assert.throws(() => parseFilters(Array.from({ length: 6 }, () => ({ Pattern: '{"a": ["x"]}' }))), { code: "InvalidParameterValueException" });
  assert.throws(() => parseFilters([{ Pattern: `{"a": ["${"x".repeat(5000)}"]}` }]), { code: "InvalidParameterValueException" });
});
