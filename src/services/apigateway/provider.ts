/**
 * API Gateway REST APIs (v1) — the control plane: REST APIs, resources, methods, integrations, method and
 * integration responses, models (draft-04, validated on create), request validators, deployments
 * (immutable snapshots, see snapshot.ts), stages (variables, method settings, canary settings), gateway
 * responses, custom domain names with base path mappings, tags, and GetExport (OpenAPI 3 / Swagger 2 with
 * the x-amazon-apigateway-* extensions). The definition operations (APIs, resources, methods, integrations,
 * models, validators, gateway responses, OpenAPI import) are in definition-ops.ts, which this class extends;
 * the request path lives in execute/.
 *
 * Authorizers, the Update* operations of responses/models/validators/gateway responses and the account
 * settings are in authorizer-ops.ts; API keys, usage plans, usage plan keys and VPC links (stored, AVAILABLE
 * at once, nothing linked) in usage-plan-ops.ts; documentation parts and versions in documentation-ops.ts
 * (class chain: definition-ops -> authorizer-ops -> usage-plan-ops -> documentation-ops -> this class).
 *
 * The request path (execute/) enforces apiKeyRequired (key in a usage plan of the stage) and Lambda
 * permissions (500 with --enforce-sigv4, a warning otherwise: see execute/method-access.ts); mapping
 * templates run in Skyport's own sandboxed VTL interpreter (execute/vtl-engine.ts). AWS integrations with S3
 * (`s3:path/{bucket}/{key}` with path overrides, `s3:action/…`) go to Skyport's S3 in process
 * (execute/s3-integration.ts). Under --enforce-iam an AWS/AWS_PROXY integration's `credentials` role and a Lambda
 * authorizer's `authorizerCredentials` are assumed as apigateway.amazonaws.com (sts/service-roles.ts: 500 when the
 * trust policy refuses) and the calls made with them are evaluated against the role's policies; without it they
 * run as the account, unchecked. `arn:aws:iam::*:user/*` calls as the signed caller of an AWS_IAM method.
 *
 * Authorization on the request path (execute/authorize.ts): Lambda TOKEN/REQUEST authorizers with their
 * result cache (FlushStageAuthorizersCache in authorizer-ops.ts), COGNITO_USER_POOLS, AWS_IAM and the
 * API's resource policy. Throttles, usage plan quotas, the stage cache, access/execution logs and
 * AWS/ApiGateway metrics are enforced and written by execute/limits.ts (the `limits` getter below);
 * FlushStageCache empties the cache.
 *
 * Gaps against AWS: the 1600-byte method ARN limit (414) is not
 * applied, TestInvokeAuthorizer leaves `authorization` empty; GetModelTemplate, SDK generation and client
 * certificates answer NotImplementedException. The cache cluster is in-process memory
 * (cacheClusterStatus goes straight to AVAILABLE; the encryption flag is stored only); throttle buckets and
 * cached entries do not survive a restart (usage counts do).
 */
import yaml from "js-yaml";
import type * as A from "../../aws/api/apigateway.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { Logger } from "../../core/log.js";
import type { ServiceEnv } from "../host.js";
import type { ApiDoc } from "./model.js";
import { exportOpenApi } from "./openapi/export.js";
import { applyPatch, coerce, type PatchOperation } from "./patch.js";
import type { ApiLocation, DeploymentSnapshot, RestApiDataAccess } from "./snapshot.js";
import { ApiDocumentationOps } from "./documentation-ops.js";
import { RestLimits } from "./execute/limits.js";
import { prepareExecuteApi } from "../data-planes.js";
import { badRequest, enumError, notFound, page, toResource } from "./shared.js";

const METHOD_SETTING_FIELDS: Record<string, string> = {
  "metrics/enabled": "metricsEnabled", "logging/loglevel": "loggingLevel", "logging/dataTrace": "dataTraceEnabled",
  "throttling/burstLimit": "throttlingBurstLimit", "throttling/rateLimit": "throttlingRateLimit", "caching/enabled": "cachingEnabled",
  "caching/ttlInSeconds": "cacheTtlInSeconds", "caching/dataEncrypted": "cacheDataEncrypted", "caching/requireAuthorizationForCacheControl": "requireAuthorizationForCacheControl",
  "caching/unauthorizedCacheControlHeaderStrategy": "unauthorizedCacheControlHeaderStrategy",
};
const NUMERIC_SETTINGS = new Set(["throttlingBurstLimit", "throttlingRateLimit", "cacheTtlInSeconds"]);
const BOOLEAN_SETTINGS = new Set(["metricsEnabled", "dataTraceEnabled", "cachingEnabled", "cacheDataEncrypted", "requireAuthorizationForCacheControl"]);

