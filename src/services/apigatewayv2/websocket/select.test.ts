import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateSelection, selectRoute } from "./select.js";

// Cases from "Working with routes for WebSocket APIs in API Gateway" (route selection expressions) and
// "Selection expressions in WebSocket APIs": non-JSON or missing properties fall back to $default.
const routes = new Set(["$connect", "$disconnect", "$default", "sendmessage", "chat/join", "7"]);
const CASES: Array<[string, string, string | undefined, string]> = [
  ["$request.body.action", '{"action":"sendmessage"}', "sendmessage", "property names the route"],
  ["${request.body.action}", '{"action":"sendmessage","x":1}', "sendmessage", "braced form"],
  ["$request.body.action", '{"action":"nope"}', "$default", "no such route: $default"],
  ["$request.body.action", "hello there", "$default", "non-JSON body: $default"],
  ["$request.body.action", '{"other":1}', "$default", "missing property: $default"],
  ["$request.body.action", '{"action":{"a":1}}', "$default", "object value selects nothing"],
  ["$request.body.action", '{"action":"$connect"}', "$default", "$connect is never selected by a message"],
  ["$request.body.n", '{"n":7}', "7", "numbers compare as text"],
  ["${request.body.service}/${request.body.action}", '{"service":"chat","action":"join"}', "chat/join", "template of several parts"],
  ["$request.body.meta.kind", '{"meta":{"kind":"sendmessage"}}', "sendmessage", "nested property"],
];

for (const [expr, body, expected, why] of CASES) {
  test(`selectRoute: ${why} (${expr})`, () => assert.equal(selectRoute(expr, body, routes), expected));
}

test("selectRoute: without $default an unmatched message selects nothing", () => {
  assert.equal(selectRoute("$request.body.action", "{}", new Set(["sendmessage"])), undefined);
});

test("evaluateSelection: literal keys and \\$default", () => {
  assert.equal(evaluateSelection("\\$default", undefined), "$default");
  assert.equal(evaluateSelection("$default", {}), "$default");
});
