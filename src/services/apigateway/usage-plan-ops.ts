/**
 * API keys, usage plans, usage plan keys and VPC links: stored and queried as AWS does (values hidden unless asked
 * for, nameQuery prefix filters, keyId filter on GetUsagePlans). They are account-level, not part of any API's
 * definition document, so they live in their own table. The request path asks `usagePlanFor` which plan a key
 * value calls a stage under (an in-memory index rebuilt after any change here) and counts requests in
 * execute/usage.ts, which GetUsage reads and UpdateUsage adjusts.
 */
import type * as A from "../../aws/api/apigateway.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { Statement } from "../../store/store.js";
import type { ServiceEnv } from "../host.js";
import { ApiAuthorizerOps } from "./authorizer-ops.js";
import { dayOf, UsageCounter } from "./execute/usage.js";
import { applyPatch, type PatchOperation } from "./patch.js";
import { badRequest, page } from "./shared.js";
import { parseCsv, patchMethodThrottle } from "./usage-plan-input.js";

const MIGRATIONS = [
  `CREATE TABLE apigateway_keys (account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
     PRIMARY KEY (account, region, kind, id))`,
];
type VpcLink = A.GetVpcLinkOutput;
type Kind = "apikey" | "plan" | "vpclink";
/** A usage plan as stored: the plan plus the ids of its keys. */
type StoredPlan = A.UsagePlan & { keyIds?: string[] };

const keyNotFound = () => new ServiceError("NotFoundException", "Invalid API Key identifier specified", 404);
const vpcLinkNotFound = () => new ServiceError("NotFoundException", "Invalid Vpc Link identifier specified", 404);
const planNotFound = (_id: string) => new ServiceError("NotFoundException", "Invalid Usage Plan ID specified", 404);

export abstract class ApiUsagePlanOps extends ApiAuthorizerOps {
  private readonly k: { get: Statement; list: Statement; put: Statement; del: Statement };
  /** Requests counted per plan, key and day (quotas, GetUsage). */
  readonly usage: UsageCounter;
  /** key value → its plans, per account and region; dropped on every write to this table. */
  private planIndex = new Map<string, Map<string, { key: A.ApiKey; plans: StoredPlan[] }>>();

  constructor(env: ServiceEnv) {
    super(env);
    env.store.migrate("apigateway-keys", MIGRATIONS);
    const db = env.store.db;
    this.k = {
      get: db.prepare("SELECT doc FROM apigateway_keys WHERE account = ? AND region = ? AND kind = ? AND id = ?"),
      list: db.prepare("SELECT doc FROM apigateway_keys WHERE account = ? AND region = ? AND kind = ? ORDER BY id"),
      put: db.prepare("INSERT INTO apigateway_keys (account, region, kind, id, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, region, kind, id) DO UPDATE SET doc = excluded.doc"),
      del: db.prepare("DELETE FROM apigateway_keys WHERE account = ? AND region = ? AND kind = ? AND id = ?"),
    };
    this.usage = new UsageCounter(env.store);
  }

  /**
   * The request path's view of a key: the enabled key with this value and the usage plan through which it may
   * call this API stage (the first such plan by id), or undefined.
   */
  usagePlanFor(location: { accountId: string; region: string }, restApiId: string, stageName: string, value: string): { keyId: string; plan: A.UsagePlan } | undefined {
    const scope = `${location.accountId}\u0000${location.region}`;
    let index = this.planIndex.get(scope);
    if (!index) {
      const ctx = { accountId: location.accountId, region: location.region } as RequestContext;
      const plans = this.all<StoredPlan>(ctx, "plan");
      index = new Map();
      for (const key of this.all<A.ApiKey>(ctx, "apikey")) if (key.value) index.set(key.value, { key, plans: plans.filter((p) => p.keyIds?.includes(key.id!)) });
      if (this.planIndex.size > 1000) this.planIndex.clear();
      this.planIndex.set(scope, index);
    }
    const e = index.get(value);
    if (!e?.key.enabled) return undefined;
    const plan = e.plans.find((p) => (p.apiStages ?? []).some((s) => s.apiId === restApiId && s.stage === stageName));
    return plan && { keyId: e.key.id!, plan };
  }

