/** BatchGetItem and BatchWriteItem: limits 100/25, duplicate keys refused, reads in one read transaction. */
import type { BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput, ItemCollectionMetrics } from "../../../aws/api/dynamodb.js";
import { constraintMessage } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits } from "../constants.js";
import type { Item, TableMeta } from "../store.js";
import { keyFromItem, keyFromKey, validation } from "../validate.js";
import { itemSize } from "./deps.js";
import { project, type Path } from "./deps.js";
import { CapacityMeter, itemCollectionMetrics, readUnits } from "./capacity.js";
import { requireTable, type Dynamo } from "./context.js";
import type { EncodedKey } from "./engine.js";
import { attributesOf, checkItemValues, checkParameterStyle, checkReturnConsumedCapacity, projectionOf } from "./params.js";

/** Responses of BatchGetItem stop at 16 MB; the rest is handed back as UnprocessedKeys. */
const MAX_BATCH_GET_BYTES = 16 * 1024 * 1024;

const keyId = (k: EncodedKey) => `${k.pk.toString("hex")}:${k.sk.toString("hex")}`;

export function batchGetItem(d: Dynamo, ctx: RequestContext, input: BatchGetItemInput): BatchGetItemOutput {
  const mode = checkReturnConsumedCapacity(input.ReturnConsumedCapacity);
  const tables = Object.keys(input.RequestItems);
  if (!tables.length) throw validation(constraintMessage(["Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"]));
  let total = 0;
  for (const t of tables) total += input.RequestItems[t]!.Keys.length;
  if (total > Limits.MAX_BATCH_GET_KEYS) throw validation("Too many items requested for the BatchGetItem call");
  const plans = tables.map((t) => {
    const req = input.RequestItems[t]!;
    const meta = requireTable(d, ctx, t);
    checkParameterStyle(req as Record<string, unknown>, ["AttributesToGet"], ["ProjectionExpression"], "");
    const attrs = attributesOf(req as Record<string, unknown>);
    const paths = projectionOf(req as Record<string, unknown>, attrs);
    attrs.assertAllUsed();
    if (!req.Keys.length) throw validation(constraintMessage([`Value '[]' at 'requestItems.${t}.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1`]));
    const seen = new Set<string>();
    const keys = req.Keys.map((k) => {
      checkItemValues(k);
      const e = keyFromKey(meta, k);
      const id = keyId(e);
      if (seen.has(id)) throw validation("Provided list of item keys contains duplicates");
      seen.add(id);
      return { raw: k, e };
    });
    return { name: t, req, meta, paths, keys };
  });
  const meter = new CapacityMeter(mode);
  const out: BatchGetItemOutput = { Responses: {}, UnprocessedKeys: {} };
  d.store.tx(() => {
    let bytes = 0;
    for (const p of plans) {
      const found: Item[] = [];
      out.Responses![p.name] = found;
      let units = 0;
      for (const [i, k] of p.keys.entries()) {
        if (bytes > MAX_BATCH_GET_BYTES) {
          out.UnprocessedKeys![p.name] = { ...p.req, Keys: p.keys.slice(i).map((x) => x.raw) };
          break;
        }
        const item = d.engine.get(p.meta, k.e);
        const size = item ? itemSize(item) : 0;
        units += readUnits(size, p.req.ConsistentRead === true);
        bytes += size;
        if (item) found.push(p.paths ? project(item, p.paths as Path[]) : item);
      }
      if (meter.on) meter.read(p.meta, units, undefined, p.name);
    }
  });
  if (meter.on) out.ConsumedCapacity = meter.list();
  return out;
}

export function batchWriteItem(d: Dynamo, ctx: RequestContext, input: BatchWriteItemInput): BatchWriteItemOutput {
  const mode = checkReturnConsumedCapacity(input.ReturnConsumedCapacity);
  const tables = Object.keys(input.RequestItems);
  if (!tables.length) throw validation(constraintMessage(["Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"]));
  let total = 0;
  for (const t of tables) {
    const n = input.RequestItems[t]!.length;
    if (n < 1 || n > Limits.MAX_BATCH_WRITE_REQUESTS)
      throw validation(
        constraintMessage([
          `Value '{${t}=[${n} items]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]`,
        ]),
      );
    total += n;
  }
  if (total > Limits.MAX_BATCH_WRITE_REQUESTS) throw validation("Too many items requested for the BatchWriteItem call");
  const ops: Array<{ meta: TableMeta; given: string; key: EncodedKey; item?: Item; size?: number }> = [];
  for (const t of tables) {
    const meta = requireTable(d, ctx, t);
    const seen = new Set<string>();
    for (const r of input.RequestItems[t]!) {
      if ((r.PutRequest ? 1 : 0) + (r.DeleteRequest ? 1 : 0) !== 1)
        throw validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
      let op: (typeof ops)[number];
      if (r.PutRequest) {
        const item = r.PutRequest.Item;
        checkItemValues(item);
        const key = keyFromItem(meta, item, true);
        const size = itemSize(item);
        if (size > Limits.MAX_ITEM_SIZE_BYTES) throw validation("Item size has exceeded the maximum allowed size");
        op = { meta, given: t, key, item, size };
      } else {
        checkItemValues(r.DeleteRequest!.Key);
        op = { meta, given: t, key: keyFromKey(meta, r.DeleteRequest!.Key) };
      }
      const id = keyId(op.key);
      if (seen.has(id)) throw validation("Provided list of item keys contains duplicates");
      seen.add(id);
      ops.push(op);
    }
  }
  const meter = new CapacityMeter(mode);
  const metrics: Record<string, ItemCollectionMetrics[]> = {};
  d.store.tx(() => {
    for (const op of ops) {
      const m = op.meta;
      // A put that nothing needs the previous item for (no index, stream or capacity) skips reading it.
      const blind = op.item && !meter.on && !m.gsis.length && !m.lsis.length && !m.stream?.enabled && !m.pitr?.enabled;
      const old = blind ? undefined : d.engine.get(op.meta, op.key);
      d.engine.write(op.meta, op.key, old, op.item, undefined, op.size);
      if (meter.on) meter.write(op.meta, old, op.item, 1, op.given);
      const icm = itemCollectionMetrics(op.meta, op.item ?? old, input.ReturnItemCollectionMetrics);
      if (icm) (metrics[op.meta.name] ??= []).push(icm);
    }
  });
  const out: BatchWriteItemOutput = { UnprocessedItems: {} };
  if (meter.on) out.ConsumedCapacity = meter.list();
  if (input.ReturnItemCollectionMetrics === "SIZE") out.ItemCollectionMetrics = metrics;
  return out;
}
