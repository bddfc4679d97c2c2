/**
 * Lambda's configuration operations beyond the function itself — versions and aliases (weighted routing),
 * reserved concurrency and account settings, tags and resource-based permissions, layers, asynchronous
 * invocation settings (retries, destinations), function URL configurations — and the resolution of
 * function references (name, ARN, qualifier, alias) every operation shares. LambdaProvider extends this.
 */
import type * as L from "../../aws/api/lambda.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Limits } from "./constants.js";
import { EventInvokeConfigs } from "./event-invoke-config.js";
import { CodeUrlSigner } from "./code-url.js";
import { zipFromS3 } from "./code.js";
import { Layers } from "./layers.js";
import { FunctionUrls } from "./urls.js";
import { functionArn, notFound, parseFunctionName, versionConfig } from "./functions.js";
import { checkRouting, routeAlias } from "./aliases.js";
import { checkSettled } from "./states.js";
import { LambdaStore, type AliasRow, type FunctionRow } from "./store.js";

export abstract class LambdaSettingsOps {
  readonly store: LambdaStore;
  readonly layers: Layers;
  readonly invokeConfigs: EventInvokeConfigs;
  readonly urls: FunctionUrls;
  /** Presigned, expiring code download URLs. */
  protected readonly codeUrls = new CodeUrlSigner();
  /** Where function and layer code is unpacked, one folder per code hash. */
  protected readonly codeRoot: string;

  constructor(protected readonly env: ServiceEnv) {
    this.store = new LambdaStore(env.store);
    this.codeRoot = join(env.config.dataDir, "lambda", "code");
    mkdirSync(this.codeRoot, { recursive: true });
    this.layers = new Layers(env.store, env.store.blobs, this.codeRoot);
    this.invokeConfigs = new EventInvokeConfigs(env.store);
    this.urls = new FunctionUrls(env.store, env.ids);
  }

  // ---- function URLs ----------------------------------------------------------------------------------

  CreateFunctionUrlConfig(ctx: RequestContext, input: L.CreateFunctionUrlConfigInput): L.CreateFunctionUrlConfigOutput {
    const { name } = this.resolve(ctx, input.FunctionName, input.Qualifier);
    const port = new URL(this.env.services.localEndpoint).port || "80";
    return this.urls.create(ctx, name, functionArn(ctx, name, input.Qualifier), input, port);
  }

  GetFunctionUrlConfig(ctx: RequestContext, input: L.GetFunctionUrlConfigInput): L.GetFunctionUrlConfigOutput {
    return this.url(ctx, input.FunctionName, input.Qualifier).config as L.GetFunctionUrlConfigOutput;
  }

  UpdateFunctionUrlConfig(ctx: RequestContext, input: L.UpdateFunctionUrlConfigInput): L.UpdateFunctionUrlConfigOutput {
    return this.urls.update(this.url(ctx, input.FunctionName, input.Qualifier), input, ctx.clock.now()) as L.UpdateFunctionUrlConfigOutput;
  }

  DeleteFunctionUrlConfig(ctx: RequestContext, input: L.DeleteFunctionUrlConfigInput): Record<string, never> {
    this.urls.delete(this.url(ctx, input.FunctionName, input.Qualifier));
    return {};
  }