  // ---- Usage ---------------------------------------------------------------------------------------------

  /** Daily [used, remaining] per key of the plan (keyed by key id, as AWS answers), from the request counts. */
  GetUsage(ctx: RequestContext, input: A.GetUsageInput): A.GetUsageOutput {
    const plan = this.plan(ctx, input.usagePlanId);
    const from = usageDate(input.startDate, "start");
    const to = usageDate(input.endDate, "end");
    if (to < from) throw badRequest("The end date must not be before the start date");
    if ((Date.parse(to) - Date.parse(from)) / 86_400_000 > 90) throw badRequest("The usage data can span at most 90 days");
    let keyIds = [...(plan.keyIds ?? [])].sort();
    if (input.keyId) {
      if (!keyIds.includes(input.keyId)) throw new ServiceError("NotFoundException", "Invalid Usage Plan Key identifier specified", 404);
      keyIds = [input.keyId];
    }
    const p = page(keyIds, input.position, input.limit, (k) => k);
    return { usagePlanId: plan.id, startDate: from, endDate: to, position: p.position, items: this.usage.daily(ctx.accountId, ctx.region, plan.id!, p.items ?? [], plan.quota, from, to) };
  }

  /** UpdateUsage: `replace /keyId:{keyId}/remaining` sets what the key has left in the current quota period. */
  UpdateUsage(ctx: RequestContext, input: A.UpdateUsageInput): A.UpdateUsageOutput {
    const plan = this.plan(ctx, input.usagePlanId);
    if (!plan.keyIds?.includes(input.keyId)) throw new ServiceError("NotFoundException", "Invalid Usage Plan Key identifier specified", 404);
    for (const op of input.patchOperations ?? []) {
      const m = /^\/keyId:([^/]+)\/remaining$/.exec(op.path ?? "");
      if (op.op !== "replace" || !m || m[1] !== input.keyId) throw badRequest(`Invalid patch path ${op.path ?? ""}`);
      const n = Number(op.value);
      if (!/^\d+$/.test(op.value ?? "")) throw badRequest(`Invalid remaining value: ${op.value ?? ""}`);
      if (!plan.quota?.limit) throw badRequest("Usage plan does not have a quota");
      this.usage.setRemaining(ctx.accountId, ctx.region, plan.id!, input.keyId, plan.quota, Math.min(n, plan.quota.limit), ctx.clock.now());
    }
    const today = dayOf(ctx.clock.now());
    return { usagePlanId: plan.id, startDate: today, endDate: today, items: this.usage.daily(ctx.accountId, ctx.region, plan.id!, [input.keyId], plan.quota, today, today) };
  }

  // ---- API keys ----------------------------------------------------------------------------------------

  /**
   * The data plane's API key check: a key with this value exists, is enabled, and is in a usage plan that
   * names this API stage ("API keys ... must be associated with a usage plan" — Choose an API key source).
   */
  apiKeyAllows(location: { accountId: string; region: string }, restApiId: string, stageName: string, value: string): boolean {
    return this.usagePlanFor(location, restApiId, stageName, value) !== undefined;
  }

  CreateApiKey(ctx: RequestContext, input: A.CreateApiKeyInput): A.ApiKey {
    if (input.value !== undefined && input.value.length < 20) throw badRequest("API Key value should be at least 20 characters");
    const keys = this.all<A.ApiKey>(ctx, "apikey");
    if (input.value && keys.some((k) => k.value === input.value)) throw new ServiceError("ConflictException", "API Key already exists", 409);
    for (const sk of input.stageKeys ?? []) this.stageOf(ctx, sk.restApiId ?? "", sk.stageName ?? "");
    const now = new Date(ctx.clock.now());
    const key: A.ApiKey = {
      id: this.env.ids.alnum(10), value: input.value ?? this.env.ids.alnum(40), name: input.name, customerId: input.customerId, description: input.description,
      enabled: input.enabled ?? false, createdDate: now, lastUpdatedDate: now,
      stageKeys: (input.stageKeys ?? []).map((s) => `${s.restApiId}/${s.stageName}`), tags: input.tags,
    };
    this.put(ctx, "apikey", key.id!, key);
    return key;
  }

