/** What every operation module is handed: the store, the item engine, the stream log, time and ids. */
import type { Clock } from "../../../core/clock.js";
import type { IdGenerator } from "../../../core/ids.js";
import type { RequestContext } from "../../../edge/context.js";
import type { DynamoStore, TableMeta } from "../store.js";
import type { StreamLog } from "../streams/log.js";
import { checkTableName, notFound, tableNameOf } from "../validate.js";
import type { ItemEngine } from "./engine.js";

export interface Dynamo {
  store: DynamoStore;
  engine: ItemEngine;
  streams: StreamLog;
  clock: Clock;
  ids: IdGenerator;
  /** How long a new table stays CREATING (--dynamodb-create-seconds; 0: ACTIVE at once). */
  createDelayMs: number;
}

/** CREATING until the table's activation time, then ACTIVE. */
export const isCreating = (d: Dynamo, meta: TableMeta) => meta.activeAtMs !== undefined && d.clock.now() < meta.activeAtMs;

/** The table a data-plane request names (by name or ARN), or ResourceNotFoundException. */
export function requireTable(d: Dynamo, ctx: RequestContext, nameOrArn: string, message?: string): TableMeta {
  checkTableName(nameOrArn);
  const meta = d.store.getTable(ctx.accountId, ctx.region, tableNameOf(nameOrArn));
  // A table that is still CREATING cannot be read or written yet, as on AWS.
  if (!meta || isCreating(d, meta)) throw notFound(message);
  return meta;
}
