/**
 * SimulatePrincipalPolicy and SimulateCustomPolicy: the evaluator (src/aws/policy) run over a principal's
 * policies (plus any given), or over the given policies alone, for each action × resource. Matched statement
 * positions and missing context keys are not reported.
 */
import type { RequestContext } from "../../edge/context.js";
import { evaluate } from "../../aws/policy/evaluate.js";
import { contextFromEntries, evalDecision } from "../../aws/policy/simulate.js";
import type { CallerIdentity } from "../../aws/policy/types.js";
import { paginate } from "./base.js";
import { IamIdentity } from "./identity.js";
import type { GroupEntity, RoleEntity, UserEntity } from "./model.js";
import type { In, Out } from "./principals.js";
import { checkPolicyDocument, invalidInput, noSuchEntity } from "./validate.js";

type SimInput = Omit<In<"SimulateCustomPolicy">, "PolicyInputList">;
const MAX_EVALUATIONS = 10_000;

export class IamSimulate extends IamIdentity {
  SimulatePrincipalPolicy(ctx: RequestContext, input: In<"SimulatePrincipalPolicy">): Out<"SimulatePrincipalPolicy"> {
    const caller = this.principalForSimulation(input.PolicySourceArn);
    const extra = (input.PolicyInputList ?? []).map((d) => checkPolicyDocument(d, "identity", "managed"));
    caller.identityPolicies = [...caller.identityPolicies, ...extra];
    return this.simulate(ctx, caller, input);
  }

  SimulateCustomPolicy(ctx: RequestContext, input: In<"SimulateCustomPolicy">): Out<"SimulateCustomPolicy"> {
    const docs = (input.PolicyInputList ?? []).map((d) => checkPolicyDocument(d, "identity", "managed"));
    const arn = input.CallerArn ?? `arn:aws:iam::${ctx.accountId}:user/simulated`;
    const caller: CallerIdentity = { accountId: ctx.accountId, arn, principalArn: arn, userId: "AIDASIMULATED", kind: "user", identityPolicies: docs, principalTags: {}, allPowerful: false };
    return this.simulate(ctx, caller, input);
  }

  private principalForSimulation(arn: string): CallerIdentity {
    const m = /^arn:aws[\w-]*:iam::(\d{12}):(user|group|role)\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn ?? "");
    if (!m) throw invalidInput(`Invalid ARN ${arn}`);
    const [, a, kind, name] = m as unknown as [string, string, "user" | "group" | "role", string];
    const e = this.store.get<UserEntity | GroupEntity | RoleEntity>(a, kind, name);
    if (!e || e.arn !== arn) throw noSuchEntity(`The ${kind} with name ${name} cannot be found.`);
    if (kind === "user") return this.userIdentity(a, e as UserEntity);
    const base: CallerIdentity = { accountId: a, arn: e.arn, principalArn: e.arn, userId: e.id, kind: kind === "role" ? "assumed-role" : "user", identityPolicies: this.policiesOf(a, e), principalTags: {}, allPowerful: false };
    if (kind === "role") base.permissionsBoundary = this.boundaryDoc(a, (e as RoleEntity).boundary);
    return base;
  }

  private simulate(ctx: RequestContext, caller: CallerIdentity, input: SimInput) {
    if (input.PermissionsBoundaryPolicyInputList?.length) caller.permissionsBoundary = checkPolicyDocument(input.PermissionsBoundaryPolicyInputList[0], "identity", "managed");
    const actions = input.ActionNames ?? [];
    const resources = input.ResourceArns?.length ? input.ResourceArns : ["*"];
    if (actions.length * resources.length > MAX_EVALUATIONS) throw invalidInput(`Too many evaluations: at most ${MAX_EVALUATIONS} action × resource pairs.`);
    const context = contextFromEntries(input.ContextEntries);
    const results = [];
    for (const action of actions) {
      for (const resource of resources) {
        const d = evaluate({ action, resource, caller, context, resourcePolicy: input.ResourcePolicy, resourceAccountId: input.ResourceOwner?.split(":")[4] || ctx.accountId });
        results.push({ EvalActionName: action, EvalResourceName: resource, EvalDecision: evalDecision(d), MatchedStatements: [], MissingContextValues: [] });
      }
    }
    const { page, IsTruncated, Marker } = paginate(results, input.Marker, input.MaxItems);
    return { EvaluationResults: page, IsTruncated, Marker };
  }
}
