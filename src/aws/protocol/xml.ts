/**
 * Shape-driven XML for rest-xml and query: a small writer (escaping, lists flattened or wrapped, maps as
 * entry/key/value) and a reader over fast-xml-parser's output.
 */
import { createRequire } from "node:module";
import type { XMLParser } from "fast-xml-parser";
import { ServiceError } from "../errors.js";
import type { Shape } from "../models/loader.js";
import { formatTimestamp, parseTimestamp } from "./timestamps.js";

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;", "\n": "&#10;" };
export const escapeXml = (s: string) => s.replace(/[&<>"'\r\n]/g, (c) => ESC[c]!);

/** Writes `value` as the element `name` (its content only when name is ""). */
export function toXml(shape: Shape, value: unknown, name: string, out: string[], xmlns?: string): void {
  if (value === undefined || value === null) return;
  const ns = xmlns ? ` xmlns="${xmlns}"` : "";
  switch (shape.type) {
    case "structure": {
      const attrs: string[] = [];
      const body: string[] = [];
      const src = value as Record<string, unknown>;
      for (const [mName, m] of Object.entries(shape.members!)) {
        const v = src[mName];
        if (v === undefined || v === null || m.location) continue;
        if (m.xmlAttribute) attrs.push(` ${m.locationName ?? mName}="${escapeXml(scalar(m, v))}"`);
        else toXml(m, v, m.locationName ?? mName, body, m.xmlNamespace?.uri);
      }
      if (name) out.push(`<${name}${ns}${attrs.join("")}>`, ...body, `</${name}>`);
      else out.push(...body);
      return;
    }
    case "list": {
      const member = shape.member!;
      const items = value as unknown[];
      if (shape.flattened) {
        for (const item of items) toXml(member, item, member.locationName ?? name, out);
      } else {
        out.push(`<${name}${ns}>`);
        for (const item of items) toXml(member, item, member.locationName ?? "member", out);
        out.push(`</${name}>`);
      }
      return;
    }
    case "map": {
      const keyName = shape.key?.locationName ?? "key";
      const valueName = shape.value?.locationName ?? "value";
      const entries = Object.entries(value as Record<string, unknown>);
      if (!shape.flattened) out.push(`<${name}${ns}>`);
      for (const [k, v] of entries) {
        out.push(shape.flattened ? `<${name}>` : "<entry>", `<${keyName}>${escapeXml(k)}</${keyName}>`);
        toXml(shape.value!, v, valueName, out);
        out.push(shape.flattened ? `</${name}>` : "</entry>");
      }
      if (!shape.flattened) out.push(`</${name}>`);
      return;
    }
    default:
      out.push(`<${name}${ns}>${escapeXml(scalar(shape, value))}</${name}>`);
  }
}

function scalar(shape: Shape, value: unknown): string {
  if (shape.type === "timestamp") return String(formatTimestamp(value as Date, shape.timestampFormat ?? "iso8601"));
  if (shape.type === "blob") return Buffer.from(value as Uint8Array).toString("base64");
  return String(value);
}

// fast-xml-parser costs ~25 ms to load: loaded on the first XML request body, not at start-up.
let parser: XMLParser | undefined;
function xmlParser(): XMLParser {
  if (!parser) {
    const { XMLParser: Parser } = createRequire(import.meta.url)("fast-xml-parser") as typeof import("fast-xml-parser");
    // maxNestedTags: documents nested deeper are MalformedXML before anything recurses (S3's are a few levels deep).
    parser = new Parser({ ignoreAttributes: false, attributeNamePrefix: "@_", removeNSPrefix: true, parseTagValue: false, trimValues: false, isArray: () => false, maxNestedTags: 100 });
  }
  return parser;
}

/** Parses an XML document; a malformed one is AWS's MalformedXML. */
export function parseXmlDocument(xml: string): Record<string, unknown> {
  if (!xml.trim().startsWith("<")) throw malformedXml();
  try {
    return xmlParser().parse(xml, true) as Record<string, unknown>;
  } catch {
    throw malformedXml();
  }
}

const malformedXml = () => new ServiceError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);

/** fast-xml-parser node → typed value following the shape. */
export function fromXml(shape: Shape, node: unknown): unknown {
  if (node === undefined || node === null) return undefined;
  switch (shape.type) {
    case "structure": {
      if (typeof node !== "object") return {};
      const src = node as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [mName, m] of Object.entries(shape.members!)) {
        if (m.location) continue;
        const key = m.xmlAttribute ? `@_${m.locationName ?? mName}` : (m.locationName ?? mName);
        if (m.type === "list" && m.flattened) {
          const raw = src[m.member?.locationName ?? key] ?? src[key];
          if (raw !== undefined) out[mName] = asArray(raw).map((x) => fromXml(m.member!, x));
        } else if (src[key] !== undefined) out[mName] = fromXml(m, src[key]);
      }
      return out;
    }
    case "list": {
      if (typeof node !== "object") return [];
      const itemName = shape.member?.locationName ?? "member";
      return asArray((node as Record<string, unknown>)[itemName]).map((x) => fromXml(shape.member!, x));
    }
    case "map": {
      const out: Record<string, unknown> = {};
      const keyName = shape.key?.locationName ?? "key";
      const valueName = shape.value?.locationName ?? "value";
      const entries = shape.flattened ? asArray(node) : asArray((node as Record<string, unknown>).entry);
      for (const e of entries as Record<string, unknown>[]) out[String(text(e[keyName]))] = fromXml(shape.value!, e[valueName]);
      return out;
    }
    default:
      return fromText(shape, text(node));
  }
}

/** A scalar from its text form (XML, query strings, headers). */
export function fromText(shape: Shape, s: string): unknown {
  switch (shape.type) {
    case "integer":
    case "long":
    case "float":
    case "double": {
      const n = Number(s);
      if (s.trim() === "" || Number.isNaN(n)) throw new ServiceError("SerializationException", `Invalid number: ${s}`, 400);
      return n;
    }
    case "boolean":
      return s === "true";
    case "timestamp":
      return parseTimestamp(s);
    case "blob":
      return Buffer.from(s, "base64");
    default:
      return s;
  }
}

const asArray = (x: unknown): unknown[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
function text(node: unknown): string {
  if (node === undefined || node === null) return "";
  if (typeof node === "object") return String((node as Record<string, unknown>)["#text"] ?? "");
  return String(node);
}
