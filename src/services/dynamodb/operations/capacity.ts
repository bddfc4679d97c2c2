/**
 * ConsumedCapacity as AWS computes and shapes it ("Read/write capacity mode" and "Provisioned throughput
 * considerations for Global Secondary Indexes" in the Developer Guide; shapes as AWS answers them):
 * - reads in 4 KB units, half for eventually consistent reads, twice for transactional ones; a Query or
 *   Scan sums the sizes of the items it read and rounds once, so one small item is 0.5 (or 1) unit;
 * - writes in 1 KB units of the larger of the old and new item, twice in a transaction; each secondary
 *   index costs writes only when the write changes what the index stores (a new entry, a moved key = a
 *   delete plus a put, a removed entry, or changed projected attributes);
 * - TOTAL answers TableName and CapacityUnits; INDEXES adds Table and the index maps (present only for
 *   the indexes that were charged). Only transactional operations (TransactGetItems, TransactWriteItems,
 *   ExecuteTransaction) add the ReadCapacityUnits/WriteCapacityUnits split, at the top and in each arm;
 * - TableName is the table's ARN when the request named the table by its ARN (API_ConsumedCapacity).
 */
import type { ConsumedCapacity, ItemCollectionMetrics } from "../../../aws/api/dynamodb.js";
import { Limits } from "../constants.js";
import type { IndexMeta, Item, TableMeta } from "../store.js";
import { indexKeyOf, projectForIndex } from "../validate.js";
import { attributeValuesEqual, itemSize } from "./deps.js";

/** Read units for `bytes` read in one request (or one item of a batch): at least one 4 KB unit. */
export const readUnits = (bytes: number, consistent: boolean) => {
  const units = Math.max(1, Math.ceil(bytes / Limits.READ_UNIT_BYTES));
  return consistent ? units : units / 2;
};
/** A transactional read: two strongly consistent reads' worth, also for an item that is missing. */
export const transactReadUnits = (bytes: number) => readUnits(bytes, true) * 2;
/** Write units for an item of `bytes`: at least one 1 KB unit. */
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / Limits.WRITE_UNIT_BYTES));

function itemsEqual(a: Item, b: Item): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && attributeValuesEqual(a[k]!, b[k]!));
}

/** Write units one index pays for a write of `next` over `old` (0 when its entry is unchanged). */
export function indexWriteUnits(meta: TableMeta, idx: IndexMeta, old: Item | undefined, next: Item | undefined): number {
  const ok = old && indexKeyOf(idx, old);
  const nk = next && indexKeyOf(idx, next);
  if (!ok && !nk) return 0;
  const before = ok ? projectForIndex(meta, idx, old!) : undefined;
  const after = nk ? projectForIndex(meta, idx, next!) : undefined;
  if (!before) return writeUnits(itemSize(after!));
  if (!after) return writeUnits(itemSize(before));
  if (!ok!.ipk.equals(nk!.ipk) || !ok!.isk.equals(nk!.isk)) return writeUnits(itemSize(before)) + writeUnits(itemSize(after));
  if (itemsEqual(before, after)) return 0;
  return writeUnits(Math.max(itemSize(before), itemSize(after)));
}

type Capacity = NonNullable<ConsumedCapacity["Table"]>;

interface Entry {
  label: string;
  table: number;
  gsi: Map<string, number>;
  lsi: Map<string, number>;
}

/** Collects capacity per table (and per index) for one response. */
export class CapacityMeter {
  private readonly tables = new Map<string, Entry>();
  private kind: "read" | "write" = "read";

  /** `transactional`: the operation is a transaction, whose answers carry the read/write split. */
  constructor(
    readonly mode: string,
    private readonly transactional = false,
  ) {}

  get on(): boolean {
    return this.mode !== "NONE";
  }

  /** The entry of a table; `given` is the name or ARN the request used (an ARN is answered back). */
  private entry(meta: TableMeta, given?: string): Entry {
    let e = this.tables.get(meta.name);
    if (!e) this.tables.set(meta.name, (e = { label: meta.name, table: 0, gsi: new Map(), lsi: new Map() }));
    if (given?.startsWith("arn:")) e.label = given;
    return e;
  }

  /** Read units on the table, or on the index the read was served by. */
  read(meta: TableMeta, units: number, index?: IndexMeta, given?: string): void {
    const e = this.entry(meta, given);
    this.kind = "read";
    if (!index) e.table += units;
    else {
      const m = index.kind === "GSI" ? e.gsi : e.lsi;
      m.set(index.name, (m.get(index.name) ?? 0) + units);
    }
  }

  /** A write of `next` over `old` (undefined: absent): the table's units plus each changed index's. */
  write(meta: TableMeta, old: Item | undefined, next: Item | undefined, factor = 1, given?: string): void {
    const e = this.entry(meta, given);
    this.kind = "write";
    e.table += writeUnits(Math.max(old ? itemSize(old) : 0, next ? itemSize(next) : 0)) * factor;
    for (const idx of meta.gsis.concat(meta.lsis)) {
      const units = indexWriteUnits(meta, idx, old, next) * factor;
      if (!units) continue;
      const m = idx.kind === "GSI" ? e.gsi : e.lsi;
      m.set(idx.name, (m.get(idx.name) ?? 0) + units);
    }
  }

  /** A write that touches only the table (a transaction's ConditionCheck). */
  tableWrite(meta: TableMeta, units: number, given?: string): void {
    this.entry(meta, given).table += units;
    this.kind = "write";
  }

  private capacity(units: number): Capacity {
    const c: Capacity = { CapacityUnits: units };
    if (this.transactional) c[this.kind === "read" ? "ReadCapacityUnits" : "WriteCapacityUnits"] = units;
    return c;
  }

  list(): ConsumedCapacity[] {
    const out: ConsumedCapacity[] = [];
    for (const e of this.tables.values()) {
      let total = e.table;
      for (const v of e.gsi.values()) total += v;
      for (const v of e.lsi.values()) total += v;
      const c: ConsumedCapacity = { TableName: e.label, ...this.capacity(total) };
      if (this.mode === "INDEXES") {
        c.Table = this.capacity(e.table);
        if (e.lsi.size) c.LocalSecondaryIndexes = Object.fromEntries([...e.lsi].map(([k, v]) => [k, this.capacity(v)]));
        if (e.gsi.size) c.GlobalSecondaryIndexes = Object.fromEntries([...e.gsi].map(([k, v]) => [k, this.capacity(v)]));
      }
      out.push(c);
    }
    return out;
  }

  /** The single-table form (PutItem, GetItem, Query, ...). */
  one(meta: TableMeta, given?: string): ConsumedCapacity | undefined {
    if (!this.on) return undefined;
    this.entry(meta, given);
    return this.list()[0];
  }
}

/** ItemCollectionMetrics for tables with local secondary indexes (the size estimate is a 0–1 GB range). */
export function itemCollectionMetrics(meta: TableMeta, item: Item | undefined, wanted: string | undefined): ItemCollectionMetrics | undefined {
  if (wanted !== "SIZE" || !meta.lsis.length || !item) return undefined;
  return { ItemCollectionKey: { [meta.hashKey]: item[meta.hashKey]! }, SizeEstimateRangeGB: [0, 1] };
}
