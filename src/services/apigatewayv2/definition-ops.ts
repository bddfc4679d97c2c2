/**
 * The definition of an API: routes, route responses, integrations, integration responses, authorizers and
 * models. Every change re-deploys the stages that have AutoDeploy (provider.ts's autoDeploy).
 */
import type * as A from "../../aws/api/apigatewayv2.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { badRequest, conflict, defined, enumError, integrationIdOf, INTEGRATION_TYPES, notFound, page, parseHttpRouteKey } from "./shared.js";
import { ApiGatewayV2Store, type ApiRecord, type AuthorizerRecord, type IntegrationRecord, type RouteRecord } from "./store.js";
import { validateIntegration, validateAuthorizer, validateParameterMapping } from "./validate.js";

type Empty = Record<string, never>;

export abstract class DefinitionOps {
  readonly store: ApiGatewayV2Store;
  constructor(protected readonly env: ServiceEnv) {
    this.store = new ApiGatewayV2Store(env.store);
  }

  /** Re-deploys the API's AutoDeploy stages after a change to its definition. */
  protected abstract autoDeploy(ctx: RequestContext, apiId: string): void;

  /** The caller's API or AWS's NotFoundException. */
  protected api(ctx: RequestContext, apiId: string): ApiRecord {
    const owner = this.store.getApi(apiId);
    if (!owner || owner.account !== ctx.accountId || owner.region !== ctx.region) throw notFound("API", `${ctx.accountId}:${apiId}`);
    return owner.api;
  }

  protected route(apiId: string, routeId: string): RouteRecord {
    const r = this.store.getRoute(apiId, routeId);
    if (!r) throw notFound("Route", routeId);
    return r;
  }

  protected integration(apiId: string, integrationId: string): IntegrationRecord {
    const i = this.store.getIntegration(apiId, integrationId);
    if (!i) throw notFound("Integration", integrationId);
    return i;
  }

  protected authorizer(apiId: string, authorizerId: string): AuthorizerRecord {
    const a = this.store.getAuthorizer(apiId, authorizerId);
    if (!a) throw notFound("Authorizer", authorizerId);
    return a;
  }

  // ---- Routes ----------------------------------------------------------------------------------------

  CreateRoute(ctx: RequestContext, input: A.CreateRouteInput): A.CreateRouteOutput {
    const api = this.api(ctx, input.ApiId);
    const route: RouteRecord = defined({
      ApiKeyRequired: input.ApiKeyRequired ?? false, AuthorizationScopes: input.AuthorizationScopes, AuthorizationType: input.AuthorizationType ?? "NONE",
      AuthorizerId: input.AuthorizerId, ModelSelectionExpression: input.ModelSelectionExpression, OperationName: input.OperationName, RequestModels: input.RequestModels,
      RequestParameters: input.RequestParameters, RouteId: this.env.ids.alnum(7), RouteKey: input.RouteKey,
      RouteResponseSelectionExpression: input.RouteResponseSelectionExpression, Target: input.Target,
    });
    this.checkRoute(api, route);
    this.store.putItem(api.ApiId, "route", route.RouteId, route);
    this.autoDeploy(ctx, api.ApiId);
    return route;
  }

