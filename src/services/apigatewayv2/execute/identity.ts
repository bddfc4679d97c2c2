/** Identity sources of HTTP API authorizers: $request.header.x, $request.querystring.x, $context.x, $stageVariables.x. */
import type { Exchange } from "./pipeline.js";

export function identityValue(ex: Exchange, source: string): string | undefined {
  const m = /^\$(request\.header|request\.querystring|context|stageVariables)\.(.+)$/.exec(source);
  if (!m) return undefined;
  const name = m[2]!;
  if (m[1] === "request.header") {
    const v = ex.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(",") : v || undefined;
  }
  if (m[1] === "request.querystring") {
    const all = new URLSearchParams(ex.req.rawQuery).getAll(name);
    return all.length ? all.join(",") : undefined;
  }
  if (m[1] === "stageVariables") return ex.stageVariables[name] || undefined;
  const v = name.split(".").reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), ex.context);
  return v === undefined || v === null || v === "" ? undefined : String(v);
}
