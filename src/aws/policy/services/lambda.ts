/**
 * Lambda ("Actions, resources, and condition keys for AWS Lambda"): actions are `lambda:<Operation>` except
 * Invoke / InvokeAsync / InvokeWithResponseStream → lambda:InvokeFunction and GetLayerVersionByArn →
 * lambda:GetLayerVersion. Resources: function ARNs (qualified when the request names a version or alias —
 * so a policy on `function:NAME` does not cover `function:NAME:prod`, as in AWS), layer and layer-version,
 * event-source-mapping and code-signing-config ARNs. CreateFunction and UpdateFunctionConfiguration with a
 * Role also need iam:PassRole on it. Condition keys: lambda:FunctionArn (event source mappings),
 * lambda:Principal (AddPermission), iam:PassedToService.
 */
import { str, type Mapper, type MapperEnv } from "./common.js";

const ACTIONS: Record<string, string> = {
  Invoke: "lambda:InvokeFunction",
  InvokeAsync: "lambda:InvokeFunction",
  InvokeWithResponseStream: "lambda:InvokeFunction",
  GetLayerVersionByArn: "lambda:GetLayerVersion",
};

const ACCOUNT_LEVEL = new Set(["GetAccountSettings", "ListFunctions", "ListLayers", "ListLayerVersions", "ListEventSourceMappings", "ListCodeSigningConfigs", "CreateCodeSigningConfig", "CreateEventSourceMapping"]);

/** Operations on aliases address the function itself (the alias is a sub-resource in the Name member). */
const UNQUALIFIED = new Set(["CreateAlias", "GetAlias", "UpdateAlias", "DeleteAlias", "ListAliases", "ListVersionsByFunction", "PublishVersion"]);

/**
 * The function ARN for a FunctionName in any form Lambda accepts — `name`, `name:qualifier`,
 * `account:function:name[:qualifier]`, or a full ARN — with an explicit Qualifier taking precedence.
 */
export function functionArn(env: Pick<MapperEnv, "region" | "accountId">, functionName: string, qualifier?: string): string {
  let region = env.region;
  let account = env.accountId;
  let name = functionName;
  let qual: string | undefined;
  const parts = functionName.split(":");
  if (parts[0] === "arn" && parts.length >= 7) {
    region = parts[3] || region;
    account = parts[4] || account;
    name = parts[6]!;
    qual = parts[7];
  } else if (parts.length >= 3 && parts[1] === "function") {
    account = parts[0] || account;
    name = parts[2]!;
    qual = parts[3];
  } else if (parts.length === 2) {
    name = parts[0]!;
    qual = parts[1];
  }
  const q = qualifier ?? qual;
  return `arn:aws:lambda:${region}:${account}:function:${name}${q ? `:${q}` : ""}`;
}

function layerArn(env: MapperEnv, layerName: string, version?: unknown): string {
  const base = layerName.startsWith("arn:") ? layerName : `arn:aws:lambda:${env.region}:${env.accountId}:layer:${layerName}`;
  return version === undefined || version === null ? base : `${base}:${String(version)}`;
}

export const mapLambda: Mapper = (op, input, env) => {
  const action = ACTIONS[op];
  if (op === "CreateEventSourceMapping" || op === "UpdateEventSourceMapping") {
    const fn = str(input.FunctionName);
    if (fn) env.context["lambda:functionarn"] = functionArn(env, fn);
  }
  if (op === "AddPermission" && typeof input.Principal === "string") env.context["lambda:principal"] = input.Principal;
  if (ACCOUNT_LEVEL.has(op)) return { resources: ["*"] };
  switch (op) {
    case "TagResource":
    case "UntagResource":
    case "ListTags":
      return { resources: [str(input.Resource) ?? "*"] };
    case "GetLayerVersionByArn":
      return { action: action!, resources: [str(input.Arn) ?? "*"] };
    case "PublishLayerVersion":
      return { resources: [layerArn(env, str(input.LayerName) ?? "")] };
    case "GetLayerVersion":
    case "DeleteLayerVersion":
    case "GetLayerVersionPolicy":
    case "AddLayerVersionPermission":
    case "RemoveLayerVersionPermission":
      return { resources: [layerArn(env, str(input.LayerName) ?? "", input.VersionNumber)] };
    case "GetEventSourceMapping":
    case "UpdateEventSourceMapping":
    case "DeleteEventSourceMapping":
      return { resources: [`arn:aws:lambda:${env.region}:${env.accountId}:event-source-mapping:${str(input.UUID) ?? ""}`] };
    case "GetCodeSigningConfig":
    case "UpdateCodeSigningConfig":
    case "DeleteCodeSigningConfig":
    case "ListFunctionsByCodeSigningConfig":
      return { resources: [str(input.CodeSigningConfigArn) ?? "*"] };
  }
  const fn = str(input.FunctionName);
  if (!fn) return { resources: ["*"], ...(action ? { action } : {}) };
  const full = functionArn(env, fn, UNQUALIFIED.has(op) ? undefined : str(input.Qualifier));
  const arn = UNQUALIFIED.has(op) ? full.split(":").slice(0, 7).join(":") : full;
  const out = { resources: [arn], ...(action ? { action } : {}) };
  const role = str(input.Role);
  if ((op === "CreateFunction" || op === "UpdateFunctionConfiguration") && role) {
    env.context["iam:passedtoservice"] = "lambda.amazonaws.com";
    return { ...out, extra: [{ action: "iam:PassRole", resources: [role] }] };
  }
  return out;
};

