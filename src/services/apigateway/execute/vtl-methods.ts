/**
 * The methods a mapping template may call: the single point where a template invokes anything.
 * Per type, an allow-list of the Java String/List/Map methods AWS's Velocity exposes ("API Gateway
 * mapping template reference" points at Velocity's and Java's documentation), implemented here on plain
 * data; HostObjects ($input, $util) answer only their own tables. Any other name answers null, as a
 * secure Velocity uberspector does for methods it refuses. Regular expressions (matches, replaceAll,
 * replaceFirst, split) run on RE2 (re2js: linear time, no backreferences or lookaround).
 */
import { RE2JS } from "re2js";
import { Budget, HostObject, VtlError, formatValue, isForbiddenName, isMap, mapGet, newMap, type DataMap, type Value } from "./vtl-values.js";

type Method = (self: never, args: Value[], budget: Budget) => Value;

const MAX_PATTERN_CHARS = 4096;
const patterns = new Map<string, RE2JS>();

function regex(pattern: Value): RE2JS {
  const p = str(pattern);
  let re = patterns.get(p);
  if (!re) {
    if (p.length > MAX_PATTERN_CHARS) throw new VtlError(`regular expression longer than ${MAX_PATTERN_CHARS} characters`);
    try {
      re = RE2JS.compile(p);
    } catch (e) {
      throw new VtlError(`invalid regular expression ${JSON.stringify(p)}: ${(e as Error).message}`);
    }
    if (patterns.size > 500) patterns.clear();
    patterns.set(p, re);
  }
  return re;
}

const str = (v: Value): string => (typeof v === "string" ? v : v === null || v === undefined ? "null" : typeof v === "object" ? "" : String(v));
const int = (v: Value): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : undefined);

/** Java's replacement syntax: `$n` is group n, `\x` is a literal x. */
function expandReplacement(repl: string, groups: Array<string | null | undefined>, budget: Budget): string {
  let out = "";
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c === "\\") {
      if (i + 1 >= repl.length) throw new VtlError("character to be escaped is missing");
      out += repl[++i];
    } else if (c === "$") {
      let j = i + 1;
      if (j >= repl.length || !/\d/.test(repl[j]!)) throw new VtlError("Illegal group reference");
      let n = Number(repl[j]);
      // Java takes more digits while the group number still exists.
      while (j + 1 < repl.length && /\d/.test(repl[j + 1]!) && n * 10 + Number(repl[j + 1]) < groups.length) n = n * 10 + Number(repl[++j]);
      if (n >= groups.length) throw new VtlError(`No group ${n}`);
      out += groups[n] ?? "";
      i = j;
    } else out += c;
    if (out.length > 65536) budget.reserve(out.length);
  }
  return budget.str(out);
}

/** A pattern with no regex meaning (plain characters, `\`-escaped punctuation) as its literal text. */
function literalOf(pattern: string): string | undefined {
  if (!/^(?:[^\\^$.|?*+()[\]{}]|\\[^A-Za-z0-9])*$/.test(pattern)) return undefined;
  return pattern.replace(/\\(.)/g, "$1");
}

/**
 * RE2 in JavaScript costs about a microsecond per input character, so regex work is charged one step
 * per character (the whole budget is then well under a second); literal patterns take the native path.
 */
function regexReplace(s: string, pattern: Value, replacement: Value, budget: Budget, first: boolean): string {
  const repl = str(replacement);
  const literal = literalOf(str(pattern));
  if (literal !== undefined && literal !== "" && !/[\\$]/.test(repl)) {
    budget.step(Math.ceil(s.length / 64));
    if (first) {
      const i = s.indexOf(literal);
      return i < 0 ? s : budget.str(s.slice(0, i) + repl + s.slice(i + literal.length));
    }
    return literalReplace(s, literal, repl, budget);
  }
  budget.step(s.length);
  let done = false;
  const out = regex(pattern).matcher(s)[first ? "replaceFirst" : "replaceAll"]((...a: unknown[]) => {
    budget.step();
    if (first && done) return String(a[0]);
    done = true;
    return expandReplacement(repl, a.slice(0, -2) as Array<string | null>, budget);
  });
  return budget.str(out);
}

