/**
 * Lambda authorizer results cached as API Gateway caches them ("Configure a Lambda authorizer": Authorization
 * caching): per authorizer and per value of its identity sources, for authorizerResultTtlInSeconds (0 turns
 * caching off). What is cached is the function's answer — the policy, principal and context — not a decision:
 * the policy is evaluated again for each method ARN, so a cached answer opens only the methods its policy
 * covers. Entries are scoped by API and stage so that FlushStageAuthorizersCache drops one stage's answers.
 * Shared with HTTP APIs (no REST types here). Safe to lose: a miss only invokes the function again.
 */
import type { Clock } from "../../../core/clock.js";
import type { AuthorizerAnswer } from "./lambda-authorizer.js";

export const AuthorizerCacheLimits = {
  /** Entries kept across all authorizers; the oldest go first (insertion order). */
  MAX_ENTRIES: 10_000,
  /** AWS's maximum authorizerResultTtlInSeconds. */
  MAX_TTL_SECONDS: 3600,
} as const;

interface Entry {
  answer: AuthorizerAnswer;
  expiresAtMs: number;
}

const SEP = "\u0000";

export class AuthorizerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<AuthorizerAnswer>>();

  constructor(private readonly clock: Clock, private readonly maxEntries: number = AuthorizerCacheLimits.MAX_ENTRIES) {}

  /** The key of one answer: scope (API + stage), authorizer and the identity-source values, in order. */
  static key(apiId: string, stage: string, authorizerId: string, identity: readonly string[]): string {
    // JSON keeps the values apart whatever they contain (a query value may hold a NUL).
    return `${apiId}/${stage}${SEP}${authorizerId}${SEP}${JSON.stringify(identity)}`;
  }

  get(key: string): AuthorizerAnswer | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAtMs <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.answer;
  }

  set(key: string, answer: AuthorizerAnswer, ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) return;
    const ttl = Math.min(ttlSeconds, AuthorizerCacheLimits.MAX_TTL_SECONDS);
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { answer, expiresAtMs: this.clock.now() + ttl * 1000 });
  }

  /**
   * The cached answer, or the one `produce` gives — produced once for concurrent callers with the same key
   * (a burst of requests with a new token invokes the function once, not once per request).
   */
  async getOrProduce(key: string, ttlSeconds: number, produce: () => Promise<AuthorizerAnswer>, cacheable: (a: AuthorizerAnswer) => boolean): Promise<{ answer: AuthorizerAnswer; cached: boolean }> {
    const hit = this.get(key);
    if (hit) return { answer: hit, cached: true };
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = produce().then((answer) => {
        if (cacheable(answer)) this.set(key, answer, ttlSeconds);
        return answer;
      }).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
      return { answer: await pending, cached: false };
    }
    return { answer: await pending, cached: true };
  }

  /** Drops every answer cached for one stage of one API (FlushStageAuthorizersCache). */
  flushStage(apiId: string, stage: string): number {
    const prefix = `${apiId}/${stage}${SEP}`;
    let n = 0;
    for (const k of this.entries.keys()) {
      if (k.startsWith(prefix)) {
        this.entries.delete(k);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.entries.size;
  }
}
