/** BatchGetItem and BatchWriteItem: limits 100/25, duplicate keys refused, reads in one read transaction. */
import type { BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput, ItemCollectionMetrics } from "../../../aws/api/dynamodb.js";
import { constraintMessage } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits } from "../constants.js";
import type { Item, TableMeta } from "../store.js";
import { keyFromItem, keyFromKey, validation } from "../validate.js";
import { itemSize } from "./deps.js";
import type { Path } from "./deps.js";
import { METERED_ONLY } from "../../cloudwatch/dynamodb-metrics.js";
import { CapacityMeter, itemCollectionMetrics, readUnits } from "./capacity.js";
import { requireTable, type Dynamo } from "./context.js";
import type { EncodedKey } from "./engine.js";
import { javaRequestItems, wireJson } from "./echo.js";
import { checkRequestConstraints } from "./constraints.js";
import { attributesOf, checkItemValues, checkParameterStyle, projectionOf } from "./params.js";

/** Responses of BatchGetItem stop at 16 MB; the rest is handed back as UnprocessedKeys. */
const MAX_BATCH_GET_BYTES = 16 * 1024 * 1024;

const keyId = (k: EncodedKey) => `${k.pk.toString("hex")}:${k.sk.toString("hex")}`;

const NAME_KEYS =
  "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]";
/** A RequestItems key that is not a table name (ARNs are accepted by the operations). */
const badName = (t: string) => !t.startsWith("arn:") && (t.length < 3 || t.length > 255 || !/^[a-zA-Z0-9_.-]+$/.test(t));

export function batchGetItem(d: Dynamo, ctx: RequestContext, input: BatchGetItemInput): BatchGetItemOutput {
  const tables = Object.keys(input.RequestItems);
  // Member constraints first and together: a malformed table name is a constraint on the map's keys.
  checkRequestConstraints(input as Record<string, unknown>, tables.some(badName) ? [`Value '${wireJson(input.RequestItems)}' at 'requestItems' failed to satisfy constraint: ${NAME_KEYS}`] : []);
  const mode = input.ReturnConsumedCapacity ?? "NONE";
  if (!tables.length) throw validation(constraintMessage(["Value at 'RequestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"]));
  let total = 0;
  for (const t of tables) {
    const n = input.RequestItems[t]!.Keys.length;
    if (n < 1 || n > Limits.MAX_BATCH_GET_KEYS)
      throw validation(constraintMessage([`Value at 'RequestItems.${t}.member.Keys' failed to satisfy constraint: Member must have length ${n < 1 ? "greater than or equal to 1" : `less than or equal to ${Limits.MAX_BATCH_GET_KEYS}`}`]));
    total += n;
  }
  if (total > Limits.MAX_BATCH_GET_KEYS) throw validation("Too many items requested for the BatchGetItem call");
  // Everything the tables are not needed for, for every table, before any is looked up.
  const parsed = tables.map((t) => {
    const req = input.RequestItems[t]!;
    checkParameterStyle(req as Record<string, unknown>, ["AttributesToGet"], ["ProjectionExpression"], "");
    const attrs = attributesOf(req as Record<string, unknown>);
    const paths = projectionOf(req as Record<string, unknown>, attrs);
    attrs.assertAllUsed();
    for (const k of req.Keys) checkItemValues(k);
    return { t, req, paths };
  });
  const legacy = parsed.filter((p) => p.req.AttributesToGet), modern = parsed.filter((p) => p.req.ProjectionExpression !== undefined);
  if (legacy.length && modern.length)
    throw validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
  const metas = parsed.map((p) => requireTable(d, ctx, p.t));
  const plans = parsed.map(({ t, req, paths }, i) => {
    const meta = metas[i]!;
    const seen = new Set<string>();
    const keys = req.Keys.map((k) => {
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
        const hit = d.engine.answer(p.meta, k.e, p.paths as Path[] | undefined);
        const size = hit?.size ?? 0;
        units += readUnits(size, p.req.ConsistentRead === true);
        bytes += size;
        if (hit) found.push(hit.item);
      }
      if (meter.on) meter.read(p.meta, units, undefined, p.name);
    }
  });
  if (meter.on) out.ConsumedCapacity = meter.list();
  return out;
}

export function batchWriteItem(d: Dynamo, ctx: RequestContext, input: BatchWriteItemInput): BatchWriteItemOutput {
  // The enums first, alone; then the map (AWS's order, observed).
  checkRequestConstraints(input as Record<string, unknown>);
  const mode = input.ReturnConsumedCapacity ?? "NONE";
  const tables = Object.keys(input.RequestItems);
  if (!tables.length) throw validation(constraintMessage(["Value at 'RequestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"]));
  if (tables.some(badName)) throw validation(constraintMessage([`Value '${javaRequestItems(input.RequestItems)}' at 'requestItems' failed to satisfy constraint: ${NAME_KEYS}`]));
  let total = 0;
  for (const t of tables) {
    const n = input.RequestItems[t]!.length;
    if (n < 1)
      throw validation(
        constraintMessage([`Value '{${t}=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]`]),
      );
    if (n > Limits.MAX_BATCH_WRITE_REQUESTS)
      throw validation(constraintMessage([`Value at 'RequestItems.${t}.member' failed to satisfy constraint: Member must have length less than or equal to ${Limits.MAX_BATCH_WRITE_REQUESTS}`]));
    total += n;
  }
  if (total > Limits.MAX_BATCH_WRITE_REQUESTS) throw validation("Too many items requested for the BatchWriteItem call");
  // Values and sizes of every request, then the tables, then the keys.
  for (const t of tables) {
    for (const r of input.RequestItems[t]!) {
      if ((r.PutRequest ? 1 : 0) + (r.DeleteRequest ? 1 : 0) !== 1)
        throw validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
      if (r.PutRequest) {
        checkItemValues(r.PutRequest.Item);
        if (itemSize(r.PutRequest.Item) > Limits.MAX_ITEM_SIZE_BYTES) throw validation("Item size has exceeded the maximum allowed size");
      } else checkItemValues(r.DeleteRequest!.Key);
    }
  }
  const metas = tables.map((t) => requireTable(d, ctx, t));
  const ops: Array<{ meta: TableMeta; given: string; key: EncodedKey; item?: Item; size?: number }> = [];
  tables.forEach((t, i) => {
    const meta = metas[i]!;
    const seen = new Set<string>();
    for (const r of input.RequestItems[t]!) {
      let op: (typeof ops)[number];
      if (r.PutRequest) {
        const item = r.PutRequest.Item;
        op = { meta, given: t, key: keyFromItem(meta, item, true), item, size: itemSize(item) };
      } else op = { meta, given: t, key: keyFromKey(meta, r.DeleteRequest!.Key) };
      const id = keyId(op.key);
      if (seen.has(id)) throw validation("Provided list of item keys contains duplicates");
      seen.add(id);
      ops.push(op);
    }
  });
  const meter = new CapacityMeter(mode);
  const meteredOnly = (input as { [METERED_ONLY]?: boolean })[METERED_ONLY] === true;
  const metrics: Record<string, ItemCollectionMetrics[]> = {};
  d.store.tx(() => {
    for (const op of ops) {
      const m = op.meta;
      // A put that nothing needs the previous item for (no index, stream or capacity) skips reading it.
      const blind = op.item && (!meter.on || meteredOnly) && !m.gsis.length && !m.lsis.length && !m.stream?.enabled && !m.pitr?.enabled;
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
