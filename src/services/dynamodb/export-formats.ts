/**
 * The file formats of DynamoDB export to / import from S3, as the developer guide describes them:
 * - DYNAMODB_JSON: one `{"Item":{...}}` per line, attribute values in DynamoDB's wire JSON (B as base64).
 * - ION (text): `$ion_1_0 ` once, then one `{Item:{...}}` per line; numbers as Ion decimals (`103.`), sets
 *   as lists annotated `$dynamodb_SS::` / `$dynamodb_NS::` / `$dynamodb_BS::`, binary as blobs `{{base64}}`.
 *   The reader here parses that subset of Ion text (plus symbols, quoted field names, comments-free input).
 * - CSV (import only): header line (or InputFormatOptions.Csv.HeaderList), configurable delimiter, quoted
 *   fields with "" escapes; key attributes get their AttributeDefinitions type, all others are strings.
 * Lines are split with a length cap so a hostile object cannot make one unbounded string.
 */
import type { AttributeValue } from "../../aws/api/dynamodb.js";

type Item = Record<string, AttributeValue>;

// ---------------------------------------------------------------- DynamoDB JSON

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** An item as the wire JSON writes it (binary as base64). */
export function toWireJson(v: AttributeValue): unknown {
  if (v.B !== undefined) return { B: b64(v.B) };
  if (v.BS !== undefined) return { BS: v.BS.map(b64) };
  if (v.M !== undefined) return { M: Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, toWireJson(x)])) };
  if (v.L !== undefined) return { L: v.L.map(toWireJson) };
  return v;
}

export const dynamoJsonLine = (item: Item) => `${JSON.stringify({ Item: Object.fromEntries(Object.entries(item).map(([k, x]) => [k, toWireJson(x)])) })}\n`;

/** Wire JSON back to attribute values (base64 → bytes); throws on anything that is not an attribute value. */
export function fromWireJson(v: unknown): AttributeValue {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not an attribute value");
  const [type, x, ...more] = Object.entries(v)[0] ?? [];
  if (more.length || Object.keys(v).length !== 1) throw new Error("an attribute value has exactly one type");
  switch (type) {
    case "S":
    case "N":
      if (typeof x !== "string") throw new Error(`${type} must be a string`);
      return { [type]: x };
    case "B":
      if (typeof x !== "string") throw new Error("B must be base64");
      return { B: Buffer.from(x, "base64") };
    case "SS":
    case "NS":
      if (!Array.isArray(x) || x.some((e) => typeof e !== "string")) throw new Error(`${type} must be a list of strings`);
      return { [type]: x as string[] };
    case "BS":
      if (!Array.isArray(x) || x.some((e) => typeof e !== "string")) throw new Error("BS must be a list of base64 strings");
      return { BS: (x as string[]).map((e) => Buffer.from(e, "base64")) };
    case "BOOL":
    case "NULL":
      if (typeof x !== "boolean") throw new Error(`${type} must be a boolean`);
      return { [type]: x };
    case "L":
      if (!Array.isArray(x)) throw new Error("L must be a list");
      return { L: x.map(fromWireJson) };
    case "M":
      if (!x || typeof x !== "object" || Array.isArray(x)) throw new Error("M must be a map");
      return { M: Object.fromEntries(Object.entries(x).map(([k, e]) => [k, fromWireJson(e)])) };
    default:
      throw new Error(`unknown attribute type ${type}`);
  }
}

export function parseDynamoJsonLine(line: string): Item {
  const o = JSON.parse(line) as { Item?: unknown };
  if (!o || typeof o !== "object" || !o.Item || typeof o.Item !== "object" || Array.isArray(o.Item)) throw new Error("a line must be {\"Item\":{...}}");
  return Object.fromEntries(Object.entries(o.Item).map(([k, x]) => [k, fromWireJson(x)]));
}

// ---------------------------------------------------------------- Ion text

const ionString = (s: string) => JSON.stringify(s).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ION_KEYWORDS = new Set(["null", "true", "false", "nan"]);
const ionField = (k: string) => (IDENT.test(k) && !ION_KEYWORDS.has(k) && !k.startsWith("$") ? k : ionString(k));

/** A DynamoDB number as an Ion decimal: `103.`, `1.5`, `1.5d3` (Ion's `e` would make a float). */
export function ionDecimal(n: string): string {
  const [mant, exp] = n.split(/[eE]/);
  const m = mant!.includes(".") ? mant! : `${mant}.`;
  return exp === undefined ? m : `${m}d${exp}`;
}

export function toIon(v: AttributeValue): string {
  if (v.S !== undefined) return ionString(v.S);
  if (v.N !== undefined) return ionDecimal(v.N);
  if (v.B !== undefined) return `{{${b64(v.B)}}}`;
  if (v.BOOL !== undefined) return String(v.BOOL);
  if (v.NULL !== undefined) return "null";
  if (v.SS !== undefined) return `$dynamodb_SS::[${v.SS.map(ionString).join(",")}]`;
  if (v.NS !== undefined) return `$dynamodb_NS::[${v.NS.map(ionDecimal).join(",")}]`;
  if (v.BS !== undefined) return `$dynamodb_BS::[${v.BS.map((b) => `{{${b64(b)}}}`).join(",")}]`;
  if (v.L !== undefined) return `[${v.L.map(toIon).join(",")}]`;
  return `{${Object.entries(v.M ?? {})
    .map(([k, x]) => `${ionField(k)}:${toIon(x)}`)
    .join(",")}}`;
}

