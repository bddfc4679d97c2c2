/**
 * API Gateway v2's tables (HTTP and WebSocket APIs). Records are AWS's own output shapes (GetApi, GetRoute,
 * GetIntegration, ...: PascalCase members, dates as Date), so the control plane returns them as they are.
 *
 * - `apigatewayv2_apis`: one row per API, scoped by (account, region); API ids are unique server-wide, so
 *   the data planes find an API (and its owner) by id alone: `getApi(apiId)`.
 * - `apigatewayv2_items`: everything that belongs to an API, one row each, keyed (api_id, kind, id):
 *   routes, routeResponses (parent: the route id), integrations, integrationResponses (parent: the
 *   integration id), authorizers, models, stages (id = stage name) and deployments (their frozen
 *   snapshot in its own column, read only by `getSnapshot`).
 * - `apigatewayv2_domains` / `apigatewayv2_mappings`: custom domain names and their API mappings.
 *
 * For the request paths (HTTP in execute/, WebSocket in websocket/): read a stage with `getStage(apiId,
 * name)`, then the deployment it points at with `getSnapshot(apiId, stage.DeploymentId)` — a
 * `DeploymentSnapshot` holds the API and its routes, route responses, integrations, integration
 * responses, authorizers and models as they were deployed (immutable: safe to cache by deployment id).
 * The live (undeployed) definition: `listRoutes`, `getRoute`, `listIntegrations`, `getIntegration`,
 * `listRouteResponses(apiId, routeId)`, `listIntegrationResponses(apiId, integrationId)`, `listStages`,
 * `listAuthorizers`, `getAuthorizer`. `onChange(listener)` tells about every write to an API (cache
 * invalidation).
 */
import type * as A from "../../aws/api/apigatewayv2.js";
import type { Store } from "../../store/store.js";

export type ProtocolType = "HTTP" | "WEBSOCKET";
export type ApiRecord = A.GetApiOutput & { ApiId: string; Name: string; ProtocolType: ProtocolType; RouteSelectionExpression: string; CreatedDate: Date };
export type RouteRecord = A.GetRouteOutput & { RouteId: string; RouteKey: string };
export type RouteResponseRecord = A.GetRouteResponseOutput & { RouteResponseId: string; RouteResponseKey: string };
export type IntegrationRecord = A.GetIntegrationOutput & { IntegrationId: string; IntegrationType: string };
export type IntegrationResponseRecord = A.GetIntegrationResponseOutput & { IntegrationResponseId: string; IntegrationResponseKey: string };
export type AuthorizerRecord = A.GetAuthorizerOutput & { AuthorizerId: string; AuthorizerType: string; Name: string };
export type ModelRecord = A.GetModelOutput & { ModelId: string; Name: string };
export type StageRecord = A.GetStageOutput & { StageName: string };
export type DeploymentRecord = A.GetDeploymentOutput & { DeploymentId: string; CreatedDate: Date };
export type DomainNameRecord = A.GetDomainNameOutput & { DomainName: string };
export type ApiMappingRecord = A.GetApiMappingOutput & { ApiMappingId: string; ApiId: string; Stage: string };

/** What a deployment freezes: the request paths run against this, never against the live definition. */
export interface DeploymentSnapshot {
  deploymentId: string;
  api: ApiRecord;
  routes: RouteRecord[];
  /** By route id. */
  routeResponses: Record<string, RouteResponseRecord[]>;
  integrations: IntegrationRecord[];
  /** By integration id. */
  integrationResponses: Record<string, IntegrationResponseRecord[]>;
  authorizers: AuthorizerRecord[];
  models: ModelRecord[];
}

export type ItemKind = "route" | "routeResponse" | "integration" | "integrationResponse" | "authorizer" | "model" | "stage" | "deployment";

interface ItemTypes {
  route: RouteRecord;
  routeResponse: RouteResponseRecord;
  integration: IntegrationRecord;
  integrationResponse: IntegrationResponseRecord;
  authorizer: AuthorizerRecord;
  model: ModelRecord;
  stage: StageRecord;
  deployment: DeploymentRecord;
}

const MIGRATIONS = [
  `CREATE TABLE apigatewayv2_apis (api_id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, doc TEXT NOT NULL)`,
  `CREATE INDEX apigatewayv2_apis_by_owner ON apigatewayv2_apis (account, region, api_id)`,
  `CREATE TABLE apigatewayv2_items (api_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, parent_id TEXT, seq INTEGER NOT NULL, doc TEXT NOT NULL, snapshot TEXT,
     PRIMARY KEY (api_id, kind, id))`,
  `CREATE TABLE apigatewayv2_domains (domain_name TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, doc TEXT NOT NULL)`,
  `CREATE TABLE apigatewayv2_mappings (domain_name TEXT NOT NULL, mapping_id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (domain_name, mapping_id))`,
];

