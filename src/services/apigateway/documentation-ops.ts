/**
 * Documentation parts and documentation versions. A part documents one location of an API (its fields
 * depend on the location type, as the REST API reference's DocumentationPartLocation lists); a version
 * freezes the parts as they were, and can be attached to a stage (stage.documentationVersion).
 * Gap: locationStatus=UNDOCUMENTED (which needs the list of every entity that could be documented) is not
 * implemented.
 */
import type * as A from "../../aws/api/apigateway.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { Statement } from "../../store/store.js";
import type { ServiceEnv } from "../host.js";
import { applyPatch, type PatchOperation } from "./patch.js";
import { parseDefinition } from "./openapi/import.js";
import { badRequest, page } from "./shared.js";
import { ApiUsagePlanOps } from "./usage-plan-ops.js";

const MIGRATIONS = [
  `CREATE TABLE apigateway_docs (api_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (api_id, kind, id))`,
];
type Part = A.CreateDocumentationPartOutput;
type Version = A.CreateDocumentationVersionOutput & { parts?: Part[] };

/** Which location fields apply to each type (the others are dropped), and their defaults. */
const LOCATION_FIELDS: Record<string, Array<"path" | "method" | "statusCode" | "name">> = {
  API: [], AUTHORIZER: ["name"], MODEL: ["name"], RESOURCE: ["path"], METHOD: ["path", "method"],
  PATH_PARAMETER: ["path", "method", "name"], QUERY_PARAMETER: ["path", "method", "name"], REQUEST_HEADER: ["path", "method", "name"],
  REQUEST_BODY: ["path", "method"], RESPONSE: ["path", "method", "statusCode"], RESPONSE_HEADER: ["path", "method", "statusCode", "name"],
  RESPONSE_BODY: ["path", "method", "statusCode"],
};
const DEFAULTS = { path: "/", method: "*", statusCode: "*" } as const;

const partNotFound = () => new ServiceError("NotFoundException", "Invalid Documentation part identifier specified", 404);
const versionNotFound = () => new ServiceError("NotFoundException", "Invalid Documentation version identifier specified", 404);

function normalizeLocation(l: A.Location | undefined): A.Location {
  const fields = l?.type ? LOCATION_FIELDS[l.type] : undefined;
  if (!l || !fields) throw badRequest(`Invalid documentation part location type: ${l?.type ?? ""}`);
  const out: A.Location = { type: l.type };
  for (const f of fields) {
    const v = l[f] ?? (f === "name" ? undefined : DEFAULTS[f]);
    if (v === undefined) throw badRequest(`Documentation part location of type ${l.type} requires a ${f}`);
    out[f] = f === "method" && v !== "*" ? v.toUpperCase() : v;
  }
  return out;
}

function checkProperties(p: string | undefined): void {
  try {
    const v = JSON.parse(p ?? "") as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return;
  } catch { /* reported below */ }
  throw badRequest("Documentation part properties must be a valid JSON object");
}

const sameLocation = (a: A.Location | undefined, b: A.Location) => JSON.stringify(a) === JSON.stringify(b);

export abstract class ApiDocumentationOps extends ApiUsagePlanOps {
  private readonly d: { get: Statement; list: Statement; put: Statement; del: Statement };

  constructor(env: ServiceEnv) {
    super(env);
    env.store.migrate("apigateway-docs", MIGRATIONS);
    const db = env.store.db;
    this.d = {
      get: db.prepare("SELECT doc FROM apigateway_docs WHERE api_id = ? AND kind = ? AND id = ?"),
      list: db.prepare("SELECT doc FROM apigateway_docs WHERE api_id = ? AND kind = ? ORDER BY id"),
      put: db.prepare("INSERT INTO apigateway_docs (api_id, kind, id, doc) VALUES (?, ?, ?, ?) ON CONFLICT (api_id, kind, id) DO UPDATE SET doc = excluded.doc"),
      del: db.prepare("DELETE FROM apigateway_docs WHERE api_id = ? AND kind = ? AND id = ?"),
    };
  }

