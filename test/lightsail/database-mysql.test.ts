/**
 * Lightsail MySQL databases backed by a real MariaDB (skipped when mariadb-server/mariadb-client are not
 * installed), reached with the `mariadb` client at the endpoint the API reports, with the master
 * credentials it returns.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import {
  CreateRelationalDatabaseCommand,
  CreateRelationalDatabaseFromSnapshotCommand,
  CreateRelationalDatabaseSnapshotCommand,
  DeleteRelationalDatabaseCommand,
  DeleteRelationalDatabaseSnapshotCommand,
  GetRelationalDatabaseCommand,
  GetRelationalDatabaseMasterUserPasswordCommand,
  GetRelationalDatabaseParametersCommand,
  GetRelationalDatabaseSnapshotCommand,
  LightsailClient,
  RebootRelationalDatabaseCommand,
  StartRelationalDatabaseCommand,
  StopRelationalDatabaseCommand,
  UpdateRelationalDatabaseCommand,
  UpdateRelationalDatabaseParametersCommand,
  type RelationalDatabase,
} from "@aws-sdk/client-lightsail";
import { findMariadb } from "../../src/services/lightsail/databases/mariadb.js";
import { waitForDatabase } from "../helpers/lightsail.js";
import { listenable } from "../helpers/process-server.js";
import { startServer, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
const maria = findMariadb();
const skip = !maria && "MariaDB is not installed (Debian packages mariadb-server and mariadb-client)";
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

const waitFor = waitForDatabase;

/** Runs SQL with the real client over TCP; resolves to its batch output (tab-separated rows). */
async function mysql(db: RelationalDatabase, password: string, sql: string): Promise<string> {
  const args = ["--no-defaults", "-h", db.masterEndpoint!.address!, "-P", String(db.masterEndpoint!.port), "-u", db.masterUsername!, "--batch", "--skip-column-names", "--connect-timeout=10", "-e", sql, db.masterDatabaseName!];
  const { stdout } = await run(maria!.client, args, { env: { ...process.env, MYSQL_PWD: password } });
  return stdout.trim();
}

const create = (name: string) =>
  new CreateRelationalDatabaseCommand({ relationalDatabaseName: name, relationalDatabaseBlueprintId: "mysql_8_0", relationalDatabaseBundleId: "micro_2_0", masterDatabaseName: "app", masterUsername: "dbmaster", masterUserPassword: "Secret'pass\\1" });

test("CreateRelationalDatabase: MySQL names are checked as AWS does", async () => {
  const base = { relationalDatabaseName: "bad-my", relationalDatabaseBlueprintId: "mysql_8_0", relationalDatabaseBundleId: "micro_2_0", masterDatabaseName: "app", masterUsername: "dbmaster", masterUserPassword: "Secret-pass-1" };
  await assert.rejects(ls.send(new CreateRelationalDatabaseCommand({ ...base, masterUsername: "a_very_long_username" })), (e: Error) => e.name === "InvalidInputException" && /1 to 16/.test(e.message));
  await assert.rejects(ls.send(new CreateRelationalDatabaseCommand({ ...base, masterDatabaseName: "mysql" })), (e: Error) => e.name === "InvalidInputException" && /reserved/.test(e.message));
});

