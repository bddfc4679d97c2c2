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
 * rejects at reboot leaves the database failed (AWS: incompatible-parameters); MariaDB's admin account
 * (root@localhost over the socket) is not protected from the master user as RDS's rdsadmin is.
 */
import { existsSync, rmSync, statSync } from "node:fs";
import type * as L from "../../aws/api/lightsail.js";
import type { RequestContext } from "../../edge/context.js";
import { checkName, invalidInput, notFound, type ResourceRow } from "./shared.js";
import { checkMasterDatabaseName, checkMasterPassword, checkMasterUsername, DB_BLUEPRINTS, DB_BUNDLES, generatePassword } from "./databases/catalogue.js";
import { DatabaseBase, SNAP, TYPE, type DbBody, type SnapBody } from "./databases/base.js";
import { getParameters, updateParameters } from "./databases/parameters.js";

export class DatabaseOps extends DatabaseBase {
  GetRelationalDatabaseBlueprints(): L.GetRelationalDatabaseBlueprintsOutput {
    return { blueprints: DB_BLUEPRINTS.map((b) => ({ ...b })) };
  }

  GetRelationalDatabaseBundles(_ctx: RequestContext, input: L.GetRelationalDatabaseBundlesInput): L.GetRelationalDatabaseBundlesOutput {
    return { bundles: DB_BUNDLES.filter((b) => b.isActive || input.includeInactive).map((b) => ({ ...b })) };
  }

  /** A new database row in state `creating` (validated); the caller starts the work that makes it available. */
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

  StartRelationalDatabase(ctx: RequestContext, input: L.StartRelationalDatabaseInput): L.StartRelationalDatabaseOutput {
    const r = this.get(ctx, input.relationalDatabaseName);
    this.expectState(r, ["stopped", "failed"], "start");
    this.patch(r, { state: "starting" });
    void this.task(r, "start", async (pg) => ({ state: "available", masterEndpoint: await this.startAgain(r, pg) }));
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
      return { state: "available", parameterApplyStatus: "in-sync", masterEndpoint: await this.startAgain(r, pg) };
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
  CreateRelationalDatabaseSnapshot(ctx: RequestContext, input: L.CreateRelationalDatabaseSnapshotInput): L.CreateRelationalDatabaseSnapshotOutput {
    const r = this.get(ctx, input.relationalDatabaseName);
    this.expectState(r, ["available"], "snapshot");
    const snap = this.newSnapshot(ctx, r, input.relationalDatabaseSnapshotName);
    snap.body.tags = this.shared.tagsIn(input.tags);
    this.shared.db.put(snap);
    this.patch(r, { state: "backing-up" });
    void this.task(r, "snapshot", async (pg) => {
      // A failed dump fails the snapshot (dumpInto marks it), not the database, which keeps serving.
      await this.dumpInto(pg, r, snap).catch((e: Error) => this.env.log.error(`lightsail: database ${r.name}: snapshot ${snap.name} failed: ${e.message}`));
      return { state: "available" };
    });
    return { operations: [this.shared.operation(ctx, snap.name, SNAP, "CreateRelationalDatabaseSnapshot"), this.shared.operation(ctx, r.name, TYPE, "CreateRelationalDatabaseSnapshot")] };
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

}
