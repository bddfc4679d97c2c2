/**
 * Skyport's own routes under /_skyport/: `health` (version, uptime, services and their state) and
 * `reset` (wipe all state, for test suites). Nothing else lives under /_skyport.
 */
import type { HttpResponse } from "../aws/protocol/types.js";
import { SERVICES } from "../services/index.js";

export interface InternalEnv {
  version: string;
  startedAt: number;
  now(): number;
  startedServices(): string[];
  reset(): Promise<void>;
}

const json = (status: number, body: unknown): HttpResponse => ({ status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

export async function handleInternal(method: string, path: string, env: InternalEnv): Promise<HttpResponse> {
  if (path === "/_skyport/health" && (method === "GET" || method === "HEAD")) {
    const started = new Set(env.startedServices());
    const services: Record<string, { status: string; started: boolean }> = {};
    for (const [name, entry] of Object.entries(SERVICES)) services[name] = { status: entry.status, started: started.has(name) };
    return json(200, { status: "running", version: env.version, uptimeSeconds: Math.round((env.now() - env.startedAt) / 1000), services });
  }
  if (path === "/_skyport/reset" && method === "POST") {
    await env.reset();
    return json(200, { reset: true });
  }
  return json(404, { message: `No internal route ${method} ${path}` });
}
