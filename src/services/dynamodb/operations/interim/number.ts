/** INTERIM exact decimal numbers (BigInt mantissa and scale), until the cores' values/number.ts lands. */
import { ServiceError } from "../../../../aws/errors.js";

interface Dec {
  m: bigint;
  /** value = m × 10^-scale */
  scale: number;
}

function parse(s: string): Dec {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(s);
  if (!m || (!m[2] && !m[3])) throw new ServiceError("ValidationException", `The parameter cannot be converted to a numeric value: ${s}`, 400);
  const frac = m[3] ?? "";
  let scale = frac.length - Number(m[4] ?? 0);
  let mant = BigInt((m[2] || "0") + frac);
  if (scale < 0) {
    mant *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { m: m[1] === "-" ? -mant : mant, scale };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const s = Math.max(a.scale, b.scale);
  return [a.m * 10n ** BigInt(s - a.scale), b.m * 10n ** BigInt(s - b.scale), s];
}

function format(m: bigint, scale: number): string {
  const neg = m < 0n;
  let digits = (neg ? -m : m).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, "0");
    let int = digits.slice(0, digits.length - scale);
    let frac = digits.slice(digits.length - scale).replace(/0+$/, "");
    int = int.replace(/^0+(?=\d)/, "");
    digits = frac ? `${int}.${frac}` : int;
  }
  if (digits === "0") return "0";
  return neg ? `-${digits}` : digits;
}

export function compareNumbers(a: string, b: string): number {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addNumbers(a: string, b: string): string {
  const [x, y, s] = align(parse(a), parse(b));
  const out = format(x + y, s);
  const significant = out.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  if (significant.length > 38) throw new ServiceError("ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range", 400);
  return out;
}

export const normalizeNumber = (s: string) => {
  const d = parse(s);
  return format(d.m, d.scale);
};
