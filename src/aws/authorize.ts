/**
 * The --enforce-iam step of the AWS API pipeline: resolve the caller (IAM's IdentitySource), map the operation
 * to its IAM action and resource ARNs (src/aws/policy/actions.ts), evaluate (src/aws/policy/evaluate.ts) and
 * answer the service's own AccessDenied with AWS's message. The --credentials keys and the account root are
 * all-powerful and never reach IAM (no cost on their hot path). Decisions are cached per (access key, action,
 * resource) when the caller's policies carry no Condition (a condition may read per-request context), and the
 * cache is dropped on any IAM write (the IAM store's generation).
 */
import type { RequestContext } from "../edge/context.js";
import type { ServiceHost } from "../services/host.js";
import * as fallback from "./authorize-fallback.js";
import { ServiceError } from "./errors.js";
import type { AuthorizationRequest, CallerIdentity, ConditionValue, Decision, IdentitySource } from "./policy/types.js";

interface PolicyEngine {
  evaluate(req: AuthorizationRequest): Decision;
  authorizationFor(service: string, operation: string, input: Record<string, unknown>, ctx: RequestContext): { action: string; resources: string[]; context: Record<string, ConditionValue> };
}

/** What the authorizer needs from the IAM provider. */
interface IamSource extends IdentitySource {
  readonly generation: number;
}

// The evaluator and action map are the policy slice's modules; imported by a computed specifier so that this
// file builds before they exist (the fallback stands in meanwhile).
const EVALUATE_MODULE = "./policy/evaluate.js";
const ACTIONS_MODULE = "./policy/actions.js";
let engine: Promise<PolicyEngine> | undefined;
function loadEngine(): Promise<PolicyEngine> {
  engine ??= (async () => {
    const [ev, ac] = await Promise.all([import(EVALUATE_MODULE).catch(() => undefined), import(ACTIONS_MODULE).catch(() => undefined)]);
    return {
      evaluate: typeof ev?.evaluate === "function" ? ev.evaluate : fallback.evaluate,
      authorizationFor: typeof ac?.authorizationFor === "function" ? ac.authorizationFor : fallback.authorizationFor,
    };
  })();
  return engine;
}

/** Operations AWS never denies (GetCallerIdentity) or that check their own trust policy (AssumeRole*: STS decides). */
const UNCHECKED = new Set(["sts:GetCallerIdentity", "sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]);

/** The service's own access-denied error: code and status as each service answers it. */
const DENIED: Record<string, [code: string, status: number]> = {
  dynamodb: ["AccessDeniedException", 400],
  dynamodbstreams: ["AccessDeniedException", 400],
  logs: ["AccessDeniedException", 400],
  events: ["AccessDeniedException", 400],
  "cognito-idp": ["AccessDeniedException", 400],
  lightsail: ["AccessDeniedException", 400],
  lambda: ["AccessDeniedException", 403],
  apigateway: ["AccessDeniedException", 403],
  apigatewayv2: ["AccessDeniedException", 403],
  batch: ["AccessDeniedException", 403],
  iam: ["AccessDenied", 403],
  sts: ["AccessDenied", 403],
  s3: ["AccessDenied", 403],
  cloudwatch: ["AccessDenied", 403],
  cloudformation: ["AccessDenied", 403],
};

export function accessDenied(service: string, callerArn: string, action: string, resource: string, d: Decision): ServiceError {
  const [code, status] = DENIED[service] ?? ["AccessDeniedException", 403];
  const why = d.decision === "ExplicitDeny" ? `with ${d.reason}` : `because ${d.reason || "no identity-based policy allows"} the ${action} action`;
  return new ServiceError(code, `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`, status);
}

export class Authorizer {
  private readonly decisions = new Map<string, Decision>();
  private generation = -1;

  constructor(private readonly services: ServiceHost) {}

  /** The caller behind an access key, or undefined when IAM does not know it. */
  async caller(accessKeyId: string): Promise<CallerIdentity | undefined> {
    const iam = (await this.services.get("iam")) as IamSource | undefined;
    return iam?.identify(accessKeyId) ?? undefined;
  }

  /** Throws the service's AccessDenied unless the caller may perform the operation. */
  async authorize(service: string, operation: string, input: Record<string, unknown>, ctx: RequestContext): Promise<void> {
    const key = ctx.principal.accessKeyId;
    if (this.services.credentials.isConfigured(key)) return;
    const iam = (await this.services.get("iam")) as IamSource;
    if (iam.generation !== this.generation) {
      this.decisions.clear();
      this.generation = iam.generation;
    }
    const caller = await iam.identify(key);
    const e = await loadEngine();
    const { action, resources, context } = e.authorizationFor(service, operation, input, ctx);
    if (UNCHECKED.has(action)) return;
    if (!caller) throw accessDenied(service, `arn:aws:iam::${ctx.accountId}:user/unknown`, action, resources[0] ?? "*", { decision: "ImplicitDeny", reason: "no identity-based policy allows" });
    if (caller.allPowerful) return;
    const cacheable = !hasCondition(caller);
    for (const resource of resources.length ? resources : ["*"]) {
      const ck = `${key}\u0000${action}\u0000${resource}`;
      let d = cacheable ? this.decisions.get(ck) : undefined;
      if (!d) {
        d = e.evaluate({ action, resource, caller, context, resourceAccountId: ctx.accountId });
        if (cacheable) {
          if (this.decisions.size > 50_000) this.decisions.clear();
          this.decisions.set(ck, d);
        }
      }
      if (d.decision !== "Allow") throw accessDenied(service, caller.arn, action, resource, d);
    }
  }

  /** One decision, without the cache (STS's identity-policy half of AssumeRole). */
  async allows(caller: CallerIdentity, action: string, resource: string, ctx: RequestContext): Promise<Decision> {
    const e = await loadEngine();
    return e.evaluate({ action, resource, caller, context: { "aws:requestedregion": ctx.region }, resourceAccountId: ctx.accountId });
  }
}

const conditional = new WeakMap<CallerIdentity, boolean>();
function hasCondition(c: CallerIdentity): boolean {
  let v = conditional.get(c);
  if (v === undefined) {
    v = [...c.identityPolicies, c.permissionsBoundary ?? "", ...(c.sessionPolicies ?? [])].some((d) => d.includes('"Condition"'));
    conditional.set(c, v);
  }
  return v;
}

const authorizers = new WeakMap<ServiceHost, Authorizer>();
/** The server's authorizer (one per ServiceHost: its cache lives as long as the server). */
export function authorizerFor(services: ServiceHost): Authorizer {
  let a = authorizers.get(services);
  if (!a) authorizers.set(services, (a = new Authorizer(services)));
  return a;
}
