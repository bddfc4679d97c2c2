/**
 * Role resolution of identity pools, cases from "Using role-based access control" and "Using rules to assign roles
 * to users" (Amazon Cognito developer guide) and the RoleMapping/MappingRule API reference.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ServiceError } from "../../aws/errors.js";
import { resolveRole, type RoleQuestion } from "./roles.js";

const A = "arn:aws:iam::000000000000:role/auth";
const U = "arn:aws:iam::000000000000:role/unauth";
const G1 = "arn:aws:iam::000000000000:role/g1";
const G2 = "arn:aws:iam::000000000000:role/g2";
const roles = { authenticated: A, unauthenticated: U };
const token = (ambiguous = "AuthenticatedRole") => ({ Type: "Token", AmbiguousRoleResolution: ambiguous });
const rules = (r: Array<[string, string, string, string]>, ambiguous = "AuthenticatedRole") => ({ Type: "Rules", AmbiguousRoleResolution: ambiguous, RulesConfiguration: { Rules: r.map(([Claim, MatchType, Value, RoleARN]) => ({ Claim, MatchType, Value, RoleARN })) } });

test("resolveRole: default roles, Token and Rules mappings, ambiguity", () => {
  const cases: Array<[string, RoleQuestion, string]> = [
    ["an unauthenticated identity gets the unauthenticated role", { roles, authenticated: false }, U],
    ["an authenticated identity without a mapping gets the authenticated role", { roles, authenticated: true }, A],
    ["Token: cognito:preferred_role wins", { roles, authenticated: true, mapping: token(), claims: { "cognito:roles": [G1, G2], "cognito:preferred_role": G2 } }, G2],
    ["Token: CustomRoleArn picks one of cognito:roles", { roles, authenticated: true, mapping: token(), claims: { "cognito:roles": [G1, G2], "cognito:preferred_role": G2 }, customRoleArn: G1 }, G1],
    ["Token: a CustomRoleArn outside cognito:roles is ambiguous → the authenticated role", { roles, authenticated: true, mapping: token(), claims: { "cognito:roles": [G1] }, customRoleArn: G2 }, A],
    ["Token: no role claims is ambiguous → the authenticated role", { roles, authenticated: true, mapping: token(), claims: {} }, A],
    ["Rules: the first matching rule (Equals)", { roles, authenticated: true, mapping: rules([["custom:dept", "Equals", "eng", G1], ["custom:dept", "StartsWith", "e", G2]]), claims: { "custom:dept": "eng" } }, G1],
    ["Rules: Contains matches inside an array claim", { roles, authenticated: true, mapping: rules([["cognito:groups", "Contains", "admin", G2]]), claims: { "cognito:groups": ["users", "site-admins"] } }, G2],
    ["Rules: NotEqual needs the claim present", { roles, authenticated: true, mapping: rules([["custom:dept", "NotEqual", "eng", G1]]), claims: {} }, A],
    ["Rules: NotEqual on another value", { roles, authenticated: true, mapping: rules([["custom:dept", "NotEqual", "eng", G1]]), claims: { "custom:dept": "ops" } }, G1],
  ];
  for (const [what, q, want] of cases) assert.equal(resolveRole(q), want, what);
});

test("resolveRole: Deny on ambiguity and missing roles answer AWS's errors", () => {
  const errorOf = (q: RoleQuestion) => {
    try {
      resolveRole(q);
    } catch (e) {
      return e instanceof ServiceError ? [e.code, e.message] : undefined;
    }
    return undefined;
  };
  assert.deepEqual(errorOf({ roles, authenticated: true, mapping: token("Deny"), claims: {} }), ["NotAuthorizedException", "The ambiguous role mapping rules denied this request."]);
  assert.deepEqual(errorOf({ roles, authenticated: true, mapping: rules([["sub", "Equals", "x", G1]], "Deny"), claims: { sub: "y" } }), ["NotAuthorizedException", "The ambiguous role mapping rules denied this request."]);
  assert.deepEqual(errorOf({ roles: {}, authenticated: false }), ["InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration. Check assigned IAM roles for this pool."]);
  assert.deepEqual(errorOf({ roles: { unauthenticated: U }, authenticated: true }), ["InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration. Check assigned IAM roles for this pool."]);
});
