/**
 * Runs a parsed Logs Insights query over log events: commands apply in order; `stats` turns events into
 * grouped rows, later commands act on those rows. Discovered fields ("Supported logs and discovered
 * fields"): the system fields (@timestamp, @message, @logStream, @log, @ingestionTime, @ptr); for JSON
 * messages and the first JSON fragment of a Lambda line, up to 100 keys flattened with dots (`a.b.c`,
 * arrays as `a.0`); for Lambda's START/END/REPORT lines @type, @requestId, @duration, @billedDuration,
 * @memorySize, @maxMemoryUsed (and @initDuration).
 *
 * Results are AWS's: an array of rows, each a list of {field, value} strings; timestamps print as
 * "yyyy-MM-dd HH:mm:ss.SSS" (UTC). Without `fields`/`display`/`stats`, rows carry @timestamp and @message.
 * Sorting follows the doc's natural order (non-numbers before numbers, digit runs by length then value).
 * Unconfirmed: the order of unsorted results (here: event time, ascending).
 */
import type { Command, Expr, Named } from "./parse.js";

export type Value = string | number | boolean | undefined;

export interface InputEvent {
  timestamp: number;
  ingestionTime: number;
  message: string;
  logStream: string;
  /** "account:group" as @log shows it. */
  log: string;
  ptr: string;
}

export interface QueryOutput {
  rows: Array<Array<{ field: string; value: string }>>;
  recordsMatched: number;
  recordsScanned: number;
  bytesScanned: number;
}

/** At most this many matching events are held in memory for sort/stats. */
const MAX_HELD_ROWS = 100_000;
const DEFAULT_LIMIT = 10_000;

type Row = Map<string, Value>;

export function runQuery(commands: Command[], events: Iterable<InputEvent>, limitParam?: number): QueryOutput {
  const statsAt = commands.findIndex((c) => c.c === "stats");
  const pre = statsAt < 0 ? commands : commands.slice(0, statsAt);
  const post = statsAt < 0 ? [] : commands.slice(statsAt);
  const needsAll = statsAt >= 0 || commands.some((c) => c.c === "sort");
  const firstLimit = commands.find((c) => c.c === "limit") as { n: number } | undefined;
  const cap = needsAll ? MAX_HELD_ROWS : Math.min(firstLimit?.n ?? limitParam ?? DEFAULT_LIMIT, limitParam ?? DEFAULT_LIMIT);

  let scanned = 0;
  let bytes = 0;
  let rows: Row[] = [];
  let display: string[] | undefined;
  const timeFields = new Set(["@timestamp", "@ingestionTime"]);
  for (const ev of events) {
    scanned++;
    bytes += Buffer.byteLength(ev.message) + 26;
    const row = eventRow(ev);
    let keep = true;
    for (const c of pre) {
      if (c.c === "filter") keep = truthy(evaluate(c.e, row));
      else if (c.c === "fields" || c.c === "display") {
        for (const n of c.list) if (n.e.k !== "field" || n.name !== n.e.name) row.set(n.name, evaluate(n.e, row));
      } else if (c.c === "parse") parseInto(row, c);
      else if (c.c === "limit" || c.c === "sort") continue;
      if (!keep) break;
    }
    if (!keep) continue;
    rows.push(row);
    if (rows.length >= cap) break;
  }
  const matched = rows.length;
  for (const c of commands) if (c.c === "fields" || c.c === "display") display = c.list.map((n) => n.name);

  // Commands that act on the whole row set, in order (sort/limit before stats act on events).
  const sequence = statsAt < 0 ? commands.filter((c) => c.c === "sort" || c.c === "limit") : [...pre.filter((c) => c.c === "sort" || c.c === "limit"), ...post];
  for (const c of sequence) {
    if (c.c === "sort") rows = sortRows(rows, c.keys);
    else if (c.c === "limit") rows = rows.slice(0, c.n);
    else if (c.c === "stats") {
      rows = aggregate(rows, c.aggs, c.by);
      for (const b of c.by) if (b.e.k === "call" && b.e.fn === "bin") timeFields.add(b.name);
      display = [...c.by.map((b) => b.name), ...c.aggs.map((a) => a.name)];
    } else if (c.c === "filter") rows = rows.filter((r) => truthy(evaluate(c.e, r)));
    else if (c.c === "fields" || c.c === "display") {
      for (const r of rows) for (const n of c.list) if (n.e.k !== "field" || n.name !== n.e.name) r.set(n.name, evaluate(n.e, r));
      display = c.list.map((n) => n.name);
    }
  }
  if (limitParam !== undefined) rows = rows.slice(0, limitParam);
  rows = rows.slice(0, DEFAULT_LIMIT);

  const shown = display ?? ["@timestamp", "@message"];
  const withPtr = statsAt < 0;
  return {
    rows: rows.map((r) => {
      const out: Array<{ field: string; value: string }> = [];
      for (const f of shown) {
        const v = r.get(f);
        if (v !== undefined) out.push({ field: f, value: timeFields.has(f) && typeof v === "number" ? formatTimestamp(v) : String(v) });
      }
      if (withPtr && r.has("@ptr")) out.push({ field: "@ptr", value: String(r.get("@ptr")) });
      return out;
    }),
    recordsMatched: matched,
    recordsScanned: scanned,
    bytesScanned: bytes,
  };
}

