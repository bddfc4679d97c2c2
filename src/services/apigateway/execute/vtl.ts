/**
 * Mapping templates: Velocity (velocityjs) with API Gateway's variables — $input (body, json(), path(),
 * params()), $util (escapeJavaScript, parseJson, urlEncode, urlDecode, base64Encode, base64Decode),
 * $context and $stageVariables. Reference: "API Gateway mapping template and access logging variable
 * reference". Templates are compiled once and cached.
 */
import Velocity from "velocityjs";

export interface RequestParts {
  path: Record<string, string>;
  querystring: Record<string, string>;
  header: Record<string, string>;
}

export interface TemplateScope {
  body: string;
  params: RequestParts;
  context: Record<string, unknown>;
  stageVariables: Record<string, string>;
}

type Compiled = { render(ctx: object): string };
const cache = new Map<string, Compiled>();

function compile(template: string): Compiled {
  let c = cache.get(template);
  if (!c) {
    c = new Velocity.Compile(Velocity.parse(template), { escape: false }) as unknown as Compiled;
    if (cache.size > 1000) cache.clear();
    cache.set(template, c);
  }
  return c;
}

/** Evaluates a JSONPath expression of the subset API Gateway documents ($, .a, ['a'], [0], [*]). */
export function jsonPath(root: unknown, path: string): unknown {
  if (!path.startsWith("$")) return undefined;
  const tokens = [...path.slice(1).matchAll(/\.([A-Za-z0-9_$-]+)|\[['"]([^'"]+)['"]\]|\[(\d+)\]|\[\*\]|\.\*/g)];
  let current: unknown[] = [root];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== "object") continue;
      if (t[0] === "[*]" || t[0] === ".*") next.push(...(Array.isArray(v) ? v : Object.values(v)));
      else if (t[3] !== undefined) next.push((v as unknown[])[Number(t[3])]);
      else next.push((v as Record<string, unknown>)[t[1] ?? t[2]!]);
    }
    current = next.filter((x) => x !== undefined);
  }
  const wildcard = tokens.some((t) => t[0] === "[*]" || t[0] === ".*");
  return wildcard ? current : current[0];
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export const util = {
  escapeJavaScript: (s: unknown) => String(s ?? "").replace(/[\\"'\n\r\t\b\f]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" })[c]!),
  parseJson: (s: unknown) => parseBody(String(s)),
  urlEncode: (s: unknown) => encodeURIComponent(String(s ?? "")).replace(/%20/g, "+").replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  urlDecode: (s: unknown) => decodeURIComponent(String(s ?? "").replace(/\+/g, " ")),
  base64Encode: (s: unknown) => Buffer.from(String(s ?? ""), "utf8").toString("base64"),
  base64Decode: (s: unknown) => Buffer.from(String(s ?? ""), "base64").toString("utf8"),
};

/** Renders a mapping template. */
export function renderTemplate(template: string, scope: TemplateScope): string {
  let parsed: unknown;
  let parsedDone = false;
  const body = () => {
    if (!parsedDone) {
      parsed = parseBody(scope.body);
      parsedDone = true;
    }
    return parsed;
  };
  const input = {
    body: scope.body,
    json: (path: string) => {
      const v = jsonPath(body(), path);
      return v === undefined ? "" : JSON.stringify(v);
    },
    path: (path: string) => jsonPath(body(), path),
    params: (name?: string) => {
      if (name === undefined) return scope.params;
      return scope.params.path[name] ?? scope.params.querystring[name] ?? headerValue(scope.params.header, name) ?? "";
    },
  };
  return compile(template).render({ input, util, context: scope.context, stageVariables: scope.stageVariables });
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  if (name in headers) return headers[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export interface ResponseOverride {
  status?: number;
  header: Record<string, string>;
}

/**
 * Renders an integration response template that may set $context.responseOverride.status and
 * $context.responseOverride.header.<name> (AWS: "Use a mapping template to override an API's request and
 * response parameters and status codes"). The overrides are applied after the template, so they win over
 * the integration response's statusCode and responseParameters.
 */
export function renderResponseTemplate(template: string, scope: TemplateScope): { body: string; override: ResponseOverride } {
  const responseOverride: { status?: unknown; header: Record<string, unknown> } = { header: {} };
  const body = renderTemplate(template, { ...scope, context: { ...scope.context, responseOverride } });
  const header: Record<string, string> = {};
  for (const [k, v] of Object.entries(responseOverride.header)) if (v !== undefined && v !== null) header[k] = String(v);
  const status = responseOverride.status === undefined || responseOverride.status === null || responseOverride.status === "" ? undefined : Number(responseOverride.status);
  return { body, override: { status: Number.isInteger(status) ? status : undefined, header } };
}

export interface RequestOverride {
  header: Record<string, string>;
  querystring: Record<string, string>;
  path: Record<string, string>;
}

/**
 * Renders an integration request template that may set $context.requestOverride.header.<name>,
 * .querystring.<name> and .path.<name>; those values replace what requestParameters mapped.
 */
export function renderRequestTemplate(template: string, scope: TemplateScope): { body: string; override: RequestOverride } {
  const requestOverride = { header: {} as Record<string, unknown>, querystring: {} as Record<string, unknown>, path: {} as Record<string, unknown> };
  const body = renderTemplate(template, { ...scope, context: { ...scope.context, requestOverride } });
  const strings = (o: Record<string, unknown>) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = String(v);
    return out;
  };
  return { body, override: { header: strings(requestOverride.header), querystring: strings(requestOverride.querystring), path: strings(requestOverride.path) } };
}
