/**
 * The one place the provider imports the DynamoDB cores from (values/, expressions/, partiql/, written by
 * another helper). INTERIM: until those land, the values functions below are a small real implementation
 * and expressions/PartiQL come from ./interim/; this file becomes plain re-exports.
 */
import type { AttributeValue } from "../../../aws/api/dynamodb.js";
type Item = Record<string, AttributeValue>;

function parseNum(s: string): { neg: boolean; digits: string; e: number } | undefined {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(s);
  if (!m || (!m[2] && !m[3])) return undefined;
  let digits = (m[2] ?? "") + (m[3] ?? "");
  let e = (m[2] ?? "").length + Number(m[4] ?? 0);
  const lead = digits.match(/^0*/)![0].length;
  digits = digits.slice(lead);
  e -= lead;
  digits = digits.replace(/0+$/, "");
  return { neg: m[1] === "-" && digits.length > 0, digits, e: digits ? e : 0 };
}

export function normalizeNumber(s: string): string {
  const p = parseNum(s)!;
  if (!p.digits) return "0";
  let out: string;
  if (p.e <= 0) out = "0." + "0".repeat(-p.e) + p.digits;
  else if (p.e >= p.digits.length) out = p.digits + "0".repeat(p.e - p.digits.length);
  else out = p.digits.slice(0, p.e) + "." + p.digits.slice(p.e);
  return (p.neg ? "-" : "") + out;
}

export function encodeKeyValue(v: AttributeValue): Buffer {
  if (v.S !== undefined) return Buffer.from(v.S, "utf8");
  if (v.B !== undefined) return Buffer.from(v.B);
  const p = parseNum(v.N!)!;
  if (!p.digits) return Buffer.from([0x80]);
  const out = Buffer.alloc(4 + p.digits.length);
  out[0] = p.neg ? 0x7f : 0x81;
  const ex = p.e + 1000;
  out.writeUInt16BE(p.neg ? 65535 - ex : ex, 1);
  for (let i = 0; i < p.digits.length; i++) {
    const d = p.digits.charCodeAt(i) - 47;
    out[3 + i] = p.neg ? 255 - d : d;
  }
  out[3 + p.digits.length] = p.neg ? 255 : 0;
  return out;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil((parseNum(v.N)?.digits.length ?? 1) / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.SS) return v.SS.reduce((a, s) => a + Buffer.byteLength(s), 0);
  if (v.NS) return v.NS.reduce((a, s) => a + valueSize({ N: s }), 0);
  if (v.BS) return v.BS.reduce((a, b) => a + b.length, 0);
  if (v.L) return 3 + v.L.reduce((a, e) => a + 1 + valueSize(e), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((a, [k, e]) => a + 1 + Buffer.byteLength(k) + valueSize(e), 0);
  return 1;
}

export function itemSize(item: Item): number {
  let n = 0;
  for (const k in item) n += Buffer.byteLength(k) + valueSize(item[k]!);
  return n;
}

/** AWS's limits on numbers: 38 significant digits, magnitude between 1e-130 and 1e126 ("Number data type"). */
function checkNumber(s: string): string | undefined {
  const p = parseNum(s);
  if (!p || s.trim() !== s) return `The parameter cannot be converted to a numeric value: ${s}`;
  if (!p.digits) return undefined;
  if (p.digits.length > 38) return "Attempting to store more than 38 significant digits in a Number";
  if (p.e > 126) return "Number overflow. Attempting to store a number with magnitude larger than supported range";
  if (p.e < -129) return "Number underflow. Attempting to store a number with magnitude smaller than supported range";
  return undefined;
}

export function validateAttributeValue(v: AttributeValue, _path?: string): string | undefined {
  const types = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (!types.length) return "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
  if (types.length > 1) return "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";
  if (v.N !== undefined) {
    const m = checkNumber(v.N);
    if (m) return m;
    v.N = normalizeNumber(v.N);
  }
  if (v.NS) {
    for (const n of v.NS) {
      const m = checkNumber(n);
      if (m) return m;
    }
    v.NS = v.NS.map(normalizeNumber);
  }
  if ((v.SS && !v.SS.length) || (v.NS && !v.NS.length) || (v.BS && !v.BS.length)) return "One or more parameter values were invalid: An AttributeValue may not contain an empty set.";
  if (v.SS && new Set(v.SS).size !== v.SS.length) return `One or more parameter values were invalid: Input collection [${v.SS.join(", ")}] contains duplicates.`;
  if (v.NS && new Set(v.NS).size !== v.NS.length) return "Input collection contains duplicates";
  if (v.BS && new Set(v.BS.map((b) => Buffer.from(b).toString("base64"))).size !== v.BS.length) return "One or more parameter values were invalid: Input collection contains duplicates.";
  if (v.M) for (const k in v.M) { const m = validateAttributeValue(v.M[k]!); if (m) return m; }
  if (v.L) for (const e of v.L) { const m = validateAttributeValue(e); if (m) return m; }
  return undefined;
}

export { ExpressionAttributes, parseCondition, parseKeyCondition, parseProjection, parseUpdate, type ConditionNode, type Path, type UpdateAction } from "./interim/parse.js";
export {
  applyUpdate,
  attributesToGetToPaths,
  attributeUpdatesToActions,
  conditionAttributeNames,
  evaluateCondition,
  expectedToCondition,
  filterMapToCondition,
  keyConditionsToKeyCondition,
  project,
} from "./interim/evaluate.js";
export { parsePartiql } from "./interim/partiql.js";
