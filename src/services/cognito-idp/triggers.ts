/**
 * Lambda triggers of a user pool, invoked in process through Lambda's Invoke (RequestResponse) with the event
 * shapes of the Cognito developer guide ("Customizing user pool workflows with Lambda triggers"). A function
 * that fails makes the operation fail with UserLambdaValidationException "<Trigger> failed with error <message>.",
 * as on AWS; a trigger whose function cannot be invoked answers UnexpectedLambdaException.
 */
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import { attributeList, type Core, type PoolDoc, type User } from "./core.js";

export type TriggerName = "PreSignUp" | "PostConfirmation" | "PreAuthentication" | "PostAuthentication" | "PreTokenGeneration" | "CustomMessage";

export interface TriggerEvent {
  source: string;
  clientId?: string;
  request: Record<string, unknown>;
  response?: Record<string, unknown>;
}

/** userAttributes as triggers see them: a flat map including sub (and cognito:user_status for some triggers). */
export function triggerAttributes(u: User, withStatus = true): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of attributeList(u)) out[a.Name] = a.Value ?? "";
  if (withStatus) out["cognito:user_status"] = u.status;
  return out;
}

export class Triggers {
  constructor(private readonly core: Core) {}

  /** The function ARN configured for a trigger, if any (PreTokenGenerationConfig wins over PreTokenGeneration). */
  arnOf(pool: PoolDoc, name: TriggerName): string | undefined {
    const cfg = pool.LambdaConfig ?? {};
    if (name === "PreTokenGeneration") return cfg.PreTokenGenerationConfig?.LambdaArn ?? cfg.PreTokenGeneration;
    return cfg[name];
  }

  /** Runs the trigger when configured; returns the function's `response` object (undefined when none is set). */
  async run(ctx: RequestContext, pool: PoolDoc, name: TriggerName, userName: string, ev: TriggerEvent): Promise<Record<string, unknown> | undefined> {
    const arn = this.arnOf(pool, name);
    if (!arn) return undefined;
    const event = {
      version: name === "PreTokenGeneration" && pool.LambdaConfig?.PreTokenGenerationConfig ? pool.LambdaConfig.PreTokenGenerationConfig.LambdaVersion.replace(/^V/, "").replace("_", ".") : "1",
      triggerSource: ev.source,
      region: pool.region,
      userPoolId: pool.Id,
      userName,
      callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: ev.clientId ?? "CLIENT_ID_NOT_APPLICABLE" },
      request: ev.request,
      response: ev.response ?? {},
    };
    const callCtx: RequestContext = { ...ctx, accountId: pool.account, region: pool.region };
    let out: { Payload?: Uint8Array; FunctionError?: string };
    try {
      out = await this.core.env.services.call("lambda", "Invoke", callCtx, { FunctionName: arn, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(event)) });
    } catch (e) {
      const why = e instanceof ServiceError ? `${e.code}: ${e.message}` : String(e);
      this.core.env.log.warn(`cognito: ${name} trigger ${arn} could not be invoked: ${why}`);
      throw new ServiceError("UnexpectedLambdaException", `${name} invocation failed due to error ${e instanceof ServiceError ? e.code : "AccessDeniedException"}.`);
    }
    let result: unknown;
    try {
      result = JSON.parse(Buffer.from(out.Payload ?? []).toString("utf8") || "null");
    } catch {
      throw new ServiceError("InvalidLambdaResponseException", `Unrecognizable lambda output`);
    }
    if (out.FunctionError) {
      const message = (result as { errorMessage?: string } | null)?.errorMessage ?? "Unhandled";
      throw new ServiceError("UserLambdaValidationException", `${name} failed with error ${message}.`);
    }
    if (!result || typeof result !== "object") throw new ServiceError("InvalidLambdaResponseException", "Unrecognizable lambda output");
    const response = (result as { response?: unknown }).response;
    return response && typeof response === "object" ? (response as Record<string, unknown>) : {};
  }
}
