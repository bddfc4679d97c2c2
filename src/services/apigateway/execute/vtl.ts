/**
 * Mapping templates: Velocity (velocityjs) with API Gateway's variables — $input (body, json(), path(),
 * params()), $util (escapeJavaScript, parseJson, urlEncode, urlDecode, base64Encode, base64Decode),
 * $context and $stageVariables. Reference: "API Gateway mapping template and access logging variable
 * reference". Templates run in our own interpreter (vtl-engine.ts) over velocityjs's parse tree: they see
 * only plain data and allow-listed methods, under a step/size budget (see vtl-values.ts for why).
 */
import { Interpreter } from "./vtl-engine.js";
import { Budget, HostObject, VtlError, jsonOf, newMap, parseJsonData, toData, type DataMap, type HostMethod, type Value } from "./vtl-values.js";

export { VtlError } from "./vtl-values.js";

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

const own = (o: unknown, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Evaluates a JSONPath expression of the subset API Gateway documents ($, .a, ['a'], [0], [*]); own members only. */
export function jsonPath(root: unknown, path: string): unknown {
  if (!path.startsWith("$")) return undefined;
  const tokens = [...path.slice(1).matchAll(/\.([A-Za-z0-9_$-]+)|\[['"]([^'"]+)['"]\]|\[(\d+)\]|\[\*\]|\.\*/g)];
  let current: unknown[] = [root];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== "object") continue;
      if (t[0] === "[*]" || t[0] === ".*") next.push(...(Array.isArray(v) ? v : Object.values(v)));
      else if (t[3] !== undefined) next.push(Array.isArray(v) ? v[Number(t[3])] : undefined);
      else {
        const k = t[1] ?? t[2]!;
        next.push(own(v, k) ? (v as Record<string, unknown>)[k] : undefined);
      }
    }
    current = next.filter((x) => x !== undefined);
  }
  const wildcard = tokens.some((t) => t[0] === "[*]" || t[0] === ".*");
  return wildcard ? current : current[0];
}

const text = (s: Value): string => (s === null || s === undefined ? "" : typeof s === "object" ? "" : String(s));

/** $util, as documented for API Gateway (the JavaScript versions are kept exported for other callers). */
export const util = {
  escapeJavaScript: (s: unknown) => String(s ?? "").replace(/[\\"'\n\r\t\b\f]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" })[c]!),
  parseJson: (s: unknown) => parseJsonData(String(s)),
  urlEncode: (s: unknown) => encodeURIComponent(String(s ?? "")).replace(/%20/g, "+").replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  urlDecode: (s: unknown) => decodeURIComponent(String(s ?? "").replace(/\+/g, " ")),
  base64Encode: (s: unknown) => Buffer.from(String(s ?? ""), "utf8").toString("base64"),
  base64Decode: (s: unknown) => Buffer.from(String(s ?? ""), "base64").toString("utf8"),
};

function utilObject(): HostObject {
  const wrap = (f: (s: unknown) => unknown): HostMethod => ([s], budget) => {
    let r: unknown;
    try {
      r = f(text(s));
    } catch (e) {
      throw new VtlError(`$util: ${(e as Error).message}`);
    }
    return typeof r === "string" ? budget.str(r) : (r as Value);
  };
  return new HostObject({}, Object.fromEntries(Object.entries(util).map(([k, f]) => [k, wrap(f)])));
}

function inputObject(scope: TemplateScope): HostObject {
  let parsed: Value;
  let parsedDone = false;
  const body = () => {
    if (!parsedDone) {
      // An empty body reads as {} ($input.json('$') is "{}"), as on API Gateway.
      parsed = scope.body.trim() === "" ? newMap() : parseJsonData(scope.body);
      parsedDone = true;
    }
    return parsed;
  };
  const params = toData(scope.params) as DataMap;
  return new HostObject({ body: scope.body }, {
    json: ([path], budget) => {
      const v = jsonPath(body(), text(path));
      return v === undefined ? "" : budget.str(jsonOf(v as Value));
    },
    path: ([path]) => jsonPath(body(), text(path)) as Value,
    params: ([name]) => {
      if (name === undefined) return params;
      const n = text(name);
      return scope.params.path[n] ?? scope.params.querystring[n] ?? headerValue(scope.params.header, n) ?? "";
    },
  });
}

/** Renders a mapping template; throws VtlError when the template is broken or exceeds its budget. */
export function renderTemplate(template: string, scope: TemplateScope, extraContext: Record<string, DataMap> = {}): string {
  const context = toData(scope.context) as DataMap;
  Object.assign(context, extraContext);
  const globals = newMap();
  globals.input = inputObject(scope);
  globals.util = utilObject();
  globals.context = context;
  globals.stageVariables = toData(scope.stageVariables);
  return new Interpreter(globals, new Budget()).render(template);
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  if (own(headers, name)) return headers[name];
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
  const responseOverride = newMap();
  responseOverride.header = newMap();
  const body = renderTemplate(template, scope, { responseOverride });
  const header = scalars(responseOverride.header);
  const raw = responseOverride.status;
  const status = raw === undefined || raw === null || raw === "" || typeof raw === "object" ? undefined : Number(raw);
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
  const requestOverride = newMap();
  for (const k of ["header", "querystring", "path"]) requestOverride[k] = newMap();
  const body = renderTemplate(template, scope, { requestOverride });
  return { body, override: { header: scalars(requestOverride.header), querystring: scalars(requestOverride.querystring), path: scalars(requestOverride.path) } };
}

/** The string values a template left in an override map (lists and maps are not header values). */
function scalars(m: Value): Record<string, string> {
  const out: Record<string, string> = {};
  if (m === null || typeof m !== "object" || Array.isArray(m) || m instanceof HostObject) return out;
  for (const [k, v] of Object.entries(m)) if (v !== undefined && v !== null && typeof v !== "object") out[k] = String(v);
  return out;
}