/** Java String.replace(CharSequence, CharSequence): every literal occurrence. */
function literalReplace(s: string, target: string, repl: string, budget: Budget): string {
  const parts = target === "" ? ["", ...s, ""] : s.split(target);
  budget.step(parts.length);
  budget.reserve(s.length + (parts.length - 1) * repl.length);
  return budget.str(parts.join(repl));
}

const STRING: Record<string, Method> = {
  length: (s: string) => s.length,
  isEmpty: (s: string) => s.length === 0,
  charAt: (s: string, [i]) => { const n = int(i); return n !== undefined && n >= 0 && n < s.length ? s[n]! : null; },
  substring: (s: string, [b, e]) => {
    const from = int(b);
    const to = e === undefined ? s.length : int(e);
    return from === undefined || to === undefined || from < 0 || to > s.length || from > to ? null : s.substring(from, to);
  },
  indexOf: (s: string, [x, from]) => s.indexOf(str(x), int(from) ?? 0),
  lastIndexOf: (s: string, [x, from]) => (from === undefined ? s.lastIndexOf(str(x)) : s.lastIndexOf(str(x), int(from) ?? 0)),
  contains: (s: string, [x]) => s.includes(str(x)),
  startsWith: (s: string, [x, off]) => s.startsWith(str(x), int(off) ?? 0),
  endsWith: (s: string, [x]) => s.endsWith(str(x)),
  equals: (s: string, [x]) => typeof x === "string" && s === x,
  equalsIgnoreCase: (s: string, [x]) => typeof x === "string" && s.toLowerCase() === x.toLowerCase(),
  toLowerCase: (s: string, _a, b) => b.str(s.toLowerCase()),
  toUpperCase: (s: string, _a, b) => b.str(s.toUpperCase()),
  trim: (s: string) => s.trim(),
  concat: (s: string, [x], b) => { b.reserve(s.length + str(x).length); return b.str(s + str(x)); },
  replace: (s: string, [t, r], b) => literalReplace(s, str(t), str(r), b),
  replaceAll: (s: string, [p, r], b) => regexReplace(s, p, r, b, false),
  replaceFirst: (s: string, [p, r], b) => regexReplace(s, p, r, b, true),
  matches: (s: string, [p], b) => { const re = regex(p); b.step(Math.ceil(s.length / 16)); return re.testExact(s); },
  split: (s: string, [p, limit], b) => {
    const re = regex(p);
    b.step(s.length);
    const parts = re.split(s, int(limit) ?? 0);
    b.step(parts.length);
    return parts;
  },
  toString: (s: string) => s,
};

function listIndexOf(l: Value[], x: Value, budget: Budget): number {
  budget.step(l.length);
  return l.findIndex((y) => javaEquals(y, x, budget));
}

const LIST: Record<string, Method> = {
  size: (l: Value[]) => l.length,
  isEmpty: (l: Value[]) => l.length === 0,
  get: (l: Value[], [i]) => { const n = int(i); return n !== undefined && n >= 0 && n < l.length ? l[n] : null; },
  contains: (l: Value[], [x], b) => listIndexOf(l, x, b) >= 0,
  indexOf: (l: Value[], [x], b) => listIndexOf(l, x, b),
  add: (l: Value[], args, b) => {
    b.step();
    if (args.length >= 2) {
      const n = int(args[0]);
      if (n === undefined || n < 0 || n > l.length) return null;
      l.splice(n, 0, args[1]);
      return null;
    }
    l.push(args[0]);
    return true;
  },
  addAll: (l: Value[], [other], b) => {
    if (!Array.isArray(other)) return false;
    b.step(other.length);
    for (const x of other.slice()) l.push(x); // a copy: `$l.addAll($l)` must not chase its own tail
    return other.length > 0;
  },
  set: (l: Value[], [i, x]) => { const n = int(i); if (n === undefined || n < 0 || n >= l.length) return null; const old = l[n]; l[n] = x; return old; },
  remove: (l: Value[], [x], b) => {
    const n = typeof x === "number" ? int(x) : listIndexOf(l, x, b);
    if (n === undefined || n < 0 || n >= l.length) return typeof x === "number" ? null : false;
    const [old] = l.splice(n, 1);
    return typeof x === "number" ? old : true;
  },
  subList: (l: Value[], [a, e], b) => {
    const from = int(a), to = int(e);
    if (from === undefined || to === undefined || from < 0 || to > l.length || from > to) return null;
    b.step(to - from);
    return l.slice(from, to);
  },
  toString: (l: Value[], _a: Value[], b: Budget) => formatValue(l, b),
};

