/**
 * Roles that AWS services assume for their owner — a Batch job's role (ecs-tasks.amazonaws.com), an API Gateway
 * integration's or Lambda authorizer's credentials (apigateway.amazonaws.com) — through STS's own AssumeRole logic
 * (StsProvider.assumeRoleForService: the role must exist and trust the service principal). Only under
 * --enforce-iam: without it Skyport checks no identity, as for Lambda's execution role (lambda/role-check.ts), and
 * callers keep acting as the account. Calls a service then makes in process with the role's credentials go through
 * `roleCaller`, which evaluates them against the role's policies exactly as the edge evaluates a signed request.
 */
import { authorizerFor } from "../../aws/authorize.js";
import type { SessionCredentials } from "../../aws/credentials.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceHost } from "../host.js";
import type { StsProvider } from "./provider.js";

/** The one thing in-process integrations need from the host: calling an operation. */
export interface InProcessCaller {
  call<O = Record<string, unknown>>(service: string, operation: string, ctx: RequestContext, input: object): Promise<O>;
}

/** Who an integration acts as: the context to call with and the caller that authorizes (or not) its calls. */
export interface ActingIdentity {
  ctx: RequestContext;
  caller: InProcessCaller;
}

const SESSION_SECONDS = 3600;
/** A cached session is handed out until this close to its expiry (a call in flight must not outlive it). */
const RENEW_BEFORE_MS = 5 * 60_000;
const MAX_CACHED = 1000;

interface Cached {
  creds: SessionCredentials;
  generation: number;
}
const sessions = new WeakMap<ServiceHost, Map<string, Cached>>();

/**
 * Assumes `roleArn` for `servicePrincipal`. Undefined without --enforce-iam (the caller acts as the account);
 * null when the role does not exist or does not trust the principal. With `reuse` the session is shared by
 * later calls until shortly before it expires or IAM changes (a request path must not mint a session per request).
 */
export async function assumeServiceRole(
  services: ServiceHost,
  o: { roleArn: string; servicePrincipal: string; sessionName: string; region: string; kind?: SessionCredentials["kind"]; seconds?: number; reuse?: { now: number } },
): Promise<SessionCredentials | null | undefined> {
  if (!services.config.enforceIam) return undefined;
  const iam = (await services.get("iam")) as { generation: number } | undefined;
  const generation = iam?.generation ?? 0;
  const key = `${o.servicePrincipal}\u0000${o.roleArn}`;
  let cache = sessions.get(services);
  if (o.reuse) {
    const hit = cache?.get(key);
    if (hit && hit.generation === generation && hit.creds.expiresAt - RENEW_BEFORE_MS > o.reuse.now && services.credentials.lookup(hit.creds.accessKeyId)) return hit.creds;
  }
  const sts = (await services.get("sts")) as StsProvider;
  const creds = await sts.assumeRoleForService(o.servicePrincipal, o.roleArn, o.sessionName, o.seconds ?? SESSION_SECONDS, o.kind ?? "function", o.region);
  if (!creds) {
    cache?.delete(key);
    return null;
  }
  if (o.reuse) {
    if (!cache) sessions.set(services, (cache = new Map()));
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, { creds, generation });
  }
  return creds;
}

/** A caller whose in-process calls are authorized like signed requests of the principal in `ctx` (--enforce-iam). */
export function roleCaller(services: ServiceHost): InProcessCaller {
  const authorizer = authorizerFor(services);
  return {
    async call<O>(service: string, operation: string, ctx: RequestContext, input: object): Promise<O> {
      await authorizer.authorize(service, operation, input as Record<string, unknown>, { ...ctx, service, operation });
      return services.call<O>(service, operation, ctx, input);
    },
  };
}

/**
 * The identity an API Gateway integration (or authorizer) with `credentials` acts as: the account itself when
 * there are none or IAM is not enforced; the role's session otherwise, with calls authorized against its policies.
 * "refused" when API Gateway could not assume the role (AWS: 500, "API Gateway does not have permission to
 * assume the provided role ARN" in the execution log).
 */
export async function apiGatewayIdentity(services: ServiceHost, owner: RequestContext, credentials: string | undefined, callerKey?: string): Promise<ActingIdentity | "refused"> {
  if (!credentials || !services.config.enforceIam) return { ctx: owner, caller: services };
  const act = (accessKeyId: string): ActingIdentity => ({ ctx: { ...owner, principal: { accessKeyId, anonymous: false } }, caller: roleCaller(services) });
  // "Invoke with caller credentials" (REST AWS_IAM methods): the signed caller's own identity.
  if (credentials === CALLER_CREDENTIALS) return callerKey ? act(callerKey) : "refused";
  const creds = await assumeServiceRole(services, { roleArn: credentials, servicePrincipal: "apigateway.amazonaws.com", sessionName: "BackplaneAssumeRoleSession", region: owner.region, reuse: { now: owner.clock.now() } });
  return creds ? act(creds.accessKeyId) : "refused";
}

/** The credentials value that makes API Gateway call with the caller's own (IAM-authorized) identity. */
export const CALLER_CREDENTIALS = "arn:aws:iam::*:user/*";

/** AWS's execution-log reason when API Gateway cannot assume an integration's or authorizer's role. */
export const cannotAssume = (roleArn: string) => `API Gateway does not have permission to assume the provided role ${roleArn}`;
