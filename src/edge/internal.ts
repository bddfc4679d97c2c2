/**
 * Skyport's own routes under /_skyport/:
 *   GET  /_skyport/health  version, uptime, services and their state — open (read-only, no user data).
 *   POST /_skyport/reset   wipe all state (for test suites) — an admin route.
 * Admin routes (anything that changes state) are protected: they can be turned off (--no-admin-routes);
 * browsers' cross-origin requests are refused (Origin / Sec-Fetch-Site), so a web page cannot wipe a local
 * Skyport; with --enforce-sigv4 they need a SigV4-signed request with one of the --credentials keys —
 * temporary credentials handed to functions never qualify. Nothing else lives under /_skyport.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { KeyInfo } from "../aws/credentials.js";
import { ServiceError } from "../aws/errors.js";
import type { HttpResponse } from "../aws/protocol/types.js";
import { SERVICES } from "../services/index.js";

export interface InternalRequest {
  method: string;
  path: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface InternalEnv {
  version: string;
  startedAt: number;
  now(): number;
  startedServices(): string[];
  /** Details of started services' running work (Lambda environments, queues). */
  serviceHealth(): Promise<Record<string, Record<string, unknown>>>;
  reset(): Promise<void>;
  /** --no-admin-routes turns the state-changing routes off. */
  adminRoutes: boolean;
  enforceSigV4: boolean;
  /** Verifies the request's SigV4 signature (throws the ServiceError of a bad one). */
  verify(req: InternalRequest): KeyInfo;
}

const json = (status: number, body: unknown): HttpResponse => ({ status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

export async function handleInternal(req: InternalRequest, env: InternalEnv): Promise<HttpResponse> {
  const { method, path } = req;
  if (path === "/_skyport/health" && (method === "GET" || method === "HEAD")) {
    const started = new Set(env.startedServices());
    const details = await env.serviceHealth();
    const services: Record<string, { status: string; started: boolean }> = {};
    for (const [name, entry] of Object.entries(SERVICES)) services[name] = { status: entry.status, started: started.has(name), ...details[name] };
    return json(200, { status: "running", version: env.version, uptimeSeconds: Math.round((env.now() - env.startedAt) / 1000), services });
  }
  if (path === "/_skyport/reset" && method === "POST") {
    const refused = refuseAdmin(req, env);
    if (refused) return refused;
    await env.reset();
    return json(200, { reset: true });
  }
  return json(404, { message: `No internal route ${method} ${path}` });
}

/** Why an admin request is refused, as a response; undefined when it may go ahead. */
export function refuseAdmin(req: InternalRequest, env: InternalEnv): HttpResponse | undefined {
  if (!env.adminRoutes) return json(404, { message: `No internal route ${req.method} ${req.path} (admin routes are off: --no-admin-routes)` });
  if (isCrossOrigin(req.headers)) return json(403, { message: "Skyport's admin routes refuse cross-origin browser requests" });
  if (!env.enforceSigV4) return undefined;
  try {
    const key = env.verify(req);
    if (key.session?.kind === "function") return json(403, { message: "Function credentials cannot use Skyport's admin routes" });
  } catch (e) {
    if (e instanceof ServiceError) return json(e.status, { __type: e.code, message: e.message });
    throw e;
  }
  return undefined;
}

/** A browser request from another origin (a page the user visits must not drive a local Skyport). */
export function isCrossOrigin(headers: IncomingHttpHeaders): boolean {
  const site = headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") return true;
  const origin = headers.origin;
  if (typeof origin !== "string" || origin === "") return false;
  if (origin === "null") return true;
  try {
    return new URL(origin).host !== String(headers.host ?? "");
  } catch {
    return true;
  }
}
