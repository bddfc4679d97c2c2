/**
 * The event pattern language, table-driven. Cases come from the EventBridge user guide pages "Content
 * filtering in Amazon EventBridge event patterns" (content), "Comparison operators for use in event
 * patterns" (operators), "Creating event patterns" (patterns: null/empty values, arrays) and the reasons of
 * EventBridge's engine (aws/event-ruler JsonRuleCompiler, WildcardParser) for invalid patterns, unless marked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ServiceError } from "../../../aws/errors.js";
import { compilePattern } from "./compile.js";
import { matchesPattern } from "./match.js";
import { kmpIndexOf, matchWildcard, parseWildcard } from "./wildcard.js";

const ec2 = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail,
  ...extra,
});

const d = (detail: Record<string, unknown>) => ({ detail });

const CASES: Array<{ src: string; pattern: unknown; event: unknown; match: boolean }> = [
  // patterns: exact values, arrays as OR, nested objects
  { src: "patterns", pattern: { source: ["aws.ec2"] }, event: ec2({}), match: true },
  { src: "patterns", pattern: { source: ["aws.ec2", "aws.fargate"] }, event: ec2({}), match: true },
  { src: "patterns", pattern: { source: ["aws.s3"] }, event: ec2({}), match: false },
  { src: "patterns", pattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], detail: { state: ["running"] } }, event: ec2({ "instance-id": "i-1", state: "running" }), match: true },
  { src: "patterns", pattern: { detail: { state: ["stopped"] } }, event: ec2({ state: "running" }), match: false },
  { src: "patterns (case sensitive)", pattern: { source: ["AWS.EC2"] }, event: ec2({}), match: false },
  { src: "patterns (field absent)", pattern: { detail: { state: ["running"] } }, event: ec2({}), match: false },
  // patterns: arrays in the event — matches when the pattern and the event arrays intersect
  { src: "patterns: arrays", pattern: { resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f", "arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"] }, event: ec2({}), match: true },
  { src: "patterns: arrays", pattern: { resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"] }, event: ec2({}), match: false },
  { src: "patterns: arrays of objects", pattern: { detail: { items: { name: ["b"] } } }, event: d({ items: [{ name: "a" }, { name: "b" }] }), match: true },
  { src: "event-ruler: array consistency", pattern: { detail: { items: { name: ["a"], size: [2] } } }, event: d({ items: [{ name: "a", size: 1 }, { name: "b", size: 2 }] }), match: false },
  { src: "event-ruler: array consistency", pattern: { detail: { items: { name: ["b"], size: [2] } } }, event: d({ items: [{ name: "a", size: 1 }, { name: "b", size: 2 }] }), match: true },
  // patterns: null and empty string
  { src: "patterns: null", pattern: { detail: { responseElements: [null] } }, event: d({ responseElements: null }), match: true },
  { src: "patterns: null", pattern: { detail: { responseElements: [null] } }, event: d({}), match: false },
  { src: "patterns: null", pattern: { detail: { responseElements: [null] } }, event: d({ responseElements: "x" }), match: false },
  { src: "patterns: empty", pattern: { detail: { eventVersion: [""] } }, event: d({ eventVersion: "" }), match: true },
  { src: "patterns: empty", pattern: { detail: { eventVersion: [""] } }, event: d({ eventVersion: null }), match: false },
  { src: "patterns: booleans", pattern: { detail: { ok: [true] } }, event: d({ ok: true }), match: true },
  { src: "patterns: booleans", pattern: { detail: { ok: [true] } }, event: d({ ok: "true" }), match: false },
  // exact numbers match numerically, strings do not match numbers
  { src: "content: numeric equality", pattern: { detail: { "x-limit": [301.8] } }, event: d({ "x-limit": 301.8 }), match: true },
  { src: "event-ruler: number forms", pattern: { detail: { n: [300] } }, event: JSON.parse('{"detail":{"n":3.0e2}}'), match: true },
  { src: "event-ruler: number vs string", pattern: { detail: { n: ["5"] } }, event: d({ n: 5 }), match: false },
  // prefix, suffix, with equals-ignore-case
  { src: "content: prefix", pattern: { time: [{ prefix: "2017-10-02" }] }, event: { time: "2017-10-02T18:43:48Z" }, match: true },
  { src: "content: prefix", pattern: { time: [{ prefix: "2017-10-02" }] }, event: { time: "2017-10-03T18:43:48Z" }, match: false },
  { src: "content: prefix ignore case", pattern: { detail: { service: [{ prefix: { "equals-ignore-case": "EventB" } }] } }, event: d({ service: "eventbridge" }), match: true },
  { src: "content: prefix ignore case", pattern: { detail: { service: [{ prefix: { "equals-ignore-case": "EventB" } }] } }, event: d({ service: "EVENTBRIDGE" }), match: true },
  { src: "content: prefix ignore case", pattern: { detail: { service: [{ prefix: { "equals-ignore-case": "EventB" } }] } }, event: d({ service: "Lambda" }), match: false },
  { src: "content: suffix", pattern: { FileName: [{ suffix: ".png" }] }, event: { FileName: "image.png" }, match: true },
  { src: "content: suffix", pattern: { FileName: [{ suffix: ".png" }] }, event: { FileName: "image.PNG" }, match: false },
  { src: "content: suffix ignore case", pattern: { detail: { FileName: [{ suffix: { "equals-ignore-case": ".png" } }] } }, event: d({ FileName: "image.PNG" }), match: true },
  { src: "content: prefix on number", pattern: { detail: { n: [{ prefix: "1" }] } }, event: d({ n: 12 }), match: false },
  // anything-but
  { src: "content: anything-but", pattern: { detail: { state: [{ "anything-but": "initializing" }] } }, event: d({ state: "running" }), match: true },
  { src: "content: anything-but", pattern: { detail: { state: [{ "anything-but": "initializing" }] } }, event: d({ state: "initializing" }), match: false },
  { src: "content: anything-but (field absent)", pattern: { detail: { state: [{ "anything-but": "initializing" }] } }, event: d({}), match: false },
  { src: "content: anything-but number", pattern: { detail: { "x-limit": [{ "anything-but": 123 }] } }, event: d({ "x-limit": 456 }), match: true },
  { src: "content: anything-but number", pattern: { detail: { "x-limit": [{ "anything-but": 123 }] } }, event: d({ "x-limit": 123 }), match: false },
  { src: "content: anything-but list", pattern: { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } }, event: d({ state: "running" }), match: true },
  { src: "content: anything-but list", pattern: { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } }, event: d({ state: "overloaded" }), match: false },
  { src: "content: anything-but number list", pattern: { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } }, event: d({ "x-limit": 200 }), match: false },
  { src: "content: anything-but number list", pattern: { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } }, event: d({ "x-limit": 250 }), match: true },
  { src: "content: anything-but prefix", pattern: { detail: { state: [{ "anything-but": { prefix: "init" } }] } }, event: d({ state: "initializing" }), match: false },
  { src: "content: anything-but prefix", pattern: { detail: { state: [{ "anything-but": { prefix: "init" } }] } }, event: d({ state: "running" }), match: true },
  { src: "operators: anything-but prefix", pattern: { Region: [{ "anything-but": { prefix: "us-" } }] }, event: { Region: "eu-west-1" }, match: true },
  { src: "content: anything-but suffix", pattern: { detail: { FileName: [{ "anything-but": { suffix: ".txt" } }] } }, event: d({ FileName: "notes.txt" }), match: false },
  { src: "content: anything-but suffix", pattern: { detail: { FileName: [{ "anything-but": { suffix: ".txt" } }] } }, event: d({ FileName: "image.png" }), match: true },
  { src: "content: anything-but ignore case", pattern: { detail: { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] } }, event: d({ state: "INITIALIZING" }), match: false },
  { src: "content: anything-but ignore case", pattern: { detail: { state: [{ "anything-but": { "equals-ignore-case": ["initializing", "stopped"] } }] } }, event: d({ state: "Stopped" }), match: false },
  { src: "content: anything-but ignore case", pattern: { detail: { state: [{ "anything-but": { "equals-ignore-case": ["initializing", "stopped"] } }] } }, event: d({ state: "running" }), match: true },
  { src: "content: anything-but wildcard", pattern: { detail: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] } }, event: d({ FilePath: "/usr/lib/x.so" }), match: false },
  { src: "content: anything-but wildcard", pattern: { detail: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] } }, event: d({ FilePath: "/usr/bin/x" }), match: true },
  { src: "content: anything-but wildcard list", pattern: { detail: { FilePath: [{ "anything-but": { wildcard: ["*/lib/*", "*/bin/*"] } }] } }, event: d({ FilePath: "/usr/bin/x" }), match: false },
  { src: "content: anything-but wildcard list", pattern: { detail: { FilePath: [{ "anything-but": { wildcard: ["*/lib/*", "*/bin/*"] } }] } }, event: d({ FilePath: "/etc/x" }), match: true },
  // numeric
  ...[
    [5, 7, 301.8, true],
    [0, 7, 301.8, false],
    [6, 7, 301.8, false],
    [5, 10, 301.8, false],
    [5, 7, 301.9, false],
  ].map(([c, dd, x, match]) => ({
    src: "content: numeric",
    pattern: { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }], "d-count": [{ numeric: ["<", 10] }], "x-limit": [{ numeric: ["=", 3.018e2] }] } },
    event: d({ "c-count": c, "d-count": dd, "x-limit": x }),
    match: match as boolean,
  })),
  { src: "content: numeric only on numbers", pattern: { detail: { n: [{ numeric: [">", 0] }] } }, event: d({ n: "5" }), match: false },
  { src: "content: numeric >=", pattern: { detail: { n: [{ numeric: [">=", 5] }] } }, event: d({ n: 5 }), match: true },
  { src: "content: numeric <", pattern: { detail: { n: [{ numeric: ["<", 5] }] } }, event: d({ n: 5 }), match: false },
  { src: "content: numeric range, array event", pattern: { detail: { n: [{ numeric: [">=", 10, "<", 20] }] } }, event: d({ n: [1, 15] }), match: true },
  // cidr
  { src: "content: IP address", pattern: { detail: { sourceIPAddress: [{ cidr: "10.0.0.0/24" }] } }, event: d({ sourceIPAddress: "10.0.0.255" }), match: true },
  { src: "content: IP address", pattern: { detail: { sourceIPAddress: [{ cidr: "10.0.0.0/24" }] } }, event: d({ sourceIPAddress: "10.0.1.0" }), match: false },
  { src: "content: IP address v6", pattern: { detail: { sourceIPAddress: [{ cidr: "bcde:7896:1010::/64" }] } }, event: d({ sourceIPAddress: "bcde:7896:1010:0:ffff:1:2:3" }), match: true },
  { src: "content: IP address v6", pattern: { detail: { sourceIPAddress: [{ cidr: "bcde:7896:1010::/64" }] } }, event: d({ sourceIPAddress: "bcde:7896:1011::1" }), match: false },
  { src: "Skyport: v4 never in a v6 block", pattern: { detail: { ip: [{ cidr: "::/0" }] } }, event: d({ ip: "10.0.0.1" }), match: false },
  { src: "Skyport: not an address", pattern: { detail: { ip: [{ cidr: "10.0.0.0/8" }] } }, event: d({ ip: "10.0.0" }), match: false },
  // exists
  { src: "content: exists", pattern: { detail: { state: [{ exists: true }] } }, event: d({ state: "x" }), match: true },
  { src: "content: exists", pattern: { detail: { state: [{ exists: true }] } }, event: d({}), match: false },
  { src: "content: exists false", pattern: { detail: { state: [{ exists: false }] } }, event: d({}), match: true },
  { src: "content: exists false", pattern: { detail: { state: [{ exists: false }] } }, event: d({ state: "x" }), match: false },
  { src: "content: exists only on leaves", pattern: { detail: { state: [{ exists: true }] } }, event: d({ state: { a: 1 } }), match: false },
  { src: "content: exists false, parent absent", pattern: { detail: { c: { d: [{ exists: false }] } } }, event: d({}), match: true },
  { src: "content: exists with null", pattern: { detail: { state: [{ exists: true }] } }, event: d({ state: null }), match: true },
  // equals-ignore-case
  { src: "content: equals-ignore-case", pattern: { "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }] }, event: ec2({}), match: true },
  { src: "content: equals-ignore-case", pattern: { "detail-type": [{ "equals-ignore-case": "ec2 instance" }] }, event: ec2({}), match: false },
  // wildcard
  { src: "content: wildcard", pattern: { EventBusArn: [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] }, event: { EventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/default" }, match: true },
  { src: "content: wildcard", pattern: { EventBusArn: [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] }, event: { EventBusArn: "arn:aws:events:us-west-2:123456789012:event-bus/default" }, match: false },
  { src: "content: wildcard", pattern: { FileName: [{ wildcard: "dir/*.png" }] }, event: { FileName: "dir/image.png" }, match: true },
  { src: "content: wildcard", pattern: { FileName: [{ wildcard: "dir/*.png" }] }, event: { FileName: "dir/dir/image.png" }, match: true },
  { src: "content: wildcard", pattern: { FileName: [{ wildcard: "dir/*.png" }] }, event: { FileName: "dir/image.jpg" }, match: false },
  { src: "event-ruler: escaped star", pattern: { k: [{ wildcard: "a\\*b" }] }, event: { k: "a*b" }, match: true },
  { src: "event-ruler: escaped star", pattern: { k: [{ wildcard: "a\\*b" }] }, event: { k: "axb" }, match: false },
  // $or
  ...[
    [{ "c-count": 3 }, true],
    [{ "d-count": 9 }, true],
    [{ "x-limit": 301.8 }, true],
    [{ "c-count": 9, "d-count": 11 }, false],
  ].map(([detail, match]) => ({
    src: "content: $or",
    pattern: { detail: { $or: [{ "c-count": [{ numeric: [">", 0, "<=", 5] }] }, { "d-count": [{ numeric: ["<", 10] }] }, { "x-limit": [{ numeric: ["=", 3.018e2] }] }] } },
    event: d(detail as Record<string, unknown>),
    match: match as boolean,
  })),
  { src: "content: $or at top level", pattern: { source: ["aws.cloudwatch"], $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }] }, event: { source: "aws.cloudwatch", namespace: "AWS/ES" }, match: true },
  { src: "content: $or at top level", pattern: { source: ["aws.cloudwatch"], $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }] }, event: { source: "aws.ec2", namespace: "AWS/ES" }, match: false },
  // content: complex example (several filters together)
  {
    src: "content: complex example",
    pattern: { time: [{ prefix: "2017-10-02" }], detail: { state: [{ "anything-but": "initializing" }], "c-count": [{ numeric: [">", 0, "<=", 5] }], "d-count": [{ numeric: ["<", 10] }], "x-limit": [{ "anything-but": [100, 200, 300] }] } },
    event: { time: "2017-10-02T18:43:48Z", detail: { state: "running", "c-count": 5, "d-count": 7, "x-limit": 301.8 } },
    match: true,
  },
];

test("event patterns: the documented examples", () => {
  for (const c of CASES) {
    const got = matchesPattern(compilePattern(JSON.stringify(c.pattern)), c.event);
    assert.equal(got, c.match, `${c.src}: ${JSON.stringify(c.pattern)} on ${JSON.stringify(c.event)}`);
  }
});

const INVALID: Array<[string, string]> = [
  ['["a"]', "Filter is not an object"],
  ['{"source":"aws.ec2"}', '"source" must be an object or an array'],
  ['{"source":[]}', "Empty arrays are not allowed"],
  ['{"detail":{}}', "Empty objects are not allowed"],
  ['{"source":[["a"]]}', "Match value must be String, number, true, false, or null"],
  ['{"source":[{"contains":"a"}]}', "Unrecognized match type contains"],
  ['{"source":[{"prefix":"a","suffix":"b"}]}', "Only one key allowed in match expression"],
  ['{"source":[{"prefix":1}]}', "prefix match pattern must be a string"],
  ['{"n":[{"numeric":[">","a"]}]}', "Value of > must be numeric"],
  ['{"n":[{"numeric":["!=",1]}]}', "Unrecognized numeric range operator: !="],
  ['{"n":[{"numeric":[">",1,">",2]}]}', "Bad numeric range operator: >"],
  ['{"n":[{"numeric":["<",1,">",2]}]}', "Too many elements in numeric expression"],
  ['{"n":[{"numeric":">"}]}', "Value of numeric must be an array."],
  ['{"n":[{"anything-but":["a",1]}]}', "Inside anything but list, either all values are number or string, mixed type is not supported"],
  ['{"n":[{"anything-but":[null]}]}', "Inside anything but list, start|null|boolean is not supported."],
  ['{"n":[{"anything-but":{"prefix":""}}]}', "Null prefix/suffix not allowed"],
  ['{"n":[{"anything-but":{"exists":true}}]}', "Unsupported anything-but pattern: exists"],
  ['{"n":[{"anything-but":true}]}', "Value of anything-but must be an array or single string/number value."],
  ['{"n":[{"exists":"yes"}]}', "exists match pattern must be either true or false."],
  ['{"n":[{"wildcard":"a**b"}]}', "Consecutive wildcard characters at pos 2"],
  ['{"n":[{"wildcard":"a\\\\b"}]}', "Invalid escape character at pos 2"],
  ['{"$or":[{"a":["1"]}]}', "There must have at least 2 Objects in $or relationship."],
  ['{"$or":{"a":["1"]}}', "It must be an Array followed with $or."],
  ['{"$or":[{"a":["1"]},"b"]}', "Only JSON object is allowed in array of $or relationship."],
  ['{"$or":[{"a":["1"]},{"numeric":["1"]}]}', "numeric is Ruler reserved fieldName which cannot be used inside $or."],
];

test("event patterns: invalid patterns answer InvalidEventPatternException with the engine's reason", () => {
  for (const [pattern, reason] of INVALID) {
    assert.throws(
      () => compilePattern(pattern),
      (e: unknown) => e instanceof ServiceError && e.code === "InvalidEventPatternException" && e.message === `Event pattern is not valid. Reason: ${reason}`,
      pattern,
    );
  }
});

test("event patterns: wildcard matching is linear (no backtracking on adversarial input)", () => {
  const w = parseWildcard("*a*a*a*a*a*a*a*a*a*a*b");
  const value = "a".repeat(200_000);
  assert.equal(matchWildcard(w, value), false);
  assert.equal(matchWildcard(w, value + "b"), true);
  assert.equal(kmpIndexOf("aaaaaaaaab", "aab", 0, 10), 7);
  assert.equal(matchWildcard(parseWildcard("*"), ""), true);
  assert.equal(matchWildcard(parseWildcard("ab*ba"), "aba"), false);
});
