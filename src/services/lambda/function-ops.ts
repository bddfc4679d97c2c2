/**
 * The function operations: Create/Get/GetConfiguration/List/Delete/UpdateFunctionCode/UpdateFunctionConfiguration,
 * with the Pending → Active and InProgress → Successful transitions of states.ts, the local-directory (hot reload)
 * code mode, and RuntimeVersionConfig. LambdaProvider extends this; it owns the environments (`envs`).
 */
import { existsSync, statSync, watch, type FSWatcher } from "node:fs";
import { isAbsolute } from "node:path";
import type * as L from "../../aws/api/lambda.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { checkCombinedSize, checkZip, describeZip, extractCode, extractedBytes, unzippedBytes, zipFromS3 } from "./code.js";
import { Limits, Messages } from "./constants.js";
import { functionArn, lastModified, notFound, parseFunctionName, validateSettings } from "./functions.js";
import type { EnvironmentManager } from "./runtime/environments.js";
import type { FunctionRow } from "./store.js";
import { LambdaConfigOps } from "./config-ops.js";
import { checkExecutionRole } from "./role-check.js";
import { checkSettled, creatingFields, FunctionStates, runtimeVersionConfig, updatingFields } from "./states.js";

/** Code.S3Bucket naming the local-directory mode: Code.S3Key is a directory on the Skyport host, run in place. */
export const HOT_RELOAD_BUCKET = "hot-reload";

function checkHotReloadDir(key: string | undefined): string {
  if (!key || !isAbsolute(key) || !existsSync(key) || !statSync(key).isDirectory()) {
    throw new ServiceError("InvalidParameterValueException", `With Code.S3Bucket "${HOT_RELOAD_BUCKET}", Code.S3Key must be an absolute path to a directory on the Skyport host (got ${JSON.stringify(key ?? null)}).`, 400);
  }
  return key;
}

export abstract class LambdaFunctionOps extends LambdaConfigOps {
  abstract readonly envs: EnvironmentManager;
  protected readonly states: FunctionStates;
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(env: ServiceEnv) {
    super(env);
    this.states = new FunctionStates(this.store, env.store, this.codeRoot, env.config.lambdaStateMs ?? 0, (m, e) => env.log.warn(m, e), (account, region, name, row) => {
      // The update is done: environments of what came before it retire.
      this.envs.drain(`${account}:${region}:${name}`, this.envKey(row.config, row.codeHex));
      this.onFunctionSettled(account, region, name, row);
    });
    this.states.resume();
  }

  protected override runnable(ctx: RequestContext, name: string, row: FunctionRow): FunctionRow {
    return this.states.runnable(ctx.accountId, ctx.region, name) ?? row;
  }

  /** A created or updated function is ready to run (its code extracted). */
  protected onFunctionSettled(_account: string, _region: string, _name: string, _row: FunctionRow): void {}

  /** What else goes with a deleted function (event source mappings, URL configurations…). */
  protected abstract onFunctionDeleted(ctx: RequestContext, name: string): void;

  // ---- functions ------------------------------------------------------------------------------------

