/**
 * What the WebSocket request path needs of an API, read from the apigatewayv2 provider through its own
 * operations (in process, typed): the API, a stage, routes with their route responses, integrations with
 * their integration responses, authorizers. Reading the public operations keeps this slice independent of
 * the control plane's tables. Deliberate difference: the live routes are used, not the stage's deployment
 * snapshot (as if every stage auto-deployed).
 */
import type {
  GetApiOutput, GetAuthorizerOutput, GetIntegrationOutput, GetIntegrationResponsesOutput, GetRouteOutput, GetRouteResponsesOutput, GetRoutesOutput, GetStageOutput,
} from "../../../aws/api/apigatewayv2.js";
import { ServiceError } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import type { ServiceHost } from "../../host.js";
import { DEFAULT_ACCOUNT } from "./constants.js";

export interface WsRoute extends GetRouteOutput {
  responses: GetRouteResponsesOutput["Items"];
}

export interface WsApi {
  accountId: string;
  region: string;
  api: GetApiOutput;
  stage: GetStageOutput;
  routes: Map<string, WsRoute>;
}

/** Where an API id lives, when the control plane can tell (it may offer `locateApi`). */
interface Locator {
  locateApi?(apiId: string): { accountId: string; region: string } | undefined;
}

export class WsControlPlane {
  constructor(
    private readonly services: ServiceHost,
    private readonly defaultRegion: string,
    private readonly ids: { uuid(): string },
    private readonly clock: RequestContext["clock"],
  ) {}

  private ctx(accountId: string, region: string, operation: string): RequestContext {
    return { requestId: this.ids.uuid(), accountId, region, service: "apigatewayv2", operation, principal: { accessKeyId: accountId, anonymous: false }, clock: this.clock, endpoint: this.services.localEndpoint };
  }

  private call<O>(accountId: string, region: string, op: string, input: object): Promise<O> {
    return this.services.call<O>("apigatewayv2", op, this.ctx(accountId, region, op), input);
  }

  /** The WebSocket API and stage, or undefined when either does not exist (the client gets 404/403). */
  async load(apiId: string, stageName: string): Promise<WsApi | undefined> {
    const provider = (await this.services.get("apigatewayv2")) as Locator | undefined;
    const where = provider?.locateApi?.(apiId) ?? { accountId: DEFAULT_ACCOUNT, region: this.defaultRegion };
    const { accountId, region } = where;
    let api: GetApiOutput;
    let stage: GetStageOutput;
    try {
      api = await this.call<GetApiOutput>(accountId, region, "GetApi", { ApiId: apiId });
      if (api.ProtocolType !== "WEBSOCKET") return undefined;
      stage = await this.call<GetStageOutput>(accountId, region, "GetStage", { ApiId: apiId, StageName: stageName });
    } catch (e) {
      if (e instanceof ServiceError && e.status === 404) return undefined;
      throw e;
    }
    const routes = new Map<string, WsRoute>();
    const items = (await this.call<GetRoutesOutput>(accountId, region, "GetRoutes", { ApiId: apiId, MaxResults: "500" })).Items ?? [];
    for (const r of items) routes.set(r.RouteKey, { ...r, responses: undefined });
    return { accountId, region, api, stage, routes };
  }

  /** A route's route responses (two-way routes have a `$default` one). */
  async routeResponses(w: WsApi, route: WsRoute): Promise<NonNullable<GetRouteResponsesOutput["Items"]>> {
    if (!route.responses) route.responses = (await this.call<GetRouteResponsesOutput>(w.accountId, w.region, "GetRouteResponses", { ApiId: w.api.ApiId, RouteId: route.RouteId })).Items ?? [];
    return route.responses;
  }

  async integration(w: WsApi, integrationId: string): Promise<GetIntegrationOutput | undefined> {
    try {
      return await this.call<GetIntegrationOutput>(w.accountId, w.region, "GetIntegration", { ApiId: w.api.ApiId, IntegrationId: integrationId });
    } catch (e) {
      if (e instanceof ServiceError && e.status === 404) return undefined;
      throw e;
    }
  }

  async integrationResponses(w: WsApi, integrationId: string): Promise<NonNullable<GetIntegrationResponsesOutput["Items"]>> {
    try {
      return (await this.call<GetIntegrationResponsesOutput>(w.accountId, w.region, "GetIntegrationResponses", { ApiId: w.api.ApiId, IntegrationId: integrationId })).Items ?? [];
    } catch (e) {
      if (e instanceof ServiceError && (e.status === 404 || e.status === 501)) return [];
      throw e;
    }
  }

  async authorizer(w: WsApi, authorizerId: string): Promise<GetAuthorizerOutput | undefined> {
    try {
      return await this.call<GetAuthorizerOutput>(w.accountId, w.region, "GetAuthorizer", { ApiId: w.api.ApiId, AuthorizerId: authorizerId });
    } catch (e) {
      if (e instanceof ServiceError && e.status === 404) return undefined;
      throw e;
    }
  }
}

/** The integration id a route's Target names ("integrations/abc123"). */
export function integrationIdOf(target: string | undefined): string | undefined {
  return target?.startsWith("integrations/") ? target.slice("integrations/".length) : undefined;
}