export class ApiGatewayProvider extends ApiDocumentationOps implements A.ApigatewayHandlers, RestApiDataAccess {
  private readonly snapshots = new Map<string, DeploymentSnapshot>();
  private restLimits: RestLimits | undefined;

  /** The request path's throttles, quotas, stage cache, logs and metrics (execute/limits.ts), made on first use. */
  get limits(): RestLimits {
    return (this.restLimits ??= new RestLimits({
      clock: this.env.clock, services: this.env.services, log: this.env.log, usage: this.usage,
      account: this.env.config.apigatewayThrottle ?? { rateLimit: 10_000, burstLimit: 5_000 },
      usagePlanFor: (location, apiId, stage, value) => this.usagePlanFor(location, apiId, stage, value),
    }));
  }

  /** Empties the stage's cache (execute/stage-cache.ts). */
  FlushStageCache(ctx: RequestContext, input: A.FlushStageCacheInput): A.FlushStageCacheOutput {
    this.api(ctx, input.restApiId);
    if (!this.store.getStage(input.restApiId, input.stageName)) throw notFound("Stage");
    this.restLimits?.flushStage(input.restApiId, input.stageName);
    return {};
  }

  /** The server's logger, for the data plane's execution failures. */
  get log(): Logger {
    return this.env.log;
  }

  /** Whether Lambda integrations need apigateway.amazonaws.com in the function's policy (execute/method-access.ts). */
  get strictPermissions(): boolean {
    return this.env.config.enforceSigV4;
  }

  // ---- Deployments and stages ------------------------------------------------------------------------

  CreateDeployment(ctx: RequestContext, input: A.CreateDeploymentInput): A.Deployment {
    const doc = this.api(ctx, input.restApiId);
    if (!Object.values(doc.resources).some((r) => Object.keys(r.methods).length)) throw badRequest("The REST API doesn't contain any methods");
    for (const r of Object.values(doc.resources)) for (const m of Object.values(r.methods)) if (!m.methodIntegration) throw badRequest("No integration defined for method");
    const id = this.env.ids.alnum(6);
    const now = ctx.clock.now();
    const snapshot = snapshotOf(doc, id);
    this.store.putDeployment(doc.api.id!, { id, description: input.description, createdMs: now, snapshot: JSON.parse(JSON.stringify(snapshot)) as DeploymentSnapshot });
    if (input.stageName) {
      const existing = this.store.getStage(doc.api.id!, input.stageName);
      const stage: A.Stage = existing
        ? { ...existing, deploymentId: id, lastUpdatedDate: new Date(now), variables: input.variables ?? existing.variables }
        : this.newStage(input.stageName, id, now, { description: input.stageDescription, variables: input.variables, cacheClusterEnabled: input.cacheClusterEnabled, cacheClusterSize: input.cacheClusterSize, tracingEnabled: input.tracingEnabled, canarySettings: undefined });
      if (input.canarySettings) stage.canarySettings = { percentTraffic: input.canarySettings.percentTraffic ?? 0, deploymentId: id, stageVariableOverrides: input.canarySettings.stageVariableOverrides, useStageCache: input.canarySettings.useStageCache ?? false };
      if (input.canarySettings && existing) stage.deploymentId = existing.deploymentId;
      this.store.putStage(doc.api.id!, stage);
    }
    prepareExecuteApi(this.env.services);
    return { id, description: input.description, createdDate: new Date(now) };
  }

  GetDeployment(ctx: RequestContext, input: A.GetDeploymentInput): A.Deployment {
    this.api(ctx, input.restApiId);
    const d = this.store.getDeployment(input.restApiId, input.deploymentId);
    if (!d) throw notFound("Deployment");
    return { id: d.id, description: d.description, createdDate: new Date(d.createdMs) };
  }

