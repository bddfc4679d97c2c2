/**
 * Integration loops (an HTTP integration that calls its own API, directly or through others): every
 * integration request carries X-Skyport-Hops (the count it arrived with, plus one), set after all
 * mappings so a template cannot reset it. Past MAX_HOPS the request is refused with 508 Loop Detected;
 * each earlier hop relays that answer (HTTP_PROXY passes it through). AWS has no such check: there a
 * loop ends at the 29 s integration timeout with 504, which would hold sockets for that long here.
 */
import type { HttpRequest } from "../../../aws/protocol/types.js";

export const HOPS_HEADER = "x-skyport-hops";
export const MAX_HOPS = 5;
export const LOOP_MESSAGE = `Integration loop detected: the request passed through an HTTP integration more than ${MAX_HOPS} times`;

export function hopsOf(req: HttpRequest): number {
  const raw = req.headers[HOPS_HEADER];
  const n = Number.parseInt(String(Array.isArray(raw) ? raw[raw.length - 1] : (raw ?? "0")), 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

