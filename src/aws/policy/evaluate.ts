/**
 * Policy evaluation as AWS documents it ("Policy evaluation logic", "How AWS enforcement code logic evaluates
 * requests", "Cross-account policy evaluation logic"):
 * 1. An explicit Deny in any applicable policy (identity, resource, permissions boundary, session) wins.
 * 2. Same account: a resource policy that names the caller directly (user ARN, role-session ARN, "*") allows
 *    on its own; one that names the session's role ARN counts as an identity allow (still limited by the
 *    boundary and session policies); one that names the account delegates to the identity policies.
 * 3. Otherwise an identity-based policy must allow, and the permissions boundary and the session policies,
 *    when present, must allow too (intersection).
 * 4. Cross-account: the identity side (3) and the resource policy must both allow.
 * Organizations SCPs/RCPs and VPC endpoint policies do not exist in Skyport. The all-powerful principals
 * (account root, the --credentials keys) are allowed without evaluation, as the contract in types.ts says.
 *
 * Parsed and compiled policies are cached by their text (safe to lose), so a decision costs matching only.
 */
import { compileConditions, conditionsHold, type CompiledCondition } from "./conditions.js";
import { compileGlob, globMatch, type Glob } from "./glob.js";
import { notPrincipalApplies, principalStrength, statementCovers, Strength, type TrustPrincipal } from "./principal.js";
import type { AuthorizationRequest, CallerIdentity, ConditionValue, Decision } from "./types.js";
import { normalizePolicy, type Effect, type PolicyDocument, type PrincipalValue } from "./validate.js";
import { hasVariables, resolvePattern, type Lookup } from "./variables.js";

export type { TrustPrincipal } from "./principal.js";

interface CompiledStatement {
  effect: Effect;
  /** Lower-cased action globs (actions compare case-insensitively); null when the element is absent. */
  actions: Glob[] | null;
  notActions: Glob[] | null;
  resources: ResourcePattern[] | null;
  notResources: ResourcePattern[] | null;
  principal?: PrincipalValue;
  notPrincipal?: PrincipalValue;
  conditions: CompiledCondition[];
}

/** A Resource value: compiled once, or kept raw when it holds policy variables (resolved per request). */
type ResourcePattern = { glob: Glob } | { raw: string };

interface CompiledPolicy {
  statements: CompiledStatement[];
  /** No Condition and no policy variable anywhere: its answer depends only on action, resource and principal. */
  contextFree: boolean;
}

const CACHE_LIMIT = 4096;
const cache = new Map<string, CompiledPolicy>();

/** Compiles a policy (JSON text or a parsed document); texts are cached. */
export function compilePolicy(policy: string | PolicyDocument): CompiledPolicy {
  if (typeof policy !== "string") return compileDocument(policy);
  let c = cache.get(policy);
  if (!c) {
    const doc = normalizePolicy(policy);
    c = doc ? compileDocument(doc) : { statements: [], contextFree: true };
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(policy, c);
  }
  return c;
}

function compileDocument(doc: PolicyDocument): CompiledPolicy {
  const variables = doc.Version === "2012-10-17";
  const resources = (list: string[] | undefined): ResourcePattern[] | null =>
    list ? list.map((r) => (variables && hasVariables(r) ? { raw: r } : { glob: compileGlob(r) })) : null;
  const actions = (list: string[] | undefined): Glob[] | null => (list ? list.map((a) => compileGlob(a.toLowerCase())) : null);
  const statements = doc.Statement.map((s) => {
    const out: CompiledStatement = {
      effect: s.Effect,
      actions: actions(s.Action),
      notActions: actions(s.NotAction),
      resources: resources(s.Resource),
      notResources: resources(s.NotResource),
      conditions: s.Condition ? compileConditions(s.Condition, variables) : [],
    };
    if (s.Principal !== undefined) out.principal = s.Principal;
    if (s.NotPrincipal !== undefined) out.notPrincipal = s.NotPrincipal;
    return out;
  });
  const hasRaw = (list: ResourcePattern[] | null) => !!list && list.some((p) => "raw" in p);
  const contextFree = statements.every((s) => !s.conditions.length && !hasRaw(s.resources) && !hasRaw(s.notResources));
  return { statements, contextFree };
}

/**
 * True when no policy a request involves has a Condition or a policy variable: the decision then depends
 * only on the caller's policies, the action and the resource, and the authorizer may cache it by those.
 */
export function isContextFree(req: Pick<AuthorizationRequest, "caller" | "resourcePolicy">): boolean {
  const { caller } = req;
  if (caller.allPowerful) return true;
  for (const p of caller.identityPolicies) if (!compilePolicy(p).contextFree) return false;
  if (caller.permissionsBoundary && !compilePolicy(caller.permissionsBoundary).contextFree) return false;
  for (const p of caller.sessionPolicies ?? []) if (!compilePolicy(p).contextFree) return false;
  return !req.resourcePolicy || compilePolicy(req.resourcePolicy).contextFree;
}

