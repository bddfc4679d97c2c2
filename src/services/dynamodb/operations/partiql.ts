/**
 * PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction for SELECT (with ORDER BY on the
 * key attributes within one partition), INSERT, UPDATE, DELETE and, in transactions, EXISTS. Statements are parsed by partiql/ (WHERE as a condition, SET/REMOVE as update actions); a SELECT
 * whose WHERE fixes the partition key reads that partition only, any other SELECT scans the table (as on
 * AWS). Writes name one item by its full primary key.
 */
import type {
  AttributeValue,
  BatchExecuteStatementInput,
  BatchExecuteStatementOutput,
  ExecuteStatementInput,
  ExecuteStatementOutput,
  ExecuteTransactionInput,
  ExecuteTransactionOutput,
} from "../../../aws/api/dynamodb.js";
import { constraintMessage, ServiceError } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits, Messages } from "../constants.js";
import { decodeItem, type IndexMeta, type Item, type TableMeta } from "../store.js";
import { keyFromItem, keyFromKey, typeOf, validation } from "../validate.js";
import { encodeKeyValue, itemSize } from "./deps.js";
import { applyUpdate, evaluateCondition, project, type ConditionNode, type Path, type UpdateAction } from "./deps.js";
import { parsePartiql } from "./deps.js";
import type { OrderTerm } from "../partiql/parser.js";
import { CapacityMeter, readUnits, transactReadUnits } from "./capacity.js";
import { requireTable, type Dynamo } from "./context.js";
import type { EncodedKey } from "./engine.js";
import { checkItemValues, checkReturnConsumedCapacity, conditionFailed, rawItemOf } from "./params.js";
import { cancelled, type Reason } from "./transact.js";

type Select = { kind: "SELECT"; table: string; index?: string; paths?: Path[]; where?: ConditionNode; equalities: Map<string, AttributeValue>; orderBy?: OrderTerm[] };

/** A parsed statement in the shape this module executes. */
export type Statement =
  | Select
  | { kind: "EXISTS"; select: Select }
  | { kind: "INSERT"; table: string; item: Item }
  | { kind: "UPDATE"; table: string; actions: UpdateAction[]; where?: ConditionNode; equalities: Map<string, AttributeValue> }
  | { kind: "DELETE"; table: string; where?: ConditionNode; equalities: Map<string, AttributeValue> };

/** Parses a statement with its parameters (the AST of partiql/ adapted to Statement); EXISTS only in a transaction. */
function parse(statement: string, parameters?: AttributeValue[], transaction = false): Statement {
  if (parameters) for (const p of parameters) checkItemValues({ p });
  const s = adapt(parsePartiql(statement, parameters) as unknown as Record<string, unknown>);
  if (s.kind === "EXISTS" && !transaction) throw validation("EXISTS can only be used in a transaction (ExecuteTransaction)");
  return s;
}

/** The parser's AST is already in this module's shape. */
function adapt(ast: Record<string, unknown>): Statement {
  return ast as unknown as Statement;
}

interface Written {
  meta: TableMeta;
  key: EncodedKey;
  old?: Item;
  next?: Item;
}

function keyOfWhere(meta: TableMeta, equalities: Map<string, AttributeValue>): EncodedKey {
  const key: Item = {};
  const h = equalities.get(meta.hashKey);
  const r = meta.rangeKey ? equalities.get(meta.rangeKey) : undefined;
  if (!h || (meta.rangeKey && !r)) throw validation("Where clause does not contain a mandatory equality on all key attributes");
  key[meta.hashKey] = h;
  if (meta.rangeKey) key[meta.rangeKey] = r!;
  return keyFromKey(meta, key);
}

/** Checks a write statement and prepares its item change; runs inside the caller's transaction. */
type WriteStatement = Exclude<Statement, { kind: "SELECT" | "EXISTS" }>;

