/**
 * Lambda settings that are stored and returned as AWS returns them: provisioned concurrency configurations,
 * function recursion configuration, code signing configurations (and which function uses which), and layer
 * version permissions, runtime management configuration (stored: every runtime has one version on Skyport).
 * LambdaFunctionOps extends this.
 *
 * Provisioned concurrency: Put answers IN_PROGRESS, the configuration then reads READY with everything allocated —
 * environments are not pre-started yet: `provisionedConfigs(functionArn)` is the hook for the environment scheduler.
 * Code signing: Skyport has no AWS Signer, so no code is ever signed: a function whose configuration says
 * UntrustedArtifactOnDeployment "Enforce" has every code deployment refused (CodeVerificationFailedException),
 * "Warn" deploys, as AWS does for unsigned code.
 */
import type * as L from "../../aws/api/lambda.js";
import { constraintMessage, ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { functionArn, lastModified, parseFunctionName } from "./functions.js";
import { LambdaSettingsOps } from "./settings-ops.js";
import { SettingsTable } from "./settings-table.js";

interface ProvisionedRow {
  requested: number;
  lastModified: string;
}
type CodeSigningConfig = L.CreateCodeSigningConfigOutput["CodeSigningConfig"];
interface LayerPolicy {
  Version: string;
  Id: string;
  Statement: Array<Record<string, unknown>>;
  revision: string;
}

const RECURSIVE_LOOP = ["Allow", "Terminate"];
const SIGNING_POLICY = ["Warn", "Enforce"];
const UPDATE_RUNTIME_ON = ["Auto", "Manual", "FunctionUpdate"];
const CSC_ARN = /^arn:(aws[a-zA-Z-]*)?:lambda:([a-z0-9-]+):(\d{12}):code-signing-config:(csc-[a-z0-9]{17})$/;
const cscNotFound = (arn: string) => new ServiceError("ResourceNotFoundException", `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${arn}.`, 404);

export abstract class LambdaConfigOps extends LambdaSettingsOps {
  protected readonly settings: SettingsTable;

  constructor(env: ServiceEnv) {
    super(env);
    this.settings = new SettingsTable(env.store);
  }

  // ---- provisioned concurrency ---------------------------------------------------------------------

  PutProvisionedConcurrencyConfig(ctx: RequestContext, input: L.PutProvisionedConcurrencyConfigInput): L.PutProvisionedConcurrencyConfigOutput {
    const { name, q } = this.provisionedTarget(ctx, input.FunctionName, input.Qualifier);
    if (!(input.ProvisionedConcurrentExecutions >= 1)) throw new ServiceError("ValidationException", constraintMessage([`Value '${input.ProvisionedConcurrentExecutions}' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1`]), 400);
    const row: ProvisionedRow = { requested: input.ProvisionedConcurrentExecutions, lastModified: lastModified(ctx.clock.now()) };
    this.settings.put(ctx, "provisioned", `${name}:${q}`, row);
    return { RequestedProvisionedConcurrentExecutions: row.requested, AllocatedProvisionedConcurrentExecutions: 0, AvailableProvisionedConcurrentExecutions: 0, Status: "IN_PROGRESS", LastModified: row.lastModified };
  }

  GetProvisionedConcurrencyConfig(ctx: RequestContext, input: L.GetProvisionedConcurrencyConfigInput): L.GetProvisionedConcurrencyConfigOutput {
    const { name, q } = this.provisionedTarget(ctx, input.FunctionName, input.Qualifier);
    const row = this.settings.get<ProvisionedRow>(ctx, "provisioned", `${name}:${q}`);
    if (!row) throw new ServiceError("ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function", 404);
    const { FunctionArn: _arn, ...rest } = provisionedOut(ctx, name, q, row);
    return rest;
  }

  DeleteProvisionedConcurrencyConfig(ctx: RequestContext, input: L.DeleteProvisionedConcurrencyConfigInput): Record<string, never> {
    const { name, q } = this.provisionedTarget(ctx, input.FunctionName, input.Qualifier);
    if (!this.settings.delete(ctx, "provisioned", `${name}:${q}`)) throw new ServiceError("ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function", 404);
    return {};
  }

  ListProvisionedConcurrencyConfigs(ctx: RequestContext, input: L.ListProvisionedConcurrencyConfigsInput): L.ListProvisionedConcurrencyConfigsOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    const all = this.settings.list<ProvisionedRow>(ctx, "provisioned", `${name}:`).map(({ key, doc }) => provisionedOut(ctx, name, key.slice(name.length + 1), doc));
    const start = input.Marker ? Number(input.Marker) || 0 : 0;
    const max = Math.min(Math.max(input.MaxItems ?? 50, 1), 50);
    return { ProvisionedConcurrencyConfigs: all.slice(start, start + max), NextMarker: start + max < all.length ? String(start + max) : undefined };
  }

  /** Where provisioned concurrency is stored, for the environment scheduler: qualifier → requested environments. */
  provisionedConfigs(fnArn: string): Array<{ qualifier: string; requested: number }> {
    const m = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)$/.exec(fnArn);
    if (!m) return [];
    const ctx = { accountId: m[2]!, region: m[1]! };
    return this.settings.list<ProvisionedRow>(ctx, "provisioned", `${m[3]}:`).map(({ key, doc }) => ({ qualifier: key.slice(m[3]!.length + 1), requested: doc.requested }));
  }

  /** Provisioned concurrency applies to a published version or an alias, never $LATEST. */
  private provisionedTarget(ctx: RequestContext, fn: string, qualifier: string): { name: string; q: string } {
    const ref = parseFunctionName(ctx, fn, qualifier);
    if (!ref.qualifier || ref.qualifier === "$LATEST") throw new ServiceError("InvalidParameterValueException", "Provisioned Concurrency Configs cannot be applied to unpublished function versions.", 400);
    const { name } = this.resolve(ctx, fn, qualifier);
    return { name, q: ref.qualifier };
  }

  // ---- recursion --------------------------------------------------------------------------------

  GetFunctionRecursionConfig(ctx: RequestContext, input: L.GetFunctionRecursionConfigInput): L.GetFunctionRecursionConfigOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    return { RecursiveLoop: this.settings.get<string>(ctx, "recursion", name) ?? "Terminate" };
  }

  PutFunctionRecursionConfig(ctx: RequestContext, input: L.PutFunctionRecursionConfigInput): L.PutFunctionRecursionConfigOutput {
    if (!RECURSIVE_LOOP.includes(input.RecursiveLoop)) throw new ServiceError("ValidationException", constraintMessage([`Value '${input.RecursiveLoop}' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [${RECURSIVE_LOOP.join(", ")}]`]), 400);
    const { name } = this.resolve(ctx, input.FunctionName);
    this.settings.put(ctx, "recursion", name, input.RecursiveLoop);
    return { RecursiveLoop: input.RecursiveLoop };
  }

  // ---- runtime management ---------------------------------------------------------------------------

  GetRuntimeManagementConfig(ctx: RequestContext, input: L.GetRuntimeManagementConfigInput): L.GetRuntimeManagementConfigOutput {
    const { name, q } = this.runtimeTarget(ctx, input.FunctionName, input.Qualifier);
    const c = this.settings.get<{ UpdateRuntimeOn: string; RuntimeVersionArn?: string }>(ctx, "runtime-mgmt", `${name}:${q}`);
    // The runtime version ARN is reported only in Manual mode (API reference, GetRuntimeManagementConfig).
    return { UpdateRuntimeOn: c?.UpdateRuntimeOn ?? "Auto", RuntimeVersionArn: c?.UpdateRuntimeOn === "Manual" ? c.RuntimeVersionArn : undefined, FunctionArn: functionArn(ctx, name, q === "$LATEST" ? undefined : q) };
  }

  PutRuntimeManagementConfig(ctx: RequestContext, input: L.PutRuntimeManagementConfigInput): L.PutRuntimeManagementConfigOutput {
    if (!UPDATE_RUNTIME_ON.includes(input.UpdateRuntimeOn)) throw new ServiceError("ValidationException", constraintMessage([`Value '${input.UpdateRuntimeOn}' at 'updateRuntimeOn' failed to satisfy constraint: Member must satisfy enum value set: [${UPDATE_RUNTIME_ON.join(", ")}]`]), 400);
    const { name, q } = this.runtimeTarget(ctx, input.FunctionName, input.Qualifier);
    if ((input.UpdateRuntimeOn === "Manual") !== !!input.RuntimeVersionArn) {
      throw new ServiceError("InvalidParameterValueException", input.RuntimeVersionArn ? "RuntimeVersionArn can be specified only when UpdateRuntimeOn is Manual." : "RuntimeVersionArn must be specified when UpdateRuntimeOn is Manual.", 400);
    }
    if (input.RuntimeVersionArn && !/^arn:(aws[a-zA-Z-]*):lambda:[a-z0-9-]+::runtime:[0-9a-f]{64}$/.test(input.RuntimeVersionArn)) throw new ServiceError("InvalidParameterValueException", `Invalid RuntimeVersionArn: ${input.RuntimeVersionArn}`, 400);
    this.settings.put(ctx, "runtime-mgmt", `${name}:${q}`, { UpdateRuntimeOn: input.UpdateRuntimeOn, RuntimeVersionArn: input.RuntimeVersionArn });
    return { UpdateRuntimeOn: input.UpdateRuntimeOn, RuntimeVersionArn: input.RuntimeVersionArn, FunctionArn: functionArn(ctx, name, q === "$LATEST" ? undefined : q) };
  }

  private runtimeTarget(ctx: RequestContext, fn: string, qualifier?: string): { name: string; q: string } {
    const { name } = this.resolve(ctx, fn, qualifier);
    return { name, q: parseFunctionName(ctx, fn, qualifier).qualifier ?? "$LATEST" };
  }

  // ---- code signing configurations ----------------------------------------------------------------

  CreateCodeSigningConfig(ctx: RequestContext, input: L.CreateCodeSigningConfigInput): L.CreateCodeSigningConfigOutput {
    checkCodeSigning(input.AllowedPublishers, input.CodeSigningPolicies);
    const id = `csc-${this.env.ids.hex(9).slice(0, 17)}`;
    const config: CodeSigningConfig = {
      CodeSigningConfigId: id,
      CodeSigningConfigArn: `arn:aws:lambda:${ctx.region}:${ctx.accountId}:code-signing-config:${id}`,
      Description: input.Description ?? "",
      AllowedPublishers: { SigningProfileVersionArns: input.AllowedPublishers.SigningProfileVersionArns },
      CodeSigningPolicies: { UntrustedArtifactOnDeployment: input.CodeSigningPolicies?.UntrustedArtifactOnDeployment ?? "Warn" },
      LastModified: new Date(ctx.clock.now()).toISOString(),
    };
    this.settings.put(ctx, "csc", id, config);
    return { CodeSigningConfig: config };
  }

  GetCodeSigningConfig(ctx: RequestContext, input: L.GetCodeSigningConfigInput): L.GetCodeSigningConfigOutput {
    return { CodeSigningConfig: this.codeSigningConfig(ctx, input.CodeSigningConfigArn) };
  }

  UpdateCodeSigningConfig(ctx: RequestContext, input: L.UpdateCodeSigningConfigInput): L.UpdateCodeSigningConfigOutput {
    const c = this.codeSigningConfig(ctx, input.CodeSigningConfigArn);
    checkCodeSigning(input.AllowedPublishers, input.CodeSigningPolicies);
    const next: CodeSigningConfig = {
      ...c,
      Description: input.Description ?? c.Description,
      AllowedPublishers: input.AllowedPublishers ?? c.AllowedPublishers,
      CodeSigningPolicies: input.CodeSigningPolicies?.UntrustedArtifactOnDeployment ? { UntrustedArtifactOnDeployment: input.CodeSigningPolicies.UntrustedArtifactOnDeployment } : c.CodeSigningPolicies,
      LastModified: new Date(ctx.clock.now()).toISOString(),
    };
    this.settings.put(ctx, "csc", c.CodeSigningConfigId, next);
    return { CodeSigningConfig: next };
  }

  DeleteCodeSigningConfig(ctx: RequestContext, input: L.DeleteCodeSigningConfigInput): Record<string, never> {
    const c = this.codeSigningConfig(ctx, input.CodeSigningConfigArn);
    if (this.functionsUsing(ctx, c.CodeSigningConfigArn).length) throw new ServiceError("ResourceConflictException", `The code signing configuration ${c.CodeSigningConfigArn} is used by one or more functions. Remove it from them before deleting it.`, 409);
    this.settings.delete(ctx, "csc", c.CodeSigningConfigId);
    return {};
  }

  ListCodeSigningConfigs(ctx: RequestContext, input: L.ListCodeSigningConfigsInput): L.ListCodeSigningConfigsOutput {
    const all = this.settings.list<CodeSigningConfig>(ctx, "csc", "").map((r) => r.doc);
    const start = input.Marker ? Number(input.Marker) || 0 : 0;
    const max = Math.min(Math.max(input.MaxItems ?? 50, 1), 10000);
    return { CodeSigningConfigs: all.slice(start, start + max), NextMarker: start + max < all.length ? String(start + max) : undefined };
  }

  ListFunctionsByCodeSigningConfig(ctx: RequestContext, input: L.ListFunctionsByCodeSigningConfigInput): L.ListFunctionsByCodeSigningConfigOutput {
    const c = this.codeSigningConfig(ctx, input.CodeSigningConfigArn);
    return { FunctionArns: this.functionsUsing(ctx, c.CodeSigningConfigArn).map((n) => functionArn(ctx, n)) };
  }

  PutFunctionCodeSigningConfig(ctx: RequestContext, input: L.PutFunctionCodeSigningConfigInput): L.PutFunctionCodeSigningConfigOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    const c = this.codeSigningConfig(ctx, input.CodeSigningConfigArn);
    this.settings.put(ctx, "fn-csc", name, c.CodeSigningConfigArn);
    return { CodeSigningConfigArn: c.CodeSigningConfigArn, FunctionName: name };
  }

  GetFunctionCodeSigningConfig(ctx: RequestContext, input: L.GetFunctionCodeSigningConfigInput): L.GetFunctionCodeSigningConfigOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    return { CodeSigningConfigArn: this.settings.get<string>(ctx, "fn-csc", name) ?? "", FunctionName: name };
  }

  DeleteFunctionCodeSigningConfig(ctx: RequestContext, input: L.DeleteFunctionCodeSigningConfigInput): Record<string, never> {
    const { name } = this.resolve(ctx, input.FunctionName);
    this.settings.delete(ctx, "fn-csc", name);
    return {};
  }

  /**
   * Refuses a code deployment the function's code signing configuration forbids: no code is signed on Skyport,
   * so "Enforce" refuses every deployment, as AWS refuses unsigned code. `cscArn` is CreateFunction's.
   */
  protected checkSignedCode(ctx: RequestContext, name: string, cscArn?: string): void {
    const arn = cscArn ?? this.settings.get<string>(ctx, "fn-csc", name);
    if (!arn) return;
    const c = this.codeSigningConfig(ctx, arn);
    if (c.CodeSigningPolicies.UntrustedArtifactOnDeployment === "Enforce") {
      throw new ServiceError("CodeVerificationFailedException", "The code signature failed one or more of the validation checks for signature mismatch or expiry, and the code signing policy is set to ENFORCE. Lambda blocks the deployment.", 400);
    }
  }

  private codeSigningConfig(ctx: RequestContext, arn: string): CodeSigningConfig {
    const m = CSC_ARN.exec(arn);
    if (!m) throw new ServiceError("ValidationException", constraintMessage([`Value '${arn}' at 'codeSigningConfigArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:code-signing-config:csc-[a-z0-9]{17}`]), 400);
    const c = m[2] === ctx.region && m[3] === ctx.accountId ? this.settings.get<CodeSigningConfig>(ctx, "csc", m[4]!) : undefined;
    if (!c) throw cscNotFound(arn);
    return c;
  }

  private functionsUsing(ctx: RequestContext, arn: string): string[] {
    return this.settings.list<string>(ctx, "fn-csc", "").filter((r) => r.doc === arn).map((r) => r.key);
  }

  // ---- layer version permissions -------------------------------------------------------------------

  AddLayerVersionPermission(ctx: RequestContext, input: L.AddLayerVersionPermissionInput): L.AddLayerVersionPermissionOutput {
    const layer = this.layers.get(ctx, input.LayerName, input.VersionNumber);
    if (input.Action !== "lambda:GetLayerVersion") throw new ServiceError("ValidationException", constraintMessage([`Value '${input.Action}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion`]), 400);
    if (!/^(\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)$/.test(input.Principal)) throw new ServiceError("ValidationException", constraintMessage([`Value '${input.Principal}' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root`]), 400);
    const key = `${input.LayerName}:${input.VersionNumber}`;
    const policy = this.settings.get<LayerPolicy>(ctx, "layer-policy", key) ?? { Version: "2012-10-17", Id: "default", Statement: [], revision: "" };
    if (input.RevisionId && input.RevisionId !== policy.revision) throw new ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetLayerVersionPolicy API to retrieve the latest Revision Id", 412);
    if (policy.Statement.some((s) => s.Sid === input.StatementId)) throw new ServiceError("ResourceConflictException", `The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`, 409);
    const statement: Record<string, unknown> = {
      Sid: input.StatementId,
      Effect: "Allow",
      Principal: input.Principal === "*" ? "*" : { AWS: /^\d{12}$/.test(input.Principal) ? `arn:aws:iam::${input.Principal}:root` : input.Principal },
      Action: input.Action,
      Resource: layer.LayerVersionArn,
    };
    if (input.OrganizationId) statement.Condition = { StringEquals: { "aws:PrincipalOrgID": input.OrganizationId } };
    policy.Statement.push(statement);
    policy.revision = this.env.ids.uuid();
    this.settings.put(ctx, "layer-policy", key, policy);
    return { Statement: JSON.stringify(statement), RevisionId: policy.revision };
  }

  GetLayerVersionPolicy(ctx: RequestContext, input: L.GetLayerVersionPolicyInput): L.GetLayerVersionPolicyOutput {
    this.layers.get(ctx, input.LayerName, input.VersionNumber);
    const policy = this.settings.get<LayerPolicy>(ctx, "layer-policy", `${input.LayerName}:${input.VersionNumber}`);
    if (!policy?.Statement.length) throw new ServiceError("ResourceNotFoundException", "No policy is associated with the given resource.", 404);
    const { revision, ...doc } = policy;
    return { Policy: JSON.stringify(doc), RevisionId: revision };
  }

  RemoveLayerVersionPermission(ctx: RequestContext, input: L.RemoveLayerVersionPermissionInput): Record<string, never> {
    this.layers.get(ctx, input.LayerName, input.VersionNumber);
    const key = `${input.LayerName}:${input.VersionNumber}`;
    const policy = this.settings.get<LayerPolicy>(ctx, "layer-policy", key);
    if (!policy?.Statement.some((s) => s.Sid === input.StatementId)) throw new ServiceError("ResourceNotFoundException", `Statement ${input.StatementId} is not found in resource policy.`, 404);
    if (input.RevisionId && input.RevisionId !== policy.revision) throw new ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetLayerVersionPolicy API to retrieve the latest Revision Id", 412);
    policy.Statement = policy.Statement.filter((s) => s.Sid !== input.StatementId);
    policy.revision = this.env.ids.uuid();
    this.settings.put(ctx, "layer-policy", key, policy);
    return {};
  }

  override DeleteLayerVersion(ctx: RequestContext, input: L.DeleteLayerVersionInput): Record<string, never> {
    super.DeleteLayerVersion(ctx, input);
    this.settings.delete(ctx, "layer-policy", `${input.LayerName}:${input.VersionNumber}`);
    return {};
  }

  /** What goes with a deleted function. */
  protected forgetFunctionSettings(ctx: RequestContext, name: string): void {
    for (const kind of ["provisioned", "runtime-mgmt"]) for (const { key } of this.settings.list(ctx, kind, `${name}:`)) this.settings.delete(ctx, kind, key);
    this.settings.delete(ctx, "recursion", name);
    this.settings.delete(ctx, "fn-csc", name);
  }
}

