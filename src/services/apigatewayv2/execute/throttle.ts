/**
 * HTTP API throttling ("Protect your HTTP API": throttling): each route has a token bucket with the stage's
 * route settings for its route key (RouteSettings["GET /pets"]), else the stage's DefaultRouteSettings, field
 * by field; then the account's limit per region (--apigateway-rate/--apigateway-burst). An empty bucket
 * answers 429 {"message":"Too Many Requests"}. Buckets are core/token-bucket.ts's, kept in this process
 * (the account bucket is not shared with the REST path's yet).
 */
import { MemoryTokenBuckets } from "../../../core/token-bucket.js";
import type { Exchange } from "./pipeline.js";

const buckets = new MemoryTokenBuckets();

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined);

/** Forgets every bucket (server reset). */
export function resetThrottles(): void {
  buckets.reset();
}

/** True when the request must be refused with 429. */
export function throttled(ex: Exchange): boolean {
  const account = ex.plane.services.config.apigatewayThrottle ?? { rateLimit: 10000, burstLimit: 5000 };
  const key = ex.match!.route.RouteKey;
  const specific = ex.stage?.RouteSettings?.[key];
  const defaults = ex.stage?.DefaultRouteSettings;
  const rate = num(specific?.ThrottlingRateLimit) ?? num(defaults?.ThrottlingRateLimit);
  const burst = num(specific?.ThrottlingBurstLimit) ?? num(defaults?.ThrottlingBurstLimit);
  const now = ex.plane.provider.now();
  if (rate !== undefined || burst !== undefined) {
    const id = `route\u0000${ex.entry.api.ApiId}\u0000${ex.stageName}\u0000${key}`;
    if (!buckets.take(id, rate ?? account.rateLimit, burst ?? account.burstLimit, now).allowed) return true;
  }
  return !buckets.take(`account\u0000${ex.entry.account}\u0000${ex.entry.region}`, account.rateLimit, account.burstLimit, now).allowed;
}
