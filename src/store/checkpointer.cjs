// The WAL checkpointer (store.ts, `backgroundCheckpoints`): a worker thread with its own connection to
// skyport.db that copies committed WAL frames into the database file every `intervalMs`. A checkpoint
// syncs the WAL and then the database file; done by the connection that commits, SQLite's automatic
// checkpoint put those syncs (milliseconds each) inside whichever request's COMMIT crossed 1,000 pages.
// PASSIVE never waits for and never blocks the server's writers; a checkpoint with nothing new to copy
// returns without syncing anything.
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqlite);

const db = new Database(workerData.file, { fileMustExist: true });
db.pragma(`synchronous = ${workerData.durable ? "FULL" : "NORMAL"}`);
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // SQLITE_BUSY or a database being closed under us: the next tick tries again.
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