  ListFunctionUrlConfigs(ctx: RequestContext, input: L.ListFunctionUrlConfigsInput): L.ListFunctionUrlConfigsOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    return { FunctionUrlConfigs: this.urls.list(ctx, name).map((u) => u.config as L.ListFunctionUrlConfigsOutput["FunctionUrlConfigs"][number]) };
  }

  protected url(ctx: RequestContext, fn: string, qualifier?: string) {
    const { name } = this.resolve(ctx, fn, qualifier);
    const row = this.urls.find(ctx, name, qualifier ?? "");
    if (!row) throw new ServiceError("ResourceNotFoundException", "The resource you requested does not exist.", 404);
    return row;
  }


  // ---- asynchronous invocation settings (retries, destinations) ----------------------------------------

  PutFunctionEventInvokeConfig(ctx: RequestContext, input: L.PutFunctionEventInvokeConfigInput): L.PutFunctionEventInvokeConfigOutput {
    checkSomeSetting(input);
    const { name, q } = this.invokeConfigTarget(ctx, input.FunctionName, input.Qualifier, "write");
    const config = { LastModified: new Date(ctx.clock.now()), FunctionArn: functionArn(ctx, name, q), MaximumRetryAttempts: input.MaximumRetryAttempts, MaximumEventAgeInSeconds: input.MaximumEventAgeInSeconds, DestinationConfig: input.DestinationConfig ?? { OnSuccess: {}, OnFailure: {} } };
    return this.invokeConfigs.put(ctx.accountId, ctx.region, name, q, config);
  }

  /**
   * The function and qualifier (version, alias or $LATEST; from Qualifier or the ARN) an invoke config belongs to.
   * A missing function or qualifier is worded as Lambda words it for writes and for reads.
   */
  private invokeConfigTarget(ctx: RequestContext, fn: string, qualifier: string | undefined, use: "write" | "read"): { name: string; q: string } {
    const ref = parseFunctionName(ctx, fn, qualifier);
    const q = ref.qualifier ?? "$LATEST";
    try {
      this.resolve(ctx, fn, qualifier);
    } catch (e) {
      if (!(e instanceof ServiceError && e.code === "ResourceNotFoundException")) throw e;
      throw new ServiceError("ResourceNotFoundException", use === "write" ? "The function doesn't exist." : `The function ${functionArn(ctx, ref.name, q)} doesn't have an EventInvokeConfig`, 404);
    }
    return { name: ref.name, q };
  }

  UpdateFunctionEventInvokeConfig(ctx: RequestContext, input: L.UpdateFunctionEventInvokeConfigInput): L.UpdateFunctionEventInvokeConfigOutput {
    checkSomeSetting(input);
    const { name, q } = this.invokeConfigTarget(ctx, input.FunctionName, input.Qualifier, "write");
    const current = this.invokeConfigs.get(ctx.accountId, ctx.region, name, q);
    if (!current) throw new ServiceError("ResourceNotFoundException", `The function ${functionArn(ctx, name, q)} doesn't have an EventInvokeConfig`, 404);
    const next = { ...current, LastModified: new Date(ctx.clock.now()), MaximumRetryAttempts: input.MaximumRetryAttempts ?? current.MaximumRetryAttempts, MaximumEventAgeInSeconds: input.MaximumEventAgeInSeconds ?? current.MaximumEventAgeInSeconds, DestinationConfig: input.DestinationConfig ?? current.DestinationConfig };
    return this.invokeConfigs.put(ctx.accountId, ctx.region, name, q, next);
  }

  GetFunctionEventInvokeConfig(ctx: RequestContext, input: L.GetFunctionEventInvokeConfigInput): L.GetFunctionEventInvokeConfigOutput {
    const { name, q } = this.invokeConfigTarget(ctx, input.FunctionName, input.Qualifier, "read");
    const c = this.invokeConfigs.get(ctx.accountId, ctx.region, name, q);
    if (!c) throw new ServiceError("ResourceNotFoundException", `The function ${functionArn(ctx, name, q)} doesn't have an EventInvokeConfig`, 404);
    return c;
  }

  DeleteFunctionEventInvokeConfig(ctx: RequestContext, input: L.DeleteFunctionEventInvokeConfigInput): Record<string, never> {
    const { name, q } = this.invokeConfigTarget(ctx, input.FunctionName, input.Qualifier, "read");
    if (!this.invokeConfigs.delete(ctx.accountId, ctx.region, name, q)) throw new ServiceError("ResourceNotFoundException", `The function ${functionArn(ctx, name, q)} doesn't have an EventInvokeConfig`, 404);
    return {};
  }

  ListFunctionEventInvokeConfigs(ctx: RequestContext, input: L.ListFunctionEventInvokeConfigsInput): L.ListFunctionEventInvokeConfigsOutput {
    const { name } = this.invokeConfigTarget(ctx, input.FunctionName, undefined, "write");
    return { FunctionEventInvokeConfigs: this.invokeConfigs.list(ctx.accountId, ctx.region, name) };
  }

  // ---- layers --------------------------------------------------------------------------------------

  async PublishLayerVersion(ctx: RequestContext, input: L.PublishLayerVersionInput): Promise<L.PublishLayerVersionOutput> {
    // A layer archive in S3 is read in process, as function code is (the bucket in the caller's account and region).
    const c = input.Content;
    if (c?.S3Bucket && !c.ZipFile) input = { ...input, Content: { ZipFile: await zipFromS3(this.env.services, ctx, c.S3Bucket, c.S3Key, c.S3ObjectVersion) } };
    return this.withCodeUrl(ctx, this.layers.publish(ctx, input, ctx.endpoint));
  }

  /** Layer documents carry a fresh presigned Content.Location. */
  private withCodeUrl<T extends { Content?: L.Content }>(ctx: RequestContext, doc: T): T {
    const blob = /\/_aws\/lambda\/code\/([0-9a-f]{64})\.zip/.exec(doc.Content?.Location ?? "")?.[1];
    if (!blob || !doc.Content) return doc;
    return { ...doc, Content: { ...doc.Content, Location: this.codeUrls.sign(ctx.endpoint, blob, ctx.clock.now()) } };
  }

  GetLayerVersion(ctx: RequestContext, input: L.GetLayerVersionInput): L.GetLayerVersionOutput {
    const { codeHex: _hex, ...doc } = this.layers.get(ctx, input.LayerName, input.VersionNumber);
    return this.withCodeUrl(ctx, doc);
  }

  GetLayerVersionByArn(ctx: RequestContext, input: L.GetLayerVersionByArnInput): L.GetLayerVersionByArnOutput {
    const { codeHex: _hex, ...doc } = this.layers.byArn(ctx, input.Arn);
    return this.withCodeUrl(ctx, doc);
  }

  ListLayerVersions(ctx: RequestContext, input: L.ListLayerVersionsInput): L.ListLayerVersionsOutput {
    const all = this.layers.versions(ctx, input.LayerName).filter((v) => !input.CompatibleRuntime || !v.CompatibleRuntimes || v.CompatibleRuntimes.includes(input.CompatibleRuntime));
    return { LayerVersions: all.map(({ Content: _c, LayerArn: _a, ...v }) => v) };
  }

  ListLayers(ctx: RequestContext, input: L.ListLayersInput): L.ListLayersOutput {
    const all = this.layers.latest(ctx).filter((l) => !input.CompatibleRuntime || !l.doc.CompatibleRuntimes || l.doc.CompatibleRuntimes.includes(input.CompatibleRuntime));
    return { Layers: all.map((l) => ({ LayerName: l.name, LayerArn: l.doc.LayerArn, LatestMatchingVersion: (({ Content: _c, LayerArn: _a, ...v }) => v)(l.doc) })) };
  }

  DeleteLayerVersion(ctx: RequestContext, input: L.DeleteLayerVersionInput): Record<string, never> {
    this.layers.delete(ctx, input.LayerName, input.VersionNumber);
    return {};
  }


  // ---- versions and aliases -------------------------------------------------------------------------

  PublishVersion(ctx: RequestContext, input: L.PublishVersionInput): L.PublishVersionOutput {
    const { name, row } = this.resolve(ctx, input.FunctionName);
    checkSettled(row.config, ctx);
    return this.publish(ctx, name, input.Description, input.CodeSha256, input.RevisionId);
  }

  protected publish(ctx: RequestContext, name: string, description?: string, codeSha?: string, revisionId?: string): L.FunctionConfiguration {
    const latest = this.store.getFunction(ctx.accountId, ctx.region, name, "$LATEST")!;
    if (codeSha && codeSha !== latest.config.CodeSha256) throw new ServiceError("InvalidParameterValueException", `CodeSHA256 (${codeSha}) is different from current CodeSHA256 in $LATEST (${latest.config.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`, 400);
    if (revisionId && revisionId !== latest.config.RevisionId) throw new ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", 412);
    const meta = this.store.getMeta(ctx.accountId, ctx.region, name);
    // AWS publishes nothing new when $LATEST has not changed since the last version.
    const versions = this.store.listVersions(ctx.accountId, ctx.region, name).filter((v) => v.Version !== "$LATEST");
    const last = versions[versions.length - 1];
    if (last && last.CodeSha256 === latest.config.CodeSha256 && last.LastModified === latest.config.LastModified) return last;
    const version = String(meta.nextVersion);
    const config = { ...versionConfig(latest.config, version, ctx), Description: description ?? latest.config.Description, RevisionId: this.env.ids.uuid() };
    this.store.putFunction(ctx.accountId, ctx.region, name, version, { ...latest, config });
    this.store.putMeta(ctx.accountId, ctx.region, name, { ...meta, nextVersion: meta.nextVersion + 1 });
    return config;
  }

  ListVersionsByFunction(ctx: RequestContext, input: L.ListVersionsByFunctionInput): L.ListVersionsByFunctionOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    const all = this.store.listVersions(ctx.accountId, ctx.region, name).map((c) => versionConfig(c, c.Version!, ctx));
    const start = input.Marker ? Number(Buffer.from(input.Marker, "base64").toString()) : 0;
    const max = Math.min(input.MaxItems ?? Limits.LIST_MAX_ITEMS, Limits.LIST_MAX_ITEMS);
    const page = all.slice(start, start + max);
    return { Versions: page, NextMarker: start + max < all.length ? Buffer.from(String(start + max)).toString("base64") : undefined };
  }

  CreateAlias(ctx: RequestContext, input: L.CreateAliasInput): L.CreateAliasOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    if (this.store.getAlias(ctx.accountId, ctx.region, name, input.Name)) throw new ServiceError("ResourceConflictException", `Alias already exists: ${functionArn(ctx, name, input.Name)}`, 409);
    this.checkAliasTargets(ctx, name, input.FunctionVersion, input.RoutingConfig?.AdditionalVersionWeights);
    const alias: AliasRow = { Name: input.Name, FunctionVersion: input.FunctionVersion, Description: input.Description ?? "", RoutingConfig: input.RoutingConfig, RevisionId: this.env.ids.uuid() };
    this.store.putAlias(ctx.accountId, ctx.region, name, alias);
    return this.aliasOut(ctx, name, alias);
  }

  GetAlias(ctx: RequestContext, input: L.GetAliasInput): L.GetAliasOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    return this.aliasOut(ctx, name, this.alias(ctx, name, input.Name));
  }

  ListAliases(ctx: RequestContext, input: L.ListAliasesInput): L.ListAliasesOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    const aliases = this.store.listAliases(ctx.accountId, ctx.region, name).filter((a) => !input.FunctionVersion || a.FunctionVersion === input.FunctionVersion);
    return { Aliases: aliases.map((a) => this.aliasOut(ctx, name, a)) };
  }

  UpdateAlias(ctx: RequestContext, input: L.UpdateAliasInput): L.UpdateAliasOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    const alias = this.alias(ctx, name, input.Name);
    if (input.RevisionId && input.RevisionId !== alias.RevisionId) throw new ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", 412);
    const next: AliasRow = {
      ...alias,
      FunctionVersion: input.FunctionVersion ?? alias.FunctionVersion,
      Description: input.Description ?? alias.Description,
      RoutingConfig: input.RoutingConfig ?? alias.RoutingConfig,
      RevisionId: this.env.ids.uuid(),
    };
    this.checkAliasTargets(ctx, name, next.FunctionVersion, next.RoutingConfig?.AdditionalVersionWeights);
    this.store.putAlias(ctx.accountId, ctx.region, name, next);
    return this.aliasOut(ctx, name, next);
  }

  DeleteAlias(ctx: RequestContext, input: L.DeleteAliasInput): Record<string, never> {
    const { name } = this.resolve(ctx, input.FunctionName);
    this.store.deleteAlias(ctx.accountId, ctx.region, name, input.Name);
    return {};
  }

  private alias(ctx: RequestContext, name: string, aliasName: string): AliasRow {
    const a = this.store.getAlias(ctx.accountId, ctx.region, name, aliasName);
    if (!a) throw new ServiceError("ResourceNotFoundException", `Cannot find alias arn: ${functionArn(ctx, name, aliasName)}`, 404);
    return a;
  }

  private checkAliasTargets(ctx: RequestContext, name: string, version: string, weights?: Record<string, number>): void {
    for (const v of [version, ...Object.keys(weights ?? {})]) {
      if (v !== "$LATEST" && !this.store.getFunction(ctx.accountId, ctx.region, name, v)) throw new ServiceError("ResourceNotFoundException", `Function not found: ${functionArn(ctx, name, v)}`, 404);
    }
    checkRouting(version, weights);
  }

  private aliasOut(ctx: RequestContext, name: string, a: AliasRow): L.AliasConfiguration {
    return { AliasArn: functionArn(ctx, name, a.Name), Name: a.Name, FunctionVersion: a.FunctionVersion, Description: a.Description, RoutingConfig: a.RoutingConfig, RevisionId: a.RevisionId };
  }

  // ---- concurrency, account, tags, permissions ------------------------------------------------------

  PutFunctionConcurrency(ctx: RequestContext, input: L.PutFunctionConcurrencyInput): L.PutFunctionConcurrencyOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    const limit = this.env.config.lambdaAccountConcurrency;
    if (input.ReservedConcurrentExecutions < 0) throw new ServiceError("ValidationException", `1 validation error detected: Value '${input.ReservedConcurrentExecutions}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0`, 400);
    if (limit - this.store.reservedElsewhere(ctx.accountId, ctx.region, name) - input.ReservedConcurrentExecutions < Math.min(Limits.MIN_UNRESERVED_CONCURRENCY, limit)) {
      throw new ServiceError("InvalidParameterValueException", `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${Math.min(Limits.MIN_UNRESERVED_CONCURRENCY, limit)}].`, 400);
    }
    this.store.putMeta(ctx.accountId, ctx.region, name, { ...this.store.getMeta(ctx.accountId, ctx.region, name), reserved: input.ReservedConcurrentExecutions });
    return { ReservedConcurrentExecutions: input.ReservedConcurrentExecutions };
  }

  GetFunctionConcurrency(ctx: RequestContext, input: L.GetFunctionConcurrencyInput): L.GetFunctionConcurrencyOutput {
    const { name } = this.resolve(ctx, input.FunctionName);
    const r = this.store.getMeta(ctx.accountId, ctx.region, name).reserved;
    return r === null ? {} : { ReservedConcurrentExecutions: r };
  }

  DeleteFunctionConcurrency(ctx: RequestContext, input: L.DeleteFunctionConcurrencyInput): Record<string, never> {
    const { name } = this.resolve(ctx, input.FunctionName);
    this.store.putMeta(ctx.accountId, ctx.region, name, { ...this.store.getMeta(ctx.accountId, ctx.region, name), reserved: null });
    return {};
  }

  GetAccountSettings(ctx: RequestContext): L.GetAccountSettingsOutput {
    const limit = this.env.config.lambdaAccountConcurrency;
    const fns = this.store.listLatest(ctx.accountId, ctx.region, "", 1_000_000);
    return {
      AccountLimit: { TotalCodeSize: 80530636800, CodeSizeUnzipped: Limits.MAX_UNZIPPED_BYTES, CodeSizeZipped: Limits.MAX_ZIP_BYTES, ConcurrentExecutions: limit, UnreservedConcurrentExecutions: limit - this.store.reservedElsewhere(ctx.accountId, ctx.region, "") },
      AccountUsage: { TotalCodeSize: fns.reduce((a, f) => a + (f.CodeSize ?? 0), 0), FunctionCount: fns.length },
    };
  }

  TagResource(ctx: RequestContext, input: L.TagResourceInput): Record<string, never> {
    const { name } = this.resolve(ctx, input.Resource);
    const meta = this.store.getMeta(ctx.accountId, ctx.region, name);
    this.store.putMeta(ctx.accountId, ctx.region, name, { ...meta, tags: { ...meta.tags, ...input.Tags } });
    return {};
  }

  UntagResource(ctx: RequestContext, input: L.UntagResourceInput): Record<string, never> {
    const { name } = this.resolve(ctx, input.Resource);
    const meta = this.store.getMeta(ctx.accountId, ctx.region, name);
    for (const k of input.TagKeys) delete meta.tags[k];
    this.store.putMeta(ctx.accountId, ctx.region, name, meta);
    return {};
  }

  ListTags(ctx: RequestContext, input: L.ListTagsInput): L.ListTagsOutput {
    const { name } = this.resolve(ctx, input.Resource);
    return { Tags: this.store.getMeta(ctx.accountId, ctx.region, name).tags };
  }

  AddPermission(ctx: RequestContext, input: L.AddPermissionInput): L.AddPermissionOutput {
    const { name } = this.resolve(ctx, input.FunctionName, input.Qualifier);
    const meta = this.store.getMeta(ctx.accountId, ctx.region, name);
    const policy = meta.policy ?? { Version: "2012-10-17", Id: "default", Statement: [] };
    if (policy.Statement.some((s) => s.Sid === input.StatementId)) throw new ServiceError("ResourceConflictException", `The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`, 409);
    const condition: Record<string, Record<string, string>> = {};
    if (input.SourceArn) condition.ArnLike = { "AWS:SourceArn": input.SourceArn };
    const equals: Record<string, string> = {};
    if (input.SourceAccount) equals["AWS:SourceAccount"] = input.SourceAccount;
    if (input.PrincipalOrgID) equals["aws:PrincipalOrgID"] = input.PrincipalOrgID;
    if (input.FunctionUrlAuthType) equals["lambda:FunctionUrlAuthType"] = input.FunctionUrlAuthType;
    if (Object.keys(equals).length) condition.StringEquals = equals;
    const statement: Record<string, unknown> = {
      Sid: input.StatementId,
      Effect: "Allow",
      // As AWS writes them: "*" stays "*", an account id becomes its root ARN.
      Principal: input.Principal === "*" ? "*" : input.Principal.includes(".amazonaws.com") ? { Service: input.Principal } : { AWS: /^\d{12}$/.test(input.Principal) ? `arn:aws:iam::${input.Principal}:root` : input.Principal },
      Action: input.Action,
      Resource: functionArn(ctx, name, input.Qualifier),
    };
    if (Object.keys(condition).length) statement.Condition = condition;
    policy.Statement.push(statement);
    this.store.putMeta(ctx.accountId, ctx.region, name, { ...meta, policy });
    return { Statement: JSON.stringify(statement) };
  }

  RemovePermission(ctx: RequestContext, input: L.RemovePermissionInput): Record<string, never> {
    const { name } = this.resolve(ctx, input.FunctionName, input.Qualifier);
    const meta = this.store.getMeta(ctx.accountId, ctx.region, name);
    const before = meta.policy?.Statement.length ?? 0;
    const statements = (meta.policy?.Statement ?? []).filter((s) => s.Sid !== input.StatementId);
    if (statements.length === before) throw new ServiceError("ResourceNotFoundException", "Statement not found", 404);
    this.store.putMeta(ctx.accountId, ctx.region, name, { ...meta, policy: statements.length ? { ...meta.policy!, Statement: statements } : null });
    return {};
  }

  /**
   * API Gateway asks for the policy on every request to a Lambda integration (method-access.ts): the answer is kept
   * until the next write to the store (LambdaStore.remember), a row and a meta read and parse less.
   */
  GetPolicy(ctx: RequestContext, input: L.GetPolicyInput): L.GetPolicyOutput {
    // A function without a policy is remembered too (null): API Gateway asks on every request to a Lambda integration.
    const out = this.store.remember(`policy\0${ctx.accountId}\0${ctx.region}\0${input.FunctionName}\0${input.Qualifier ?? ""}`, () => {
      const { name, row } = this.resolve(ctx, input.FunctionName, input.Qualifier);
      const policy = this.store.getMeta(ctx.accountId, ctx.region, name).policy;
      return policy ? { Policy: JSON.stringify(policy), RevisionId: row.config.RevisionId } : null;
    });
    if (!out) throw new ServiceError("ResourceNotFoundException", "The resource you requested does not exist.", 404);
    return { ...out };
  }

  /** A uniform draw in [0, 1) from the injected id generator (tests can make routing deterministic). */
  private draw(): number {
    return parseInt(this.env.ids.hex(4), 16) / 0x1_0000_0000;
  }

  /** Resolves a function reference to a stored version (aliases followed, weighted routing applied). */
  protected resolve(ctx: RequestContext, fn: string, qualifier?: string, route = false): { name: string; version: string; row: FunctionRow } {
    const ref = parseFunctionName(ctx, fn, qualifier);
    let version = ref.qualifier ?? "$LATEST";
    if (version !== "$LATEST" && !/^\d+$/.test(version)) {
      const alias = this.store.getAlias(ctx.accountId, ctx.region, ref.name, version);
      if (!alias) throw notFound(ctx, ref.name, version);
      version = alias.FunctionVersion;
      if (route) version = routeAlias(alias, this.draw());
    }
    const row = this.store.getFunction(ctx.accountId, ctx.region, ref.name, version);
    if (!row) throw notFound(ctx, ref.name, ref.qualifier);
    // An invocation during an update runs what was there before it (see runnable()).
    return { name: ref.name, version, row: route && version === "$LATEST" && row.config.LastUpdateStatus === "InProgress" ? this.runnable(ctx, ref.name, row) : row };
  }

  /** What an invocation of $LATEST runs while an update is in progress (function-ops.ts: the previous code and configuration). */
  protected runnable(_ctx: RequestContext, _name: string, row: FunctionRow): FunctionRow {
    return row;
  }

}

/** Put/UpdateFunctionEventInvokeConfig must set something. */
function checkSomeSetting(input: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number; DestinationConfig?: unknown }): void {
  if (input.MaximumRetryAttempts === undefined && input.MaximumEventAgeInSeconds === undefined && input.DestinationConfig === undefined) {
    throw new ServiceError("InvalidParameterValueException", "You must specify at least one of error handling or destination setting.", 400);
  }
}
