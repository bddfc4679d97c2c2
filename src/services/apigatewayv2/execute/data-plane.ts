/**
 * The HTTP API data plane entry: finds the API (host {apiId}.execute-api.localhost or the path
 * /_aws/execute-api/{apiId}/...), its stage and deployed snapshot, and runs pipeline.ts. Requests for ids that
 * are not HTTP APIs are left to the next data plane (REST APIs, WebSocket APIs). Lookups are cached and
 * dropped on every write to the API (store.onChange); snapshots are immutable and cached by deployment.
 */
import type { HttpRequest, HttpResponse } from "../../../aws/protocol/types.js";
import type { ServiceHost } from "../../host.js";
import type { ApiGatewayV2Provider } from "../provider.js";
import type { ApiRecord, DeploymentSnapshot, IntegrationRecord, AuthorizerRecord, StageRecord } from "../store.js";
import { compileRoutes, type RouteTable } from "./routes.js";
import { AuthorizerCache } from "./lambda-authorizer.js";
import { runHttpApiRequest } from "./pipeline.js";
import { resetThrottles } from "./throttle.js";

const HOST_RE = /^([a-z0-9]{10})\.execute-api\.localhost(?::\d+)?$/i;
const PATH_PREFIX = "/_aws/execute-api/";
const MAX_CACHED = 10_000;

export interface ApiEntry {
  account: string;
  region: string;
  api: ApiRecord;
  stages: Map<string, StageRecord | null>;
}

/** A deployment made ready to serve: routes compiled, integrations and authorizers by id. */
export interface Deployed {
  snapshot: DeploymentSnapshot;
  table: RouteTable;
  integrations: Map<string, IntegrationRecord>;
  authorizers: Map<string, AuthorizerRecord>;
}

/** Where a request goes: the API, the path after the API's host (stage included) and the domain name it used. */
export interface Target {
  apiId: string;
  rawPath: string;
  domainName: string;
}

export function parseTarget(host: string, path: string): Target | undefined {
  const m = HOST_RE.exec(host);
  if (m) return { apiId: m[1]!.toLowerCase(), rawPath: path, domainName: host.replace(/:\d+$/, "").toLowerCase() };
  if (!path.startsWith(PATH_PREFIX)) return undefined;
  const rest = path.slice(PATH_PREFIX.length);
  const slash = rest.indexOf("/");
  const apiId = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
  if (!/^[a-z0-9]{10}$/.test(apiId)) return undefined;
  return { apiId, rawPath: slash < 0 ? "/" : rest.slice(slash), domainName: `${apiId}.execute-api.localhost` };
}

export class HttpApiDataPlane {
  private readonly apis = new Map<string, ApiEntry | null>();
  private readonly deployed = new Map<string, Deployed>();
  authorizerCache: AuthorizerCache;

  constructor(readonly provider: ApiGatewayV2Provider, readonly services: ServiceHost) {
    this.authorizerCache = new AuthorizerCache({ now: () => provider.now() });
    provider.store.onChange((apiId) => this.apis.delete(apiId));
    provider.authorizerCacheResets.push((apiId, stage) => this.authorizerCache.flushStage(apiId, stage));
    provider.resets.push(() => {
      this.apis.clear();
      this.deployed.clear();
      resetThrottles();
      this.authorizerCache = new AuthorizerCache({ now: () => provider.now() });
    });
  }

  api(apiId: string): ApiEntry | undefined {
    let e = this.apis.get(apiId);
    if (e === undefined) {
      const owner = this.provider.store.getApi(apiId);
      e = owner ? { ...owner, stages: new Map() } : null;
      if (this.apis.size >= MAX_CACHED) this.apis.clear();
      this.apis.set(apiId, e);
    }
    return e ?? undefined;
  }

  stage(entry: ApiEntry, name: string): StageRecord | undefined {
    let s = entry.stages.get(name);
    if (s === undefined) {
      s = this.provider.store.getStage(entry.api.ApiId, name) ?? null;
      if (entry.stages.size < 1000) entry.stages.set(name, s);
    }
    return s ?? undefined;
  }

  deployment(apiId: string, deploymentId: string): Deployed | undefined {
    const key = `${apiId}/${deploymentId}`;
    let d = this.deployed.get(key);
    if (!d) {
      const snapshot = this.provider.store.getSnapshot(apiId, deploymentId);
      if (!snapshot) return undefined;
      d = {
        snapshot, table: compileRoutes(snapshot.routes),
        integrations: new Map(snapshot.integrations.map((i) => [i.IntegrationId, i])),
        authorizers: new Map(snapshot.authorizers.map((a) => [a.AuthorizerId, a])),
      };
      if (this.deployed.size >= 1000) this.deployed.clear();
      this.deployed.set(key, d);
    }
    return d;
  }

  /** The answer for an HTTP API request, or undefined when the id is not an HTTP API's. */
  async handle(req: HttpRequest, host: string): Promise<HttpResponse | undefined> {
    const target = parseTarget(host, req.path);
    if (!target) return undefined;
    const entry = this.api(target.apiId);
    if (!entry || entry.api.ProtocolType !== "HTTP") return undefined;
    return runHttpApiRequest(this, entry, target, req);
  }
}

export function createHttpApiHandler(services: ServiceHost) {
  let plane: HttpApiDataPlane | undefined;
  return async (req: HttpRequest, host: string): Promise<HttpResponse | undefined> => {
    if (!plane) plane = new HttpApiDataPlane((await services.get("apigatewayv2")) as unknown as ApiGatewayV2Provider, services);
    return plane.handle(req, host);
  };
}
