/**
 * IAM wildcards (`*` any run of characters, `?` exactly one) without regular expressions. A pattern is a list
 * of segments separated by `*`; each segment is literal text where some positions may be `?`. Matching pins
 * the first segment to the start, the last to the end, and finds each middle segment at its leftmost place:
 * for globs the leftmost placement is always optimal, so there is never any backtracking. Segments without `?`
 * use indexOf; a segment with `?` is scanned naively, O(text × segment) at worst — both bounded by the policy
 * and ARN size limits, and never exponential (a user-built RegExp could be).
 *
 * Policy variables resolve to literal text (`${*}` is a literal star), so patterns are built from parts
 * rather than parsed from one string: see GlobBuilder.
 */

interface Segment {
  text: string;
  /** Positions of `?` in text (null when the segment has none). */
  any: Uint8Array | null;
}

export interface Glob {
  /** Segments between stars; a pattern without `*` has exactly one and must match the whole text. */
  segments: Segment[];
  hasStar: boolean;
  ignoreCase: boolean;
  /** The pattern is exactly `*`. */
  matchesAll: boolean;
}

/** Builds a glob from literal text and wildcards (policy variables substitute literal text). */
export class GlobBuilder {
  private segments: Segment[] = [];
  private text = "";
  private any: number[] = [];
  private hasStar = false;

  /** Raw pattern text: `*` and `?` are wildcards. */
  pattern(s: string): this {
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 42 /* * */ || c === 63 /* ? */) {
        if (i > start) this.text += s.slice(start, i);
        if (c === 42) this.star();
        else this.anyChar();
        start = i + 1;
      }
    }
    if (start < s.length) this.text += s.slice(start);
    return this;
  }

  literal(s: string): this {
    this.text += s;
    return this;
  }

  star(): this {
    this.flush();
    this.hasStar = true;
    return this;
  }

  anyChar(): this {
    this.any.push(this.text.length);
    this.text += "?";
    return this;
  }

  build(ignoreCase = false): Glob {
    this.flush();
    const segments = this.segments.map((s) => (ignoreCase ? { text: s.text.toLowerCase(), any: s.any } : s));
    const matchesAll = this.hasStar && segments.every((s) => s.text === "");
    return { segments, hasStar: this.hasStar, ignoreCase, matchesAll };
  }

  private flush(): void {
    let any: Uint8Array | null = null;
    if (this.any.length) {
      any = new Uint8Array(this.text.length);
      for (const i of this.any) any[i] = 1;
    }
    this.segments.push({ text: this.text, any });
    this.text = "";
    this.any = [];
  }
}

/** Compiles a raw pattern (`*`, `?` wildcards). */
export function compileGlob(pattern: string, ignoreCase = false): Glob {
  return new GlobBuilder().pattern(pattern).build(ignoreCase);
}

/** True when the text matches the glob (case-insensitively when the glob was built so). */
export function globMatch(glob: Glob, input: string): boolean {
  if (glob.matchesAll) return true;
  const text = glob.ignoreCase ? input.toLowerCase() : input;
  const segs = glob.segments;
  if (!glob.hasStar) {
    const only = segs[0]!;
    return only.text.length === text.length && segmentAt(only, text, 0);
  }
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  if (first.text.length + last.text.length > text.length) return false;
  if (!segmentAt(first, text, 0)) return false;
  const end = text.length - last.text.length;
  if (!segmentAt(last, text, end)) return false;
  let pos = first.text.length;
  for (let i = 1; i < segs.length - 1; i++) {
    const seg = segs[i]!;
    if (seg.text.length === 0) continue;
    const at = findSegment(seg, text, pos, end);
    if (at < 0) return false;
    pos = at + seg.text.length;
  }
  return pos <= end;
}

/** Convenience for one-off matches (tests, rare paths): compiles and matches. */
export function wildcardMatch(pattern: string, text: string, ignoreCase = false): boolean {
  return globMatch(compileGlob(pattern, ignoreCase), text);
}

function segmentAt(seg: Segment, text: string, at: number): boolean {
  if (!seg.any) return text.startsWith(seg.text, at);
  const n = seg.text.length;
  for (let i = 0; i < n; i++) {
    if (seg.any[i]) continue;
    if (text.charCodeAt(at + i) !== seg.text.charCodeAt(i)) return false;
  }
  return true;
}

/** Leftmost index ≥ from where seg matches and ends at or before `end`, or -1. */
function findSegment(seg: Segment, text: string, from: number, end: number): number {
  const n = seg.text.length;
  if (!seg.any) {
    const at = text.indexOf(seg.text, from);
    return at >= 0 && at + n <= end ? at : -1;
  }
  for (let at = from; at + n <= end; at++) if (segmentAt(seg, text, at)) return at;
  return -1;
}