function executeWrite(d: Dynamo, ctx: RequestContext, s: WriteStatement, returnOld: boolean): Written {
  const meta = requireTable(d, ctx, s.table);
  if (s.kind === "INSERT") {
    checkItemValues(s.item);
    const key = keyFromItem(meta, s.item);
    if (itemSize(s.item) > Limits.MAX_ITEM_SIZE_BYTES) throw validation(Messages.ITEM_TOO_LARGE);
    const old = d.engine.get(meta, key);
    if (old) throw new ServiceError("DuplicateItemException", "Duplicate primary key exists in table", 400);
    d.engine.write(meta, key, undefined, s.item);
    return { meta, key, next: s.item };
  }
  const key = keyOfWhere(meta, s.equalities);
  const old = d.engine.get(meta, key);
  const failed = () => conditionFailed(returnOld, old);
  if (s.kind === "DELETE") {
    if (!old) return { meta, key };
    if (s.where && !evaluateCondition(s.where, old)) throw failed();
    d.engine.write(meta, key, old, undefined);
    return { meta, key, old };
  }
  if (!old || (s.where && !evaluateCondition(s.where, old))) throw failed();
  const { item: next, updatedPaths } = applyUpdate(structuredClone(old), s.actions);
  for (const p of updatedPaths) {
    const top = (p as unknown as Array<string | { name?: string }>)[0];
    const name = typeof top === "string" ? top : top?.name;
    if (name === meta.hashKey || name === meta.rangeKey) throw validation(`One or more parameter values were invalid: Cannot update attribute ${name}. This attribute is part of the key`);
  }
  keyFromItem(meta, next);
  if (itemSize(next) > Limits.MAX_ITEM_SIZE_BYTES) throw validation("Item size to update has exceeded the maximum allowed size");
  d.engine.write(meta, key, old, next);
  return { meta, key, old, next };
}

interface SelectPage {
  items: Item[];
  lastKey?: Item;
  bytes: number;
  meta: TableMeta;
  index?: IndexMeta;
}

/** Runs a SELECT: one partition when WHERE fixes its key, else a scan, filtered by WHERE. */
function executeSelect(d: Dynamo, ctx: RequestContext, s: Select, limit: number | undefined, start: Item | undefined): SelectPage {
  const meta = requireTable(d, ctx, s.table);
  let index: IndexMeta | undefined;
  if (s.index) {
    index = meta.gsis.find((g) => g.name === s.index) ?? meta.lsis.find((l) => l.name === s.index);
    if (!index) throw validation(`The table does not have the specified index: ${s.index}`);
  }
  const hashKey = index ? index.hashKey : meta.hashKey;
  const hashType = index ? index.hashType : meta.hashType;
  const hv = s.equalities.get(hashKey);
  const desc = s.orderBy ? orderDescending(s.orderBy, hashKey, index ? index.rangeKey : meta.rangeKey, !!hv && typeOf(hv) === hashType) : false;
  const params: unknown[] = [meta.tid];
  const where: string[] = ["tid = ?"];
  const table = index ? "dynamodb_index_items" : "dynamodb_items";
  const cols = index ? ["ipk", "isk", "tpk", "tsk"] : ["pk", "sk"];
  if (index) {
    where.push("iid = ?");
    params.push(index.iid);
  }
  if (hv && typeOf(hv) === hashType) {
    where.push(`${cols[0]} = ?`);
    params.push(encodeKeyValue(hv));
  }
  if (start) {
    const e = startOf(meta, index, start);
    where.push(`(${cols.join(", ")}) ${desc ? "<" : ">"} (${cols.map(() => "?").join(", ")})`);
    params.push(...e);
  }
  const sql = `SELECT ${index ? "tpk AS pk, tsk AS sk" : "pk, sk"}, item, size FROM ${table} WHERE ${where.join(" AND ")} ORDER BY ${cols.map((c) => (desc ? `${c} DESC` : c)).join(", ")}`;
  const items: Item[] = [];
  let bytes = 0;
  let scanned = 0;
  let last: Item | undefined;
  let stopped = false;
  for (const row of d.store.stmt(sql).iterate(...params) as Iterable<{ item: string; size: number }>) {
    const item = decodeItem(row.item);
    bytes += row.size;
    scanned++;
    last = item;
    if (!s.where || evaluateCondition(s.where, item)) items.push(s.paths ? project(item, s.paths) : item);
    if ((limit !== undefined && items.length >= limit) || bytes >= Limits.MAX_PAGE_BYTES) {
      stopped = true;
      break;
    }
  }
  const page: SelectPage = { items, bytes, meta, index };
  if (stopped && last) {
    const k: Item = { [meta.hashKey]: last[meta.hashKey]! };
    if (meta.rangeKey) k[meta.rangeKey] = last[meta.rangeKey]!;
    if (index) {
      k[index.hashKey] = last[index.hashKey]!;
      if (index.rangeKey) k[index.rangeKey] = last[index.rangeKey]!;
    }
    page.lastKey = k;
  }
  return page;
}

/**
 * Whether an ORDER BY reads the partition backwards. DynamoDB orders only by the key attributes of the
 * table (or index) and only within a partition the WHERE clause fixes ("PartiQL select statements"):
 * the sort key's direction decides; the partition key's alone changes nothing in one partition.
 */
