/** ListLogGroups, the newer listing (summaries only; the name pattern is a small regex, not a substring). */
import type { ListLogGroupsInput, ListLogGroupsOutput } from "../../../aws/api/logs.js";
import { compileUserRegex } from "../../../core/user-regex.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits } from "../constants.js";
import type { GroupRow, LogsStore } from "../store.js";
import { decodePageToken, encodePageToken } from "../tokens.js";
import { checks } from "../validate.js";
import { groupArn } from "./common.js";

const LOG_GROUP_CLASSES = ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"] as const;
/**
 * API reference: "as many as five different regular expression patterns ... each of which must be between
 * 3 and 24 characters", `^` for a prefix, `|` between patterns, case-sensitive.
 */
const NAME_REGEX_PATTERN = { re: /^\^?[.\-_/#A-Za-z0-9]{3,24}(\|\^?[.\-_/#A-Za-z0-9]{3,24}){0,4}$/, text: "(\\^?[\\.\\-_\\/#A-Za-z0-9]{3,24})(\\|\\^?[\\.\\-_\\/#A-Za-z0-9]{3,24}){0,4}" };

type NameToken = { n: string };
const isNameToken = (v: unknown): v is NameToken => typeof (v as NameToken)?.n === "string";

export function listLogGroups(store: LogsStore, ctx: RequestContext, input: ListLogGroupsInput): ListLogGroupsOutput {
  checks()
    .string(input.logGroupNamePattern, "logGroupNamePattern", 3, 129, NAME_REGEX_PATTERN)
    .oneOf(input.logGroupClass, "logGroupClass", LOG_GROUP_CLASSES)
    .size(input.accountIdentifiers, "accountIdentifiers", 0, 20)
    .range(input.limit, "limit", 1, 1000)
    .string(input.nextToken, "nextToken", 1, Number.MAX_SAFE_INTEGER)
    .throwIfAny();
  const re = input.logGroupNamePattern !== undefined ? compileUserRegex(input.logGroupNamePattern) : undefined;
  const after = input.nextToken !== undefined ? decodePageToken(input.nextToken, isNameToken).n : "";
  const limit = input.limit ?? Limits.MAX_DESCRIBE_LIMIT;
  const page: GroupRow[] = [];
  let more = false;
  for (const g of store.s.listGroups!.iterate(ctx.accountId, ctx.region, after, null, null, null) as IterableIterator<GroupRow>) {
    if (re && !re.test(g.name)) continue;
    if (input.logGroupClass && g.class !== input.logGroupClass) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(g);
  }
  const out: ListLogGroupsOutput = { logGroups: page.map((g) => ({ logGroupName: g.name, logGroupArn: groupArn(g), logGroupClass: g.class })) };
  if (more) out.nextToken = encodePageToken({ n: page[page.length - 1]!.name } satisfies NameToken);
  return out;
}
