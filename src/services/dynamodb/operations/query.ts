/**
 * Query and Scan over the table or a secondary index, inside one read transaction: key conditions become
 * ranges over the encoded keys (memcmp order == DynamoDB order), then AWS's page rules apply in its
 * order — Limit counts items read, the 1 MB page limit counts bytes read, FilterExpression runs after
 * both, LastEvaluatedKey names the last item read.
 */
import type { AttributeValue, QueryInput, QueryOutput, ScanInput, ScanOutput } from "../../../aws/api/dynamodb.js";
import type { RequestContext } from "../../../edge/context.js";
import { Limits } from "../constants.js";
import { rawJson } from "../../../aws/protocol/shape-json.js";
import { decodeItem, type IndexMeta, type Item, type TableMeta } from "../store.js";
import { invalid, keyFromKey, indexKeyOf, keyNames, typeOf, validation } from "../validate.js";
import { attributeValuesEqual, compareAttributeValues, encodeKeyValue } from "./deps.js";
import {
  evaluateCondition,
  conditionAttributeNames,
  filterMapToCondition,
  keyConditionsToKeyCondition,
  parseCondition,
  parseKeyCondition,
  project,
  type ConditionNode,
  type Path,
} from "./deps.js";
import { CapacityMeter, readUnits } from "./capacity.js";
import { checkRequestConstraints } from "./constraints.js";
import { requireTable, type Dynamo } from "./context.js";
import { attributesOf, checkItemValues, checkParameterStyle, checkReturnConsumedCapacity, projectionOf } from "./params.js";

/** A row as SQLite hands it over in raw mode: [item, size, pk?, sk?] (keys only when needed). */
type Row = [item: string, size: number, pk?: Buffer, sk?: Buffer];

interface Plan {
  meta: TableMeta;
  /** The table's name or ARN as the request gave it. */
  tableName: string;
  index?: IndexMeta;
  select: string;
  paths?: Path[];
  filter?: ConditionNode;
  limit?: number;
  consistent: boolean;
  /** LSI reads that need attributes outside the projection go back to the table. */
  fetchFromTable: boolean;
}

type ReadInput = QueryInput | ScanInput;

/**
 * Validates a Query/Scan and plans it. Everything that does not need the table (constraints, parameter
 * style, expressions and their attribute maps; `beforeTable` parses the key condition) is checked before
 * the table is looked up, as AWS does.
 */
