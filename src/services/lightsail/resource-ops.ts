/**
 * Cross-resource operations: TagResource / UntagResource (by resource name, any type, optional ARN check),
 * GetOperation(s), GetOperationsForResource, GetActiveNames. They work on every resource stored in the
 * shared `lightsail_resources` table, whichever group created it.
 */
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { checkName, invalidInput, notFound, type LightsailShared, type ResourceRow } from "./shared.js";

type Tagged = { tags?: L.TagsShape; arn?: string };

export class ResourceOps {
  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {}

  private resolve(ctx: RequestContext, name: string, arn?: string): ResourceRow<Tagged> {
    const rows = this.shared.db.byName(ctx, name) as ResourceRow<Tagged>[];
    const r = arn ? rows.find((x) => x.arn === arn) : rows[0];
    if (!r) throw notFound(`The resource does not exist: ${name}`);
    return r;
  }

  TagResource(ctx: RequestContext, input: L.TagResourceInput): L.TagResourceOutput {
    const r = this.resolve(ctx, checkName(input.resourceName, "resourceName"), input.resourceArn);
    const add = this.shared.tagsIn(input.tags);
    const tags = new Map((r.body.tags ?? []).map((t) => [t.key!, t.value ?? ""]));
    for (const t of add) tags.set(t.key!, t.value ?? "");
    if (tags.size > 50) throw invalidInput("A resource can have at most 50 tags");
    r.body.tags = [...tags].map(([key, value]) => ({ key, value }));
    this.shared.db.put(r);
    return { operations: [this.shared.operation(ctx, r.name, r.type, "TagResource")] };
  }

  UntagResource(ctx: RequestContext, input: L.UntagResourceInput): L.UntagResourceOutput {
    const r = this.resolve(ctx, checkName(input.resourceName, "resourceName"), input.resourceArn);
    if (!Array.isArray(input.tagKeys) || input.tagKeys.length > 50) throw invalidInput("tagKeys must list 1 to 50 keys");
    const drop = new Set(input.tagKeys);
    r.body.tags = (r.body.tags ?? []).filter((t) => !drop.has(t.key!));
    this.shared.db.put(r);
    return { operations: [this.shared.operation(ctx, r.name, r.type, "UntagResource")] };
  }

  GetOperation(ctx: RequestContext, input: L.GetOperationInput): L.GetOperationOutput {
    const op = typeof input.operationId === "string" ? this.shared.db.getOperation(ctx, input.operationId) : undefined;
    if (!op) throw notFound(`The Operation does not exist: ${String(input.operationId).slice(0, 64)}`);
    return { operation: op };
  }

  GetOperations(ctx: RequestContext): L.GetOperationsOutput {
    return { operations: this.shared.db.operations(ctx) };
  }

  GetOperationsForResource(ctx: RequestContext, input: L.GetOperationsForResourceInput): L.GetOperationsForResourceOutput {
    const name = checkName(input.resourceName, "resourceName");
    return { operations: this.shared.db.operations(ctx, name) };
  }

  GetActiveNames(ctx: RequestContext): L.GetActiveNamesOutput {
    const names = new Set<string>();
    for (const t of ["Instance", "StaticIp", "Disk", "LoadBalancer", "RelationalDatabase"]) for (const r of this.shared.db.list(ctx, t)) names.add(r.name);
    return { activeNames: [...names] };
  }
}
