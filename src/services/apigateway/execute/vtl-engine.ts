/**
 * A Velocity interpreter over velocityjs's parsed AST (velocityjs's own Compile is not used: it resolves
 * names on live JavaScript objects). Every property read goes through `property()` (own data members
 * only), every call through `callMethod()` (allow-lists), and all work is charged to a Budget.
 * Semantics follow Velocity as API Gateway runs it: references that resolve to nothing print as empty,
 * #foreach stops after 1,000 iterations, `$foreach.*`/`$velocityCount`, #set on map paths, #define,
 * #macro (depth-limited), #break; #if uses Velocity 2's empty check (null, false, "", 0, empty list/map
 * are false).
 */
import { parseVelocity } from "./vtl-parser.js";
import { callMethod, vtlEquals } from "./vtl-methods.js";
import { Budget, HostObject, VtlError, formatValue, isForbiddenName, isMap, mapGet, newMap, type DataMap, type Value } from "./vtl-values.js";

/* The parts of velocityjs's AST we read (see velocityjs/dist/src/type.d.ts). */
interface Ast {
  type: string;
  id?: unknown;
  value?: unknown;
  path?: Ast[];
  args?: Ast[] | false;
  leader?: string;
  isEval?: boolean;
  isRange?: boolean;
  equal?: [Ast, Ast];
  condition?: Ast;
  from?: Ast;
  to?: string;
  expression?: Ast[];
  operator?: string;
}
type Node = string | Ast | Node[];

const parsed = new Map<string, Node[]>();

/** Parses (and caches) a template or an interpolated string. */
export function parseTemplate(text: string, maxChars: number): Node[] {
  let asts = parsed.get(text);
  if (!asts) {
    if (text.length > maxChars) throw new VtlError(`template longer than ${maxChars} characters`);
    try {
      asts = parseVelocity(text) as Node[];
    } catch (e) {
      throw new VtlError(`template syntax error: ${(e as Error).message.split("\n").slice(0, 3).join(" ")}`);
    }
    if (parsed.size > 1000) parsed.clear();
    parsed.set(text, asts);
  }
  return asts;
}

const truthy = (v: Value): boolean =>
  !(v === null || v === undefined || v === false || v === "" || v === 0 || Number.isNaN(v) || (Array.isArray(v) && v.length === 0) || (isMap(v) && Object.keys(v).length === 0));

/** velocityjs writes `args: false` for `m()`. */
const list = (args: Ast[] | false | undefined): Ast[] => (Array.isArray(args) ? args : []);

const num = (v: Value): number | undefined => (typeof v === "number" ? v : undefined);

class Stop {}

export class Interpreter {
  private readonly scopes: DataMap[] = [];
  private readonly macros = new Map<string, { args: string[]; body: Node[] }>();
  private readonly defines = new Map<string, Node[]>();
  private out: string[] = [];
  private outChars = 0;
  private depth = 0;
  private macroDepth = 0;
  private breaking = false;

  constructor(private readonly globals: DataMap, private readonly budget: Budget) {}

