/**
 * Condition operators, table-driven. Sources: "IAM JSON policy elements: Condition operators" (op page),
 * "Condition with multiple context keys or values" and "Set operators for multivalued context keys"
 * (multi page), "IAM policy elements: Variables and tags" (vars page). Each case: one Condition block, a
 * request context, and whether the block holds.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileConditions, conditionsHold } from "./conditions.js";
import type { ConditionValue } from "./types.js";
import type { ConditionBlock } from "./validate.js";

interface Case {
  name: string;
  condition: ConditionBlock;
  context: Record<string, ConditionValue>;
  expect: boolean;
  version?: string;
}

const C: Case[] = [
  // String operators (op page, "String condition operators").
  { name: "StringEquals: exact match of aws:PrincipalTag/job-category", condition: { StringEquals: { "aws:PrincipalTag/job-category": ["iamuser-admin"] } }, context: { "aws:principaltag/job-category": "iamuser-admin" }, expect: true },
  { name: "StringEquals: case-sensitive", condition: { StringEquals: { "aws:PrincipalTag/job-category": ["iamuser-admin"] } }, context: { "aws:principaltag/job-category": "IAMUSER-ADMIN" }, expect: false },
  { name: "StringEquals: key absent → false", condition: { StringEquals: { "aws:PrincipalTag/job-category": ["iamuser-admin"] } }, context: {}, expect: false },
  { name: "StringEquals: several values OR", condition: { StringEquals: { "aws:PrincipalTag/role": ["audit", "security"] } }, context: { "aws:principaltag/role": "security" }, expect: true },
  { name: "StringEquals: no wildcard meaning", condition: { StringEquals: { "s3:prefix": ["home/*"] } }, context: { "s3:prefix": "home/x" }, expect: false },
  { name: "StringNotEquals: several values NOR (matches one → false)", condition: { StringNotEquals: { "aws:PrincipalTag/role": ["audit", "security"] } }, context: { "aws:principaltag/role": "audit" }, expect: false },
  { name: "StringNotEquals: several values NOR (matches none → true)", condition: { StringNotEquals: { "aws:PrincipalTag/role": ["audit", "security"] } }, context: { "aws:principaltag/role": "dev" }, expect: true },
  { name: "StringNotEquals: key absent → true (negated operator)", condition: { StringNotEquals: { "aws:PrincipalTag/role": ["audit"] } }, context: {}, expect: true },
  { name: "StringEqualsIgnoreCase", condition: { StringEqualsIgnoreCase: { "aws:PrincipalTag/team": ["Blue"] } }, context: { "aws:principaltag/team": "BLUE" }, expect: true },
  { name: "StringNotEqualsIgnoreCase", condition: { StringNotEqualsIgnoreCase: { "aws:PrincipalTag/team": ["Blue"] } }, context: { "aws:principaltag/team": "bLuE" }, expect: false },
  { name: "StringLike: s3:prefix home/*", condition: { StringLike: { "s3:prefix": ["", "home/", "home/*"] } }, context: { "s3:prefix": "home/david/" }, expect: true },
  { name: "StringLike: s3:prefix empty string value", condition: { StringLike: { "s3:prefix": ["", "home/"] } }, context: { "s3:prefix": "" }, expect: true },
  { name: "StringLike: ? is one character", condition: { StringLike: { "aws:userid": ["AIDA?"] } }, context: { "aws:userid": "AIDAB" }, expect: true },
  { name: "StringNotLike: key absent → true", condition: { StringNotLike: { "aws:userid": ["AIDA*"] } }, context: {}, expect: true },
  { name: "StringNotLike: match → false", condition: { StringNotLike: { "aws:userid": ["AIDA*"] } }, context: { "aws:userid": "AIDAXYZ" }, expect: false },
  // Numeric (op page example: s3:max-keys).
  { name: "NumericLessThanEquals: s3:max-keys 10 with 10", condition: { NumericLessThanEquals: { "s3:max-keys": ["10"] } }, context: { "s3:max-keys": "10" }, expect: true },
  { name: "NumericLessThanEquals: s3:max-keys 10 with 11", condition: { NumericLessThanEquals: { "s3:max-keys": ["10"] } }, context: { "s3:max-keys": 11 }, expect: false },
  { name: "NumericLessThan", condition: { NumericLessThan: { "s3:max-keys": ["10"] } }, context: { "s3:max-keys": "9.5" }, expect: true },
  { name: "NumericGreaterThan", condition: { NumericGreaterThan: { "s3:max-keys": ["10"] } }, context: { "s3:max-keys": "10" }, expect: false },
  { name: "NumericGreaterThanEquals", condition: { NumericGreaterThanEquals: { "s3:max-keys": ["10"] } }, context: { "s3:max-keys": "10" }, expect: true },
  { name: "NumericEquals: 10 equals 10.0", condition: { NumericEquals: { "s3:max-keys": ["10"] } }, context: { "s3:max-keys": "10.0" }, expect: true },
  { name: "NumericNotEquals: key absent → true", condition: { NumericNotEquals: { "s3:max-keys": ["10"] } }, context: {}, expect: true },
  { name: "NumericEquals: a non-number never matches", condition: { NumericEquals: { "s3:max-keys": ["10"] } }, context: { "s3:max-keys": "ten" }, expect: false },
  // Date (op page example: aws:TokenIssueTime; values ISO 8601 or epoch seconds).
  { name: "DateGreaterThan: ISO 8601", condition: { DateGreaterThan: { "aws:TokenIssueTime": ["2020-01-01T00:00:01Z"] } }, context: { "aws:tokenissuetime": "2020-06-01T00:00:00Z" }, expect: true },
  { name: "DateGreaterThan: earlier → false", condition: { DateGreaterThan: { "aws:TokenIssueTime": ["2020-01-01T00:00:01Z"] } }, context: { "aws:tokenissuetime": "2019-06-01T00:00:00Z" }, expect: false },
  { name: "DateLessThan: epoch seconds in the policy", condition: { DateLessThan: { "aws:CurrentTime": ["1893456000"] } }, context: { "aws:currenttime": "2026-11-30T00:00:00Z" }, expect: true },
  { name: "DateLessThanEquals: equal instant", condition: { DateLessThanEquals: { "aws:EpochTime": ["2026-01-01T00:00:00Z"] } }, context: { "aws:epochtime": 1767225600 }, expect: true },
  { name: "DateEquals", condition: { DateEquals: { "aws:CurrentTime": ["2026-01-01T00:00:00Z"] } }, context: { "aws:currenttime": "2026-01-01T00:00:00.000Z" }, expect: true },
  { name: "DateNotEquals", condition: { DateNotEquals: { "aws:CurrentTime": ["2026-01-01T00:00:00Z"] } }, context: { "aws:currenttime": "2026-01-02T00:00:00Z" }, expect: true },
  { name: "DateGreaterThanEquals", condition: { DateGreaterThanEquals: { "aws:CurrentTime": ["2026-01-01"] } }, context: { "aws:currenttime": "2025-12-31T23:59:59Z" }, expect: false },
  // Bool (op page example: aws:SecureTransport).
  { name: "Bool: aws:SecureTransport false", condition: { Bool: { "aws:SecureTransport": ["false"] } }, context: { "aws:securetransport": false }, expect: true },
  { name: "Bool: aws:SecureTransport true vs false", condition: { Bool: { "aws:SecureTransport": ["false"] } }, context: { "aws:securetransport": "true" }, expect: false },
  { name: "Bool: key absent → false", condition: { Bool: { "aws:SecureTransport": ["false"] } }, context: {}, expect: false },
  // Binary (op page example value).
  { name: "BinaryEquals", condition: { BinaryEquals: { "key": ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="] } }, context: { key: "QmluYXJ5VmFsdWVJbkJhc2U2NA==" }, expect: true },
  { name: "BinaryEquals: other bytes", condition: { BinaryEquals: { "key": ["QmluYXJ5VmFsdWVJbkJhc2U2NA=="] } }, context: { key: "QQ==" }, expect: false },
  // IP addresses (op page examples: 203.0.113.0/24, 2001:DB8:1234:5678::/64).
  { name: "IpAddress: in 203.0.113.0/24", condition: { IpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } }, context: { "aws:sourceip": "203.0.113.77" }, expect: true },
  { name: "IpAddress: outside", condition: { IpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } }, context: { "aws:sourceip": "198.51.100.1" }, expect: false },
  { name: "IpAddress: IPv6 range", condition: { IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"] } }, context: { "aws:sourceip": "2001:db8:1234:5678::9" }, expect: true },
  { name: "IpAddress: a single address without prefix", condition: { IpAddress: { "aws:SourceIp": ["127.0.0.1"] } }, context: { "aws:sourceip": "127.0.0.1" }, expect: true },
  { name: "NotIpAddress: outside the range → true", condition: { NotIpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } }, context: { "aws:sourceip": "198.51.100.1" }, expect: true },
  { name: "NotIpAddress: inside → false", condition: { NotIpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } }, context: { "aws:sourceip": "203.0.113.1" }, expect: false },
  // ARN operators (op page: each of the six colon-delimited parts checked separately).
  { name: "ArnLike: aws:SourceArn", condition: { ArnLike: { "aws:SourceArn": ["arn:aws:sns:*:123456789012:*"] } }, context: { "aws:sourcearn": "arn:aws:sns:us-east-1:123456789012:topic" }, expect: true },
  { name: "ArnLike: other account", condition: { ArnLike: { "aws:SourceArn": ["arn:aws:sns:*:123456789012:*"] } }, context: { "aws:sourcearn": "arn:aws:sns:us-east-1:999999999999:topic" }, expect: false },
  { name: "ArnLike: * does not cross a colon-delimited part", condition: { ArnLike: { "aws:SourceArn": ["arn:aws:sns:*:topic"] } }, context: { "aws:sourcearn": "arn:aws:sns:us-east-1:123456789012:topic" }, expect: false },
  { name: "ArnEquals: exact", condition: { ArnEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/r"] } }, context: { "aws:principalarn": "arn:aws:iam::123456789012:role/r" }, expect: true },
  { name: "ArnNotEquals: other role → true", condition: { ArnNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/r"] } }, context: { "aws:principalarn": "arn:aws:iam::123456789012:role/x" }, expect: true },
  { name: "ArnNotLike: key absent → true", condition: { ArnNotLike: { "aws:SourceArn": ["arn:aws:*:*:*:*"] } }, context: {}, expect: true },
  // Null (op page: "true" means absent).
  { name: "Null true: key absent", condition: { Null: { "aws:TokenIssueTime": ["true"] } }, context: {}, expect: true },
  { name: "Null true: key present", condition: { Null: { "aws:TokenIssueTime": ["true"] } }, context: { "aws:tokenissuetime": "2020-01-01T00:00:00Z" }, expect: false },
  { name: "Null false: key present", condition: { Null: { "aws:TokenIssueTime": ["false"] } }, context: { "aws:tokenissuetime": "2020-01-01T00:00:00Z" }, expect: true },
  // IfExists (op page: "If the key is not present, the condition evaluates to true").
  { name: "StringLikeIfExists: absent → true", condition: { StringLikeIfExists: { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] } }, context: {}, expect: true },
  { name: "StringLikeIfExists: present and matching", condition: { StringLikeIfExists: { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] } }, context: { "ec2:instancetype": "t2.micro" }, expect: true },
  { name: "StringLikeIfExists: present, not matching", condition: { StringLikeIfExists: { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] } }, context: { "ec2:instancetype": "c5.large" }, expect: false },
  { name: "BoolIfExists: absent → true", condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": ["false"] } }, context: {}, expect: true },
  { name: "NumericLessThanIfExists: present and too big", condition: { NumericLessThanIfExists: { "s3:max-keys": ["10"] } }, context: { "s3:max-keys": 20 }, expect: false },
  // Set operators (multi page).
  { name: "ForAllValues:StringEquals: every tag key allowed", condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["environment", "cost-center"] } }, context: { "aws:tagkeys": ["environment"] }, expect: true },
  { name: "ForAllValues:StringEquals: one key not allowed", condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["environment", "cost-center"] } }, context: { "aws:tagkeys": ["environment", "owner"] }, expect: false },
  { name: "ForAllValues: key absent → true", condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["environment"] } }, context: {}, expect: true },
  { name: "ForAllValues: empty set → true", condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["environment"] } }, context: { "aws:tagkeys": [] }, expect: true },
  { name: "ForAnyValue:StringEquals: one matches", condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["environment"] } }, context: { "aws:tagkeys": ["owner", "environment"] }, expect: true },
  { name: "ForAnyValue: key absent → false", condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["environment"] } }, context: {}, expect: false },
  { name: "ForAnyValue: empty set → false", condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["environment"] } }, context: { "aws:tagkeys": [] }, expect: false },
  { name: "ForAllValues:StringNotEquals: none of the values listed", condition: { "ForAllValues:StringNotEquals": { "aws:TagKeys": ["secret"] } }, context: { "aws:tagkeys": ["a", "b"] }, expect: true },
  { name: "ForAllValues:StringNotEquals: one listed", condition: { "ForAllValues:StringNotEquals": { "aws:TagKeys": ["secret"] } }, context: { "aws:tagkeys": ["a", "secret"] }, expect: false },
  { name: "ForAnyValue:StringNotEquals: one not listed", condition: { "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["secret"] } }, context: { "aws:tagkeys": ["secret", "b"] }, expect: true },
  { name: "ForAnyValue:StringLike with dynamodb:Attributes", condition: { "ForAnyValue:StringLike": { "dynamodb:Attributes": ["Pass*"] } }, context: { "dynamodb:attributes": ["Id", "Password"] }, expect: true },
  // Several keys AND; key names case-insensitive (multi page).
  { name: "several keys AND: both hold", condition: { StringEquals: { "aws:PrincipalTag/team": ["a"], "aws:RequestedRegion": ["us-east-1"] } }, context: { "aws:principaltag/team": "a", "aws:requestedregion": "us-east-1" }, expect: true },
  { name: "several keys AND: one fails", condition: { StringEquals: { "aws:PrincipalTag/team": ["a"] }, Bool: { "aws:SecureTransport": ["true"] } }, context: { "aws:principaltag/team": "a", "aws:securetransport": false }, expect: false },
  // Policy variables in condition values (vars page).
  { name: "variables: StringLike s3:prefix home/${aws:username}/*", condition: { StringLike: { "s3:prefix": ["home/${aws:username}/*"] } }, context: { "s3:prefix": "home/david/photos", "aws:username": "david" }, expect: true },
  { name: "variables: other user", condition: { StringLike: { "s3:prefix": ["home/${aws:username}/*"] } }, context: { "s3:prefix": "home/emma/photos", "aws:username": "david" }, expect: false },
  { name: "variables: unresolved variable matches nothing", condition: { StringLike: { "s3:prefix": ["home/${aws:username}/*"] } }, context: { "s3:prefix": "home//x" }, expect: false },
  { name: "variables: default value", condition: { StringEquals: { "aws:RequestTag/team": ["${aws:PrincipalTag/team, 'company-wide'}"] } }, context: { "aws:requesttag/team": "company-wide" }, expect: true },
  { name: "variables: ${*} is a literal star", condition: { StringLike: { "s3:prefix": ["a${*}b"] } }, context: { "s3:prefix": "axb" }, expect: false },
  { name: "variables: ${*} literal matches a star", condition: { StringLike: { "s3:prefix": ["a${*}b"] } }, context: { "s3:prefix": "a*b" }, expect: true },
  { name: "variables: ${$} and ${?}", condition: { StringEquals: { "s3:prefix": ["${$}${?}"] } }, context: { "s3:prefix": "$?" }, expect: true },
  { name: "variables: plain text in a 2008-10-17 policy", condition: { StringEquals: { "s3:prefix": ["${aws:username}"] } }, context: { "s3:prefix": "${aws:username}", "aws:username": "david" }, expect: true, version: "2008-10-17" },
  { name: "variables: ArnEquals with aws:PrincipalAccount", condition: { ArnEquals: { "aws:SourceArn": ["arn:aws:sns:us-east-1:${aws:PrincipalAccount}:t"] } }, context: { "aws:sourcearn": "arn:aws:sns:us-east-1:123456789012:t", "aws:principalaccount": "123456789012" }, expect: true },
];

for (const c of C) {
  test(`Condition: ${c.name}`, () => {
    const compiled = compileConditions(c.condition, (c.version ?? "2012-10-17") === "2012-10-17");
    assert.equal(conditionsHold(compiled, (k) => c.context[k]), c.expect);
  });
}
