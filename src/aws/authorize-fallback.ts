/**
 * A stand-in for the policy slice's evaluator and action map (src/aws/policy/evaluate.ts, actions.ts), used only
 * while those modules are absent from the checkout: identity policies, permissions boundary and session policies
 * with explicit deny winning, action/resource wildcards and the String…, Bool and Null conditions. Resource ARNs for
 * DynamoDB tables and Lambda functions; "*" for everything else. Delete once src/aws/policy lands.
 */
import type { RequestContext } from "../edge/context.js";
import { conditionsHold, globMatch } from "../services/iam/trust.js";
import type { AuthorizationRequest, ConditionValue, Decision } from "./policy/types.js";

type Stmt = { Effect?: string; Action?: unknown; NotAction?: unknown; Resource?: unknown; NotResource?: unknown; Condition?: unknown };
const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function statements(doc: string): Stmt[] {
  try {
    const p = JSON.parse(doc) as { Statement?: unknown };
    return (Array.isArray(p.Statement) ? p.Statement : [p.Statement]).filter((s): s is Stmt => !!s && typeof s === "object");
  } catch {
    return [];
  }
}

/** "Allow" | "Deny" | undefined for one set of policies. */
function decide(docs: string[], req: AuthorizationRequest): "Allow" | "Deny" | undefined {
  const ctx = Object.fromEntries(Object.entries(req.context).map(([k, v]) => [k, Array.isArray(v) ? v : String(v)]));
  let allowed = false;
  for (const doc of docs) {
    for (const s of statements(doc)) {
      const actionOk = s.Action !== undefined ? list(s.Action).some((a) => globMatch(a, req.action, true)) : s.NotAction !== undefined && !list(s.NotAction).some((a) => globMatch(a, req.action, true));
      if (!actionOk) continue;
      const resourceOk = s.Resource !== undefined ? list(s.Resource).some((r) => globMatch(r, req.resource)) : s.NotResource !== undefined && !list(s.NotResource).some((r) => globMatch(r, req.resource));
      if (!resourceOk || !conditionsHold(s.Condition, ctx)) continue;
      if (s.Effect === "Deny") return "Deny";
      if (s.Effect === "Allow") allowed = true;
    }
  }
  return allowed ? "Allow" : undefined;
}

export function evaluate(req: AuthorizationRequest): Decision {
  const c = req.caller;
  if (c.allPowerful) return { decision: "Allow", reason: "" };
  const sets: Array<[string[], string]> = [[c.identityPolicies, "identity-based policy"]];
  if (c.permissionsBoundary) sets.push([[c.permissionsBoundary], "permissions boundary"]);
  if (c.sessionPolicies) sets.push([c.sessionPolicies, "session policy"]);
  for (const [docs, what] of sets) if (decide(docs, req) === "Deny") return { decision: "ExplicitDeny", reason: `an explicit deny in a ${what}` };
  for (const [docs, what] of sets) if (decide(docs, req) !== "Allow") return { decision: "ImplicitDeny", reason: `no ${what} allows` };
  return { decision: "Allow", reason: "" };
}

const PREFIX: Record<string, string> = { dynamodbstreams: "dynamodb", apigatewaymanagementapi: "execute-api" };

export function authorizationFor(service: string, operation: string, input: Record<string, unknown>, ctx: RequestContext): { action: string; resources: string[]; context: Record<string, ConditionValue> } {
  const action = `${PREFIX[service] ?? service}:${operation}`;
  let resource = "*";
  const name = (k: string) => (typeof input[k] === "string" ? (input[k] as string) : undefined);
  if (service === "dynamodb" && name("TableName")) resource = name("TableName")!.startsWith("arn:") ? name("TableName")! : `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${name("TableName")}`;
  if (service === "lambda" && name("FunctionName")) resource = name("FunctionName")!.startsWith("arn:") ? name("FunctionName")! : `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name("FunctionName")}`;
  return { action, resources: [resource], context: { "aws:requestedregion": ctx.region } };
}
