import { serializationError } from "../errors.js";

export type TimestampFormat = "iso8601" | "rfc822" | "unixTimestamp";

/** A wire timestamp (epoch seconds, ISO 8601 or RFC 822 / HTTP-date) → Date. */
export function parseTimestamp(value: number | string, path = ""): Date {
  let d: Date;
  if (typeof value === "number") d = new Date(value * 1000);
  else if (/^-?\d+(\.\d+)?$/.test(value)) d = new Date(Number(value) * 1000);
  else d = new Date(value);
  if (Number.isNaN(d.getTime())) throw serializationError(`Invalid timestamp at '${path || "body"}': ${String(value)}`);
  return d;
}

/** Date (or epoch ms / ISO string) → the wire form the model asks for. */
export function formatTimestamp(value: Date | number | string, format: TimestampFormat): string | number {
  const d = value instanceof Date ? value : new Date(value);
  switch (format) {
    case "unixTimestamp":
      return d.getTime() / 1000;
    case "rfc822":
      return d.toUTCString();
    default:
      return isoNoMillisIfWhole(d);
  }
}

/** AWS writes ISO 8601 with milliseconds only when they are not zero. */
function isoNoMillisIfWhole(d: Date): string {
  const s = d.toISOString();
  return s.endsWith(".000Z") ? `${s.slice(0, -5)}Z` : s;
}
