/**
 * Single-item writes and reads: PutItem, UpdateItem, DeleteItem (and the ConditionCheck of transactions)
 * are prepared (validated, expressions parsed) then applied inside a transaction, so BatchWriteItem and
 * TransactWriteItems reuse the same two steps.
 */
import type {
  DeleteItemInput,
  DeleteItemOutput,
  GetItemInput,
  GetItemOutput,
  PutItemInput,
  PutItemOutput,
  UpdateItemInput,
  UpdateItemOutput,
} from "../../../aws/api/dynamodb.js";
import { constraintMessage, ServiceError } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits } from "../constants.js";
import type { Item, TableMeta } from "../store.js";
import type { Identity } from "../streams/log.js";
import { checkIndexKeys, invalid, keyFromItem, keyFromKey, validation } from "../validate.js";
import { itemSize } from "./deps.js";
import { applyUpdate, attributeUpdatesToActions, evaluateCondition, parseUpdate, project, type ConditionNode, type Path, type UpdateAction } from "./deps.js";
import { CapacityMeter, itemCollectionMetrics, readUnits } from "./capacity.js";
import { METERED_ONLY } from "../../cloudwatch/dynamodb-metrics.js";
import { checkRequestConstraints } from "./constraints.js";
import { requireTable, type Dynamo } from "./context.js";
import type { EncodedKey } from "./engine.js";
import {
  attributesOf,
  checkItemValues,
  checkParameterStyle,
  checkReturnConsumedCapacity,
  checkReturnValues,
  checkReturnValuesOnFailure,
  conditionFailed,
  conditionOf,
  projectionOf,
} from "./params.js";

export type WriteKind = "Put" | "Update" | "Delete" | "ConditionCheck";

export interface PreparedWrite {
  kind: WriteKind;
  meta: TableMeta;
  /** The table's name or ARN as the request gave it (ConsumedCapacity answers an ARN back). */
  given: string;
  key: EncodedKey;
  /** The key attributes as given (Update creates the item from them). */
  keyItem: Item;
  item?: Item;
  size?: number;
  actions?: UpdateAction[];
  condition?: ConditionNode;
  returnValues: string;
  returnOldOnFailure: boolean;
  /** Nothing needs the previous item (no condition, return values, capacity, index or stream): skip reading it. */
  blind?: boolean;
}

export interface AppliedWrite {
  old?: Item;
  next?: Item;
  updatedPaths?: Path[];
}

export type WriteInput = Record<string, unknown> & { TableName: string };

/**
 * Validates a write request and parses its expressions; touches no data. Everything that does not need
 * the table is checked before the table is looked up, as AWS does (a bad request on a missing table is a
 * ValidationException, not ResourceNotFoundException).
 */
export function prepareWrite(d: Dynamo, ctx: RequestContext, kind: WriteKind, input: WriteInput): PreparedWrite {
  return bindWrite(d, ctx, parseWrite(kind, input), input);
}

/** The part of prepareWrite that needs no table: parameters, values and expressions (transactions check every action's first). */
export function parseWrite(kind: WriteKind, input: WriteInput, field = "transactItems.1.member"): PreparedWrite {
  const returnOldOnFailure = checkReturnValuesOnFailure(input.ReturnValuesOnConditionCheckFailure as string | undefined);
  let returnValues = "NONE";
  if (kind === "Update") {
    checkParameterStyle(input, ["AttributeUpdates", "Expected"], ["UpdateExpression", "ConditionExpression"], "UpdateExpression and ConditionExpression are null");
    returnValues = checkReturnValues(input.ReturnValues as string | undefined, ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]);
  } else if (kind !== "ConditionCheck") {
    checkParameterStyle(input, ["Expected"], ["ConditionExpression"], "ConditionExpression is null");
    returnValues = checkReturnValues(input.ReturnValues as string | undefined, ["NONE", "ALL_OLD"]);
  }
  const attrs = attributesOf(input);
  const w: PreparedWrite = { kind, meta: undefined as never, given: input.TableName, key: undefined as never, keyItem: {}, returnValues, returnOldOnFailure };
  if (kind === "Put") {
    const item = input.Item as Item;
    checkItemValues(item);
    const size = itemSize(item);
    w.size = size;
    if (size > Limits.MAX_ITEM_SIZE_BYTES) throw validation("Item size has exceeded the maximum allowed size");
    w.item = item;
  } else w.keyItem = input.Key as Item;
  const updates = input.AttributeUpdates as Record<string, { Value?: never; Action?: string }> | undefined;
  if (kind === "Update") {
    if (typeof input.UpdateExpression === "string") w.actions = parseUpdate(input.UpdateExpression, attrs);
    else if (updates) w.actions = attributeUpdatesToActions(updates as never);
  }
  if (kind === "ConditionCheck" && typeof input.ConditionExpression !== "string")
    throw validation(`1 validation error detected: Value null at '${field}.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null`);
  w.condition = conditionOf(input, attrs);
  attrs.assertAllUsed();
  // A key's values after the expressions: a condition's syntax or size error comes first (observed).
  if (kind !== "Put") checkItemValues(w.keyItem);
  return w;
}