test("CreateRelationalDatabase: mysql_8_0 runs on a real MariaDB reachable with the mariadb client; a wrong password is refused; the master cannot read host files", { skip }, async () => {
  await ls.send(create("my1"));
  const db = await waitFor(ls, "my1", "available");
  assert.equal(db.engine, "mysql");
  assert.equal(db.engineVersion, maria!.version);
  assert.match(db.engineVersion!, /-MariaDB$/);
  assert.equal(db.masterEndpoint!.address, "127.0.0.1");
  const pw = (await ls.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: "my1" }))).masterUserPassword!;
  assert.equal(pw, "Secret'pass\\1");
  assert.equal(await mysql(db, pw, "SELECT CURRENT_USER(), DATABASE()"), "dbmaster@%\tapp");
  await mysql(db, pw, "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'kept in the snapshot')");
  await assert.rejects(mysql(db, "wrong-password", "SELECT 1"), /Access denied for user 'dbmaster'/);
  // RDS's master privileges: no FILE, so the host's files stay out of reach.
  assert.equal(await mysql(db, pw, "SELECT LOAD_FILE('/etc/passwd') IS NULL"), "1");
  await assert.rejects(mysql(db, pw, "SET GLOBAL max_connections = 10"), /SUPER/);

  // snapshot → restore into a new database (a server of its own) shows the row
  await ls.send(new CreateRelationalDatabaseSnapshotCommand({ relationalDatabaseName: "my1", relationalDatabaseSnapshotName: "my1-snap" }));
  await waitFor(ls, "my1", "available");
  const snap = (await ls.send(new GetRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: "my1-snap" }))).relationalDatabaseSnapshot!;
  assert.equal(snap.state, "available");
  assert.equal(snap.engine, "mysql");
  await ls.send(new CreateRelationalDatabaseFromSnapshotCommand({ relationalDatabaseName: "my2", relationalDatabaseSnapshotName: "my1-snap" }));
  const db2 = await waitFor(ls, "my2", "available");
  assert.notEqual(db2.masterEndpoint!.port, db.masterEndpoint!.port);
  assert.equal(db2.relationalDatabaseBlueprintId, "mysql_8_0");
  const pw2 = (await ls.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: "my2" }))).masterUserPassword!;
  assert.equal(await mysql(db2, pw2, "SELECT body FROM notes WHERE id = 1"), "kept in the snapshot");
  await mysql(db2, pw2, "INSERT INTO notes VALUES (2, 'only in my2')");
  assert.equal(await mysql(db, pw, "SELECT COUNT(*) FROM notes"), "1");

  for (const name of ["my1", "my2"]) await ls.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: name }));
  await ls.send(new DeleteRelationalDatabaseSnapshotCommand({ relationalDatabaseSnapshotName: "my1-snap" }));
});

