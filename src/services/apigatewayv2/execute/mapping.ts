/**
 * Parameter mapping of HTTP APIs ("Transform API requests and responses for HTTP APIs"). Request keys:
 * append:|overwrite:|remove: header.{name} / querystring.{name}, overwrite:path; response keys (per status
 * code): append:|overwrite:|remove: header.{name}, overwrite:statuscode. Values are static text with
 * $request.header.x, $request.querystring.x, $request.body.a.b, $request.path, $request.path.x, $context.x,
 * $stageVariables.x (and $response.header.x, $response.body.a.b for responses), bare or as ${...}.
 */
import type { HttpResponse } from "../../../aws/protocol/types.js";

export interface MappingSources {
  headers: Record<string, string>;
  query: Record<string, string>;
  path: Record<string, string>;
  rawPath: string;
  body: string;
  context: Record<string, unknown>;
  stageVariables: Record<string, string>;
  response?: { headers: Record<string, string>; body: string };
}

const TOKEN = /\$\{([^}]{1,200})\}|\$((?:request|response)\.(?:header|querystring|path|body)(?:\.[A-Za-z0-9_-]+)*|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)/g;

function jsonAt(body: string, path: string[]): string {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return "";
  }
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  return v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

function resolve(expr: string, s: MappingSources): string {
  const parts = expr.split(".");
  const [root, kind, ...rest] = parts;
  if (root === "request" || root === "response") {
    const src = root === "response" ? s.response : undefined;
    if (kind === "header") return (root === "response" ? src?.headers : s.headers)?.[rest.join(".").toLowerCase()] ?? "";
    if (kind === "querystring") return s.query[rest.join(".")] ?? "";
    if (kind === "path") return rest.length ? s.path[rest.join(".")] ?? "" : s.rawPath;
    if (kind === "body") return jsonAt(root === "response" ? src?.body ?? "" : s.body, rest);
    return "";
  }
  if (root === "context") {
    const v = parts.slice(1).reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), s.context);
    return v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  if (root === "stageVariables") return s.stageVariables[parts.slice(1).join(".")] ?? "";
  return "";
}

/** Evaluates a mapping value. */
export function evaluate(value: string, s: MappingSources): string {
  return value.replace(TOKEN, (_, braced: string | undefined, bare: string | undefined) => resolve((braced ?? bare)!, s));
}

export interface OutgoingRequest {
  headers: Record<string, string>;
  query: Array<[string, string]>;
  /** Replaced path (overwrite:path), or undefined. */
  path?: string;
}

/** Applies request parameter mappings to the integration request. */
export function mapRequest(params: Record<string, string> | undefined, out: OutgoingRequest, s: MappingSources): void {
  for (const [key, value] of Object.entries(params ?? {})) {
    const m = /^(append|overwrite|remove):(header|querystring|path)(?:\.(.+))?$/.exec(key);
    if (!m) continue;
    const [, op, where, name] = m as unknown as [string, string, string, string | undefined];
    const v = op === "remove" ? "" : evaluate(value, s);
    if (where === "path") {
      out.path = v;
    } else if (where === "header") {
      const k = Object.keys(out.headers).find((h) => h.toLowerCase() === name!.toLowerCase()) ?? name!.toLowerCase();
      if (op === "remove") delete out.headers[k];
      else if (op === "append" && out.headers[k] !== undefined) out.headers[k] = `${out.headers[k]},${v}`;
      else out.headers[k] = v;
    } else {
      if (op !== "append") out.query = out.query.filter(([k]) => k !== name);
      if (op !== "remove") out.query.push([name!, v]);
    }
  }
}

/** Applies the response parameter mappings of the integration's status code. */
export function mapResponse(params: Record<string, Record<string, string>> | undefined, res: HttpResponse, s: MappingSources): HttpResponse {
  const forStatus = params?.[String(res.status)];
  if (!forStatus) return res;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
  const src: MappingSources = { ...s, response: { headers, body: Buffer.isBuffer(res.body) ? res.body.toString("utf8") : res.body } };
  for (const [key, value] of Object.entries(forStatus)) {
    if (key === "overwrite:statuscode") {
      const code = Number(evaluate(value, src));
      if (Number.isInteger(code) && code >= 100 && code <= 599) res.status = code;
      continue;
    }
    const m = /^(append|overwrite|remove):header\.(.+)$/.exec(key);
    if (!m) continue;
    const name = m[2]!.toLowerCase();
    const existing = Object.keys(res.headers).find((h) => h.toLowerCase() === name);
    if (m[1] === "remove") {
      if (existing) delete res.headers[existing];
      continue;
    }
    const v = evaluate(value, src);
    if (m[1] === "append" && existing) {
      const prev = res.headers[existing]!;
      res.headers[existing] = `${Array.isArray(prev) ? prev.join(",") : prev},${v}`;
    } else {
      if (existing) delete res.headers[existing];
      res.headers[name] = v;
    }
  }
  return res;
}
