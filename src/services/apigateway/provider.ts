/**
 * API Gateway REST APIs (v1) — the control plane: REST APIs, resources, methods, integrations, method and
 * integration responses, models (draft-04, validated on create), request validators, deployments
 * (immutable snapshots, see snapshot.ts), stages (variables, method settings, canary settings), gateway
 * responses, custom domain names with base path mappings, tags, and GetExport (OpenAPI 3 / Swagger 2 with
 * the x-amazon-apigateway-* extensions). The request path lives in execute/.
 *
 * Gaps against AWS: authorizers, API keys and usage plans are not implemented yet (their operations answer
 * NotImplementedException), as are TestInvokeMethod, documentation parts,
 * SDK generation, VPC links and client certificates. YAML export is not offered (JSON only).
 */
import AjvModule from "ajv-draft-04";

// ajv-draft-04 is CommonJS: its class is the default export under ESM interop.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as new (o: object) => { compile(schema: object): unknown };
import type * as A from "../../aws/api/apigateway.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import type { ApiDoc, StoredResource } from "./model.js";
import { exportOpenApi } from "./openapi/export.js";
import { applyDefinition, parseDefinition } from "./openapi/import.js";
import { applyPatch, coerce, type PatchOperation } from "./patch.js";
import type { ApiLocation, DeploymentSnapshot, RestApiDataAccess } from "./snapshot.js";
import { ApiGatewayStore } from "./store.js";

const notFound = (what: string) => new ServiceError("NotFoundException", `Invalid ${what} identifier specified`, 404);
const badRequest = (message: string) => new ServiceError("BadRequestException", message, 400);
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"];
const INTEGRATION_TYPES = ["HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"];
const DEFAULT_MODELS: Array<[string, string]> = [
  ["Empty", '{\n  "$schema": "http://json-schema.org/draft-04/schema#",\n  "title" : "Empty Schema",\n  "type" : "object"\n}'],
  ["Error", '{\n  "$schema" : "http://json-schema.org/draft-04/schema#",\n  "title" : "Error Schema",\n  "type" : "object",\n  "properties" : {\n    "message" : { "type" : "string" }\n  }\n}'],
];
const METHOD_SETTING_FIELDS: Record<string, string> = {
  "metrics/enabled": "metricsEnabled", "logging/loglevel": "loggingLevel", "logging/dataTrace": "dataTraceEnabled",
  "throttling/burstLimit": "throttlingBurstLimit", "throttling/rateLimit": "throttlingRateLimit", "caching/enabled": "cachingEnabled",
  "caching/ttlInSeconds": "cacheTtlInSeconds", "caching/dataEncrypted": "cacheDataEncrypted", "caching/requireAuthorizationForCacheControl": "requireAuthorizationForCacheControl",
  "caching/unauthorizedCacheControlHeaderStrategy": "unauthorizedCacheControlHeaderStrategy",
};
const NUMERIC_SETTINGS = new Set(["throttlingBurstLimit", "throttlingRateLimit", "cacheTtlInSeconds"]);
const BOOLEAN_SETTINGS = new Set(["metricsEnabled", "dataTraceEnabled", "cachingEnabled", "cacheDataEncrypted", "requireAuthorizationForCacheControl"]);

export class ApiGatewayProvider implements A.ApigatewayHandlers, RestApiDataAccess {
  readonly store: ApiGatewayStore;
  private readonly snapshots = new Map<string, DeploymentSnapshot>();

  constructor(private readonly env: ServiceEnv) {
    this.store = new ApiGatewayStore(env.store);
  }

  // ---- RestApi ---------------------------------------------------------------------------------------

  CreateRestApi(ctx: RequestContext, input: A.CreateRestApiInput): A.RestApi {
    if (!input.name) throw badRequest("Invalid REST API name specified");
    const id = this.env.ids.alnum(10);
    const rootId = this.env.ids.alnum(10);
    const api: A.RestApi = {
      id, name: input.name, description: input.description, createdDate: new Date(ctx.clock.now()), version: input.version,
      binaryMediaTypes: input.binaryMediaTypes, minimumCompressionSize: input.minimumCompressionSize, apiKeySource: input.apiKeySource ?? "HEADER",
      endpointConfiguration: input.endpointConfiguration ?? { types: ["EDGE"] }, policy: input.policy, tags: input.tags,
      disableExecuteApiEndpoint: input.disableExecuteApiEndpoint ?? false, rootResourceId: rootId,
    };
    const doc: ApiDoc = { api, resources: { [rootId]: { id: rootId, path: "/", methods: {} } }, models: {}, validators: {}, authorizers: {}, gatewayResponses: {} };
    for (const [name, schema] of DEFAULT_MODELS) {
      const mid = this.env.ids.alnum(6);
      doc.models[name] = { id: mid, name, description: `This is a default ${name.toLowerCase()} schema model`, schema, contentType: "application/json" };
    }
    this.store.putApi(ctx.accountId, ctx.region, doc);
    return api;
  }