function orderDescending(terms: OrderTerm[], hashKey: string, rangeKey: string | undefined, onePartition: boolean): boolean {
  for (const t of terms)
    if (t.name !== hashKey && t.name !== rangeKey) throw validation(`ORDER BY is supported only on the key attributes of the table or index; ${t.name} is not a key attribute`);
  if (!onePartition) throw validation("ORDER BY requires a WHERE clause with an equality condition on the partition key");
  return terms.find((t) => t.name === rangeKey)?.desc ?? false;
}

function startOf(meta: TableMeta, index: IndexMeta | undefined, start: Item): Buffer[] {
  const t = keyFromKey(meta, Object.fromEntries([meta.hashKey, meta.rangeKey].filter((n): n is string => !!n).map((n) => [n, start[n]!])));
  if (!index) return [t.pk, t.sk];
  const ipk = encodeKeyValue(start[index.hashKey]!);
  const isk = index.rangeKey ? encodeKeyValue(start[index.rangeKey]!) : Buffer.alloc(0);
  return [ipk, isk, t.pk, t.sk];
}

const encodeToken = (key: Item) => Buffer.from(JSON.stringify(key, (k, v) => (v && v.type === "Buffer" ? { __b: Buffer.from(v.data).toString("base64") } : v))).toString("base64");
function decodeToken(token: string): Item {
  try {
    return JSON.parse(Buffer.from(token, "base64").toString("utf8"), (k, v) => (v && typeof v.__b === "string" ? Buffer.from(v.__b, "base64") : v)) as Item;
  } catch {
    throw validation("Invalid NextToken");
  }
}

export function executeStatement(d: Dynamo, ctx: RequestContext, input: ExecuteStatementInput): ExecuteStatementOutput {
  const mode = checkReturnConsumedCapacity(input.ReturnConsumedCapacity);
  if (input.Limit !== undefined && input.Limit < 1) throw validation(constraintMessage([`Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`]));
  const s = parse(input.Statement, input.Parameters);
  const meter = new CapacityMeter(mode);
  if (s.kind === "SELECT") {
    const start = input.NextToken ? decodeToken(input.NextToken) : undefined;
    const page = d.store.tx(() => executeSelect(d, ctx, s, input.Limit, start));
    const out: ExecuteStatementOutput = { Items: page.items };
    if (page.lastKey) {
      out.NextToken = encodeToken(page.lastKey);
      out.LastEvaluatedKey = page.lastKey;
    }
    if (meter.on) {
      meter.read(page.meta, readUnits(page.bytes, input.ConsistentRead === true), page.index);
      out.ConsumedCapacity = meter.one(page.meta);
    }
    return out;
  }
  const returnOld = input.ReturnValuesOnConditionCheckFailure === "ALL_OLD";
  const w = d.store.tx(() => executeWrite(d, ctx, s as WriteStatement, returnOld));
  if (meter.on) {
    meter.write(w.meta, w.old, w.next);
    return { Items: [], ConsumedCapacity: meter.one(w.meta) };
  }
  return { Items: [] };
}

export function batchExecuteStatement(d: Dynamo, ctx: RequestContext, input: BatchExecuteStatementInput): BatchExecuteStatementOutput {
  const mode = checkReturnConsumedCapacity(input.ReturnConsumedCapacity);
  if (input.Statements.length < 1 || input.Statements.length > 25)
    throw validation(constraintMessage([`Value '[${input.Statements.length} statements]' at 'statements' failed to satisfy constraint: Member must have length ${input.Statements.length < 1 ? "greater than or equal to 1" : "less than or equal to 25"}`]));
  const meter = new CapacityMeter(mode);
  const parsed = input.Statements.map((st) => {
    try {
      return parse(st.Statement, st.Parameters);
    } catch (e) {
      return e as Error;
    }
  });
  const kinds = new Set(parsed.filter((p): p is Statement => !(p instanceof Error)).map((p) => (p.kind === "SELECT" ? "read" : "write")));
  if (kinds.size > 1) throw validation("Batch must consist of either all read statements or all write statements");
  const responses = input.Statements.map((st, i) => {
    const s = parsed[i]!;
    try {
      if (s instanceof Error) throw s;
      if (s.kind === "SELECT") {
        const meta = requireTable(d, ctx, s.table);
        const key = keyOfWhere(meta, s.equalities);
        const item = d.store.tx(() => d.engine.get(meta, key));
        if (meter.on) meter.read(meta, readUnits(item ? itemSize(item) : 0, st.ConsistentRead === true));
        const r: NonNullable<BatchExecuteStatementOutput["Responses"]>[number] = { TableName: meta.name };
        if (item && (!s.where || evaluateCondition(s.where, item))) r.Item = s.paths ? project(item, s.paths) : item;
        return r;
      }
      const w = d.store.tx(() => executeWrite(d, ctx, s as WriteStatement, st.ReturnValuesOnConditionCheckFailure === "ALL_OLD"));
      if (meter.on) meter.write(w.meta, w.old, w.next);
      return { TableName: w.meta.name };
    } catch (e) {
      if (!(e instanceof ServiceError)) throw e;
      const code = e.code === "ConditionalCheckFailedException" ? "ConditionalCheckFailed" : e.code === "DuplicateItemException" ? "DuplicateItem" : e.code === "ResourceNotFoundException" ? "ResourceNotFound" : "ValidationError";
      const err: { Code: string; Message: string; Item?: Item } = { Code: code, Message: e.message };
      const item = rawItemOf(e);
      if (item) err.Item = item;
      return { Error: err };
    }
  });
  const out: BatchExecuteStatementOutput = { Responses: responses };
  if (meter.on) out.ConsumedCapacity = meter.list();
  return out;
}

