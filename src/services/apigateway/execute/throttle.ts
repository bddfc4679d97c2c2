/**
 * REST API throttling, as "Throttle requests to your REST APIs" describes it: a request passes the usage
 * plan's limits for its API key (the plan's per-method override, else the plan's throttle), the stage's
 * method limits (methodSettings `{resourcePath}/{METHOD}`, else `*\/*`; one bucket per method), and the
 * account's limit per region (--apigateway-rate/--apigateway-burst, AWS's 10,000 rps / 5,000 burst). Any
 * bucket that is empty answers 429 through the THROTTLED gateway response.
 * The buckets are core/token-bucket.ts's (state that a shared store could hold later).
 */
import type { Stage, UsagePlan } from "../../../aws/api/apigateway.js";
import type { TokenBuckets } from "../../../core/token-bucket.js";

export interface ThrottleLimits {
  rateLimit: number;
  burstLimit: number;
}

const normalizeKey = (k: string) => k.replace(/~1/g, "/").replace(/^\/+/, "");

/** Method settings key of a method, normalized: "pets/{id}/GET" (`~1` read as `/`, no leading slash; the root is "GET"). */
export const methodKey = (resourcePath: string, httpMethod: string): string => normalizeKey(`${resourcePath}/${httpMethod}`);

/** The stage's setting for this very method (`{resourcePath}/{METHOD}`), without `*\/*`. */
export function specificMethodSetting(stage: Stage, resourcePath: string, httpMethod: string): Record<string, unknown> | undefined {
  const want = methodKey(resourcePath, httpMethod);
  for (const [k, v] of Object.entries(stage.methodSettings ?? {})) if (k !== "*/*" && normalizeKey(k) === want) return v as Record<string, unknown>;
  return undefined;
}

/** The stage's method setting for this method (the specific one, else `*\/*`), merged field by field. */
export function methodSettingFor(stage: Stage, resourcePath: string, httpMethod: string): Record<string, unknown> | undefined {
  const settings = stage.methodSettings;
  if (!settings) return undefined;
  const all = settings["*/*"] as Record<string, unknown> | undefined;
  const specific = specificMethodSetting(stage, resourcePath, httpMethod);
  if (!specific) return all;
  if (!all) return specific;
  const merged = { ...all };
  for (const [k, v] of Object.entries(specific)) if (v !== undefined && v !== null) merged[k] = v;
  return merged;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);

/** The stage/method limits, if the stage sets any; an unset half takes the account's value. */
export function stageLimits(setting: Record<string, unknown> | undefined, account: ThrottleLimits): ThrottleLimits | undefined {
  const rate = num(setting?.throttlingRateLimit);
  const burst = num(setting?.throttlingBurstLimit);
  if (rate === undefined && burst === undefined) return undefined;
  return { rateLimit: rate ?? account.rateLimit, burstLimit: burst ?? account.burstLimit };
}

/**
 * The usage plan's limits for this method: the API stage's per-method override (keyed "/pets/GET"), else the
 * plan's throttle; `scope` tells which, so each gets its own bucket. A half left unset is not limited by the
 * plan (it takes the account's value).
 */
export function planLimits(plan: UsagePlan, apiId: string, stageName: string, resourcePath: string, httpMethod: string, account: ThrottleLimits): { limits: ThrottleLimits; scope: string } | undefined {
  const apiStage = plan.apiStages?.find((s) => s.apiId === apiId && s.stage === stageName);
  const want = methodKey(resourcePath, httpMethod);
  for (const [k, v] of Object.entries(apiStage?.throttle ?? {})) {
    if (normalizeKey(k) !== want) continue;
    const rate = num(v.rateLimit);
    const burst = num(v.burstLimit);
    if (rate !== undefined || burst !== undefined) return { limits: { rateLimit: rate ?? account.rateLimit, burstLimit: burst ?? account.burstLimit }, scope: `${apiId}/${stageName}/${want}` };
  }
  const rate = num(plan.throttle?.rateLimit);
  const burst = num(plan.throttle?.burstLimit);
  if (rate === undefined && burst === undefined) return undefined;
  return { limits: { rateLimit: rate ?? account.rateLimit, burstLimit: burst ?? account.burstLimit }, scope: "" };
}

export interface ThrottleRequest {
  accountId: string;
  region: string;
  apiId: string;
  stage: Stage;
  resourcePath: string;
  httpMethod: string;
  /** The usage plan and key when the method requires an API key. */
  plan?: { plan: UsagePlan; keyId: string };
}

/** Whether the request may pass every throttle that applies to it (client, method, account — in that order). */
export function passesThrottles(buckets: TokenBuckets, account: ThrottleLimits, r: ThrottleRequest, nowMs: number): boolean {
  if (r.plan) {
    const p = planLimits(r.plan.plan, r.apiId, r.stage.stageName ?? "", r.resourcePath, r.httpMethod, account);
    if (p && !buckets.take(`plan\u0000${r.plan.plan.id}\u0000${r.plan.keyId}\u0000${p.scope}`, p.limits.rateLimit, p.limits.burstLimit, nowMs).allowed) return false;
  }
  const m = stageLimits(methodSettingFor(r.stage, r.resourcePath, r.httpMethod), account);
  if (m && !buckets.take(`method\u0000${r.apiId}\u0000${r.stage.stageName}\u0000${methodKey(r.resourcePath, r.httpMethod)}`, m.rateLimit, m.burstLimit, nowMs).allowed) return false;
  return buckets.take(`account\u0000${r.accountId}\u0000${r.region}`, account.rateLimit, account.burstLimit, nowMs).allowed;
}
