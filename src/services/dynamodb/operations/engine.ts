/**
 * The storage core every item operation goes through: read an item by encoded key, and write (or remove)
 * it together with its secondary-index entries and its stream record, so a caller's transaction covers
 * all three.
 */
import type { Clock } from "../../../core/clock.js";
import { Limits, Messages } from "../constants.js";
import { decodeItem, encodeItem, type DynamoStore, type Item, type TableMeta } from "../store.js";
import type { Identity, StreamLog } from "../streams/log.js";
import { indexKeyOf, projectForIndex, validation } from "../validate.js";
import { rawJson } from "../../../aws/protocol/shape-json.js";
import { itemSize, project, type Path } from "./deps.js";

export interface EncodedKey {
  pk: Buffer;
  sk: Buffer;
}

export class ItemEngine {
  constructor(
    readonly store: DynamoStore,
    readonly streams: StreamLog,
    readonly clock: Clock,
  ) {}

  get(meta: TableMeta, key: EncodedKey): Item | undefined {
    const text = this.store.s.getItem.get(meta.tid, key.pk, key.sk) as string | undefined;
    return text === undefined ? undefined : decodeItem(text);
  }

  /**
   * An item for a read's answer, with the whole item's size (what capacity counts): projected when there are
   * `paths`, else the stored JSON text as it is (the AttributeValues' wire form, B in base64), never decoded.
   */
  answer(meta: TableMeta, key: EncodedKey, paths: Path[] | undefined): { item: Item; size: number } | undefined {
    if (paths) {
      const item = this.get(meta, key);
      return item && { item: project(item, paths), size: itemSize(item) };
    }
    const row = this.store.s.getItemText.get(meta.tid, key.pk, key.sk) as [string, number] | undefined;
    return row && { item: rawJson<Item>(row[0]), size: row[1] };
  }

  /** Throws AWS's error when an item is over 400 KB; returns its size. */
  checkSize(item: Item): number {
    const size = itemSize(item);
    if (size > Limits.MAX_ITEM_SIZE_BYTES) throw validation(Messages.ITEM_TOO_LARGE);
    return size;
  }

  /**
   * Writes `next` (or removes the item when undefined) replacing `old`; maintains index entries and
   * records the change in the table's stream. Call inside a transaction.
   */
  write(meta: TableMeta, key: EncodedKey, old: Item | undefined, next: Item | undefined, identity?: Identity, size?: number): void {
    const s = this.store.s;
    let unchanged = false;
    if (next) {
      const text = encodeItem(next);
      // "A PutItem or UpdateItem that does not change any data in an item" writes no stream record.
      unchanged = old !== undefined && meta.stream?.enabled === true && encodeItem(old) === text;
      s.putItem.run(meta.tid, key.pk, key.sk, text, size ?? itemSize(next), this.expiresOf(meta, next));
    } else {
      if (!old) return;
      s.deleteItem.run(meta.tid, key.pk, key.sk);
    }
    // Point-in-time recovery keeps what the item was before this change (NULL: it did not exist).
    if (meta.pitr?.enabled && !unchanged) s.logChange.run(meta.tid, this.clock.now(), key.pk, key.sk, old ? encodeItem(old) : null);
    if (meta.gsis.length || meta.lsis.length) this.writeIndexes(meta, key, old, next);
    if (meta.stream?.enabled && !unchanged) {
      const keys: Item = {};
      const src = (next ?? old)!;
      keys[meta.hashKey] = src[meta.hashKey]!;
      if (meta.rangeKey) keys[meta.rangeKey] = src[meta.rangeKey]!;
      this.streams.record(meta, !next ? "REMOVE" : old ? "MODIFY" : "INSERT", keys, old, next, identity);
    }
  }

  private writeIndexes(meta: TableMeta, key: EncodedKey, old: Item | undefined, next: Item | undefined): void {
    const s = this.store.s;
    for (const idx of meta.gsis.length ? meta.lsis.length ? meta.gsis.concat(meta.lsis) : meta.gsis : meta.lsis) {
      const ok = old && indexKeyOf(idx, old);
      const nk = next && indexKeyOf(idx, next);
      if (ok && (!nk || !ok.ipk.equals(nk.ipk) || !ok.isk.equals(nk.isk))) s.deleteIndexItem.run(meta.tid, idx.iid, ok.ipk, ok.isk, key.pk, key.sk);
      if (nk) {
        const projected = projectForIndex(meta, idx, next!);
        s.putIndexItem.run(meta.tid, idx.iid, nk.ipk, nk.isk, key.pk, key.sk, encodeItem(projected), projected === next ? itemSize(next!) : itemSize(projected));
      }
    }
  }

  /** Epoch seconds after which the TTL sweeper removes the item, when TTL is on and the attribute is a number. */
  expiresOf(meta: TableMeta, item: Item): number | null {
    if (!meta.ttl?.enabled) return null;
    const n = item[meta.ttl.attribute]?.N;
    if (n === undefined) return null;
    const v = Math.floor(Number(n));
    return Number.isFinite(v) ? v : null;
  }

  /** Fills an index from the table's items (UpdateTable's GSI Create, restores), in one transaction. */
  backfill(meta: TableMeta, iid: number): void {
    const idx = meta.gsis.concat(meta.lsis).find((g) => g.iid === iid)!;
    const s = this.store.s;
    const pending: Array<[Buffer, Buffer, Buffer, Buffer, string, number]> = [];
    this.store.tx(() => {
      for (const row of s.allItems.iterate(meta.tid) as Iterable<{ pk: Buffer; sk: Buffer; item: string }>) {
        const item = decodeItem(row.item);
        const k = indexKeyOf(idx, item);
        if (!k) continue;
        const projected = projectForIndex(meta, idx, item);
        pending.push([k.ipk, k.isk, row.pk, row.sk, encodeItem(projected), itemSize(projected)]);
      }
      // Writes after the read cursor closes: SQLite forbids writing a table while iterating it here.
      for (const p of pending) s.putIndexItem.run(meta.tid, iid, ...p);
    });
  }

  /** Sets or clears the TTL expiry column of every item (UpdateTimeToLive). */
  refreshExpiry(meta: TableMeta): void {
    const s = this.store.s;
    this.store.tx(() => {
      s.clearExpires.run(meta.tid);
      if (!meta.ttl?.enabled) return;
      const updates: Array<[number, Buffer, Buffer]> = [];
      for (const row of s.allItems.iterate(meta.tid) as Iterable<{ pk: Buffer; sk: Buffer; item: string }>) {
        const e = this.expiresOf(meta, decodeItem(row.item));
        if (e !== null) updates.push([e, row.pk, row.sk]);
      }
      for (const [e, pk, sk] of updates) s.setExpires.run(e, meta.tid, pk, sk);
    });
  }
}
