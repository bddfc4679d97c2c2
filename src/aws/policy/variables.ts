/**
 * Policy variables ("IAM policy elements: Variables and tags"): `${aws:username}`, `${aws:PrincipalTag/team}`,
 * defaults `${aws:PrincipalTag/team, 'company-wide'}` (a doubled quote is a literal quote), and the escapes
 * `${*}`, `${?}`, `${$}` for literal `*`, `?`, `$`. Variables only exist in policies of Version 2012-10-17;
 * in older policies `${...}` is plain text. A variable whose key has no single value (absent, or
 * multi-valued) and no default leaves the element unresolved: it matches nothing. Substitution is one pass:
 * a substituted value is literal text, never wildcards or further variables.
 */
import { GlobBuilder } from "./glob.js";
import type { ConditionValue } from "./types.js";

export type Lookup = (lowerKey: string) => ConditionValue | undefined;

type Part = { lit: string } | { raw: string };

/** True when the text uses `${` at all (most policy values do not: they skip resolution entirely). */
export const hasVariables = (s: string): boolean => s.includes("${");

/** Splits text into raw pattern text and resolved literal parts; undefined when a variable is unresolved. */
function resolveParts(s: string, lookup: Lookup): Part[] | undefined {
  const parts: Part[] = [];
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf("${", i);
    if (open < 0) break;
    const close = s.indexOf("}", open + 2);
    if (close < 0) break;
    if (open > i) parts.push({ raw: s.slice(i, open) });
    const inner = s.slice(open + 2, close);
    const value = variableValue(inner, lookup);
    if (value === undefined) return undefined;
    parts.push({ lit: value });
    i = close + 1;
  }
  if (i < s.length) parts.push({ raw: s.slice(i) });
  return parts;
}

function variableValue(inner: string, lookup: Lookup): string | undefined {
  if (inner === "*" || inner === "?" || inner === "$") return inner;
  let key = inner;
  let fallback: string | undefined;
  const comma = inner.indexOf(",");
  if (comma >= 0) {
    key = inner.slice(0, comma);
    const d = inner.slice(comma + 1).trim();
    if (d.length >= 2 && d.startsWith("'") && d.endsWith("'")) fallback = d.slice(1, -1).replaceAll("''", "'");
  }
  const v = lookup(key.trim().toLowerCase());
  if (v === undefined || Array.isArray(v)) return fallback;
  return String(v);
}

/** The value as a glob (`*`/`?` wildcards in the policy text; substituted values literal). */
export function resolvePattern(s: string, lookup: Lookup, ignoreCase = false) {
  const parts = resolveParts(s, lookup);
  if (!parts) return undefined;
  const b = new GlobBuilder();
  for (const p of parts) {
    if ("lit" in p) b.literal(p.lit);
    else b.pattern(p.raw);
  }
  return b.build(ignoreCase);
}

/** The value as plain text (for equality operators, where `*` has no special meaning anyway). */
export function resolveText(s: string, lookup: Lookup): string | undefined {
  const parts = resolveParts(s, lookup);
  if (!parts) return undefined;
  let out = "";
  for (const p of parts) out += "lit" in p ? p.lit : p.raw;
  return out;
}