  /** Route rules: key format, unique key, target and authorizer exist, protocol-specific settings. */
  protected checkRoute(api: ApiRecord, route: RouteRecord): void {
    if (!route.RouteKey) throw badRequest("RouteKey is required");
    if (api.ProtocolType === "HTTP") parseHttpRouteKey(route.RouteKey);
    if (this.store.listRoutes(api.ApiId).some((r) => r.RouteKey === route.RouteKey && r.RouteId !== route.RouteId)) throw conflict(`Route with key ${route.RouteKey} already exists for this API`);
    const types = api.ProtocolType === "HTTP" ? ["NONE", "AWS_IAM", "CUSTOM", "JWT"] : ["NONE", "AWS_IAM", "CUSTOM"];
    if (!types.includes(route.AuthorizationType!)) throw enumError("AuthorizationType", route.AuthorizationType, types);
    if (route.AuthorizationType === "JWT" || route.AuthorizationType === "CUSTOM") {
      if (!route.AuthorizerId) throw badRequest(`An authorizerId must be provided for authorization type ${route.AuthorizationType}`);
      const a = this.authorizer(api.ApiId, route.AuthorizerId);
      const want = route.AuthorizationType === "JWT" ? "JWT" : "REQUEST";
      if (a.AuthorizerType !== want) throw badRequest(`Authorizer ${a.AuthorizerId} is of type ${a.AuthorizerType}, which cannot be used with authorization type ${route.AuthorizationType}`);
    } else if (route.AuthorizerId) {
      throw badRequest(`An authorizerId cannot be set for authorization type ${route.AuthorizationType}`);
    }
    if (route.AuthorizationScopes?.length && route.AuthorizationType !== "JWT" && !(route.AuthorizationType === "CUSTOM")) throw badRequest("Authorization scopes are supported only for JWT and Lambda authorizers");
    const integrationId = integrationIdOf(route.Target);
    if (integrationId) this.integration(api.ApiId, integrationId);
    if (api.ProtocolType === "HTTP" && (route.RequestModels || route.ModelSelectionExpression || route.RouteResponseSelectionExpression)) throw badRequest("Request models and route responses are supported only for WebSocket APIs");
  }

  GetRoute(ctx: RequestContext, input: A.GetRouteInput): A.GetRouteOutput {
    this.api(ctx, input.ApiId);
    return this.route(input.ApiId, input.RouteId);
  }

  GetRoutes(ctx: RequestContext, input: A.GetRoutesInput): A.GetRoutesOutput {
    this.api(ctx, input.ApiId);
    return page(this.store.listRoutes(input.ApiId), input.MaxResults, input.NextToken, (r) => r.RouteId) as A.GetRoutesOutput;
  }

  UpdateRoute(ctx: RequestContext, input: A.UpdateRouteInput): A.UpdateRouteOutput {
    const api = this.api(ctx, input.ApiId);
    const before = this.route(input.ApiId, input.RouteId);
    if (before.ApiGatewayManaged && input.RouteKey !== undefined && input.RouteKey !== before.RouteKey) throw badRequest("Cannot modify the route key of a route managed by API Gateway");
    const { ApiId: _a, RouteId: _r, ...changes } = input;
    const route: RouteRecord = defined({ ...before, ...changes, RouteId: before.RouteId, RouteKey: input.RouteKey ?? before.RouteKey });
    if (input.AuthorizationType === "NONE" || input.AuthorizationType === "AWS_IAM") delete route.AuthorizerId;
    this.checkRoute(api, route);
    this.store.putItem(api.ApiId, "route", route.RouteId, route);
    this.autoDeploy(ctx, api.ApiId);
    return route;
  }

  DeleteRoute(ctx: RequestContext, input: A.DeleteRouteInput): Empty {
    this.api(ctx, input.ApiId);
    const r = this.route(input.ApiId, input.RouteId);
    if (r.ApiGatewayManaged) throw badRequest("Cannot delete a route managed by API Gateway; delete the API or update it instead");
    this.store.deleteItem(input.ApiId, "route", input.RouteId);
    this.autoDeploy(ctx, input.ApiId);
    return {};
  }

  DeleteRouteRequestParameter(ctx: RequestContext, input: A.DeleteRouteRequestParameterInput): Empty {
    this.api(ctx, input.ApiId);
    const r = this.route(input.ApiId, input.RouteId);
    if (!r.RequestParameters?.[input.RequestParameterKey]) throw notFound("RequestParameter", input.RequestParameterKey);
    delete r.RequestParameters[input.RequestParameterKey];
    this.store.putItem(input.ApiId, "route", r.RouteId, r);
    this.autoDeploy(ctx, input.ApiId);
    return {};
  }

  // ---- Route responses (WebSocket) -------------------------------------------------------------------