  ImportRestApi(ctx: RequestContext, input: A.ImportRestApiInput): A.RestApi {
    const def = parseDefinition(input.body);
    const api = this.CreateRestApi(ctx, { name: String(def.info?.title ?? "imported"), description: def.info?.description, endpointConfiguration: input.parameters?.endpointConfigurationTypes ? { types: [input.parameters.endpointConfigurationTypes] } : undefined });
    const doc = this.api(ctx, api.id!);
    const warnings = applyDefinition(doc, def, this.env.ids, "overwrite");
    if (warnings.length && input.failOnWarnings) throw badRequest(warnings.join("; "));
    doc.api.warnings = warnings.length ? warnings : undefined;
    this.save(ctx, doc);
    return doc.api;
  }

  PutRestApi(ctx: RequestContext, input: A.PutRestApiInput): A.RestApi {
    const doc = this.api(ctx, input.restApiId);
    const def = parseDefinition(input.body);
    const mode = input.mode ?? "merge";
    if (mode !== "overwrite" && mode !== "merge") throw badRequest(`Invalid mode: ${input.mode}`);
    const warnings = applyDefinition(doc, def, this.env.ids, mode);
    if (warnings.length && input.failOnWarnings) throw badRequest(warnings.join("; "));
    this.save(ctx, doc);
    return { ...doc.api, warnings: warnings.length ? warnings : undefined };
  }

  GetRestApi(ctx: RequestContext, input: A.GetRestApiInput): A.RestApi {
    return this.api(ctx, input.restApiId).api;
  }

  GetRestApis(ctx: RequestContext, input: A.GetRestApisInput): A.GetRestApisOutput {
    return page(this.store.listApis(ctx.accountId, ctx.region).map((d) => d.api), input.position, input.limit, (a) => a.id!);
  }

  UpdateRestApi(ctx: RequestContext, input: A.UpdateRestApiInput): A.RestApi {
    const doc = this.api(ctx, input.restApiId);
    const api = doc.api as Record<string, unknown>;
    if (input.patchOperations?.some((p) => p.path === "/binaryMediaTypes" || p.path?.startsWith("/binaryMediaTypes/"))) api.binaryMediaTypes ??= [];
    applyPatch(api, input.patchOperations as PatchOperation[]);
    if (typeof api.minimumCompressionSize === "string") api.minimumCompressionSize = Number(api.minimumCompressionSize);
    this.store.putApi(ctx.accountId, ctx.region, doc);
    return doc.api;
  }

  DeleteRestApi(ctx: RequestContext, input: A.DeleteRestApiInput): Record<string, never> {
    this.api(ctx, input.restApiId);
    this.store.deleteApi(ctx.accountId, ctx.region, input.restApiId);
    return {};
  }

  // ---- Resources -------------------------------------------------------------------------------------

  GetResources(ctx: RequestContext, input: A.GetResourcesInput): A.GetResourcesOutput {
    const doc = this.api(ctx, input.restApiId);
    const embed = input.embed?.includes("methods");
    const all = Object.values(doc.resources).sort((a, b) => a.path.localeCompare(b.path)).map((r) => toResource(r, embed));
    return page(all, input.position, input.limit, (r) => r.id!);
  }

  GetResource(ctx: RequestContext, input: A.GetResourceInput): A.Resource {
    return toResource(this.resource(this.api(ctx, input.restApiId), input.resourceId), input.embed?.includes("methods"));
  }

