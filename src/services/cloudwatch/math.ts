/**
 * Metric math for GetMetricData and alarms: a recursive-descent parser (input bounded by the 2,048-character
 * expression limit) and an evaluator over time series.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
 *
 * Arithmetic between two series keeps the timestamps both have; a scalar applies to every point. SUM/AVG/
 * MIN/MAX of an array give a series (per timestamp over the series that have it), of one series a scalar.
 * RATE and DIFF work on consecutive points; FILL(x, v|REPEAT|LINEAR) fills the query's period grid; IF(c, a[, b]).
 */
import { ServiceError } from "../../aws/errors.js";

export interface Series {
  label: string;
  ts: number[];
  v: number[];
}
export type MathValue = number | Series | Series[];

type Node =
  | { k: "num"; v: number }
  | { k: "id"; name: string }
  | { k: "call"; fn: string; args: Node[] }
  | { k: "bin"; op: string; l: Node; r: Node }
  | { k: "neg"; e: Node };

const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|&&|\|\||[-+*/^(),<>]))/y;

export const mathError = (message: string) => new ServiceError("ValidationError", message, 400);

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw mathError(`Syntax Error in expression at position ${at + 1}`);
    out.push(m[1] ?? m[2] ?? m[3]!);
  }
  return out;
}

/** Parses an expression; the ids it references are returned for dependency ordering. */
export function parseExpression(src: string): { node: Node; ids: Set<string> } {
  const t = tokenize(src);
  const ids = new Set<string>();
  let i = 0;
  const peek = () => t[i];
  const eat = (s: string) => {
    if (t[i] !== s) throw mathError(`Syntax Error: expected '${s}' in expression "${src}"`);
    i++;
  };
  const bin = (next: () => Node, ops: string[]) => (): Node => {
    let l = next();
    while (i < t.length && ops.includes(t[i]!.toUpperCase())) {
      const op = t[i++]!.toUpperCase();
      l = { k: "bin", op, l, r: next() };
    }
    return l;
  };
  const primary = (): Node => {
    const tok = t[i++];
    if (tok === undefined) throw mathError(`Syntax Error: unexpected end of expression "${src}"`);
    if (tok === "(") {
      const e = or();
      eat(")");
      return e;
    }
    if (tok === "-") return { k: "neg", e: unary() };
    if (/^[\d.]/.test(tok)) return { k: "num", v: Number(tok) };
    if (/^[A-Za-z_]/.test(tok)) {
      if (peek() === "(") {
        i++;
        const args: Node[] = [];
        if (peek() !== ")") {
          args.push(or());
          while (peek() === ",") {
            i++;
            args.push(or());
          }
        }
        eat(")");
        return { k: "call", fn: tok.toUpperCase(), args };
      }
      if (tok !== "REPEAT" && tok !== "LINEAR") ids.add(tok);
      return { k: "id", name: tok };
    }
    throw mathError(`Syntax Error: unexpected '${tok}' in expression "${src}"`);
  };
  const unary = (): Node => primary();
  const pow = (): Node => {
    const l = unary();
    if (peek() === "^") {
      i++;
      return { k: "bin", op: "^", l, r: pow() };
    }
    return l;
  };
  const mul = bin(pow, ["*", "/"]);
  const add = bin(mul, ["+", "-"]);
  const cmp = bin(add, [">", "<", ">=", "<=", "==", "!="]);
  const and = bin(cmp, ["AND", "&&"]);
  const or = bin(and, ["OR", "||"]);
  const node = or();
  if (i < t.length) throw mathError(`Syntax Error: unexpected '${t[i]}' in expression "${src}"`);
  return { node, ids };
}

export interface MathContext {
  /** The value of a query id (metric or expression). */
  resolve(id: string): MathValue;
  /** Every metric query's series, for METRICS(). */
  metrics(filter?: string): Series[];
  /** The period grid of the request (timestamps, ascending) and its period in seconds. */
  grid: number[];
  periodSec: number;
}

const isSeries = (v: MathValue): v is Series => typeof v === "object" && !Array.isArray(v);

function applyBinary(op: string, a: number, b: number): number {
  switch (op) {
    case "+": return a + b;
    case "-": return a - b;
    case "*": return a * b;
    case "/": return a / b;
    case "^": return a ** b;
    case ">": return a > b ? 1 : 0;
    case "<": return a < b ? 1 : 0;
    case ">=": return a >= b ? 1 : 0;
    case "<=": return a <= b ? 1 : 0;
    case "==": return a === b ? 1 : 0;
    case "!=": return a !== b ? 1 : 0;
    case "AND": case "&&": return a && b ? 1 : 0;
    default: return a || b ? 1 : 0;
  }
}

function zip(l: MathValue, r: MathValue, f: (a: number, b: number) => number): MathValue {
  if (Array.isArray(l)) return l.map((s) => zip(s, r, f) as Series);
  if (Array.isArray(r)) return r.map((s) => zip(l, s, f) as Series);
  if (typeof l === "number" && typeof r === "number") return f(l, r);
  if (typeof l === "number") return mapSeries(r as Series, (v) => f(l, v));
  if (typeof r === "number") return mapSeries(l, (v) => f(v, r));
  const byTs = new Map(r.ts.map((t, i) => [t, r.v[i]!]));
  const out: Series = { label: l.label, ts: [], v: [] };
  l.ts.forEach((t, i) => {
    const b = byTs.get(t);
    if (b !== undefined) {
      out.ts.push(t);
      out.v.push(f(l.v[i]!, b));
    }
  });
  return out;
}

