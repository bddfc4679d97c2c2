/**
 * REST API resource policies ("API Gateway resource policy examples"; "Control access to a REST API with API
 * Gateway resource policies"): principals, abbreviated resources, IP and VPC conditions, AWS's denial message.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CallerIdentity } from "../../../aws/policy/types.js";
import { policyContext, resourcePolicyDeniedMessage, resourcePolicyEffect, type PolicyCaller } from "./resource-policy.js";

const ARN = "arn:aws:execute-api:us-east-1:111122223333:abcdef1234/prod/GET/pets";
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const s = (Effect: string, extra: object = {}) => ({ Effect, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*", ...extra });
const anonymous: PolicyCaller = { anonymous: true };
const user = (accountId: string, name: string): PolicyCaller => ({
  anonymous: false,
  caller: { accountId, arn: `arn:aws:iam::${accountId}:user/${name}`, principalArn: `arn:aws:iam::${accountId}:user/${name}`, userId: "AIDA", kind: "user", identityPolicies: [], principalTags: {}, allPowerful: false } as CallerIdentity,
});
const ctx = (ip: string) => policyContext(ip, "curl/8", undefined, Date.UTC(2026, 10, 30));

test("resourcePolicyEffect: principals, resources, IP and VPC conditions", () => {
  const cases: Array<[string, PolicyCaller, string, "Allow" | "Deny" | "None", string]> = [
    [doc(s("Allow")), anonymous, "1.2.3.4", "Allow", "Principal * names the anonymous caller"],
    [doc(s("Allow", { Principal: { AWS: "*" } })), anonymous, "1.2.3.4", "Allow", "AWS * too"],
    [doc(s("Allow", { Principal: { AWS: "arn:aws:iam::111122223333:root" } })), anonymous, "1.2.3.4", "None", "an account principal does not name anonymous callers"],
    [doc(s("Allow", { Principal: { AWS: "arn:aws:iam::111122223333:root" } })), user("111122223333", "bob"), "1.2.3.4", "Allow", "…but names that account's users"],
    [doc(s("Allow", { Principal: { AWS: "444455556666" } })), user("111122223333", "bob"), "1.2.3.4", "None", "another account"],
    [doc(s("Allow", { Resource: "execute-api:/prod/GET/*" })), anonymous, "1.2.3.4", "Allow", "abbreviated resource"],
    [doc(s("Allow", { Resource: "execute-api:/*/POST/*" })), anonymous, "1.2.3.4", "None", "another verb"],
    [doc(s("Allow", { Resource: "arn:aws:execute-api:us-east-1:111122223333:abcdef1234/*" })), anonymous, "1.2.3.4", "Allow", "full ARN"],
    [doc(s("Allow", { Condition: { IpAddress: { "aws:SourceIp": "192.0.2.0/24" } } })), anonymous, "192.0.2.7", "Allow", "IpAddress inside"],
    [doc(s("Allow", { Condition: { IpAddress: { "aws:SourceIp": "192.0.2.0/24" } } })), anonymous, "198.51.100.1", "None", "IpAddress outside"],
    [doc(s("Allow"), s("Deny", { Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"] } } })), anonymous, "203.0.113.9", "Deny", "NotIpAddress deny"],
    [doc(s("Allow"), s("Deny", { Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24"] } } })), anonymous, "192.0.2.1", "Allow", "NotIpAddress inside passes"],
    [doc(s("Allow"), s("Deny", { Condition: { StringNotEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } } })), anonymous, "10.0.0.1", "Deny", "no VPC endpoint locally"],
    [doc(s("Allow", { Condition: { StringEquals: { "aws:SourceVpc": "vpc-1" } } })), anonymous, "10.0.0.1", "None", "SourceVpc never matches"],
    [doc(s("Allow", { Condition: { StringEquals: { "aws:PrincipalAccount": "111122223333" } } })), user("111122223333", "bob"), "1.1.1.1", "Allow", "aws:PrincipalAccount"],
    [doc(s("Allow", { Action: "execute-api:*" })), anonymous, "1.1.1.1", "Allow", "action wildcard"],
    [doc(s("Allow", { Action: "execute-api:ManageConnections" })), anonymous, "1.1.1.1", "None", "another action"],
    ["not a policy", anonymous, "1.1.1.1", "None", "unreadable policy grants nothing"],
  ];
  for (const [policy, who, ip, want, why] of cases) assert.equal(resourcePolicyEffect(policy, ARN, who, ctx(ip)), want, why);
});

test("resourcePolicyDeniedMessage: AWS's text with the account id masked", () => {
  assert.equal(resourcePolicyDeniedMessage("anonymous", ARN, false), "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********3333:abcdef1234/prod/GET/pets");
  assert.match(resourcePolicyDeniedMessage("anonymous", ARN, true), / with an explicit deny$/);
});
