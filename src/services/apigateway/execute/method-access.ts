/**
 * Settings of a method that decide whether the request may go on, enforced rather than stored only:
 * - apiKeyRequired: the key (x-api-key, or the authorizer's usageIdentifierKey for apiKeySource
 *   AUTHORIZER, see authorize.ts) must exist, be enabled and be
 *   in a usage plan of this stage; otherwise 403 Forbidden (gateway response INVALID_API_KEY).
 * - Lambda integrations: the function's resource policy must let apigateway.amazonaws.com invoke it for
 *   this method's execute-api ARN (unless the integration has credentials, i.e. a role). AWS answers 500
 *   "Internal server error" and logs "Invalid permissions on Lambda function". Skyport does that when
 *   signatures are enforced (--enforce-sigv4, the "reachable by others" mode); by default it logs the
 *   same reason as a warning and invokes anyway, because scripts written for earlier Skyport versions
 *   (and its own acceptance checks) deploy without AddPermission.
 */
import type { HttpRequest } from "../../../aws/protocol/types.js";
import type { RequestContext } from "../../../edge/context.js";
import { ServiceError } from "../../../aws/errors.js";
import type { ServiceHost } from "../../host.js";

/** The x-api-key value of a request, if any. */
export function apiKeyOf(req: HttpRequest): string | undefined {
  const v = req.headers["x-api-key"];
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s : undefined;
}

/** `*` and `?` wildcards as IAM's ArnLike/StringLike use them; linear in practice (one backtrack point). */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0, t = 0, star = -1, mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function principalAllows(p: unknown): boolean {
  if (p === "*") return true;
  if (!p || typeof p !== "object") return false;
  const o = p as { Service?: string | string[]; AWS?: string | string[] };
  return list(o.Service).includes("apigateway.amazonaws.com") || list(o.AWS).includes("*");
}

function conditionAllows(cond: Statement["Condition"], sourceArn: string, accountId: string): boolean {
  for (const [op, entries] of Object.entries(cond ?? {})) {
    for (const [key, want] of Object.entries(entries)) {
      const k = key.toLowerCase();
      const actual = k === "aws:sourcearn" ? sourceArn : k === "aws:sourceaccount" ? accountId : undefined;
      if (actual === undefined) return false; // a condition on a key API Gateway does not supply
      const values = list(want);
      const like = /Like$/.test(op);
      if (!/^(ArnLike|ArnEquals|StringLike|StringEquals)$/.test(op)) return false;
      if (!values.some((v) => (like ? wildcardMatch(v, actual) : v === actual))) return false;
    }
  }
  return true;
}

/** Whether the function's resource policy lets API Gateway invoke it from `sourceArn`; else why not. */
export async function lambdaPermissionProblem(services: ServiceHost, ctx: RequestContext, functionArn: string, sourceArn: string): Promise<string | undefined> {
  let policy: { Statement?: Statement[] };
  try {
    const out = await services.call<{ Policy?: string }>("lambda", "GetPolicy", ctx, { FunctionName: functionArn });
    policy = JSON.parse(out.Policy ?? "{}") as typeof policy;
  } catch (e) {
    if (e instanceof ServiceError && e.code === "ResourceNotFoundException") return "the function has no resource policy allowing apigateway.amazonaws.com";
    throw e;
  }
  const ok = (policy.Statement ?? []).some((s) =>
    s.Effect === "Allow" && principalAllows(s.Principal) && list(s.Action).some((a) => ["lambda:invokefunction", "lambda:*", "*"].includes(a.toLowerCase())) &&
    conditionAllows(s.Condition, sourceArn, ctx.accountId));
  return ok ? undefined : `no statement of the function's resource policy allows apigateway.amazonaws.com to invoke it from ${sourceArn}`;
}
