/**
 * Automatic CORS of HTTP APIs ("Configuring CORS for an HTTP API"): with a CorsConfiguration, API Gateway
 * answers preflight OPTIONS requests itself (even with no OPTIONS route) and puts the CORS headers on every
 * answer to a request whose Origin is allowed, ignoring whatever CORS headers the integration sent.
 */
import type { CorsConfiguration } from "../../../aws/api/apigatewayv2.js";
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";

const header = (req: HttpRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function originAllowed(cors: CorsConfiguration, origin: string): boolean {
  const o = origin.toLowerCase();
  return (cors.AllowOrigins ?? []).some((allowed) => {
    const a = allowed.toLowerCase();
    if (a === "*" || a === o) return true;
    // https://*.example.com: one wildcard for the subdomain part
    const star = a.indexOf("*");
    return star >= 0 && o.length > a.length - 1 && o.startsWith(a.slice(0, star)) && o.endsWith(a.slice(star + 1));
  });
}

/** Whether this is a preflight request API Gateway answers itself. */
export function isPreflight(cors: CorsConfiguration | undefined, req: HttpRequest): boolean {
  return !!cors && req.method === "OPTIONS" && !!header(req, "origin") && !!header(req, "access-control-request-method");
}

/** The preflight answer: 204 with the allowed origin, methods, headers, max age and credentials. */
export function preflightResponse(cors: CorsConfiguration, req: HttpRequest): HttpResponse {
  const origin = header(req, "origin")!;
  const headers: Record<string, string> = {};
  if (originAllowed(cors, origin)) {
    headers["access-control-allow-origin"] = cors.AllowOrigins!.includes("*") && !cors.AllowCredentials ? "*" : origin;
    if (cors.AllowMethods?.length) headers["access-control-allow-methods"] = cors.AllowMethods.join(",");
    if (cors.AllowHeaders?.length) headers["access-control-allow-headers"] = cors.AllowHeaders.includes("*") ? (header(req, "access-control-request-headers") ?? "*") : cors.AllowHeaders.join(",");
    if (cors.ExposeHeaders?.length) headers["access-control-expose-headers"] = cors.ExposeHeaders.join(",");
    if (cors.MaxAge !== undefined && cors.MaxAge >= 0) headers["access-control-max-age"] = String(cors.MaxAge);
    if (cors.AllowCredentials) headers["access-control-allow-credentials"] = "true";
  }
  return { status: 204, headers, body: "" };
}

/** Replaces the answer's CORS headers with the API's, for an allowed Origin. */
export function withCorsHeaders(cors: CorsConfiguration | undefined, req: HttpRequest, res: HttpResponse): HttpResponse {
  if (!cors) return res;
  for (const k of Object.keys(res.headers)) if (k.toLowerCase().startsWith("access-control-")) delete res.headers[k];
  const origin = header(req, "origin");
  if (!origin || !originAllowed(cors, origin)) return res;
  res.headers["access-control-allow-origin"] = cors.AllowOrigins!.includes("*") && !cors.AllowCredentials ? "*" : origin;
  if (cors.ExposeHeaders?.length) res.headers["access-control-expose-headers"] = cors.ExposeHeaders.join(",");
  if (cors.AllowCredentials) res.headers["access-control-allow-credentials"] = "true";
  return res;
}