test("UpdateRelationalDatabaseParameters: MySQL parameter names; dynamic at once, static after a reboot; stop/start keeps data and parameters; password rotation", { skip }, async () => {
  await ls.send(create("my3"));
  const db = await waitFor(ls, "my3", "available");
  const pw = "Secret'pass\\1";
  await mysql(db, pw, "CREATE TABLE t (v INT); INSERT INTO t VALUES (42)");

  const params = (await ls.send(new GetRelationalDatabaseParametersCommand({ relationalDatabaseName: "my3" }))).parameters!;
  const maxConn = params.find((p) => p.parameterName === "max_connections")!;
  assert.equal(maxConn.applyType, "dynamic");
  assert.equal(maxConn.dataType, "integer");
  assert.equal(maxConn.isModifiable, true);
  assert.equal(params.find((p) => p.parameterName === "innodb_sort_buffer_size")!.applyMethod, "pending-reboot");
  assert.equal(params.find((p) => p.parameterName === "datadir")!.isModifiable, false);
  assert.equal(params.find((p) => p.parameterName === "foreign_key_checks")!.isModifiable, false); // session-only: no server option

  await ls.send(new UpdateRelationalDatabaseParametersCommand({ relationalDatabaseName: "my3", parameters: [{ parameterName: "max_connections", parameterValue: "77", applyMethod: "immediate" }] }));
  assert.equal(await mysql(db, pw, "SELECT @@GLOBAL.max_connections"), "77");
  await ls.send(new UpdateRelationalDatabaseParametersCommand({ relationalDatabaseName: "my3", parameters: [{ parameterName: "innodb_sort_buffer_size", parameterValue: "2097152", applyMethod: "pending-reboot" }] }));
  assert.equal((await ls.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: "my3" }))).relationalDatabase!.parameterApplyStatus, "pending-reboot");
  for (const bad of [
    { parameterName: "no_such_parameter", parameterValue: "1" },
    { parameterName: "max_connections", parameterValue: "lots" },
    { parameterName: "max_connections", parameterValue: "1\n[client]" },
    { parameterName: "datadir", parameterValue: "/etc" },
    { parameterName: "innodb_sort_buffer_size", parameterValue: "2097152", applyMethod: "immediate" },
  ]) {
    await assert.rejects(ls.send(new UpdateRelationalDatabaseParametersCommand({ relationalDatabaseName: "my3", parameters: [bad] })), (e: Error) => e.name === "InvalidInputException", bad.parameterName);
  }
  await ls.send(new RebootRelationalDatabaseCommand({ relationalDatabaseName: "my3" }));
  const rebooted = await waitFor(ls, "my3", "available");
  assert.equal(rebooted.parameterApplyStatus, "in-sync");
  assert.equal(await mysql(rebooted, pw, "SELECT @@GLOBAL.innodb_sort_buffer_size, @@GLOBAL.max_connections"), "2097152\t77");

  await ls.send(new StopRelationalDatabaseCommand({ relationalDatabaseName: "my3" }));
  await waitFor(ls, "my3", "stopped");
  await assert.rejects(mysql(db, pw, "SELECT 1"), /Can't connect/);
  await ls.send(new StartRelationalDatabaseCommand({ relationalDatabaseName: "my3" }));
  const again = await waitFor(ls, "my3", "available");
  assert.equal(await mysql(again, pw, "SELECT v FROM t"), "42");
  assert.equal(await mysql(again, pw, "SELECT @@GLOBAL.max_connections"), "77");

  await ls.send(new UpdateRelationalDatabaseCommand({ relationalDatabaseName: "my3", rotateMasterUserPassword: true }));
  let rotated = pw;
  while (rotated === pw) rotated = (await ls.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: "my3" }))).masterUserPassword!;
  assert.equal((await ls.send(new GetRelationalDatabaseMasterUserPasswordCommand({ relationalDatabaseName: "my3", passwordVersion: "PREVIOUS" }))).masterUserPassword, pw);
  assert.equal(await mysql(again, rotated, "SELECT v FROM t"), "42");
  await assert.rejects(mysql(again, pw, "SELECT 1"), /Access denied/);

  await ls.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: "my3" }));
  await assert.rejects(ls.send(new GetRelationalDatabaseCommand({ relationalDatabaseName: "my3" })), (e: Error) => e.name === "NotFoundException");
});

test("CreateRelationalDatabase: a running MySQL database is started again when Skyport restarts on its data dir, data kept; DeleteRelationalDatabase stops its server", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-ls-my-"));
  const opts = { ephemeral: false, "data-dir": dir };
  try {
    const first = await startServer(opts);
    const c1 = new LightsailClient(first.clientConfig);
    let port: number;
    try {
      await c1.send(create("boot"));
      const db = await waitFor(c1, "boot", "available");
      port = db.masterEndpoint!.port!;
      await mysql(db, "Secret'pass\\1", "CREATE TABLE t (v INT); INSERT INTO t VALUES (7)");
    } finally {
      c1.destroy();
      await first.stop();
    }
    const second = await startServer(opts);
    const c2 = new LightsailClient(second.clientConfig);
    try {
      const db = await waitFor(c2, "boot", "available"); // resumed at boot, without any start call
      // The same port, unless another process took it while Skyport was down (then another: engine.ts startOnPort).
      if (db.masterEndpoint!.port !== port) assert.equal(await listenable(port), false, `moved from port ${port}, which is free`);
      assert.equal(await mysql(db, "Secret'pass\\1", "SELECT v FROM t"), "7");
      await c2.send(new DeleteRelationalDatabaseCommand({ relationalDatabaseName: "boot" }));
      // the delete runs in the background: its server's port closes
      for (;;) {
        const refused = await mysql(db, "Secret'pass\\1", "SELECT 1").then(() => false, () => true);
        if (refused) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      c2.destroy();
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
