/**
 * What every Lightsail database operation (database-ops.ts) stands on: the stored rows (a database, a
 * snapshot), the server of each database from its engine (engine.ts), the per-database queue of background
 * work (state changes one at a time, as AWS's), and the servers resumed at boot and stopped at shutdown.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type * as L from "../../../aws/api/lightsail.js";
import type { RequestContext } from "../../../edge/context.js";
import type { ServiceEnv } from "../../host.js";
import { checkName, invalidInput, notFound, operationFailure, type LightsailShared, type ResourceRow } from "../shared.js";
import { DB_BLUEPRINTS, DB_BUNDLES } from "./catalogue.js";
import type { DbEngine, DbServer } from "./engine.js";
import { mariadbEngine } from "./mariadb.js";
import { postgresEngine } from "./postgres.js";

export const TYPE = "RelationalDatabase";
export const SNAP = "RelationalDatabaseSnapshot";
const MAX_DATABASES = 20;

export interface DbBody extends L.RelationalDatabase {
  secret: { password: string; createdAt: number; previous?: string; previousAt?: number };
}
export interface SnapBody extends L.RelationalDatabaseSnapshot {
  file: string;
  masterUsername: string;
  masterDatabaseName: string;
}
type Ctx = Pick<RequestContext, "accountId" | "region">;

export class DatabaseBase {
  protected readonly servers = new Map<string, DbServer>();
  protected readonly chains = new Map<string, Promise<void>>();
  protected readonly engines = new Map<string, DbEngine | null>();
  protected readonly root: string;

  constructor(
    protected readonly env: ServiceEnv,
    protected readonly shared: LightsailShared,
  ) {
    this.root = join(env.config.dataDir, "lightsail");
    for (const r of shared.db.all<DbBody>(TYPE)) {
      if (["available", "starting", "rebooting", "backing-up", "modifying"].includes(r.body.state ?? "")) {
        // Not available until its server accepts connections again.
        this.patch(r, { state: "starting" });
        void this.task(r, "resume", async (pg) => ({ state: "available", masterEndpoint: await this.startAgain(r, pg) }));
      }
    }
  }

  /** Starts a database's server again on its port, or on another when that one was taken meanwhile (said in the log). */
  protected async startAgain(r: ResourceRow<DbBody>, pg: DbServer): Promise<{ address: string; port: number }> {
    const saved = r.body.masterEndpoint?.port;
    await pg.start(saved);
    if (saved !== undefined && pg.port !== saved) this.env.log.warn(`lightsail: database ${r.name}: port ${saved} is taken by another process; its server now listens on port ${pg.port}`);
    return { address: "127.0.0.1", port: pg.port };
  }

  protected key(r: { account: string; region: string; name: string }): string {
    return `${r.account}/${r.region}/${r.name}`;
  }
  protected dirOf(r: { account: string; region: string; name: string }): string {
    return join(this.root, "databases", r.account, r.region, r.name);
  }

  /** The installed engine for a blueprint's engine (looked up once), or a clear error naming the Debian package. */
  protected engine(kind: string): DbEngine {
    if (!this.engines.has(kind)) this.engines.set(kind, (kind === "mysql" ? mariadbEngine() : postgresEngine()) ?? null);
    const e = this.engines.get(kind);
    if (e) return e;
    if (kind === "mysql") throw operationFailure("MySQL databases run on MariaDB, which is not installed on this machine: install the Debian packages mariadb-server and mariadb-client (apt-get install mariadb-server mariadb-client) to run mysql_* databases");
    throw operationFailure("PostgreSQL is not installed on this machine: install the Debian package postgresql (apt-get install postgresql) to run postgres_* databases");
  }

  protected server(r: ResourceRow<DbBody>): DbServer {
    const k = this.key(r);
    let s = this.servers.get(k);
    if (!s) this.servers.set(k, (s = this.engine(r.body.engine ?? "postgres").server(this.dirOf(r))));
    return s;
  }

  protected creds(r: ResourceRow<DbBody>): { masterUsername: string; masterPassword: string } {
    return { masterUsername: r.body.masterUsername!, masterPassword: r.body.secret.password };
  }

  /** Merges `patch` into the stored database (re-read: the row may have changed meanwhile). */
  protected patch(r: { account: string; region: string; name: string }, patch: Partial<DbBody>): void {
    const ctx = { accountId: r.account, region: r.region };
    const cur = this.shared.db.get<DbBody>(ctx, TYPE, r.name);
    if (!cur) return;
    cur.body = { ...cur.body, ...patch };
    this.shared.db.put(cur);
  }

  /** Runs `fn` after the database's previous work; its result patches the row, an error marks it failed. */
  protected task(r: ResourceRow<DbBody>, what: string, fn: (pg: DbServer) => Promise<Partial<DbBody> | undefined>): Promise<void> {
    const k = this.key(r);
    const prev = this.chains.get(k) ?? Promise.resolve();
    const next = prev.then(async () => {
      try {
        const out = await fn(this.server(r));
        if (out) this.patch(r, out);
      } catch (e) {
        this.env.log.error(`lightsail: database ${r.name}: ${what} failed: ${(e as Error).message}`);
        this.patch(r, { state: "failed" });
      }
    });
    this.chains.set(k, next);
    void next.then(() => {
      if (this.chains.get(k) === next) this.chains.delete(k);
    });
    return next;
  }

  protected get(ctx: Ctx, name: unknown): ResourceRow<DbBody> {
    const n = checkName(name, "relationalDatabaseName");
    const r = this.shared.db.get<DbBody>(ctx, TYPE, n);
    if (!r) throw notFound(`The Relational Database does not exist: ${n}`);
    return r;
  }

  protected view(r: ResourceRow<DbBody>): L.RelationalDatabase {
    const { secret: _s, ...d } = r.body;
    return { ...d, createdAt: new Date(r.created), latestRestorableTime: new Date(this.env.clock.now()) };
  }

  protected newRow(ctx: RequestContext, input: { name: string; az?: string; blueprintId: string; bundleId: string; masterDatabaseName: string; masterUsername: string; password: string; publiclyAccessible?: boolean; tags?: L.TagsShape; windows?: [string?, string?] }): ResourceRow<DbBody> {
    if (this.shared.db.get(ctx, TYPE, input.name)) throw invalidInput(`The Relational Database ${input.name} already exists`);
    if (this.shared.db.list(ctx, TYPE).length >= MAX_DATABASES) throw invalidInput(`You can have at most ${MAX_DATABASES} databases`);
    const blueprint = DB_BLUEPRINTS.find((b) => b.blueprintId === input.blueprintId)!;
    const bundle = DB_BUNDLES.find((b) => b.bundleId === input.bundleId);
    if (!bundle) throw invalidInput(`The relationalDatabaseBundleId ${input.bundleId.slice(0, 100)} is not a valid bundle`);
    const engine = this.engine(blueprint.engine);
    const created = this.env.clock.now();
    const arn = this.shared.arn(ctx, TYPE);
    const az = input.az ?? `${ctx.region}a`;
    return {
      account: ctx.accountId,
      region: ctx.region,
      type: TYPE,
      name: input.name,
      arn,
      created,
      body: {
        name: input.name,
        arn,
        supportCode: `${ctx.accountId}/${input.name}`,
        location: this.shared.location(ctx, az),
        resourceType: TYPE,
        tags: this.shared.tagsIn(input.tags),
        relationalDatabaseBlueprintId: blueprint.blueprintId,
        relationalDatabaseBundleId: bundle.bundleId,
        masterDatabaseName: input.masterDatabaseName,
        hardware: { cpuCount: bundle.cpuCount, diskSizeInGb: bundle.diskSizeInGb, ramSizeInGb: bundle.ramSizeInGb },
        state: "creating",
        backupRetentionEnabled: true,
        pendingModifiedValues: {},
        engine: engine.engine,
        engineVersion: engine.version,
        masterUsername: input.masterUsername,
        parameterApplyStatus: "in-sync",
        preferredBackupWindow: input.windows?.[0] ?? "06:00-06:30",
        preferredMaintenanceWindow: input.windows?.[1] ?? "tue:07:00-tue:07:30",
        publiclyAccessible: input.publiclyAccessible === true,
        masterEndpoint: { address: "127.0.0.1" },
        pendingMaintenanceActions: [],
        caCertificateIdentifier: "rds-ca-rsa2048-g1",
        secret: { password: input.password, createdAt: created },
      },
    };
  }

  protected checkBlueprint(id: unknown): string {
    const b = DB_BLUEPRINTS.find((x) => x.blueprintId === id);
    if (!b) throw invalidInput(`The relationalDatabaseBlueprintId ${String(id).slice(0, 100)} is not a valid blueprint`);
    return b.blueprintId;
  }

  protected expectState(r: ResourceRow<DbBody>, states: string[], action: string): void {
    if (!states.includes(r.body.state ?? "")) throw invalidInput(`You can't ${action} the Relational Database ${r.name} while it is ${r.body.state}`);
  }

  protected newSnapshot(ctx: RequestContext, r: ResourceRow<DbBody>, snapshotName: unknown): ResourceRow<SnapBody> {
    const name = checkName(snapshotName, "relationalDatabaseSnapshotName");
    if (this.shared.db.get(ctx, SNAP, name)) throw invalidInput(`The Relational Database Snapshot ${name} already exists`);
    const arn = this.shared.arn(ctx, SNAP);
    const file = join(this.root, "db-snapshots", ctx.accountId, ctx.region, `${name}.sql`);
    const row: ResourceRow<SnapBody> = {
      account: ctx.accountId,
      region: ctx.region,
      type: SNAP,
      name,
      arn,
      created: this.env.clock.now(),
      body: {
        name,
        arn,
        supportCode: `${ctx.accountId}/${name}`,
        location: r.body.location,
        resourceType: SNAP,
        tags: [],
        engine: r.body.engine,
        engineVersion: r.body.engineVersion,
        sizeInGb: r.body.hardware?.diskSizeInGb,
        state: "pending",
        fromRelationalDatabaseName: r.name,
        fromRelationalDatabaseArn: r.arn,
        fromRelationalDatabaseBundleId: r.body.relationalDatabaseBundleId,
        fromRelationalDatabaseBlueprintId: r.body.relationalDatabaseBlueprintId,
        file,
        masterUsername: r.body.masterUsername!,
        masterDatabaseName: r.body.masterDatabaseName!,
      },
    };
    this.shared.db.put(row);
    return row;
  }

  protected async dumpInto(pg: DbServer, r: ResourceRow<DbBody>, snap: ResourceRow<SnapBody>): Promise<void> {
    const ctx = { accountId: snap.account, region: snap.region };
    try {
      mkdirSync(join(snap.body.file, ".."), { recursive: true });
      await pg.dump(this.creds(r), snap.body.file);
      const cur = this.shared.db.get<SnapBody>(ctx, SNAP, snap.name);
      if (cur) this.shared.db.put({ ...cur, body: { ...cur.body, state: "available" } });
    } catch (e) {
      const cur = this.shared.db.get<SnapBody>(ctx, SNAP, snap.name);
      if (cur) this.shared.db.put({ ...cur, body: { ...cur.body, state: "failed" } });
      throw e;
    }
  }

  protected getSnapshot(ctx: Ctx, name: unknown): ResourceRow<SnapBody> {
    const n = checkName(name, "relationalDatabaseSnapshotName");
    const s = this.shared.db.get<SnapBody>(ctx, SNAP, n);
    if (!s) throw notFound(`The Relational Database Snapshot does not exist: ${n}`);
    return s;
  }

  protected snapView(s: ResourceRow<SnapBody>): L.RelationalDatabaseSnapshot {
    const { file: _f, masterUsername: _u, masterDatabaseName: _d, ...b } = s.body;
    return { ...b, createdAt: new Date(s.created) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.chains.values()]);
    await Promise.all([...this.servers.values()].map((s) => s.stop()));
  }

  async reset(): Promise<void> {
    await this.close();
    for (const s of this.servers.values()) s.destroy();
    this.servers.clear();
    rmSync(join(this.root, "db-snapshots"), { recursive: true, force: true });
  }

  health(): Record<string, unknown> {
    return { databases: [...this.servers.values()].filter((s) => s.running).length };
  }
}
