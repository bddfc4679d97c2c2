/**
 * DynamoDB numbers ("Number" in "Supported data types"): up to 38 significant digits, magnitude between
 * 1E-130 and 9.9999999999999999999999999999999999999E+125, exact decimal arithmetic (never JS floats).
 * A number is held as sign, significant digits (no leading/trailing zeros) and exponent e with
 * value = 0.<digits> × 10^e.
 */
import { ServiceError } from "../../../aws/errors.js";

export interface Decimal {
  neg: boolean;
  /** Significant digits, no leading or trailing zeros; "" for zero. */
  digits: string;
  /** value = 0.digits × 10^e (0 for zero). */
  e: number;
}

const NUM_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;
const invalid = (msg: string) => new ServiceError("ValidationException", msg, 400);

/** Parses without range checks; undefined when the text is not a number. */
export function parseDecimal(s: string): Decimal | undefined {
  const m = NUM_RE.exec(s);
  if (!m || (!m[2] && !m[3])) return undefined;
  const int = m[2] ?? "";
  let digits = int + (m[3] ?? "");
  let e = int.length + Number(m[4] ?? 0);
  let i = 0;
  while (i < digits.length && digits.charCodeAt(i) === 48) i++;
  digits = digits.slice(i);
  e -= i;
  let j = digits.length;
  while (j > 0 && digits.charCodeAt(j - 1) === 48) j--;
  digits = digits.slice(0, j);
  return digits ? { neg: m[1] === "-", digits, e } : { neg: false, digits: "", e: 0 };
}

/** Parses and applies DynamoDB's limits, with AWS's messages. */
export function checkedDecimal(s: string): Decimal {
  const d = parseDecimal(s);
  if (!d) throw invalid(`The parameter cannot be converted to a numeric value: ${s}`);
  if (!d.digits) return d;
  if (d.digits.length > 38) throw invalid("Attempting to store more than 38 significant digits in a Number");
  if (d.e > 126) throw invalid("Number overflow. Attempting to store a number with magnitude larger than supported range");
  if (d.e < -129) throw invalid("Number underflow. Attempting to store a number with magnitude smaller than supported range");
  return d;
}

/** Plain (non-exponent) notation, as DynamoDB returns numbers. */
export function formatDecimal(d: Decimal): string {
  if (!d.digits) return "0";
  const { digits, e } = d;
  let out: string;
  if (e <= 0) out = "0." + "0".repeat(-e) + digits;
  else if (e >= digits.length) out = digits + "0".repeat(e - digits.length);
  else out = digits.slice(0, e) + "." + digits.slice(e);
  return d.neg ? "-" + out : out;
}

/** Validates a DynamoDB N and returns it as DynamoDB returns it ("01.50" -> "1.5", "1e3" -> "1000"). */
export function normalizeNumber(s: string): string {
  return formatDecimal(checkedDecimal(s));
}

function cmpDec(a: Decimal, b: Decimal): number {
  const sa = a.digits ? (a.neg ? -1 : 1) : 0;
  const sb = b.digits ? (b.neg ? -1 : 1) : 0;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  let c: number;
  if (a.e !== b.e) c = a.e < b.e ? -1 : 1;
  else c = a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0; // same exponent: lexicographic == numeric
  return sa < 0 ? -c : c;
}

function mustParse(s: string): Decimal {
  const d = parseDecimal(s);
  if (!d) throw invalid(`The parameter cannot be converted to a numeric value: ${s}`);
  return d;
}

/** Exact decimal comparison: -1, 0 or 1. */
export function compareNumbers(a: string, b: string): number {
  return cmpDec(mustParse(a), mustParse(b));
}

function toScaled(d: Decimal): { m: bigint; scale: number } {
  if (!d.digits) return { m: 0n, scale: 0 };
  const m = BigInt(d.digits);
  return { m: d.neg ? -m : m, scale: d.digits.length - d.e };
}

function arith(a: string, b: string, sign: 1n | -1n): string {
  const x = toScaled(mustParse(a));
  const y = toScaled(mustParse(b));
  const s = Math.max(x.scale, y.scale);
  const mx = x.m * 10n ** BigInt(s - x.scale);
  const my = y.m * 10n ** BigInt(s - y.scale);
  const r = mx + sign * my;
  const neg = r < 0n;
  const digits = (neg ? -r : r).toString();
  // digits × 10^-s  ==  0.digits × 10^(len - s)
  return normalizeNumber(`${neg ? "-" : ""}0.${digits}e${digits.length - s}`);
}

export function addNumbers(a: string, b: string): string {
  return arith(a, b, 1n);
}

export function subtractNumbers(a: string, b: string): string {
  return arith(a, b, -1n);
}