  CreateDocumentationPart(ctx: RequestContext, input: A.CreateDocumentationPartInput): Part {
    this.api(ctx, input.restApiId);
    const location = normalizeLocation(input.location);
    checkProperties(input.properties);
    if (this.parts(input.restApiId).some((p) => sameLocation(p.location, location))) {
      throw new ServiceError("ConflictException", "Documentation part already exists for the specified location", 409);
    }
    const part: Part = { id: this.env.ids.alnum(6), location, properties: input.properties };
    this.d.put.run(input.restApiId, "part", part.id, JSON.stringify(part));
    return part;
  }

  GetDocumentationPart(ctx: RequestContext, input: A.GetDocumentationPartInput): Part {
    this.api(ctx, input.restApiId);
    return this.part(input.restApiId, input.documentationPartId);
  }

  GetDocumentationParts(ctx: RequestContext, input: A.GetDocumentationPartsInput): A.GetDocumentationPartsOutput {
    this.api(ctx, input.restApiId);
    if (input.locationStatus === "UNDOCUMENTED") throw new ServiceError("NotImplementedException", "locationStatus UNDOCUMENTED is not implemented by Skyport yet", 501, false);
    const parts = this.parts(input.restApiId).filter((p) => (!input.type || p.location?.type === input.type)
      && (!input.path || p.location?.path === input.path)
      && (!input.nameQuery || (p.location?.name ?? "").startsWith(input.nameQuery)));
    return page(parts, input.position, input.limit, (p) => p.id!);
  }

  UpdateDocumentationPart(ctx: RequestContext, input: A.UpdateDocumentationPartInput): Part {
    this.api(ctx, input.restApiId);
    const part = this.part(input.restApiId, input.documentationPartId);
    applyPatch(part as Record<string, unknown>, input.patchOperations as PatchOperation[] | undefined, /^\/properties$/);
    checkProperties(part.properties);
    this.d.put.run(input.restApiId, "part", part.id, JSON.stringify(part));
    return part;
  }

  DeleteDocumentationPart(ctx: RequestContext, input: A.DeleteDocumentationPartInput): Record<string, never> {
    this.api(ctx, input.restApiId);
    this.part(input.restApiId, input.documentationPartId);
    this.d.del.run(input.restApiId, "part", input.documentationPartId);
    return {};
  }

  /** Parts from the x-amazon-apigateway-documentation extension of an OpenAPI file; mode merge (default) or overwrite. */
  ImportDocumentationParts(ctx: RequestContext, input: A.ImportDocumentationPartsInput): A.ImportDocumentationPartsOutput {
    this.api(ctx, input.restApiId);
    const mode = input.mode ?? "merge";
    if (mode !== "merge" && mode !== "overwrite") throw badRequest(`Invalid mode: ${input.mode}`);
    const def = parseDefinition(input.body);
    const ext = def["x-amazon-apigateway-documentation"] as { documentationParts?: Array<{ location?: A.Location; properties?: unknown }> } | undefined;
    const warnings: string[] = [];
    const incoming: Part[] = [];
    (ext?.documentationParts ?? []).forEach((raw, i) => {
      try {
        const properties = typeof raw.properties === "string" ? raw.properties : JSON.stringify(raw.properties ?? {});
        checkProperties(properties);
        incoming.push({ location: normalizeLocation(raw.location), properties });
      } catch (e) {
        warnings.push(`documentationParts[${i}]: ${(e as Error).message}`);
      }
    });
    if (warnings.length && input.failOnWarnings) throw badRequest(warnings.join("; "));
    const existing = this.parts(input.restApiId);
    if (mode === "overwrite") for (const p of existing) this.d.del.run(input.restApiId, "part", p.id);
    const ids: string[] = [];
    for (const part of incoming) {
      // In merge mode a part at an already documented location replaces that part's properties.
      const same = mode === "merge" ? existing.find((p) => sameLocation(p.location, part.location!)) : undefined;
      const stored: Part = { id: same?.id ?? this.env.ids.alnum(6), location: part.location, properties: part.properties };
      this.d.put.run(input.restApiId, "part", stored.id, JSON.stringify(stored));
      ids.push(stored.id!);
    }
    return { ids, warnings: warnings.length ? warnings : undefined };
  }