function provisionedOut(ctx: { accountId: string; region: string }, name: string, q: string, row: ProvisionedRow) {
  return { FunctionArn: functionArn(ctx, name, q), RequestedProvisionedConcurrentExecutions: row.requested, AvailableProvisionedConcurrentExecutions: row.requested, AllocatedProvisionedConcurrentExecutions: row.requested, Status: "READY", LastModified: row.lastModified };
}

function checkCodeSigning(publishers?: { SigningProfileVersionArns: string[] }, policies?: { UntrustedArtifactOnDeployment?: string }): void {
  const n = publishers?.SigningProfileVersionArns.length;
  const violations: string[] = [];
  if (n !== undefined && (n < 1 || n > 20)) violations.push(`Value '[${publishers!.SigningProfileVersionArns.join(", ")}]' at 'allowedPublishers.signingProfileVersionArns' failed to satisfy constraint: Member must have length ${n < 1 ? "greater than or equal to 1" : "less than or equal to 20"}`);
  const p = policies?.UntrustedArtifactOnDeployment;
  if (p !== undefined && !SIGNING_POLICY.includes(p)) violations.push(`Value '${p}' at 'codeSigningPolicies.untrustedArtifactOnDeployment' failed to satisfy constraint: Member must satisfy enum value set: [${SIGNING_POLICY.join(", ")}]`);
  if (violations.length) throw new ServiceError("ValidationException", constraintMessage(violations), 400);
}
