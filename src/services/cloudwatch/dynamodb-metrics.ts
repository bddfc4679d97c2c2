/**
 * AWS/DynamoDB metrics, published by the DynamoDB provider around each data-plane request, with AWS's names,
 * dimensions and units ("DynamoDB metrics and dimensions" in the Developer Guide):
 * - ConsumedReadCapacityUnits / ConsumedWriteCapacityUnits (Count) by TableName (the table and its GSIs together)
 *   and by TableName + GlobalSecondaryIndexName;
 * - SuccessfulRequestLatency (Milliseconds) and ReturnedItemCount (Count; Query, Scan, ExecuteStatement) by
 *   TableName + Operation;
 * - ConditionalCheckFailedRequests (Count) by TableName, TransactionConflict (Count) by TableName;
 * - UserErrors (Count) for the account and region, without dimensions — every 400 except
 *   ConditionalCheckFailedException (and throttling, which Skyport never does, so ThrottledRequests never appears);
 * - SystemErrors (Count) by TableName + Operation for 5xx answers.
 * Capacity comes from the operation's own meter (operations/capacity.ts), run in INDEXES mode whatever the caller
 * asked, and the answer is reshaped to what the caller asked. One difference: an unconditional PutItem on a table
 * without indexes or streams that did not ask for ConsumedCapacity does not read the item it replaces (the fast
 * path), so its write units count the new item's size only, where AWS charges the larger of the two.
 */
import { ServiceError } from "../../aws/errors.js";
import type { ServiceHost } from "../host.js";
import { metricSink, type MetricSink } from "./publish.js";

/** Set on an input whose ReturnConsumedCapacity Skyport forced for its metrics (the write fast path stays allowed). */
export const METERED_ONLY = Symbol("skyport.dynamodb.meteredOnly");

type Capacity = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };
type Consumed = Capacity & { TableName?: string; GlobalSecondaryIndexes?: Record<string, Capacity>; Table?: Capacity; LocalSecondaryIndexes?: Record<string, Capacity> };
type Metered = { ReturnConsumedCapacity?: string; [METERED_ONLY]?: boolean };

const READS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);
const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);
const RETURNS_ITEMS = new Set(["Query", "Scan", "ExecuteStatement"]);

const tableOf = (nameOrArn: string) => (nameOrArn.startsWith("arn:") ? nameOrArn.slice(nameOrArn.indexOf(":table/") + 7) : nameOrArn);

export class DynamoDbMetrics {
  private readonly sink: MetricSink;

  constructor(services: ServiceHost, private readonly now: () => number) {
    this.sink = metricSink(services);
  }

  /**
   * Runs one data-plane operation: forces the capacity meter on (INDEXES) for the metrics, answers the caller
   * in the mode it asked, and records latency, capacity, returned items and errors.
   */
  run<T extends object>(account: string, region: string, operation: string, input: Metered, tables: () => string[], statement: () => string | undefined, op: () => T): T {
    const asked = input.ReturnConsumedCapacity;
    if (asked !== "INDEXES") {
      if (asked === undefined || asked === "NONE") input[METERED_ONLY] = true;
      if (asked === undefined || asked === "NONE" || asked === "TOTAL") input.ReturnConsumedCapacity = "INDEXES";
    }
    const t0 = performance.now();
    let out: T;
    try {
      out = op();
    } catch (e) {
      input.ReturnConsumedCapacity = asked;
      this.failed(account, region, operation, e, tables);
      throw e;
    }
    const ms = performance.now() - t0;
    const o = out as { ConsumedCapacity?: Consumed | Consumed[]; Count?: number; Items?: unknown[] };
    const consumed = o.ConsumedCapacity;
    const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
    const ts = this.now();
    const write = WRITES.has(operation) || (!READS.has(operation) && !/^\s*select\b/i.test(statement() ?? ""));
    const names = new Set<string>();
    for (const c of list) {
      if (!c.TableName) continue;
      const table = tableOf(c.TableName);
      names.add(table);
      this.capacity(account, region, table, undefined, c, write, ts);
      for (const [gsi, cap] of Object.entries(c.GlobalSecondaryIndexes ?? {})) this.capacity(account, region, table, gsi, cap, write, ts);
    }
    if (!names.size) for (const t of tables()) names.add(tableOf(t));
    for (const table of names) {
      const dims = { TableName: table, Operation: operation };
      this.sink.put(account, region, "AWS/DynamoDB", "SuccessfulRequestLatency", dims, Math.round(ms * 100) / 100, "Milliseconds", ts);
      if (RETURNS_ITEMS.has(operation)) this.sink.put(account, region, "AWS/DynamoDB", "ReturnedItemCount", dims, o.Count ?? o.Items?.length ?? 0, "Count", ts);
    }
    reshape(o, asked);
    input.ReturnConsumedCapacity = asked;
    return out;
  }

  private capacity(account: string, region: string, table: string, gsi: string | undefined, c: Capacity, write: boolean, ts: number): void {
    const dims: Record<string, string> = gsi ? { TableName: table, GlobalSecondaryIndexName: gsi } : { TableName: table };
    const put = (name: string, units: number) => this.sink.put(account, region, "AWS/DynamoDB", name, dims, units, "Count", ts);
    // Transactions answer the read/write split; other operations only CapacityUnits, read or write by operation.
    if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
      if (c.ReadCapacityUnits !== undefined) put("ConsumedReadCapacityUnits", c.ReadCapacityUnits);
      if (c.WriteCapacityUnits !== undefined) put("ConsumedWriteCapacityUnits", c.WriteCapacityUnits);
    } else if (c.CapacityUnits !== undefined) put(write ? "ConsumedWriteCapacityUnits" : "ConsumedReadCapacityUnits", c.CapacityUnits);
  }

  private failed(account: string, region: string, operation: string, e: unknown, tables: () => string[]): void {
    const ts = this.now();
    const status = e instanceof ServiceError ? e.status : 500;
    const code = e instanceof ServiceError ? e.code : "InternalServerError";
    let names: string[] = [];
    try {
      names = tables().map(tableOf);
    } catch {
      names = [];
    }
    if (code === "ConditionalCheckFailedException") {
      for (const t of names) this.sink.put(account, region, "AWS/DynamoDB", "ConditionalCheckFailedRequests", { TableName: t }, 1, "Count", ts);
      return;
    }
    if (code === "TransactionConflictException") for (const t of names) this.sink.put(account, region, "AWS/DynamoDB", "TransactionConflict", { TableName: t }, 1, "Count", ts);
    if (status >= 500) {
      for (const t of names) this.sink.put(account, region, "AWS/DynamoDB", "SystemErrors", { TableName: t, Operation: operation }, 1, "Count", ts);
      return;
    }
    this.sink.put(account, region, "AWS/DynamoDB", "UserErrors", {}, 1, "Count", ts);
  }
}

/** The ConsumedCapacity the caller asked for: none, TOTAL (no per-index arms) or INDEXES (as metered). */
function reshape(o: { ConsumedCapacity?: Consumed | Consumed[] }, asked: string | undefined): void {
  if (o.ConsumedCapacity === undefined || asked === "INDEXES") return;
  if (asked === undefined || asked === "NONE") {
    delete o.ConsumedCapacity;
    return;
  }
  for (const c of Array.isArray(o.ConsumedCapacity) ? o.ConsumedCapacity : [o.ConsumedCapacity]) {
    delete c.Table;
    delete c.GlobalSecondaryIndexes;
    delete c.LocalSecondaryIndexes;
  }
}
