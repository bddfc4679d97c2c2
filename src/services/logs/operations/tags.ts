/** Tags of log groups: the legacy *LogGroup operations by name and the *Resource ones by ARN (log groups are the only taggable resource kept so far). */
import type * as L from "../../../aws/api/logs.js";
import { ServiceError } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits, Messages } from "../constants.js";
import type { GroupRow, LogsStore } from "../store.js";
import { checks, notFound } from "../validate.js";
import { groupArn, groupNameOfArn, requireGroup } from "./common.js";

export function tagLogGroup(store: LogsStore, ctx: RequestContext, input: L.TagLogGroupInput): L.TagLogGroupOutput {
  checks().tags(input.tags, "tags").throwIfAny();
  tag(store, requireGroup(store, ctx, input.logGroupName), input.tags);
  return {};
}

export function untagLogGroup(store: LogsStore, ctx: RequestContext, input: L.UntagLogGroupInput): L.UntagLogGroupOutput {
  checks().size(input.tags, "tags", 1, Limits.MAX_TAGS).throwIfAny();
  untag(store, requireGroup(store, ctx, input.logGroupName), input.tags);
  return {};
}

export function listTagsLogGroup(store: LogsStore, ctx: RequestContext, input: L.ListTagsLogGroupInput): L.ListTagsLogGroupOutput {
  return { tags: JSON.parse(requireGroup(store, ctx, input.logGroupName).tags) as Record<string, string> };
}

export function tagResource(store: LogsStore, ctx: RequestContext, input: L.TagResourceInput): L.TagResourceOutput {
  checks().string(input.resourceArn, "resourceArn", 1, 1011).tags(input.tags, "tags").throwIfAny();
  tag(store, groupOfArn(store, ctx, input.resourceArn), input.tags);
  return {};
}

export function untagResource(store: LogsStore, ctx: RequestContext, input: L.UntagResourceInput): L.UntagResourceOutput {
  checks().string(input.resourceArn, "resourceArn", 1, 1011).size(input.tagKeys, "tagKeys", 0, Limits.MAX_TAGS).throwIfAny();
  untag(store, groupOfArn(store, ctx, input.resourceArn), input.tagKeys);
  return {};
}

export function listTagsForResource(store: LogsStore, ctx: RequestContext, input: L.ListTagsForResourceInput): L.ListTagsForResourceOutput {
  checks().string(input.resourceArn, "resourceArn", 1, 1011).throwIfAny();
  return { tags: JSON.parse(groupOfArn(store, ctx, input.resourceArn).tags) as Record<string, string> };
}

/** The log group of a resource ARN. */
function groupOfArn(store: LogsStore, ctx: RequestContext, resourceArn: string): GroupRow {
  const parsed = groupNameOfArn(resourceArn);
  if (!parsed) throw notFound("The specified resource does not exist.");
  const g = store.getGroup(parsed.account || ctx.accountId, parsed.region || ctx.region, parsed.name);
  if (!g) throw notFound(Messages.GROUP_NOT_FOUND);
  return g;
}

function tag(store: LogsStore, g: GroupRow, tags: Record<string, string>): void {
  const merged = { ...(JSON.parse(g.tags) as Record<string, string>), ...tags };
  if (Object.keys(merged).length > Limits.MAX_TAGS) throw new ServiceError("TooManyTagsException", Messages.TOO_MANY_TAGS, 400, true, { resourceName: groupArn(g) });
  store.s.setTags!.run(JSON.stringify(merged), g.id);
}

function untag(store: LogsStore, g: GroupRow, keys: string[]): void {
  const tags = JSON.parse(g.tags) as Record<string, string>;
  for (const k of keys) delete tags[k];
  store.s.setTags!.run(JSON.stringify(tags), g.id);
}