/**
 * EXISTS(SELECT ...) in a transaction: TransactWriteItems' ConditionCheck ("Using the EXISTS function with
 * PartiQL"). The SELECT names one item by its full primary key; no item, or an item its WHERE clause
 * refuses, fails the check.
 */
function checkExists(d: Dynamo, ctx: RequestContext, sel: Select): Written {
  const meta = requireTable(d, ctx, sel.table);
  const key = keyOfWhere(meta, sel.equalities);
  const item = d.engine.get(meta, key);
  if (!item || (sel.where && !evaluateCondition(sel.where, item))) throw conditionFailed(false, item);
  return { meta, key };
}

export function executeTransaction(d: Dynamo, ctx: RequestContext, input: ExecuteTransactionInput): ExecuteTransactionOutput {
  const mode = checkReturnConsumedCapacity(input.ReturnConsumedCapacity);
  const n = input.TransactStatements.length;
  if (n < 1 || n > Limits.MAX_TRANSACT_ITEMS)
    throw validation(constraintMessage([`Value '[${n} statements]' at 'transactStatements' failed to satisfy constraint: Member must have length ${n < 1 ? "greater than or equal to 1" : "less than or equal to 100"}`]));
  const statements = input.TransactStatements.map((st) => parse(st.Statement, st.Parameters, true));
  const reads = statements.filter((s) => s.kind === "SELECT").length;
  if (reads && reads !== n) throw validation("Transaction must consist of either all read statements or all write statements");
  const meter = new CapacityMeter(mode, true);
  if (reads) {
    const responses = d.store.tx(() =>
      statements.map((s) => {
        const sel = s as Extract<Statement, { kind: "SELECT" }>;
        const meta = requireTable(d, ctx, sel.table);
        const item = d.engine.get(meta, keyOfWhere(meta, sel.equalities));
        if (meter.on) meter.read(meta, transactReadUnits(item ? itemSize(item) : 0));
        return item && (!sel.where || evaluateCondition(sel.where, item)) ? { Item: sel.paths ? project(item, sel.paths) : item } : {};
      }),
    );
    const out: ExecuteTransactionOutput = { Responses: responses };
    if (meter.on) out.ConsumedCapacity = meter.list();
    return out;
  }
  const seen = new Set<string>();
  d.store.tx(() => {
    const reasons: Reason[] = statements.map(() => ({ Code: "None" }));
    let failed = false;
    statements.forEach((s, i) => {
      try {
        const w = s.kind === "EXISTS" ? checkExists(d, ctx, s.select) : executeWrite(d, ctx, s as WriteStatement, input.TransactStatements[i]!.ReturnValuesOnConditionCheckFailure === "ALL_OLD");
        const id = `${w.meta.tid}:${w.key.pk.toString("hex")}:${w.key.sk.toString("hex")}`;
        if (seen.has(id)) throw validation("Transaction request cannot include multiple operations on one item");
        seen.add(id);
        if (meter.on) {
          if (s.kind === "EXISTS") meter.tableWrite(w.meta, 2);
          else meter.write(w.meta, w.old, w.next, 2);
        }
      } catch (e) {
        if (!(e instanceof ServiceError)) throw e;
        if (e.code === "ConditionalCheckFailedException") reasons[i] = { Code: "ConditionalCheckFailed", Message: e.message, ...(rawItemOf(e) ? { Item: rawItemOf(e)! } : {}) };
        else if (e.code === "DuplicateItemException") reasons[i] = { Code: "DuplicateItem", Message: e.message };
        else throw e;
        failed = true;
      }
    });
    if (failed) throw cancelled(reasons);
  });
  const out: ExecuteTransactionOutput = { Responses: [] };
  if (meter.on) out.ConsumedCapacity = meter.list();
  return out;
}
