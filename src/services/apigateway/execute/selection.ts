/**
 * User regular expressions of API Gateway matched over the whole subject — integration response selection
 * patterns, authorizers' identityValidationExpression — on RE2 (linear time); one RE2 cannot compile
 * (backreferences, lookaround) never matches.
 */
import { RE2JS } from "re2js";

const selectionPatterns = new Map<string, RE2JS | null>();

/** A selection pattern is a Java regex over the whole subject; run on RE2 (linear time), a bad one never matches. */
export function selectionMatches(pattern: string, subject: string): boolean {
  let re = selectionPatterns.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern, RE2JS.DOTALL);
    } catch {
      re = null;
    }
    if (selectionPatterns.size > 1000) selectionPatterns.clear();
    selectionPatterns.set(pattern, re);
  }
  return re !== null && re.testExact(subject);
}