  CreateResource(ctx: RequestContext, input: A.CreateResourceInput): A.Resource {
    const doc = this.api(ctx, input.restApiId);
    const parent = this.resource(doc, input.parentId);
    const part = input.pathPart;
    if (!/^(\{[a-zA-Z0-9._-]+\+?\}|[a-zA-Z0-9._:~@$&'*,;=!-]+)$/.test(part)) throw badRequest("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.");
    const siblings = Object.values(doc.resources).filter((r) => r.parentId === parent.id);
    if (siblings.some((s) => s.pathPart === part)) throw new ServiceError("ConflictException", `Another resource with the same parent already has this name: ${part}`, 409);
    if (part.startsWith("{") && siblings.some((s) => s.pathPart?.startsWith("{"))) throw badRequest(`A sibling (${siblings.find((s) => s.pathPart?.startsWith("{"))!.pathPart}) of this resource already has a variable path part -- only one is allowed`);
    if (parent.pathPart?.endsWith("+}")) throw badRequest("Cannot create a child of a resource with a greedy path variable");
    const id = this.env.ids.alnum(6);
    const path = parent.path === "/" ? `/${part}` : `${parent.path}/${part}`;
    const r: StoredResource = { id, parentId: parent.id, pathPart: part, path, methods: {} };
    doc.resources[id] = r;
    this.save(ctx, doc);
    return toResource(r, false);
  }

  DeleteResource(ctx: RequestContext, input: A.DeleteResourceInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId);
    const r = this.resource(doc, input.resourceId);
    if (!r.parentId) throw badRequest("Cannot delete the root resource");
    for (const other of Object.values(doc.resources)) if (other.path === r.path || other.path.startsWith(`${r.path}/`)) delete doc.resources[other.id];
    this.save(ctx, doc);
    return {};
  }

  UpdateResource(ctx: RequestContext, input: A.UpdateResourceInput): A.Resource {
    const doc = this.api(ctx, input.restApiId);
    const r = this.resource(doc, input.resourceId);
    applyPatch(r as unknown as Record<string, unknown>, input.patchOperations as PatchOperation[], /^\/(pathPart|parentId)$/);
    const parent = this.resource(doc, r.parentId!);
    r.path = parent.path === "/" ? `/${r.pathPart}` : `${parent.path}/${r.pathPart}`;
    this.save(ctx, doc);
    return toResource(r, false);
  }

  // ---- Methods, integrations, responses -------------------------------------------------------------

  PutMethod(ctx: RequestContext, input: A.PutMethodInput): A.Method {
    const doc = this.api(ctx, input.restApiId);
    const r = this.resource(doc, input.resourceId);
    const httpMethod = input.httpMethod.toUpperCase();
    if (!METHODS.includes(httpMethod)) throw badRequest("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY");
    if (r.methods[httpMethod]) throw new ServiceError("ConflictException", "Method already exists for this resource", 409);
    if (input.requestValidatorId && !doc.validators[input.requestValidatorId]) throw badRequest("Invalid Request Validator identifier specified");
    for (const [ct, model] of Object.entries(input.requestModels ?? {})) if (!doc.models[model]) throw badRequest(`Invalid model identifier specified: ${model} for content type ${ct}`);
    const m: A.Method = {
      httpMethod, authorizationType: input.authorizationType, authorizerId: input.authorizerId, apiKeyRequired: input.apiKeyRequired ?? false,
      requestValidatorId: input.requestValidatorId, operationName: input.operationName, requestParameters: input.requestParameters,
      requestModels: input.requestModels, authorizationScopes: input.authorizationScopes,
    };
    r.methods[httpMethod] = m;
    this.save(ctx, doc);
    return m;
  }

  GetMethod(ctx: RequestContext, input: A.GetMethodInput): A.Method {
    return this.method(this.api(ctx, input.restApiId), input.resourceId, input.httpMethod);
  }

  DeleteMethod(ctx: RequestContext, input: A.DeleteMethodInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId);
    this.method(doc, input.resourceId, input.httpMethod);
    delete this.resource(doc, input.resourceId).methods[input.httpMethod.toUpperCase()];
    this.save(ctx, doc);
    return {};
  }

  UpdateMethod(ctx: RequestContext, input: A.UpdateMethodInput): A.Method {
    const doc = this.api(ctx, input.restApiId);
    const m = this.method(doc, input.resourceId, input.httpMethod);
    applyPatch(m as Record<string, unknown>, input.patchOperations as PatchOperation[]);
    this.save(ctx, doc);
    return m;
  }

  PutIntegration(ctx: RequestContext, input: A.PutIntegrationInput): A.Integration {
    const doc = this.api(ctx, input.restApiId);
    const m = this.method(doc, input.resourceId, input.httpMethod);
    if (!INTEGRATION_TYPES.includes(input.type)) throw badRequest(`1 validation error detected: Value '${input.type}' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]`);
    validateIntegration(input);
    const integration: A.Integration = {
      type: input.type, httpMethod: input.integrationHttpMethod, uri: input.uri, connectionType: input.connectionType ?? "INTERNET", connectionId: input.connectionId,
      credentials: input.credentials, requestParameters: input.requestParameters, requestTemplates: input.requestTemplates,
      passthroughBehavior: input.passthroughBehavior ?? "WHEN_NO_MATCH", contentHandling: input.contentHandling, timeoutInMillis: input.timeoutInMillis ?? 29000,
      cacheNamespace: input.cacheNamespace ?? input.resourceId, cacheKeyParameters: input.cacheKeyParameters ?? [], tlsConfig: input.tlsConfig,
    };
    m.methodIntegration = integration;
    this.save(ctx, doc);
    return integration;
  }

  GetIntegration(ctx: RequestContext, input: A.GetIntegrationInput): A.Integration {
    return this.integration(this.api(ctx, input.restApiId), input.resourceId, input.httpMethod);
  }

  DeleteIntegration(ctx: RequestContext, input: A.DeleteIntegrationInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId);
    this.integration(doc, input.resourceId, input.httpMethod);
    delete this.method(doc, input.resourceId, input.httpMethod).methodIntegration;
    this.save(ctx, doc);
    return {};
  }

