/**
 * Target input: InputTransformer templates, InputPath and JSONPath, table-driven. The event, the
 * InputPathsMap and the (template → output) rows come from the EventBridge user guide "Amazon EventBridge
 * input transformation" (Input transform examples and Predefined variables) unless marked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonPath, parseJsonPath, renderTemplate, targetPayload } from "./transform.js";

const EVENT = {
  version: "0",
  id: "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "123456789012",
  time: "2015-11-11T21:29:54Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
  detail: { "instance-id": "i-0123456789", state: "RUNNING" },
};
const PATHS = { timestamp: "$.time", instance: "$.detail.instance-id", state: "$.detail.state" };
const CTX = { ruleArn: "arn:aws:events:us-east-2:123456789012:rule/example", ruleName: "example", ingestionTime: Date.UTC(2015, 10, 11, 21, 29, 55) };

const CASES: Array<[string, string, string]> = [
  ["Simple string", '"instance <instance> is in <state>"', '"instance i-0123456789 is in RUNNING"'],
  ["String with escaped quotes", '"instance \\"<instance>\\" is in <state>"', '"instance \\"i-0123456789\\" is in RUNNING"'],
  ["Simple JSON", '{\n  "instance" : <instance>,\n  "state": <state>\n}', '{\n  "instance" : "i-0123456789",\n  "state": "RUNNING"\n}'],
  ["JSON with strings and variables", '{"instance" : <instance>, "state": "<state>", "instanceStatus": "instance \\"<instance>\\" is in <state>"}', '{"instance" : "i-0123456789", "state": "RUNNING", "instanceStatus": "instance \\"i-0123456789\\" is in RUNNING"}'],
  ["JSON with a mix of variables and static information", '{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}', '{"instance" : "i-0123456789", "state": [ 9, "RUNNING", true ], "Transformed" : "Yes"}'],
  ["Including reserved variables in JSON", '{"ruleArn" : <aws.events.rule-arn>, "ruleName" : <aws.events.rule-name>}', '{"ruleArn" : "arn:aws:events:us-east-2:123456789012:rule/example", "ruleName" : "example"}'],
  ["Including reserved variables in a string", '"<aws.events.rule-name> triggered"', '"example triggered"'],
  // Predefined variables: ingestion time (ISO 8601); a path missing from the event leaves nothing.
  ["ingestion time", '"<aws.events.event.ingestion-time>"', '"2015-11-11T21:29:55Z"'],
  ["missing path", '"[<nope>]"', '"[]"'],
  // Skyport: a `<` that is no placeholder stays as it is.
  ["not a placeholder", '"a < b and <unknown>"', '"a < b and <unknown>"'],
];

test("InputTransformer: AWS's template examples produce AWS's outputs", () => {
  for (const [name, template, output] of CASES) assert.equal(renderTemplate(template, { ...PATHS, nope: "$.detail.nope" }, EVENT, CTX), output, name);
});

test("InputTransformer: <aws.events.event> is the event without detail, <aws.events.event.json> the whole event", () => {
  const out = JSON.parse(renderTemplate('{"e": <aws.events.event>, "j": <aws.events.event.json>}', {}, EVENT, CTX));
  const { detail: _d, ...withoutDetail } = EVENT;
  assert.deepEqual(out.e, withoutDetail);
  assert.deepEqual(out.j, EVENT);
});

test("InputPath: JSONPath in dot notation with array indices; Input passes as is; no input passes the event", () => {
  assert.deepEqual(parseJsonPath("$.detail.instance-id"), ["detail", "instance-id"]);
  assert.deepEqual(parseJsonPath("$.resources[0]"), ["resources", 0]);
  assert.equal(parseJsonPath("detail"), undefined);
  assert.equal(jsonPath(EVENT, "$.resources[0]"), "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111");
  assert.equal(jsonPath(EVENT, "$.detail.__proto__"), undefined);
  assert.equal(targetPayload({ Id: "1", Arn: "a", InputPath: "$.detail" }, EVENT, CTX), JSON.stringify(EVENT.detail));
  assert.equal(targetPayload({ Id: "1", Arn: "a", Input: '{"fixed": 1}' }, EVENT, CTX), '{"fixed": 1}');
  assert.equal(targetPayload({ Id: "1", Arn: "a" }, EVENT, CTX), JSON.stringify(EVENT));
});
