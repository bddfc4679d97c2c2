/** Stage and route throttling of HTTP APIs (429 Too Many Requests). */
import type { Exchange } from "./pipeline.js";

export function throttled(_ex: Exchange): boolean {
  return false;
}