  CreateRouteResponse(ctx: RequestContext, input: A.CreateRouteResponseInput): A.CreateRouteResponseOutput {
    const api = this.api(ctx, input.ApiId);
    if (api.ProtocolType !== "WEBSOCKET") throw badRequest("Route responses are supported only for WebSocket APIs");
    this.route(input.ApiId, input.RouteId);
    if (!input.RouteResponseKey) throw badRequest("RouteResponseKey is required");
    if (this.store.listRouteResponses(input.ApiId, input.RouteId).some((r) => r.RouteResponseKey === input.RouteResponseKey)) throw conflict(`Route response with key ${input.RouteResponseKey} already exists for this route`);
    const rr = defined({ ModelSelectionExpression: input.ModelSelectionExpression, ResponseModels: input.ResponseModels, ResponseParameters: input.ResponseParameters, RouteResponseId: this.env.ids.alnum(6), RouteResponseKey: input.RouteResponseKey });
    this.store.putItem(input.ApiId, "routeResponse", rr.RouteResponseId, rr, input.RouteId);
    this.autoDeploy(ctx, input.ApiId);
    return rr;
  }

  private routeResponse(apiId: string, routeId: string, id: string) {
    const rr = this.store.getItem(apiId, "routeResponse", id);
    if (!rr || !this.store.listRouteResponses(apiId, routeId).some((x) => x.RouteResponseId === id)) throw notFound("RouteResponse", id);
    return rr;
  }

  GetRouteResponse(ctx: RequestContext, input: A.GetRouteResponseInput): A.GetRouteResponseOutput {
    this.api(ctx, input.ApiId);
    this.route(input.ApiId, input.RouteId);
    return this.routeResponse(input.ApiId, input.RouteId, input.RouteResponseId);
  }

  GetRouteResponses(ctx: RequestContext, input: A.GetRouteResponsesInput): A.GetRouteResponsesOutput {
    this.api(ctx, input.ApiId);
    this.route(input.ApiId, input.RouteId);
    return page(this.store.listRouteResponses(input.ApiId, input.RouteId), input.MaxResults, input.NextToken, (r) => r.RouteResponseId) as A.GetRouteResponsesOutput;
  }

  UpdateRouteResponse(ctx: RequestContext, input: A.UpdateRouteResponseInput): A.UpdateRouteResponseOutput {
    this.api(ctx, input.ApiId);
    this.route(input.ApiId, input.RouteId);
    const before = this.routeResponse(input.ApiId, input.RouteId, input.RouteResponseId);
    const { ApiId: _a, RouteId: _r, ...changes } = input;
    const rr = defined({ ...before, ...changes, RouteResponseId: before.RouteResponseId, RouteResponseKey: input.RouteResponseKey ?? before.RouteResponseKey });
    this.store.putItem(input.ApiId, "routeResponse", rr.RouteResponseId, rr, input.RouteId);
    this.autoDeploy(ctx, input.ApiId);
    return rr;
  }

  DeleteRouteResponse(ctx: RequestContext, input: A.DeleteRouteResponseInput): Empty {
    this.api(ctx, input.ApiId);
    this.route(input.ApiId, input.RouteId);
    this.routeResponse(input.ApiId, input.RouteId, input.RouteResponseId);
    this.store.deleteItem(input.ApiId, "routeResponse", input.RouteResponseId);
    this.autoDeploy(ctx, input.ApiId);
    return {};
  }

  // ---- Integrations ----------------------------------------------------------------------------------

  CreateIntegration(ctx: RequestContext, input: A.CreateIntegrationInput): A.CreateIntegrationOutput {
    const api = this.api(ctx, input.ApiId);
    const { ApiId: _a, ...fields } = input;
    const i = this.normalizeIntegration(api, { ...fields, IntegrationId: this.env.ids.alnum(7) } as IntegrationRecord);
    this.store.putItem(api.ApiId, "integration", i.IntegrationId, i);
    this.autoDeploy(ctx, api.ApiId);
    return i;
  }

