/**
 * The HTTP bindings shared by rest-json and rest-xml: matching a request to an operation by method and
 * URI template (labels, greedy labels, literal query parts), and moving members between typed values
 * and uri labels, query strings, headers and the status code.
 */
import { ServiceError } from "../errors.js";
import type { Operation, ServiceModel, Shape } from "../models/loader.js";
import type { HttpRequest } from "./types.js";
import { formatTimestamp } from "./timestamps.js";
import { fromText } from "./xml.js";

interface Segment {
  literal?: string;
  label?: string;
  greedy?: boolean;
}
interface Route {
  op: Operation;
  method: string;
  segments: Segment[];
  /** Query parameters the template requires ("?uploads", "?list-type=2"). */
  queryLiterals: Array<[string, string | undefined]>;
  /** Required members bound to headers/query: S3's PutObject, CopyObject and UploadPart share one template. */
  requiredHeaders: string[];
  requiredQuery: string[];
  score: number;
}

const routers = new WeakMap<ServiceModel, Route[]>();

function compile(model: ServiceModel): Route[] {
  const routes: Route[] = [];
  for (const op of model.operations.values()) {
    const [pathPart, queryPart = ""] = op.requestUri.split("?");
    const segments: Segment[] = pathPart!.split("/").slice(1).map((s) => {
      const m = /^\{([^}+]+)(\+)?\}$/.exec(s);
      return m ? { label: m[1]!, greedy: !!m[2] } : { literal: s };
    });
    const queryLiterals: Array<[string, string | undefined]> = queryPart
      .split("&")
      .filter(Boolean)
      .map((q) => {
        const [k, v] = q.split("=");
        return [decodeURIComponent(k!), v === undefined ? undefined : decodeURIComponent(v)];
      });
    // More literal segments, then more required query parts, win; greedy labels lose ties.
    const requiredHeaders: string[] = [];
    const requiredQuery: string[] = [];
    for (const r of op.input?.required ?? []) {
      const m = op.input!.members![r];
      if (m?.location === "header") requiredHeaders.push((m.locationName ?? r).toLowerCase());
      if (m?.location === "querystring") requiredQuery.push(m.locationName ?? r);
    }
    const literals = segments.filter((s) => s.literal !== undefined && s.literal !== "").length;
    const score = literals * 100 + (queryLiterals.length + requiredHeaders.length + requiredQuery.length) * 10 - (segments.some((s) => s.greedy) ? 1 : 0) + segments.length - (op.deprecated ? 5 : 0);
    routes.push({ op, method: op.method, segments, queryLiterals, requiredHeaders, requiredQuery, score });
  }
  routes.sort((a, b) => b.score - a.score);
  return routes;
}

export interface RestMatch {
  op: Operation;
  labels: Record<string, string>;
}

/** The operation whose method and URI template match the request, with its decoded labels. */
export function matchRestOperation(model: ServiceModel, req: HttpRequest): RestMatch | undefined {
  let routes = routers.get(model);
  if (!routes) routers.set(model, (routes = compile(model)));
  const parts = req.path.split("/").slice(1);
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const labels = matchSegments(route.segments, parts);
    if (!labels) continue;
    if (!route.queryLiterals.every(([k, v]) => req.query.has(k) && (v === undefined || req.query.get(k) === v))) continue;
    if (route.requiredHeaders.some((h) => req.headers[h] === undefined)) continue;
    if (route.requiredQuery.some((k) => !req.query.has(k))) continue;
    return { op: route.op, labels };
  }
  return undefined;
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  // A template ending in "/" (e.g. "/restapis/") has an empty last segment: accept with or without it.
  let n = segments.length;
  if (n > 1 && segments[n - 1]!.literal === "" && parts.length === n - 1) n--;
  for (let i = 0; i < n; i++) {
    const seg = segments[i]!;
    if (seg.greedy) {
      const rest = parts.slice(i);
      if (!rest.length || (rest.length === 1 && rest[0] === "")) return undefined;
      labels[seg.label!] = rest.map(safeDecode).join("/");
      return labels;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.literal !== undefined) {
      if (seg.literal !== part) return undefined;
    } else {
      if (part === "") return undefined;
      labels[seg.label!] = safeDecode(part);
    }
  }
  return parts.length === n || (parts.length === n + 1 && parts[n] === "") ? labels : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Fills `out` with the members bound to labels, query string and headers. */
