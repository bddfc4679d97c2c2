/** Table tests of the export/import formats (Ion text as the DynamoDB developer guide shows it, CSV splitting). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { dynamoJsonLine, IonReader, ionDecimal, ionLine, parseDynamoJsonLine, splitCsv } from "./export-formats.js";

test("ionDecimal: DynamoDB numbers become Ion decimals, never Ion floats", () => {
  const cases: Array<[string, string]> = [
    ["103", "103."],
    ["-1.5", "-1.5"],
    ["1E+3", "1.d+3"],
    ["2.5e-7", "2.5d-7"],
    ["0", "0."],
  ];
  for (const [n, ion] of cases) assert.equal(ionDecimal(n), ion, n);
});

test("IonReader: reads the developer guide's export line and round-trips what ionLine writes", () => {
  const guide = '$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Dimensions:"8.5 x 11.0 x 1.5",ISBN:"333-3333333333",Id:103.,InPublication:false,PageCount:600.,Price:2000.,ProductCategory:"Book",Title:"Book 103 Title"}}';
  const [item] = new IonReader(guide).items();
  assert.deepEqual(item, {
    Authors: { SS: ["Author1", "Author2"] },
    Dimensions: { S: "8.5 x 11.0 x 1.5" },
    ISBN: { S: "333-3333333333" },
    Id: { N: "103" },
    InPublication: { BOOL: false },
    PageCount: { N: "600" },
    Price: { N: "2000" },
    ProductCategory: { S: "Book" },
    Title: { S: "Book 103 Title" },
  });
  const odd = { "with space": { S: "q\"uote\n" }, null: { NULL: true }, n: { NS: ["1.5E3"] }, b: { BS: [Buffer.from([0, 255])] }, l: { L: [{ M: { x: { N: "-2" } } }] } };
  assert.deepEqual(new IonReader(ionLine(odd)).items(), [{ ...odd, n: { NS: ["1.5E3"] } }]);
});

test("IonReader: malformed input throws (counted as an import error), deep nesting is bounded", () => {
  for (const bad of ["{Item:{a:}}", '{Item:{a:"x}}', "{Other:{}}", "{Item:{a:$dynamodb_XX::[]}}", `{Item:{a:${"[".repeat(100)}${"]".repeat(100)}}}`]) assert.throws(() => new IonReader(bad).items(), Error, bad);
});

test("dynamoJsonLine / parseDynamoJsonLine: binary as base64 both ways; non-values refused", () => {
  const item = { pk: { S: "a" }, b: { B: Buffer.from([1, 2, 3]) }, m: { M: { bs: { BS: [Buffer.from([9])] } } } };
  assert.equal(dynamoJsonLine(item), '{"Item":{"pk":{"S":"a"},"b":{"B":"AQID"},"m":{"M":{"bs":{"BS":["CQ=="]}}}}}\n');
  assert.deepEqual(parseDynamoJsonLine(dynamoJsonLine(item)), item);
  for (const bad of ['{"Item":{"a":{"S":1}}}', '{"Item":{"a":{"X":"1"}}}', '{"Item":{"a":{"S":"1","N":"2"}}}', '{"Nope":{}}', "[]"]) assert.throws(() => parseDynamoJsonLine(bad), Error, bad);
});

test("splitCsv: quotes hold delimiters and doubled quotes; an open quote asks for the next line", () => {
  const cases: Array<[string, string, string[] | undefined]> = [
    ["a,b,c", ",", ["a", "b", "c"]],
    ['"a,b",c', ",", ["a,b", "c"]],
    ['x|"say ""hi"""|', "|", ["x", 'say "hi"', ""]],
    ["a\tb\r", "\t", ["a", "b"]],
    ['"open', ",", undefined],
  ];
  for (const [line, d, want] of cases) assert.deepEqual(splitCsv(line, d), want, line);
});
