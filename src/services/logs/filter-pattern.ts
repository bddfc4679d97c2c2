/**
 * CloudWatch Logs filter patterns, as used by FilterLogEvents, metric filters and TestMetricFilter.
 * Source: "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live
 * Tail" (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
 *
 * - Terms: `ERROR`, `"exact phrase"`, all ANDed; `-term` excludes; `?term` terms are ORed. Case-sensitive
 *   substring match ("ERROR" matches "ERRORCODE", as the doc's example shows). Unquoted terms may hold
 *   only letters, digits and underscores.
 * - Regex: `%regex%` as the whole pattern, or as a value in JSON and space-delimited conditions.
 * - JSON: `{ $.a.b[0] = "x" }` with = != < > <= >=, `*` wildcards at the ends of strings, IS NULL,
 *   IS TRUE/FALSE, NOT EXISTS, && binding tighter than ||, parentheses.
 * - Space-delimited: `[ip, user, ..., status = 4* && status != 403, bytes > 1000]`; `"..."` and `[...]`
 *   group a field of the message; extracted values are `$name` for named fields and `$<position>` else.
 */

import { delimitedMatcher } from "./filter-delimited.js";
import { jsonMatcher } from "./filter-json.js";
import { closingQuote, compileRegex, FilterPatternError, INVALID, unescape, type FilterMatcher } from "./filter-values.js";

export { FilterPatternError, type FilterMatcher } from "./filter-values.js";
export { tokenizeMessage } from "./filter-delimited.js";

const MATCH_ALL: FilterMatcher = { match: () => true, extract: () => ({}) };

const cache = new Map<string, FilterMatcher>();

/** Compiles a filter pattern (cached: the same patterns come back with every page and every event batch). */
export function compileFilterPattern(pattern: string | undefined): FilterMatcher {
  if (pattern === undefined) return MATCH_ALL;
  let m = cache.get(pattern);
  if (!m) {
    m = compile(pattern);
    if (cache.size > 500) cache.clear();
    cache.set(pattern, m);
  }
  return m;
}

function compile(pattern: string): FilterMatcher {
  const p = pattern.trim();
  if (p === "" || /^"\s+"$/.test(p)) return MATCH_ALL;
  if (p.startsWith("{")) {
    if (!p.endsWith("}")) throw new FilterPatternError("If a filter pattern starts with '{' it must end with '}'");
    checkRegexCount(p);
    return jsonMatcher(p.slice(1, -1));
  }
  if (p.startsWith("[")) {
    if (!p.endsWith("]")) throw new FilterPatternError("If a filter pattern starts with '[' it must end with ']'");
    checkRegexCount(p);
    return delimitedMatcher(p.slice(1, -1));
  }
  if (p.length > 1 && p.startsWith("%") && p.endsWith("%")) {
    const re = compileRegex(p);
    return { match: (m) => re.test(m), extract: (m) => (re.test(m) ? {} : undefined) };
  }
  return termsMatcher(p);
}
/** Doc quotas: "a limit of 2 regex for each filter pattern" in JSON and space-delimited patterns. */
function checkRegexCount(p: string): void {
  if (regexCount(p) > 2) throw new FilterPatternError(INVALID);
}

/** How many %regex% a pattern holds (outside quoted strings). */
export function regexCount(pattern: string): number {
  const outsideQuotes = pattern.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return (outsideQuotes.match(/%[^%]*%/g) ?? []).length;
}

// ---------------------------------------------------------------- terms

function termsMatcher(p: string): FilterMatcher {
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  let i = 0;
  while (i < p.length) {
    if (/\s/.test(p[i]!)) { i++; continue; }
    let kind: "all" | "any" | "none" = "all";
    if (p[i] === "?" || p[i] === "-") {
      kind = p[i] === "?" ? "any" : "none";
      i++;
      while (i < p.length && /\s/.test(p[i]!)) i++;
      if (i >= p.length) throw new FilterPatternError(INVALID);
    }
    let term: string;
    if (p[i] === '"') {
      const end = closingQuote(p, i);
      if (end < 0) throw new FilterPatternError(INVALID);
      term = unescape(p.slice(i + 1, end));
      if (term === "") throw new FilterPatternError(`Invalid character(s) in term '""'`);
      i = end + 1;
    } else {
      let j = i;
      while (j < p.length && !/\s/.test(p[j]!)) j++;
      term = p.slice(i, j);
      if (!/^[\p{L}\p{N}_]+$/u.test(term)) throw new FilterPatternError(`Invalid character(s) in term '${term}'`);
      i = j;
    }
    (kind === "all" ? all : kind === "any" ? any : none).push(term);
  }
  const match = (m: string): boolean => {
    for (const t of all) if (!m.includes(t)) return false;
    for (const t of none) if (m.includes(t)) return false;
    if (any.length && !any.some((t) => m.includes(t))) return false;
    return true;
  };
  return { match, extract: (m) => (match(m) ? {} : undefined) };
}

