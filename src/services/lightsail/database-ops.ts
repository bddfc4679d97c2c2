/**
 * Managed databases backed by a real engine: CreateRelationalDatabase(FromSnapshot), GetRelationalDatabase(s),
 * Start/Stop/Reboot/DeleteRelationalDatabase, UpdateRelationalDatabase (master password), the master password,
 * blueprints and bundles, snapshots (logical dumps) and parameters (the engine's own settings).
 *
 * Each database is a server of its own (databases/engine.ts): postgres_* blueprints on PostgreSQL
 * (databases/postgres.ts), mysql_* blueprints on MariaDB (databases/mariadb.ts), with data under
 * <data dir>/lightsail/databases/, listening on 127.0.0.1 and a port of its own (the endpoint); servers are
 * stopped at shutdown and started again at boot for the databases that were available. State changes run in
 * the background, one at a time per database, as AWS's (creating → available, stopping → stopped, ...).
 *
 * Known gaps: point-in-time restore, log streams, events and metric data; every postgres_* blueprint runs the
 * PostgreSQL installed here and mysql_8_0 runs the installed MariaDB (engine "mysql", engineVersion says
 * which really runs, e.g. "10.11.19-MariaDB": MySQL 8-only SQL such as roles' syntax may differ); a
 * snapshot restore gets a new master password (both engines); a static parameter with a value the engine
 * rejects at reboot leaves the database failed (AWS: incompatible-parameters).
 */
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { checkName, invalidInput, notFound, operationFailure, type LightsailShared, type ResourceRow } from "./shared.js";
import { checkMasterDatabaseName, checkMasterPassword, checkMasterUsername, DB_BLUEPRINTS, DB_BUNDLES, generatePassword } from "./databases/catalogue.js";
import type { DbEngine, DbServer } from "./databases/engine.js";
import { mariadbEngine } from "./databases/mariadb.js";
import { postgresEngine } from "./databases/postgres.js";
import { getParameters, updateParameters } from "./databases/parameters.js";

const TYPE = "RelationalDatabase";
const SNAP = "RelationalDatabaseSnapshot";
const MAX_DATABASES = 20;

interface DbBody extends L.RelationalDatabase {
  secret: { password: string; createdAt: number; previous?: string; previousAt?: number };
}
interface SnapBody extends L.RelationalDatabaseSnapshot {
  file: string;
  masterUsername: string;
  masterDatabaseName: string;
}
type Ctx = Pick<RequestContext, "accountId" | "region">;

export class DatabaseOps {
  private readonly servers = new Map<string, DbServer>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly engines = new Map<string, DbEngine | null>();
  private readonly root: string;

  constructor(
    private readonly env: ServiceEnv,
    private readonly shared: LightsailShared,
  ) {
    this.root = join(env.config.dataDir, "lightsail");
    for (const r of shared.db.all<DbBody>(TYPE)) {
      if (["available", "starting", "rebooting", "backing-up", "modifying"].includes(r.body.state ?? "")) {
        // Not available until its server accepts connections again.
        this.patch(r, { state: "starting" });
        void this.task(r, "resume", async (pg) => {
          await pg.start(r.body.masterEndpoint?.port);
          return { state: "available", masterEndpoint: { address: "127.0.0.1", port: pg.port } };
        });
      }
    }
  }

  private key(r: { account: string; region: string; name: string }): string {
    return `${r.account}/${r.region}/${r.name}`;
  }
  private dirOf(r: { account: string; region: string; name: string }): string {
    return join(this.root, "databases", r.account, r.region, r.name);
  }

  /** The installed engine for a blueprint's engine (looked up once), or a clear error naming the Debian package. */
  private engine(kind: string): DbEngine {
    if (!this.engines.has(kind)) this.engines.set(kind, (kind === "mysql" ? mariadbEngine() : postgresEngine()) ?? null);
    const e = this.engines.get(kind);
    if (e) return e;
    if (kind === "mysql") throw operationFailure("MySQL databases run on MariaDB, which is not installed on this machine: install the Debian packages mariadb-server and mariadb-client (apt-get install mariadb-server mariadb-client) to run mysql_* databases");
    throw operationFailure("PostgreSQL is not installed on this machine: install the Debian package postgresql (apt-get install postgresql) to run postgres_* databases");
  }

