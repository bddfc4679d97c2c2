/**
 * ConsumedCapacity as AWS computes it ("Read/write capacity mode" in the Developer Guide): reads in 4 KB
 * units (half for eventually consistent reads), writes in 1 KB units rounded up per item, transactions
 * twice that; each GSI an item write touches costs writes of the projected entry.
 */
import type { ConsumedCapacity, ItemCollectionMetrics } from "../../../aws/api/dynamodb.js";
import { Limits } from "../constants.js";
import type { IndexMeta, Item, TableMeta } from "../store.js";
import { indexKeyOf, projectForIndex } from "../validate.js";
import { itemSize } from "./deps.js";

export const readUnits = (bytes: number, consistent: boolean) => {
  const units = Math.max(1, Math.ceil(bytes / Limits.READ_UNIT_BYTES));
  return consistent ? units : units / 2;
};
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / Limits.WRITE_UNIT_BYTES));

/** Collects capacity per table (and per index) for one response. */
export class CapacityMeter {
  private readonly tables = new Map<string, { table: number; read: number; write: number; gsi: Map<string, number>; lsi: Map<string, number> }>();
  constructor(readonly mode: string) {}

  get on(): boolean {
    return this.mode !== "NONE";
  }

  private entry(table: string) {
    let e = this.tables.get(table);
    if (!e) this.tables.set(table, (e = { table: 0, read: 0, write: 0, gsi: new Map(), lsi: new Map() }));
    return e;
  }

  read(meta: TableMeta, units: number, index?: IndexMeta): void {
    const e = this.entry(meta.name);
    e.read += units;
    if (index) (index.kind === "GSI" ? e.gsi : e.lsi).set(index.name, ((index.kind === "GSI" ? e.gsi : e.lsi).get(index.name) ?? 0) + units);
    else e.table += units;
  }

  /** A write of `next` over `old`: the table's units plus each touched index's. */
  write(meta: TableMeta, old: Item | undefined, next: Item | undefined, factor = 1, oldSize?: number, newSize?: number): void {
    const e = this.entry(meta.name);
    const base = writeUnits(Math.max(oldSize ?? (old ? itemSize(old) : 0), newSize ?? (next ? itemSize(next) : 0))) * factor;
    e.table += base;
    e.write += base;
    for (const idx of meta.gsis.concat(meta.lsis)) {
      const ok = old && indexKeyOf(idx, old);
      const nk = next && indexKeyOf(idx, next);
      if (!ok && !nk) continue;
      let units = 0;
      if (ok) units += writeUnits(itemSize(projectForIndex(meta, idx, old!)));
      if (nk && (!ok || !ok.ipk.equals(nk.ipk) || !ok.isk.equals(nk.isk))) units += writeUnits(itemSize(projectForIndex(meta, idx, next!)));
      else if (nk && ok) units = writeUnits(Math.max(itemSize(projectForIndex(meta, idx, old!)), itemSize(projectForIndex(meta, idx, next!))));
      units *= factor;
      const m = idx.kind === "GSI" ? e.gsi : e.lsi;
      m.set(idx.name, (m.get(idx.name) ?? 0) + units);
      e.write += units;
    }
  }

  /** A write that was refused by its condition still costs the table's write units. */
  failedWrite(meta: TableMeta, units = 1): void {
    const e = this.entry(meta.name);
    e.table += units;
    e.write += units;
  }

  list(): ConsumedCapacity[] {
    const out: ConsumedCapacity[] = [];
    for (const [name, e] of this.tables) {
      const total = e.table + [...e.gsi.values(), ...e.lsi.values()].reduce((a, b) => a + b, 0);
      const c: ConsumedCapacity = { TableName: name, CapacityUnits: total };
      if (e.read && !e.write) c.ReadCapacityUnits = total;
      if (e.write && !e.read) c.WriteCapacityUnits = total;
      if (this.mode === "INDEXES") {
        c.Table = { CapacityUnits: e.table };
        if (e.gsi.size) c.GlobalSecondaryIndexes = Object.fromEntries([...e.gsi].map(([k, v]) => [k, { CapacityUnits: v }]));
        if (e.lsi.size) c.LocalSecondaryIndexes = Object.fromEntries([...e.lsi].map(([k, v]) => [k, { CapacityUnits: v }]));
      }
      out.push(c);
    }
    return out;
  }

  /** The single-table form (PutItem, GetItem, Query, ...). */
  one(meta: TableMeta): ConsumedCapacity | undefined {
    if (!this.on) return undefined;
    if (!this.tables.size) this.entry(meta.name);
    return this.list()[0];
  }
}

/** ItemCollectionMetrics for tables with local secondary indexes (the size estimate is a 0–1 GB range). */
export function itemCollectionMetrics(meta: TableMeta, item: Item | undefined, wanted: string | undefined): ItemCollectionMetrics | undefined {
  if (wanted !== "SIZE" || !meta.lsis.length || !item) return undefined;
  return { ItemCollectionKey: { [meta.hashKey]: item[meta.hashKey]! }, SizeEstimateRangeGB: [0, 1] };
}