/** The table part of prepareWrite: looks the table up (ResourceNotFoundException); `keys` false leaves the key to the caller. */
export function bindWrite(d: Dynamo, ctx: RequestContext, w: PreparedWrite, input: WriteInput, keys = true): PreparedWrite {
  w.meta = requireTable(d, ctx, input.TableName);
  if (keys) bindKey(w, input);
  return w;
}

/** Computes the key of a bound write from the table's key schema (the key errors of the request). */
export function bindKey(w: PreparedWrite, input: WriteInput): void {
  const meta = w.meta;
  w.key = w.kind === "Put" ? keyFromItem(meta, w.item!) : keyFromKey(meta, w.keyItem);
  const updates = input.AttributeUpdates as Record<string, unknown> | undefined;
  if (w.kind === "Update" && updates && input.UpdateExpression === undefined) {
    for (const name in updates) {
      if (name === meta.hashKey || name === meta.rangeKey) throw invalid(`Cannot update attribute ${name}. This attribute is part of the key`);
    }
  }
}

/** Reads the current item, checks the condition, writes. Call inside a transaction. Throws ConditionalCheckFailedException. */
export function applyWrite(d: Dynamo, w: PreparedWrite, identity?: Identity): AppliedWrite {
  const m = w.meta;
  const skipRead = w.blind && w.kind === "Put" && !w.condition && w.returnValues === "NONE" && !m.stream?.enabled && !m.pitr?.enabled && !m.gsis.length && !m.lsis.length;
  const old = skipRead ? undefined : d.engine.get(m, w.key);
  if (w.condition && !evaluateCondition(w.condition, old)) throw conditionFailed(w.returnOldOnFailure, old);
  return writeChecked(d, w, old, identity);
}

/** The write part of applyWrite, once conditions passed (TransactWriteItems checks all conditions first). */
export function writeChecked(d: Dynamo, w: PreparedWrite, old: Item | undefined, identity?: Identity): AppliedWrite {
  switch (w.kind) {
    case "ConditionCheck":
      return { old };
    case "Put":
      d.engine.write(w.meta, w.key, old, w.item, identity, w.size);
      return { old, next: w.item };
    case "Delete":
      d.engine.write(w.meta, w.key, old, undefined, identity);
      return { old };
    case "Update": {
      const base: Item = old ? structuredCloneItem(old) : { ...w.keyItem };
      const { item: next, updatedPaths } = w.actions ? applyUpdate(base, w.actions) : { item: base, updatedPaths: [] as Path[] };
      for (const p of updatedPaths) {
        const top = topName(p);
        if (top === w.meta.hashKey || top === w.meta.rangeKey) throw invalid(`Cannot update attribute ${top}. This attribute is part of the key`);
      }
      // An update that leaves a missing item with nothing but its key creates no item (and no stream record).
      if (!old && Object.keys(next).every((k) => k === w.meta.hashKey || k === w.meta.rangeKey)) return { updatedPaths };
      checkIndexKeys(w.meta, next);
      const size = itemSize(next);
      if (size > Limits.MAX_ITEM_SIZE_BYTES) throw validation("Item size to update has exceeded the maximum allowed size");
      d.engine.write(w.meta, w.key, old, next, identity, size);
      return { old, next, updatedPaths };
    }
  }
}

/** The first element of a document path (the top-level attribute name). */
function topName(p: Path): string {
  const first = (p as unknown as Array<string | number | { name?: string }>)[0];
  return typeof first === "string" ? first : typeof first === "object" && first ? String(first.name) : String(first);
}

/** Deep copy of an item that keeps Buffers as Buffers. */
export function structuredCloneItem(item: Item): Item {
  return structuredClone(item, {}) as Item;
}

