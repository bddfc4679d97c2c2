/**
 * ListUsers' Filter: `AttributeName Filter-Type "AttributeValue"` with `=` (exact) or `^=` (starts with), on
 * the attributes AWS allows (ListUsers API reference). Quotes and backslashes in the value are escaped with a
 * backslash. Parsed by hand (no regular expression over user input beyond a fixed, linear one).
 */
import { invalidParameter, type User } from "./core.js";

export const FILTERABLE = new Set(["username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username", "cognito:user_status", "status", "sub"]);

export interface UserFilter { attr: string; op: "=" | "^="; value: string }

export function parseFilter(filter: string | undefined): UserFilter | undefined {
  if (filter === undefined || filter.trim() === "") return undefined;
  if (filter.length > 256) throw invalidParameter("Error while parsing filter.");
  const m = /^\s*([a-z_:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m) throw invalidParameter("Error while parsing filter.");
  const attr = m[1]!;
  if (!FILTERABLE.has(attr)) throw invalidParameter("Invalid search attribute");
  return { attr, op: m[2] as "=" | "^=", value: m[3]!.replace(/\\(.)/g, "$1") };
}

export function matchesFilter(u: User, f: UserFilter): boolean {
  let v: string | undefined;
  if (f.attr === "username") v = u.username;
  else if (f.attr === "sub") v = u.sub;
  else if (f.attr === "cognito:user_status") v = u.status;
  else if (f.attr === "status") v = u.enabled ? "Enabled" : "Disabled";
  else v = u.attrs[f.attr];
  if (v === undefined) return false;
  // AWS compares case-insensitively for status and the email/username lookups.
  const a = v.toLowerCase();
  const b = f.value.toLowerCase();
  return f.op === "=" ? a === b : a.startsWith(b);
}