  GetApiKey(ctx: RequestContext, input: A.GetApiKeyInput): A.ApiKey {
    const key = this.one<A.ApiKey>(ctx, "apikey", input.apiKey);
    if (!key) throw keyNotFound();
    return input.includeValue ? key : { ...key, value: undefined };
  }

  GetApiKeys(ctx: RequestContext, input: A.GetApiKeysInput): A.GetApiKeysOutput {
    const keys = this.all<A.ApiKey>(ctx, "apikey")
      .filter((k) => !input.nameQuery || (k.name ?? "").startsWith(input.nameQuery))
      .filter((k) => !input.customerId || k.customerId === input.customerId);
    const p = page(keys, input.position, input.limit, (k) => k.id!);
    return { ...p, items: p.items.map((k) => (input.includeValues ? k : { ...k, value: undefined })) };
  }

  UpdateApiKey(ctx: RequestContext, input: A.UpdateApiKeyInput): A.ApiKey {
    const key = this.one<A.ApiKey>(ctx, "apikey", input.apiKey);
    if (!key) throw keyNotFound();
    applyPatch(key as Record<string, unknown>, input.patchOperations as PatchOperation[] | undefined, /^\/(name|description|enabled|customerId|stages(\/.*)?)$/, (op, segments) => {
      if (segments[0] !== "stages") return false;
      // "/stages" with value "restApiId/stageName" adds or removes one stage key.
      const value = op.value ?? "";
      key.stageKeys = (key.stageKeys ?? []).filter((s) => s !== value);
      if (op.op === "add") {
        const [apiId = "", stage = ""] = value.split("/");
        this.stageOf(ctx, apiId, stage);
        key.stageKeys.push(value);
      }
      return true;
    });
    key.lastUpdatedDate = new Date(ctx.clock.now());
    this.put(ctx, "apikey", key.id!, key);
    return { ...key, value: undefined };
  }

  DeleteApiKey(ctx: RequestContext, input: A.DeleteApiKeyInput): Record<string, never> {
    if (!this.one(ctx, "apikey", input.apiKey)) throw keyNotFound();
    this.del(ctx, "apikey", input.apiKey);
    for (const plan of this.all<StoredPlan>(ctx, "plan")) {
      if (plan.keyIds?.includes(input.apiKey)) this.put(ctx, "plan", plan.id!, { ...plan, keyIds: plan.keyIds.filter((k) => k !== input.apiKey) });
    }
    return {};
  }

  /** The CSV file format of "API Gateway API key file format": Name and Key columns, optional Description, Enabled, UsagePlanIds. */
  ImportApiKeys(ctx: RequestContext, input: A.ImportApiKeysInput): A.ImportApiKeysOutput {
    if (input.format !== "csv") throw badRequest(`Invalid format specified: ${input.format}`);
    const rows = parseCsv(Buffer.from(input.body).toString("utf8"));
    const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
    const col = (name: string) => header.indexOf(name);
    if (col("name") < 0 || col("key") < 0) throw badRequest("API Key file must contain the Name and Key columns");
    const warnings: string[] = [];
    const planned: Array<{ name: string; value: string; description?: string; enabled: boolean; plans: string[] }> = [];
    rows.forEach((row, i) => {
      const get = (name: string) => (col(name) >= 0 ? (row[col(name)] ?? "").trim() : "");
      const value = get("key");
      const name = get("name");
      if (value.length < 20 || value.length > 128) return void warnings.push(`Line ${i + 2}: Key value must be between 20 and 128 characters`);
      if (name.length > 1024) return void warnings.push(`Line ${i + 2}: Name value cannot exceed 1024 characters`);
      const enabled = get("enabled");
      const plans = get("usageplanids").split(",").map((x) => x.trim()).filter(Boolean);
      for (const p of plans) if (!this.one(ctx, "plan", p)) return void warnings.push(`Line ${i + 2}: Invalid Usage Plan ID specified: ${p}`);
      planned.push({ name, value, description: get("description") || undefined, enabled: enabled === "" || enabled.toLowerCase() === "true", plans });
    });
    if (warnings.length && input.failOnWarnings) throw badRequest(warnings.join("; "));
    const ids: string[] = [];
    const now = new Date(ctx.clock.now());
    for (const k of planned) {
      // The same key value imported again overwrites the earlier key.
      const existing = this.all<A.ApiKey>(ctx, "apikey").find((x) => x.value === k.value);
      const key: A.ApiKey = existing
        ? { ...existing, name: k.name, description: k.description, enabled: k.enabled, lastUpdatedDate: now }
        : { id: this.env.ids.alnum(10), value: k.value, name: k.name, description: k.description, enabled: k.enabled, createdDate: now, lastUpdatedDate: now, stageKeys: [] };
      this.put(ctx, "apikey", key.id!, key);
      for (const planId of k.plans) {
        const plan = this.plan(ctx, planId);
        if (!plan.keyIds?.includes(key.id!)) this.put(ctx, "plan", plan.id!, { ...plan, keyIds: [...(plan.keyIds ?? []), key.id!] });
      }
      ids.push(key.id!);
    }
    return { ids, warnings: warnings.length ? warnings : undefined };
  }