/** The Attributes a write returns for its ReturnValues. */
export function returnedAttributes(w: PreparedWrite, r: AppliedWrite): Item | undefined {
  switch (w.returnValues) {
    case "ALL_OLD":
      return r.old;
    case "ALL_NEW":
      return r.next;
    case "UPDATED_OLD":
      return r.old && r.updatedPaths?.length ? emptyToUndefined(project(r.old, r.updatedPaths)) : undefined;
    case "UPDATED_NEW":
      return r.next && r.updatedPaths?.length ? emptyToUndefined(project(r.next, r.updatedPaths)) : undefined;
    default:
      return undefined;
  }
}

const emptyToUndefined = (item: Item) => (Object.keys(item).length ? item : undefined);

function runWrite(d: Dynamo, ctx: RequestContext, kind: WriteKind, input: WriteInput) {
  checkRequestConstraints(input);
  const meter = new CapacityMeter(checkReturnConsumedCapacity(input.ReturnConsumedCapacity as string | undefined));
  let w: PreparedWrite;
  try {
    w = prepareWrite(d, ctx, kind, input);
  } catch (e) {
    throw kind === "Put" ? framed(e) : e;
  }
  // Metering forced only for the metrics (cloudwatch/dynamodb-metrics.ts) keeps the write fast path.
  w.blind = (!meter.on || (input as { [METERED_ONLY]?: boolean })[METERED_ONLY] === true) && input.ReturnItemCollectionMetrics !== "SIZE";
  const r = d.store.tx(() => applyWrite(d, w));
  if (meter.on) meter.write(w.meta, r.old, kind === "Delete" ? undefined : r.next, 1, w.given);
  const out: PutItemOutput = {};
  const attrs = returnedAttributes(w, r);
  if (attrs) out.Attributes = attrs;
  if (meter.on) out.ConsumedCapacity = meter.one(w.meta, w.given);
  const icm = itemCollectionMetrics(w.meta, r.next ?? r.old, input.ReturnItemCollectionMetrics as string | undefined);
  if (icm) out.ItemCollectionMetrics = icm;
  return out;
}

const FRAMED = /^(ExpressionAttribute(Values|Names) can only be specified when using expressions|Invalid ConditionExpression: The expression can not be empty;|One or more parameter values were invalid: (Value must be provided|Value or AttributeValueList must be used))/;

/**
 * PutItem has moved to AWS's validation framework for these refusals: they come inside the
 * "1 validation error detected: " envelope, without the ": ConditionExpression is null" tail (observed in
 * us-east-1 and eu-west-2, October 2026; the other operations still answer the older wording).
 */
function framed(e: unknown): unknown {
  if (!(e instanceof ServiceError) || e.code !== "ValidationException" || !FRAMED.test(e.message)) return e;
  return validation(constraintMessage([e.message.replace(/: ConditionExpression is null$/, "")]));
}

export const putItem = (d: Dynamo, ctx: RequestContext, input: PutItemInput): PutItemOutput => runWrite(d, ctx, "Put", input);
export const updateItem = (d: Dynamo, ctx: RequestContext, input: UpdateItemInput): UpdateItemOutput => runWrite(d, ctx, "Update", input);
export const deleteItem = (d: Dynamo, ctx: RequestContext, input: DeleteItemInput): DeleteItemOutput => runWrite(d, ctx, "Delete", input);

export function getItem(d: Dynamo, ctx: RequestContext, input: GetItemInput): GetItemOutput {
  checkRequestConstraints(input as Record<string, unknown>);
  const mode = checkReturnConsumedCapacity(input.ReturnConsumedCapacity);
  checkParameterStyle(input, ["AttributesToGet"], ["ProjectionExpression"], "");
  const attrs = attributesOf(input);
  checkItemValues(input.Key);
  const paths = projectionOf(input, attrs);
  attrs.assertAllUsed();
  const meta = requireTable(d, ctx, input.TableName);
  const key = keyFromKey(meta, input.Key);
  const found = d.engine.answer(meta, key, paths);
  const out: GetItemOutput = {};
  if (found) out.Item = found.item;
  if (mode !== "NONE") {
    const meter = new CapacityMeter(mode);
    meter.read(meta, readUnits(found?.size ?? 0, input.ConsistentRead === true), undefined, input.TableName);
    out.ConsumedCapacity = meter.one(meta, input.TableName);
  }
  return out;
}
