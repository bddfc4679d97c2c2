/**
 * What every Lightsail operation group shares: the store (one generic resource table, one operations table),
 * resource ARNs, the `operations` records AWS returns from every mutating call, tags, name validation and the
 * Lightsail error helpers.
 *
 * Resources of every kind (Instance, KeyPair, StaticIp, Disk, InstanceSnapshot, Domain, RelationalDatabase,
 * Alarm, ...) are rows of `lightsail_resources` keyed by (account, region, type, name) with their AWS-shaped
 * body as JSON: Lightsail names are unique per type and region, and TagResource / GetOperationsForResource
 * work by name across all types. Groups that need more (processes, addresses) keep it in memory or in
 * their own `lightsail_*` tables.
 */
import { arn } from "../../core/arn.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { Store } from "../../store/store.js";
import type { ServiceEnv } from "../host.js";
import type * as L from "../../aws/api/lightsail.js";
import type { InstanceRuntime } from "./instances/runtime.js";

/** Lightsail's exceptions carry code, docs, message and tip (the SDK maps them by name). */
const DOCS = "https://lightsail.aws.amazon.com/ls/docs";
export const notFound = (message: string) => new ServiceError("NotFoundException", message, 400, true, { code: "NotFound", docs: DOCS, tip: "" });
export const invalidInput = (message: string) => new ServiceError("InvalidInputException", message, 400, true, { code: "InvalidInput", docs: DOCS, tip: "" });
export const operationFailure = (message: string) => new ServiceError("OperationFailureException", message, 400, true, { code: "OperationFailure", docs: DOCS, tip: "" });
export const notImplementedYet = (what: string) =>
  new ServiceError("NotImplementedException", `${what} are not implemented by Skyport yet`, 501, false);

/** AWS's resource names: letters, digits, dashes, underscores and dots, starting with a letter or digit (2-255 chars). */
const NAME_RE = /^\w[\w\-.]{0,254}$/;

export function checkName(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw invalidInput(`${field} is required`);
  if (!NAME_RE.test(value)) throw invalidInput(`The ${field} "${value.slice(0, 300)}" is invalid. Names must start with a letter or number and contain only letters, numbers, dashes, underscores and periods.`);
  return value;
}

export interface ResourceRow<B = Record<string, unknown>> {
  account: string;
  region: string;
  type: string;
  name: string;
  arn: string;
  created: number;
  body: B;
}

/** The generic resource table and the operations log. */
export class LightsailStore {
  private readonly s;
  constructor(readonly store: Store) {
    store.migrate("lightsail", [
      `CREATE TABLE lightsail_resources (account TEXT NOT NULL, region TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,
         arn TEXT NOT NULL, created INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (account, region, type, name));
       CREATE INDEX lightsail_resources_name ON lightsail_resources(account, region, name);
       CREATE TABLE lightsail_operations (id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
         resource_name TEXT, created INTEGER NOT NULL, body TEXT NOT NULL);
       CREATE INDEX lightsail_operations_resource ON lightsail_operations(account, region, resource_name, created);`,
    ]);
    const db = store.db;
    this.s = {
      get: db.prepare("SELECT * FROM lightsail_resources WHERE account = ? AND region = ? AND type = ? AND name = ?"),
      byName: db.prepare("SELECT * FROM lightsail_resources WHERE account = ? AND region = ? AND name = ?"),
      list: db.prepare("SELECT * FROM lightsail_resources WHERE account = ? AND region = ? AND type = ? ORDER BY created, name"),
      all: db.prepare("SELECT * FROM lightsail_resources WHERE type = ? ORDER BY created, name"),
      put: db.prepare(
        "INSERT INTO lightsail_resources (account, region, type, name, arn, created, body) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET body = excluded.body",
      ),
      del: db.prepare("DELETE FROM lightsail_resources WHERE account = ? AND region = ? AND type = ? AND name = ?"),
      putOp: db.prepare("INSERT INTO lightsail_operations (id, account, region, resource_name, created, body) VALUES (?, ?, ?, ?, ?, ?)"),
      getOp: db.prepare("SELECT body FROM lightsail_operations WHERE id = ? AND account = ? AND region = ?"),
      opsFor: db.prepare("SELECT body FROM lightsail_operations WHERE account = ? AND region = ? AND resource_name = ? ORDER BY created DESC LIMIT 200"),
      ops: db.prepare("SELECT body FROM lightsail_operations WHERE account = ? AND region = ? ORDER BY created DESC LIMIT 200"),
    };
  }

