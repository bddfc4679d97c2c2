/**
 * REST API resource policies ("Control access to a REST API with API Gateway resource policies"), evaluated on
 * each request against the method ARN with the action execute-api:Invoke.
 * - Principals: "*" and {"AWS": "*"} name everyone, the anonymous caller included; {"AWS": account | ARN}
 *   names IAM callers only (AWS_IAM methods), matched as IAM does (policy/principal.ts).
 * - Resources: full ARNs with wildcards, or the abbreviated form API Gateway expands on save
 *   ("execute-api:/stage/GET/path" → arn:aws:execute-api:{region}:{account}:{apiId}/stage/GET/path).
 * - Conditions (policy/conditions.ts): aws:SourceIp (IpAddress / NotIpAddress), aws:CurrentTime,
 *   aws:EpochTime, aws:SecureTransport, aws:UserAgent, aws:Referer and, for IAM callers, the aws:Principal*
 *   keys. aws:SourceVpc and aws:SourceVpce are never present (Skyport has no VPC endpoints): a condition on
 *   them is false, its negated form true — as for a request that reaches a public endpoint on AWS.
 * Combining with authorization: see authorize.ts ("How API Gateway resource policies affect authorization
 * workflow", tables A–C).
 */
import { compileConditions, conditionsHold, type CompiledCondition } from "../../../aws/policy/conditions.js";
import { compileGlob, globMatch, type Glob } from "../../../aws/policy/glob.js";
import { principalStrength, Strength } from "../../../aws/policy/principal.js";
import type { CallerIdentity, ConditionValue } from "../../../aws/policy/types.js";
import { normalizePolicy, type PrincipalValue } from "../../../aws/policy/validate.js";
import { contextLookup } from "../../../aws/policy/evaluate.js";

interface Compiled {
  statements: Array<{ effect: "Allow" | "Deny"; principal?: PrincipalValue; notPrincipal?: PrincipalValue; actions: Glob[] | null; notActions: Glob[] | null; resources: Glob[] | null; notResources: Glob[] | null; conditions: CompiledCondition[] }>;
}

const CACHE_LIMIT = 1000;
const compiled = new Map<string, Compiled>();

/** `execute-api:/…` → the full ARN of this API (the abbreviation API Gateway accepts in resource policies). */
function expand(resource: string, apiArnPrefix: string): string {
  return resource.startsWith("execute-api:/") ? apiArnPrefix + resource.slice("execute-api:/".length) : resource;
}

function compile(policy: string, apiArnPrefix: string): Compiled {
  const key = `${apiArnPrefix}\u0000${policy}`;
  let c = compiled.get(key);
  if (c) return c;
  const doc = normalizePolicy(policy);
  const globs = (list: string[] | undefined, lower = false) => (list ? list.map((p) => compileGlob(lower ? p.toLowerCase() : expand(p, apiArnPrefix))) : null);
  c = {
    statements: (doc?.Statement ?? []).map((s) => ({
      effect: s.Effect, principal: s.Principal, notPrincipal: s.NotPrincipal,
      actions: globs(s.Action, true), notActions: globs(s.NotAction, true), resources: globs(s.Resource), notResources: globs(s.NotResource),
      conditions: s.Condition ? compileConditions(s.Condition, doc?.Version === "2012-10-17") : [],
    })),
  };
  if (compiled.size >= CACHE_LIMIT) compiled.clear();
  compiled.set(key, c);
  return c;
}

/** Who is calling: nobody in particular (no IAM signature), or a resolved IAM identity. */
export type PolicyCaller = { anonymous: true } | { anonymous: false; caller: CallerIdentity };

function everyone(p: PrincipalValue | undefined): boolean {
  return p === "*" || (p !== undefined && (p.AWS ?? []).includes("*"));
}

function names(p: PrincipalValue | undefined, who: PolicyCaller): boolean {
  if (p === undefined) return false;
  if (everyone(p)) return true;
  return !who.anonymous && principalStrength(p, who.caller) !== Strength.None;
}

const INVOKE = "execute-api:invoke";

/**
 * The resource policy's answer for one request: "Allow" (a statement naming the caller allows), "Deny" (an
 * explicit deny applies) or "None" (nothing applies: an implicit deny).
 */
export function resourcePolicyEffect(policy: string, methodArn: string, who: PolicyCaller, context: Record<string, ConditionValue>): "Allow" | "Deny" | "None" {
  const apiArnPrefix = methodArn.slice(0, methodArn.indexOf("/") + 1);
  const lookup = who.anonymous ? (k: string) => context[k] : contextLookup(context, who.caller);
  let allowed = false;
  for (const s of compile(policy, apiArnPrefix).statements) {
    const covers = s.principal !== undefined ? names(s.principal, who) : s.notPrincipal !== undefined ? !names(s.notPrincipal, who) : false;
    if (!covers) continue;
    if (s.effect === "Allow" && allowed) continue;
    const action = s.actions ? s.actions.some((g) => globMatch(g, INVOKE)) : s.notActions ? !s.notActions.some((g) => globMatch(g, INVOKE)) : false;
    if (!action) continue;
    const resource = s.resources ? s.resources.some((g) => globMatch(g, methodArn)) : s.notResources ? !s.notResources.some((g) => globMatch(g, methodArn)) : true;
    if (!resource || !conditionsHold(s.conditions, lookup)) continue;
    if (s.effect === "Deny") return "Deny";
    allowed = true;
  }
  return allowed ? "Allow" : "None";
}

/** The request context keys a resource policy can test (lower-cased, as conditions look them up). */
export function policyContext(sourceIp: string, userAgent: string, referer: string | undefined, nowMs: number): Record<string, ConditionValue> {
  const out: Record<string, ConditionValue> = {
    "aws:sourceip": sourceIp, "aws:useragent": userAgent, "aws:securetransport": "false",
    "aws:currenttime": new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, "Z"), "aws:epochtime": String(Math.floor(nowMs / 1000)),
  };
  if (referer) out["aws:referer"] = referer;
  return out;
}

/** AWS's 403 message for a caller the resource policy refuses; the account id is masked as API Gateway masks it. */
export function resourcePolicyDeniedMessage(who: string, methodArn: string, explicit: boolean): string {
  const masked = methodArn.replace(/^(arn:[^:]*:execute-api:[^:]*:)(\d{8})(\d{4}):/, (_, head: string, _hidden: string, tail: string) => `${head}********${tail}:`);
  return `User: ${who} is not authorized to perform: execute-api:Invoke on resource: ${masked}${explicit ? " with an explicit deny" : ""}`;
}
