/**
 * Mapping template cases; expected outputs follow the AWS doc "API Gateway mapping template and access
 * logging variable reference" ($input, $util, $context, $stageVariables) and its JSONPath examples.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonPath, renderRequestTemplate, renderResponseTemplate, renderTemplate, util, type TemplateScope } from "./vtl.js";

const body = JSON.stringify({ name: "apple", price: 3, tags: ["red", "fruit"], nested: { a: { b: "deep" } }, items: [{ id: 1 }, { id: 2 }] });
const scope: TemplateScope = {
  body,
  params: { path: { id: "42" }, querystring: { q: "hello world", who: "me", say: "a\"b'c\nd" }, header: { "Content-Type": "application/json", "X-Custom": "h1" } },
  context: { stage: "dev", requestId: "req-1", httpMethod: "POST", resourcePath: "/items/{id}", identity: { sourceIp: "127.0.0.1" } },
  stageVariables: { table: "items-dev" },
};

const CASES: Array<[string, string, string]> = [
  ["$input.body is the raw payload", "$input.body", body],
  ["$input.json('$') is the whole body as JSON", "$input.json('$')", body],
  ["$input.json of a field keeps JSON quoting", "$input.json('$.name')", '"apple"'],
  ["$input.json of a nested object", "$input.json('$.nested.a')", '{"b":"deep"}'],
  ["$input.json of an array element", "$input.json('$.tags[1]')", '"fruit"'],
  ["$input.json with wildcard", "$input.json('$.items[*].id')", "[1,2]"],
  ["$input.path returns the object itself", "$input.path('$.nested.a.b')", "deep"],
  ["$input.path of a number", "$input.path('$.price')", "3"],
  ["$input.path size of an array", "$input.path('$.tags').size()", "2"],
  ["$input.params(name) searches path, then query string, then header", "$input.params('id')/$input.params('q')/$input.params('X-Custom')", "42/hello world/h1"],
  ["$input.params header lookup is case-insensitive", "$input.params('x-custom')", "h1"],
  ["$input.params() maps by location", "$input.params().path.id $input.params().querystring.who", "42 me"],
  ["missing parameter renders empty", "[$input.params('nope')]", "[]"],
  ["$context variables", "$context.stage $context.requestId $context.httpMethod $context.resourcePath $context.identity.sourceIp", "dev req-1 POST /items/{id} 127.0.0.1"],
  ["$stageVariables", "$stageVariables.table", "items-dev"],
  ["$util.escapeJavaScript escapes quotes and newlines", "$util.escapeJavaScript($input.params('say'))", "a\\\"b\\'c\\nd"],
  ["$util.urlEncode", "$util.urlEncode('a b&c')", "a+b%26c"],
  ["$util.urlDecode", "$util.urlDecode('a+b%26c')", "a b&c"],
  ["$util.base64Encode", "$util.base64Encode('hello')", "aGVsbG8="],
  ["$util.base64Decode", "$util.base64Decode('aGVsbG8=')", "hello"],
  ["$util.parseJson gives an object", "#set($o = $util.parseJson($input.json('$.nested')))$o.a.b", "deep"],
  ["#foreach over a JSON array", "#foreach($t in $input.path('$.tags'))$t#if($foreach.hasNext),#end#end", "red,fruit"],
  ["#if on a parameter", "#if($input.params('who') == 'me')yes#{else}no#end", "yes"],
  ["a DynamoDB PutItem body from a template", '{"TableName":"$stageVariables.table","Item":{"id":{"S":"$input.params(\'id\')"},"name":{"S":$input.json(\'$.name\')}}}', '{"TableName":"items-dev","Item":{"id":{"S":"42"},"name":{"S":"apple"}}}'],
];

for (const [name, template, expected] of CASES) {
  test(`renderTemplate: ${name}`, () => {
    assert.equal(renderTemplate(template, scope), expected);
  });
}

test("jsonPath: root, members, indexes, wildcards, missing", () => {
  const o = JSON.parse(body);
  assert.deepEqual(jsonPath(o, "$"), o);
  assert.equal(jsonPath(o, "$['name']"), "apple");
  assert.deepEqual(jsonPath(o, "$.items[*].id"), [1, 2]);
  assert.equal(jsonPath(o, "$.missing.deeper"), undefined);
});

test("util.escapeJavaScript: backslashes and tabs", () => {
  assert.equal(util.escapeJavaScript("a\\b\tc"), "a\\\\b\\tc");
});

test("renderResponseTemplate: $context.responseOverride sets the status and headers; the body still renders", () => {
  const t = '#set($context.responseOverride.status = 404)#set($context.responseOverride.header.X-Reason = "gone")#set($context.responseOverride.header.Location = "/x/$input.params(\'id\')"){"id":"$input.params(\'id\')"}';
  const r = renderResponseTemplate(t, scope);
  assert.equal(r.body, '{"id":"42"}');
  assert.equal(r.override.status, 404);
  assert.deepEqual(r.override.header, { "X-Reason": "gone", Location: "/x/42" });
});

test("renderResponseTemplate: no override leaves status undefined and the shared context untouched", () => {
  const r = renderResponseTemplate("$context.stage", scope);
  assert.equal(r.body, "dev");
  assert.equal(r.override.status, undefined);
  assert.deepEqual(r.override.header, {});
  assert.equal("responseOverride" in scope.context, false);
});

test("renderRequestTemplate: $context.requestOverride collects header, querystring and path overrides", () => {
  const t = '#set($context.requestOverride.header.X-Who = $input.params(\'who\'))#set($context.requestOverride.querystring.limit = "10")#set($context.requestOverride.path.id = "7"){}';
  const r = renderRequestTemplate(t, scope);
  assert.equal(r.body, "{}");
  assert.deepEqual(r.override, { header: { "X-Who": "me" }, querystring: { limit: "10" }, path: { id: "7" } });
});

// The "pass through all parameters" template from the AWS mapping template reference.
const ALL_PARAMS = `#set($allParams = $input.params())
{
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
}
}`;

test("renderTemplate: the documented all-parameters template yields valid JSON by location", () => {
  // No apostrophes here: escapeJavaScript turns ' into \' which is not valid JSON (as on AWS).
  const s: TemplateScope = { ...scope, params: { ...scope.params, querystring: { q: 'x"y', who: "me" } } };
  const out = JSON.parse(renderTemplate(ALL_PARAMS, s)) as { params: Record<string, Record<string, string>> };
  assert.deepEqual(out.params.path, { id: "42" });
  assert.deepEqual(out.params.querystring, { q: 'x"y', who: "me" });
  assert.deepEqual(out.params.header, scope.params.header);
});

test("renderTemplate: keySet()/get() over an object from $input.path('$') and header get()", () => {
  const s: TemplateScope = { ...scope, body: '{"things":{"a1":{"n":1},"b2":{"n":2}}}' };
  const t = "#set($root = $input.path('$'))[#foreach($k in $root.things.keySet()){\"id\":\"$k\",\"n\":$root.things.get($k).n}#if($foreach.hasNext),#end#end]";
  assert.deepEqual(JSON.parse(renderTemplate(t, s)), [{ id: "a1", n: 1 }, { id: "b2", n: 2 }]);
  assert.equal(renderTemplate("$input.params().header.get('X-Custom') $input.path('$.things').size()", s), "h1 2");
});

// $context.responseOverride wherever the template sets it (AWS: "Override your API's request and response
// parameters and status codes"): top level, inside #if/#foreach/macros, through Map.put, as a string.
const OVERRIDES: Array<[string, string, number | undefined, Record<string, string>]> = [
  ["inside #if", "#if($input.params('id') == '42')#set($context.responseOverride.status = 201)#end", 201, {}],
  ["inside #foreach", "#foreach($x in [1, 2])#set($context.responseOverride.status = 400 + $x)#end", 402, {}],
  ["inside a macro", "#macro(fail $code)#set($context.responseOverride.status = $code)#end#fail(503)", 503, {}],
  ["through Map.put", "#set($ok = $context.responseOverride.put('status', '418'))$context.responseOverride.header.put('X-A', 'b')", 418, { "X-A": "b" }],
  ["not a number", "#set($context.responseOverride.status = 'soon')", undefined, {}],
];
for (const [name, t, status, header] of OVERRIDES) {
  test(`renderResponseTemplate: responseOverride ${name}`, () => {
    const r = renderResponseTemplate(t, scope);
    assert.equal(r.override.status, status);
    assert.deepEqual(r.override.header, header);
  });
}