  GetDeployments(ctx: RequestContext, input: A.GetDeploymentsInput): A.GetDeploymentsOutput {
    this.api(ctx, input.restApiId);
    return page(this.store.listDeployments(input.restApiId).map((d) => ({ id: d.id, description: d.description, createdDate: new Date(d.createdMs) })), input.position, input.limit, (d) => d.id!);
  }

  DeleteDeployment(ctx: RequestContext, input: A.DeleteDeploymentInput): Record<string, never> {
    this.api(ctx, input.restApiId);
    if (!this.store.getDeployment(input.restApiId, input.deploymentId)) throw notFound("Deployment");
    if (this.store.listStages(input.restApiId).some((s) => s.deploymentId === input.deploymentId)) throw badRequest("Active stages pointing to this deployment must be moved or deleted");
    this.store.deleteDeployment(input.restApiId, input.deploymentId);
    return {};
  }

  UpdateDeployment(ctx: RequestContext, input: A.UpdateDeploymentInput): A.Deployment {
    this.api(ctx, input.restApiId);
    const d = this.store.getDeployment(input.restApiId, input.deploymentId);
    if (!d) throw notFound("Deployment");
    // Only the description can change: the snapshot itself is immutable.
    const view: Record<string, unknown> = { description: d.description };
    applyPatch(view, input.patchOperations as PatchOperation[], /^\/description$/);
    const updated = { ...d, description: typeof view.description === "string" ? view.description : undefined };
    this.store.deleteDeployment(input.restApiId, d.id);
    this.store.putDeployment(input.restApiId, updated);
    return { id: d.id, description: updated.description, createdDate: new Date(d.createdMs) };
  }

  CreateStage(ctx: RequestContext, input: A.CreateStageInput): A.Stage {
    this.api(ctx, input.restApiId);
    if (!this.store.getDeployment(input.restApiId, input.deploymentId)) throw notFound("Deployment");
    if (this.store.getStage(input.restApiId, input.stageName)) throw new ServiceError("ConflictException", "Stage already exists", 409);
    const stage = this.newStage(input.stageName, input.deploymentId, ctx.clock.now(), input);
    this.store.putStage(input.restApiId, stage);
    return stage;
  }

  private newStage(name: string, deploymentId: string, now: number, o: { description?: string; variables?: Record<string, string>; cacheClusterEnabled?: boolean; cacheClusterSize?: string; tracingEnabled?: boolean; canarySettings?: A.CanarySettings; tags?: Record<string, string> }): A.Stage {
    if (!/^[a-zA-Z0-9_-]+$/.test(name)) throw badRequest("Stage name only allows a-zA-Z0-9_");
    const cache = cacheCluster(o.cacheClusterEnabled, o.cacheClusterSize);
    return {
      stageName: name, deploymentId, description: o.description, ...cache, methodSettings: {}, variables: o.variables, tracingEnabled: o.tracingEnabled ?? false, canarySettings: o.canarySettings,
      tags: o.tags, createdDate: new Date(now), lastUpdatedDate: new Date(now),
    };
  }

  GetStage(ctx: RequestContext, input: A.GetStageInput): A.Stage {
    this.api(ctx, input.restApiId);
    const s = this.store.getStage(input.restApiId, input.stageName);
    if (!s) throw notFound("Stage");
    return s;
  }

  GetStages(ctx: RequestContext, input: A.GetStagesInput): A.GetStagesOutput {
    this.api(ctx, input.restApiId);
    return { item: this.store.listStages(input.restApiId).filter((s) => !input.deploymentId || s.deploymentId === input.deploymentId) };
  }