function actionMatches(s: CompiledStatement, actionLower: string): boolean {
  if (s.actions) return s.actions.some((g) => globMatch(g, actionLower));
  if (s.notActions) return !s.notActions.some((g) => globMatch(g, actionLower));
  return false;
}

function resourceListMatches(list: ResourcePattern[], resource: string, lookup: Lookup): boolean {
  for (const p of list) {
    if ("glob" in p) {
      if (globMatch(p.glob, resource)) return true;
    } else {
      const g = resolvePattern(p.raw, lookup);
      if (g && globMatch(g, resource)) return true;
    }
  }
  return false;
}

/**
 * Trust policies have no Resource element (the role itself is the resource): there a statement without one
 * covers the request. Identity policies must have one; a stored statement lacking it covers nothing.
 */
function resourceMatches(s: CompiledStatement, resource: string, lookup: Lookup, absentMatches: boolean): boolean {
  if (s.resources) return resourceListMatches(s.resources, resource, lookup);
  if (s.notResources) return !resourceListMatches(s.notResources, resource, lookup);
  return absentMatches;
}

interface PolicySetResult {
  allow: boolean;
  deny: boolean;
}

/** Identity-style policies (identity, boundary, session): no Principal element. */
function evaluateSet(policies: readonly string[], actionLower: string, resource: string, lookup: Lookup): PolicySetResult {
  let allow = false;
  for (const text of policies) {
    for (const s of compilePolicy(text).statements) {
      if (s.effect === "Allow" && allow) continue;
      if (!actionMatches(s, actionLower) || !resourceMatches(s, resource, lookup, false) || !conditionsHold(s.conditions, lookup)) continue;
      if (s.effect === "Deny") return { allow: false, deny: true };
      allow = true;
    }
  }
  return { allow, deny: false };
}

/** A resource policy: also asks how strongly each statement names the caller. */
function evaluateResourcePolicy(text: string, caller: CallerIdentity, actionLower: string, resource: string, lookup: Lookup): { allow: Strength; deny: boolean } {
  let allow: Strength = Strength.None;
  for (const s of compilePolicy(text).statements) {
    let strength: Strength = Strength.None;
    if (s.principal !== undefined) strength = principalStrength(s.principal, caller);
    else if (s.notPrincipal !== undefined) strength = notPrincipalApplies(s.notPrincipal, caller) ? Strength.Direct : Strength.None;
    if (strength === Strength.None) continue;
    if (s.effect === "Allow" && strength <= allow) continue;
    if (!actionMatches(s, actionLower) || !resourceMatches(s, resource, lookup, true) || !conditionsHold(s.conditions, lookup)) continue;
    if (s.effect === "Deny") return { allow: Strength.None, deny: true };
    allow = strength;
  }
  return { allow, deny: false };
}

const PRINCIPAL_TYPE: Record<CallerIdentity["kind"], string> = { root: "Account", user: "User", "assumed-role": "AssumedRole", "federated-user": "FederatedUser" };

/**
 * The request context, completed with the keys the caller itself defines (aws:PrincipalArn,
 * aws:PrincipalAccount, aws:userid, aws:username, aws:PrincipalType, aws:PrincipalTag/*, and
 * aws:ViaAWSService / aws:PrincipalIsAWSService false) when the authorizer did not set them.
 */
export function contextLookup(context: Record<string, ConditionValue>, caller: CallerIdentity): Lookup {
  return (key) => {
    const v = context[key];
    if (v !== undefined) return v;
    switch (key) {
      case "aws:principalarn": return caller.principalArn;
      case "aws:principalaccount": return caller.accountId;
      case "aws:userid": return caller.userId;
      case "aws:principaltype": return PRINCIPAL_TYPE[caller.kind];
      case "aws:username": return caller.kind === "user" ? caller.arn.slice(caller.arn.lastIndexOf("/") + 1) : undefined;
      // Present in every request (global condition keys page): an IAM caller calling directly is neither.
      case "aws:viaawsservice":
      case "aws:principalisawsservice": return false;
    }
    if (key.startsWith("aws:principaltag/")) {
      const tag = key.slice(17);
      for (const [k, val] of Object.entries(caller.principalTags)) if (k.toLowerCase() === tag) return val;
    }
    return undefined;
  };
}

const ALLOWED: Decision = { decision: "Allow", reason: "allowed" };
const deny = (reason: string): Decision => ({ decision: "ExplicitDeny", reason });
const implicit = (reason: string): Decision => ({ decision: "ImplicitDeny", reason });

