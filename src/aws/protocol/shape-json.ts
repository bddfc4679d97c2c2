/**
 * Shape-driven conversion between JSON wire values and typed values, for the json and rest-json
 * protocols: timestamps (epoch seconds by default) ⇄ Date, blobs (base64) ⇄ Uint8Array, members
 * renamed on the wire (locationName). Parsing checks types and collects missing required members.
 */
import { serializationError } from "../errors.js";
import type { Shape } from "../models/loader.js";
import { DocumentLimits } from "./bounds.js";
import { formatTimestamp, parseTimestamp } from "./timestamps.js";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface ParseIssues {
  /** Paths (AWS style, e.g. "tableName") of required members that were missing. */
  missing: string[];
  /** How type errors are worded: Skyport's own (default) or as Coral's Jackson deserializer words them. */
  typeErrors?: "jackson";
}

const describe = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/**
 * JSON wire value → typed value. Throws SerializationException for values of the wrong type and for
 * documents nested deeper than DocumentLimits.MAX_DEPTH (recursive shapes such as DynamoDB's AttributeValue
 * would otherwise recurse as deep as the client likes). A null inside a list is a missing member.
 */
export function fromJson(shape: Shape, value: unknown, path: string, issues: ParseIssues, depth = 0): unknown {
  if (value === null) return undefined;
  if (depth > DocumentLimits.MAX_DEPTH) throw tooDeep();
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value)) throw typeError(path, "structure", value, issues);
      const src = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const members = shape.members!;
      for (const name in members) {
        const m = members[name]!;
        if (m.location) continue; // bound elsewhere (rest-json)
        const v = src[m.locationName ?? name];
        if (v === undefined || v === null) continue;
        out[name] = fromJson(m, v, join(path, name), issues, depth + 1);
      }
      if (shape.required) for (const r of shape.required) if (out[r] === undefined && !members[r]?.location) issues.missing.push(join(path, r));
      return out;
    }
    case "list": {
      if (!Array.isArray(value)) throw typeError(path, "list", value, issues);
      const member = shape.member!;
      if (!member.needsWalk && member.type !== "structure" && member.type !== "list" && member.type !== "map") {
        for (let i = 0; i < value.length; i++) {
          if (value[i] === null) issues.missing.push(`${path}.${i + 1}.member`);
          else checkScalar(member, value[i], path, issues);
        }
        return value;
      }
      // A null element is a missing required value: "Value null at 'x.1.member' failed to satisfy constraint".
      return value.map((v, i) => {
        if (v === null) issues.missing.push(`${path}.${i + 1}.member`);
        return fromJson(member, v, `${path}.${i + 1}.member`, issues, depth + 1);
      });
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) throw typeError(path, "map", value, issues);
      const out: Record<string, unknown> = {};
      const valueShape = shape.value!;
      for (const k in value as Record<string, unknown>) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) continue;
        // A null AttributeValue (the one union with a NULL member) is kept for the service to refuse:
        // DynamoDB answers {"Item": {"a": null}} with a ValidationException, it does not drop "a".
        if (v === null) {
          if (valueShape.members?.NULL) out[k] = null;
          continue;
        }
        out[k] = fromJson(valueShape, v, path, issues, depth + 1);
      }
      return out;
    }
    case "timestamp":
      if (typeof value !== "number" && typeof value !== "string") throw typeError(path, "timestamp", value, issues);
      return parseTimestamp(value, path);
    case "blob":
      if (typeof value !== "string") throw typeError(path, "blob", value, issues);
      if (!BASE64.test(value) || (issues.typeErrors && value.length % 4)) throw serializationError(issues.typeErrors ? base64Problem(value) : `Base64 encoded value expected at '${path}'`);
      return Buffer.from(value, "base64");
    default:
      checkScalar(shape, value, path, issues);
      return value;
  }
}

function checkScalar(shape: Shape, value: unknown, path: string, issues: ParseIssues): void {
  const t = typeof value;
  switch (shape.type) {
    case "string":
      if (t !== "string") throw typeError(path, "string", value, issues);
      return;
    case "boolean":
      if (t !== "boolean") throw typeError(path, "boolean", value, issues);
      return;
    case "integer":
    case "long":
      if (t !== "number" || !Number.isInteger(value)) throw typeError(path, shape.type, value, issues);
      return;
    case "float":
    case "double":
      if (t !== "number" && !(t === "string" && (value === "NaN" || value === "Infinity" || value === "-Infinity"))) throw typeError(path, shape.type, value, issues);
      return;
    default:
      if (shape.needsWalk) throw typeError(path, shape.type, value, issues);
  }
}

const tooDeep = () => serializationError(`Document nesting depth exceeds the maximum allowed (${DocumentLimits.MAX_DEPTH})`);

/** A request body must be a JSON object: null, an array or a scalar where the input structure belongs is a client error. */
export function checkTopLevel(value: unknown, issues: ParseIssues = { missing: [] }): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw typeError("", "structure", value, issues);
}

function typeError(path: string, expected: string, value: unknown, issues: ParseIssues) {
  if (issues.typeErrors === "jackson") return serializationError(jacksonTypeError(expected, value));
  return serializationError(`Unexpected value type in payload: expected ${expected} at '${path || "body"}', got ${describe(value)}`);
}

const JAVA_TYPES: Record<string, string> = { string: "String", boolean: "Boolean", integer: "Integer", long: "Long", float: "Float", double: "Double", timestamp: "Date" };