/** Every field of one event (GetLogRecord): system fields and discovered JSON fields, as strings. */
export function eventFields(ev: InputEvent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of eventRow(ev)) if (v !== undefined && k !== "@ptr") out[k] = String(v);
  return out;
}

function eventRow(ev: InputEvent): Row {
  const r: Row = new Map<string, Value>([
    ["@timestamp", ev.timestamp],
    ["@message", ev.message],
    ["@logStream", ev.logStream],
    ["@log", ev.log],
    ["@ingestionTime", ev.ingestionTime],
    ["@ptr", ev.ptr],
  ]);
  const m = ev.message;
  if (m.startsWith("START ") || m.startsWith("END ") || m.startsWith("REPORT ")) lambdaFields(m, r);
  // JSON events, and the first embedded JSON fragment of a line (Lambda's "time\trequestId\tLEVEL\t{...}").
  const brace = m.indexOf("{");
  if (brace >= 0 && (brace === 0 || m.slice(0, brace).trim() === "" || m.includes("\t"))) {
    try {
      flatten(JSON.parse(m.slice(brace)) as unknown, "", r, 0, { n: 0 });
    } catch {
      // not JSON: only the system fields
    }
  }
  return r;
}

/** Lambda's platform lines: @type, @requestId and, for REPORT, durations and memory (memory in bytes, as the doc's sample queries divide by 1000 twice). */
function lambdaFields(m: string, r: Row): void {
  const head = /^(START|END|REPORT) RequestId: ([0-9A-Za-z-]+)/.exec(m);
  if (!head) return;
  r.set("@type", head[1]);
  r.set("@requestId", head[2]);
  if (head[1] !== "REPORT") return;
  const num = (label: string) => {
    const x = new RegExp(`\t${label}: ([0-9.]+) (ms|MB)`).exec(m);
    return x ? Number(x[1]) : undefined;
  };
  const mb = (v: number | undefined) => (v === undefined ? undefined : v * 1_000_000);
  r.set("@duration", num("Duration"));
  r.set("@billedDuration", num("Billed Duration"));
  r.set("@memorySize", mb(num("Memory Size")));
  r.set("@maxMemoryUsed", mb(num("Max Memory Used")));
  const init = num("Init Duration");
  if (init !== undefined) r.set("@initDuration", init);
}

/** Doc: "CloudWatch Logs Insights can extract a maximum of 100 log event fields from a JSON log". */
const MAX_JSON_FIELDS = 100;

function flatten(v: unknown, prefix: string, into: Row, depth: number, count: { n: number }): void {
  if (depth > 32 || count.n >= MAX_JSON_FIELDS) return;
  if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(x, prefix ? `${prefix}.${k}` : k.startsWith("@") ? `@${k}` : k, into, depth + 1, count);
  } else if (prefix && !into.has(prefix)) {
    into.set(prefix, v === null ? undefined : (v as Value));
    count.n++;
  }
}