  UpdateStage(ctx: RequestContext, input: A.UpdateStageInput): A.Stage {
    this.api(ctx, input.restApiId);
    const stage = this.store.getStage(input.restApiId, input.stageName);
    if (!stage) throw notFound("Stage");
    applyPatch(stage as Record<string, unknown>, input.patchOperations as PatchOperation[], undefined, (op, seg) => {
      // Method settings: /{resource path}/{method}/{setting} with the resource path's slashes as ~1, or */* for all.
      const key = seg.slice(-2).join("/");
      const field = METHOD_SETTING_FIELDS[key];
      if (!field || seg.length < 4) return false;
      const target = `${seg.slice(0, -3).join("/")}/${seg[seg.length - 3]}`.replace(/^\/+/, "");
      const settings = (stage.methodSettings ??= {});
      const current = (settings[target] ??= {});
      const v = op.value ?? "";
      (current as Record<string, unknown>)[field] = op.op === "remove" ? undefined : NUMERIC_SETTINGS.has(field) ? Number(v) : BOOLEAN_SETTINGS.has(field) ? v === "true" : v;
      return true;
    });
    if (stage.deploymentId && !this.store.getDeployment(input.restApiId, stage.deploymentId)) throw notFound("Deployment");
    Object.assign(stage, cacheCluster(stage.cacheClusterEnabled === true || String(stage.cacheClusterEnabled) === "true", stage.cacheClusterSize));
    if (stage.canarySettings?.percentTraffic !== undefined) stage.canarySettings.percentTraffic = Number(coerce(0, String(stage.canarySettings.percentTraffic)));
    stage.lastUpdatedDate = new Date(ctx.clock.now());
    this.store.putStage(input.restApiId, stage);
    return stage;
  }

  DeleteStage(ctx: RequestContext, input: A.DeleteStageInput): Record<string, never> {
    this.api(ctx, input.restApiId);
    if (!this.store.getStage(input.restApiId, input.stageName)) throw notFound("Stage");
    this.store.deleteStage(input.restApiId, input.stageName);
    this.restLimits?.flushStage(input.restApiId, input.stageName);
    return {};
  }

  GetExport(ctx: RequestContext, input: A.GetExportInput): A.GetExportOutput {
    this.api(ctx, input.restApiId);
    const stage = this.store.getStage(input.restApiId, input.stageName);
    if (!stage) throw notFound("Stage");
    const snapshot = this.getDeploymentSnapshot({ accountId: ctx.accountId, region: ctx.region }, input.restApiId, stage.deploymentId!)!;
    if (input.exportType !== "oas30" && input.exportType !== "swagger") throw badRequest(`No export type found for ${input.exportType}`);
    const asYaml = !!input.accepts && /yaml/.test(input.accepts);
    const ext = input.parameters?.extensions ?? "integrations";
    const body = exportOpenApi(snapshot, stage, ctx.region, input.exportType, { integrations: /integrations|apigateway/.test(ext), apigateway: /apigateway/.test(ext) });
    const file = `${input.exportType}_${snapshot.deploymentId}`;
    if (asYaml) {
      // JSON.parse(JSON.stringify()) drops undefined members, which js-yaml would otherwise refuse.
      const text = yaml.dump(JSON.parse(JSON.stringify(body)) as object, { noRefs: true, lineWidth: -1 });
      return { contentType: "application/yaml", contentDisposition: `attachment; filename="${file}.yaml"`, body: Buffer.from(text) };
    }
    return { contentType: "application/json", contentDisposition: `attachment; filename="${file}.json"`, body: Buffer.from(JSON.stringify(body, null, 2)) };
  }