/** The JSON token kind as Jackson names it. */
function tokenKind(v: unknown): string {
  if (v === true) return "TRUE_VALUE";
  if (v === false) return "FALSE_VALUE";
  if (typeof v === "number") return Number.isInteger(v) ? "NUMBER_VALUE" : "DECIMAL_VALUE";
  return "STRING_VALUE";
}

/**
 * A type error worded as AWS's Coral/Jackson deserializer words it (observed DynamoDB answers):
 * "NUMBER_VALUE cannot be converted to String", "Unrecognized collection type class java.lang.String",
 * "Start of structure or map found where not expected", "Unexpected field type".
 */
function jacksonTypeError(expected: string, value: unknown): string {
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  if (isObject && expected !== "structure" && expected !== "map") return "Start of structure or map found where not expected";
  switch (expected) {
    case "list":
      return "Unexpected field type";
    case "map":
    case "structure":
      return Array.isArray(value) ? "Unrecognized collection type" : "Unexpected field type";
    case "blob":
      return Array.isArray(value) ? "Unrecognized collection type class java.nio.ByteBuffer" : "only base-64-encoded strings are convertible to bytes";
  }
  const java = JAVA_TYPES[expected] ?? expected;
  if (expected === "boolean" && typeof value === "string") return "Unexpected token received from parser";
  if (Array.isArray(value)) return `Unrecognized collection type class java.lang.${java}`;
  return `${tokenKind(value)} cannot be converted to ${java}`;
}

/** Why a string is not base64, in the deserializer's words. */
function base64Problem(s: string): string {
  if (s.length % 4) return `Base64 encoded length is expected a multiple of 4 bytes but found: ${s.length}`;
  return "Invalid last non-pad Base64 character dectected";
}

const join = (path: string, name: string) => {
  const n = name.charAt(0).toLowerCase() + name.slice(1);
  return path ? `${path}.${n}` : n;
};

/**
 * JSON text already in its shape's wire form (e.g. a DynamoDB item as stored: AttributeValues with B in base64),
 * which a handler returns in place of the typed value: stringifyJson writes the text as it is, with no parse and
 * no walk. Only for text the service itself wrote from a value of that shape.
 */
export class RawJson {
  constructor(readonly text: string) {}
  /** Inside a value toJson does not walk, JSON.stringify still writes the right thing (parsed first: slower). */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** `text` where a handler's output type expects a `T` (see RawJson). */
export const rawJson = <T>(text: string): T => new RawJson(text) as unknown as T;

/** Typed value → JSON-able value. */
export function toJson(shape: Shape, value: unknown, defaultTimestamp: "unixTimestamp" | "iso8601" = "unixTimestamp", marks?: OutputMarks): unknown {
  if (value === undefined || value === null) return undefined;
  if (value instanceof RawJson) {
    if (!marks) return JSON.parse(value.text);
    marks.raws.push(value.text);
    return `${RAW_MARK}${marks.raws.length - 1}`;
  }
  if (!shape.needsWalk) return value;
  switch (shape.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      const src = value as Record<string, unknown>;
      const members = shape.members!;
      for (const name in src) {
        const m = members[name];
        const v = src[name];
        if (v === undefined || v === null) continue;
        if (!m) continue; // not in the model: never leaks onto the wire
        if (m.location) continue;
        out[m.locationName ?? name] = toJson(m, v, defaultTimestamp, marks);
      }
      return out;
    }
    case "list":
      return (value as unknown[]).map((v) => toJson(shape.member!, v, defaultTimestamp, marks));
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = toJson(shape.value!, v, defaultTimestamp, marks);
      return out;
    }
    case "timestamp":
      return formatTimestamp(value as Date | number | string, shape.timestampFormat ?? defaultTimestamp);
    case "blob":
      return Buffer.from(value as Uint8Array | string).toString("base64");
    case "double":
    case "float":
      if (marks && typeof value === "number" && Number.isInteger(value) && Math.abs(value) < 1e16) {
        marks.used = true;
        return `${DOUBLE_MARK}${value}`;
      }
      return value;
    default:
      return value;
  }
}

/**
 * What stringifyJson writes after JSON.stringify: integral doubles as "1.0", as AWS's JSON services do (the CLI's
 * text output shows what it reads), and RawJson texts in place of their marks.
 */
export interface OutputMarks {
  used: boolean;
  raws: string[];
}
const DOUBLE_MARK = `\u0001dbl${process.pid}:`;
const DOUBLE_MARKED = new RegExp(`"\\\\u0001dbl${process.pid}:(-?\\d+)"`, "g");
const RAW_MARK = `\u0001raw${process.pid}:`;
const RAW_MARKED = new RegExp(`"\\\\u0001raw${process.pid}:(\\d+)"`, "g");

/** JSON text of an output shape with integral doubles written as "n.0" and RawJson values as they are. */
export function stringifyJson(shape: Shape, value: unknown): string {
  const marks: OutputMarks = { used: false, raws: [] };
  let text = JSON.stringify(toJson(shape, value, "unixTimestamp", marks) ?? {});
  if (marks.used) text = text.replace(DOUBLE_MARKED, "$1.0");
  // One pass, after the doubles: a spliced text is never scanned for marks again.
  return marks.raws.length ? text.replace(RAW_MARKED, (_, i: string) => marks.raws[Number(i)]!) : text;
}