function planRead(
  d: Dynamo,
  ctx: RequestContext,
  input: ReadInput,
  op: "Query" | "Scan",
  beforeTable?: (attrs: ReturnType<typeof attributesOf>) => void,
): { plan: Plan; attrs: ReturnType<typeof attributesOf> } {
  checkRequestConstraints(input as Record<string, unknown>);
  const filterName = op === "Query" ? "QueryFilter" : "ScanFilter";
  // AWS accepts the legacy KeyConditions beside FilterExpression/ProjectionExpression; only
  // KeyConditionExpression excludes it.
  const keyConditions = (input as QueryInput).KeyConditionExpression !== undefined ? ["KeyConditions"] : [];
  const legacy = op === "Query" ? ["AttributesToGet", ...keyConditions, "QueryFilter"] : ["AttributesToGet", "ScanFilter"];
  const exprs = op === "Query" ? ["ProjectionExpression", "FilterExpression", "KeyConditionExpression"] : ["ProjectionExpression", "FilterExpression"];
  checkParameterStyle(input as Record<string, unknown>, legacy, exprs, op === "Query" ? "KeyConditionExpression and FilterExpression are null" : "FilterExpression is null");
  const attrs = attributesOf(input as Record<string, unknown>);
  const hasProjection = input.ProjectionExpression !== undefined || input.AttributesToGet !== undefined;
  const projName = input.AttributesToGet !== undefined ? "AttributesToGet" : "ProjectionExpression";
  if (hasProjection && input.Select !== undefined && input.Select !== "SPECIFIC_ATTRIBUTES")
    throw validation(input.Select === "COUNT" ? `Cannot specify the ${projName} when choosing to get only the Count` : `Cannot specify the ${projName} when choosing to get ${input.Select}`);
  const paths = projectionOf(input as Record<string, unknown>, attrs);
  let filter: ConditionNode | undefined;
  if (typeof input.FilterExpression === "string") filter = parseCondition(input.FilterExpression, attrs, "FilterExpression");
  else {
    const f = (input as Record<string, unknown>)[filterName];
    if (f) filter = filterMapToCondition(f as never, input.ConditionalOperator, op === "Query" ? "queryFilter" : "scanFilter");
  }
  beforeTable?.(attrs);
  attrs.assertAllUsed();

  const meta = requireTable(d, ctx, input.TableName);
  let index: IndexMeta | undefined;
  if (input.IndexName !== undefined) {
    index = meta.gsis.find((g) => g.name === input.IndexName) ?? meta.lsis.find((l) => l.name === input.IndexName);
    if (!index) throw validation(`The table does not have the specified index: ${input.IndexName}`);
    if (index.kind === "GSI" && input.ConsistentRead) throw validation("Consistent reads are not supported on global secondary indexes");
  }
  let select = input.Select ?? (hasProjection ? "SPECIFIC_ATTRIBUTES" : index ? "ALL_PROJECTED_ATTRIBUTES" : "ALL_ATTRIBUTES");
  if (select === "ALL_PROJECTED_ATTRIBUTES" && !index) throw validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  if (select === "ALL_ATTRIBUTES" && index?.kind === "GSI" && index.projectionType !== "ALL")
    throw invalid(`Select type ALL_ATTRIBUTES is not supported for global secondary index ${index.name} because its projection type is not ALL`);
  if (select === "ALL_PROJECTED_ATTRIBUTES" && index?.projectionType === "ALL") select = "ALL_ATTRIBUTES";
  const fetchFromTable = index?.kind === "LSI" && index.projectionType !== "ALL" && (select === "ALL_ATTRIBUTES" || paths !== undefined);
  return { plan: { meta, tableName: input.TableName, index, select, paths, filter, limit: input.Limit, consistent: input.ConsistentRead === true, fetchFromTable }, attrs };
}

interface Range {
  /** SQL conditions on the sort column (sk or isk) and their parameters. */
  where: string[];
  params: Buffer[];
}

/** The smallest string greater than every string starting with `prefix`, or undefined. */
function prefixEnd(v: AttributeValue): AttributeValue | undefined {
  if (v.S !== undefined) {
    const cps = [...v.S];
    while (cps.length) {
      const last = cps.pop()!.codePointAt(0)!;
      if (last < 0x10ffff) {
        let next = last + 1;
        if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
        return { S: cps.join("") + String.fromCodePoint(next) };
      }
    }
    return undefined;
  }
  if (v.B !== undefined) {
    const b = Buffer.from(v.B);
    for (let i = b.length - 1; i >= 0; i--) {
      if (b[i]! < 0xff) {
        b[i]!++;
        return { B: b.subarray(0, i + 1) };
      }
    }
  }
  return undefined;
}

function sortRange(col: string, op: string, values: AttributeValue[]): Range {
  const enc = (v: AttributeValue) => encodeKeyValue(v);
  switch (op) {
    case "=":
    case "EQ":
      return { where: [`${col} = ?`], params: [enc(values[0]!)] };
    case "<":
    case "LT":
      return { where: [`${col} < ?`], params: [enc(values[0]!)] };
    case "<=":
    case "LE":
      return { where: [`${col} <= ?`], params: [enc(values[0]!)] };
    case ">":
    case "GT":
      return { where: [`${col} > ?`], params: [enc(values[0]!)] };
    case ">=":
    case "GE":
      return { where: [`${col} >= ?`], params: [enc(values[0]!)] };
    case "BETWEEN":
      return { where: [`${col} >= ?`, `${col} <= ?`], params: [enc(values[0]!), enc(values[1]!)] };
    default: {
      // begins_with
      const end = prefixEnd(values[0]!);
      return end ? { where: [`${col} >= ?`, `${col} < ?`], params: [enc(values[0]!), enc(end)] } : { where: [`${col} >= ?`], params: [enc(values[0]!)] };
    }
  }
}

