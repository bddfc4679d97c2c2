/**
 * parsePolicyDocument: IAM's MalformedPolicyDocument answers. Messages are IAM's observed answers to
 * CreatePolicy/PutUserPolicy/CreateRole (as moto's AWS-verified policy validation reproduces them), and
 * "Has prohibited field Resource" as IAM answers CreateRole with a Resource in the trust policy.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ServiceError } from "../errors.js";
import { checkPolicySize, parsePolicyDocument, policySize, type PolicyKind } from "./validate.js";

const V = "2012-10-17";
const doc = (Statement: unknown, extra: object = {}) => JSON.stringify({ Version: V, Statement, ...extra });

const ERRORS: Array<{ name: string; json: string; kind: PolicyKind; message: string }> = [
  { name: "not JSON", json: "{", kind: "identity", message: "Syntax errors in policy." },
  { name: "a JSON array", json: "[]", kind: "identity", message: "Syntax errors in policy." },
  { name: "no Statement", json: JSON.stringify({ Version: V }), kind: "identity", message: "Syntax errors in policy." },
  { name: "empty Statement list", json: doc([]), kind: "identity", message: "Syntax errors in policy." },
  { name: "unknown top-level field", json: doc({ Effect: "Allow", Action: "s3:*", Resource: "*" }, { Foo: 1 }), kind: "identity", message: "Syntax errors in policy." },
  { name: "bad Version string", json: JSON.stringify({ Version: "2012-10-18", Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" } }), kind: "identity", message: "Syntax errors in policy." },
  { name: "old Version on an identity policy", json: JSON.stringify({ Version: "2008-10-17", Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" } }), kind: "identity", message: "Policy document must be version 2012-10-17 or greater." },
  { name: "no Version on an identity policy", json: JSON.stringify({ Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" } }), kind: "identity", message: "Policy document must be version 2012-10-17 or greater." },
  { name: "bad Effect", json: doc({ Effect: "Permit", Action: "s3:*", Resource: "*" }), kind: "identity", message: "Syntax errors in policy." },
  { name: "Effect is case-sensitive", json: doc({ Effect: "allow", Action: "s3:*", Resource: "*" }), kind: "identity", message: "Syntax errors in policy." },
  { name: "Action and NotAction together", json: doc({ Effect: "Allow", Action: "s3:*", NotAction: "iam:*", Resource: "*" }), kind: "identity", message: "Syntax errors in policy." },
  { name: "Action not a string", json: doc({ Effect: "Allow", Action: 5, Resource: "*" }), kind: "identity", message: "Syntax errors in policy." },
  { name: "unknown statement field", json: doc({ Effect: "Allow", Action: "s3:*", Resource: "*", Foo: "x" }), kind: "identity", message: "Syntax errors in policy." },
  { name: "Principal in an identity policy", json: doc({ Effect: "Allow", Action: "s3:*", Resource: "*", Principal: "*" }), kind: "identity", message: "Policy document should not specify a principal." },
  { name: "no Action", json: doc({ Effect: "Allow", Resource: "*" }), kind: "identity", message: "Policy statement must contain actions." },
  { name: "no Resource", json: doc({ Effect: "Allow", Action: "s3:*" }), kind: "identity", message: "Policy statement must contain resources." },
  { name: "action without a vendor", json: doc({ Effect: "Allow", Action: "GetObject", Resource: "*" }), kind: "identity", message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." },
  { name: "action with two colons", json: doc({ Effect: "Allow", Action: "s3:Get:Object", Resource: "*" }), kind: "identity", message: "Actions/Condition can contain only one colon." },
  { name: "bad vendor", json: doc({ Effect: "Allow", Action: "s 3:GetObject", Resource: "*" }), kind: "identity", message: "Vendor s 3 is not valid" },
  { name: "condition key without a vendor", json: doc({ Effect: "Allow", Action: "s3:*", Resource: "*", Condition: { StringEquals: { prefix: "a" } } }), kind: "identity", message: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." },
  { name: "unknown condition operator", json: doc({ Effect: "Allow", Action: "s3:*", Resource: "*", Condition: { StringEqualz: { "s3:prefix": "a" } } }), kind: "identity", message: "Syntax errors in policy." },
  { name: "resource not an ARN", json: doc({ Effect: "Allow", Action: "s3:*", Resource: "bucket" }), kind: "identity", message: 'Resource bucket must be in ARN format or "*".' },
  { name: "IAM resource with a region", json: doc({ Effect: "Allow", Action: "iam:*", Resource: "arn:aws:iam:us-east-1:123456789012:user/x" }), kind: "identity", message: "IAM resource arn:aws:iam:us-east-1:123456789012:user/x cannot contain region information." },
  { name: "duplicate Sid", json: doc([{ Sid: "a", Effect: "Allow", Action: "s3:*", Resource: "*" }, { Sid: "a", Effect: "Deny", Action: "s3:*", Resource: "*" }]), kind: "identity", message: "Statement IDs (SID) in a single policy must be unique." },
  { name: "trust policy without Principal", json: doc({ Effect: "Allow", Action: "sts:AssumeRole" }), kind: "trust", message: "Missing required field Principal" },
  { name: "trust policy with Resource", json: doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Resource: "*" }), kind: "trust", message: "Has prohibited field Resource" },
  { name: "trust policy with an unknown field", json: doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Foo: 1 }), kind: "trust", message: "Unknown field Foo" },
  { name: "trust policy with an unknown principal type", json: doc({ Effect: "Allow", Principal: { Robot: "x" }, Action: "sts:AssumeRole" }), kind: "trust", message: 'Invalid principal in policy: "Robot":"x"' },
  { name: "trust policy with a wildcard in an AWS principal ARN", json: doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/*" }, Action: "sts:AssumeRole" }), kind: "trust", message: 'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/*"' },
  { name: "trust policy with a malformed AWS principal", json: doc({ Effect: "Allow", Principal: { AWS: ["123456789012", "bob"] }, Action: "sts:AssumeRole" }), kind: "trust", message: 'Invalid principal in policy: "AWS":"bob"' },
  { name: "resource policy without Principal", json: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }), kind: "resource", message: "Missing required field Principal" },
];

for (const c of ERRORS) {
  test(`parsePolicyDocument: ${c.name} → MalformedPolicyDocument`, () => {
    assert.throws(() => parsePolicyDocument(c.json, c.kind), (e: unknown) => {
      assert.ok(e instanceof ServiceError);
      assert.equal(e.code, "MalformedPolicyDocument");
      assert.equal(e.status, 400);
      assert.equal(e.message, c.message);
      return true;
    });
  });
}

test("parsePolicyDocument: normalises Statement, Action, Resource, Principal and Condition values to arrays", () => {
  const d = parsePolicyDocument(doc({ Sid: "s", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition: { NumericLessThan: { "s3:max-keys": 10 }, Bool: { "aws:SecureTransport": true } } }), "identity");
  assert.deepEqual(d, {
    Version: V,
    Statement: [{ Sid: "s", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"], Condition: { NumericLessThan: { "s3:max-keys": ["10"] }, Bool: { "aws:SecureTransport": ["true"] } } }],
  });
  const t = parsePolicyDocument(JSON.stringify({ Version: "2008-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }), "trust");
  assert.deepEqual(t.Statement[0], { Effect: "Allow", Principal: { Service: ["lambda.amazonaws.com"] }, Action: ["sts:AssumeRole"] });
  parsePolicyDocument(doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }), "resource");
  const star = parsePolicyDocument(doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }), "resource");
  assert.equal(star.Statement[0]!.Principal, "*");
});

test("parsePolicyDocument: accepts AWS's documented examples", () => {
  // "IAM identity-based policy examples": EC2 start/stop with tag conditions, and an S3 home-folder policy with variables.
  parsePolicyDocument(doc([
    { Effect: "Allow", Action: ["ec2:StartInstances", "ec2:StopInstances"], Resource: "arn:aws:ec2:*:*:instance/*", Condition: { StringEquals: { "aws:ResourceTag/Owner": "${aws:username}" } } },
    { Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" },
  ]), "identity");
  parsePolicyDocument(doc({ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::amzn-s3-demo-bucket", Condition: { StringLike: { "s3:prefix": ["", "home/", "home/${aws:username}/*"] } } }), "identity");
  parsePolicyDocument(doc({ Effect: "Deny", NotAction: "iam:*", NotResource: "arn:aws:s3:::b", Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["a"] }, DateLessThanIfExists: { "aws:CurrentTime": "2030-01-01T00:00:00Z" } } }), "identity");
  parsePolicyDocument(doc({ Effect: "Allow", Action: "*", Resource: "*" }), "identity");
});

test("parsePolicyDocument: input is bounded before parsing", () => {
  assert.throws(() => parsePolicyDocument(" ".repeat(200_000), "identity"), /Syntax errors in policy\./);
});

test("policySize: counts characters without whitespace, as IAM's quotas do", () => {
  assert.equal(policySize('{ "a" :\n\t"b" }'), 9);
});

test("parsePolicyDocument / evaluate: arbitrary JSON never fails any other way than MalformedPolicyDocument (deterministic sample)", async () => {
  const { evaluate } = await import("./evaluate.js");
  let seed = 777;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const atoms: unknown[] = ["*", "s3:*", "Allow", "Deny", "", "arn:aws:s3:::b/*", "${aws:username}", 5, true, null, "StringLike", "aws:SourceIp", "10.0.0.0/99", "2020-13-45", "arn"];
  const keys = ["Version", "Statement", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition", "Sid", "AWS", "Service", "StringEquals", "ForAllValues:StringLike", "IpAddress", "DateLessThan", "Null", "aws:SourceIp", "s3:prefix"];
  const value = (depth: number): unknown => {
    const r = next(depth > 3 ? 1 : 4);
    if (r === 0) return atoms[next(atoms.length)];
    if (r === 1) return Array.from({ length: next(4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = next(5); i > 0; i--) o[keys[next(keys.length)]!] = value(depth + 1);
    return o;
  };
  for (let i = 0; i < 3000; i++) {
    const doc = value(0);
    if (doc && typeof doc === "object" && !Array.isArray(doc) && next(2)) (doc as Record<string, unknown>).Version = "2012-10-17";
    const json = JSON.stringify(doc) ?? "null";
    for (const kind of ["identity", "resource", "trust"] as const) {
      try {
        parsePolicyDocument(json, kind);
      } catch (e) {
        assert.ok(e instanceof ServiceError && e.code === "MalformedPolicyDocument", `${json}: ${String(e)}`);
      }
    }
    const caller = { accountId: "111122223333", arn: "arn:aws:iam::111122223333:user/a", principalArn: "arn:aws:iam::111122223333:user/a", userId: "AIDAA", kind: "user" as const, identityPolicies: [json], principalTags: {}, allPowerful: false };
    evaluate({ action: "s3:GetObject", resource: "arn:aws:s3:::b/k", caller, context: { "aws:sourceip": "10.1.2.3", "s3:prefix": ["a"] }, resourcePolicy: json, resourceAccountId: "111122223333" });
  }
});

test("checkPolicySize: IAM's quotas and LimitExceeded messages", () => {
  const big = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: Array.from({ length: 300 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) });
  assert.throws(() => checkPolicySize(big, "managed"), (e: unknown) => e instanceof ServiceError && e.code === "LimitExceeded" && e.status === 409 && e.message === "Cannot exceed quota for PolicySize: 6144");
  assert.throws(() => checkPolicySize(big, "trust"), /Cannot exceed quota for ACLSizePerRole: 2048/);
  assert.throws(() => checkPolicySize(big, "user", "alice"), (e: unknown) => e instanceof ServiceError && e.message === "Maximum policy size of 2048 bytes exceeded for user alice");
  assert.throws(() => checkPolicySize(big + big, "role", "r"), (e: unknown) => e instanceof ServiceError && e.message === "Maximum policy size of 10240 bytes exceeded for role r");
  checkPolicySize(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }), "user", "alice");
});