  private row<B>(r: unknown): ResourceRow<B> | undefined {
    if (!r) return undefined;
    const x = r as Omit<ResourceRow<B>, "body"> & { body: string };
    return { ...x, body: JSON.parse(x.body) as B };
  }

  get<B = Record<string, unknown>>(ctx: Pick<RequestContext, "accountId" | "region">, type: string, name: string): ResourceRow<B> | undefined {
    return this.row<B>(this.s.get.get(ctx.accountId, ctx.region, type, name));
  }
  /** Every resource of any type with this name (TagResource names a resource without its type). */
  byName(ctx: Pick<RequestContext, "accountId" | "region">, name: string): ResourceRow[] {
    return this.s.byName.all(ctx.accountId, ctx.region, name).map((r) => this.row(r)!);
  }
  list<B = Record<string, unknown>>(ctx: Pick<RequestContext, "accountId" | "region">, type: string): ResourceRow<B>[] {
    return this.s.list.all(ctx.accountId, ctx.region, type).map((r) => this.row<B>(r)!);
  }
  /** Every resource of a type in every account and region (resuming work at boot). */
  all<B = Record<string, unknown>>(type: string): ResourceRow<B>[] {
    return this.s.all.all(type).map((r) => this.row<B>(r)!);
  }
  put(row: ResourceRow<unknown>): void {
    this.s.put.run(row.account, row.region, row.type, row.name, row.arn, row.created, JSON.stringify(row.body));
  }
  delete(ctx: Pick<RequestContext, "accountId" | "region">, type: string, name: string): void {
    this.s.del.run(ctx.accountId, ctx.region, type, name);
  }
  putOperation(ctx: Pick<RequestContext, "accountId" | "region">, op: L.OperationsItem, created: number): void {
    this.s.putOp.run(op.id, ctx.accountId, ctx.region, op.resourceName ?? null, created, JSON.stringify(op));
  }
  getOperation(ctx: Pick<RequestContext, "accountId" | "region">, id: string): L.OperationsItem | undefined {
    const r = this.s.getOp.get(id, ctx.accountId, ctx.region) as { body: string } | undefined;
    return r ? reviveOp(JSON.parse(r.body)) : undefined;
  }
  operations(ctx: Pick<RequestContext, "accountId" | "region">, resourceName?: string): L.OperationsItem[] {
    const rows = (resourceName === undefined ? this.s.ops.all(ctx.accountId, ctx.region) : this.s.opsFor.all(ctx.accountId, ctx.region, resourceName)) as Array<{ body: string }>;
    return rows.map((r) => reviveOp(JSON.parse(r.body)));
  }
}

function reviveOp(o: Record<string, unknown>): L.OperationsItem {
  return { ...o, createdAt: new Date(o.createdAt as string), statusChangedAt: new Date(o.statusChangedAt as string) };
}

/** Region / availability-zone helpers: Lightsail zones are the region name plus a letter. */
export const zonesOf = (region: string) => ["a", "b", "c", "d"].map((z) => `${region}${z}`);

/** State every operation group is constructed with. */
export class LightsailShared {
  readonly db: LightsailStore;
  /** The running side of instances (set by InstanceOps; static IP, disk and snapshot groups use it). */
  instances!: InstanceRuntime;
  /** The SSH server's host keys of an instance, for GetInstanceAccessDetails (set by the SSH group when it runs). */
  hostKeys?: (account: string, region: string, instanceName: string) => NonNullable<L.GetInstanceAccessDetailsOutput["accessDetails"]>["hostKeys"];
  /** GetInstanceAccessDetails' temporary key and certificate for an instance (set by the SSH group). */
  sshCredentials?: (arn: string, username: string) => { privateKey: string; certKey: string; expiresAt: Date };
  /** Called when names the DNS server answers changed outside domains (load balancers); set by the domain group. */
  dnsChanged?: () => void;
  private readonly groups = new Map<unknown, object>();
  constructor(readonly env: ServiceEnv) {
    this.db = new LightsailStore(env.store);
  }