function parseInto(row: Row, c: Extract<Command, { c: "parse" }>): void {
  const s = evaluate(c.src, row);
  if (typeof s !== "string") return;
  if ("re" in c) {
    const groups = c.re.groups(s);
    if (groups) for (const [k, v] of Object.entries(groups)) row.set(k, v);
    return;
  }
  // Glob: literal pieces in order, each * the shortest text up to the next piece (linear: indexOf scans).
  let at = s.indexOf(c.pieces[0]!);
  if (at < 0) return;
  at += c.pieces[0]!.length;
  const values: string[] = [];
  for (let i = 1; i < c.pieces.length; i++) {
    const piece = c.pieces[i]!;
    const next = piece === "" && i === c.pieces.length - 1 ? s.length : s.indexOf(piece, at);
    if (next < 0) return;
    values.push(s.slice(at, next));
    at = next + piece.length;
  }
  c.names.forEach((n, i) => row.set(n, values[i]));
}

// ---------------------------------------------------------------- expressions

const num = (v: Value): number => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN);
const truthy = (v: Value): boolean => v === true;

function evaluate(e: Expr, r: Row): Value {
  switch (e.k) {
    case "field":
      return r.get(e.name);
    case "str":
      return e.v;
    case "num":
      return e.v;
    case "regex":
      return undefined;
    case "not":
      return !truthy(evaluate(e.a, r));
    case "like": {
      const a = evaluate(e.a, r);
      if (a === undefined) return false;
      const s = String(a);
      const hit = e.p.k === "regex" ? e.p.re.test(s) : s.includes(String(evaluate(e.p, r) ?? ""));
      return e.neg ? !hit : hit;
    }
    case "in": {
      const a = evaluate(e.a, r);
      const hit = e.list.some((x) => equals(a, evaluate(x, r)));
      return e.neg ? !hit : hit;
    }
    case "call":
      return call(e.fn, e.args, r);
    case "op": {
      if (e.op === "and") return truthy(evaluate(e.a, r)) && truthy(evaluate(e.b, r));
      if (e.op === "or") return truthy(evaluate(e.a, r)) || truthy(evaluate(e.b, r));
      const a = evaluate(e.a, r);
      const b = evaluate(e.b, r);
      if (e.op === "=") return equals(a, b);
      if (e.op === "!=") return a !== undefined && !equals(a, b);
      if (a === undefined || b === undefined) return e.op === "+" || e.op === "-" || e.op === "*" || e.op === "/" || e.op === "%" ? undefined : false;
      const x = num(a);
      const y = num(b);
      if (["<", "<=", ">", ">="].includes(e.op)) {
        if (Number.isNaN(x) || Number.isNaN(y)) {
          const [p, q] = [String(a), String(b)];
          return e.op === "<" ? p < q : e.op === "<=" ? p <= q : e.op === ">" ? p > q : p >= q;
        }
        return e.op === "<" ? x < y : e.op === "<=" ? x <= y : e.op === ">" ? x > y : x >= y;
      }
      const n = e.op === "+" ? x + y : e.op === "-" ? x - y : e.op === "*" ? x * y : e.op === "/" ? x / y : x % y;
      return Number.isFinite(n) ? n : undefined;
    }
  }
}

function equals(a: Value, b: Value): boolean {
  if (a === undefined || b === undefined) return false;
  const x = num(a);
  const y = num(b);
  if (!Number.isNaN(x) && !Number.isNaN(y) && (typeof a === "number" || typeof b === "number")) return x === y;
  return String(a) === String(b);
}

function call(fn: string, args: Expr[], r: Row): Value {
  const v = args.map((a) => evaluate(a, r));
  switch (fn) {
    case "ispresent":
      return v[0] !== undefined;
    case "isempty":
      return v[0] === undefined || v[0] === "";
    case "isblank":
      return v[0] === undefined || String(v[0]).trim() === "";
    case "strlen":
      return v[0] === undefined ? undefined : String(v[0]).length;
    case "tolower":
      return v[0] === undefined ? undefined : String(v[0]).toLowerCase();
    case "toupper":
      return v[0] === undefined ? undefined : String(v[0]).toUpperCase();
    case "concat":
      return v.map((x) => (x === undefined ? "" : String(x))).join("");
    case "abs":
    case "floor":
    case "ceil": {
      const n = num(v[0]);
      return Number.isNaN(n) ? undefined : Math[fn](n);
    }
    case "bin": {
      const period = num(v[0]);
      const t = num(r.get("@timestamp"));
      return Math.floor(t / period) * period;
    }
    default:
      return undefined; // aggregates outside stats are refused by the parser
  }
}

