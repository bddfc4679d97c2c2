/**
 * The definition half of the API Gateway control plane: REST APIs (including OpenAPI import), resources,
 * methods, integrations, method and integration responses, models, request validators and gateway
 * responses. ApiGatewayProvider (provider.ts) extends it with deployments, stages, domains, tags, export
 * and the data access the request path uses.
 */
import type * as A from "../../aws/api/apigateway.js";
import { checkModelSchema } from "./execute/models.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import type { ApiDoc, StoredResource } from "./model.js";
import { applyDefinition, parseDefinition } from "./openapi/import.js";
import { applyPatch, type PatchOperation } from "./patch.js";
import { ApiGatewayStore } from "./store.js";
import { badRequest, DEFAULT_MODELS, enumError, INTEGRATION_TYPES, METHODS, notFound, page, toResource, validateIntegration, validateIntegrationSettings, validateMethod } from "./shared.js";

function validateApiEnums(api: { apiKeySource?: string; endpointConfiguration?: A.EndpointConfiguration }): void {
  if (api.apiKeySource !== undefined && !["HEADER", "AUTHORIZER"].includes(api.apiKeySource)) throw enumError("apiKeySource", api.apiKeySource, ["HEADER", "AUTHORIZER"]);
  for (const t of api.endpointConfiguration?.types ?? []) if (!["REGIONAL", "EDGE", "PRIVATE"].includes(t)) throw enumError("endpointConfiguration.types", t, ["REGIONAL", "EDGE", "PRIVATE"]);
  const ip = api.endpointConfiguration?.ipAddressType;
  if (ip !== undefined && !["ipv4", "dualstack"].includes(ip)) throw enumError("endpointConfiguration.ipAddressType", ip, ["ipv4", "dualstack"]);
}

/** The model operations' wording for a missing API (AWS, as recorded by moto and LocalStack). */
export const restApiIdNotFound = () => new ServiceError("NotFoundException", "Invalid Rest API Id specified", 404);

export abstract class ApiDefinitionOps {
  readonly store: ApiGatewayStore;

  constructor(protected readonly env: ServiceEnv) {
    this.store = new ApiGatewayStore(env.store);
  }

  // ---- RestApi ---------------------------------------------------------------------------------------

  CreateRestApi(ctx: RequestContext, input: A.CreateRestApiInput): A.RestApi {
    const doc = this.newApiDoc(ctx, input);
    // CreateRestApi gives every API the Empty and Error models (an imported API has only its own).
    for (const [name, schema] of DEFAULT_MODELS) {
      doc.models[name] = { id: this.env.ids.alnum(6), name, description: `This is a default ${name.toLowerCase()} schema model`, schema, contentType: "application/json" };
    }
    this.store.putApi(ctx.accountId, ctx.region, doc);
    return doc.api;
  }

  private newApiDoc(ctx: RequestContext, input: A.CreateRestApiInput): ApiDoc {
    if (!input.name) throw badRequest("Invalid REST API name specified");
    validateApiEnums(input);
    const id = this.env.ids.alnum(10);
    const rootId = this.env.ids.alnum(10);
    const endpointConfiguration = { ...(input.endpointConfiguration ?? {}), types: input.endpointConfiguration?.types ?? ["EDGE"], ipAddressType: input.endpointConfiguration?.ipAddressType ?? "ipv4" };
    const api: A.RestApi = {
      id, name: input.name, description: input.description, createdDate: new Date(ctx.clock.now()), version: input.version,
      binaryMediaTypes: input.binaryMediaTypes, minimumCompressionSize: input.minimumCompressionSize, apiKeySource: input.apiKeySource ?? "HEADER",
      endpointConfiguration, policy: input.policy, tags: input.tags,
      disableExecuteApiEndpoint: input.disableExecuteApiEndpoint ?? false, rootResourceId: rootId,
    };
    return { api, resources: { [rootId]: { id: rootId, path: "/", methods: {} } }, models: {}, validators: {}, authorizers: {}, gatewayResponses: {} };
  }

  ImportRestApi(ctx: RequestContext, input: A.ImportRestApiInput): A.RestApi {
    const def = parseDefinition(input.body);
    const doc = this.newApiDoc(ctx, { name: String(def.info?.title ?? "imported"), description: def.info?.description, endpointConfiguration: input.parameters?.endpointConfigurationTypes ? { types: [input.parameters.endpointConfigurationTypes] } : undefined });
    const warnings = applyDefinition(doc, def, this.env.ids, "overwrite");
    // With failOnWarnings nothing is created.
    if (warnings.length && input.failOnWarnings) throw badRequest(warnings.join("; "));
    doc.api.warnings = warnings.length ? warnings : undefined;
    this.store.putApi(ctx.accountId, ctx.region, doc);
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
    validateApiEnums(doc.api);
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
    validateMethod(input, Object.keys(doc.authorizers));
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
    validateIntegrationSettings(input);
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
    const doc = this.api(ctx, input.restApiId, restApiIdNotFound);
    if (!/^[a-zA-Z0-9]+$/.test(input.name)) throw badRequest("Model name must be alphanumeric");
    if (doc.models[input.name]) throw new ServiceError("ConflictException", "Model name already exists for this REST API", 409);
    if (input.schema) {
      try {
        checkModelSchema(doc.api.id!, doc.models, input.name, input.schema);
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
    const m = this.api(ctx, input.restApiId, restApiIdNotFound).models[input.modelName];
    if (!m) throw new ServiceError("NotFoundException", "Invalid model name specified", 404);
    return m;
  }

  GetModels(ctx: RequestContext, input: A.GetModelsInput): A.GetModelsOutput {
    return page(Object.values(this.api(ctx, input.restApiId, restApiIdNotFound).models), input.position, input.limit, (m) => m.name!);
  }

  DeleteModel(ctx: RequestContext, input: A.DeleteModelInput): Record<string, never> {
    const doc = this.api(ctx, input.restApiId, restApiIdNotFound);
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

  // ---- helpers ---------------------------------------------------------------------------------------

  /**
   * The API document, or AWS's error for a missing API: mostly NotFoundException "Invalid API identifier
   * specified {account}:{id}"; the model operations word it "Invalid Rest API Id specified"; callers that
   * only reference the API (base path mappings) pass their own error.
   */
  protected api(ctx: RequestContext, id: string, missing?: () => ServiceError): ApiDoc {
    const doc = this.store.getApi(ctx.accountId, ctx.region, id);
    if (!doc) throw missing?.() ?? new ServiceError("NotFoundException", `Invalid API identifier specified ${ctx.accountId}:${id}`, 404);
    return doc;
  }

  protected resource(doc: ApiDoc, id: string): StoredResource {
    const r = doc.resources[id];
    if (!r) throw notFound("Resource");
    return r;
  }

  protected method(doc: ApiDoc, resourceId: string, httpMethod: string): A.Method {
    const m = this.resource(doc, resourceId).methods[httpMethod.toUpperCase()];
    if (!m) throw notFound("Method");
    return m;
  }

  protected integration(doc: ApiDoc, resourceId: string, httpMethod: string): A.Integration {
    const i = this.method(doc, resourceId, httpMethod).methodIntegration;
    if (!i) throw notFound("Integration");
    return i;
  }

  protected save(ctx: RequestContext, doc: ApiDoc): void {
    this.store.putApi(ctx.accountId, ctx.region, doc);
  }
}