  // ---- Usage plans ---------------------------------------------------------------------------------------

  CreateUsagePlan(ctx: RequestContext, input: A.CreateUsagePlanInput): A.UsagePlan {
    if (!input.name) throw badRequest("Invalid usage plan name specified");
    for (const s of input.apiStages ?? []) this.stageOf(ctx, s.apiId ?? "", s.stage ?? "");
    const plan: StoredPlan = { id: this.env.ids.alnum(6), name: input.name, description: input.description, apiStages: input.apiStages ?? [], throttle: input.throttle, quota: input.quota, tags: input.tags, keyIds: [] };
    this.put(ctx, "plan", plan.id!, plan);
    return publicPlan(plan);
  }

  GetUsagePlan(ctx: RequestContext, input: A.GetUsagePlanInput): A.UsagePlan {
    return publicPlan(this.plan(ctx, input.usagePlanId));
  }

  GetUsagePlans(ctx: RequestContext, input: A.GetUsagePlansInput): A.GetUsagePlansOutput {
    const plans = this.all<StoredPlan>(ctx, "plan").filter((p) => !input.keyId || p.keyIds?.includes(input.keyId));
    const p = page(plans, input.position, input.limit, (x) => x.id!);
    return { ...p, items: p.items.map(publicPlan) };
  }

  UpdateUsagePlan(ctx: RequestContext, input: A.UpdateUsagePlanInput): A.UsagePlan {
    const plan = this.plan(ctx, input.usagePlanId);
    const numeric = (o: Record<string, unknown> | undefined) => {
      for (const [k, v] of Object.entries(o ?? {})) if (typeof v === "string" && k !== "period") o![k] = Number(v);
    };
    applyPatch(plan as Record<string, unknown>, input.patchOperations as PatchOperation[] | undefined, /^\/(name|description|productCode|apiStages(\/.+)?|throttle\/.+|quota\/.+)$/, (op, segments) => {
      if (segments[0] !== "apiStages") return false;
      if (segments.length > 1) return patchMethodThrottle(plan, op, segments);
      // "/apiStages" with value "apiId:stageName" adds or removes one API stage.
      const [apiId = "", stage = ""] = (op.value ?? "").split(":");
      plan.apiStages = (plan.apiStages ?? []).filter((s) => !(s.apiId === apiId && s.stage === stage));
      if (op.op === "add") {
        this.stageOf(ctx, apiId, stage);
        plan.apiStages.push({ apiId, stage });
      }
      return true;
    });
    numeric(plan.throttle as Record<string, unknown> | undefined);
    numeric(plan.quota as Record<string, unknown> | undefined);
    this.put(ctx, "plan", plan.id!, plan);
    return publicPlan(plan);
  }

