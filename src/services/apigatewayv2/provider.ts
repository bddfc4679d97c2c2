/**
 * API Gateway v2 (HTTP and WebSocket APIs) — the control plane: APIs (quick create with Target/RouteKey makes
 * the integration, route and auto-deploying `$default` stage, all ApiGatewayManaged), CORS configuration,
 * stages (auto-deploy, stage variables, default and per-route settings, access log settings), deployments
 * (immutable snapshots, store.ts), custom domain names and API mappings, tags, and ImportApi / ReimportApi /
 * ExportApi (OpenAPI 3 with the x-amazon-apigateway-* extensions, openapi.ts). Routes, route responses,
 * integrations, integration responses, authorizers and models are in definition-ops.ts (this class extends
 * it). The HTTP API request path is execute/; the WebSocket one is websocket/. Under --enforce-iam an
 * AWS/AWS_PROXY integration's CredentialsArn and a Lambda authorizer's AuthorizerCredentialsArn (HTTP and WebSocket) are assumed as
 * apigateway.amazonaws.com (sts/service-roles.ts; 500 when refused) and the invocation is evaluated against the role.
 *
 * Gaps against AWS: VPC links answer NotImplementedException (CreateVpcLink, GetVpcLink(s), UpdateVpcLink,
 * DeleteVpcLink); custom domain names and API mappings are stored, not served on the data plane; mutual TLS
 * is stored only; GetModelTemplate answers the passthrough template. Deployments happen at once (AWS's are
 * asynchronous; DeploymentStatus is DEPLOYED straight away). On the HTTP request path (execute/): AWS service
 * integrations (IntegrationSubtype) answer 500, request parameter mapping applies to HTTP_PROXY only, the
 * account throttle is not shared with REST APIs' bucket.
 */
import type * as A from "../../aws/api/apigatewayv2.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { DomainOps } from "./domain-ops.js";
import { badRequest, conflict, defined, HTTP_DEFAULT_ROUTE_SELECTION, notFound, page } from "./shared.js";
import type { ApiRecord, DeploymentRecord, IntegrationRecord, RouteRecord, StageRecord } from "./store.js";
import { lambdaArnOf } from "./validate.js";
import { prepareExecuteApi } from "../data-planes.js";

type Empty = Record<string, never>;
const STAGE_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

export class ApiGatewayV2Provider extends DomainOps implements A.Apigatewayv2Handlers {
  /** Listeners for ResetAuthorizersCache (the request path's authorizer cache). */
  readonly authorizerCacheResets: Array<(apiId: string, stageName: string) => void> = [];
  /** Listeners for /_skyport/reset (the data planes' caches). */
  readonly resets: Array<() => void> = [];

  constructor(env: ServiceEnv) {
    super(env);
  }

  /** http://{apiId}.execute-api.localhost:PORT (ws:// for WebSocket APIs), the host the data planes answer. */
  private endpointOf(ctx: RequestContext, apiId: string, protocol: string): string {
    const port = /:(\d+)$/.exec(ctx.endpoint)?.[1] ?? /:(\d+)$/.exec(this.env.services.localEndpoint)?.[1] ?? "80";
    return `${protocol === "WEBSOCKET" ? "ws" : "http"}://${apiId}.execute-api.localhost:${port}`;
  }

  private withEndpoint(ctx: RequestContext, api: ApiRecord): ApiRecord {
    return { ...api, ApiEndpoint: this.endpointOf(ctx, api.ApiId, api.ProtocolType) };
  }

  // ---- APIs ------------------------------------------------------------------------------------------