  /** Defaults as AWS fills them in, then the rules (validate.ts). */
  protected normalizeIntegration(api: ApiRecord, i: IntegrationRecord): IntegrationRecord {
    if (!INTEGRATION_TYPES.includes(i.IntegrationType)) throw enumError("IntegrationType", i.IntegrationType, INTEGRATION_TYPES);
    const http = api.ProtocolType === "HTTP";
    i.ConnectionType ??= "INTERNET";
    i.TimeoutInMillis ??= http ? 30000 : 29000;
    if (i.IntegrationType === "AWS_PROXY" || i.IntegrationType === "AWS") i.IntegrationMethod ??= "POST";
    if (!http) {
      i.PassthroughBehavior ??= i.IntegrationType === "AWS_PROXY" || i.IntegrationType === "HTTP_PROXY" ? undefined : "WHEN_NO_MATCH";
      i.IntegrationResponseSelectionExpression ??= i.IntegrationType === "AWS_PROXY" || i.IntegrationType === "HTTP_PROXY" ? undefined : "${integration.response.statuscode}";
    }
    i.PayloadFormatVersion ??= "1.0";
    validateIntegration(api.ProtocolType, i);
    validateParameterMapping(api.ProtocolType, i);
    return defined(i);
  }

  GetIntegration(ctx: RequestContext, input: A.GetIntegrationInput): A.GetIntegrationOutput {
    this.api(ctx, input.ApiId);
    return this.integration(input.ApiId, input.IntegrationId);
  }

  GetIntegrations(ctx: RequestContext, input: A.GetIntegrationsInput): A.GetIntegrationsOutput {
    this.api(ctx, input.ApiId);
    return page(this.store.listIntegrations(input.ApiId), input.MaxResults, input.NextToken, (i) => i.IntegrationId) as A.GetIntegrationsOutput;
  }

  UpdateIntegration(ctx: RequestContext, input: A.UpdateIntegrationInput): A.UpdateIntegrationOutput {
    const api = this.api(ctx, input.ApiId);
    const before = this.integration(input.ApiId, input.IntegrationId);
    const { ApiId: _a, IntegrationId: _i, ...changes } = input;
    const i = this.normalizeIntegration(api, { ...before, ...defined(changes), IntegrationId: before.IntegrationId, IntegrationType: changes.IntegrationType ?? before.IntegrationType } as IntegrationRecord);
    this.store.putItem(api.ApiId, "integration", i.IntegrationId, i);
    this.autoDeploy(ctx, api.ApiId);
    return i;
  }

  DeleteIntegration(ctx: RequestContext, input: A.DeleteIntegrationInput): Empty {
    this.api(ctx, input.ApiId);
    const i = this.integration(input.ApiId, input.IntegrationId);
    if (i.ApiGatewayManaged) throw badRequest("Cannot delete an integration managed by API Gateway");
    const user = this.store.listRoutes(input.ApiId).find((r) => r.Target === `integrations/${i.IntegrationId}`);
    if (user) throw conflict(`Integration ${i.IntegrationId} is in use by route ${user.RouteKey}; remove it from the route first`);
    this.store.deleteItem(input.ApiId, "integration", i.IntegrationId);
    this.autoDeploy(ctx, input.ApiId);
    return {};
  }

  // ---- Integration responses (WebSocket) -------------------------------------------------------------

  CreateIntegrationResponse(ctx: RequestContext, input: A.CreateIntegrationResponseInput): A.CreateIntegrationResponseOutput {
    const api = this.api(ctx, input.ApiId);
    if (api.ProtocolType !== "WEBSOCKET") throw badRequest("Integration responses are supported only for WebSocket APIs");
    this.integration(input.ApiId, input.IntegrationId);
    if (!input.IntegrationResponseKey) throw badRequest("IntegrationResponseKey is required");
    if (this.store.listIntegrationResponses(input.ApiId, input.IntegrationId).some((r) => r.IntegrationResponseKey === input.IntegrationResponseKey)) throw conflict(`Integration response with key ${input.IntegrationResponseKey} already exists for this integration`);
    const { ApiId: _a, IntegrationId: _i, ...fields } = input;
    const ir = defined({ ...fields, IntegrationResponseId: this.env.ids.alnum(6) });
    this.store.putItem(input.ApiId, "integrationResponse", ir.IntegrationResponseId, ir, input.IntegrationId);
    this.autoDeploy(ctx, input.ApiId);
    return ir;
  }

  private integrationResponse(apiId: string, integrationId: string, id: string) {
    if (!this.store.listIntegrationResponses(apiId, integrationId).some((x) => x.IntegrationResponseId === id)) throw notFound("IntegrationResponse", id);
    return this.store.getItem(apiId, "integrationResponse", id)!;
  }

