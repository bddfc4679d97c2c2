/**
 * API Gateway's tables. An API's definition (the API, its resources with methods and integrations, models,
 * validators, authorizers, gateway responses) is one JSON document per API: the control plane loads,
 * changes and saves it in one transaction. Deployments are immutable snapshots; stages point at them.
 */
import type { BasePathMapping, DomainName, Stage } from "../../aws/api/apigateway.js";
import type { Store } from "../../store/store.js";
import { WriteMemo } from "../../store/memo.js";
import type { ApiDoc } from "./model.js";
import type { DeploymentSnapshot } from "./snapshot.js";

const MIGRATIONS = [
  `CREATE TABLE apigateway_apis (account TEXT NOT NULL, region TEXT NOT NULL, api_id TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,
     PRIMARY KEY (account, region, api_id))`,
  `CREATE UNIQUE INDEX apigateway_apis_by_id ON apigateway_apis (api_id)`,
  `CREATE TABLE apigateway_deployments (api_id TEXT NOT NULL, deployment_id TEXT NOT NULL, description TEXT, created_ms INTEGER NOT NULL, snapshot TEXT NOT NULL,
     PRIMARY KEY (api_id, deployment_id))`,
  `CREATE TABLE apigateway_stages (api_id TEXT NOT NULL, stage_name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (api_id, stage_name))`,
  `CREATE TABLE apigateway_domains (account TEXT NOT NULL, region TEXT NOT NULL, domain_name TEXT NOT NULL, doc TEXT NOT NULL, mappings TEXT NOT NULL DEFAULT '[]',
     PRIMARY KEY (domain_name))`,
];

export interface StoredDeployment {
  id: string;
  description?: string;
  createdMs: number;
  snapshot: DeploymentSnapshot;
}

export class ApiGatewayStore {
  private readonly s;
  /** Derived reads for execute-api (an API's location, a stage), dropped with every write of an API or a stage. */
  private readonly memo = new WriteMemo();

  constructor(store: Store) {
    store.migrate("apigateway", MIGRATIONS);
    store.onReset(() => this.memo.invalidate());
    const db = store.db;
    this.s = {
      getApi: db.prepare("SELECT doc FROM apigateway_apis WHERE account = ? AND region = ? AND api_id = ?"),
      locate: db.prepare("SELECT account, region FROM apigateway_apis WHERE api_id = ?"),
      putApi: db.prepare("INSERT INTO apigateway_apis (account, region, api_id, name, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, region, api_id) DO UPDATE SET name = excluded.name, doc = excluded.doc"),
      listApis: db.prepare("SELECT doc FROM apigateway_apis WHERE account = ? AND region = ? ORDER BY api_id"),
      deleteApi: db.prepare("DELETE FROM apigateway_apis WHERE account = ? AND region = ? AND api_id = ?"),
      getDep: db.prepare("SELECT deployment_id, description, created_ms, snapshot FROM apigateway_deployments WHERE api_id = ? AND deployment_id = ?"),
      listDeps: db.prepare("SELECT deployment_id, description, created_ms FROM apigateway_deployments WHERE api_id = ? ORDER BY created_ms, deployment_id"),
      putDep: db.prepare("INSERT INTO apigateway_deployments (api_id, deployment_id, description, created_ms, snapshot) VALUES (?, ?, ?, ?, ?)"),
      deleteDep: db.prepare("DELETE FROM apigateway_deployments WHERE api_id = ? AND deployment_id = ?"),
      deleteDeps: db.prepare("DELETE FROM apigateway_deployments WHERE api_id = ?"),
      getStage: db.prepare("SELECT doc FROM apigateway_stages WHERE api_id = ? AND stage_name = ?"),
      listStages: db.prepare("SELECT doc FROM apigateway_stages WHERE api_id = ? ORDER BY stage_name"),
      putStage: db.prepare("INSERT INTO apigateway_stages (api_id, stage_name, doc) VALUES (?, ?, ?) ON CONFLICT (api_id, stage_name) DO UPDATE SET doc = excluded.doc"),
      deleteStage: db.prepare("DELETE FROM apigateway_stages WHERE api_id = ? AND stage_name = ?"),
      deleteStages: db.prepare("DELETE FROM apigateway_stages WHERE api_id = ?"),
      getDomain: db.prepare("SELECT account, region, doc, mappings FROM apigateway_domains WHERE domain_name = ?"),
      listDomains: db.prepare("SELECT doc FROM apigateway_domains WHERE account = ? AND region = ? ORDER BY domain_name"),
      putDomain: db.prepare("INSERT INTO apigateway_domains (account, region, domain_name, doc, mappings) VALUES (?, ?, ?, ?, ?) ON CONFLICT (domain_name) DO UPDATE SET doc = excluded.doc, mappings = excluded.mappings"),
      deleteDomain: db.prepare("DELETE FROM apigateway_domains WHERE domain_name = ?"),
    };
  }