const mapSeries = (s: Series, f: (v: number) => number): Series => ({ label: s.label, ts: s.ts, v: s.v.map(f) });

function reduce(x: MathValue, f: (vals: number[]) => number, label: string): MathValue {
  if (typeof x === "number") return x;
  if (isSeries(x)) return x.v.length ? f(x.v) : NaN;
  const byTs = new Map<number, number[]>();
  for (const s of x) s.ts.forEach((t, i) => (byTs.get(t) ?? byTs.set(t, []).get(t)!).push(s.v[i]!));
  const ts = [...byTs.keys()].sort((a, b) => a - b);
  return { label, ts, v: ts.map((t) => f(byTs.get(t)!)) };
}

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);

function fill(s: Series, how: Node, grid: number[], ctx: MathContext): Series {
  const have = new Map(s.ts.map((t, i) => [t, s.v[i]!]));
  const out: Series = { label: s.label, ts: [], v: [] };
  const mode = how.k === "id" && (how.name === "REPEAT" || how.name === "LINEAR") ? how.name : undefined;
  const fillWith = mode ? undefined : evaluate(how, ctx);
  for (let gi = 0; gi < grid.length; gi++) {
    const t = grid[gi]!;
    let v = have.get(t);
    if (v === undefined) {
      if (mode === "REPEAT") v = out.v.length ? out.v[out.v.length - 1] : undefined;
      else if (mode === "LINEAR") {
        const prevI = out.ts.length - 1;
        const next = s.ts.findIndex((x) => x > t);
        if (prevI >= 0 && next >= 0) v = out.v[prevI]! + ((s.v[next]! - out.v[prevI]!) * (t - out.ts[prevI]!)) / (s.ts[next]! - out.ts[prevI]!);
      } else if (typeof fillWith === "number") v = fillWith;
      else if (fillWith && isSeries(fillWith)) v = fillWith.v[fillWith.ts.indexOf(t)];
    }
    if (v !== undefined) {
      out.ts.push(t);
      out.v.push(v);
    }
  }
  return out;
}

/** Evaluates a parsed expression. */
export function evaluate(node: Node, ctx: MathContext): MathValue {
  switch (node.k) {
    case "num":
      return node.v;
    case "id":
      return ctx.resolve(node.name);
    case "neg":
      return zip(-1, evaluate(node.e, ctx), (a, b) => a * b);
    case "bin":
      return zip(evaluate(node.l, ctx), evaluate(node.r, ctx), (a, b) => applyBinary(node.op, a, b));
    case "call":
      return call(node.fn, node.args, ctx);
  }
}

function call(fn: string, args: Node[], ctx: MathContext): MathValue {
  const arity = (min: number, max = min) => {
    if (args.length < min || args.length > max) throw mathError(`Error in expression: ${fn} takes ${min === max ? min : `${min} to ${max}`} argument(s)`);
  };
  const series = (x: MathValue, f: (s: Series) => Series): MathValue => (typeof x === "number" ? x : Array.isArray(x) ? x.map(f) : f(x));
  switch (fn) {
    case "METRICS": {
      arity(0, 1);
      const filter = args[0] ? evaluateString(args[0]) : undefined;
      return ctx.metrics(filter);
    }
    case "SUM": arity(1); return reduce(evaluate(args[0]!, ctx), sum, "SUM");
    case "AVG": arity(1); return reduce(evaluate(args[0]!, ctx), (v) => sum(v) / v.length, "AVG");
    case "MIN": arity(1); return reduce(evaluate(args[0]!, ctx), (v) => Math.min(...v), "MIN");
    case "MAX": arity(1); return reduce(evaluate(args[0]!, ctx), (v) => Math.max(...v), "MAX");
    case "ABS": arity(1); return zip(evaluate(args[0]!, ctx), 0, (a) => Math.abs(a));
    case "PERIOD": arity(1); return ctx.periodSec;
    case "RATE":
    case "DIFF": {
      arity(1);
      return series(evaluate(args[0]!, ctx), (s) => {
        const out: Series = { label: s.label, ts: [], v: [] };
        for (let i = 1; i < s.ts.length; i++) {
          out.ts.push(s.ts[i]!);
          const d = s.v[i]! - s.v[i - 1]!;
          out.v.push(fn === "RATE" ? d / ((s.ts[i]! - s.ts[i - 1]!) / 1000) : d);
        }
        return out;
      });
    }
    case "FILL": {
      arity(2);
      return series(evaluate(args[0]!, ctx), (s) => fill(s, args[1]!, ctx.grid, ctx));
    }
    case "IF": {
      arity(2, 3);
      const c = evaluate(args[0]!, ctx);
      const a = evaluate(args[1]!, ctx);
      const b = args[2] ? evaluate(args[2], ctx) : undefined;
      if (typeof c === "number") return c ? a : (b ?? NaN);
      const pick = (cs: Series): Series => {
        const out: Series = { label: cs.label, ts: [], v: [] };
        cs.ts.forEach((t, i) => {
          const src = cs.v[i] ? a : b;
          const v = src === undefined ? undefined : typeof src === "number" ? src : isSeries(src) ? src.v[src.ts.indexOf(t)] : undefined;
          if (v !== undefined) {
            out.ts.push(t);
            out.v.push(v);
          }
        });
        return out;
      };
      return Array.isArray(c) ? c.map(pick) : pick(c);
    }
  }
  throw mathError(`Error in expression: Unknown function ${fn}`);
}

function evaluateString(n: Node): string {
  if (n.k === "id") return n.name;
  throw mathError("Error in expression: METRICS takes a string filter");
}