  GetIntegrationResponse(ctx: RequestContext, input: A.GetIntegrationResponseInput): A.GetIntegrationResponseOutput {
    this.api(ctx, input.ApiId);
    this.integration(input.ApiId, input.IntegrationId);
    return this.integrationResponse(input.ApiId, input.IntegrationId, input.IntegrationResponseId);
  }

  GetIntegrationResponses(ctx: RequestContext, input: A.GetIntegrationResponsesInput): A.GetIntegrationResponsesOutput {
    this.api(ctx, input.ApiId);
    this.integration(input.ApiId, input.IntegrationId);
    return page(this.store.listIntegrationResponses(input.ApiId, input.IntegrationId), input.MaxResults, input.NextToken, (r) => r.IntegrationResponseId) as A.GetIntegrationResponsesOutput;
  }

  UpdateIntegrationResponse(ctx: RequestContext, input: A.UpdateIntegrationResponseInput): A.UpdateIntegrationResponseOutput {
    this.api(ctx, input.ApiId);
    this.integration(input.ApiId, input.IntegrationId);
    const before = this.integrationResponse(input.ApiId, input.IntegrationId, input.IntegrationResponseId);
    const { ApiId: _a, IntegrationId: _i, ...changes } = input;
    const ir = defined({ ...before, ...defined(changes), IntegrationResponseKey: input.IntegrationResponseKey ?? before.IntegrationResponseKey });
    this.store.putItem(input.ApiId, "integrationResponse", ir.IntegrationResponseId, ir, input.IntegrationId);
    this.autoDeploy(ctx, input.ApiId);
    return ir;
  }

  DeleteIntegrationResponse(ctx: RequestContext, input: A.DeleteIntegrationResponseInput): Empty {
    this.api(ctx, input.ApiId);
    this.integration(input.ApiId, input.IntegrationId);
    this.integrationResponse(input.ApiId, input.IntegrationId, input.IntegrationResponseId);
    this.store.deleteItem(input.ApiId, "integrationResponse", input.IntegrationResponseId);
    this.autoDeploy(ctx, input.ApiId);
    return {};
  }

  // ---- Authorizers -----------------------------------------------------------------------------------

  CreateAuthorizer(ctx: RequestContext, input: A.CreateAuthorizerInput): A.CreateAuthorizerOutput {
    const api = this.api(ctx, input.ApiId);
    const { ApiId: _a, ...fields } = input;
    const a = defined({ ...fields, AuthorizerId: this.env.ids.alnum(6) }) as AuthorizerRecord;
    validateAuthorizer(api.ProtocolType, a);
    if (this.store.listAuthorizers(api.ApiId).some((x) => x.Name === a.Name)) throw conflict(`Authorizer with name ${a.Name} already exists for this API`);
    this.store.putItem(api.ApiId, "authorizer", a.AuthorizerId, a);
    this.autoDeploy(ctx, api.ApiId);
    return a;
  }

  GetAuthorizer(ctx: RequestContext, input: A.GetAuthorizerInput): A.GetAuthorizerOutput {
    this.api(ctx, input.ApiId);
    return this.authorizer(input.ApiId, input.AuthorizerId);
  }

  GetAuthorizers(ctx: RequestContext, input: A.GetAuthorizersInput): A.GetAuthorizersOutput {
    this.api(ctx, input.ApiId);
    return page(this.store.listAuthorizers(input.ApiId), input.MaxResults, input.NextToken, (a) => a.AuthorizerId) as A.GetAuthorizersOutput;
  }

  UpdateAuthorizer(ctx: RequestContext, input: A.UpdateAuthorizerInput): A.UpdateAuthorizerOutput {
    const api = this.api(ctx, input.ApiId);
    const before = this.authorizer(input.ApiId, input.AuthorizerId);
    const { ApiId: _a, AuthorizerId: _i, ...changes } = input;
    const a = { ...before, ...defined(changes) } as AuthorizerRecord;
    validateAuthorizer(api.ProtocolType, a);
    for (const r of this.store.listRoutes(api.ApiId)) {
      if (r.AuthorizerId === a.AuthorizerId && (r.AuthorizationType === "JWT") !== (a.AuthorizerType === "JWT")) throw conflict(`Authorizer ${a.AuthorizerId} is in use by route ${r.RouteKey} with authorization type ${r.AuthorizationType}`);
    }
    this.store.putItem(api.ApiId, "authorizer", a.AuthorizerId, a);
    this.autoDeploy(ctx, api.ApiId);
    return a;
  }