  getApi(account: string, region: string, id: string): ApiDoc | undefined {
    const r = this.s.getApi.get(account, region, id) as { doc: string } | undefined;
    return r && reviveApi(JSON.parse(r.doc) as ApiDoc);
  }
  locate(id: string): { account: string; region: string } | undefined {
    return this.s.locate.get(id) as { account: string; region: string } | undefined;
  }
  /** What `compute` derives from the API and stage rows, kept under `key` until the next write of one (WriteMemo). */
  remember<T>(key: string, compute: () => T, keep?: (v: T) => boolean): T {
    return this.memo.remember(key, compute, keep);
  }

  putApi(account: string, region: string, doc: ApiDoc): void {
    this.memo.invalidate();
    this.s.putApi.run(account, region, doc.api.id!, doc.api.name ?? "", JSON.stringify(doc));
  }
  listApis(account: string, region: string): ApiDoc[] {
    return (this.s.listApis.all(account, region) as Array<{ doc: string }>).map((r) => reviveApi(JSON.parse(r.doc) as ApiDoc));
  }
  deleteApi(account: string, region: string, id: string): void {
    this.memo.invalidate();
    this.s.deleteApi.run(account, region, id);
    this.s.deleteDeps.run(id);
    this.s.deleteStages.run(id);
  }

  getDeployment(apiId: string, id: string): StoredDeployment | undefined {
    const r = this.s.getDep.get(apiId, id) as { deployment_id: string; description: string | null; created_ms: number; snapshot: string } | undefined;
    return r && { id: r.deployment_id, description: r.description ?? undefined, createdMs: r.created_ms, snapshot: JSON.parse(r.snapshot) as DeploymentSnapshot };
  }
  listDeployments(apiId: string): Array<Omit<StoredDeployment, "snapshot">> {
    return (this.s.listDeps.all(apiId) as Array<{ deployment_id: string; description: string | null; created_ms: number }>).map((r) => ({ id: r.deployment_id, description: r.description ?? undefined, createdMs: r.created_ms }));
  }
  putDeployment(apiId: string, d: StoredDeployment): void {
    this.s.putDep.run(apiId, d.id, d.description ?? null, d.createdMs, JSON.stringify(d.snapshot));
  }
  deleteDeployment(apiId: string, id: string): void {
    this.s.deleteDep.run(apiId, id);
  }

  getStage(apiId: string, name: string): Stage | undefined {
    const r = this.s.getStage.get(apiId, name) as { doc: string } | undefined;
    return r && reviveDates(JSON.parse(r.doc) as Stage, ["createdDate", "lastUpdatedDate"]);
  }
  listStages(apiId: string): Stage[] {
    return (this.s.listStages.all(apiId) as Array<{ doc: string }>).map((r) => reviveDates(JSON.parse(r.doc) as Stage, ["createdDate", "lastUpdatedDate"]));
  }
  putStage(apiId: string, stage: Stage): void {
    this.memo.invalidate();
    this.s.putStage.run(apiId, stage.stageName!, JSON.stringify(stage));
  }
  deleteStage(apiId: string, name: string): void {
    this.memo.invalidate();
    this.s.deleteStage.run(apiId, name);
  }

  getDomain(name: string): { account: string; region: string; domain: DomainName; mappings: BasePathMapping[] } | undefined {
    const r = this.s.getDomain.get(name) as { account: string; region: string; doc: string; mappings: string } | undefined;
    return r && { account: r.account, region: r.region, domain: reviveDates(JSON.parse(r.doc) as DomainName, ["certificateUploadDate"]), mappings: JSON.parse(r.mappings) as BasePathMapping[] };
  }
  listDomains(account: string, region: string): DomainName[] {
    return (this.s.listDomains.all(account, region) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as DomainName);
  }
  putDomain(account: string, region: string, domain: DomainName, mappings: BasePathMapping[]): void {
    this.s.putDomain.run(account, region, domain.domainName!, JSON.stringify(domain), JSON.stringify(mappings));
  }
  deleteDomain(name: string): void {
    this.s.deleteDomain.run(name);
  }
}

function reviveDates<T>(o: T, keys: string[]): T {
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (typeof v === "string") (o as Record<string, unknown>)[k] = new Date(v);
  }
  return o;
}

function reviveApi(doc: ApiDoc): ApiDoc {
  reviveDates(doc.api, ["createdDate"]);
  return doc;
}
