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