const DATE_KEYS = new Set(["CreatedDate", "LastUpdatedDate", "CertificateUploadDate"]);
const revive = (k: string, v: unknown) => (DATE_KEYS.has(k) && typeof v === "string" ? new Date(v) : v);
const parse = <T>(s: string): T => JSON.parse(s, revive) as T;

export class ApiGatewayV2Store {
  private readonly s;
  private readonly listeners: Array<(apiId: string) => void> = [];
  private seq = Date.now();

  constructor(store: Store) {
    store.migrate("apigatewayv2", MIGRATIONS);
    const db = store.db;
    this.s = {
      getApi: db.prepare("SELECT account, region, doc FROM apigatewayv2_apis WHERE api_id = ?"),
      putApi: db.prepare("INSERT INTO apigatewayv2_apis (api_id, account, region, doc) VALUES (?, ?, ?, ?) ON CONFLICT (api_id) DO UPDATE SET doc = excluded.doc"),
      listApis: db.prepare("SELECT doc FROM apigatewayv2_apis WHERE account = ? AND region = ? ORDER BY api_id"),
      deleteApi: db.prepare("DELETE FROM apigatewayv2_apis WHERE api_id = ?"),
      deleteItems: db.prepare("DELETE FROM apigatewayv2_items WHERE api_id = ?"),
      getItem: db.prepare("SELECT doc FROM apigatewayv2_items WHERE api_id = ? AND kind = ? AND id = ?"),
      listItems: db.prepare("SELECT doc FROM apigatewayv2_items WHERE api_id = ? AND kind = ? ORDER BY seq, id"),
      listChildren: db.prepare("SELECT doc FROM apigatewayv2_items WHERE api_id = ? AND kind = ? AND parent_id = ? ORDER BY seq, id"),
      putItem: db.prepare(`INSERT INTO apigatewayv2_items (api_id, kind, id, parent_id, seq, doc, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (api_id, kind, id) DO UPDATE SET doc = excluded.doc, parent_id = excluded.parent_id, snapshot = COALESCE(excluded.snapshot, apigatewayv2_items.snapshot)`),
      deleteItem: db.prepare("DELETE FROM apigatewayv2_items WHERE api_id = ? AND kind = ? AND id = ?"),
      deleteChildren: db.prepare("DELETE FROM apigatewayv2_items WHERE api_id = ? AND kind = ? AND parent_id = ?"),
      getSnapshot: db.prepare("SELECT snapshot FROM apigatewayv2_items WHERE api_id = ? AND kind = 'deployment' AND id = ?"),
      getDomain: db.prepare("SELECT account, region, doc FROM apigatewayv2_domains WHERE domain_name = ?"),
      listDomains: db.prepare("SELECT doc FROM apigatewayv2_domains WHERE account = ? AND region = ? ORDER BY domain_name"),
      putDomain: db.prepare("INSERT INTO apigatewayv2_domains (domain_name, account, region, doc) VALUES (?, ?, ?, ?) ON CONFLICT (domain_name) DO UPDATE SET doc = excluded.doc"),
      deleteDomain: db.prepare("DELETE FROM apigatewayv2_domains WHERE domain_name = ?"),
      deleteMappingsOf: db.prepare("DELETE FROM apigatewayv2_mappings WHERE domain_name = ?"),
      listMappings: db.prepare("SELECT doc FROM apigatewayv2_mappings WHERE domain_name = ? ORDER BY mapping_id"),
      putMapping: db.prepare("INSERT INTO apigatewayv2_mappings (domain_name, mapping_id, doc) VALUES (?, ?, ?) ON CONFLICT (domain_name, mapping_id) DO UPDATE SET doc = excluded.doc"),
      deleteMapping: db.prepare("DELETE FROM apigatewayv2_mappings WHERE domain_name = ? AND mapping_id = ?"),
    };
  }

  /** Called with the API id after every write that touches an API or anything in it. */
  onChange(listener: (apiId: string) => void): void {
    this.listeners.push(listener);
  }
  private changed(apiId: string): void {
    for (const l of this.listeners) l(apiId);
  }

  // ---- APIs ------------------------------------------------------------------------------------------

  /** The API and its owner, by id alone (ids are unique across accounts and regions). */
  getApi(apiId: string): { account: string; region: string; api: ApiRecord } | undefined {
    const r = this.s.getApi.get(apiId) as { account: string; region: string; doc: string } | undefined;
    return r && { account: r.account, region: r.region, api: parse<ApiRecord>(r.doc) };
  }
  putApi(account: string, region: string, api: ApiRecord): void {
    this.s.putApi.run(api.ApiId, account, region, JSON.stringify(api));
    this.changed(api.ApiId);
  }
  listApis(account: string, region: string): ApiRecord[] {
    return (this.s.listApis.all(account, region) as Array<{ doc: string }>).map((r) => parse<ApiRecord>(r.doc));
  }
  deleteApi(apiId: string): void {
    this.s.deleteApi.run(apiId);
    this.s.deleteItems.run(apiId);
    this.changed(apiId);
  }

  // ---- Items of an API -------------------------------------------------------------------------------