  UpdateIntegration(ctx: RequestContext, input: A.UpdateIntegrationInput): A.Integration {
    const doc = this.api(ctx, input.restApiId);
    const i = this.integration(doc, input.resourceId, input.httpMethod);
    applyPatch(i as Record<string, unknown>, input.patchOperations as PatchOperation[]);
    this.save(ctx, doc);
    return i;
  }

  PutIntegrationResponse(ctx: RequestContext, input: A.PutIntegrationResponseInput): A.IntegrationResponse {
    const doc = this.api(ctx, input.restApiId);
    const i = this.integration(doc, input.resourceId, input.httpMethod);
    if (!/^[1-5]\d\d$/.test(input.statusCode)) throw badRequest("Invalid status code");
    const r: A.IntegrationResponse = { statusCode: input.statusCode, selectionPattern: input.selectionPattern, responseParameters: input.responseParameters, responseTemplates: input.responseTemplates, contentHandling: input.contentHandling };
    i.integrationResponses = { ...i.integrationResponses, [input.statusCode]: r };
    this.save(ctx, doc);
    return r;
  }

  GetIntegrationResponse(ctx: RequestContext, input: A.GetIntegrationResponseInput): A.IntegrationResponse {
    const r = this.integration(this.api(ctx, input.restApiId), input.resourceId, input.httpMethod).integrationResponses?.[input.statusCode];
    if (!r) throw notFound("Response status code");
    return r;
  }