  DeleteUsagePlan(ctx: RequestContext, input: A.DeleteUsagePlanInput): Record<string, never> {
    this.plan(ctx, input.usagePlanId);
    this.del(ctx, "plan", input.usagePlanId);
    this.usage.deletePlan(ctx.accountId, ctx.region, input.usagePlanId);
    return {};
  }

  // ---- Usage plan keys -------------------------------------------------------------------------------------

  CreateUsagePlanKey(ctx: RequestContext, input: A.CreateUsagePlanKeyInput): A.CreateUsagePlanKeyOutput {
    const plan = this.plan(ctx, input.usagePlanId);
    if (input.keyType !== "API_KEY") throw badRequest(`Invalid key type specified: ${input.keyType}`);
    const key = this.one<A.ApiKey>(ctx, "apikey", input.keyId);
    if (!key) throw keyNotFound();
    if (plan.keyIds?.includes(input.keyId)) throw new ServiceError("ConflictException", `Usage Plan ${plan.id} cannot be added because API Key ${key.id} already exists in it`, 409);
    plan.keyIds = [...(plan.keyIds ?? []), input.keyId];
    this.put(ctx, "plan", plan.id!, plan);
    return planKey(key);
  }

  GetUsagePlanKey(ctx: RequestContext, input: A.GetUsagePlanKeyInput): A.GetUsagePlanKeyOutput {
    const plan = this.plan(ctx, input.usagePlanId);
    const key = plan.keyIds?.includes(input.keyId) ? this.one<A.ApiKey>(ctx, "apikey", input.keyId) : undefined;
    if (!key) throw new ServiceError("NotFoundException", "Invalid Usage Plan Key identifier specified", 404);
    return planKey(key);
  }

  GetUsagePlanKeys(ctx: RequestContext, input: A.GetUsagePlanKeysInput): A.GetUsagePlanKeysOutput {
    const plan = this.plan(ctx, input.usagePlanId);
    const keys = (plan.keyIds ?? []).sort().map((id) => this.one<A.ApiKey>(ctx, "apikey", id)).filter((k): k is A.ApiKey => !!k)
      .filter((k) => !input.nameQuery || (k.name ?? "").startsWith(input.nameQuery)).map(planKey);
    return page(keys, input.position, input.limit, (k) => k.id!);
  }

  DeleteUsagePlanKey(ctx: RequestContext, input: A.DeleteUsagePlanKeyInput): Record<string, never> {
    const plan = this.plan(ctx, input.usagePlanId);
    if (!plan.keyIds?.includes(input.keyId)) throw new ServiceError("NotFoundException", "Invalid Usage Plan Key identifier specified", 404);
    plan.keyIds = plan.keyIds.filter((k) => k !== input.keyId);
    this.put(ctx, "plan", plan.id!, plan);
    return {};
  }

  // ---- VPC links (stored so templates that declare one deploy; Skyport has no VPC to link) --------------------

  CreateVpcLink(ctx: RequestContext, input: A.CreateVpcLinkInput): VpcLink {
    if (!input.name) throw badRequest("Invalid VPC link name specified");
    if (!input.targetArns?.length) throw badRequest("At least one target ARN must be specified");
    if (input.targetArns.length > 1) throw badRequest("Only one target ARN is allowed per VPC link");
    if (!/^arn:aws[a-z-]*:elasticloadbalancing:[^:]+:\d{12}:loadbalancer\/net\/.+/.test(input.targetArns[0]!)) throw badRequest(`Invalid target ARN specified: ${input.targetArns[0]}`);
    // AWS reports PENDING until the link is built; there is nothing to build here, so it is AVAILABLE at once.
    const link: VpcLink = { id: this.env.ids.alnum(6), name: input.name, description: input.description, targetArns: input.targetArns, status: "AVAILABLE", tags: input.tags };
    this.put(ctx, "vpclink", link.id!, link);
    return link;
  }

  GetVpcLink(ctx: RequestContext, input: A.GetVpcLinkInput): VpcLink {
    return this.vpcLink(ctx, input.vpcLinkId);
  }

  GetVpcLinks(ctx: RequestContext, input: A.GetVpcLinksInput): A.GetVpcLinksOutput {
    return page(this.all<VpcLink>(ctx, "vpclink"), input.position, input.limit, (l) => l.id!);
  }

