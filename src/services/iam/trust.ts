/**
 * Trust policy matching for AssumeRole*: does a role's AssumeRolePolicyDocument let this principal perform this
 * sts action? Explicit Deny wins over Allow. Principals: "*", AWS (account id, account root ARN — any principal
 * of that account — or an exact user/role ARN), Service, Federated. Conditions: the String* operators (with
 * …IfExists), Bool and Null over the keys STS knows (sts:ExternalId, the web identity claims, aws:PrincipalTag/…);
 * any other operator fails closed. The full evaluator (src/aws/policy) decides identity policies.
 */
export interface TrustPrincipal {
  /** "AWS" principals: the caller's ARNs that a statement may name (user ARN, role ARN, session ARN) and account. */
  aws?: { account: string; arns: string[] };
  service?: string;
  federated?: string;
}

type Json = Record<string, unknown>;
const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Glob with * and ? (linear: iterative two-pointer match, no regular expression built from user input). */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let i = 0, j = 0, star = -1, mark = 0;
  while (j < v.length) {
    if (i < p.length && (p[i] === "?" || p[i] === v[j])) { i++; j++; }
    else if (i < p.length && p[i] === "*") { star = i++; mark = j; }
    else if (star >= 0) { i = star + 1; j = ++mark; }
    else return false;
  }
  while (i < p.length && p[i] === "*") i++;
  return i === p.length;
}

function principalMatches(spec: unknown, who: TrustPrincipal): boolean {
  if (spec === "*") return true;
  if (!spec || typeof spec !== "object") return false;
  const s = spec as Json;
  for (const v of list(s.AWS)) {
    if (v === "*" && who.aws) return true;
    if (!who.aws) continue;
    if (v === who.aws.account || v === `arn:aws:iam::${who.aws.account}:root`) return true;
    if (who.aws.arns.includes(v)) return true;
  }
  if (who.service && list(s.Service).includes(who.service)) return true;
  if (who.federated && list(s.Federated).includes(who.federated)) return true;
  return false;
}

export function conditionsHold(cond: unknown, context: Record<string, string | string[] | undefined>): boolean {
  if (cond === undefined) return true;
  if (!cond || typeof cond !== "object") return false;
  const ctx = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [opRaw, block] of Object.entries(cond as Json)) {
    let op = opRaw;
    const ifExists = op.endsWith("IfExists");
    if (ifExists) op = op.slice(0, -"IfExists".length);
    let setOp: "any" | "all" | undefined;
    if (op.startsWith("ForAnyValue:")) { setOp = "any"; op = op.slice(12); }
    else if (op.startsWith("ForAllValues:")) { setOp = "all"; op = op.slice(13); }
    if (!block || typeof block !== "object") return false;
    for (const [key, expected] of Object.entries(block as Json)) {
      const actual = ctx.get(key.toLowerCase());
      const wanted = list(expected);
      if (op === "Null") {
        if ((actual === undefined) !== (wanted[0] === "true")) return false;
        continue;
      }
      if (actual === undefined) {
        if (ifExists || setOp === "all") continue;
        return false;
      }
      const values = list(actual);
      const one = (a: string): boolean => {
        switch (op) {
          case "StringEquals": return wanted.includes(a);
          case "StringNotEquals": return !wanted.includes(a);
          case "StringEqualsIgnoreCase": return wanted.some((w) => w.toLowerCase() === a.toLowerCase());
          case "StringNotEqualsIgnoreCase": return !wanted.some((w) => w.toLowerCase() === a.toLowerCase());
          case "StringLike": return wanted.some((w) => globMatch(w, a));
          case "StringNotLike": return !wanted.some((w) => globMatch(w, a));
          case "Bool": return wanted.includes(a.toLowerCase());
          default: return false;
        }
      };
      const ok = setOp === "all" ? values.every(one) : values.some(one);
      if (!ok) return false;
    }
  }
  return true;
}

/** True when the trust policy allows (and does not deny) `action` for the principal in this context. */
export function trustAllows(doc: string, who: TrustPrincipal, action: string, context: Record<string, string | string[] | undefined>): boolean {
  let parsed: Json;
  try {
    parsed = JSON.parse(doc) as Json;
  } catch {
    return false;
  }
  const statements = (Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement]) as Json[];
  let allowed = false;
  for (const s of statements) {
    if (!s || typeof s !== "object") continue;
    const actionOk = s.Action !== undefined ? list(s.Action).some((a) => globMatch(a, action, true)) : !list(s.NotAction).some((a) => globMatch(a, action, true));
    if (!actionOk) continue;
    const principalOk = s.Principal !== undefined ? principalMatches(s.Principal, who) : s.NotPrincipal !== undefined && !principalMatches(s.NotPrincipal, who);
    if (!principalOk || !conditionsHold(s.Condition, context)) continue;
    if (s.Effect === "Deny") return false;
    if (s.Effect === "Allow") allowed = true;
  }
  return allowed;
}
