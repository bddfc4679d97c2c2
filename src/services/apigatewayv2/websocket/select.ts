/**
 * Selection expressions of WebSocket APIs ("Working with routes for WebSocket APIs": route selection
 * expressions; "Selection expressions in WebSocket APIs"): `$request.body.action`, `${request.body.action}`,
 * templates mixing literals and several `${...}` parts, and `\$default`/literal keys. Only request bodies
 * that are JSON objects select anything; everything else falls back to `$default`.
 */
import { jsonPath } from "../../apigateway/execute/vtl.js";

const BARE = /^\$request\.body((?:\.[A-Za-z0-9_$-]+|\[\d+\])+)$/;
const PART = /\$\{request\.body((?:\.[A-Za-z0-9_$-]+|\[\d+\])+)\}/g;

/** The parsed JSON body of a message, or undefined when it is not JSON. */
export function parseMessageBody(body: string): unknown {
  const first = body.trimStart()[0];
  if (first !== "{" && first !== "[") return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

const scalar = (v: unknown): string | undefined => (v === undefined || v === null || typeof v === "object" ? undefined : String(v));

/**
 * Evaluates a selection expression over a message's parsed body; undefined when a referenced property is
 * missing or the body is not JSON (the caller then uses `$default`).
 */
export function evaluateSelection(expression: string, body: unknown): string | undefined {
  const bare = BARE.exec(expression);
  if (bare) return body === undefined ? undefined : scalar(jsonPath(body, `$${bare[1]}`));
  if (!expression.includes("${")) return expression.replace(/^\\\$/, "$");
  if (body === undefined) return undefined;
  let missing = false;
  const out = expression.replace(PART, (_m, path: string) => {
    const v = scalar(jsonPath(body, `$${path}`));
    if (v === undefined) missing = true;
    return v ?? "";
  });
  return missing ? undefined : out.replace(/^\\\$/, "$");
}

/** The route key a message selects: the evaluated key when such a route exists, else `$default` when it exists. */
export function selectRoute(expression: string | undefined, bodyText: string, routeKeys: { has(key: string): boolean }): string | undefined {
  const key = expression ? evaluateSelection(expression, parseMessageBody(bodyText)) : undefined;
  if (key !== undefined && key !== "$connect" && key !== "$disconnect" && routeKeys.has(key)) return key;
  return routeKeys.has("$default") ? "$default" : undefined;
}