  CreateApi(ctx: RequestContext, input: A.CreateApiInput): A.CreateApiOutput {
    if (input.ProtocolType !== "HTTP" && input.ProtocolType !== "WEBSOCKET") throw badRequest(`Invalid protocol type ${String(input.ProtocolType)}. Supported values: HTTP, WEBSOCKET`);
    if (!input.Name || input.Name.length > 128) throw badRequest("Name must be between 1 and 128 characters");
    const http = input.ProtocolType === "HTTP";
    if (!http) {
      if (!input.RouteSelectionExpression) throw badRequest("RouteSelectionExpression is required for WebSocket APIs");
      if (input.Target || input.RouteKey || input.CorsConfiguration) throw badRequest("Quick create and CORS configuration are supported only for HTTP APIs");
    } else if (input.RouteSelectionExpression && input.RouteSelectionExpression !== HTTP_DEFAULT_ROUTE_SELECTION) {
      throw badRequest(`The route selection expression of an HTTP API must be ${HTTP_DEFAULT_ROUTE_SELECTION}`);
    }
    if (input.RouteKey && !input.Target) throw badRequest("RouteKey requires Target (quick create)");
    checkCors(input.CorsConfiguration);
    const api: ApiRecord = defined({
      ApiId: this.env.ids.alnum(10), ApiKeySelectionExpression: input.ApiKeySelectionExpression ?? "$request.header.x-api-key",
      CorsConfiguration: input.CorsConfiguration, CreatedDate: new Date(ctx.clock.now()), Description: input.Description,
      DisableSchemaValidation: input.DisableSchemaValidation, DisableExecuteApiEndpoint: input.DisableExecuteApiEndpoint ?? false, Name: input.Name,
      ProtocolType: input.ProtocolType, RouteSelectionExpression: input.RouteSelectionExpression ?? HTTP_DEFAULT_ROUTE_SELECTION, Tags: input.Tags ?? {}, Version: input.Version,
    });
    this.store.putApi(ctx.accountId, ctx.region, api);
    if (input.Target) this.quickCreate(ctx, api, input.Target, input.RouteKey ?? "$default", input.CredentialsArn);
    return this.withEndpoint(ctx, api);
  }