  /** Renders a whole template. */
  render(template: string): string {
    const asts = parseTemplate(template, this.budget.limits.MAX_TEMPLATE_CHARS);
    try {
      this.renderList(asts);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    return this.out.join("");
  }

  private emit(s: string): void {
    if (!s) return;
    this.outChars += s.length;
    if (this.outChars > this.budget.limits.MAX_OUTPUT_CHARS) throw new VtlError(`template output exceeded ${this.budget.limits.MAX_OUTPUT_CHARS} characters`);
    this.out.push(this.budget.str(s));
  }

  private enter(): void {
    if (++this.depth > this.budget.limits.MAX_EVAL_DEPTH) throw new VtlError("template nested too deeply");
  }

  private renderList(nodes: Node[]): void {
    this.enter();
    try {
      for (const node of nodes) {
        if (this.breaking) return;
        this.budget.step();
        if (typeof node === "string") this.emit(node);
        else if (Array.isArray(node)) this.block(node);
        else this.statement(node);
      }
    } finally {
      this.depth--;
    }
  }

  private statement(ast: Ast): void {
    switch (ast.type) {
      case "references":
        this.emit(formatValue(this.reference(ast), this.budget));
        return;
      case "set":
        this.set(ast.equal![0], ast.equal![1]);
        return;
      case "break":
        this.breaking = true;
        return;
      case "macro_call":
        this.callMacro(String(ast.id), list(ast.args), undefined);
        return;
      case "raw":
        this.emit(String(ast.value ?? ""));
        return;
      default:
        return; // comments, stray #else/#end markers
    }
  }

  private block(nodes: Node[]): void {
    const head = nodes[0] as Ast;
    const body = nodes.slice(1);
    switch (head.type) {
      case "if":
        return this.ifBlock(nodes);
      case "foreach":
        return this.foreach(head, body);
      case "macro":
        this.macros.set(String(head.id), { args: list(head.args).map((a) => String(a.id)), body });
        return;
      case "define":
        this.defines.set(String(head.id), body);
        return;
      case "macro_body":
        return this.callMacro(String(head.id), list(head.args), body);
      default:
        return this.renderList(body); // #noescape and unknown blocks render their content
    }
  }

  private ifBlock(nodes: Node[]): void {
    let taking = false;
    let done = false;
    const chosen: Node[] = [];
    for (const n of nodes) {
      const marker = typeof n === "object" && !Array.isArray(n) && (n.type === "if" || n.type === "elseif" || n.type === "else") ? n : undefined;
      if (marker) {
        if (taking) {
          done = true;
          break;
        }
        taking = marker.type === "else" ? true : truthy(this.expr(marker.condition!));
        continue;
      }
      if (taking && !done) chosen.push(n);
    }
    this.renderList(chosen);
  }

  private foreach(head: Ast, body: Node[]): void {
    const max = this.budget.limits.MAX_FOREACH_ITERATIONS;
    let items: { length: number; at(i: number): Value };
    const from = head.from!;
    if (from.type === "array" && from.isRange) {
      // Ranges are walked lazily: `[1..100000000]` costs at most the loop limit.
      const [a, b] = this.rangeEnds(from);
      if (a === undefined || b === undefined) return;
      const step = a <= b ? 1 : -1;
      items = { length: Math.abs(b - a) + 1, at: (i) => a + i * step };
    } else {
      const v = this.expr(from);
      const list = Array.isArray(v) ? v : isMap(v) ? Object.values(v) : undefined;
      if (!list) return;
      items = { length: list.length, at: (i) => list[i] };
    }
    const n = Math.min(items.length, max);
    const scope = newMap();
    this.scopes.push(scope);
    try {
      for (let i = 0; i < n; i++) {
        this.budget.step();
        const loop = newMap();
        Object.assign(loop, { count: i + 1, index: i, hasNext: i + 1 < n, first: i === 0, last: i + 1 === n });
        scope[head.to!] = items.at(i);
        scope.foreach = loop;
        scope.velocityCount = i + 1;
        this.renderList(body);
        if (this.breaking) break;
      }
    } finally {
      this.breaking = false;
      this.scopes.pop();
    }
  }

  private rangeEnds(ast: Ast): [number | undefined, number | undefined] {
    const ends = (ast.value as Array<Ast | string | number>).map((e) => {
      const v = typeof e === "string" ? Number.parseInt(e, 10) : typeof e === "number" ? e : this.expr(e);
      const n = typeof v === "string" ? Number.parseInt(v, 10) : v;
      return typeof n === "number" && Number.isInteger(n) ? n : undefined;
    });
    return [ends[0], ends[1]];
  }

  private callMacro(name: string, args: Ast[], body: Node[] | undefined): void {
    if (name === "stop") throw new Stop();
    const macro = this.macros.get(name);
    if (!macro) return; // velocityjs (and the tests written against it) render unknown macros as nothing
    if (++this.macroDepth > this.budget.limits.MAX_MACRO_DEPTH) throw new VtlError(`macro recursion deeper than ${this.budget.limits.MAX_MACRO_DEPTH}`);
    try {
      const scope = newMap();
      macro.args.forEach((a, i) => (scope[a] = args[i] ? this.expr(args[i]!) : undefined));
      if (body) {
        const saved = this.out;
        this.out = [];
        this.renderList(body);
        scope.bodyContent = this.out.join("");
        this.out = saved;
      }
      this.scopes.push(scope);
      try {
        this.renderList(macro.body);
      } finally {
        this.scopes.pop();
      }
    } finally {
      this.macroDepth--;
    }
  }

  private lookup(name: string): Value {
    if (isForbiddenName(name)) return undefined;
    for (let i = this.scopes.length - 1; i >= 0; i--) if (Object.prototype.hasOwnProperty.call(this.scopes[i], name)) return this.scopes[i]![name];
    return mapGet(this.globals, name);
  }

  /** $a.b.c / $a.m(x) / $a[i]: resolves step by step; anything missing is undefined. */
  private reference(ast: Ast): Value {
    const id = String(ast.id);
    if (ast.args !== undefined) return undefined; // `$fn(...)`: templates call methods on values only
    if (!ast.path) {
      const define = this.defines.get(id);
      if (define && this.lookup(id) === undefined) {
        const saved = this.out;
        this.out = [];
        this.renderList(define);
        const s = this.out.join("");
        this.out = saved;
        return s;
      }
    }
    let v = this.lookup(id);
    for (const p of ast.path ?? []) {
      if (v === null || v === undefined) return undefined;
      this.budget.step();
      if (p.type === "method") v = callMethod(v, String(p.id), list(p.args).map((a) => this.expr(a)), this.budget);
      else if (p.type === "property") v = property(v, String(p.id));
      else v = index(v, this.expr(p.id as Ast));
    }
    return v;
  }

  private set(ref: Ast, valueAst: Ast): void {
    const value = this.expr(valueAst);
    const id = String(ref.id);
    if (isForbiddenName(id)) return;
    const path = ref.path ?? [];
    const scope = [...this.scopes].reverse().find((s) => Object.prototype.hasOwnProperty.call(s, id)) ?? this.globals;
    if (path.length === 0) {
      scope[id] = value;
      return;
    }
    let target = mapGet(scope, id);
    if (target === undefined || target === null) scope[id] = target = newMap();
    for (let i = 0; i < path.length; i++) {
      const p = path[i]!;
      if (p.type === "method") return;
      const key: Value = p.type === "property" ? String(p.id) : this.expr(p.id as Ast);
      if (i === path.length - 1) return assign(target, key, value);
      target = p.type === "property" ? property(target, String(key)) : index(target, key);
      if (target === null || target === undefined) return;
    }
  }

  /** Evaluates an expression: literals, references, maps, lists, ranges and operators. */
  expr(ast: Ast): Value {
    this.enter();
    try {
      this.budget.step();
      switch (ast.type) {
        case "references":
          return this.reference(ast);
        case "string": {
          const s = String(ast.value);
          if (!ast.isEval || (!s.includes("$") && !s.includes("#"))) return s;
          const saved = this.out;
          const savedChars = this.outChars;
          this.out = [];
          try {
            this.renderList(parseTemplate(s, this.budget.limits.MAX_TEMPLATE_CHARS));
            return this.out.join("");
          } finally {
            this.out = saved;
            this.outChars = savedChars;
          }
        }
        case "integer":
          return Number.parseInt(String(ast.value), 10);
        case "decimal":
          return Number.parseFloat(String(ast.value));
        case "bool":
          return ast.value === "true" ? true : ast.value === "false" ? false : null;
        case "runt":
          return String(ast.value);
        case "array": {
          if (!ast.isRange) return (ast.value as Ast[]).map((x) => this.expr(x));
          const [a, b] = this.rangeEnds(ast);
          if (a === undefined || b === undefined) return [];
          const len = Math.abs(b - a) + 1;
          if (len > this.budget.limits.MAX_RANGE_ELEMENTS) throw new VtlError(`range of ${len} elements exceeds ${this.budget.limits.MAX_RANGE_ELEMENTS}`);
          this.budget.step(len);
          return Array.from({ length: len }, (_, i) => (a <= b ? a + i : a - i));
        }
        case "map": {
          const m = newMap();
          for (const [k, x] of Object.entries((ast.value ?? {}) as Record<string, Ast>)) if (!isForbiddenName(k)) m[k] = this.expr(x);
          return m;
        }
        case "math":
          return this.math(ast.operator!, ast.expression!);
        default:
          return undefined;
      }
    } finally {
      this.depth--;
    }
  }

  private math(op: string, e: Ast[]): Value {
    if (op === "&&") return truthy(this.expr(e[0]!)) && truthy(this.expr(e[1]!));
    if (op === "||") return truthy(this.expr(e[0]!)) || truthy(this.expr(e[1]!));
    if (op === "not") return !truthy(this.expr(e[0]!));
    if (op === "parenthesis") return this.expr(e[0]!);
    if (op === "minus") {
      const v = num(this.expr(e[0]!));
      return v === undefined ? null : -v;
    }
    const a = this.expr(e[0]!);
    const b = this.expr(e[1]!);
    const x = num(a), y = num(b);
    switch (op) {
      case "+":
        if (x !== undefined && y !== undefined) return x + y;
        if (typeof a === "string" || typeof b === "string") {
          const l = formatValue(a, this.budget), r = formatValue(b, this.budget);
          this.budget.reserve(l.length + r.length);
          return this.budget.str(l + r);
        }
        return null;
      case "-":
        return x !== undefined && y !== undefined ? x - y : null;
      case "*":
        return x !== undefined && y !== undefined ? x * y : null;
      case "/":
      case "%": {
        if (x === undefined || y === undefined || y === 0) return null;
        const r = op === "/" ? x / y : x % y;
        return Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(r) : r;
      }
      case "==":
        return vtlEquals(a, b, this.budget);
      case "!=":
        return !vtlEquals(a, b, this.budget);
      case "<":
      case ">":
      case "<=":
      case ">=": {
        const l = x ?? (typeof a === "string" ? a : undefined), r = y ?? (typeof b === "string" ? b : undefined);
        if (l === undefined || r === undefined || typeof l !== typeof r) return false;
        return op === "<" ? l < r : op === ">" ? l > r : op === "<=" ? l <= r : l >= r;
      }
      default:
        throw new VtlError(`unsupported operator ${op}`);
    }
  }
}

/** `$x.name`: a map's own member or a host object's data member; nothing else has properties. */
export function property(v: Value, name: string): Value {
  if (isForbiddenName(name) || v === null || v === undefined) return undefined;
  if (v instanceof HostObject) return mapGet(v.props, name);
  if (isMap(v)) return mapGet(v, name);
  return undefined;
}

/** `$x[i]`: list element (negative counts from the end, as Velocity 2) or map member. */
function index(v: Value, key: Value): Value {
  if (Array.isArray(v) && typeof key === "number" && Number.isInteger(key)) return v[key < 0 ? v.length + key : key];
  if (isMap(v) && (typeof key === "string" || typeof key === "number")) return property(v, String(key));
  return undefined;
}

function assign(target: Value, key: Value, value: Value): void {
  if (isMap(target) && (typeof key === "string" || typeof key === "number")) {
    if (!isForbiddenName(String(key))) target[String(key)] = value;
  } else if (Array.isArray(target) && typeof key === "number" && Number.isInteger(key) && key >= 0 && key < target.length) target[key] = value;
}
