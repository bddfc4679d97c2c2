/**
 * CORS on the data path (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html): preflight
 * OPTIONS requests (the model patch's PreflightObject/PreflightBucket) are answered from the bucket's rules,
 * and GetObject/HeadObject/PutObject carrying an Origin get the Access-Control-* headers of the first rule
 * that matches origin, method and headers. Wildcards ("*" once in an origin or header) match in linear time.
 */
import type { RequestContext } from "../../edge/context.js";
import { ServiceError } from "../../aws/errors.js";
import type { S3Core } from "./core.js";
import { Errors } from "./errors.js";

interface CorsRule {
  AllowedOrigins?: string[];
  AllowedMethods?: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
}

export interface CorsHeaders {
  AccessControlAllowOrigin?: string;
  AccessControlAllowMethods?: string;
  AccessControlAllowHeaders?: string;
  AccessControlExposeHeaders?: string;
  AccessControlMaxAge?: number;
  AccessControlAllowCredentials?: string;
  Vary?: string;
}

/** A pattern with at most one "*" (S3 allows one per origin) against a value, case-insensitively for headers. */
function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  const star = p.indexOf("*");
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

function match(rules: CorsRule[], origin: string, method: string, headers: string[]): CorsRule | undefined {
  return rules.find((r) =>
    (r.AllowedOrigins ?? []).some((o) => wildcard(o, origin)) &&
    (r.AllowedMethods ?? []).includes(method) &&
    headers.every((h) => (r.AllowedHeaders ?? []).some((a) => wildcard(a, h, true))));
}

const VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

function headersOf(rule: CorsRule, origin: string, method: string, requested?: string[]): CorsHeaders {
  const any = (rule.AllowedOrigins ?? []).includes("*");
  return {
    AccessControlAllowOrigin: any ? "*" : origin,
    AccessControlAllowMethods: (rule.AllowedMethods ?? [method]).join(", "),
    AccessControlAllowHeaders: requested?.length ? requested.join(", ") : undefined,
    AccessControlExposeHeaders: rule.ExposeHeaders?.length ? rule.ExposeHeaders.join(", ") : undefined,
    AccessControlMaxAge: rule.MaxAgeSeconds,
    AccessControlAllowCredentials: any ? undefined : "true",
    Vary: VARY,
  };
}

export function corsOps(core: S3Core) {
  const rulesOf = (bucket: string): CorsRule[] | undefined => {
    const b = core.store.bucket(bucket);
    if (!b) throw Errors.noSuchBucket(bucket);
    return core.config<{ CORSRules?: CorsRule[] }>(b, "cors")?.CORSRules;
  };
  const preflight = (_ctx: RequestContext, i: { Bucket: string; Origin?: string; AccessControlRequestMethod?: string; AccessControlRequestHeaders?: string }): CorsHeaders => {
    if (!i.Origin) throw new ServiceError("BadRequest", "Insufficient information. Origin request header needed.", 400);
    if (!i.AccessControlRequestMethod) throw new ServiceError("BadRequest", "Invalid Access-Control-Request-Method: null", 400);
    const rules = rulesOf(i.Bucket);
    if (!rules) throw new ServiceError("AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", 403, true, { Method: i.AccessControlRequestMethod, ResourceType: "BUCKET" });
    const headers = (i.AccessControlRequestHeaders ?? "").split(",").map((h) => h.trim()).filter(Boolean);
    const rule = match(rules, i.Origin, i.AccessControlRequestMethod, headers);
    if (!rule) {
      throw new ServiceError("AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", 403, true, { Method: i.AccessControlRequestMethod, ResourceType: "OBJECT" });
    }
    return headersOf(rule, i.Origin, i.AccessControlRequestMethod, headers);
  };
  return {
    PreflightObject: preflight,
    PreflightBucket: preflight,
  };
}

/** The CORS headers for an actual (non-preflight) request with an Origin; {} when no rule allows it. */
export function corsHeadersFor(core: S3Core, bucket: string, origin: string | undefined, method: string): CorsHeaders {
  if (!origin) return {};
  const b = core.store.bucket(bucket);
  const rules = b && core.config<{ CORSRules?: CorsRule[] }>(b, "cors")?.CORSRules;
  const rule = rules && match(rules, origin, method, []);
  return rule ? headersOf(rule, origin, method) : {};
}
