/**
 * Lightsail managed databases backed by a real PostgreSQL (skipped when none is installed), reached with
 * psql at the endpoint the API reports, with the master credentials it returns.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import {
  CreateRelationalDatabaseCommand,
  CreateRelationalDatabaseFromSnapshotCommand,
  CreateRelationalDatabaseSnapshotCommand,
  DeleteRelationalDatabaseCommand,
  DeleteRelationalDatabaseSnapshotCommand,
  GetRelationalDatabaseBlueprintsCommand,
  GetRelationalDatabaseBundlesCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseMasterUserPasswordCommand,
  GetRelationalDatabaseParametersCommand,
  GetRelationalDatabaseSnapshotCommand,
  LightsailClient,
  RebootRelationalDatabaseCommand,
  StartRelationalDatabaseCommand,
  StopRelationalDatabaseCommand,
  UpdateRelationalDatabaseParametersCommand,
  type RelationalDatabase,
} from "@aws-sdk/client-lightsail";
import { findMariadb } from "../../src/services/lightsail/databases/mariadb.js";
import { findPostgres } from "../../src/services/lightsail/databases/postgres.js";
import { waitForDatabase } from "../helpers/lightsail.js";
import { startServer, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
const pg = findPostgres();
const skip = !pg && "PostgreSQL is not installed (Debian package postgresql)";
let server: TestServer;
let ls: LightsailClient;

before(async () => {
  server = await startServer();
  ls = new LightsailClient(server.clientConfig);
});
after(async () => {
  ls?.destroy();
  await server?.stop();
});

const waitFor = (name: string, state: string): Promise<RelationalDatabase> => waitForDatabase(ls, name, state);

async function psql(db: RelationalDatabase, password: string, sql: string): Promise<string> {
  const { stdout } = await run(join(pg!.bin, "psql"), ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", db.masterEndpoint!.address!, "-p", String(db.masterEndpoint!.port), "-U", db.masterUsername!, "-d", db.masterDatabaseName!, "-c", sql], {
    env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" },
  });
  return stdout.trim();
}
test("GetRelationalDatabaseBlueprints/Bundles: AWS's catalogue with prices", async () => {
  const bp = (await ls.send(new GetRelationalDatabaseBlueprintsCommand({}))).blueprints!;
  assert.ok(bp.some((b) => b.blueprintId === "postgres_16" && String(b.engine) === "postgres"));
  assert.ok(bp.some((b) => b.blueprintId === "mysql_8_0" && b.engine === "mysql"));
  const bundles = (await ls.send(new GetRelationalDatabaseBundlesCommand({}))).bundles!;
  assert.deepEqual(bundles.find((b) => b.bundleId === "micro_2_0"), { bundleId: "micro_2_0", name: "Micro", price: 15, ramSizeInGb: 1, diskSizeInGb: 40, transferPerMonthInGb: 100, cpuCount: 2, isEncrypted: true, isActive: true });
});

test("CreateRelationalDatabase: bad input is refused; MySQL without MariaDB names the package it needs", async () => {
  const base = { relationalDatabaseName: "bad-db", relationalDatabaseBlueprintId: "postgres_16", relationalDatabaseBundleId: "micro_2_0", masterDatabaseName: "app", masterUsername: "dbmaster" };
  await assert.rejects(ls.send(new CreateRelationalDatabaseCommand({ ...base, masterUserPassword: "short" })), /8 to 128 printable/);
  await assert.rejects(ls.send(new CreateRelationalDatabaseCommand({ ...base, masterUsername: "1abc" })), /begin with a letter/);
  await assert.rejects(ls.send(new CreateRelationalDatabaseCommand({ ...base, relationalDatabaseBundleId: "huge_9_0" })), /not a valid bundle/);
  // Without MariaDB a MySQL blueprint names the packages (database-mysql.test.ts runs it when installed).
  if (!findMariadb()) await assert.rejects(ls.send(new CreateRelationalDatabaseCommand({ ...base, relationalDatabaseBlueprintId: "mysql_8_0" })), (e: Error) => e.name === "OperationFailureException" && /mariadb-server/.test(e.message));
});

test("CreateRelationalDatabase: a real PostgreSQL reachable with psql; snapshot restored into a new database; parameters; stop/start; delete", { skip }, async () => {
  const out = await ls.send(
    new CreateRelationalDatabaseCommand({ relationalDatabaseName: "pg1", relationalDatabaseBlueprintId: "postgres_16", relationalDatabaseBundleId: "micro_2_0", masterDatabaseName: "app", masterUsername: "dbmaster", masterUserPassword: "Secret-pass-1" }),
  );
  assert.equal(out.operations?.[0]?.operationType, "CreateRelationalDatabase");
  assert.equal((await ls.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: "pg1" }))).relationalDatabase!.state, "creating");
  const db = await waitFor("pg1", "available");
  assert.equal(db.engine, "postgres");
  assert.equal(db.masterEndpoint!.address, "127.0.0.1");
  assert.ok(db.masterEndpoint!.port! > 0);
  const pw = await ls.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: "pg1" }));
  assert.equal(pw.masterUserPassword, "Secret-pass-1");
  assert.equal(await psql(db, pw.masterUserPassword!, "SELECT current_user || '@' || current_database()"), "dbmaster@app");
  await psql(db, "Secret-pass-1", "CREATE TABLE notes (id int primary key, body text); INSERT INTO notes VALUES (1, 'kept in the snapshot')");
  await assert.rejects(psql(db, "wrong-password", "SELECT 1"), /password authentication failed/);

  await ls.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: "pg1", relationalDatabaseSnapshotName: "pg1-snap" }));
  await waitFor("pg1", "available");
  const snap = (await ls.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: "pg1-snap" }))).relationalDatabaseSnapshot!;
  assert.equal(snap.state, "available");
  assert.equal(snap.fromRelationalDatabaseName, "pg1");
  await ls.send(new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: "pg2", relationalDatabaseSnapshotName: "pg1-snap" }));
  const db2 = await waitFor("pg2", "available");
  assert.notEqual(db2.masterEndpoint!.port, db.masterEndpoint!.port);
  const pw2 = (await ls.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: "pg2" }))).masterUserPassword!;
  assert.equal(await psql(db2, pw2, "SELECT body FROM notes WHERE id = 1"), "kept in the snapshot");

  const params = (await ls.send(new GetRelationalDatabaseParametersCommand({ relationalDatabaseName: "pg1" }))).parameters!;
  const wm = params.find((p) => p.parameterName === "work_mem")!;
  assert.equal(wm.applyType, "dynamic");
  assert.equal(params.find((p) => p.parameterName === "max_connections")!.applyMethod, "pending-reboot");
  await ls.send(new UpdateRelationalDatabaseParametersCommand({ relationalDatabaseName: "pg1", parameters: [{ parameterName: "work_mem", parameterValue: "8MB", applyMethod: "immediate" }] }));
  assert.equal(await psql(db, "Secret-pass-1", "SHOW work_mem"), "8MB");
  await assert.rejects(
    ls.send(new UpdateRelationalDatabaseParametersCommand({ relationalDatabaseName: "pg1", parameters: [{ parameterName: "no_such_parameter", parameterValue: "1" }] })),
    (e: Error) => e.name === "InvalidInputException",
  );

  await ls.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: "pg1" }));
  await waitFor("pg1", "stopped");
  await assert.rejects(psql(db, "Secret-pass-1", "SELECT 1"));
  await ls.send(new StartRelationalDatabaseCommand({ relationalDatabaseName: "pg1" }));
  const again = await waitFor("pg1", "available");
  assert.equal(await psql(again, "Secret-pass-1", "SELECT count(*) FROM notes"), "1");
  await ls.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: "pg1" }));
  await waitFor("pg1", "available");

  for (const name of ["pg1", "pg2"]) await ls.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: name }));
  await ls.send(new DeleteRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: "pg1-snap" }));
  await assert.rejects(ls.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: "pg1" })), (e: Error) => e.name === "NotFoundException");
});

test("StartRelationalDatabase: the port a stopped database had is taken by another process: it starts on another port and reports it", { skip }, async () => {
  await ls.send(
    new CreateRelationalDatabaseCommand({ relationalDatabaseName: "pg-moved", relationalDatabaseBlueprintId: "postgres_16", relationalDatabaseBundleId: "micro_2_0", masterDatabaseName: "app", masterUsername: "dbmaster", masterUserPassword: "Secret-pass-1" }),
  );
  const db = await waitFor("pg-moved", "available");
  await psql(db, "Secret-pass-1", "CREATE TABLE t (v int); INSERT INTO t VALUES (7)");
  await ls.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: "pg-moved" }));
  await waitFor("pg-moved", "stopped");
  const squatter = createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => squatter.once("error", reject).listen(db.masterEndpoint!.port, "127.0.0.1", resolve));
  try {
    await ls.send(new StartRelationalDatabaseCommand({ relationalDatabaseName: "pg-moved" }));
    const again = await waitFor("pg-moved", "available");
    assert.notEqual(again.masterEndpoint!.port, db.masterEndpoint!.port);
    assert.equal(await psql(again, "Secret-pass-1", "SELECT v FROM t"), "7");
  } finally {
    await new Promise((r) => squatter.close(r));
  }
  await ls.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: "pg-moved" }));
});