export function query(d: Dynamo, ctx: RequestContext, input: QueryInput): QueryOutput {
  const mode = checkReturnConsumedCapacity(input.ReturnConsumedCapacity);
  let kc!: { partition: { name: string; value: AttributeValue }; sort?: { name: string; op: string; values: AttributeValue[] } };
  const { plan } = planRead(d, ctx, input, "Query", (attrs) => {
    if (typeof input.KeyConditionExpression === "string") kc = parseKeyCondition(input.KeyConditionExpression, attrs) as typeof kc;
    else if (input.KeyConditions) kc = keyConditionsToKeyCondition(input.KeyConditions as never) as typeof kc;
    else throw validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
  });
  const { meta, index } = plan;
  const hashKey = index ? index.hashKey : meta.hashKey;
  const rangeKey = index ? index.rangeKey : meta.rangeKey;
  if (kc.partition.name !== hashKey) {
    if (kc.sort && kc.sort.name === hashKey && kc.partition.name === rangeKey) kc = { partition: { name: kc.sort.name, value: kc.sort.values[0]! }, sort: { name: kc.partition.name, op: "=", values: [kc.partition.value] } };
    else if (kc.partition.name === rangeKey && !kc.sort) throw validation(`Query condition missed key schema element: ${hashKey}`);
    else throw validation(`Query condition missed key schema element: ${hashKey}`);
  }
  if (kc.sort && kc.sort.name !== rangeKey) throw validation(rangeKey ? `Query condition missed key schema element: ${rangeKey}` : "Query key condition not supported");
  const hashType = index ? index.hashType : meta.hashType;
  const rangeType = index ? index.rangeType : meta.rangeType;
  if (typeOf(kc.partition.value) !== hashType) throw invalid("Condition parameter type does not match schema type");
  if (kc.sort) {
    for (const v of kc.sort.values) if (typeOf(v) !== rangeType) throw invalid("Condition parameter type does not match schema type");
    const op = kc.sort.op.toLowerCase();
    if ((op === "begins_with" || op === "begins_with".toUpperCase()) && rangeType === "N") throw invalid("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N");
  }
  checkItemValues({ [hashKey]: kc.partition.value });
  if (plan.filter) {
    const names = conditionAttributeNames(plan.filter);
    const key = [hashKey, rangeKey].find((k) => k && names.has(k));
    if (key) throw validation(`${input.QueryFilter ? "QueryFilter" : "Filter Expression"} can only contain non-primary key attributes: Primary key attribute: ${key}`);
  }

  if (input.ExclusiveStartKey) checkStartInRange(input.ExclusiveStartKey, hashKey, rangeKey, kc);
  const forward = input.ScanIndexForward !== false;
  const dir = forward ? "ASC" : "DESC";
  const where: string[] = [];
  const params: unknown[] = [meta.tid];
  let sql: string;
  if (!index) {
    where.push("tid = ?", "pk = ?");
    params.push(encodeKeyValue(kc.partition.value));
    if (kc.sort) {
      const r = sortRange("sk", kc.sort.op, kc.sort.values);
      where.push(...r.where);
      params.push(...r.params);
    }
    if (input.ExclusiveStartKey) {
      const esk = startKey(meta, undefined, input.ExclusiveStartKey);
      where.push(forward ? "sk > ?" : "sk < ?");
      params.push(esk.sk);
    }
    sql = `SELECT item, size FROM dynamodb_items WHERE ${where.join(" AND ")} ORDER BY sk ${dir}`;
  } else {
    where.push("tid = ?", "iid = ?", "ipk = ?");
    params.push(index.iid, encodeKeyValue(kc.partition.value));
    if (kc.sort) {
      const r = sortRange("isk", kc.sort.op, kc.sort.values);
      where.push(...r.where);
      params.push(...r.params);
    }
    if (input.ExclusiveStartKey) {
      const esk = startKey(meta, index, input.ExclusiveStartKey);
      where.push(forward ? "(isk, tpk, tsk) > (?, ?, ?)" : "(isk, tpk, tsk) < (?, ?, ?)");
      params.push(esk.isk, esk.pk, esk.sk);
    }
    sql = `SELECT item, size${plan.fetchFromTable ? ", tpk, tsk" : ""} FROM dynamodb_index_items WHERE ${where.join(" AND ")} ORDER BY isk ${dir}, tpk ${dir}, tsk ${dir}`;
  }
  if (plan.limit !== undefined) {
    sql += " LIMIT ?";
    params.push(plan.limit);
  }
  return d.store.tx(() => page(d, plan, rowsOf(d, sql, params, plan.limit !== undefined), mode));
}