  /** Runs the method's current (undeployed) definition through the request path, as the console's Test does. */
  async TestInvokeMethod(ctx: RequestContext, input: A.TestInvokeMethodInput): Promise<A.TestInvokeMethodOutput> {
    const doc = this.api(ctx, input.restApiId);
    const resource = this.resource(doc, input.resourceId);
    this.method(doc, input.resourceId, input.httpMethod);
    const { executeRestRequest } = await import("./execute/pipeline.js");
    const snapshot = snapshotOf(JSON.parse(JSON.stringify(doc)) as ApiDoc, "test-invoke");
    const location = { accountId: ctx.accountId, region: ctx.region };
    const stage: A.Stage = { stageName: "test-invoke-stage", deploymentId: "test-invoke", variables: input.stageVariables };
    const data: RestApiDataAccess = { testInvoke: true, locateRestApi: () => location, getStageFor: () => stage, getDeploymentSnapshot: () => snapshot, findDomainName: () => undefined };
    const target = input.pathWithQueryString ?? resource.path;
    const q = target.indexOf("?");
    const rawQuery = q < 0 ? "" : target.slice(q + 1);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
    for (const [k, v] of Object.entries(input.multiValueHeaders ?? {})) headers[k.toLowerCase()] = v;
    // The execution log shows why a request failed (a broken template, a missing permission), as AWS's does.
    const failures: string[] = [];
    const log: Logger = { ...this.env.log, warn: (m, e) => { failures.push(m.replace(/^apigateway: [^:]*: /, "")); this.env.log.warn(m, e); } };
    const started = performance.now();
    const res = await executeRestRequest(
      { method: input.httpMethod.toUpperCase(), path: `/_aws/execute-api/${doc.api.id}/test-invoke-stage${q < 0 ? target : target.slice(0, q)}`, rawQuery, query: new URLSearchParams(rawQuery), headers, body: Buffer.from(input.body ?? "") },
      "localhost",
      { data, services: this.env.services, ids: this.env.ids, clock: this.env.clock, random: Math.random, log, strictPermissions: this.strictPermissions },
    );
    const latency = Math.round(performance.now() - started);
    const outHeaders: Record<string, string> = {};
    const multi: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      outHeaders[k] = Array.isArray(v) ? v.join(",") : v;
      multi[k] = Array.isArray(v) ? v : [v];
    }
    const body = typeof res.body === "string" ? res.body : res.body.toString("utf8");
    const stamp = new Date(ctx.clock.now()).toUTCString();
    const executionLog = `Execution log for request ${ctx.requestId}\n${stamp} : Starting execution for request: ${ctx.requestId}\n${stamp} : HTTP Method: ${input.httpMethod.toUpperCase()}, Resource Path: ${target}\n` +
      failures.map((f) => `${stamp} : ${f}\n`).join("") + `${stamp} : Method completed with status: ${res.status}\n`;
    return { status: res.status, body, headers: outHeaders, multiValueHeaders: multi, log: executionLog, latency };
  }

  // ---- Custom domain names ---------------------------------------------------------------------------

  CreateDomainName(ctx: RequestContext, input: A.CreateDomainNameInput): A.DomainName {
    if (this.store.getDomain(input.domainName)) throw new ServiceError("ConflictException", "The domain name you provided already exists.", 409);
    const d: A.DomainName = {
      domainName: input.domainName, certificateName: input.certificateName, certificateArn: input.certificateArn, regionalCertificateArn: input.regionalCertificateArn,
      distributionDomainName: `${this.env.ids.alnum(13)}.cloudfront.net`, regionalDomainName: `d-${this.env.ids.alnum(10)}.execute-api.${ctx.region}.amazonaws.com`,
      endpointConfiguration: input.endpointConfiguration ?? { types: ["EDGE"] }, domainNameStatus: "AVAILABLE", securityPolicy: input.securityPolicy ?? "TLS_1_2", tags: input.tags,
    };
    this.store.putDomain(ctx.accountId, ctx.region, d, []);
    return d;
  }

  GetDomainName(ctx: RequestContext, input: A.GetDomainNameInput): A.DomainName {
    return this.domain(ctx, input.domainName).domain;
  }

  GetDomainNames(ctx: RequestContext, input: A.GetDomainNamesInput): A.GetDomainNamesOutput {
    return page(this.store.listDomains(ctx.accountId, ctx.region), input.position, input.limit, (d) => d.domainName!);
  }

  DeleteDomainName(ctx: RequestContext, input: A.DeleteDomainNameInput): Record<string, never> {
    this.domain(ctx, input.domainName);
    this.store.deleteDomain(input.domainName);
    return {};
  }

  CreateBasePathMapping(ctx: RequestContext, input: A.CreateBasePathMappingInput): A.BasePathMapping {
    const d = this.domain(ctx, input.domainName);
    this.api(ctx, input.restApiId, () => badRequest("Invalid REST API identifier specified"));
    const basePath = input.basePath && input.basePath !== "" ? input.basePath : "(none)";
    if (d.mappings.some((m) => m.basePath === basePath)) throw new ServiceError("ConflictException", "Base path already exists for this domain name", 409);
    if (input.stage && !this.store.getStage(input.restApiId, input.stage)) throw badRequest("Invalid stage identifier specified");
    const m: A.BasePathMapping = { basePath, restApiId: input.restApiId, stage: input.stage };
    this.store.putDomain(ctx.accountId, ctx.region, d.domain, [...d.mappings, m]);
    return m;
  }

  GetBasePathMappings(ctx: RequestContext, input: A.GetBasePathMappingsInput): A.GetBasePathMappingsOutput {
    return page(this.domain(ctx, input.domainName).mappings, input.position, input.limit, (m) => m.basePath!);
  }

  GetBasePathMapping(ctx: RequestContext, input: A.GetBasePathMappingInput): A.BasePathMapping {
    const m = this.domain(ctx, input.domainName).mappings.find((x) => x.basePath === (input.basePath || "(none)"));
    if (!m) throw new ServiceError("NotFoundException", "Invalid base path mapping identifier specified", 404);
    return m;
  }

  DeleteBasePathMapping(ctx: RequestContext, input: A.DeleteBasePathMappingInput): Record<string, never> {
    const d = this.domain(ctx, input.domainName);
    const rest = d.mappings.filter((x) => x.basePath !== (input.basePath || "(none)"));
    if (rest.length === d.mappings.length) throw new ServiceError("NotFoundException", "Invalid base path mapping identifier specified", 404);
    this.store.putDomain(ctx.accountId, ctx.region, d.domain, rest);
    return {};
  }

  UpdateDomainName(ctx: RequestContext, input: A.UpdateDomainNameInput): A.DomainName {
    const d = this.domain(ctx, input.domainName);
    applyPatch(d.domain as Record<string, unknown>, input.patchOperations as PatchOperation[],
      /^\/(certificateName|certificateArn|regionalCertificateName|regionalCertificateArn|securityPolicy|endpointConfiguration\/types(\/.*)?|mutualTlsAuthentication\/.+|ownershipVerificationCertificateArn)$/);
    this.store.putDomain(ctx.accountId, ctx.region, d.domain, d.mappings);
    return d.domain;
  }

  UpdateBasePathMapping(ctx: RequestContext, input: A.UpdateBasePathMappingInput): A.BasePathMapping {
    const d = this.domain(ctx, input.domainName);
    const m = d.mappings.find((x) => x.basePath === (input.basePath || "(none)"));
    if (!m) throw new ServiceError("NotFoundException", "Invalid base path mapping identifier specified", 404);
    const next = { ...m } as Record<string, unknown>;
    applyPatch(next, input.patchOperations as PatchOperation[], /^\/(basePath|restapiId|restApiId|stage)$/);
    // The documented patch path is "/restapiId" (lower-case a).
    if (typeof next.restapiId === "string") { next.restApiId = next.restapiId; delete next.restapiId; }
    if (next.basePath === "") next.basePath = "(none)";
    const updated = next as A.BasePathMapping;
    this.api(ctx, updated.restApiId!);
    if (updated.stage && !this.store.getStage(updated.restApiId!, updated.stage)) throw badRequest("Invalid stage identifier specified");
    if (updated.basePath !== m.basePath && d.mappings.some((x) => x.basePath === updated.basePath)) throw new ServiceError("ConflictException", "Base path already exists for this domain name", 409);
    this.store.putDomain(ctx.accountId, ctx.region, d.domain, d.mappings.map((x) => (x === m ? updated : x)));
    return updated;
  }

  private domain(ctx: RequestContext, name: string) {
    const d = this.store.getDomain(name);
    if (!d || d.account !== ctx.accountId || d.region !== ctx.region) throw new ServiceError("NotFoundException", "Invalid domain name identifier specified", 404);
    return d;
  }

  // ---- Tags ------------------------------------------------------------------------------------------

  TagResource(ctx: RequestContext, input: A.TagResourceInput): Record<string, never> {
    const t = this.tagTarget(ctx, input.resourceArn);
    t.set({ ...t.get(), ...input.tags });
    return {};
  }

  UntagResource(ctx: RequestContext, input: A.UntagResourceInput): Record<string, never> {
    const t = this.tagTarget(ctx, input.resourceArn);
    const tags = { ...t.get() };
    for (const k of input.tagKeys) delete tags[k];
    t.set(tags);
    return {};
  }

  GetTags(ctx: RequestContext, input: A.GetTagsInput): A.GetTagsOutput {
    return { tags: this.tagTarget(ctx, input.resourceArn).get() };
  }

  /** The taggable resources by ARN: REST APIs, stages, API keys, usage plans, VPC links and custom domain names. */
  private tagTarget(ctx: RequestContext, arn: string): { get(): Record<string, string>; set(tags: Record<string, string>): void } {
    const m = /^arn:aws:apigateway:[^:]*::\/(restapis|apikeys|usageplans|domainnames|vpclinks)\/([^/]+)(?:\/stages\/([^/]+))?$/.exec(arn);
    if (!m) throw badRequest("Invalid ARN specified in the request");
    const [, kind, id, stageName] = m as unknown as [string, string, string, string | undefined];
    if (kind === "restapis" && stageName) {
      this.api(ctx, id);
      const stage = this.store.getStage(id, stageName);
      if (!stage) throw notFound("Stage");
      return { get: () => stage.tags ?? {}, set: (tags) => this.store.putStage(id, { ...stage, tags }) };
    }
    if (kind === "restapis") {
      const doc = this.api(ctx, id);
      return { get: () => doc.api.tags ?? {}, set: (tags) => { doc.api.tags = tags; this.save(ctx, doc); } };
    }
    if (kind === "domainnames") {
      const d = this.domain(ctx, id);
      return { get: () => d.domain.tags ?? {}, set: (tags) => this.store.putDomain(ctx.accountId, ctx.region, { ...d.domain, tags }, d.mappings) };
    }
    if (stageName) throw badRequest("Invalid ARN specified in the request");
    return this.keyOrPlanTags(ctx, kind === "apikeys" ? "apikey" : kind === "vpclinks" ? "vpclink" : "plan", id);
  }

  // ---- RestApiDataAccess (for execute/) --------------------------------------------------------------

  // Both are read on every request, and kept until the next write of an API or a stage (callers only read them).
  locateRestApi(restApiId: string): ApiLocation | undefined {
    return this.store.remember(`api\0${restApiId}`, () => {
      const l = this.store.locate(restApiId);
      return l && { accountId: l.account, region: l.region };
    });
  }

  getStageFor(_location: ApiLocation, restApiId: string, stageName: string): A.Stage | undefined {
    return this.store.remember(`stage\0${restApiId}\0${stageName}`, () => this.store.getStage(restApiId, stageName));
  }

  getDeploymentSnapshot(_location: ApiLocation, restApiId: string, deploymentId: string): DeploymentSnapshot | undefined {
    const key = `${restApiId}/${deploymentId}`;
    let s = this.snapshots.get(key);
    if (!s) {
      s = this.store.getDeployment(restApiId, deploymentId)?.snapshot;
      if (s) this.snapshots.set(key, s); // immutable: safe to cache
    }
    return s;
  }

  findDomainName(domainName: string): { location: ApiLocation; mappings: A.BasePathMapping[] } | undefined {
    const d = this.store.getDomain(domainName);
    return d && { location: { accountId: d.account, region: d.region }, mappings: d.mappings };
  }

  reset(): void {
    this.snapshots.clear();
    this.restLimits?.reset();
    this.resetUsage();
  }

  /** Writes buffered access and execution log lines (shutdown). */
  async close(): Promise<void> {
    await this.restLimits?.flush();
  }

}

