/**
 * AttributeValue validation, equality, ordering, item sizes and an order-preserving key encoding.
 * validateAttributeValue normalizes N and NS members in place (DynamoDB returns numbers normalized:
 * "01.50" is stored and returned as "1.5").
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
import { ServiceError } from "../../../aws/errors.js";
import { checkedDecimal, compareNumbers, formatDecimal, parseDecimal } from "./number.js";

type Item = Record<string, AttributeValue>;
const invalid = (msg: string) => new ServiceError("ValidationException", msg, 400);
const INVALID = "One or more parameter values were invalid";
const TYPES = ["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"] as const;

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");

function checkSet(kind: string, values: string[]): void {
  if (!values.length) throw invalid(`${INVALID}: An ${kind} set  may not be empty`);
  if (new Set(values).size !== values.length) throw invalid(`${INVALID}: Input collection [${values.join(", ")}] contains duplicates.`);
}

/** Levels a document may have, the top-level attribute being level 1 ("Nested attribute depth" in the quotas). */
export const MAX_NESTING_LEVELS = 32;
export const NESTING_MESSAGE = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

/**
 * Throws AWS's ValidationException for a malformed value; normalizes N/NS in place. The depth is checked
 * before descending, so a value nested thousands deep is refused without deep recursion.
 */
export function validateAttributeValue(v: AttributeValue, _path?: string, level = 1): void {
  if (level > MAX_NESTING_LEVELS) throw invalid(NESTING_MESSAGE);
  if (v === null || typeof v !== "object") throw invalid("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  let n = 0;
  for (const t of TYPES) if ((v as Record<string, unknown>)[t] !== undefined && (v as Record<string, unknown>)[t] !== null) n++;
  if (n === 0) throw invalid("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  if (n > 1) throw invalid("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
  if (v.N !== undefined) v.N = formatDecimal(checkedDecimal(v.N));
  else if (v.SS) checkSet("string", v.SS);
  else if (v.NS) {
    if (!v.NS.length) throw invalid(`${INVALID}: An number set  may not be empty`);
    const norm = v.NS.map((s) => formatDecimal(checkedDecimal(s)));
    checkSet("number", norm);
    v.NS = norm;
  } else if (v.BS) {
    // Binary sets are worded differently from string and number sets (observed on DynamoDB).
    if (!v.BS.length) throw invalid(`${INVALID}: Binary sets should not be empty`);
    const enc = v.BS.map(b64);
    if (new Set(enc).size !== enc.length) throw invalid(`${INVALID}: Input collection [${enc.join(", ")}]of type BS contains duplicates.`);
  } else if (v.NULL !== undefined) {
    if (v.NULL !== true) throw invalid(`${INVALID}: Null attribute value types must have the value of true`);
  } else if (v.M) {
    for (const k in v.M) validateAttributeValue(v.M[k]!, _path ? `${_path}.${k}` : k, level + 1);
  } else if (v.L) {
    for (let i = 0; i < v.L.length; i++) validateAttributeValue(v.L[i]!, `${_path ?? ""}[${i}]`, level + 1);
  }
}

export function typeOf(v: AttributeValue): (typeof TYPES)[number] | undefined {
  for (const t of TYPES) if ((v as Record<string, unknown>)[t] !== undefined) return t;
  return undefined;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Deep equality; sets compare as sets, numbers numerically. */
export function attributeValuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const t = typeOf(a);
  if (t !== typeOf(b)) return false;
  switch (t) {
    case "S": return a.S === b.S;
    case "N": return compareNumbers(a.N!, b.N!) === 0;
    case "B": return bytesEqual(a.B!, b.B!);
    case "BOOL": return a.BOOL === b.BOOL;
    case "NULL": return true;
    case "SS": { const s = new Set(a.SS); return a.SS!.length === b.SS!.length && s.size === new Set(b.SS).size && b.SS!.every((x) => s.has(x)); }
    case "NS": return a.NS!.length === b.NS!.length && a.NS!.every((x) => b.NS!.some((y) => compareNumbers(x, y) === 0)) && b.NS!.every((y) => a.NS!.some((x) => compareNumbers(x, y) === 0));
    case "BS": { const s = new Set(a.BS!.map(b64)); const o = new Set(b.BS!.map(b64)); return s.size === o.size && [...o].every((x) => s.has(x)); }
    case "L": return a.L!.length === b.L!.length && a.L!.every((x, i) => attributeValuesEqual(x, b.L![i]!));
    case "M": {
      const ka = Object.keys(a.M!), kb = Object.keys(b.M!);
      return ka.length === kb.length && ka.every((k) => b.M![k] !== undefined && attributeValuesEqual(a.M![k]!, b.M![k]!));
    }
    default: return false;
  }
}

/** Order of S (UTF-8 bytes), N (numeric) and B (bytes) values of the same type. */
export function compareAttributeValues(a: AttributeValue, b: AttributeValue): number {
  if (a.N !== undefined && b.N !== undefined) return compareNumbers(a.N, b.N);
  if (a.S !== undefined && b.S !== undefined) return Math.sign(Buffer.compare(Buffer.from(a.S, "utf8"), Buffer.from(b.S, "utf8")));
  if (a.B !== undefined && b.B !== undefined) return Math.sign(Buffer.compare(Buffer.from(a.B), Buffer.from(b.B)));
  throw new TypeError("compareAttributeValues: operands must be both S, both N or both B");
}

function numberSize(n: string): number {
  const d = parseDecimal(n);
  return Math.ceil((d?.digits.length || 1) / 2) + 1;
}

/** Size of one value per "Item sizes and formats" (DynamoDB Developer Guide). */
export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S, "utf8");
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.SS) { let n = 0; for (const s of v.SS) n += Buffer.byteLength(s, "utf8"); return n; }
  if (v.NS) { let n = 0; for (const s of v.NS) n += numberSize(s); return n; }
  if (v.BS) { let n = 0; for (const b of v.BS) n += b.byteLength; return n; }
  // Lists and maps: 3 bytes overhead plus 1 byte per element (documented), names count for maps.
  if (v.L) { let n = 3; for (const e of v.L) n += 1 + valueSize(e); return n; }
  if (v.M) { let n = 3; for (const k in v.M) n += 1 + Buffer.byteLength(k, "utf8") + valueSize(v.M[k]!); return n; }
  return 1; // NULL, BOOL
}

