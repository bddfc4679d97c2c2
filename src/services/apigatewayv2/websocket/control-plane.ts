/**
 * What the WebSocket request path needs of an API: the API, the stage, and the definition the stage's
 * deployment froze (routes, route responses, integrations, integration responses, authorizers), as AWS
 * serves a stage. Read from the apigatewayv2 provider's store (getApi, getStage, getSnapshot) and cached
 * per API and stage until the store reports a change to that API (onChange); without that store (another
 * control plane), read through apigatewayv2's own operations, uncached and live (not the deployment).
 */
import type {
  GetApiOutput, GetAuthorizerOutput, GetAuthorizersOutput, GetIntegrationOutput, GetIntegrationResponsesOutput, GetIntegrationsOutput, GetRouteOutput, GetRouteResponsesOutput, GetRoutesOutput, GetStageOutput,
} from "../../../aws/api/apigatewayv2.js";
import { ServiceError } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import type { ServiceHost } from "../../host.js";
import { DEFAULT_ACCOUNT } from "./constants.js";

type RouteResponse = NonNullable<GetRouteResponsesOutput["Items"]>[number];
type IntegrationResponse = NonNullable<GetIntegrationResponsesOutput["Items"]>[number];

export interface WsApi {
  accountId: string;
  region: string;
  api: GetApiOutput;
  stage: GetStageOutput;
  /** By route key. */
  routes: Map<string, GetRouteOutput>;
  /** By route id. */
  routeResponses: Record<string, RouteResponse[]>;
  /** By integration id. */
  integrations: Map<string, GetIntegrationOutput>;
  /** By integration id. */
  integrationResponses: Record<string, IntegrationResponse[]>;
  /** By authorizer id. */
  authorizers: Map<string, GetAuthorizerOutput>;
}

/** The parts of the apigatewayv2 store read here (src/services/apigatewayv2/store.ts). */
interface V2Store {
  getApi(apiId: string): { account: string; region: string; api: GetApiOutput } | undefined;
  getStage(apiId: string, stageName: string): GetStageOutput | undefined;
  getSnapshot(apiId: string, deploymentId: string): {
    api: GetApiOutput; routes: GetRouteOutput[]; routeResponses: Record<string, RouteResponse[]>;
    integrations: GetIntegrationOutput[]; integrationResponses: Record<string, IntegrationResponse[]>; authorizers: GetAuthorizerOutput[];
  } | undefined;
  onChange(listener: (apiId: string) => void): void;
}

const MAX_CACHED = 1000;

export class WsControlPlane {
  private store: V2Store | null | undefined;
  private readonly cache = new Map<string, WsApi | undefined>();

  constructor(
    private readonly services: ServiceHost,
    private readonly defaultRegion: string,
    private readonly ids: { uuid(): string },
    private readonly clock: RequestContext["clock"],
  ) {}

  private async v2Store(): Promise<V2Store | null> {
    if (this.store === undefined) {
      const provider = (await this.services.get("apigatewayv2")) as { store?: Partial<V2Store> } | undefined;
      const s = provider?.store;
      this.store = s && typeof s.getSnapshot === "function" && typeof s.getStage === "function" && typeof s.onChange === "function" ? (s as V2Store) : null;
      this.store?.onChange((apiId) => {
        for (const key of this.cache.keys()) if (key.startsWith(`${apiId}/`)) this.cache.delete(key);
      });
    }
    return this.store;
  }

  /** The WebSocket API as its stage serves it, or undefined (no such API, stage or deployment: refused). */
  async load(apiId: string, stageName: string): Promise<WsApi | undefined> {
    const key = `${apiId}/${stageName}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const store = await this.v2Store();
    if (!store) return this.loadThroughOperations(apiId, stageName);
    const w = this.fromStore(store, apiId, stageName);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, w);
    return w;
  }

  private fromStore(store: V2Store, apiId: string, stageName: string): WsApi | undefined {
    const owner = store.getApi(apiId);
    if (!owner || owner.api.ProtocolType !== "WEBSOCKET") return undefined;
    const stage = store.getStage(apiId, stageName);
    const snap = stage?.DeploymentId ? store.getSnapshot(apiId, stage.DeploymentId) : undefined;
    if (!stage || !snap) return undefined;
    return {
      accountId: owner.account, region: owner.region, api: snap.api, stage,
      routes: new Map(snap.routes.map((r) => [r.RouteKey!, r])), routeResponses: snap.routeResponses,
      integrations: new Map(snap.integrations.map((i) => [i.IntegrationId!, i])), integrationResponses: snap.integrationResponses,
      authorizers: new Map(snap.authorizers.map((a) => [a.AuthorizerId!, a])),
    };
  }

  private call<O>(accountId: string, region: string, operation: string, input: object): Promise<O> {
    const ctx: RequestContext = { requestId: this.ids.uuid(), accountId, region, service: "apigatewayv2", operation, principal: { accessKeyId: accountId, anonymous: false }, clock: this.clock, endpoint: this.services.localEndpoint };
    return this.services.call<O>("apigatewayv2", operation, ctx, input);
  }

  /** Fallback for a control plane without the store: its public operations, in the default account. */
  private async loadThroughOperations(apiId: string, stageName: string): Promise<WsApi | undefined> {
    const [a, r] = [DEFAULT_ACCOUNT, this.defaultRegion];
    try {
      const api = await this.call<GetApiOutput>(a, r, "GetApi", { ApiId: apiId });
      if (api.ProtocolType !== "WEBSOCKET") return undefined;
      const stage = await this.call<GetStageOutput>(a, r, "GetStage", { ApiId: apiId, StageName: stageName });
      const routes = (await this.call<GetRoutesOutput>(a, r, "GetRoutes", { ApiId: apiId, MaxResults: "500" })).Items ?? [];
      const integrations = (await this.call<GetIntegrationsOutput>(a, r, "GetIntegrations", { ApiId: apiId, MaxResults: "500" })).Items ?? [];
      const authorizers = (await this.call<GetAuthorizersOutput>(a, r, "GetAuthorizers", { ApiId: apiId, MaxResults: "500" })).Items ?? [];
      const routeResponses: Record<string, RouteResponse[]> = {};
      for (const route of routes) routeResponses[route.RouteId!] = (await this.call<GetRouteResponsesOutput>(a, r, "GetRouteResponses", { ApiId: apiId, RouteId: route.RouteId })).Items ?? [];
      const integrationResponses: Record<string, IntegrationResponse[]> = {};
      for (const i of integrations) integrationResponses[i.IntegrationId!] = (await this.call<GetIntegrationResponsesOutput>(a, r, "GetIntegrationResponses", { ApiId: apiId, IntegrationId: i.IntegrationId })).Items ?? [];
      return {
        accountId: a, region: r, api, stage, routes: new Map(routes.map((x) => [x.RouteKey, x])), routeResponses,
        integrations: new Map(integrations.map((i) => [i.IntegrationId!, i])), integrationResponses, authorizers: new Map(authorizers.map((x) => [x.AuthorizerId!, x])),
      };
    } catch (e) {
      if (e instanceof ServiceError && e.status === 404) return undefined;
      throw e;
    }
  }
}

/** The integration a route's Target names ("integrations/abc123"). */
export function integrationOf(w: WsApi, route: GetRouteOutput | undefined): GetIntegrationOutput | undefined {
  const target = route?.Target;
  return target?.startsWith("integrations/") ? w.integrations.get(target.slice("integrations/".length)) : undefined;
}