/** Decides one authorization request. */
export function evaluate(req: AuthorizationRequest): Decision {
  const { caller } = req;
  if (caller.allPowerful) return ALLOWED;
  const lookup = contextLookup(req.context, caller);
  const action = req.action.toLowerCase();
  const identity = evaluateSet(caller.identityPolicies, action, req.resource, lookup);
  if (identity.deny) return deny("an explicit deny in an identity-based policy");
  const resourcePolicy = req.resourcePolicy ? evaluateResourcePolicy(req.resourcePolicy, caller, action, req.resource, lookup) : { allow: Strength.None, deny: false };
  if (resourcePolicy.deny) return deny("an explicit deny in a resource-based policy");
  const boundary = caller.permissionsBoundary ? evaluateSet([caller.permissionsBoundary], action, req.resource, lookup) : undefined;
  if (boundary?.deny) return deny("an explicit deny in a permissions boundary");
  const session = caller.sessionPolicies?.length ? evaluateSet(caller.sessionPolicies, action, req.resource, lookup) : undefined;
  if (session?.deny) return deny("an explicit deny in a session policy");

  const sameAccount = caller.accountId === req.resourceAccountId;
  if (sameAccount && resourcePolicy.allow === Strength.Direct) return ALLOWED;
  const identityAllows = identity.allow || (sameAccount && resourcePolicy.allow === Strength.Role);
  if (!identityAllows) return implicit("no identity-based policy allows");
  if (boundary && !boundary.allow) return implicit("no permissions boundary allows");
  if (session && !session.allow) return implicit("no session policy allows");
  if (!sameAccount && resourcePolicy.allow === Strength.None) return implicit("no resource-based policy allows");
  return ALLOWED;
}

/** AWS's AccessDenied message for a denial: "User: ARN is not authorized to perform: A on resource: R because …". */
export function accessDeniedMessage(req: Pick<AuthorizationRequest, "action" | "resource" | "caller">, decision: Decision): string {
  const head = `User: ${req.caller.arn} is not authorized to perform: ${req.action} on resource: ${req.resource}`;
  return decision.reason.startsWith("no ") ? `${head} because ${decision.reason} the ${req.action} action` : `${head} with ${decision.reason}`;
}

/**
 * Does a trust policy let this principal (an IAM identity, a service, a federated provider) perform the
 * action (sts:AssumeRole, sts:AssumeRoleWithWebIdentity, sts:AssumeRoleWithSAML, sts:TagSession…) with this
 * context (sts:externalid, sts:rolesessionname, the provider's :aud/:sub keys…)? An Allow must match and no
 * Deny may. For an IAM identity an account principal counts (delegation): STS must then also evaluate the
 * caller's own policies with evaluate() when the caller is not all-powerful.
 */
export function principalMatches(
  trustPolicy: string | PolicyDocument,
  principal: TrustPrincipal,
  action = "sts:AssumeRole",
  context: Record<string, ConditionValue> = {},
  resource = "*",
): boolean {
  const lookup: Lookup = "AWS" in principal ? contextLookup(context, principal.AWS) : (k) => context[k];
  const actionLower = action.toLowerCase();
  let allowed = false;
  for (const s of compilePolicy(trustPolicy).statements) {
    if (!statementCovers(s.principal, s.notPrincipal, principal)) continue;
    if (!actionMatches(s, actionLower) || !resourceMatches(s, resource, lookup, true) || !conditionsHold(s.conditions, lookup)) continue;
    if (s.effect === "Deny") return false;
    allowed = true;
  }
  return allowed;
}

/**
 * An unsigned (anonymous) request — e.g. an S3 GET on a public bucket — has no identity policies: only a
 * resource policy statement naming everyone (`"*"` or `{"AWS": "*"}`) can allow it, and any matching Deny
 * that covers everyone (including NotPrincipal statements, which cannot list the anonymous user) wins.
 */
export function anonymousAllows(resourcePolicy: string | undefined, action: string, resource: string, context: Record<string, ConditionValue> = {}): boolean {
  if (!resourcePolicy) return false;
  const lookup: Lookup = (k) => context[k];
  const actionLower = action.toLowerCase();
  let allowed = false;
  for (const s of compilePolicy(resourcePolicy).statements) {
    const everyone = s.principal === "*" || (s.principal !== undefined && (s.principal.AWS ?? []).includes("*"));
    const covers = everyone || (s.notPrincipal !== undefined && s.notPrincipal !== "*" && !(s.notPrincipal.AWS ?? []).includes("*"));
    if (!covers) continue;
    if (!actionMatches(s, actionLower) || !resourceMatches(s, resource, lookup, true) || !conditionsHold(s.conditions, lookup)) continue;
    if (s.effect === "Deny") return false;
    if (everyone) allowed = true;
  }
  return allowed;
}
