/**
 * CloudWatch Logs ("Actions, resources, and condition keys for Amazon CloudWatch Logs"): actions are
 * `logs:<Operation>`. Log-group operations address `arn:aws:logs:R:A:log-group:NAME:*` — the form with
 * `:*` that Logs evaluates, which is why a policy on `log-group:NAME` without `:*` grants nothing in AWS
 * either; stream operations (PutLogEvents, GetLogEvents, DeleteLogStream) address
 * `…:log-group:NAME:log-stream:STREAM`. Queries address every log group they read. Destinations have
 * their own ARN; account-level and delivery operations take "*". `unmask: true` adds logs:Unmask.
 */
import { bounded, str, type Input, type Mapper, type MapperEnv } from "./common.js";

const STREAM_OPS = new Set(["PutLogEvents", "GetLogEvents", "DeleteLogStream"]);
const DESTINATION_OPS = new Set(["PutDestination", "PutDestinationPolicy", "DeleteDestination"]);
const ALL_GROUPS_OPS = new Set(["DescribeLogGroups", "ListLogGroups"]);

/** A log group's ARN from its name or an ARN (logGroupIdentifier accepts both; ARNs may end in `:*`). */
export function logGroupArn(env: MapperEnv, nameOrArn: string): string {
  if (nameOrArn.startsWith("arn:")) return nameOrArn.endsWith(":*") ? nameOrArn : `${nameOrArn}:*`;
  return `arn:aws:logs:${env.region}:${env.accountId}:log-group:${nameOrArn}:*`;
}

function groupsOf(input: Input): string[] {
  const out: string[] = [];
  for (const key of ["logGroupName", "logGroupIdentifier"]) {
    const v = str(input[key]);
    if (v) out.push(v);
  }
  for (const key of ["logGroupNames", "logGroupIdentifiers"]) {
    const v = input[key];
    if (Array.isArray(v)) for (const x of bounded(v)) if (typeof x === "string") out.push(x);
  }
  return out;
}

export const mapLogs: Mapper = (op, input, env) => {
  if (op === "TagResource" || op === "UntagResource" || op === "ListTagsForResource") return { resources: [str(input.resourceArn) ?? "*"] };
  if (DESTINATION_OPS.has(op)) return { resources: [`arn:aws:logs:${env.region}:${env.accountId}:destination:${str(input.destinationName) ?? ""}`] };
  if (ALL_GROUPS_OPS.has(op)) return { resources: [`arn:aws:logs:${env.region}:${env.accountId}:log-group:*`] };
  const groups = groupsOf(input);
  if (!groups.length) return input.unmask === true ? { resources: ["*"], extra: [{ action: "logs:Unmask", resources: ["*"] }] } : { resources: ["*"] };
  const arns = [...new Set(groups.map((g) => logGroupArn(env, g)))];
  // Reading masked data unmasked (GetLogEvents, FilterLogEvents with unmask) also needs logs:Unmask on the group.
  const extra = input.unmask === true ? [{ action: "logs:Unmask", resources: arns }] : undefined;
  const resources = STREAM_OPS.has(op) ? [arns[0]!.replace(/:\*$/, `:log-stream:${str(input.logStreamName) ?? ""}`)] : arns;
  return extra ? { resources, extra } : { resources };
};
