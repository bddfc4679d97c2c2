/**
 * The Lambda authorizer core: reading answers ("Output from an API Gateway Lambda authorizer"), evaluating the
 * returned policy against method ARNs (IAM wildcards, explicit Deny wins, nothing matching = implicit deny),
 * and the result cache (TTL, bound, per-stage flush) on a fake clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "../../../core/clock.js";
import { AuthorizerCache } from "./authorizer-cache.js";
import { methodArnOf, parseAuthorizerOutput, policyEffect, type AuthorizerAnswer } from "./lambda-authorizer.js";

const ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets/7";
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const st = (Effect: string, Resource: string | string[], Action: string | string[] = "execute-api:Invoke") => ({ Effect, Action, Resource });

test("policyEffect: IAM wildcards over the method ARN, explicit Deny wins, nothing matching is None", () => {
  const cases: Array<[string, string, "Allow" | "Deny" | "None"]> = [
    [doc(st("Allow", ARN)), "exact ARN", "Allow"],
    [doc(st("Allow", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/*")), "api wildcard", "Allow"],
    [doc(st("Allow", "arn:aws:execute-api:*:*:abcdef1234/*/GET/pets/*")), "stage and id wildcards", "Allow"],
    [doc(st("Allow", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets/?")), "? is one character", "Allow"],
    [doc(st("Allow", "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/POST/*")), "another verb", "None"],
    [doc(st("Allow", "arn:aws:execute-api:us-east-1:123456789012:other12345/*")), "another API", "None"],
    [doc(st("Allow", "*"), st("Deny", "arn:aws:execute-api:*:*:*/prod/*")), "explicit deny wins", "Deny"],
    [doc(st("Allow", "*", "execute-api:*")), "action wildcard", "Allow"],
    [doc(st("Allow", "*", "s3:GetObject")), "another action", "None"],
    [JSON.stringify({ Statement: st("Allow", ARN) }), "a single statement object", "Allow"],
  ];
  for (const [policy, why, want] of cases) assert.equal(policyEffect(policy, ARN), want, why);
});

test("methodArnOf: the root path ends with the verb and a slash", () => {
  assert.equal(methodArnOf("us-east-1", "1", "api", "dev", "GET", "/"), "arn:aws:execute-api:us-east-1:1:api/dev/GET/");
  assert.equal(methodArnOf("us-east-1", "1", "api", "dev", "POST", "/a/b"), "arn:aws:execute-api:us-east-1:1:api/dev/POST/a/b");
});

test("parseAuthorizerOutput: policy answers, Unauthorized, and the answers AWS treats as configuration errors", () => {
  const policy = { Version: "2012-10-17", Statement: [st("Allow", "*")] };
  const read = (v: unknown, err?: string) => parseAuthorizerOutput(Buffer.from(typeof v === "string" ? v : JSON.stringify(v)), err);
  const ok = read({ principalId: "u", policyDocument: policy, context: { s: "x", n: 1, b: false, gone: null }, usageIdentifierKey: "k" });
  assert.equal(ok.kind, "policy");
  assert.deepEqual(ok.kind === "policy" && { p: ok.principalId, c: ok.context, k: ok.usageIdentifierKey }, { p: "u", c: { s: "x", n: 1, b: false }, k: "k" });
  const cases: Array<[unknown, string | undefined, AuthorizerAnswer["kind"], string]> = [
    [{ errorMessage: "Unauthorized", errorType: "Error" }, "Unhandled", "unauthorized", "thrown Unauthorized"],
    [{ errorMessage: "unauthorized" }, "Unhandled", "error", "the message is case-sensitive"],
    [{ errorMessage: "boom" }, "Unhandled", "error", "other errors"],
    ["not json", undefined, "error", "not JSON"],
    [{ policyDocument: policy }, undefined, "error", "no principalId"],
    [{ principalId: "u" }, undefined, "error", "no policyDocument"],
    [{ principalId: "u", policyDocument: { Statement: [] } }, undefined, "error", "no statements"],
    [{ principalId: "u", policyDocument: policy, context: { o: { a: 1 } } }, undefined, "error", "an object in the context"],
    [{ principalId: "u", policyDocument: policy, context: { l: [1] } }, undefined, "error", "an array in the context"],
    [{ principalId: 42, policyDocument: JSON.stringify(policy) }, undefined, "policy", "a numeric principal and a policy as JSON text"],
  ];
  for (const [v, err, kind, why] of cases) assert.equal(read(v, err).kind, kind, why);
  assert.equal(parseAuthorizerOutput(Buffer.from('{"isAuthorized":true}'), undefined, "simple").kind, "simple");
});

test("AuthorizerCache: entries live for their TTL, 0 caches nothing, the bound drops the oldest, a stage flush drops only that stage", () => {
  const clock = new ManualClock();
  const cache = new AuthorizerCache(clock, 3);
  const answer: AuthorizerAnswer = { kind: "policy", principalId: "p", policy: "{}", context: {} };
  const k = (stage: string, token: string) => AuthorizerCache.key("api", stage, "az", [token]);
  cache.set(k("dev", "a"), answer, 10);
  clock.advance(9_999);
  assert.equal(cache.get(k("dev", "a")), answer);
  clock.advance(1);
  assert.equal(cache.get(k("dev", "a")), undefined, "expired at exactly the TTL");
  cache.set(k("dev", "zero"), answer, 0);
  assert.equal(cache.get(k("dev", "zero")), undefined);
  for (const t of ["1", "2", "3", "4"]) cache.set(k("dev", t), answer, 60);
  assert.equal(cache.size, 3);
  assert.equal(cache.get(k("dev", "1")), undefined, "the oldest went first");
  cache.set(k("prod", "1"), answer, 60);
  assert.equal(cache.flushStage("api", "dev"), 2);
  assert.equal(cache.get(k("prod", "1")), answer);
  assert.notEqual(AuthorizerCache.key("api", "dev", "az", ["a", "b"]), AuthorizerCache.key("api", "dev", "az", ["a\u0000b"]), "values are separated");
});

test("AuthorizerCache.getOrProduce: concurrent misses for one key produce once; errors are not cached", async () => {
  const cache = new AuthorizerCache(new ManualClock());
  const answer: AuthorizerAnswer = { kind: "policy", principalId: "p", policy: "{}", context: {} };
  let produced = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const produce = async () => {
    produced++;
    await gate;
    return answer;
  };
  const all = Promise.all([1, 2, 3].map(() => cache.getOrProduce("k", 60, produce, (a) => a.kind === "policy")));
  release();
  const results = await all;
  assert.equal(produced, 1);
  assert.deepEqual(results.map((r) => r.cached), [false, true, true]);
  assert.equal((await cache.getOrProduce("k", 60, produce, () => true)).cached, true);
  const failing = async (): Promise<AuthorizerAnswer> => ({ kind: "error", why: "x" });
  await cache.getOrProduce("e", 60, failing, (a) => a.kind === "policy");
  assert.equal(cache.get("e"), undefined);
});