const key = (k: Value): string => str(k);

const MAP: Record<string, Method> = {
  get: (m: DataMap, [k]) => (isForbiddenName(key(k)) ? null : mapGet(m, key(k))),
  containsKey: (m: DataMap, [k]) => Object.prototype.hasOwnProperty.call(m, key(k)),
  put: (m: DataMap, [k, v], b) => {
    const name = key(k);
    if (isForbiddenName(name)) return null;
    b.step();
    const old = mapGet(m, name);
    m[name] = v;
    return old ?? null;
  },
  putAll: (m: DataMap, [other], b) => {
    if (!isMap(other)) return null;
    for (const k of Object.keys(other)) if (!isForbiddenName(k)) { b.step(); m[k] = other[k]; }
    return null;
  },
  remove: (m: DataMap, [k]) => { const name = key(k); const old = mapGet(m, name); delete m[name]; return old ?? null; },
  keySet: (m: DataMap, _a, b) => { const keys = Object.keys(m); b.step(keys.length); return keys; },
  values: (m: DataMap, _a, b) => { const vals = Object.values(m); b.step(vals.length); return vals; },
  entrySet: (m: DataMap, _a, b) => Object.keys(m).map((k) => { b.step(); const e = newMap(); e.key = k; e.value = m[k]; return e; }),
  size: (m: DataMap) => Object.keys(m).length,
  isEmpty: (m: DataMap) => Object.keys(m).length === 0,
  toString: (m: DataMap, _a: Value[], b: Budget) => formatValue(m, b),
};

function table(target: Value): Record<string, Method> | undefined {
  if (typeof target === "string") return STRING;
  if (Array.isArray(target)) return LIST;
  if (isMap(target)) return MAP;
  return undefined;
}

/** Calls `name` on `target`; undefined when the type has no such allow-listed method. */
export function callMethod(target: Value, name: string, args: Value[], budget: Budget): Value {
  budget.step();
  if (target === null || target === undefined || isForbiddenName(name)) return undefined;
  if (target instanceof HostObject) {
    const m = Object.prototype.hasOwnProperty.call(target.methods, name) ? target.methods[name] : undefined;
    return m ? m(args, budget) : undefined;
  }
  if (name === "equals") return javaEquals(target, args[0], budget);
  if (name === "toString" && (typeof target === "number" || typeof target === "boolean")) return String(target);
  const t = table(target);
  const m = t && Object.prototype.hasOwnProperty.call(t, name) ? t[name] : undefined;
  return m ? (m as (s: Value, a: Value[], b: Budget) => Value)(target, args, budget) : undefined;
}

/** Java's Object.equals: same kind and value (1 is not "1"); lists and maps by content. */
export function javaEquals(a: Value, b: Value, budget: Budget): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  return formatValue(a, budget) === formatValue(b, budget);
}

/** Velocity's `==`: numbers by value, null only equals null, otherwise the printed forms compared. */
export function vtlEquals(a: Value, b: Value, budget: Budget): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (typeof a === "string" && typeof b === "string") return a === b;
  return formatValue(a, budget) === formatValue(b, budget);
}
