/**
 * User-supplied regular expressions, matched in linear time (issue 8 item 6: a backtracking engine let one
 * CloudWatch Logs filter pattern `%a*a*a*a*a*a*a*b%` block the server for seconds).
 *
 * Engine: re2js, a pure-JavaScript port of RE2 — automata, no backtracking, so matching costs
 * O(pattern × input) whatever the pattern. Why not the others: V8's linear engine (`l` flag) refuses the
 * `i` and `u` flags and bounds over a few hundred in Node 20; re2-wasm demands `u` and is unmaintained; the
 * native `re2` package compiles RE2 on every install.
 *
 * Input is ECMAScript syntax (what JSON Schema `pattern`, EventBridge and most users write); the few
 * spellings RE2 reads differently are translated (`\uXXXX`, `\u{X}`, `\cX`, `(?<name>`, `[^]`).
 * Backreferences and lookaround cannot run in linear time and are refused, as RE2 (and AWS's own
 * linear engines) refuse them. Known differences from V8: `\s` is ASCII whitespace only; `\b`/`\w` are
 * ASCII in both; counts over RE2's 1000 are split into allowed ones (nested counts whose product passes
 * 1000 are refused, as RE2 refuses them).
 */
import { RE2JS } from "re2js";

export const UserRegexLimits = {
  /** Longest pattern accepted, in UTF-16 code units (AWS's own limits are lower: filter patterns 1024). */
  MAX_PATTERN_LENGTH: 4096,
  /** Largest compiled program (instructions); bounds the per-character cost of a match. */
  MAX_PROGRAM_SIZE: 10_000,
} as const;

/** A compiled user pattern. `test` searches anywhere in the string unless the pattern anchors itself. */
export interface UserRegex {
  readonly source: string;
  readonly flags: string;
  test(s: string): boolean;
  /** The named groups of the first match (`(?<name>...)`; unmatched groups absent), or undefined when nothing matches. */
  groups(s: string): Record<string, string> | undefined;
  /** `/source/flags`, as RegExp prints itself. */
  toString(): string;
}

/** A pattern that cannot be compiled (syntax, unsupported feature, or over a limit). */
export class UserRegexError extends Error {
  constructor(readonly pattern: string, readonly reason: string) {
    super(`Invalid regular expression: /${pattern.length > 80 ? pattern.slice(0, 80) + "…" : pattern}/: ${reason}`);
  }
}

export interface CompileOptions {
  /** Override MAX_PATTERN_LENGTH (smaller, for services with tighter documented limits). */
  maxLength?: number;
}

const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, s: RE2JS.DOTALL, m: RE2JS.MULTILINE, u: 0, g: 0, y: 0, d: 0 };

/** Compiles `pattern` (ECMAScript syntax) with JS-style `flags` (i, m, s honoured; g, y, u, d accepted). */
export function compileUserRegex(pattern: string, flags = "", options: CompileOptions = {}): UserRegex {
  const max = options.maxLength ?? UserRegexLimits.MAX_PATTERN_LENGTH;
  if (typeof pattern !== "string") throw new UserRegexError(String(pattern), "pattern must be a string");
  if (pattern.length > max) throw new UserRegexError(pattern, `pattern longer than ${max} characters`);
  let bits = 0;
  for (const f of flags) {
    const b = FLAG_BITS[f];
    if (b === undefined) throw new UserRegexError(pattern, `invalid flag '${f}'`);
    bits |= b;
  }
  const re2Source = toRe2Syntax(pattern);
  let re: ReturnType<typeof RE2JS.compile>;
  try {
    re = RE2JS.compile(re2Source, bits);
  } catch (e) {
    throw new UserRegexError(pattern, (e as Error).message.replace(/^error parsing regexp: /, ""));
  }
  if (re.programSize() > UserRegexLimits.MAX_PROGRAM_SIZE) throw new UserRegexError(pattern, "pattern too large");
  // toString is an identity: ajv keys its pattern cache by it.
  const names = Object.keys(re.namedGroups());
  return {
    source: pattern,
    flags,
    test: (s: string) => re.test(s),
    groups: (s: string) => {
      const m = re.matcher(s);
      if (!m.find()) return undefined;
      const out: Record<string, string> = {};
      for (const n of names) {
        const v = m.group(n);
        if (v !== null && v !== undefined) out[n] = v;
      }
      return out;
    },
    toString: () => `/${pattern}/${flags}`,
  };
}

/**
 * An ajv `code.regExp` engine: `new Ajv({ code: { regExp: userRegexEngine } })` makes JSON Schema `pattern`
 * and `patternProperties` linear-time. ajv calls it once per pattern at schema compile time (errors surface
 * as schema errors there).
 */