// ---------------------------------------------------------------- stats

interface Acc {
  count: number;
  sum: number;
  n: number;
  min: number | undefined;
  max: number | undefined;
  distinct: Set<string>;
}

function aggregate(rows: Row[], aggs: Named[], by: Named[]): Row[] {
  const groups = new Map<string, { keys: Value[]; accs: Acc[] }>();
  for (const r of rows) {
    const keys = by.map((b) => evaluate(b.e, r));
    const id = JSON.stringify(keys);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { keys, accs: aggs.map(() => ({ count: 0, sum: 0, n: 0, min: undefined, max: undefined, distinct: new Set<string>() })) }));
    aggs.forEach((a, i) => {
      const call = a.e as Extract<Expr, { k: "call" }>;
      const acc = g!.accs[i]!;
      if (!call.args.length) {
        acc.count++;
        return;
      }
      const v = evaluate(call.args[0]!, r);
      if (v === undefined) return;
      acc.count++;
      if (call.fn === "count_distinct") {
        if (acc.distinct.size < MAX_HELD_ROWS) acc.distinct.add(String(v));
        return;
      }
      const n = num(v);
      if (Number.isNaN(n)) return;
      acc.sum += n;
      acc.n++;
      acc.min = acc.min === undefined ? n : Math.min(acc.min, n);
      acc.max = acc.max === undefined ? n : Math.max(acc.max, n);
    });
  }
  const out: Row[] = [];
  for (const g of groups.values()) {
    const row: Row = new Map();
    by.forEach((b, i) => row.set(b.name, g.keys[i]));
    aggs.forEach((a, i) => {
      const fn = (a.e as Extract<Expr, { k: "call" }>).fn;
      const acc = g.accs[i]!;
      row.set(a.name, fn === "count" ? acc.count : fn === "count_distinct" ? acc.distinct.size : fn === "sum" ? acc.sum : fn === "avg" ? (acc.n ? acc.sum / acc.n : undefined) : fn === "min" ? acc.min : acc.max);
    });
    out.push(row);
  }
  // Time series come back in time order.
  const binAt = by.findIndex((b) => b.e.k === "call" && b.e.fn === "bin");
  if (binAt >= 0) out.sort((x, y) => num(x.get(by[binAt]!.name)) - num(y.get(by[binAt]!.name)));
  return out;
}

// ---------------------------------------------------------------- sort and format

function sortRows(rows: Row[], keys: Array<{ e: Expr; desc: boolean }>): Row[] {
  return rows
    .map((r) => ({ r, k: keys.map((k) => evaluate(k.e, r)) }))
    .sort((x, y) => {
      for (let i = 0; i < keys.length; i++) {
        const c = naturalCompare(x.k[i], y.k[i]);
        if (c) return keys[i]!.desc ? -c : c;
      }
      return 0;
    })
    .map((x) => x.r);
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** The doc's natural order: missing first, non-numbers before numbers, digit runs by length then value. */
export function naturalCompare(a: Value, b: Value): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const [s, t] = [String(a), String(b)];
  const [sn, tn] = [typeof a === "number" || NUMERIC.test(s), typeof b === "number" || NUMERIC.test(t)];
  if (sn && tn) return Number(s) - Number(t);
  if (sn !== tn) return sn ? 1 : -1;
  const cs = s.match(/\d+|\D+/g) ?? [];
  const ct = t.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(cs.length, ct.length); i++) {
    const [p, q] = [cs[i]!, ct[i]!];
    if (p === q) continue;
    const [pd, qd] = [/^\d/.test(p), /^\d/.test(q)];
    if (pd && qd) return p.length - q.length || (p < q ? -1 : 1);
    return p < q ? -1 : 1;
  }
  return cs.length - ct.length;
}

/** "yyyy-MM-dd HH:mm:ss.SSS" in UTC, as Logs Insights prints @timestamp. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}