  DeleteAuthorizer(ctx: RequestContext, input: A.DeleteAuthorizerInput): Empty {
    this.api(ctx, input.ApiId);
    this.authorizer(input.ApiId, input.AuthorizerId);
    const user = this.store.listRoutes(input.ApiId).find((r) => r.AuthorizerId === input.AuthorizerId);
    if (user) throw conflict(`Authorizer ${input.AuthorizerId} is in use by route ${user.RouteKey}`);
    this.store.deleteItem(input.ApiId, "authorizer", input.AuthorizerId);
    this.autoDeploy(ctx, input.ApiId);
    return {};
  }

  // ---- Models ----------------------------------------------------------------------------------------

  CreateModel(ctx: RequestContext, input: A.CreateModelInput): A.CreateModelOutput {
    this.api(ctx, input.ApiId);
    if (!/^[a-zA-Z0-9]+$/.test(input.Name ?? "")) throw badRequest("Model name must be alphanumeric");
    if (this.store.listItems(input.ApiId, "model").some((m) => m.Name === input.Name)) throw conflict(`Model with name ${input.Name} already exists for this API`);
    checkSchema(input.Schema);
    const m = defined({ ContentType: input.ContentType ?? "application/json", Description: input.Description, ModelId: this.env.ids.alnum(6), Name: input.Name, Schema: input.Schema });
    this.store.putItem(input.ApiId, "model", m.ModelId, m);
    return m;
  }

  private model(apiId: string, id: string) {
    const m = this.store.getItem(apiId, "model", id);
    if (!m) throw notFound("Model", id);
    return m;
  }

  GetModel(ctx: RequestContext, input: A.GetModelInput): A.GetModelOutput {
    this.api(ctx, input.ApiId);
    return this.model(input.ApiId, input.ModelId);
  }

  GetModels(ctx: RequestContext, input: A.GetModelsInput): A.GetModelsOutput {
    this.api(ctx, input.ApiId);
    return page(this.store.listItems(input.ApiId, "model"), input.MaxResults, input.NextToken, (m) => m.ModelId) as A.GetModelsOutput;
  }

  GetModelTemplate(ctx: RequestContext, input: A.GetModelTemplateInput): A.GetModelTemplateOutput {
    this.api(ctx, input.ApiId);
    this.model(input.ApiId, input.ModelId);
    // AWS generates a VTL template from the schema; Skyport answers the passthrough template.
    return { Value: "$input.json('$')" };
  }

  UpdateModel(ctx: RequestContext, input: A.UpdateModelInput): A.UpdateModelOutput {
    this.api(ctx, input.ApiId);
    const before = this.model(input.ApiId, input.ModelId);
    if (input.Schema !== undefined) checkSchema(input.Schema);
    const { ApiId: _a, ModelId: _m, ...changes } = input;
    const m = { ...before, ...defined(changes) };
    this.store.putItem(input.ApiId, "model", m.ModelId, m);
    return m;
  }

  DeleteModel(ctx: RequestContext, input: A.DeleteModelInput): Empty {
    this.api(ctx, input.ApiId);
    const m = this.model(input.ApiId, input.ModelId);
    const user = this.store.listRoutes(input.ApiId).find((r) => Object.values(r.RequestModels ?? {}).includes(m.Name));
    if (user) throw conflict(`Model ${m.Name} is in use by route ${user.RouteKey}`);
    this.store.deleteItem(input.ApiId, "model", m.ModelId);
    return {};
  }
}

function checkSchema(schema: string | undefined): void {
  if (!schema) throw badRequest("Schema is required");
  if (schema.length > 32768) throw badRequest("Model schema must be at most 32768 characters");
  try {
    const v = JSON.parse(schema) as unknown;
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
  } catch {
    throw badRequest("Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]");
  }
}