export function scan(d: Dynamo, ctx: RequestContext, input: ScanInput): ScanOutput {
  checkRequestConstraints(input as Record<string, unknown>);
  const mode = checkReturnConsumedCapacity(input.ReturnConsumedCapacity);
  const seg = input.Segment;
  const total = input.TotalSegments;
  if ((seg === undefined) !== (total === undefined)) {
    throw validation(
      seg === undefined ? "The TotalSegments parameter is non-null, but the Segment parameter is null" : "The Segment parameter is non-null, but the TotalSegments parameter is null",
    );
  }
  if (seg !== undefined && total !== undefined && seg >= total) throw validation(`The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${seg} is not less than TotalSegments: ${total}`);
  const { plan, attrs } = planRead(d, ctx, input, "Scan");
  attrs.assertAllUsed();
  const { meta, index } = plan;
  const params: unknown[] = [meta.tid];
  let sql: string;
  if (!index) {
    let where = "tid = ?";
    if (input.ExclusiveStartKey) {
      const esk = startKey(meta, undefined, input.ExclusiveStartKey);
      where += " AND (pk, sk) > (?, ?)";
      params.push(esk.pk, esk.sk);
    }
    sql = `SELECT item, size, pk FROM dynamodb_items WHERE ${where} ORDER BY pk, sk`;
  } else {
    let where = "tid = ? AND iid = ?";
    params.push(index.iid);
    if (input.ExclusiveStartKey) {
      const esk = startKey(meta, index, input.ExclusiveStartKey);
      where += " AND (ipk, isk, tpk, tsk) > (?, ?, ?, ?)";
      params.push(esk.ipk, esk.isk, esk.pk, esk.sk);
    }
    sql = `SELECT item, size, tpk, tsk FROM dynamodb_index_items WHERE ${where} ORDER BY ipk, isk, tpk, tsk`;
  }
  if (plan.limit !== undefined && total === undefined) {
    sql += " LIMIT ?";
    params.push(plan.limit);
  }
  return d.store.tx(() => {
    let rows = rowsOf(d, sql, params, plan.limit !== undefined && total === undefined);
    if (total !== undefined) rows = inSegment(rows, seg!, total);
    return page(d, plan, rows, mode);
  });
}

/**
 * The rows of a read. With a LIMIT in the SQL, fetching them at once is ~25% faster than stepping a
 * cursor; without one, a cursor stops reading at the 1 MB page limit.
 */
function rowsOf(d: Dynamo, sql: string, params: unknown[], bounded: boolean): Iterable<Row> {
  const st = d.store.rawStmt(sql);
  return (bounded ? st.all(...params) : st.iterate(...params)) as Iterable<Row>;
}

/** Rows whose partition falls in a parallel-scan segment (a stable hash of the encoded partition key). */
function* inSegment(rows: Iterable<Row>, segment: number, total: number): Iterable<Row> {
  for (const r of rows) {
    let h = 2166136261;
    const pk = r[2]!;
    for (let i = 0; i < pk.length; i++) h = Math.imul(h ^ pk[i]!, 16777619);
    if ((h >>> 0) % total === segment) yield r;
  }
}

