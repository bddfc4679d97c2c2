/** Helpers the Logs operations share: resolving a log group from a name or ARN, ARNs, sequence tokens. */
import { arn, parseArn } from "../../../core/arn.js";
import type { RequestContext } from "../../../edge/context.js";
import { Messages, Patterns } from "../constants.js";
import type { GroupRow, LogsStore } from "../store.js";
import { regexCount } from "../filter-pattern.js";
import { checks, invalidParameter, limitExceeded, notFound } from "../validate.js";
import type { Position } from "../tokens.js";

export const groupArn = (g: Pick<GroupRow, "account" | "region" | "name">) => arn("logs", g.region, g.account, `log-group:${g.name}`);

/** The log group name of an ARN ("arn:aws:logs:r:a:log-group:NAME" with or without ":*"), or undefined. */
export function groupNameOfArn(value: string): { account: string; region: string; name: string } | undefined {
  const a = parseArn(value);
  if (!a || a.service !== "logs" || !a.resource.startsWith("log-group:")) return undefined;
  let name = a.resource.slice("log-group:".length);
  if (name.endsWith(":*")) name = name.slice(0, -2);
  return { account: a.account, region: a.region, name };
}

/** The group an operation names through logGroupName or logGroupIdentifier (a name or an ARN); throws when it does not exist. */
export function resolveGroup(store: LogsStore, ctx: RequestContext, input: { logGroupName?: string; logGroupIdentifier?: string }): GroupRow {
  const { logGroupName, logGroupIdentifier } = input;
  checks()
    .string(logGroupName, "logGroupName", 1, 512, Patterns.LOG_GROUP_NAME)
    .string(logGroupIdentifier, "logGroupIdentifier", 1, 2048, Patterns.LOG_GROUP_IDENTIFIER)
    .throwIfAny();
  if (logGroupName !== undefined && logGroupIdentifier !== undefined) throw invalidParameter(Messages.NAME_AND_ARN);
  if (logGroupName === undefined && logGroupIdentifier === undefined) throw invalidParameter(Messages.NAME_OR_ARN);
  let account = ctx.accountId;
  let region = ctx.region;
  let name = logGroupName ?? logGroupIdentifier!;
  if (logGroupName === undefined && name.startsWith("arn:")) {
    const parsed = groupNameOfArn(name);
    if (!parsed) throw notFound(Messages.GROUP_NOT_FOUND);
    ({ account, region, name } = parsed);
  }
  const g = store.getGroup(account, region, name);
  if (!g) throw notFound(Messages.GROUP_NOT_FOUND);
  return g;
}

/** The group named by logGroupName (operations without logGroupIdentifier). */
export function requireGroup(store: LogsStore, ctx: RequestContext, name: string): GroupRow {
  checks().string(name, "logGroupName", 1, 512, Patterns.LOG_GROUP_NAME).throwIfAny();
  const g = store.getGroup(ctx.accountId, ctx.region, name);
  if (!g) throw notFound(Messages.GROUP_NOT_FOUND);
  return g;
}

const TOKEN_BASE = 4n * 10n ** 55n;

/** A stream's upload sequence token: 56 digits, as AWS's (no longer enforced, still returned). */
export function sequenceToken(streamId: number, uploads: number): string {
  return (TOKEN_BASE + (BigInt(streamId) << 64n) + BigInt(uploads)).toString();
}

export const comparePositions = (a: Position, b: Position) => a.ts - b.ts || a.seq - b.seq;

/** Doc quotas: "a maximum of 5 filter patterns containing regex for each log group" (metric and subscription filters together). */
export const MAX_REGEX_FILTERS_PER_GROUP = 5;

/** Throws LimitExceededException when adding `pattern` as filter `name` would pass the regex-pattern quota of the group. */
export function checkRegexQuota(store: LogsStore, groupId: number, kind: "metric" | "subscription", name: string, pattern: string): void {
  if (!regexCount(pattern)) return;
  let n = 0;
  for (const f of store.s.groupFilterPatterns!.all(groupId) as Array<{ name: string; pattern: string }>) {
    if (!(kind === "metric" && f.name === name) && regexCount(f.pattern)) n++;
  }
  for (const f of store.s.listSubscriptions!.all(groupId) as Array<{ name: string; body: string }>) {
    if (!(kind === "subscription" && f.name === name) && regexCount((JSON.parse(f.body) as { filterPattern: string }).filterPattern)) n++;
  }
  if (n >= MAX_REGEX_FILTERS_PER_GROUP) throw limitExceeded();
}