  UpdateVpcLink(ctx: RequestContext, input: A.UpdateVpcLinkInput): VpcLink {
    const link = this.vpcLink(ctx, input.vpcLinkId);
    applyPatch(link as Record<string, unknown>, input.patchOperations as PatchOperation[] | undefined, /^\/(name|description)$/);
    this.put(ctx, "vpclink", link.id!, link);
    return link;
  }

  DeleteVpcLink(ctx: RequestContext, input: A.DeleteVpcLinkInput): Record<string, never> {
    this.vpcLink(ctx, input.vpcLinkId);
    this.del(ctx, "vpclink", input.vpcLinkId);
    return {};
  }

  private vpcLink(ctx: RequestContext, id: string): VpcLink {
    const link = this.one<VpcLink>(ctx, "vpclink", id);
    if (!link) throw vpcLinkNotFound();
    return link;
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  /** Tag access for TagResource/UntagResource/GetTags on API key, usage plan and VPC link ARNs. */
  protected keyOrPlanTags(ctx: RequestContext, kind: Kind, id: string): { get(): Record<string, string>; set(tags: Record<string, string>): void } {
    const item = kind === "plan" ? this.plan(ctx, id) : kind === "vpclink" ? this.vpcLink(ctx, id) : this.one<A.ApiKey>(ctx, "apikey", id);
    if (!item) throw keyNotFound();
    return { get: () => item.tags ?? {}, set: (tags) => this.put(ctx, kind, id, { ...item, tags }) };
  }

  private stageOf(ctx: RequestContext, apiId: string, stage: string): void {
    this.api(ctx, apiId);
    if (!this.store.getStage(apiId, stage)) throw new ServiceError("NotFoundException", "Invalid Stage identifier specified", 404);
  }

  private plan(ctx: RequestContext, id: string): StoredPlan {
    const plan = this.one<StoredPlan>(ctx, "plan", id);
    if (!plan) throw planNotFound(id);
    return plan;
  }

  private one<T>(ctx: RequestContext, kind: Kind, id: string): T | undefined {
    const r = this.k.get.get(ctx.accountId, ctx.region, kind, id) as { doc: string } | undefined;
    return r && revive(JSON.parse(r.doc) as T);
  }

  private all<T>(ctx: RequestContext, kind: Kind): T[] {
    return (this.k.list.all(ctx.accountId, ctx.region, kind) as Array<{ doc: string }>).map((r) => revive(JSON.parse(r.doc) as T));
  }

  private put(ctx: RequestContext, kind: Kind, id: string, doc: unknown): void {
    this.k.put.run(ctx.accountId, ctx.region, kind, id, JSON.stringify(doc));
    this.planIndex.delete(`${ctx.accountId}\u0000${ctx.region}`);
  }

  private del(ctx: RequestContext, kind: Kind, id: string): void {
    this.k.del.run(ctx.accountId, ctx.region, kind, id);
    this.planIndex.delete(`${ctx.accountId}\u0000${ctx.region}`);
  }

  /** Forget in-memory state after /_skyport/reset. */
  protected resetUsage(): void {
    this.planIndex.clear();
    this.usage.reset();
  }
}

/** GetUsage's dates: YYYY-MM-DD (a full timestamp is cut to its day). */
function usageDate(v: string, which: string): string {
  const d = /^(\d{4}-\d{2}-\d{2})/.exec(v ?? "")?.[1];
  if (!d || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) throw badRequest(`Invalid ${which} date: ${v}`);
  return d;
}

function publicPlan(p: StoredPlan): A.UsagePlan {
  const { keyIds: _keys, ...plan } = p;
  return plan;
}

function planKey(k: A.ApiKey): A.CreateUsagePlanKeyOutput {
  return { id: k.id, type: "API_KEY", value: k.value, name: k.name };
}

function revive<T>(o: T): T {
  const r = o as Record<string, unknown>;
  for (const key of ["createdDate", "lastUpdatedDate"]) if (typeof r[key] === "string") r[key] = new Date(r[key] as string);
  return o;
}
