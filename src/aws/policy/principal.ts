/**
 * The Principal / NotPrincipal elements ("AWS JSON policy elements: Principal"). How strongly a resource
 * policy names a caller matters for same-account evaluation (evaluate.ts):
 * - direct: the user ARN, the role-session ARN, the federated-user ARN, or "*" — the grant stands alone;
 * - role: the role ARN of an assumed-role session — still limited by the boundary and session policies;
 * - account: the account id or `arn:aws:iam::A:root` — a delegation to the account, whose identity policies
 *   must allow too (only the root user itself is named directly by it).
 */
import type { CallerIdentity } from "./types.js";
import type { PrincipalValue } from "./validate.js";

export const Strength = { None: 0, Account: 1, Role: 2, Direct: 3 } as const;
export type Strength = (typeof Strength)[keyof typeof Strength];

/** A principal asking a trust policy: an IAM identity, an AWS service, or a federated identity provider. */
export type TrustPrincipal =
  | { AWS: CallerIdentity }
  | { Service: string }
  | { Federated: string };

function accountOf(value: string): string | undefined {
  if (/^\d{12}$/.test(value)) return value;
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(value);
  return m ? m[1] : undefined;
}

/** How strongly one AWS principal value names the caller. */
function awsStrength(value: string, caller: CallerIdentity): Strength {
  if (value === "*") return Strength.Direct;
  if (value === caller.arn) return Strength.Direct;
  const account = accountOf(value);
  if (account !== undefined) {
    if (account !== caller.accountId) return Strength.None;
    return caller.kind === "root" ? Strength.Direct : Strength.Account;
  }
  if (caller.kind === "assumed-role" && value === caller.principalArn) return Strength.Role;
  return Strength.None;
}

/** How strongly a statement's Principal names an IAM caller. */
export function principalStrength(principal: PrincipalValue, caller: CallerIdentity): Strength {
  if (principal === "*") return Strength.Direct;
  let best: Strength = Strength.None;
  for (const v of principal.AWS ?? []) {
    const s = awsStrength(v, caller);
    if (s > best) best = s;
  }
  return best;
}

/**
 * NotPrincipal: the statement applies unless every identity the request carries is listed — the caller's
 * ARN, its role's ARN for a session, and its account — which is why AWS's examples list the account too.
 */
export function notPrincipalApplies(notPrincipal: PrincipalValue, caller: CallerIdentity): boolean {
  if (notPrincipal === "*") return false;
  const listed = notPrincipal.AWS ?? [];
  if (listed.includes("*")) return false;
  const has = (arn: string) => listed.includes(arn);
  const accountListed = listed.some((v) => accountOf(v) === caller.accountId);
  if (caller.kind === "root") return !accountListed && !has(caller.arn);
  if (!has(caller.arn)) return true;
  if (caller.kind === "assumed-role" && !has(caller.principalArn)) return true;
  return !accountListed;
}

/** Does a statement's Principal (or NotPrincipal) cover a trust principal? Account delegation counts. */
export function statementCovers(principal: PrincipalValue | undefined, notPrincipal: PrincipalValue | undefined, who: TrustPrincipal): boolean {
  if (notPrincipal !== undefined) {
    if ("AWS" in who) return notPrincipalApplies(notPrincipal, who.AWS);
    if (notPrincipal === "*") return false;
    const listed = "Service" in who ? notPrincipal.Service : notPrincipal.Federated;
    const name = "Service" in who ? who.Service : who.Federated;
    return !(listed ?? []).some((v) => v === "*" || v.toLowerCase() === name.toLowerCase());
  }
  if (principal === undefined) return false;
  if (principal === "*") return true;
  if ("AWS" in who) return principalStrength(principal, who.AWS) > Strength.None;
  const listed = "Service" in who ? principal.Service : principal.Federated;
  const name = "Service" in who ? who.Service : who.Federated;
  return (listed ?? []).some((v) => v === "*" || v.toLowerCase() === name.toLowerCase());
}