function page(d: Dynamo, plan: Plan, rows: Iterable<Row>, mode: string): QueryOutput {
  const items: Item[] = [];
  let scanned = 0;
  let bytes = 0;
  let last: Item | undefined;
  let stopped = false;
  let matched = 0;
  const countOnly = plan.select === "COUNT";
  // Without a filter, a projection or a fetch from the table, the stored texts are the answer's Items as they are
  // (the wire form): none is decoded but the last one read, for LastEvaluatedKey.
  const asStored = !plan.filter && !plan.paths && !plan.fetchFromTable;
  let lastText: string | undefined;
  for (const row of rows) {
    scanned++;
    bytes += row[1];
    if (asStored) {
      matched++;
      if (!countOnly) items.push(rawJson<Item>(row[0]));
      lastText = row[0];
    } else {
      let item = decodeItem(row[0]);
      if (plan.fetchFromTable) {
        const full = d.engine.get(plan.meta, { pk: row[2]!, sk: row[3]! });
        if (full) item = full;
      }
      last = item;
      if (!plan.filter || evaluateCondition(plan.filter, item)) {
        matched++;
        if (!countOnly) items.push(plan.paths ? project(item, plan.paths) : item);
      }
    }
    if ((plan.limit !== undefined && scanned >= plan.limit) || bytes >= Limits.MAX_PAGE_BYTES) {
      stopped = true;
      break;
    }
  }
  const out: QueryOutput = { Count: matched, ScannedCount: scanned };
  if (!countOnly) out.Items = items;
  if (stopped && lastText !== undefined) last = decodeItem(lastText);
  if (stopped && last) out.LastEvaluatedKey = lastKey(plan.meta, plan.index, last);
  if (mode !== "NONE") {
    const meter = new CapacityMeter(mode);
    meter.read(plan.meta, readUnits(bytes, plan.consistent), plan.index, plan.tableName);
    out.ConsumedCapacity = meter.one(plan.meta, plan.tableName);
  }
  return out;
}

function lastKey(meta: TableMeta, index: IndexMeta | undefined, item: Item): Item {
  const out: Item = {};
  for (const n of keyNames(meta, index)) if (item[n]) out[n] = item[n]!;
  return out;
}

/** Validates an ExclusiveStartKey and encodes it for the table or index. */
/** A Query's ExclusiveStartKey must lie inside the key condition ("outside query boundaries" otherwise). */
function checkStartInRange(
  esk: Item,
  hashKey: string,
  rangeKey: string | undefined,
  kc: { partition: { value: AttributeValue }; sort?: { op: string; values: AttributeValue[] } },
): void {
  const out = () => validation("The provided starting key is outside query boundaries based on provided conditions");
  const h = esk[hashKey];
  if (h && typeOf(h) === typeOf(kc.partition.value) && !attributeValuesEqual(h, kc.partition.value)) throw out();
  const r = rangeKey ? esk[rangeKey] : undefined;
  if (!r || !kc.sort || typeOf(r) !== typeOf(kc.sort.values[0]!)) return;
  const [a, b] = kc.sort.values;
  const c = compareAttributeValues(r, a!);
  let inside: boolean;
  switch (kc.sort.op) {
    case "=": case "EQ": inside = c === 0; break;
    case "<": case "LT": inside = c < 0; break;
    case "<=": case "LE": inside = c <= 0; break;
    case ">": case "GT": inside = c > 0; break;
    case ">=": case "GE": inside = c >= 0; break;
    case "BETWEEN": inside = c >= 0 && compareAttributeValues(r, b!) <= 0; break;
    default: {
      // begins_with
      const v = r.S !== undefined ? Buffer.from(r.S) : Buffer.from(r.B ?? []);
      const p = a!.S !== undefined ? Buffer.from(a!.S) : Buffer.from(a!.B ?? []);
      inside = v.subarray(0, p.length).equals(p);
    }
  }
  if (!inside) throw out();
}

function startKey(meta: TableMeta, index: IndexMeta | undefined, esk: Item): { pk: Buffer; sk: Buffer; ipk: Buffer; isk: Buffer } {
  const bad = () => validation("The provided starting key is invalid: The provided key element does not match the schema");
  const names = keyNames(meta, index);
  if (Object.keys(esk).length !== names.length || names.some((n) => !esk[n])) {
    if (!index) throw bad();
    throw validation("The provided starting key is invalid: The provided key element does not match the schema");
  }
  const tableKey: Item = { [meta.hashKey]: esk[meta.hashKey]! };
  if (meta.rangeKey) tableKey[meta.rangeKey] = esk[meta.rangeKey]!;
  let k: { pk: Buffer; sk: Buffer };
  try {
    k = keyFromKey(meta, tableKey);
  } catch (e) {
    throw e instanceof Error && e.message.startsWith("The provided key") ? bad() : e;
  }
  if (!index) return { ...k, ipk: k.pk, isk: k.sk };
  const ik = indexKeyOf(index, esk);
  if (!ik) throw bad();
  return { ...k, ...ik };
}