export const userRegexEngine = Object.assign((pattern: string, flags: string) => compileUserRegex(pattern, flags), {
  // Only used by ajv's standalone code generation, which Skyport does not use.
  code: "compileUserRegex",
});

const HEX = /^[0-9a-fA-F]{4}$/;

/** RE2 refuses repetition counts over 1000. */
const RE2_MAX_REPEAT = 1000;

/**
 * Rewrites the ECMAScript spellings RE2 reads differently; refuses backreferences and lookaround; splits
 * counted repetitions over RE2's limit of 1000 (`.{1,2048}`, common in JSON Schema patterns) into a
 * sequence of allowed ones matching the same lengths. The program-size bound still applies after.
 */
function toRe2Syntax(p: string): string {
  let out = "";
  let inClass = false;
  /** Where the last complete atom (what a quantifier would repeat) starts in `out`, or -1. */
  let atom = -1;
  const groups: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    const before = out.length;
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) throw new UserRegexError(p, "\\ at end of pattern");
      if (!inClass) atom = before;
      if (n === "u") {
        if (p[i + 2] === "{") {
          const end = p.indexOf("}", i + 3);
          if (end < 0 || !/^[0-9a-fA-F]{1,6}$/.test(p.slice(i + 3, end))) throw new UserRegexError(p, "invalid Unicode escape");
          out += `\\x{${p.slice(i + 3, end)}}`;
          i = end;
        } else {
          const hex = p.slice(i + 2, i + 6);
          if (!HEX.test(hex)) throw new UserRegexError(p, "invalid Unicode escape");
          out += `\\x{${hex}}`;
          i += 5;
        }
        continue;
      }
      if (n === "c" && /[A-Za-z]/.test(p[i + 2] ?? "")) {
        out += `\\x{${(p.charCodeAt(i + 2) % 32).toString(16)}}`;
        i += 2;
        continue;
      }
      if (n === "0" && !/[0-9]/.test(p[i + 2] ?? "")) {
        out += "\\x{0}";
        i++;
        continue;
      }
      if (/[1-9]/.test(n) && !inClass) throw new UserRegexError(p, "backreferences are not supported");
      if (n === "k" && p[i + 2] === "<") throw new UserRegexError(p, "backreferences are not supported");
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      atom = before;
      if (p.startsWith("[^]", i)) {
        out += "(?s:.)";
        i += 2;
        continue;
      }
      inClass = true;
      out += c;
      if (p[i + 1] === "^") {
        out += "^";
        i++;
      }
      // JS reads `[]` as an empty class (matches nothing) and `[^]` as anything; RE2 reads a leading ']' as a literal.
      if (p[i + 1] === "]") throw new UserRegexError(p, "empty character class");
      continue;
    }
    if (c === "(") {
      groups.push(before);
      atom = -1;
      if (p[i + 1] === "?") {
        const k = p[i + 2];
        if (k === "=" || k === "!" || (k === "<" && (p[i + 3] === "=" || p[i + 3] === "!"))) throw new UserRegexError(p, "lookaround assertions are not supported");
        if (k === "<") {
          out += "(?P<";
          i += 2;
          continue;
        }
      }
      out += c;
      continue;
    }
    if (c === ")") {
      out += c;
      atom = groups.pop() ?? -1;
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(p.slice(i));
      if (m && atom >= 0) {
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
        if (max < min) throw new UserRegexError(p, "numbers out of order in {} quantifier");
        i += m[0].length - 1;
        if (min > RE2_MAX_REPEAT || (max > RE2_MAX_REPEAT && max !== Infinity)) {
          out = out.slice(0, atom) + splitRepeat(out.slice(atom), min, max);
          if (p[i + 1] === "?") i++; // laziness does not change what matches
        } else out += m[0];
        atom = -1;
        continue;
      }
    }
    atom = c === "*" || c === "+" || c === "?" || c === "|" || c === "^" || c === "$" || c === "{" ? -1 : before;
    out += c;
  }
  return out;
}

/** X{min,max} as a sequence of repetitions RE2 accepts, matching exactly the same counts. */
function splitRepeat(x: string, min: number, max: number): string {
  const g = `(?:${x})`;
  let s = "";
  for (let left = min; left > 0; left -= RE2_MAX_REPEAT) s += `${g}{${Math.min(left, RE2_MAX_REPEAT)}}`;
  if (max === Infinity) return s + `${g}*`;
  for (let left = max - min; left > 0; left -= RE2_MAX_REPEAT) s += `${g}{0,${Math.min(left, RE2_MAX_REPEAT)}}`;
  return s;
}