/** Item size in bytes: attribute name lengths (UTF-8) plus value sizes. */
export function itemSize(item: Item): number {
  let n = 0;
  for (const k in item) n += Buffer.byteLength(k, "utf8") + valueSize(item[k]!);
  return n;
}

/**
 * Order-preserving key encoding: Buffer.compare order equals DynamoDB's order for S (UTF-8 bytes),
 * B (bytes) and N (numeric). N: sign byte (0x7f negative, 0x80 zero, 0x81 positive), 2-byte biased exponent
 * (inverted for negatives), digits as d+1 (inverted for negatives), then a terminator (0x00, 0xff negative)
 * so a shorter digit string sorts before its extensions in the right direction.
 */
export function encodeKeyValue(v: AttributeValue): Buffer {
  if (v.S !== undefined) return Buffer.from(v.S, "utf8");
  if (v.B !== undefined) return Buffer.from(v.B);
  if (v.N === undefined) throw new TypeError("encodeKeyValue: key values are S, N or B");
  const d = parseDecimal(v.N);
  if (!d) throw invalid(`The parameter cannot be converted to a numeric value: ${v.N}`);
  if (!d.digits) return Buffer.from([0x80]);
  const len = d.digits.length;
  const out = Buffer.alloc(4 + len);
  out[0] = d.neg ? 0x7f : 0x81;
  const ex = d.e + 1000;
  out.writeUInt16BE(d.neg ? 0xffff - ex : ex, 1);
  for (let i = 0; i < len; i++) {
    const x = d.digits.charCodeAt(i) - 47; // 1..10
    out[3 + i] = d.neg ? 0xff - x : x;
  }
  out[3 + len] = d.neg ? 0xff : 0;
  return out;
}

export function decodeKeyValue(type: "S" | "N" | "B", buf: Buffer): AttributeValue {
  if (type === "S") return { S: buf.toString("utf8") };
  if (type === "B") return { B: new Uint8Array(buf) };
  if (buf[0] === 0x80) return { N: "0" };
  const neg = buf[0] === 0x7f;
  const rawEx = buf.readUInt16BE(1);
  const e = (neg ? 0xffff - rawEx : rawEx) - 1000;
  let digits = "";
  for (let i = 3; i < buf.length - 1; i++) digits += String.fromCharCode((neg ? 0xff - buf[i]! : buf[i]!) + 47);
  return { N: formatDecimal({ neg, digits, e }) };
}
