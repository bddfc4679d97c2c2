import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { test } from "node:test";
import { accountForKey, computeSignature, parseSigV4, verifySigV4, type KeyLookup, type SigV4Info } from "./sigv4.js";

const lookupIn = (m: Map<string, string>): KeyLookup => (id) => (m.has(id) ? { secret: m.get(id)! } : undefined);
import { ServiceError } from "./errors.js";

// The "get-vanilla" and "post-vanilla-query" cases of AWS's SigV4 test suite
// (docs: "Signature Version 4 test suite"): key AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY.
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const scope = { accessKeyId: "AKIDEXAMPLE", scopeDate: "20150830", region: "us-east-1", service: "service", amzDate: "20150830T123600Z", presigned: false };
const VECTORS = [
  { name: "get-vanilla", method: "GET", rawPath: "/", rawQuery: "", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
  { name: "post-vanilla", method: "POST", rawPath: "/", rawQuery: "", signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
  { name: "get-vanilla-query-order-key-case", method: "GET", rawPath: "/", rawQuery: "Param2=value2&Param1=value1", signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
];

for (const v of VECTORS) {
  test(`computeSignature: AWS test suite ${v.name}`, () => {
    const headers = { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" };
    const info: SigV4Info = { ...scope, signedHeaders: ["host", "x-amz-date"], signature: "" };
    assert.equal(computeSignature({ method: v.method, rawPath: v.rawPath, rawQuery: v.rawQuery, headers, body: Buffer.alloc(0) }, info, SECRET, false), v.signature);
  });
}

test("parseSigV4: Authorization header gives key, scope and signed headers", () => {
  const info = parseSigV4({ authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef", "x-amz-date": "20260101T000000Z" }, new URLSearchParams());
  assert.deepEqual(info, { accessKeyId: "AKID", scopeDate: "20260101", region: "eu-west-1", service: "dynamodb", signedHeaders: ["host", "x-amz-date"], signature: "abcdef", amzDate: "20260101T000000Z", presigned: false });
});

test("parseSigV4: presigned query parameters", () => {
  const q = new URLSearchParams("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123456789012%2F20260101%2Fus-west-2%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=ff");
  const info = parseSigV4({}, q)!;
  assert.equal(info.accessKeyId, "123456789012");
  assert.equal(info.region, "us-west-2");
  assert.equal(info.service, "s3");
  assert.equal(info.presigned, true);
  assert.equal(info.expires, 60);
});

test("parseSigV4: no credentials → undefined", () => {
  assert.equal(parseSigV4({}, new URLSearchParams("a=b")), undefined);
});

test("accountForKey: 12-digit key is the account, anything else the default account", () => {
  assert.equal(accountForKey("123456789012"), "123456789012");
  assert.equal(accountForKey("test"), "000000000000");
  assert.equal(accountForKey("AKIAIOSFODNN7EXAMPLE"), "000000000000");
  assert.equal(accountForKey("1234567890123"), "000000000000");
});

const errCode = (f: () => void) => {
  try {
    f();
    return "ok";
  } catch (e) {
    return e instanceof ServiceError ? `${e.code}/${e.status}` : String(e);
  }
};

test("verifySigV4: each protocol's error for missing, unknown key, expired and wrong signatures", () => {
  const req = { method: "GET", rawPath: "/", rawQuery: "", headers: { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" }, body: Buffer.alloc(0) };
  const now = Date.UTC(2015, 7, 30, 12, 40);
  const secrets = lookupIn(new Map([["AKIDEXAMPLE", SECRET]]));
  const good: SigV4Info = { ...scope, signedHeaders: ["host", "x-amz-date"], signature: VECTORS[0]!.signature };
  assert.equal(errCode(() => verifySigV4(req, good, "json", secrets, now)), "ok");
  const table: Array<[string, SigV4Info | undefined, KeyLookup, number, Record<string, string>]> = [
    ["missing", undefined, secrets, now, { json: "MissingAuthenticationTokenException/403", query: "MissingAuthenticationToken/403", "rest-xml": "AccessDenied/403" }],
    ["unknown key", good, lookupIn(new Map()), now, { json: "UnrecognizedClientException/403", query: "InvalidClientTokenId/403", "rest-xml": "InvalidAccessKeyId/403" }],
    ["wrong signature", { ...good, signature: "00".repeat(32) }, secrets, now, { json: "InvalidSignatureException/403", query: "SignatureDoesNotMatch/403", "rest-xml": "SignatureDoesNotMatch/403" }],
    ["expired", good, secrets, now + 3600_000, { json: "InvalidSignatureException/403", query: "SignatureDoesNotMatch/403", "rest-xml": "AccessDenied/403" }],
    // Temporary credentials need their session token (IAM User Guide, "Using temporary credentials with AWS resources").
    ["session key without token", good, () => ({ secret: SECRET, sessionToken: "tok" }), now, { json: "UnrecognizedClientException/403", query: "InvalidClientTokenId/403", "rest-xml": "InvalidAccessKeyId/403" }],
    ["session key, wrong token", { ...good, securityToken: "other" }, () => ({ secret: SECRET, sessionToken: "tok" }), now, { json: "UnrecognizedClientException/403", query: "InvalidClientTokenId/403", "rest-xml": "InvalidAccessKeyId/403" }],
    // "X-Amz-Expires must be less than a week (in seconds) that is 604800" (S3 API Reference, query string authentication).
    ["presigned over a week", { ...good, presigned: true, expires: 604_801 }, secrets, now, { json: "InvalidSignatureException/403", query: "SignatureDoesNotMatch/403", "rest-xml": "AuthorizationQueryParametersError/400" }],
  ];
  for (const [name, info, sec, at, expected] of table) {
    for (const [protocol, want] of Object.entries(expected)) {
      assert.equal(errCode(() => verifySigV4(req, info, protocol as "json", sec, at)), want, `${name} (${protocol})`);
    }
  }
});

test("verifySigV4: a signed x-amz-content-sha256 must be the body's hash (a swapped body is refused)", () => {
  const body = Buffer.from('{"a":1}');
  const hash = createHash("sha256").update(body).digest("hex");
  const headers = { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z", "x-amz-content-sha256": hash };
  const info: SigV4Info = { ...scope, signedHeaders: ["host", "x-amz-content-sha256", "x-amz-date"], signature: "" };
  const signed = { method: "POST", rawPath: "/", rawQuery: "", headers, body };
  info.signature = computeSignature(signed, info, SECRET, false);
  const now = Date.UTC(2015, 7, 30, 12, 40);
  const keys = lookupIn(new Map([["AKIDEXAMPLE", SECRET]]));
  assert.equal(errCode(() => verifySigV4(signed, info, "json", keys, now)), "ok");
  const swapped = { ...signed, body: Buffer.from('{"a":2}') };
  assert.equal(errCode(() => verifySigV4(swapped, info, "json", keys, now)), "InvalidSignatureException/403");
  assert.equal(errCode(() => verifySigV4(swapped, info, "rest-xml", keys, now)), "XAmzContentSHA256Mismatch/400");
});