  /** Every address in use: instances' public and private ones, static IPs, load balancers'. */
  usedAddresses(): Set<string> {
    const used = new Set<string>();
    for (const r of this.db.all<L.Instance>("Instance")) used.add(r.body.publicIpAddress!).add(r.body.privateIpAddress!);
    for (const r of this.db.all<L.StaticIp>("StaticIp")) used.add(r.body.ipAddress!);
    for (const r of this.db.all<{ sk?: { address?: string } }>("LoadBalancer")) if (r.body.sk?.address) used.add(r.body.sk.address);
    return used;
  }

  /** Registers a constructed operation group (the provider does, for every group). */
  register(group: object): void {
    this.groups.set(group.constructor, group);
  }

  /** Another operation group of the provider, by its class (for operations that span groups). */
  group<T>(cls: abstract new (...args: never[]) => T): T {
    const g = this.groups.get(cls);
    if (!g) throw new Error(`lightsail: the ${cls.name} group is not loaded`);
    return g as T;
  }

  now(): Date {
    return new Date(this.env.clock.now());
  }

  /** arn:aws:lightsail:{region}:{account}:{Type}/{uuid} — Lightsail ARNs carry a uuid, not the name. */
  arn(ctx: Pick<RequestContext, "accountId" | "region">, type: string): string {
    return arn("lightsail", ctx.region, ctx.accountId, `${type}/${this.env.ids.uuid()}`);
  }

  location(ctx: Pick<RequestContext, "region">, availabilityZone?: string): L.Location {
    return { availabilityZone: availabilityZone ?? "all", regionName: ctx.region };
  }

  /** Records and returns one completed operation as AWS returns it (Lightsail's calls answer with these). */
  operation(
    ctx: Pick<RequestContext, "accountId" | "region">,
    resourceName: string,
    resourceType: string,
    operationType: string,
    opts: { availabilityZone?: string; operationDetails?: string } = {},
  ): L.OperationsItem {
    const now = this.now();
    const op: L.OperationsItem = {
      id: this.env.ids.uuid(),
      resourceName,
      resourceType,
      createdAt: now,
      location: { availabilityZone: opts.availabilityZone ?? "all", regionName: ctx.region },
      isTerminal: true,
      operationDetails: opts.operationDetails ?? "",
      operationType,
      status: "Succeeded",
      statusChangedAt: now,
    };
    this.db.putOperation(ctx, op, now.getTime());
    return op;
  }

  /** AWS's Tag list → stored tags, bounded (50 tags, key ≤ 128, value ≤ 256). */
  tagsIn(tags: L.TagsShape | undefined): L.TagsShape {
    if (tags === undefined) return [];
    if (!Array.isArray(tags) || tags.length > 50) throw invalidInput("A resource can have at most 50 tags");
    const out = new Map<string, string>();
    for (const t of tags) {
      if (typeof t?.key !== "string" || t.key.length < 1 || t.key.length > 128) throw invalidInput("Tag keys must be 1 to 128 characters");
      if (t.value !== undefined && (typeof t.value !== "string" || t.value.length > 256)) throw invalidInput("Tag values must be at most 256 characters");
      out.set(t.key, t.value ?? "");
    }
    return [...out].map(([key, value]) => ({ key, value }));
  }
}

/** An operation group: a class whose PascalCase methods are Lightsail operations. */
export interface OperationGroup {
  close?(): void | Promise<void>;
  reset?(): void | Promise<void>;
  health?(): Record<string, unknown>;
}
export type OperationGroupClass = new (env: ServiceEnv, shared: LightsailShared) => OperationGroup | object;

/** State codes Lightsail reports with each instance state name. */
export const STATE_CODES: Record<string, number> = { pending: 0, running: 16, "shutting-down": 32, terminated: 48, stopping: 64, stopped: 80 };