  CreateDocumentationVersion(ctx: RequestContext, input: A.CreateDocumentationVersionInput): A.CreateDocumentationVersionOutput {
    this.api(ctx, input.restApiId);
    if (!input.documentationVersion) throw badRequest("Invalid documentation version specified");
    if (this.d.get.get(input.restApiId, "version", input.documentationVersion)) throw new ServiceError("ConflictException", "Documentation version already exists", 409);
    const stage = input.stageName ? this.store.getStage(input.restApiId, input.stageName) : undefined;
    if (input.stageName && !stage) throw new ServiceError("NotFoundException", "Invalid Stage identifier specified", 404);
    const v: Version = { version: input.documentationVersion, createdDate: new Date(ctx.clock.now()), description: input.description, parts: this.parts(input.restApiId) };
    this.d.put.run(input.restApiId, "version", v.version, JSON.stringify(v));
    if (stage) this.store.putStage(input.restApiId, { ...stage, documentationVersion: v.version, lastUpdatedDate: new Date(ctx.clock.now()) });
    return publicVersion(v);
  }

  GetDocumentationVersion(ctx: RequestContext, input: A.GetDocumentationVersionInput): A.CreateDocumentationVersionOutput {
    this.api(ctx, input.restApiId);
    return publicVersion(this.version(input.restApiId, input.documentationVersion));
  }

  GetDocumentationVersions(ctx: RequestContext, input: A.GetDocumentationVersionsInput): A.GetDocumentationVersionsOutput {
    this.api(ctx, input.restApiId);
    const all = (this.d.list.all(input.restApiId, "version") as Array<{ doc: string }>).map((r) => publicVersion(JSON.parse(r.doc) as Version));
    return page(all, input.position, input.limit, (v) => v.version!);
  }

  UpdateDocumentationVersion(ctx: RequestContext, input: A.UpdateDocumentationVersionInput): A.CreateDocumentationVersionOutput {
    this.api(ctx, input.restApiId);
    const v = this.version(input.restApiId, input.documentationVersion);
    applyPatch(v as Record<string, unknown>, input.patchOperations as PatchOperation[] | undefined, /^\/description$/);
    this.d.put.run(input.restApiId, "version", v.version, JSON.stringify(v));
    return publicVersion(v);
  }

  DeleteDocumentationVersion(ctx: RequestContext, input: A.DeleteDocumentationVersionInput): Record<string, never> {
    this.api(ctx, input.restApiId);
    this.version(input.restApiId, input.documentationVersion);
    this.d.del.run(input.restApiId, "version", input.documentationVersion);
    return {};
  }

  override DeleteRestApi(ctx: RequestContext, input: A.DeleteRestApiInput): Record<string, never> {
    const out = super.DeleteRestApi(ctx, input);
    this.env.store.db.prepare("DELETE FROM apigateway_docs WHERE api_id = ?").run(input.restApiId);
    return out;
  }

  private parts(apiId: string): Part[] {
    return (this.d.list.all(apiId, "part") as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as Part);
  }

  private part(apiId: string, id: string): Part {
    const r = this.d.get.get(apiId, "part", id) as { doc: string } | undefined;
    if (!r) throw partNotFound();
    return JSON.parse(r.doc) as Part;
  }

  private version(apiId: string, id: string): Version {
    const r = this.d.get.get(apiId, "version", id) as { doc: string } | undefined;
    if (!r) throw versionNotFound();
    return JSON.parse(r.doc) as Version;
  }
}

function publicVersion(v: Version): A.CreateDocumentationVersionOutput {
  return { version: v.version, description: v.description, createdDate: v.createdDate ? new Date(v.createdDate) : undefined };
}