/** What a deployment freezes of an API's definition. */
function snapshotOf(doc: ApiDoc, deploymentId: string): DeploymentSnapshot {
  return {
    deploymentId,
    api: doc.api,
    resources: Object.values(doc.resources).map((r) => toResource(r, true)),
    models: Object.values(doc.models),
    requestValidators: Object.values(doc.validators),
    authorizers: Object.values(doc.authorizers),
    gatewayResponses: Object.values(doc.gatewayResponses),
  };
}

const CACHE_SIZES = ["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];

/**
 * A stage's cache cluster fields as AWS reports them: NOT_AVAILABLE while disabled; enabled, the cluster
 * (of 0.5 GB unless sized) is AVAILABLE at once here — Skyport keeps no cache, so there is nothing to build.
 */
function cacheCluster(enabled: boolean | undefined, size: string | undefined): Pick<A.Stage, "cacheClusterEnabled" | "cacheClusterSize" | "cacheClusterStatus"> {
  if (size !== undefined && !CACHE_SIZES.includes(size)) throw enumError("cacheClusterSize", size, CACHE_SIZES);
  if (!enabled) return { cacheClusterEnabled: false, cacheClusterSize: size, cacheClusterStatus: "NOT_AVAILABLE" };
  return { cacheClusterEnabled: true, cacheClusterSize: size ?? "0.5", cacheClusterStatus: "AVAILABLE" };
}

export const createProvider = (env: ServiceEnv) => new ApiGatewayProvider(env);
