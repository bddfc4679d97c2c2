/**
 * Mapping templates cannot reach JavaScript: the gadget chains that worked against velocityjs (issue 8,
 * item 2) resolve to nothing, and templates that would loop or grow without end fail with VtlError
 * (the request path turns it into AWS's 500 "Internal server error"). Java's String/List/Map methods
 * that AWS's Velocity offers keep working (expected values from the Java SE documentation).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { renderTemplate, VtlError, type TemplateScope } from "./vtl.js";

const scope: TemplateScope = {
  body: '{"a":{"b":"x"},"list":[1,2,3],"constructor":"c","_id":"u1"}',
  params: { path: { id: "42" }, querystring: {}, header: { "X-H": "h" } },
  context: { stage: "dev", requestId: "r1", identity: { sourceIp: "127.0.0.1" } },
  stageVariables: { v: "1" },
};
const render = (t: string) => renderTemplate(t, scope);

const dir = mkdtempSync(join(tmpdir(), "vtl-"));
const marker = join(dir, "MARK");
const payload = `return process.getBuiltinModule('child_process').execSync('touch ${marker}; id').toString()`;

// Each gadget must render without running anything: the result never contains "uid=" or a function's source.
const GADGETS: Array<[string, string]> = [
  ["the acceptance chain: __lookupGetter__ → Function", `#set($g = $context.__lookupGetter__("__proto__"))#set($fp = $g.call($util.parseJson))#set($F = $fp.constructor)$F.call($null, "${payload}").call()`],
  ["$context.constructor.constructor", `#set($F = $context.constructor.constructor)$F("${payload}")$F.call($null, "${payload}").call()`],
  ["$util.parseJson.constructor", `#set($F = $util.parseJson.constructor)$F.call($null, "${payload}").call()`],
  ["$util.parseJson.call", `$util.parseJson.call($null, "{}")$util.parseJson.apply($null, [])`],
  ['"".getClass()', `#set($s = "")$s.getClass().forName("java.lang.Runtime")$s.constructor.constructor("${payload}")`],
  ["$input.json('$').constructor", `$input.json('$').constructor.constructor("${payload}")$input.json('$').class`],
  ["$x.__proto__", `#set($x = {})$x.__proto__.constructor.constructor("${payload}")$x["__proto__"]`],
  ["#set($a = {})$a.constructor", `#set($a = {})#set($F = $a.constructor)$F.constructor("${payload}")$a.get("constructor")$a.toString.constructor("${payload}")`],
  ["toString/valueOf tricks", `$context.toString.call($context)$context.valueOf().constructor("${payload}")$util.toString.constructor("${payload}")`],
  ["a list's methods", `#set($l = [1])$l.map.constructor("${payload}")$l.push.call($l, 2)$l.constructor.from([1])`],
  ["a string's JavaScript methods", `#set($s = "abc")$s.at(0)$s.constructor.fromCharCode(65)$s.codePointAt(0)`],
  ["indexing into prototypes", `$context["constructor"]["constructor"]("${payload}")$context['__proto__']`],
  ["#set through a prototype path", `#set($context.__proto__.polluted = 1)#set($x = {})#set($x.constructor.prototype.polluted = 1)$x.polluted`],
  ["$input.path reaching a prototype", `$input.path('$.constructor').constructor("${payload}")$input.path('$.a').constructor`],
  ["host objects expose no internals", `$input.methods.json $util.methods $input.props.body.constructor`],
  ["macro and eval", `#eval("${payload}")#evaluate("${payload}")#define($d)$context.constructor#end$d.call()`],
];

for (const [name, template] of GADGETS) {
  test(`renderTemplate: gadget "${name}" runs nothing`, () => {
    let out = "";
    try {
      out = render(template);
    } catch (e) {
      assert.ok(e instanceof VtlError, `only VtlError may escape, got ${String(e)}`);
    }
    assert.equal(existsSync(marker), false, "the command ran");
    assert.doesNotMatch(out, /uid=|\[native code\]|function /);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype was polluted");
  });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

// Templates that must fail fast (the budget), never hang the event loop or grow memory without bound.
const EXHAUSTING: Array<[string, string]> = [
  ["string doubling", '#set($s = "xxxxxxxxxxxxxxxx")#foreach($i in [1..64])#set($s = "$s$s")#end$s.length()'],
  ["concatenation doubling", '#set($s = "xxxxxxxxxxxxxxxx")#foreach($i in [1..64])#set($s = $s + $s)#end'],
  ["nested loops past the step budget", "#foreach($a in [1..1000])#foreach($b in [1..1000])#set($x = $a)#end#end"],
  ["list doubling", "#set($l = [1,2])#foreach($i in [1..64])#set($ok = $l.addAll($l))#end$l.size()"],
  ["replace growth", '#set($s = "aaaaaaaaaaaaaaaa")#foreach($i in [1..64])#set($s = $s.replace("a", "aa"))#end'],
  ["recursive macro", "#macro(r $n)#r($n)#end#r(1)"],
  ["huge range as a value", "#set($r = [1..100000000])$r.size()"],
  ["catastrophic regex is linear, huge output is not", '#set($s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")#foreach($i in [1..30])#set($s = $s.replaceAll("(a*)*", "$1$1"))#end'],
  ["backreference patterns are refused", '$input.body.matches("(a)\\1")'],
  ["syntax error", "#if($x"],
];

for (const [name, template] of EXHAUSTING) {
  test(`renderTemplate: ${name} fails with VtlError`, () => {
    assert.throws(() => render(template), VtlError);
  });
}

test("renderTemplate: #foreach over a huge range stops at AWS's 1,000 iterations without building the range", () => {
  assert.equal(render("#foreach($i in [1..100000000])#set($last = $i)#end$last"), "1000");
  assert.equal(render("#foreach($i in [5..1])$i#end"), "54321");
});

test("renderTemplate: a ReDoS pattern runs in linear time on RE2", () => {
  const t = `#set($s = "${"a".repeat(5000)}")$s.matches("(a+)+b") $s.replaceAll("a*a*a*a*a*a*a*b", "x").length()`;
  assert.equal(render(t), "false 5000");
});

// Java's String/List/Map methods (Java SE API documentation) and AWS's documented variables.
const JAVA: Array<[string, string, string]> = [
  ["String.length/substring/indexOf/lastIndexOf", '#set($s = "hello world")$s.length() $s.substring(6) $s.substring(0,5) $s.indexOf("o") $s.lastIndexOf("o") $s.indexOf("o", 5)', "11 world hello 4 7 7"],
  ["String.contains/startsWith/endsWith/equals/isEmpty/charAt", '#set($s = "hello")$s.contains("ell") $s.startsWith("he") $s.endsWith("lo") $s.equals("hello") $s.isEmpty() $s.charAt(1)', "true true true true false e"],
  ["String case and trim", '#set($s = "  MiXed ")[$s.trim()] $s.toLowerCase().trim() $s.toUpperCase().trim()', "[MiXed] mixed MIXED"],
  ["String.replace is literal", '#set($s = "a.b.c")$s.replace(".", "-") $s.replace("", "|")', "a-b-c |a|.|b|.|c|"],
  ["String.replaceAll is a regex with Java's $n groups", '#set($s = "2024-01-31")$s.replaceAll("(\\d+)-(\\d+)-(\\d+)", "$3/$2/$1") $s.replaceAll("-", "")', "31/01/2024 20240131"],
  ["String.matches is whole-input", '#set($s = "abc123")$s.matches("[a-z]+\\d+") $s.matches("[a-z]+")', "true false"],
  ["String.split drops trailing empty strings", '#set($s = "a,b,,c,,")#set($p = $s.split(","))$p.size() $p.get(3)', "4 c"],
  ["substring out of range is null (prints empty)", '#set($s = "abc")[$!s.substring(5)]', "[]"],
  ["List methods", "#set($l = [3, 1])#set($ok = $l.add(2))$l $l.size() $l.get(0) $l.contains(2) $l.indexOf(1) $l.isEmpty() $l.subList(1, 3) $l.set(0, 9) $l", "[3, 1, 2] 3 3 true 1 false [1, 2] 3 [9, 1, 2]"],
  ["List.remove by index and by value, addAll", "#set($l = [1, 2, 3])#set($x = $l.remove(0))#set($y = $l.remove('3'))$x $l #set($ok = $l.addAll([7, 8]))$l", "1 [2, 3] [2, 3, 7, 8]"],
  ["Map methods", '#set($m = {"a": 1})#set($x = $m.put("b", 2))$m.get("a") $m.containsKey("b") $m.keySet() $m.values() $m.size() $m.isEmpty() $m', "1 true [a, b] [1, 2] 2 false {a=1, b=2}"],
  ["Map.entrySet/putAll/remove", '#set($m = {"a": 1})#set($x = $m.putAll({"b": 2}))#foreach($e in $m.entrySet())$e.key=$e.value;#end #set($y = $m.remove("a"))$m', "a=1;b=2; {b=2}"],
  ["a #set map value read back", '#set($m = {"k": "v"})#set($m.k2 = "v2")$m.k $m.k2 $m["k"]', "v v2 v"],
  ["references to nothing print empty", "[$stageVariables.missing][$context.nope.deeper][$undefinedVar][$input.path('$.nope')]", "[][][][]"],
  ["own data keys starting with _ and named like prototypes are data", "#set($o = $input.path('$'))$o._id $input.path('$._id') $input.json('$.constructor')", 'u1 u1 "c"'],
  ["$foreach and $velocityCount", "#foreach($x in $input.path('$.list'))$foreach.index:$foreach.count:$velocityCount:$foreach.hasNext #end", "0:1:1:true 1:2:2:true 2:3:3:false "],
  ["#break leaves the loop", "#foreach($x in [1..10])$x#if($x == 3)#break#end#end", "123"],
  ["arithmetic as Velocity: integer division", "#set($a = 7)#set($b = 2)$a / $b = #set($c = $a / $b)$c, #set($d = $a % $b)$d, #set($e = $a * $b - 1)$e", "7 / 2 = 3, 1, 13"],
  ["#if/#elseif/#else and logic", "#set($n = 5)#if($n > 10)big#elseif($n > 3 && !($n == 4))mid#{else}small#end", "mid"],
  ["macros with arguments", "#macro(greet $who)Hello $who!#end#greet('you') #greet($stageVariables.v)", "Hello you! Hello 1!"],
  ["interpolated strings", '#set($name = "x")#set($s = "id-${name}-${stageVariables.v}")$s', "id-x-1"],
];

for (const [name, template, expected] of JAVA) {
  test(`renderTemplate: ${name}`, () => {
    assert.equal(render(template), expected);
  });
}

test("parseVelocity: the in-place patch applies and gives velocityjs's own AST; long templates parse in linear time", async () => {
  const { parseVelocity, parserPatched } = await import("./vtl-parser.js");
  const Velocity = (await import("velocityjs")).default;
  assert.equal(parserPatched, true);
  const unit = "{\"a\": \"$input.params('id')\", #if($x == 1) y #elseif($z) q #end #foreach($i in [1, 2, 3])$i#end}\n";
  const t = "#set($x = 1)" + unit.repeat(50) + "#macro(m $a $b)$a$b#end#m(1, 2) $a.b($c, $d)[0]";
  assert.deepEqual(parseVelocity(t), Velocity.parse(t));
  // 2,000 statements per KB: the unpatched parser copies the statement list once per statement.
  assert.equal(render("#set($n = 0)" + "#set($n = $n + 1)".repeat(8000) + "$n"), "8000");
});

test("renderTemplate: a template over 256 KB fails with VtlError before it is parsed", () => {
  assert.throws(() => render("x".repeat(256 * 1024 + 1)), VtlError);
});
