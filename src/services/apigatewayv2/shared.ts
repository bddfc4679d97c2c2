/** Pieces the API Gateway v2 control plane shares: AWS's errors, pagination, enumerations, route keys. */
import { ServiceError } from "../../aws/errors.js";

export const badRequest = (message: string) => new ServiceError("BadRequestException", message, 400);
export const conflict = (message: string) => new ServiceError("ConflictException", message, 409);
/** AWS names the missing thing and its id: "Invalid API identifier specified 000000000000:abc". */
export const notFound = (what: string, id: string) => new ServiceError("NotFoundException", `Invalid ${what} identifier specified ${id}`, 404);

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];
export const INTEGRATION_TYPES = ["AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"];
export const HTTP_DEFAULT_ROUTE_SELECTION = "${request.method} ${request.path}";

/** AWS's validation message for a member outside its enum. */
export const enumError = (member: string, value: unknown, allowed: string[]) =>
  badRequest(`Invalid ${member} specified: '${String(value)}'. Must be one of: [${allowed.join(", ")}]`);

/** MaxResults/NextToken pagination (the token is opaque: the next item's key, base64url). */
export function page<T>(all: T[], maxResults: string | undefined, nextToken: string | undefined, key: (t: T) => string): { Items: T[]; NextToken?: string } {
  const n = maxResults === undefined ? 100 : Number(maxResults);
  if (!Number.isInteger(n) || n < 1) throw badRequest("MaxResults must be a positive integer");
  const max = Math.min(n, 500);
  let start = 0;
  if (nextToken) {
    const k = Buffer.from(nextToken, "base64url").toString("utf8");
    start = all.findIndex((x) => key(x) === k);
    if (start < 0) throw badRequest("Invalid NextToken");
  }
  const items = all.slice(start, start + max);
  const next = all[start + max];
  return { Items: items, NextToken: next ? Buffer.from(key(next)).toString("base64url") : undefined };
}

/** Parses an HTTP API route key ("GET /items/{id}", "ANY /{proxy+}", "$default"); throws AWS's BadRequest. */
export function parseHttpRouteKey(key: string): { method: string; path: string } | "$default" {
  if (key === "$default") return key;
  const m = /^([A-Z]+) (\/\S*)$/.exec(key);
  if (!m || !HTTP_METHODS.includes(m[1]!)) throw badRequest(`Unable to create route ${key}. The route key must be '$default' or of the form 'METHOD /path', e.g. 'GET /pets', with METHOD one of ${HTTP_METHODS.join(", ")}.`);
  const path = m[2]!;
  const segs = path === "/" ? [] : path.slice(1).split("/");
  const names = new Set<string>();
  segs.forEach((seg, i) => {
    if (seg === "") throw badRequest(`Invalid route key ${key}: empty path segment`);
    const p = /^\{([A-Za-z0-9._-]+)(\+)?\}$/.exec(seg);
    if (!p) {
      if (/[{}]/.test(seg)) throw badRequest(`Invalid route key ${key}: a path parameter must be a whole segment`);
      return;
    }
    if (p[2] && i !== segs.length - 1) throw badRequest(`Invalid route key ${key}: a greedy path variable must be the last segment`);
    if (names.has(p[1]!)) throw badRequest(`Invalid route key ${key}: duplicate path parameter ${p[1]}`);
    names.add(p[1]!);
  });
  return { method: m[1]!, path };
}

/** `integrations/{id}` → id (route targets). */
export function integrationIdOf(target: string | undefined): string | undefined {
  if (target === undefined || target === "") return undefined;
  const m = /^integrations\/([A-Za-z0-9]+)$/.exec(target);
  if (!m) throw badRequest(`Invalid target ${target}: a route target must be of the form integrations/{integrationId}`);
  return m[1];
}

/** Strips undefined members (AWS omits absent fields). */
export function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}
