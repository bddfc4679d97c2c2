/**
 * The --enforce-iam step of the AWS API pipeline: resolve the caller (IAM's IdentitySource), map the operation
 * to its IAM action(s) and resource ARNs (policy/actions.ts), evaluate (policy/evaluate.ts) and answer the
 * service's own AccessDenied with AWS's message (policy/denied.ts). The --credentials keys never reach IAM
 * (no cost on their hot path); the account root is all-powerful. Decisions are cached per (access key,
 * action, resource) when no policy involved has a condition or variable (isContextFree), and the cache is
 * dropped on any IAM write (the IAM store's generation).
 * The resource's own policy (a function's, a bucket's, a table's, a bus's, a repository's: policy/resource-policies.ts)
 * joins the decision as AWS's evaluation logic says, and its text the cache key.
 * AssumeRole is left to STS, which evaluates the caller against the role's trust policy as a resource policy
 * (a trust policy naming the caller itself needs no identity policy, as on AWS).
 */
import type { RequestContext } from "../edge/context.js";
import type { ServiceHost } from "../services/host.js";
import { authorizationFor } from "./policy/actions.js";
import { accessDeniedError } from "./policy/denied.js";
import { evaluate, isContextFree } from "./policy/evaluate.js";
import { arnAccount } from "./policy/services/common.js";
import { resourcePolicyOf } from "./policy/resource-policies.js";
import type { CallerIdentity, Decision, IdentitySource } from "./policy/types.js";

/** What the authorizer needs from the IAM provider. */
interface IamSource extends IdentitySource {
  readonly generation: number;
}

/** Left to the operation itself (STS checks the trust policy and, under enforcement, the caller's policies). */
const DECIDED_BY_OPERATION = new Set(["sts:AssumeRole"]);
const MAX_CACHED_DECISIONS = 50_000;

/** Cached decisions of one access key: action → resource → the decision and the resource policy it was made with. */
type KeyDecisions = Map<string, Map<string, { resourcePolicy: string | undefined; decision: Decision }>>;

export class Authorizer {
  // Nested maps, not one concatenated key: building and hashing a fresh key string per request cost as much as the rest.
  private readonly decisions = new Map<string, KeyDecisions>();
  private cachedCount = 0;
  private generation = -1;
  private iam: IamSource | undefined;

  constructor(private readonly services: ServiceHost) {}

  /** Throws the service's AccessDenied unless the caller may perform the operation. */
  async authorize(service: string, operation: string, input: Record<string, unknown>, ctx: RequestContext): Promise<void> {
    const key = ctx.principal.accessKeyId;
    if (this.services.credentials.isConfigured(key)) return;
    const iam = (this.iam ??= (await this.services.get("iam")) as IamSource);
    if (iam.generation !== this.generation) {
      this.decisions.clear();
      this.cachedCount = 0;
      this.generation = iam.generation;
    }
    let caller = iam.identify(key);
    if (caller instanceof Promise) caller = await caller;
    const auth = authorizationFor(service, operation, input, { accountId: ctx.accountId, region: ctx.region, clock: ctx.clock, caller });
    if (!auth.iamChecked || DECIDED_BY_OPERATION.has(auth.action)) return;
    if (!caller) {
      const unknown: CallerIdentity = { accountId: ctx.accountId, arn: `arn:aws:iam::${ctx.accountId}:user/unknown`, principalArn: "", userId: key, kind: "user", identityPolicies: [], principalTags: {}, allPowerful: false };
      throw accessDeniedError(service, { action: auth.action, resource: auth.resources[0] ?? "*", caller: unknown }, { decision: "ImplicitDeny", reason: "no identity-based policy allows" });
    }
    if (caller.allPowerful) return;
    const callerContextFree = isContextFree({ caller });
    for (const check of auth.checks) {
      for (const resource of check.resources.length ? check.resources : ["*"]) {
        // The resource's own policy (resource-policies.ts) joins the decision, and its text the cache key.
        let resourcePolicy = resource === "*" ? undefined : resourcePolicyOf(this.services, resource);
        if (resourcePolicy instanceof Promise) resourcePolicy = await resourcePolicy;
        const cacheable = callerContextFree && (!resourcePolicy || isContextFree({ caller, resourcePolicy }));
        const cached = cacheable ? this.decisions.get(key)?.get(check.action)?.get(resource) : undefined;
        let d = cached && cached.resourcePolicy === resourcePolicy ? cached.decision : undefined;
        if (!d) {
          d = evaluate({ action: check.action, resource, caller, context: auth.context, resourcePolicy, resourceAccountId: arnAccount(resource) ?? ctx.accountId }); // another account's resource needs both sides to allow
          if (cacheable) this.remember(key, check.action, resource, resourcePolicy, d);
        }
        if (d.decision !== "Allow") throw accessDeniedError(service, { action: check.action, resource, caller }, d);
      }
    }
  }

  private remember(key: string, action: string, resource: string, resourcePolicy: string | undefined, decision: Decision): void {
    if (this.cachedCount >= MAX_CACHED_DECISIONS) {
      this.decisions.clear();
      this.cachedCount = 0;
    }
    let byAction = this.decisions.get(key);
    if (!byAction) this.decisions.set(key, (byAction = new Map()));
    let byResource = byAction.get(action);
    if (!byResource) byAction.set(action, (byResource = new Map()));
    if (!byResource.has(resource)) this.cachedCount++;
    byResource.set(resource, { resourcePolicy, decision });
  }
}

const authorizers = new WeakMap<ServiceHost, Authorizer>();
/** The server's authorizer (one per ServiceHost: its cache lives as long as the server). */
export function authorizerFor(services: ServiceHost): Authorizer {
  let a = authorizers.get(services);
  if (!a) authorizers.set(services, (a = new Authorizer(services)));
  return a;
}