  getItem<K extends ItemKind>(apiId: string, kind: K, id: string): ItemTypes[K] | undefined {
    const r = this.s.getItem.get(apiId, kind, id) as { doc: string } | undefined;
    return r && parse<ItemTypes[K]>(r.doc);
  }
  listItems<K extends ItemKind>(apiId: string, kind: K, parentId?: string): Array<ItemTypes[K]> {
    const rows = (parentId === undefined ? this.s.listItems.all(apiId, kind) : this.s.listChildren.all(apiId, kind, parentId)) as Array<{ doc: string }>;
    return rows.map((r) => parse<ItemTypes[K]>(r.doc));
  }
  putItem<K extends ItemKind>(apiId: string, kind: K, id: string, doc: ItemTypes[K], parentId?: string, snapshot?: DeploymentSnapshot): void {
    this.s.putItem.run(apiId, kind, id, parentId ?? null, ++this.seq, JSON.stringify(doc), snapshot ? JSON.stringify(snapshot) : null);
    this.changed(apiId);
  }
  deleteItem(apiId: string, kind: ItemKind, id: string): void {
    this.s.deleteItem.run(apiId, kind, id);
    if (kind === "route") this.s.deleteChildren.run(apiId, "routeResponse", id);
    if (kind === "integration") this.s.deleteChildren.run(apiId, "integrationResponse", id);
    this.changed(apiId);
  }

  // Typed getters the request paths use (see the header).
  getRoute = (apiId: string, routeId: string) => this.getItem(apiId, "route", routeId);
  listRoutes = (apiId: string) => this.listItems(apiId, "route");
  getIntegration = (apiId: string, integrationId: string) => this.getItem(apiId, "integration", integrationId);
  listIntegrations = (apiId: string) => this.listItems(apiId, "integration");
  listRouteResponses = (apiId: string, routeId: string) => this.listItems(apiId, "routeResponse", routeId);
  listIntegrationResponses = (apiId: string, integrationId: string) => this.listItems(apiId, "integrationResponse", integrationId);
  getAuthorizer = (apiId: string, authorizerId: string) => this.getItem(apiId, "authorizer", authorizerId);
  listAuthorizers = (apiId: string) => this.listItems(apiId, "authorizer");
  getStage = (apiId: string, stageName: string) => this.getItem(apiId, "stage", stageName);
  listStages = (apiId: string) => this.listItems(apiId, "stage");

  /** A deployment's frozen definition (see DeploymentSnapshot). */
  getSnapshot(apiId: string, deploymentId: string): DeploymentSnapshot | undefined {
    const r = this.s.getSnapshot.get(apiId, deploymentId) as { snapshot: string | null } | undefined;
    return r?.snapshot ? parse<DeploymentSnapshot>(r.snapshot) : undefined;
  }

  /** The live definition, frozen (what CreateDeployment stores). */
  snapshotOf(apiId: string, deploymentId: string): DeploymentSnapshot | undefined {
    const owner = this.getApi(apiId);
    if (!owner) return undefined;
    const routes = this.listRoutes(apiId);
    const integrations = this.listIntegrations(apiId);
    return {
      deploymentId, api: owner.api, routes, integrations,
      routeResponses: Object.fromEntries(routes.map((r) => [r.RouteId, this.listRouteResponses(apiId, r.RouteId)])),
      integrationResponses: Object.fromEntries(integrations.map((i) => [i.IntegrationId, this.listIntegrationResponses(apiId, i.IntegrationId)])),
      authorizers: this.listAuthorizers(apiId), models: this.listItems(apiId, "model"),
    };
  }

  // ---- Custom domain names ---------------------------------------------------------------------------

  getDomain(name: string): { account: string; region: string; domain: DomainNameRecord } | undefined {
    const r = this.s.getDomain.get(name) as { account: string; region: string; doc: string } | undefined;
    return r && { account: r.account, region: r.region, domain: parse<DomainNameRecord>(r.doc) };
  }
  listDomains(account: string, region: string): DomainNameRecord[] {
    return (this.s.listDomains.all(account, region) as Array<{ doc: string }>).map((r) => parse<DomainNameRecord>(r.doc));
  }
  putDomain(account: string, region: string, d: DomainNameRecord): void {
    this.s.putDomain.run(d.DomainName, account, region, JSON.stringify(d));
  }
  deleteDomain(name: string): void {
    this.s.deleteDomain.run(name);
    this.s.deleteMappingsOf.run(name);
  }
  listMappings(domainName: string): ApiMappingRecord[] {
    return (this.s.listMappings.all(domainName) as Array<{ doc: string }>).map((r) => parse<ApiMappingRecord>(r.doc));
  }
  putMapping(domainName: string, m: ApiMappingRecord): void {
    this.s.putMapping.run(domainName, m.ApiMappingId, JSON.stringify(m));
  }
  deleteMapping(domainName: string, id: string): void {
    this.s.deleteMapping.run(domainName, id);
  }
}