  private server(r: ResourceRow<DbBody>): DbServer {
    const k = this.key(r);
    let s = this.servers.get(k);
    if (!s) this.servers.set(k, (s = this.engine(r.body.engine ?? "postgres").server(this.dirOf(r))));
    return s;
  }

  private creds(r: ResourceRow<DbBody>): { masterUsername: string; masterPassword: string } {
    return { masterUsername: r.body.masterUsername!, masterPassword: r.body.secret.password };
  }

  /** Merges `patch` into the stored database (re-read: the row may have changed meanwhile). */
  private patch(r: { account: string; region: string; name: string }, patch: Partial<DbBody>): void {
    const ctx = { accountId: r.account, region: r.region };
    const cur = this.shared.db.get<DbBody>(ctx, TYPE, r.name);
    if (!cur) return;
    cur.body = { ...cur.body, ...patch };
    this.shared.db.put(cur);
  }

  /** Runs `fn` after the database's previous work; its result patches the row, an error marks it failed. */
  private task(r: ResourceRow<DbBody>, what: string, fn: (pg: DbServer) => Promise<Partial<DbBody> | undefined>): Promise<void> {
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

  private get(ctx: Ctx, name: unknown): ResourceRow<DbBody> {
    const n = checkName(name, "relationalDatabaseName");
    const r = this.shared.db.get<DbBody>(ctx, TYPE, n);
    if (!r) throw notFound(`The Relational Database does not exist: ${n}`);
    return r;
  }

  private view(r: ResourceRow<DbBody>): L.RelationalDatabase {
    const { secret: _s, ...d } = r.body;
    return { ...d, createdAt: new Date(r.created), latestRestorableTime: new Date(this.env.clock.now()) };
  }

  GetRelationalDatabaseBlueprints(): L.GetRelationalDatabaseBlueprintsOutput {
    return { blueprints: DB_BLUEPRINTS.map((b) => ({ ...b })) };
  }

  GetRelationalDatabaseBundles(_ctx: RequestContext, input: L.GetRelationalDatabaseBundlesInput): L.GetRelationalDatabaseBundlesOutput {
    return { bundles: DB_BUNDLES.filter((b) => b.isActive || input.includeInactive).map((b) => ({ ...b })) };
  }

  /** A new database row in state `creating` (validated); the caller starts the work that makes it available. */
  private newRow(ctx: RequestContext, input: { name: string; az?: string; blueprintId: string; bundleId: string; masterDatabaseName: string; masterUsername: string; password: string; publiclyAccessible?: boolean; tags?: L.TagsShape; windows?: [string?, string?] }): ResourceRow<DbBody> {
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

  private checkBlueprint(id: unknown): string {
    const b = DB_BLUEPRINTS.find((x) => x.blueprintId === id);
    if (!b) throw invalidInput(`The relationalDatabaseBlueprintId ${String(id).slice(0, 100)} is not a valid blueprint`);
    return b.blueprintId;
  }

  CreateRelationalDatabase(ctx: RequestContext, input: L.CreateRelationalDatabaseInput): L.CreateRelationalDatabaseOutput {
    const name = checkName(input.relationalDatabaseName, "relationalDatabaseName");
    const blueprintId = this.checkBlueprint(input.relationalDatabaseBlueprintId);
    const kind = DB_BLUEPRINTS.find((b) => b.blueprintId === blueprintId)!.engine;
    const row = this.newRow(ctx, {
      name,
      az: input.availabilityZone,
      blueprintId,
      bundleId: String(input.relationalDatabaseBundleId ?? ""),
      masterDatabaseName: checkMasterDatabaseName(kind, input.masterDatabaseName),
      masterUsername: checkMasterUsername(kind, input.masterUsername),
      password: input.masterUserPassword === undefined ? generatePassword() : checkMasterPassword(input.masterUserPassword),
      publiclyAccessible: input.publiclyAccessible,
      tags: input.tags,
      windows: [input.preferredBackupWindow, input.preferredMaintenanceWindow],
    });
    this.shared.db.put(row);
    void this.task(row, "create", async (pg) => {
      await pg.initialize({ masterUsername: row.body.masterUsername!, masterPassword: row.body.secret.password, masterDatabaseName: row.body.masterDatabaseName! });
      await pg.start();
      return { state: "available", masterEndpoint: { address: "127.0.0.1", port: pg.port } };
    });
    return { operations: [this.shared.operation(ctx, name, TYPE, "CreateRelationalDatabase", { availabilityZone: row.body.location?.availabilityZone })] };
  }

  GetRelationalDatabase(ctx: RequestContext, input: L.GetRelationalDatabaseInput): L.GetRelationalDatabaseOutput {
    return { relationalDatabase: this.view(this.get(ctx, input.relationalDatabaseName)) };
  }

  GetRelationalDatabases(ctx: RequestContext): L.GetRelationalDatabasesOutput {
    return { relationalDatabases: this.shared.db.list<DbBody>(ctx, TYPE).map((r) => this.view(r)) };
  }

  private expectState(r: ResourceRow<DbBody>, states: string[], action: string): void {
    if (!states.includes(r.body.state ?? "")) throw invalidInput(`You can't ${action} the Relational Database ${r.name} while it is ${r.body.state}`);
  }

  StartRelationalDatabase(ctx: RequestContext, input: L.StartRelationalDatabaseInput): L.StartRelationalDatabaseOutput {
    const r = this.get(ctx, input.relationalDatabaseName);
    this.expectState(r, ["stopped", "failed"], "start");
    this.patch(r, { state: "starting" });
    void this.task(r, "start", async (pg) => {
      await pg.start(r.body.masterEndpoint?.port);
      return { state: "available", masterEndpoint: { address: "127.0.0.1", port: pg.port } };
    });
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "StartRelationalDatabase")] };
  }

  StopRelationalDatabase(ctx: RequestContext, input: L.StopRelationalDatabaseInput): L.StopRelationalDatabaseOutput {
    const r = this.get(ctx, input.relationalDatabaseName);
    this.expectState(r, ["available"], "stop");
    const snapshot = input.relationalDatabaseSnapshotName === undefined ? undefined : this.newSnapshot(ctx, r, input.relationalDatabaseSnapshotName);
    this.patch(r, { state: "stopping" });
    void this.task(r, "stop", async (pg) => {
      if (snapshot) await this.dumpInto(pg, r, snapshot);
      await pg.stop();
      return { state: "stopped" };
    });
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "StopRelationalDatabase")] };
  }

  RebootRelationalDatabase(ctx: RequestContext, input: L.RebootRelationalDatabaseInput): L.RebootRelationalDatabaseOutput {
    const r = this.get(ctx, input.relationalDatabaseName);
    this.expectState(r, ["available"], "reboot");
    this.patch(r, { state: "rebooting" });
    void this.task(r, "reboot", async (pg) => {
      await pg.stop();
      await pg.start(r.body.masterEndpoint?.port);
      return { state: "available", parameterApplyStatus: "in-sync", masterEndpoint: { address: "127.0.0.1", port: pg.port } };
    });
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "RebootRelationalDatabase")] };
  }

  DeleteRelationalDatabase(ctx: RequestContext, input: L.DeleteRelationalDatabaseInput): L.DeleteRelationalDatabaseOutput {
    const r = this.get(ctx, input.relationalDatabaseName);
    // AWS: skipFinalSnapshot defaults to true; false needs the final snapshot's name.
    let snapshot: ResourceRow<SnapBody> | undefined;
    if (input.skipFinalSnapshot === false) {
      if (!input.finalRelationalDatabaseSnapshotName) throw invalidInput("finalRelationalDatabaseSnapshotName is required when skipFinalSnapshot is false");
      if (r.body.state !== "available") throw invalidInput(`A final snapshot needs the Relational Database ${r.name} to be available`);
      snapshot = this.newSnapshot(ctx, r, input.finalRelationalDatabaseSnapshotName);
    }
    this.shared.db.delete(ctx, TYPE, r.name);
    void this.task(r, "delete", async (pg) => {
      if (snapshot) await this.dumpInto(pg, r, snapshot);
      await pg.stop();
      pg.destroy();
      this.servers.delete(this.key(r));
      return undefined;
    });
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "DeleteRelationalDatabase")] };
  }

  GetRelationalDatabaseMasterUserPassword(ctx: RequestContext, input: L.GetRelationalDatabaseMasterUserPasswordInput): L.GetRelationalDatabaseMasterUserPasswordOutput {
    const r = this.get(ctx, input.relationalDatabaseName);
    const version = input.passwordVersion ?? "CURRENT";
    if (!["CURRENT", "PREVIOUS", "PENDING"].includes(version)) throw invalidInput("passwordVersion must be CURRENT, PREVIOUS or PENDING");
    const s = r.body.secret;
    if (version === "PREVIOUS") {
      if (!s.previous) throw notFound(`The Relational Database ${r.name} has no previous master user password`);
      return { masterUserPassword: s.previous, createdAt: new Date(s.previousAt!) };
    }
    if (version === "PENDING") throw notFound(`The Relational Database ${r.name} has no pending master user password`);
    return { masterUserPassword: s.password, createdAt: new Date(s.createdAt) };
  }

  UpdateRelationalDatabase(ctx: RequestContext, input: L.UpdateRelationalDatabaseInput): L.UpdateRelationalDatabaseOutput {
    const r = this.get(ctx, input.relationalDatabaseName);
    if (input.relationalDatabaseBlueprintId !== undefined && input.relationalDatabaseBlueprintId !== r.body.relationalDatabaseBlueprintId) {
      this.checkBlueprint(input.relationalDatabaseBlueprintId);
      throw invalidInput("Changing a database's blueprint (major version upgrade) is not supported by Skyport");
    }
    if (input.masterUserPassword !== undefined && input.rotateMasterUserPassword) throw invalidInput("Specify masterUserPassword or rotateMasterUserPassword, not both");
    const password = input.rotateMasterUserPassword ? generatePassword() : input.masterUserPassword !== undefined ? checkMasterPassword(input.masterUserPassword) : undefined;
    if (password !== undefined) this.expectState(r, ["available"], "change the master password of");
    const patch: Partial<DbBody> = {};
    if (input.publiclyAccessible !== undefined) patch.publiclyAccessible = input.publiclyAccessible;
    if (input.preferredBackupWindow !== undefined) patch.preferredBackupWindow = input.preferredBackupWindow;
    if (input.preferredMaintenanceWindow !== undefined) patch.preferredMaintenanceWindow = input.preferredMaintenanceWindow;
    if (input.enableBackupRetention) patch.backupRetentionEnabled = true;
    if (input.disableBackupRetention) patch.backupRetentionEnabled = false;
    if (input.caCertificateIdentifier !== undefined) patch.caCertificateIdentifier = input.caCertificateIdentifier;
    this.patch(r, patch);
    if (password !== undefined) {
      const old = this.creds(r);
      void this.task(r, "change the master password", async (pg) => {
        await pg.setMasterPassword(old, password);
        const now = this.env.clock.now();
        return { secret: { password, createdAt: now, previous: old.masterPassword, previousAt: r.body.secret.createdAt } };
      });
    }
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "UpdateRelationalDatabase")] };
  }

  async GetRelationalDatabaseParameters(ctx: RequestContext, input: L.GetRelationalDatabaseParametersInput): Promise<L.GetRelationalDatabaseParametersOutput> {
    const r = this.get(ctx, input.relationalDatabaseName);
    this.expectState(r, ["available"], "read the parameters of");
    return { parameters: await getParameters(this.server(r), this.creds(r)) };
  }

  async UpdateRelationalDatabaseParameters(ctx: RequestContext, input: L.UpdateRelationalDatabaseParametersInput): Promise<L.UpdateRelationalDatabaseParametersOutput> {
    const r = this.get(ctx, input.relationalDatabaseName);
    this.expectState(r, ["available"], "update the parameters of");
    const pending = await updateParameters(this.server(r), this.creds(r), input.parameters);
    if (pending) this.patch(r, { parameterApplyStatus: "pending-reboot" });
    return { operations: [this.shared.operation(ctx, r.name, TYPE, "UpdateRelationalDatabaseParameters")] };
  }

  // ---- snapshots ----

  private newSnapshot(ctx: RequestContext, r: ResourceRow<DbBody>, snapshotName: unknown): ResourceRow<SnapBody> {
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

  private async dumpInto(pg: DbServer, r: ResourceRow<DbBody>, snap: ResourceRow<SnapBody>): Promise<void> {
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

  CreateRelationalDatabaseSnapshot(ctx: RequestContext, input: L.CreateRelationalDatabaseSnapshotInput): L.CreateRelationalDatabaseSnapshotOutput {
    const r = this.get(ctx, input.relationalDatabaseName);
    this.expectState(r, ["available"], "snapshot");
    const snap = this.newSnapshot(ctx, r, input.relationalDatabaseSnapshotName);
    snap.body.tags = this.shared.tagsIn(input.tags);
    this.shared.db.put(snap);
    this.patch(r, { state: "backing-up" });
    void this.task(r, "snapshot", async (pg) => {
      try {
        await this.dumpInto(pg, r, snap);
      } finally {
        this.patch(r, { state: "available" });
      }
      return undefined;
    });
    return { operations: [this.shared.operation(ctx, snap.name, SNAP, "CreateRelationalDatabaseSnapshot"), this.shared.operation(ctx, r.name, TYPE, "CreateRelationalDatabaseSnapshot")] };
  }

  private getSnapshot(ctx: Ctx, name: unknown): ResourceRow<SnapBody> {
    const n = checkName(name, "relationalDatabaseSnapshotName");
    const s = this.shared.db.get<SnapBody>(ctx, SNAP, n);
    if (!s) throw notFound(`The Relational Database Snapshot does not exist: ${n}`);
    return s;
  }

  private snapView(s: ResourceRow<SnapBody>): L.RelationalDatabaseSnapshot {
    const { file: _f, masterUsername: _u, masterDatabaseName: _d, ...b } = s.body;
    return { ...b, createdAt: new Date(s.created) };
  }

  GetRelationalDatabaseSnapshot(ctx: RequestContext, input: L.GetRelationalDatabaseSnapshotInput): L.GetRelationalDatabaseSnapshotOutput {
    return { relationalDatabaseSnapshot: this.snapView(this.getSnapshot(ctx, input.relationalDatabaseSnapshotName)) };
  }

  GetRelationalDatabaseSnapshots(ctx: RequestContext): L.GetRelationalDatabaseSnapshotsOutput {
    return { relationalDatabaseSnapshots: this.shared.db.list<SnapBody>(ctx, SNAP).map((s) => this.snapView(s)) };
  }

  DeleteRelationalDatabaseSnapshot(ctx: RequestContext, input: L.DeleteRelationalDatabaseSnapshotInput): L.DeleteRelationalDatabaseSnapshotOutput {
    const s = this.getSnapshot(ctx, input.relationalDatabaseSnapshotName);
    if (s.body.state === "pending") throw invalidInput(`The Relational Database Snapshot ${s.name} is still being created`);
    this.shared.db.delete(ctx, SNAP, s.name);
    rmSync(s.body.file, { force: true });
    return { operations: [this.shared.operation(ctx, s.name, SNAP, "DeleteRelationalDatabaseSnapshot")] };
  }

  CreateRelationalDatabaseFromSnapshot(ctx: RequestContext, input: L.CreateRelationalDatabaseFromSnapshotInput): L.CreateRelationalDatabaseFromSnapshotOutput {
    const name = checkName(input.relationalDatabaseName, "relationalDatabaseName");
    if (input.restoreTime !== undefined || input.useLatestRestorableTime) throw invalidInput("Point-in-time restore is not supported by Skyport: restore from a snapshot");
    const snap = this.getSnapshot(ctx, input.relationalDatabaseSnapshotName);
    if (snap.body.state !== "available" || !existsSync(snap.body.file) || !statSync(snap.body.file).isFile()) throw invalidInput(`The Relational Database Snapshot ${snap.name} is not available`);
    const row = this.newRow(ctx, {
      name,
      az: input.availabilityZone,
      blueprintId: snap.body.fromRelationalDatabaseBlueprintId!,
      bundleId: input.relationalDatabaseBundleId ?? snap.body.fromRelationalDatabaseBundleId!,
      masterDatabaseName: snap.body.masterDatabaseName,
      masterUsername: snap.body.masterUsername,
      password: generatePassword(),
      publiclyAccessible: input.publiclyAccessible,
      tags: input.tags,
    });
    this.shared.db.put(row);
    void this.task(row, "restore", async (pg) => {
      // The dump creates the master database itself: initialise without it, then replay.
      await pg.initialize({ masterUsername: row.body.masterUsername!, masterPassword: row.body.secret.password, masterDatabaseName: row.body.masterDatabaseName! }, { forRestore: true });
      await pg.start();
      await pg.restore(this.creds(row), snap.body.file);
      return { state: "available", masterEndpoint: { address: "127.0.0.1", port: pg.port } };
    });
    return { operations: [this.shared.operation(ctx, name, TYPE, "CreateRelationalDatabaseFromSnapshot")] };
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
