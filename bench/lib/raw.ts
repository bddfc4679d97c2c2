/** One-off raw AWS JSON-protocol calls for benchmark set-up (creating tables, seeding items). */
import { authHeader } from "./wrk.js";

export async function jsonCall(base: string, target: string, service: string, body: unknown, version = "1.0"): Promise<unknown> {
  const r = await fetch(base + "/", {
    method: "POST",
    headers: { "Content-Type": `application/x-amz-json-${version}`, "X-Amz-Target": target, ...authHeader(service) },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${target} → ${r.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

export const ddbHeaders = (op: string) => ({ "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": `DynamoDB_20120810.${op}`, ...authHeader("dynamodb") });

/** A raw rest-json call (API Gateway, Lambda) for set-up. */
export async function restCall(base: string, service: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(base + path, { method, headers: { "Content-Type": "application/json", ...authHeader(service) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