export const ION_HEADER = "$ion_1_0 ";
export const ionLine = (item: Item) => `${toIon({ M: item }).replace(/^/, "{Item:")}}\n`;

/** Parses one Ion text value (the subset DynamoDB writes) into an attribute value. */
export class IonReader {
  private i = 0;
  constructor(private readonly s: string) {}

  /** Reads the `{Item:{...}}` records of a line (a leading `$ion_1_0` marker is skipped). */
  items(): Item[] {
    const out: Item[] = [];
    for (;;) {
      this.ws();
      if (this.i >= this.s.length) return out;
      if (this.s.startsWith("$ion_1_0", this.i)) {
        this.i += 8;
        continue;
      }
      const v = this.value(0);
      const item = v.M?.Item?.M;
      if (!item || Object.keys(v.M!).length !== 1) throw new Error("a record must be {Item:{...}}");
      out.push(item);
    }
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private fail(what: string): never {
    throw new Error(`Ion: ${what} at offset ${this.i}`);
  }

  private value(depth: number): AttributeValue {
    if (depth > 64) this.fail("nesting too deep");
    this.ws();
    const c = this.s[this.i];
    if (c === "$" && this.s.startsWith("$dynamodb_", this.i)) {
      const m = /^\$dynamodb_(SS|NS|BS)::/.exec(this.s.slice(this.i, this.i + 16));
      if (!m) this.fail("unknown annotation");
      this.i += m[0].length;
      const list = this.value(depth + 1).L;
      if (!list) this.fail("a set must be a list");
      if (m[1] === "SS") return { SS: list.map((e) => e.S ?? this.fail("SS holds strings")) };
      if (m[1] === "NS") return { NS: list.map((e) => e.N ?? this.fail("NS holds numbers")) };
      return { BS: list.map((e) => e.B ?? this.fail("BS holds blobs")) };
    }
    if (c === '"') return { S: this.string() };
    if (c === "{" && this.s[this.i + 1] === "{") {
      const end = this.s.indexOf("}}", this.i);
      if (end < 0) this.fail("unterminated blob");
      const body = this.s.slice(this.i + 2, end).replace(/\s/g, "");
      this.i = end + 2;
      return { B: Buffer.from(body, "base64") };
    }
    if (c === "{") {
      this.i++;
      const M: Item = {};
      for (;;) {
        this.ws();
        if (this.s[this.i] === "}") return this.i++, { M };
        const key = this.s[this.i] === '"' ? this.string() : this.s[this.i] === "'" ? this.symbol() : this.ident();
        this.ws();
        if (this.s[this.i++] !== ":") this.fail("expected ':'");
        M[key] = this.value(depth + 1);
        this.ws();
        if (this.s[this.i] === ",") this.i++;
        else if (this.s[this.i] !== "}") this.fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      this.i++;
      const L: AttributeValue[] = [];
      for (;;) {
        this.ws();
        if (this.s[this.i] === "]") return this.i++, { L };
        L.push(this.value(depth + 1));
        this.ws();
        if (this.s[this.i] === ",") this.i++;
        else if (this.s[this.i] !== "]") this.fail("expected ',' or ']'");
      }
    }
    const word = /^[A-Za-z0-9_.+\-$]+/.exec(this.s.slice(this.i, this.i + 400))?.[0];
    if (!word) this.fail("unexpected character");
    this.i += word.length;
    if (word === "true" || word === "false") return { BOOL: word === "true" };
    if (word.startsWith("null")) return { NULL: true };
    if (/^[-+]?(\d+\.?\d*|\.\d+)([dDeE][-+]?\d+)?$/.test(word)) return { N: word.replace(/[dD]/, "E").replace(/\.(?=E|$)/, "") };
    this.fail(`unsupported value ${word}`);
  }

  private string(): string {
    const m = /^"(?:[^"\\\n]|\\.)*"/.exec(this.s.slice(this.i));
    if (!m) this.fail("unterminated string");
    this.i += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  private symbol(): string {
    const end = this.s.indexOf("'", this.i + 1);
    if (end < 0) this.fail("unterminated symbol");
    const text = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return text;
  }

  private ident(): string {
    const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(this.s.slice(this.i, this.i + 1024));
    if (!m) this.fail("expected a field name");
    this.i += m[0].length;
    return m[0];
  }
}

// ---------------------------------------------------------------- CSV

/** Splits one CSV record (quotes may hold the delimiter; "" is a quote). Returns undefined if a quote is open. */
export function splitCsv(line: string, delimiter: string): string[] | undefined {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) out.push(cur), (cur = "");
    else cur += c;
  }
  if (quoted) return undefined;
  out.push(cur.replace(/\r$/, ""));
  return out;
}

// ---------------------------------------------------------------- lines

/** Lines of a byte stream; a line longer than `max` characters is yielded as `null` (an error to count) and skipped. */
export async function* linesOf(src: AsyncIterable<Buffer | string>, max: number): AsyncGenerator<string | null> {
  let buf = "";
  let skipping = false;
  const dec = new TextDecoder();
  for await (const chunk of src) {
    buf += typeof chunk === "string" ? chunk : dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (skipping) skipping = false;
      else yield line;
    }
    if (buf.length > max) {
      if (!skipping) yield null;
      skipping = true;
      buf = "";
    }
  }
  buf += dec.decode();
  if (buf && !skipping) yield buf;
}