  DeleteIntegrationResponse(ctx: RequestContext, input: A.DeleteIntegrationResponseInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId);
    const i = this.integration(doc, input.resourceId, input.httpMethod);
    if (!i.integrationResponses?.[input.statusCode]) throw notFound("Response status code");
    delete i.integrationResponses[input.statusCode];
    this.save(ctx, doc);
    return {};
  }

  PutMethodResponse(ctx: RequestContext, input: A.PutMethodResponseInput): A.MethodResponse {
    const doc = this.api(ctx, input.restApiId);
    const m = this.method(doc, input.resourceId, input.httpMethod);
    if (!/^[1-5]\d\d$/.test(input.statusCode)) throw badRequest("Invalid status code");
    const r: A.MethodResponse = { statusCode: input.statusCode, responseParameters: input.responseParameters, responseModels: input.responseModels };
    m.methodResponses = { ...m.methodResponses, [input.statusCode]: r };
    this.save(ctx, doc);
    return r;
  }

  GetMethodResponse(ctx: RequestContext, input: A.GetMethodResponseInput): A.MethodResponse {
    const r = this.method(this.api(ctx, input.restApiId), input.resourceId, input.httpMethod).methodResponses?.[input.statusCode];
    if (!r) throw notFound("Response status code");
    return r;
  }

  DeleteMethodResponse(ctx: RequestContext, input: A.DeleteMethodResponseInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId);
    const m = this.method(doc, input.resourceId, input.httpMethod);
    if (!m.methodResponses?.[input.statusCode]) throw notFound("Response status code");
    delete m.methodResponses[input.statusCode];
    this.save(ctx, doc);
    return {};
  }

  // ---- Models, validators, gateway responses ---------------------------------------------------------

  CreateModel(ctx: RequestContext, input: A.CreateModelInput): A.Model {
    const doc = this.api(ctx, input.restApiId);
    if (!/^[a-zA-Z0-9]+$/.test(input.name)) throw badRequest("Model name must be alphanumeric");
    if (doc.models[input.name]) throw new ServiceError("ConflictException", "Model name already exists for this REST API", 409);
    if (input.schema) {
      try {
        new Ajv({ strict: false }).compile(JSON.parse(input.schema) as object);
      } catch (e) {
        throw badRequest(`Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified. Unsupported keyword(s): ${(e as Error).message}]`);
      }
    }
    const m: A.Model = { id: this.env.ids.alnum(6), name: input.name, description: input.description, schema: input.schema, contentType: input.contentType };
    doc.models[input.name] = m;
    this.save(ctx, doc);
    return m;
  }

  GetModel(ctx: RequestContext, input: A.GetModelInput): A.Model {
    const m = this.api(ctx, input.restApiId).models[input.modelName];
    if (!m) throw new ServiceError("NotFoundException", "Invalid model name specified", 404);
    return m;
  }

  GetModels(ctx: RequestContext, input: A.GetModelsInput): A.GetModelsOutput {
    return page(Object.values(this.api(ctx, input.restApiId).models), input.position, input.limit, (m) => m.name!);
  }

  DeleteModel(ctx: RequestContext, input: A.DeleteModelInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId);
    if (!doc.models[input.modelName]) throw new ServiceError("NotFoundException", "Invalid model name specified", 404);
    delete doc.models[input.modelName];
    this.save(ctx, doc);
    return {};
  }

  CreateRequestValidator(ctx: RequestContext, input: A.CreateRequestValidatorInput): A.RequestValidator {
    const doc = this.api(ctx, input.restApiId);
    const v: A.RequestValidator = { id: this.env.ids.alnum(6), name: input.name, validateRequestBody: input.validateRequestBody ?? false, validateRequestParameters: input.validateRequestParameters ?? false };
    doc.validators[v.id!] = v;
    this.save(ctx, doc);
    return v;
  }

  GetRequestValidator(ctx: RequestContext, input: A.GetRequestValidatorInput): A.RequestValidator {
    const v = this.api(ctx, input.restApiId).validators[input.requestValidatorId];
    if (!v) throw notFound("Request Validator");
    return v;
  }

  GetRequestValidators(ctx: RequestContext, input: A.GetRequestValidatorsInput): A.GetRequestValidatorsOutput {
    return page(Object.values(this.api(ctx, input.restApiId).validators), input.position, input.limit, (v) => v.id!);
  }

  DeleteRequestValidator(ctx: RequestContext, input: A.DeleteRequestValidatorInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId);
    if (!doc.validators[input.requestValidatorId]) throw notFound("Request Validator");
    delete doc.validators[input.requestValidatorId];
    this.save(ctx, doc);
    return {};
  }

  PutGatewayResponse(ctx: RequestContext, input: A.PutGatewayResponseInput): A.GatewayResponse {
    const doc = this.api(ctx, input.restApiId);
    const g: A.GatewayResponse = { responseType: input.responseType, statusCode: input.statusCode, responseParameters: input.responseParameters, responseTemplates: input.responseTemplates, defaultResponse: false };
    doc.gatewayResponses[input.responseType] = g;
    this.save(ctx, doc);
    return g;
  }

  GetGatewayResponse(ctx: RequestContext, input: A.GetGatewayResponseInput): A.GatewayResponse {
    const doc = this.api(ctx, input.restApiId);
    return doc.gatewayResponses[input.responseType] ?? { responseType: input.responseType, defaultResponse: true, responseParameters: {}, responseTemplates: { "application/json": '{"message":$context.error.messageString}' } };
  }

  GetGatewayResponses(ctx: RequestContext, input: A.GetGatewayResponsesInput): A.GetGatewayResponsesOutput {
    return page(Object.values(this.api(ctx, input.restApiId).gatewayResponses), input.position, input.limit, (g) => g.responseType!);
  }

  DeleteGatewayResponse(ctx: RequestContext, input: A.DeleteGatewayResponseInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId);
    delete doc.gatewayResponses[input.responseType];
    this.save(ctx, doc);
    return {};
  }

  // ---- Deployments and stages ------------------------------------------------------------------------

  CreateDeployment(ctx: RequestContext, input: A.CreateDeploymentInput): A.Deployment {
    const doc = this.api(ctx, input.restApiId);
    if (!Object.values(doc.resources).some((r) => Object.keys(r.methods).length)) throw badRequest("The REST API doesn't contain any methods");
    for (const r of Object.values(doc.resources)) for (const m of Object.values(r.methods)) if (!m.methodIntegration) throw badRequest("No integration defined for method");
    const id = this.env.ids.alnum(6);
    const now = ctx.clock.now();
    const snapshot: DeploymentSnapshot = {
      deploymentId: id,
      api: doc.api,
      resources: Object.values(doc.resources).map((r) => toResource(r, true)),
      models: Object.values(doc.models),
      requestValidators: Object.values(doc.validators),
      authorizers: Object.values(doc.authorizers),
      gatewayResponses: Object.values(doc.gatewayResponses),
    };
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
    return {
      stageName: name, deploymentId, description: o.description, cacheClusterEnabled: o.cacheClusterEnabled ?? false, cacheClusterSize: o.cacheClusterSize,
      cacheClusterStatus: "NOT_AVAILABLE", methodSettings: {}, variables: o.variables, tracingEnabled: o.tracingEnabled ?? false, canarySettings: o.canarySettings,
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
    if (stage.canarySettings?.percentTraffic !== undefined) stage.canarySettings.percentTraffic = Number(coerce(0, String(stage.canarySettings.percentTraffic)));
    stage.lastUpdatedDate = new Date(ctx.clock.now());
    this.store.putStage(input.restApiId, stage);
    return stage;
  }

  DeleteStage(ctx: RequestContext, input: A.DeleteStageInput): Record<string, never> {
    this.api(ctx, input.restApiId);
    if (!this.store.getStage(input.restApiId, input.stageName)) throw notFound("Stage");
    this.store.deleteStage(input.restApiId, input.stageName);
    return {};
  }

  GetExport(ctx: RequestContext, input: A.GetExportInput): A.GetExportOutput {
    this.api(ctx, input.restApiId);
    const stage = this.store.getStage(input.restApiId, input.stageName);
    if (!stage) throw notFound("Stage");
    const snapshot = this.getDeploymentSnapshot({ accountId: ctx.accountId, region: ctx.region }, input.restApiId, stage.deploymentId!)!;
    if (input.exportType !== "oas30" && input.exportType !== "swagger") throw badRequest(`No export type found for ${input.exportType}`);
    if (input.accepts && /yaml/.test(input.accepts)) throw badRequest("Skyport exports JSON only (application/json)");
    const ext = input.parameters?.extensions ?? "integrations";
    const body = exportOpenApi(snapshot, stage, ctx.region, input.exportType, { integrations: /integrations|apigateway/.test(ext), apigateway: /apigateway/.test(ext) });
    return { contentType: "application/json", contentDisposition: `attachment; filename="${input.exportType}_${snapshot.deploymentId}.json"`, body: Buffer.from(JSON.stringify(body, null, 2)) };
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
    this.api(ctx, input.restApiId);
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

  private domain(ctx: RequestContext, name: string) {
    const d = this.store.getDomain(name);
    if (!d || d.account !== ctx.accountId || d.region !== ctx.region) throw new ServiceError("NotFoundException", "Invalid domain name identifier specified", 404);
    return d;
  }

  // ---- Tags ------------------------------------------------------------------------------------------

  TagResource(ctx: RequestContext, input: A.TagResourceInput): Record<string, never> {
    const doc = this.apiByArn(ctx, input.resourceArn);
    doc.api.tags = { ...doc.api.tags, ...input.tags };
    this.save(ctx, doc);
    return {};
  }

  UntagResource(ctx: RequestContext, input: A.UntagResourceInput): Record<string, never> {
    const doc = this.apiByArn(ctx, input.resourceArn);
    for (const k of input.tagKeys) delete doc.api.tags?.[k];
    this.save(ctx, doc);
    return {};
  }

  GetTags(ctx: RequestContext, input: A.GetTagsInput): A.GetTagsOutput {
    return { tags: this.apiByArn(ctx, input.resourceArn).api.tags ?? {} };
  }

  private apiByArn(ctx: RequestContext, arn: string): ApiDoc {
    const m = /^arn:aws:apigateway:[^:]*::\/restapis\/([^/]+)$/.exec(arn);
    if (!m) throw badRequest("Invalid ARN specified in the request");
    return this.api(ctx, m[1]!);
  }

  // ---- RestApiDataAccess (for execute/) --------------------------------------------------------------

  locateRestApi(restApiId: string): ApiLocation | undefined {
    const l = this.store.locate(restApiId);
    return l && { accountId: l.account, region: l.region };
  }

  getStageFor(_location: ApiLocation, restApiId: string, stageName: string): A.Stage | undefined {
    return this.store.getStage(restApiId, stageName);
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
  }

  // ---- helpers ---------------------------------------------------------------------------------------

  private api(ctx: RequestContext, id: string): ApiDoc {
    const doc = this.store.getApi(ctx.accountId, ctx.region, id);
    if (!doc) throw new ServiceError("NotFoundException", `Invalid API identifier specified ${ctx.accountId}:${id}`, 404);
    return doc;
  }

  private resource(doc: ApiDoc, id: string): StoredResource {
    const r = doc.resources[id];
    if (!r) throw notFound("Resource");
    return r;
  }

  private method(doc: ApiDoc, resourceId: string, httpMethod: string): A.Method {
    const m = this.resource(doc, resourceId).methods[httpMethod.toUpperCase()];
    if (!m) throw notFound("Method");
    return m;
  }

  private integration(doc: ApiDoc, resourceId: string, httpMethod: string): A.Integration {
    const i = this.method(doc, resourceId, httpMethod).methodIntegration;
    if (!i) throw notFound("Integration");
    return i;
  }

  private save(ctx: RequestContext, doc: ApiDoc): void {
    this.store.putApi(ctx.accountId, ctx.region, doc);
  }
}

function toResource(r: StoredResource, embed: boolean | undefined): A.Resource {
  const out: A.Resource = { id: r.id, parentId: r.parentId, pathPart: r.pathPart, path: r.path };
  const methods = Object.entries(r.methods);
  if (methods.length) out.resourceMethods = Object.fromEntries(methods.map(([k, m]) => [k, embed ? m : {}]));
  return out;
}

/** position/limit pagination as API Gateway does it (position is an opaque token: the next item's key). */
function page<T>(all: T[], position: string | undefined, limit: number | undefined, key: (t: T) => string): { items: T[]; position?: string } {
  const max = Math.min(Math.max(limit ?? 25, 1), 500);
  let start = 0;
  if (position) {
    const k = Buffer.from(position, "base64url").toString("utf8");
    start = all.findIndex((x) => key(x) === k);
    if (start < 0) throw badRequest("Invalid position parameter");
  }
  const items = all.slice(start, start + max);
  const next = all[start + max];
  return { items, position: next ? Buffer.from(key(next)).toString("base64url") : undefined };
}

function validateIntegration(input: A.PutIntegrationInput): void {
  const t = input.type;
  if (t === "MOCK") return;
  if ((t === "AWS" || t === "AWS_PROXY" || t === "HTTP" || t === "HTTP_PROXY") && !input.integrationHttpMethod) throw badRequest("Enumeration value for HttpMethod must be non-empty");
  if (!input.uri) throw badRequest(`Invalid integration URI specified`);
  if (t === "HTTP" || t === "HTTP_PROXY") {
    if (!/^https?:\/\//.test(input.uri)) throw badRequest("Invalid HTTP endpoint specified for URI");
    return;
  }
  const m = /^arn:aws:apigateway:([a-z0-9-]+|\$\{stageVariables\.[^}]+\}):([a-z0-9-]+):(path|action)\/(.+)$/.exec(input.uri);
  if (!input.uri.startsWith("arn:")) throw badRequest("Invalid ARN specified in the request");
  if (!m) throw badRequest("AWS ARN for integration must contain path or action");
  if (t === "AWS_PROXY" && m[2] !== "lambda" && m[2] !== "firehose") throw badRequest("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.");
}

export const createProvider = (env: ServiceEnv) => new ApiGatewayProvider(env);