  async CreateFunction(ctx: RequestContext, input: L.CreateFunctionInput): Promise<L.CreateFunctionOutput> {
    parseFunctionName(ctx, input.FunctionName);
    if (input.PackageType === "Image" || input.Code.ImageUri) throw new ServiceError("InvalidParameterValueException", "Skyport runs zip-packaged functions only: container images need a Docker engine.", 400);
    validateSettings({ ...input, Runtime: input.Runtime ?? "" }, true);
    await checkExecutionRole(this.env.services, input.Role);
    // Code from S3 is read in process (the bucket in the caller's account and region).
    if (input.Code.S3Bucket && input.Code.S3Bucket !== HOT_RELOAD_BUCKET && !input.Code.ZipFile) {
      input = { ...input, Code: { ...input.Code, ZipFile: await zipFromS3(this.env.services, ctx, input.Code.S3Bucket, input.Code.S3Key, input.Code.S3ObjectVersion) } };
    }
    const hotDir = input.Code.S3Bucket === HOT_RELOAD_BUCKET ? checkHotReloadDir(input.Code.S3Key) : undefined;
    if (!input.Code.ZipFile && !hotDir) {
      throw new ServiceError("InvalidParameterValueException", "Please provide a source for function code.", 400);
    }
    const name = input.FunctionName.includes(":") ? parseFunctionName(ctx, input.FunctionName).name : input.FunctionName;
    if (this.store.getFunction(ctx.accountId, ctx.region, name, "$LATEST")) throw new ServiceError("ResourceConflictException", Messages.functionExists(name), 409);
    if (input.CodeSigningConfigArn) this.checkSignedCode(ctx, name, input.CodeSigningConfigArn);
    const zip = hotDir ? Buffer.alloc(0) : Buffer.from(input.Code.ZipFile!);
    const archive = hotDir ? undefined : checkZip(zip);
    const layers = this.layers.resolve(ctx, input.Layers);
    if (archive && input.Layers?.length) checkCombinedSize(unzippedBytes(archive) + this.layers.unzippedBytes(ctx, input.Layers));
    const info = hotDir ? { ...describeZip(Buffer.from(hotDir)), hex: "hot-reload", size: 0 } : describeZip(zip);
    const blob = hotDir ? `dir:${hotDir}` : this.env.store.blobs.put(zip);
    const now = ctx.clock.now();
    const config: L.FunctionConfiguration = {
      FunctionName: name,
      FunctionArn: functionArn(ctx, name),
      Runtime: input.Runtime,
      Role: input.Role,
      Handler: input.Handler,
      CodeSize: info.size,
      Description: input.Description ?? "",
      Timeout: input.Timeout ?? Limits.DEFAULT_TIMEOUT_SEC,
      MemorySize: input.MemorySize ?? Limits.DEFAULT_MEMORY_MB,
      LastModified: lastModified(now),
      CodeSha256: info.sha256,
      Version: "$LATEST",
      Environment: input.Environment?.Variables ? { Variables: input.Environment.Variables } : undefined,
      Layers: layers,
      TracingConfig: { Mode: input.TracingConfig?.Mode ?? "PassThrough" },
      RevisionId: this.env.ids.uuid(),
      ...creatingFields,
      PackageType: "Zip",
      Architectures: input.Architectures ?? ["x86_64"],
      EphemeralStorage: { Size: input.EphemeralStorage?.Size ?? 512 },
      SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
      RuntimeVersionConfig: runtimeVersionConfig(ctx.region, input.Runtime),
      LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${name}` },
    };
    this.store.putFunction(ctx.accountId, ctx.region, name, "$LATEST", { config, codeHex: info.hex, codeBlob: blob });
    if (input.CodeSigningConfigArn) this.settings.put(ctx, "fn-csc", name, input.CodeSigningConfigArn);
    if (input.Tags) this.store.putMeta(ctx.accountId, ctx.region, name, { ...this.store.getMeta(ctx.accountId, ctx.region, name), tags: input.Tags });
    // Pending → Active once the code is unpacked where environments run it (states.ts).
    this.states.schedule(ctx.accountId, ctx.region, name);
    if (hotDir) this.watchHotReload(`${ctx.accountId}:${ctx.region}:${name}`, hotDir);
    let out = config;
    if (input.Publish) out = this.publish(ctx, name, undefined);
    return out;
  }

  GetFunction(ctx: RequestContext, input: L.GetFunctionInput): L.GetFunctionOutput {
    const { row, name } = this.resolve(ctx, input.FunctionName, input.Qualifier);
    const meta = this.store.getMeta(ctx.accountId, ctx.region, name);
    return {
      Configuration: row.config,
      Code: row.codeBlob.startsWith("dir:") ? { RepositoryType: "S3" } : { RepositoryType: "S3", Location: this.codeUrls.sign(ctx.endpoint, row.codeBlob, ctx.clock.now()) },
      Tags: Object.keys(meta.tags).length ? meta.tags : undefined,
      Concurrency: meta.reserved !== null ? { ReservedConcurrentExecutions: meta.reserved } : undefined,
    };
  }

  GetFunctionConfiguration(ctx: RequestContext, input: L.GetFunctionConfigurationInput): L.GetFunctionConfigurationOutput {
    return this.resolve(ctx, input.FunctionName, input.Qualifier).row.config;
  }

  ListFunctions(ctx: RequestContext, input: L.ListFunctionsInput): L.ListFunctionsOutput {
    const max = Math.min(input.MaxItems ?? Limits.LIST_MAX_ITEMS, Limits.LIST_MAX_ITEMS);
    if (max < 1) throw new ServiceError("ValidationException", `1 validation error detected: Value '${input.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1`, 400);
    const after = input.Marker ? Buffer.from(input.Marker, "base64").toString("utf8") : "";
    const page = this.store.listLatest(ctx.accountId, ctx.region, after, max + 1);
    const more = page.length > max;
    const items = page.slice(0, max);
    return { Functions: items, NextMarker: more ? Buffer.from(items[items.length - 1]!.FunctionName!).toString("base64") : undefined };
  }

  DeleteFunction(ctx: RequestContext, input: L.DeleteFunctionInput): Record<string, never> {
    const ref = parseFunctionName(ctx, input.FunctionName, input.Qualifier);
    if (!this.store.getFunction(ctx.accountId, ctx.region, ref.name, "$LATEST")) throw notFound(ctx, ref.name);
    if (ref.qualifier && ref.qualifier !== "$LATEST") {
      if (!this.store.getFunction(ctx.accountId, ctx.region, ref.name, ref.qualifier)) throw notFound(ctx, ref.name, ref.qualifier);
      this.store.deleteVersion(ctx.accountId, ctx.region, ref.name, ref.qualifier);
      this.forgetQualifierSettings(ctx, ref.name, ref.qualifier);
    } else {
      this.store.deleteFunction(ctx.accountId, ctx.region, ref.name);
      this.envs.drain(this.poolKey(ctx, ref.name));
      this.onFunctionDeleted(ctx, ref.name);
      this.forgetFunctionSettings(ctx, ref.name);
      this.watchers.get(this.poolKey(ctx, ref.name))?.close();
      this.watchers.delete(this.poolKey(ctx, ref.name));
    }
    return {};
  }

  async UpdateFunctionCode(ctx: RequestContext, input: L.UpdateFunctionCodeInput): Promise<L.UpdateFunctionCodeOutput> {
    const { row, name } = this.resolve(ctx, input.FunctionName);
    checkSettled(row.config, ctx);
    if (input.S3Bucket && !input.ZipFile) input = { ...input, ZipFile: await zipFromS3(this.env.services, ctx, input.S3Bucket, input.S3Key, input.S3ObjectVersion) };
    if (!input.ZipFile) throw new ServiceError("InvalidParameterValueException", "Please provide a source for function code.", 400);
    this.checkSignedCode(ctx, name);
    const zip = Buffer.from(input.ZipFile);
    const files = checkZip(zip);
    if (row.config.Layers?.length) checkCombinedSize(unzippedBytes(files) + this.layers.unzippedBytes(ctx, row.config.Layers.map((l) => l.Arn!)));
    const info = describeZip(zip);
    const blob = this.env.store.blobs.put(zip);
    extractCode(this.codeRoot, info, () => files);
    const before = { ...row };
    row.config = { ...row.config, CodeSha256: info.sha256, CodeSize: info.size, LastModified: lastModified(ctx.clock.now()), RevisionId: this.env.ids.uuid(), ...updatingFields };
    this.store.putFunction(ctx.accountId, ctx.region, name, "$LATEST", { ...row, codeHex: info.hex, codeBlob: blob });
    this.states.schedule(ctx.accountId, ctx.region, name, before);
    return input.Publish ? this.publish(ctx, name, undefined) : row.config;
  }

  UpdateFunctionConfiguration(ctx: RequestContext, input: L.UpdateFunctionConfigurationInput): L.UpdateFunctionConfigurationOutput {
    const { row, name } = this.resolve(ctx, input.FunctionName);
    validateSettings(input, false);
    checkSettled(row.config, ctx);
    if (input.RevisionId && input.RevisionId !== row.config.RevisionId) throw new ServiceError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", 412);
    const c = row.config;
    const layers = input.Layers ? this.layers.resolve(ctx, input.Layers) : c.Layers;
    if (input.Layers?.length && !row.codeBlob.startsWith("dir:")) checkCombinedSize(extractedBytes(this.codeRoot, row.codeHex) + this.layers.unzippedBytes(ctx, input.Layers));
    const next: L.FunctionConfiguration = {
      ...c,
      Runtime: input.Runtime ?? c.Runtime,
      Role: input.Role ?? c.Role,
      Handler: input.Handler ?? c.Handler,
      Description: input.Description ?? c.Description,
      Timeout: input.Timeout ?? c.Timeout,
      MemorySize: input.MemorySize ?? c.MemorySize,
      Environment: input.Environment ? { Variables: input.Environment.Variables ?? {} } : c.Environment,
      EphemeralStorage: input.EphemeralStorage ?? c.EphemeralStorage,
      Layers: layers,
      TracingConfig: input.TracingConfig ? { Mode: input.TracingConfig.Mode } : c.TracingConfig,
      LastModified: lastModified(ctx.clock.now()),
      RevisionId: this.env.ids.uuid(),
      RuntimeVersionConfig: input.Runtime ? runtimeVersionConfig(ctx.region, input.Runtime) : c.RuntimeVersionConfig,
      ...updatingFields,
    };
    this.store.putFunction(ctx.accountId, ctx.region, name, "$LATEST", { ...row, config: next });
    this.states.schedule(ctx.accountId, ctx.region, name, row);
    return next;
  }

  protected envKey(c: L.FunctionConfiguration, codeHex: string): string {
    return `${codeHex}:${c.RevisionId}`;
  }

  protected poolKey(ctx: RequestContext, name: string): string {
    return `${ctx.accountId}:${ctx.region}:${name}`;
  }

  /** Hot reload: any change under the directory retires the function's warm environments. */
  protected watchHotReload(poolKey: string, dir: string): void {
    this.watchers.get(poolKey)?.close();
    let pending: NodeJS.Timeout | undefined;
    try {
      const w = watch(dir, { recursive: true }, () => {
        clearTimeout(pending);
        pending = setTimeout(() => this.envs.drain(poolKey), 50);
      });
      w.unref();
      this.watchers.set(poolKey, w);
    } catch (e) {
      this.env.log.warn(`lambda: cannot watch ${dir} for changes`, e);
    }
  }

  protected closeFunctionOps(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.states.close();
  }
}