export function parseBindings(input: Shape, req: HttpRequest, labels: Record<string, string>, out: Record<string, unknown>): void {
  for (const [name, m] of Object.entries(input.members!)) {
    switch (m.location) {
      case "uri": {
        const v = labels[m.locationName ?? name];
        if (v !== undefined) out[name] = fromText(m, v);
        break;
      }
      case "querystring": {
        if (m.type === "map") {
          const map: Record<string, unknown> = {};
          for (const [k, v] of req.query) if (!isBoundQuery(input, k)) map[k] = m.value?.type === "list" ? req.query.getAll(k) : v;
          if (Object.keys(map).length) out[name] = map;
        } else if (m.type === "list") {
          const all = req.query.getAll(m.locationName ?? name);
          if (all.length) out[name] = all.map((v) => fromText(m.member!, v));
        } else {
          const v = req.query.get(m.locationName ?? name);
          if (v !== null) out[name] = fromText(m, v);
        }
        break;
      }
      case "header": {
        const raw = req.headers[(m.locationName ?? name).toLowerCase()];
        if (raw === undefined) break;
        const v = Array.isArray(raw) ? raw.join(",") : raw;
        if (m.jsonvalue) out[name] = parseJsonHeader(v, m.locationName ?? name);
        else if (m.type === "list") out[name] = v.split(",").map((x) => fromText(m.member!, x.trim()));
        else out[name] = fromText(m, v);
        break;
      }
      case "headers": {
        const prefix = (m.locationName ?? "").toLowerCase();
        const map: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (k.startsWith(prefix) && v !== undefined) map[k.slice(prefix.length)] = Array.isArray(v) ? v.join(",") : v;
        if (Object.keys(map).length) out[name] = map;
        break;
      }
    }
  }
}

/** A `jsonvalue` header: base64 of a JSON document. A malformed one is the client's mistake, not a 500. */
function parseJsonHeader(v: string, header: string): unknown {
  try {
    return JSON.parse(Buffer.from(v, "base64").toString("utf8"));
  } catch {
    throw new ServiceError("SerializationException", `The ${header} header is not base64-encoded JSON`, 400);
  }
}

function isBoundQuery(input: Shape, key: string): boolean {
  for (const [name, m] of Object.entries(input.members!)) if (m.location === "querystring" && m.type !== "map" && (m.locationName ?? name) === key) return true;
  return false;
}

/** Missing required members that are bound to the URI, query or headers. */
export function missingBound(input: Shape, out: Record<string, unknown>): string[] {
  return (input.required ?? []).filter((r) => input.members![r]?.location && out[r] === undefined);
}

/** Writes the members bound to headers and the status code; returns the status. */
export function serializeBindings(output: Shape | undefined, value: Record<string, unknown>, headers: Record<string, string | string[]>, defaultStatus: number): number {
  let status = defaultStatus;
  if (!output) return status;
  for (const [name, m] of Object.entries(output.members!)) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    switch (m.location) {
      case "statusCode":
        status = Number(v);
        break;
      case "header":
        if (m.jsonvalue) headers[m.locationName ?? name] = Buffer.from(JSON.stringify(v)).toString("base64");
        else if (m.type === "timestamp") headers[m.locationName ?? name] = String(formatTimestamp(v as Date, m.timestampFormat ?? "rfc822"));
        else if (m.type === "list") headers[m.locationName ?? name] = (v as unknown[]).join(",");
        else headers[m.locationName ?? name] = String(v);
        break;
      case "headers":
        for (const [k, hv] of Object.entries(v as Record<string, string>)) headers[`${m.locationName ?? ""}${k}`] = hv;
        break;
    }
  }
  return status;
}

export const noSuchRoute = (req: HttpRequest) => new ServiceError("UnknownOperationException", `No operation matches ${req.method} ${req.path}`, 404);