  /** Quick create: integration + route + auto-deploying $default stage, all managed by API Gateway. */
  private quickCreate(ctx: RequestContext, api: ApiRecord, target: string, routeKey: string, credentialsArn: string | undefined): void {
    const lambda = lambdaArnOf(target);
    if (!lambda && !/^https?:\/\//.test(target)) throw badRequest(`Invalid target ${target}: quick create takes a Lambda function ARN or an HTTP URL`);
    const integration: IntegrationRecord = this.normalizeIntegration(api, lambda
      ? { IntegrationId: this.env.ids.alnum(7), ApiGatewayManaged: true, IntegrationType: "AWS_PROXY", IntegrationUri: target, IntegrationMethod: "POST", PayloadFormatVersion: "2.0", CredentialsArn: credentialsArn }
      : { IntegrationId: this.env.ids.alnum(7), ApiGatewayManaged: true, IntegrationType: "HTTP_PROXY", IntegrationUri: target, IntegrationMethod: "ANY", PayloadFormatVersion: "1.0" });
    this.store.putItem(api.ApiId, "integration", integration.IntegrationId, integration);
    const route: RouteRecord = { ApiGatewayManaged: true, ApiKeyRequired: false, AuthorizationType: "NONE", RouteId: this.env.ids.alnum(7), RouteKey: routeKey, Target: `integrations/${integration.IntegrationId}` };
    this.checkRoute(api, route);
    this.store.putItem(api.ApiId, "route", route.RouteId, route);
    const now = new Date(ctx.clock.now());
    const stage: StageRecord = { ApiGatewayManaged: true, AutoDeploy: true, CreatedDate: now, DefaultRouteSettings: { DetailedMetricsEnabled: false }, LastUpdatedDate: now, RouteSettings: {}, StageName: "$default", StageVariables: {}, Tags: {} };
    this.store.putItem(api.ApiId, "stage", stage.StageName, stage);
    this.autoDeploy(ctx, api.ApiId);
  }

  GetApi(ctx: RequestContext, input: A.GetApiInput): A.GetApiOutput {
    return this.withEndpoint(ctx, this.api(ctx, input.ApiId));
  }

  GetApis(ctx: RequestContext, input: A.GetApisInput): A.GetApisOutput {
    return page(this.store.listApis(ctx.accountId, ctx.region).map((a) => this.withEndpoint(ctx, a)), input.MaxResults, input.NextToken, (a) => a.ApiId) as A.GetApisOutput;
  }

  UpdateApi(ctx: RequestContext, input: A.UpdateApiInput): A.UpdateApiOutput {
    const before = this.api(ctx, input.ApiId);
    const http = before.ProtocolType === "HTTP";
    if (!http && (input.CorsConfiguration || input.Target || input.RouteKey)) throw badRequest("Quick create and CORS configuration are supported only for HTTP APIs");
    if (http && input.RouteSelectionExpression && input.RouteSelectionExpression !== HTTP_DEFAULT_ROUTE_SELECTION) throw badRequest(`The route selection expression of an HTTP API must be ${HTTP_DEFAULT_ROUTE_SELECTION}`);
    checkCors(input.CorsConfiguration);
    const { ApiId: _a, Target, RouteKey, CredentialsArn, ...changes } = input;
    const api: ApiRecord = { ...before, ...defined(changes) };
    this.store.putApi(ctx.accountId, ctx.region, api);
    if (Target || RouteKey) {
      // Quick create's resources follow the update; an API made without quick create gets them now.
      const managedRoute = this.store.listRoutes(api.ApiId).find((r) => r.ApiGatewayManaged);
      const managedIntegration = this.store.listIntegrations(api.ApiId).find((i) => i.ApiGatewayManaged);
      if (!managedRoute || !managedIntegration) {
        if (!Target) throw badRequest("RouteKey can be updated only on an API made by quick create");
        this.quickCreate(ctx, api, Target, RouteKey ?? "$default", CredentialsArn);
      } else {
        if (Target) {
          const lambda = lambdaArnOf(Target);
          const next = this.normalizeIntegration(api, { ...managedIntegration, IntegrationUri: Target, IntegrationType: lambda ? "AWS_PROXY" : "HTTP_PROXY", IntegrationMethod: lambda ? "POST" : "ANY", PayloadFormatVersion: lambda ? "2.0" : "1.0" });
          this.store.putItem(api.ApiId, "integration", next.IntegrationId, next);
        }
        if (RouteKey) {
          const next = { ...managedRoute, RouteKey };
          this.checkRoute(api, next);
          this.store.putItem(api.ApiId, "route", next.RouteId, next);
        }
      }
    }
    this.autoDeploy(ctx, api.ApiId);
    return this.withEndpoint(ctx, api);
  }

  DeleteApi(ctx: RequestContext, input: A.DeleteApiInput): Empty {
    this.api(ctx, input.ApiId);
    this.store.deleteApi(input.ApiId);
    return {};
  }

  DeleteCorsConfiguration(ctx: RequestContext, input: A.DeleteCorsConfigurationInput): Empty {
    const api = this.api(ctx, input.ApiId);
    if (!api.CorsConfiguration) throw notFound("CorsConfiguration", input.ApiId);
    delete api.CorsConfiguration;
    this.store.putApi(ctx.accountId, ctx.region, api);
    this.autoDeploy(ctx, api.ApiId);
    return {};
  }

  // ---- Deployments -----------------------------------------------------------------------------------

  /** Freezes the live definition as a new deployment. */
  private deploy(ctx: RequestContext, apiId: string, description: string | undefined, auto: boolean): DeploymentRecord {
    const id = this.env.ids.alnum(6);
    const d: DeploymentRecord = defined({ AutoDeployed: auto, CreatedDate: new Date(ctx.clock.now()), DeploymentId: id, DeploymentStatus: "DEPLOYED", Description: description });
    this.store.putItem(apiId, "deployment", id, d, undefined, this.store.snapshotOf(apiId, id));
    return d;
  }

  private pointStage(ctx: RequestContext, apiId: string, stage: StageRecord, deploymentId: string): void {
    const previous = stage.DeploymentId;
    stage.DeploymentId = deploymentId;
    stage.LastUpdatedDate = new Date(ctx.clock.now());
    stage.LastDeploymentStatusMessage = `Successfully deployed stage with deployment ID '${deploymentId}'`;
    this.store.putItem(apiId, "stage", stage.StageName, stage);
    // An auto deployment nothing points at any more is garbage: every change would otherwise leave one behind.
    if (previous && previous !== deploymentId && this.store.getItem(apiId, "deployment", previous)?.AutoDeployed && !this.store.listStages(apiId).some((s) => s.DeploymentId === previous)) {
      this.store.deleteItem(apiId, "deployment", previous);
    }
  }

  protected autoDeploy(ctx: RequestContext, apiId: string): void {
    const stages = this.store.listStages(apiId).filter((s) => s.AutoDeploy);
    if (!stages.length) return;
    const d = this.deploy(ctx, apiId, "Automatic deployment triggered by changes to the Api configuration", true);
    for (const s of stages) this.pointStage(ctx, apiId, s, d.DeploymentId);
  }

  CreateDeployment(ctx: RequestContext, input: A.CreateDeploymentInput): A.CreateDeploymentOutput {
    this.api(ctx, input.ApiId);
    const stage = input.StageName !== undefined ? this.stage(input.ApiId, input.StageName) : undefined;
    if (!this.store.listRoutes(input.ApiId).length) throw badRequest("Unable to deploy API because no routes exist in this API");
    const d = this.deploy(ctx, input.ApiId, input.Description, false);
    if (stage) this.pointStage(ctx, input.ApiId, stage, d.DeploymentId);
    prepareExecuteApi(this.env.services);
    return d;
  }

  private deployment(apiId: string, id: string): DeploymentRecord {
    const d = this.store.getItem(apiId, "deployment", id);
    if (!d) throw notFound("Deployment", id);
    return d;
  }

  GetDeployment(ctx: RequestContext, input: A.GetDeploymentInput): A.GetDeploymentOutput {
    this.api(ctx, input.ApiId);
    return this.deployment(input.ApiId, input.DeploymentId);
  }

  GetDeployments(ctx: RequestContext, input: A.GetDeploymentsInput): A.GetDeploymentsOutput {
    this.api(ctx, input.ApiId);
    return page(this.store.listItems(input.ApiId, "deployment"), input.MaxResults, input.NextToken, (d) => d.DeploymentId) as A.GetDeploymentsOutput;
  }

  UpdateDeployment(ctx: RequestContext, input: A.UpdateDeploymentInput): A.UpdateDeploymentOutput {
    this.api(ctx, input.ApiId);
    const d = { ...this.deployment(input.ApiId, input.DeploymentId), ...defined({ Description: input.Description }) };
    this.store.putItem(input.ApiId, "deployment", d.DeploymentId, d);
    return d;
  }

  DeleteDeployment(ctx: RequestContext, input: A.DeleteDeploymentInput): Empty {
    this.api(ctx, input.ApiId);
    this.deployment(input.ApiId, input.DeploymentId);
    const s = this.store.listStages(input.ApiId).find((x) => x.DeploymentId === input.DeploymentId);
    if (s) throw badRequest(`Deployment ${input.DeploymentId} is in use by stage ${s.StageName}; point the stage at another deployment first`);
    this.store.deleteItem(input.ApiId, "deployment", input.DeploymentId);
    return {};
  }

  // ---- Stages ----------------------------------------------------------------------------------------


  CreateStage(ctx: RequestContext, input: A.CreateStageInput): A.CreateStageOutput {
    const api = this.api(ctx, input.ApiId);
    if (!(STAGE_NAME.test(input.StageName ?? "") || (input.StageName === "$default" && api.ProtocolType === "HTTP"))) throw badRequest(`Invalid stage name ${input.StageName}: letters, digits, - and _ only (or $default for HTTP APIs)`);
    if (this.store.getStage(api.ApiId, input.StageName)) throw conflict(`Stage ${input.StageName} already exists`);
    if (input.DeploymentId) this.deployment(api.ApiId, input.DeploymentId);
    checkRouteSettings(input.DefaultRouteSettings, input.RouteSettings);
    const now = new Date(ctx.clock.now());
    const stage: StageRecord = defined({
      AccessLogSettings: input.AccessLogSettings, AutoDeploy: input.AutoDeploy ?? false, ClientCertificateId: input.ClientCertificateId, CreatedDate: now,
      DefaultRouteSettings: { DetailedMetricsEnabled: false, ...input.DefaultRouteSettings }, DeploymentId: input.DeploymentId, Description: input.Description,
      LastUpdatedDate: now, RouteSettings: input.RouteSettings ?? {}, StageName: input.StageName, StageVariables: input.StageVariables ?? {}, Tags: input.Tags ?? {},
    });
    this.store.putItem(api.ApiId, "stage", stage.StageName, stage);
    if (stage.AutoDeploy && !stage.DeploymentId) this.pointStage(ctx, api.ApiId, stage, this.deploy(ctx, api.ApiId, "Automatic deployment triggered by changes to the Api configuration", true).DeploymentId);
    prepareExecuteApi(this.env.services);
    return stage;
  }

  GetStage(ctx: RequestContext, input: A.GetStageInput): A.GetStageOutput {
    this.api(ctx, input.ApiId);
    return this.stage(input.ApiId, input.StageName);
  }

  GetStages(ctx: RequestContext, input: A.GetStagesInput): A.GetStagesOutput {
    this.api(ctx, input.ApiId);
    return page(this.store.listStages(input.ApiId), input.MaxResults, input.NextToken, (s) => s.StageName) as A.GetStagesOutput;
  }

  UpdateStage(ctx: RequestContext, input: A.UpdateStageInput): A.UpdateStageOutput {
    this.api(ctx, input.ApiId);
    const before = this.stage(input.ApiId, input.StageName);
    if (input.DeploymentId) this.deployment(input.ApiId, input.DeploymentId);
    checkRouteSettings(input.DefaultRouteSettings, input.RouteSettings);
    const { ApiId: _a, StageName: _s, DefaultRouteSettings, RouteSettings, StageVariables, ...changes } = input;
    const stage: StageRecord = {
      ...before, ...defined(changes), LastUpdatedDate: new Date(ctx.clock.now()),
      DefaultRouteSettings: DefaultRouteSettings ? { ...before.DefaultRouteSettings, ...DefaultRouteSettings } : before.DefaultRouteSettings,
      RouteSettings: RouteSettings ? mergeRouteSettings(before.RouteSettings ?? {}, RouteSettings) : before.RouteSettings,
      StageVariables: StageVariables ? dropEmpty({ ...before.StageVariables, ...StageVariables }) : before.StageVariables,
    };
    this.store.putItem(input.ApiId, "stage", stage.StageName, stage);
    if (stage.AutoDeploy && !before.AutoDeploy) this.pointStage(ctx, input.ApiId, stage, this.deploy(ctx, input.ApiId, "Automatic deployment triggered by changes to the Api configuration", true).DeploymentId);
    return stage;
  }

  DeleteStage(ctx: RequestContext, input: A.DeleteStageInput): Empty {
    this.api(ctx, input.ApiId);
    const s = this.stage(input.ApiId, input.StageName);
    if (s.ApiGatewayManaged) throw badRequest("Cannot delete a stage managed by API Gateway");
    this.store.deleteItem(input.ApiId, "stage", input.StageName);
    return {};
  }

  DeleteAccessLogSettings(ctx: RequestContext, input: A.DeleteAccessLogSettingsInput): Empty {
    this.api(ctx, input.ApiId);
    const s = this.stage(input.ApiId, input.StageName);
    delete s.AccessLogSettings;
    this.store.putItem(input.ApiId, "stage", s.StageName, s);
    return {};
  }

  DeleteRouteSettings(ctx: RequestContext, input: A.DeleteRouteSettingsInput): Empty {
    this.api(ctx, input.ApiId);
    const s = this.stage(input.ApiId, input.StageName);
    if (!s.RouteSettings?.[input.RouteKey]) throw notFound("RouteSettings", input.RouteKey);
    delete s.RouteSettings[input.RouteKey];
    this.store.putItem(input.ApiId, "stage", s.StageName, s);
    return {};
  }

  ResetAuthorizersCache(ctx: RequestContext, input: A.ResetAuthorizersCacheInput): Empty {
    this.api(ctx, input.ApiId);
    this.stage(input.ApiId, input.StageName);
    for (const l of this.authorizerCacheResets) l(input.ApiId, input.StageName);
    return {};
  }

  // ---- Tags ------------------------------------------------------------------------------------------

  TagResource(ctx: RequestContext, input: A.TagResourceInput): Empty {
    const t = this.tagTarget(ctx, input.ResourceArn);
    t.set({ ...t.get(), ...input.Tags });
    return {};
  }

  UntagResource(ctx: RequestContext, input: A.UntagResourceInput): Empty {
    const t = this.tagTarget(ctx, input.ResourceArn);
    const tags = { ...t.get() };
    for (const k of input.TagKeys ?? []) delete tags[k];
    t.set(tags);
    return {};
  }

  GetTags(ctx: RequestContext, input: A.GetTagsInput): A.GetTagsOutput {
    return { Tags: this.tagTarget(ctx, input.ResourceArn).get() };
  }

  /** Taggable resources by ARN: arn:aws:apigateway:{region}::/apis/{id}[/stages/{name}], ::/domainnames/{name}. */
  private tagTarget(ctx: RequestContext, arn: string): { get(): Record<string, string>; set(tags: Record<string, string>): void } {
    const m = /^arn:aws[a-z-]*:apigateway:([a-z0-9-]*)::\/(apis|domainnames)\/([^/]+)(?:\/stages\/([^/]+))?$/.exec(arn ?? "");
    if (!m) throw badRequest(`Invalid resource ARN ${arn}`);
    const [, , kind, id, stageName] = m as unknown as [string, string, string, string, string | undefined];
    if (kind === "domainnames") {
      if (stageName) throw badRequest(`Invalid resource ARN ${arn}`);
      const d = this.domain(ctx, id);
      return { get: () => d.Tags ?? {}, set: (tags) => this.store.putDomain(ctx.accountId, ctx.region, { ...d, Tags: tags }) };
    }
    const api = this.api(ctx, id);
    if (stageName) {
      const s = this.stage(id, stageName);
      return { get: () => s.Tags ?? {}, set: (tags) => this.store.putItem(id, "stage", s.StageName, { ...s, Tags: tags }) };
    }
    return { get: () => api.Tags ?? {}, set: (tags) => this.store.putApi(ctx.accountId, ctx.region, { ...api, Tags: tags }) };
  }

  // ---- OpenAPI ---------------------------------------------------------------------------------------

  async ImportApi(ctx: RequestContext, input: A.ImportApiInput): Promise<A.ImportApiOutput> {
    const { importApi } = await import("./openapi.js");
    const api = importApi(ctx, this, input.Body, undefined, input.FailOnWarnings ?? false, input.Basepath);
    this.autoDeploy(ctx, api.ApiId);
    return this.withEndpoint(ctx, api);
  }

  async ReimportApi(ctx: RequestContext, input: A.ReimportApiInput): Promise<A.ReimportApiOutput> {
    const existing = this.api(ctx, input.ApiId);
    const { importApi } = await import("./openapi.js");
    const api = importApi(ctx, this, input.Body, existing, input.FailOnWarnings ?? false, input.Basepath);
    this.autoDeploy(ctx, api.ApiId);
    return this.withEndpoint(ctx, api);
  }

  async ExportApi(ctx: RequestContext, input: A.ExportApiInput): Promise<A.ExportApiOutput> {
    const api = this.api(ctx, input.ApiId);
    if (input.Specification !== "OAS30") throw badRequest(`Invalid specification ${input.Specification}. Supported: OAS30`);
    if (input.OutputType !== "JSON" && input.OutputType !== "YAML") throw badRequest(`Invalid output type ${input.OutputType}. Supported: JSON, YAML`);
    if (api.ProtocolType !== "HTTP") throw badRequest("Export is supported only for HTTP APIs");
    let snapshot = this.store.snapshotOf(api.ApiId, "live")!;
    if (input.StageName) {
      const stage = this.stage(api.ApiId, input.StageName);
      if (!stage.DeploymentId) throw badRequest(`Stage ${input.StageName} has no deployment`);
      snapshot = this.store.getSnapshot(api.ApiId, stage.DeploymentId) ?? snapshot;
    }
    const { exportApi } = await import("./openapi.js");
    return { body: exportApi(snapshot, this.endpointOf(ctx, api.ApiId, api.ProtocolType), input.OutputType, input.IncludeExtensions ?? true, input.ExportVersion, input.StageName) };
  }

  // ---- Internal access for the data planes ------------------------------------------------------------

  /** The RequestContext-free view the request paths use (execute/, websocket/). */
  get log() {
    return this.env.log;
  }

  /** For openapi.ts: ids, and the same rules the API operations apply. */
  newId(length: number): string {
    return this.env.ids.alnum(length);
  }
  checkedIntegration(api: ApiRecord, i: IntegrationRecord): IntegrationRecord {
    return this.normalizeIntegration(api, i);
  }
  checkImportedRoute(api: ApiRecord, r: RouteRecord): void {
    this.checkRoute(api, r);
  }

  reset(): void {
    for (const r of this.resets) r();
  }

  now(): number {
    return this.env.clock.now();
  }

  internalCtx(account: string, region: string, requestId: string): RequestContext {
    return { requestId, accountId: account, region, service: "apigatewayv2", operation: "", principal: { accessKeyId: "", anonymous: true }, clock: this.env.clock, endpoint: this.env.services.localEndpoint };
  }
}

function checkCors(c: A.CorsConfiguration | undefined): void {
  if (!c) return;
  if (c.MaxAge !== undefined && (c.MaxAge < -1 || c.MaxAge > 86400)) throw badRequest("MaxAge must be between -1 and 86400");
  if (c.AllowCredentials && c.AllowOrigins?.includes("*")) throw badRequest("allow-credentials is not supported with a wildcard origin: list the origins instead of *");
  for (const m of c.AllowMethods ?? []) if (!/^(\*|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/i.test(m)) throw badRequest(`Invalid CORS method ${m}`);
}

function checkRouteSettings(d: A.DefaultRouteSettings | undefined, r: A.RouteSettingsShape | undefined): void {
  for (const s of [d, ...Object.values(r ?? {})]) {
    if (!s) continue;
    if (s.ThrottlingBurstLimit !== undefined && (!Number.isInteger(s.ThrottlingBurstLimit) || s.ThrottlingBurstLimit < 0)) throw badRequest("ThrottlingBurstLimit must be a non-negative integer");
    if (s.ThrottlingRateLimit !== undefined && !(s.ThrottlingRateLimit >= 0)) throw badRequest("ThrottlingRateLimit must be non-negative");
    if (s.LoggingLevel !== undefined && !["ERROR", "INFO", "OFF"].includes(s.LoggingLevel)) throw badRequest(`Invalid logging level ${s.LoggingLevel}`);
  }
}

function mergeRouteSettings(before: A.RouteSettingsShape, changes: A.RouteSettingsShape): A.RouteSettingsShape {
  const out = { ...before };
  for (const [k, v] of Object.entries(changes)) out[k] = { ...out[k], ...v };
  return out;
}

/** UpdateStage with a variable set to "" removes it. */
function dropEmpty(vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== ""));
}

export const createProvider = (env: ServiceEnv) => new ApiGatewayV2Provider(env);
