/**
 * Wildcard matching for event patterns ("wildcard" and anything-but "wildcard"), in linear time: the
 * pattern is split at unescaped `*` into literal segments; the first is anchored at the start, the last at
 * the end, and the middle ones are found left to right with KMP (leftmost placement is always safe when
 * `*` is the only metacharacter), so no input can make matching backtrack.
 * Syntax as EventBridge's engine (aws/event-ruler WildcardParser): `\*` is a literal star, `\\` a literal
 * backslash, any other backslash and two consecutive `*` are errors.
 */

export interface Wildcard {
  /** Literal segments between stars; length = number of stars + 1. */
  segments: string[];
}

export class WildcardSyntaxError extends Error {}

/** Parses a wildcard pattern; positions in messages count UTF-8 bytes of the quoted value, as AWS's do. */
export function parseWildcard(pattern: string): Wildcard {
  const segments: string[] = [];
  let cur = "";
  let pos = 1; // byte offset inside "<value>" (the engine quotes string values)
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") throw new WildcardSyntaxError(`Consecutive wildcard characters at pos ${pos}`);
      segments.push(cur);
      cur = "";
    } else if (c === "\\") {
      const n = pattern[i + 1];
      if (n !== "*" && n !== "\\") throw new WildcardSyntaxError(`Invalid escape character at pos ${pos}`);
      cur += n;
      i++;
      pos++;
    } else cur += c;
    pos += Buffer.byteLength(c === "\\" ? "\\" : c);
  }
  segments.push(cur);
  return { segments };
}

/** Whether `value` matches the parsed wildcard. O(|value| + |pattern|). */
export function matchWildcard(w: Wildcard, value: string): boolean {
  const segs = w.segments;
  if (segs.length === 1) return value === segs[0];
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let from = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < segs.length - 1; i++) {
    const s = segs[i]!;
    if (!s) continue;
    const at = kmpIndexOf(value, s, from, end);
    if (at < 0) return false;
    from = at + s.length;
  }
  return from <= end;
}

/** First index ≥ from where `needle` occurs entirely before `end`, or -1 — Knuth–Morris–Pratt, linear. */
export function kmpIndexOf(hay: string, needle: string, from: number, end: number): number {
  const m = needle.length;
  const fail = new Int32Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && needle[i] !== needle[k]) k = fail[k - 1]!;
    if (needle[i] === needle[k]) k++;
    fail[i] = k;
  }
  for (let i = from, k = 0; i < end; i++) {
    while (k > 0 && hay[i] !== needle[k]) k = fail[k - 1]!;
    if (hay[i] === needle[k]) k++;
    if (k === m) return i - m + 1;
  }
  return -1;
}
