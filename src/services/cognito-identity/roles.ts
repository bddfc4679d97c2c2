/**
 * Which IAM role an identity gets ("Using role-based access control", Amazon Cognito developer guide):
 * - unauthenticated identities: the pool's `unauthenticated` role;
 * - authenticated ones: the role mapping of the login's provider (`provider:clientId` key), when there is one —
 *   Token: `CustomRoleArn` when the token's `cognito:roles` lists it, else `cognito:preferred_role`, else the only
 *   role of `cognito:roles`; Rules: the first rule whose claim matches (Equals, Contains, StartsWith, NotEqual);
 *   nothing decided is ambiguous and AmbiguousRoleResolution says AuthenticatedRole (the pool's default) or Deny —
 *   else the pool's `authenticated` role.
 * No role at all is InvalidIdentityPoolConfigurationException, as AWS answers.
 */
import { ServiceError } from "../../aws/errors.js";
import { Messages } from "./constants.js";

export interface Rule { Claim: string; MatchType: string; Value: string; RoleARN: string }
export interface RoleMapping { Type: string; AmbiguousRoleResolution?: string; RulesConfiguration?: { Rules: Rule[] } }

export interface RoleQuestion {
  roles: Record<string, string>;
  /** The login's mapping, when the pool has one for its provider. */
  mapping?: RoleMapping;
  /** The login token's claims (authenticated identities). */
  claims?: Record<string, unknown>;
  customRoleArn?: string;
  authenticated: boolean;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)]);

function ruleMatches(rule: Rule, claims: Record<string, unknown>): boolean {
  const values = strings(claims[rule.Claim]);
  switch (rule.MatchType) {
    case "Equals":
      return values.includes(rule.Value);
    case "Contains":
      return values.some((v) => v.includes(rule.Value));
    case "StartsWith":
      return values.some((v) => v.startsWith(rule.Value));
    case "NotEqual":
      return values.length > 0 && !values.includes(rule.Value);
    default:
      return false;
  }
}

/** The role an identity assumes, or the ServiceError AWS answers. */
export function resolveRole(q: RoleQuestion): string {
  const fallback = (role: string | undefined) => {
    if (!role) throw new ServiceError("InvalidIdentityPoolConfigurationException", Messages.badConfiguration);
    return role;
  };
  if (!q.authenticated) return fallback(q.roles.unauthenticated);
  const m = q.mapping;
  if (!m) return fallback(q.roles.authenticated);
  const claims = q.claims ?? {};
  let decided: string | undefined;
  if (m.Type === "Token") {
    const roles = strings(claims["cognito:roles"]);
    if (q.customRoleArn !== undefined) decided = roles.includes(q.customRoleArn) ? q.customRoleArn : undefined;
    else decided = strings(claims["cognito:preferred_role"])[0] ?? (roles.length === 1 ? roles[0] : undefined);
  } else if (m.Type === "Rules") {
    decided = (m.RulesConfiguration?.Rules ?? []).find((r) => ruleMatches(r, claims))?.RoleARN;
  }
  if (decided) return decided;
  if (m.AmbiguousRoleResolution === "Deny") throw new ServiceError("NotAuthorizedException", Messages.ambiguousDenied);
  return fallback(q.roles.authenticated);
}
