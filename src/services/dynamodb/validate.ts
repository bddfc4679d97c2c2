/**
 * Rules the model cannot express: key schema checks for CreateTable/UpdateTable, key and index-key checks
 * for items. Messages are AWS's, including its oddities ("size limit of2048 bytes").
 */
import { constraintMessage, ServiceError } from "../../aws/errors.js";
import type { AttributeValue, CreateTableInput, KeySchema, Projection } from "../../aws/api/dynamodb.js";
import { Limits, Messages } from "./constants.js";
import type { IndexMeta, Item, KeyType, TableMeta } from "./store.js";
import { encodeKeyValue } from "./operations/deps.js";
import { raiseWarm } from "./operations/warm.js";

export const validation = (message: string) => new ServiceError("ValidationException", message, 400);
export const invalid = (detail: string) => validation(`${Messages.INVALID}: ${detail}`);
export const notFound = (message: string = Messages.NOT_FOUND) => new ServiceError("ResourceNotFoundException", message, 400);

const NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
const EMPTY: Buffer = Buffer.alloc(0);

/** Model constraints of a table (or index) name, as "Value 'x' at 'tableName' failed to satisfy constraint: ..." lines. */
export function nameViolations(value: string | undefined, field: string, min = 3, max = 255): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  if (!NAME_PATTERN.test(value)) out.push(`Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`);
  if (value.length < min) out.push(`Value '${value}' at '${field}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`);
  if (value.length > max) out.push(`Value '${value}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  return out;
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Throws AWS's constraint errors for tags: keys 1-128 and values 0-256 characters of the allowed set. */
export function checkTags(tags: { Key: string; Value: string }[], field = "tags"): void {
  const v: string[] = [];
  tags.forEach((t, i) => {
    const at = `${field}.${i + 1}.member`;
    const keyLength = [...t.Key].length;
    const valueLength = [...t.Value].length;
    if (keyLength < 1) v.push(`Value '${t.Key}' at '${at}.key' failed to satisfy constraint: Member must have length greater than or equal to 1`);
    if (keyLength > 128) v.push(`Value '${t.Key}' at '${at}.key' failed to satisfy constraint: Member must have length less than or equal to 128`);
    else if (keyLength && !TAG_KEY.test(t.Key)) v.push(`Value '${t.Key}' at '${at}.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+`);
    if (valueLength > 256) v.push(`Value '${t.Value}' at '${at}.value' failed to satisfy constraint: Member must have length less than or equal to 256`);
    else if (!TAG_VALUE.test(t.Value)) v.push(`Value '${t.Value}' at '${at}.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`);
  });
  if (v.length) throw validation(constraintMessage(v));
}

/** Throws the model-constraint ValidationException when a table name (or ARN) is malformed. */
export function checkTableName(name: string, field = "tableName"): void {
  // Most data-plane operations accept a table ARN too (up to 1024 characters); a name has 3 or more.
  if (name.startsWith("arn:")) return;
  const v = nameViolations(name, field, 3, 1024);
  if (v.length) throw validation(constraintMessage(v));
}

/** The table name from a TableName parameter that may be an ARN. */
export function tableNameOf(nameOrArn: string): string {
  if (!nameOrArn.startsWith("arn:")) return nameOrArn;
  const i = nameOrArn.indexOf(":table/");
  return i < 0 ? nameOrArn : nameOrArn.slice(i + 7).split("/")[0]!;
}

interface ParsedKeySchema {
  hashKey: string;
  rangeKey?: string;
}

function checkKeySchema(ks: KeySchema, defs: string[], path: string): ParsedKeySchema {
  const v: string[] = [];
  if (ks.length < 1) v.push(`Value '[]' at '${path}' failed to satisfy constraint: Member must have length greater than or equal to 1`);
  if (ks.length > 2) v.push(`Value '[${ks.map(keyElementString).join(", ")}]' at '${path}' failed to satisfy constraint: Member must have length less than or equal to 2`);
  ks.forEach((k, i) => {
    if (k.KeyType !== "HASH" && k.KeyType !== "RANGE") v.push(`Value '${k.KeyType}' at '${path}.${i + 1}.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]`);
  });
  if (v.length) throw validation(constraintMessage(v));
  const keys = ks.map((k) => k.AttributeName);
  if (keys.some((k) => !defs.includes(k)))
    throw invalid(`Some index key attributes are not defined in AttributeDefinitions. Keys: [${keys.join(", ")}], AttributeDefinitions: [${defs.join(", ")}]`);
  if (keys.length === 2 && keys[0] === keys[1]) throw validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
  if (ks[0]!.KeyType !== "HASH") throw validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  if (ks[1] && ks[1].KeyType !== "RANGE") throw validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  return { hashKey: keys[0]!, rangeKey: keys[1] };
}

const keyElementString = (k: { AttributeName: string; KeyType: string }) => `KeySchemaElement(attributeName=${k.AttributeName}, keyType=${k.KeyType})`;

/** Validates a projection; returns its type and non-key attributes. */
export function checkProjection(p: Projection, indexName: string): Pick<IndexMeta, "projectionType" | "nonKeyAttributes"> {
  const type = p.ProjectionType;
  if (type === undefined) throw invalid("Unknown ProjectionType: null");
  if (type !== "ALL" && type !== "KEYS_ONLY" && type !== "INCLUDE") throw invalid(`Unknown ProjectionType: ${type}`);
  if (p.NonKeyAttributes && type !== "INCLUDE") throw invalid(`ProjectionType is ${type}, but NonKeyAttributes is specified`);
  if (type === "INCLUDE" && !p.NonKeyAttributes?.length) throw invalid(`ProjectionType is INCLUDE, but NonKeyAttributes is not specified`);
  if (p.NonKeyAttributes && new Set(p.NonKeyAttributes).size !== p.NonKeyAttributes.length)
    throw invalid(`Duplicate attribute name in NonKeyAttributes for index: ${indexName}`);
  return { projectionType: type, nonKeyAttributes: p.NonKeyAttributes };
}

export interface ParsedCreateTable {
  hashKey: string;
  hashType: KeyType;
  rangeKey?: string;
  rangeType?: KeyType;
  gsis: Array<Omit<IndexMeta, "iid" | "status">>;
  lsis: Array<Omit<IndexMeta, "iid" | "status">>;
  billingMode: "PROVISIONED" | "PAY_PER_REQUEST";
  provisioned: { read: number; write: number };
}

/** Checks a CreateTable request in AWS's order; returns the parsed key schema and indexes. */
export function validateCreateTable(input: CreateTableInput): ParsedCreateTable {
  // The API model allows 1 character since TableName also takes an ARN, but AWS refuses names under 3
  // characters ("Naming rules": 3 to 255 characters).
  const v = nameViolations(input.TableName, "tableName", 3, 255);
  input.AttributeDefinitions.forEach((d, i) => {
    if (!["S", "N", "B"].includes(d.AttributeType))
      v.push(`Value '${d.AttributeType}' at 'attributeDefinitions.${i + 1}.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]`);
  });
  if (input.BillingMode !== undefined && input.BillingMode !== "PROVISIONED" && input.BillingMode !== "PAY_PER_REQUEST")
    v.push(`Value '${input.BillingMode}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]`);
  for (const [i, idx] of (input.GlobalSecondaryIndexes ?? []).entries()) v.push(...nameViolations(idx.IndexName, `globalSecondaryIndexes.${i + 1}.member.indexName`));
  for (const [i, idx] of (input.LocalSecondaryIndexes ?? []).entries()) v.push(...nameViolations(idx.IndexName, `localSecondaryIndexes.${i + 1}.member.indexName`));
  if (input.ProvisionedThroughput) {
    const pt = input.ProvisionedThroughput;
    if (pt.ReadCapacityUnits < 1) v.push(`Value '${pt.ReadCapacityUnits}' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1`);
    if (pt.WriteCapacityUnits < 1) v.push(`Value '${pt.WriteCapacityUnits}' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  }
  if (v.length) throw validation(constraintMessage(v));

  const billingMode = (input.BillingMode ?? "PROVISIONED") as ParsedCreateTable["billingMode"];
  if (billingMode === "PAY_PER_REQUEST") {
    if (input.ProvisionedThroughput) throw invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  } else if (!input.ProvisionedThroughput) {
    throw invalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
  }
  const defs = input.AttributeDefinitions.map((d) => d.AttributeName);
  const types = new Map(input.AttributeDefinitions.map((d) => [d.AttributeName, d.AttributeType as KeyType]));
  if (new Set(defs).size !== defs.length) throw invalid("Duplicate AttributeName in AttributeDefinitions");
  const table = checkKeySchema(input.KeySchema, defs, "keySchema");

  const names = new Set<string>();
  const used = new Set([table.hashKey, table.rangeKey].filter((k): k is string => !!k));
  const lsis: ParsedCreateTable["lsis"] = [];
  if (input.LocalSecondaryIndexes) {
    if (!input.LocalSecondaryIndexes.length) throw invalid("List of LocalSecondaryIndexes is empty");
    if (!table.rangeKey) throw invalid("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
    for (const idx of input.LocalSecondaryIndexes) {
      const ks = checkKeySchema(idx.KeySchema, defs, "keySchema");
      if (!ks.rangeKey) throw invalid(`Index KeySchema does not have a range key for index: ${idx.IndexName}`);
      if (ks.hashKey !== table.hashKey)
        throw invalid(`Index KeySchema does not have the same leading hash key as table KeySchema for index: ${idx.IndexName}. index hash key: ${ks.hashKey}, table hash key: ${table.hashKey}`);
      const proj = checkProjection(idx.Projection, idx.IndexName);
      if (names.has(idx.IndexName)) throw invalid(`Duplicate index name: ${idx.IndexName}`);
      names.add(idx.IndexName);
      used.add(ks.rangeKey);
      lsis.push({ name: idx.IndexName, kind: "LSI", hashKey: ks.hashKey, hashType: types.get(ks.hashKey)!, rangeKey: ks.rangeKey, rangeType: types.get(ks.rangeKey), ...proj });
    }
    if (lsis.length > Limits.MAX_LSI_PER_TABLE) throw invalid(`Number of LocalSecondaryIndexes exceeds per-table limit of ${Limits.MAX_LSI_PER_TABLE}`);
  }
  const gsis: ParsedCreateTable["gsis"] = [];
  if (input.GlobalSecondaryIndexes) {
    if (!input.GlobalSecondaryIndexes.length) throw invalid("List of GlobalSecondaryIndexes is empty");
    for (const idx of input.GlobalSecondaryIndexes) {
      gsis.push(checkGsi(idx, defs, types, billingMode));
      if (names.has(idx.IndexName)) throw invalid(`Duplicate index name: ${idx.IndexName}`);
      names.add(idx.IndexName);
      used.add(gsis[gsis.length - 1]!.hashKey);
      if (gsis[gsis.length - 1]!.rangeKey) used.add(gsis[gsis.length - 1]!.rangeKey!);
    }
    if (gsis.length > Limits.MAX_GSI_PER_TABLE) throw invalid(`GlobalSecondaryIndex count exceeds the per-table limit of ${Limits.MAX_GSI_PER_TABLE}`);
  }
  if (used.size !== defs.length) {
    if (!input.LocalSecondaryIndexes && !input.GlobalSecondaryIndexes)
      throw invalid("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
    throw invalid("Some AttributeDefinitions are not used. AttributeDefinitions: [" + defs.join(", ") + "], keys used: [" + [...used].join(", ") + "]");
  }
  const pt = input.ProvisionedThroughput;
  return {
    hashKey: table.hashKey,
    hashType: types.get(table.hashKey)!,
    rangeKey: table.rangeKey,
    rangeType: table.rangeKey ? types.get(table.rangeKey) : undefined,
    gsis,
    lsis,
    billingMode,
    provisioned: { read: pt?.ReadCapacityUnits ?? 0, write: pt?.WriteCapacityUnits ?? 0 },
  };
}

type GsiInput = NonNullable<CreateTableInput["GlobalSecondaryIndexes"]>[number];

/** Validates one GSI definition (CreateTable, or UpdateTable's Create action). */
export function checkGsi(idx: GsiInput, defs: string[], types: Map<string, KeyType>, billingMode: string): Omit<IndexMeta, "iid" | "status"> {
  const ks = checkKeySchema(idx.KeySchema, defs, "keySchema");
  const proj = checkProjection(idx.Projection, idx.IndexName);
  if (billingMode === "PAY_PER_REQUEST" && idx.ProvisionedThroughput)
    throw invalid(`ProvisionedThroughput should not be specified for index: ${idx.IndexName} when BillingMode is PAY_PER_REQUEST`);
  if (billingMode === "PROVISIONED" && !idx.ProvisionedThroughput)
    throw invalid(`ProvisionedThroughput must be specified for index: ${idx.IndexName}`);
  return {
    name: idx.IndexName,
    kind: "GSI",
    hashKey: ks.hashKey,
    hashType: types.get(ks.hashKey)!,
    rangeKey: ks.rangeKey,
    rangeType: ks.rangeKey ? types.get(ks.rangeKey) : undefined,
    ...proj,
    provisioned: idx.ProvisionedThroughput ? { read: idx.ProvisionedThroughput.ReadCapacityUnits, write: idx.ProvisionedThroughput.WriteCapacityUnits } : undefined,
    onDemand: idx.OnDemandThroughput,
    warm: raiseWarm(undefined, idx.WarmThroughput),
  };
}

/** The one type set on an AttributeValue ("S", "N", ...), or undefined. */
export function typeOf(v: AttributeValue): string | undefined {
  for (const k in v) if ((v as Record<string, unknown>)[k] !== undefined) return k;
  return undefined;
}

function keyBytes(v: AttributeValue, type: KeyType): number {
  if (type === "S") return Buffer.byteLength(v.S!, "utf8");
  if (type === "B") return v.B!.length;
  return 0; // 38 digits always fit
}

/** Encoded table key of a Key parameter (GetItem, DeleteItem, UpdateItem, ...). */
export function keyFromKey(meta: TableMeta, key: Item): { pk: Buffer; sk: Buffer } {
  let n = 0;
  for (const k in key) if (key[k] !== undefined) n++;
  const h = key[meta.hashKey];
  const r = meta.rangeKey ? key[meta.rangeKey] : undefined;
  if (n !== (meta.rangeKey ? 2 : 1) || !h || (meta.rangeKey && !r)) throw validation(Messages.KEY_SCHEMA_MISMATCH);
  if (typeOf(h) !== meta.hashType || (r && typeOf(r) !== meta.rangeType)) throw validation(Messages.KEY_SCHEMA_MISMATCH);
  checkKeyValue(h, meta.hashKey, meta.hashType, true);
  if (r) checkKeyValue(r, meta.rangeKey!, meta.rangeType!, false);
  return { pk: encodeKeyValue(h), sk: r ? encodeKeyValue(r) : EMPTY };
}

function checkKeyValue(v: AttributeValue, name: string, type: KeyType, hash: boolean): void {
  if ((type === "S" && v.S === "") || (type === "B" && v.B!.length === 0))
    throw validation(`One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${type === "S" ? "string" : "binary"} value. Key: ${name}`);
  const size = keyBytes(v, type);
  if (hash && size > Limits.MAX_HASH_KEY_BYTES) throw invalid(`Size of hashkey has exceeded the maximum size limit of${Limits.MAX_HASH_KEY_BYTES} bytes`);
  if (!hash && size > Limits.MAX_RANGE_KEY_BYTES) throw invalid(`Aggregated size of all range keys has exceeded the size limit of ${Limits.MAX_RANGE_KEY_BYTES} bytes`);
}

/**
 * Encoded table key of a full item (PutItem, BatchWriteItem, results of UpdateItem), after checking the
 * table and index key attributes. `strict` (BatchWriteItem) reports a missing or mistyped key as a schema mismatch.
 */
export function keyFromItem(meta: TableMeta, item: Item, strict = false): { pk: Buffer; sk: Buffer } {
  const h = item[meta.hashKey];
  const r = meta.rangeKey ? item[meta.rangeKey] : undefined;
  for (const [name, type, v] of [[meta.hashKey, meta.hashType, h], [meta.rangeKey, meta.rangeType, r]] as const) {
    if (!name) continue;
    if (!v) throw strict ? validation(Messages.KEY_SCHEMA_MISMATCH) : invalid(`Missing the key ${name} in the item`);
    const t = typeOf(v);
    if (t !== type) throw strict ? validation(Messages.KEY_SCHEMA_MISMATCH) : invalid(`Type mismatch for key ${name} expected: ${type} actual: ${t}`);
  }
  checkKeyValue(h!, meta.hashKey, meta.hashType, true);
  if (r) checkKeyValue(r, meta.rangeKey!, meta.rangeType!, false);
  checkIndexKeys(meta, item);
  return { pk: encodeKeyValue(h!), sk: r ? encodeKeyValue(r) : EMPTY };
}

/** Index key attributes present in an item must have the index's type and not be empty. */
export function checkIndexKeys(meta: TableMeta, item: Item): void {
  if (!meta.gsis.length && !meta.lsis.length) return;
  for (const idx of meta.gsis.concat(meta.lsis)) {
    for (const [name, type] of [[idx.hashKey, idx.hashType], [idx.rangeKey, idx.rangeType]] as const) {
      if (!name) continue;
      const v = item[name];
      if (!v) continue;
      const t = typeOf(v);
      if (t !== type) throw invalid(`Type mismatch for Index Key ${name} Expected: ${type} Actual: ${t} IndexName: ${idx.name}`);
      if ((type === "S" && v.S === "") || (type === "B" && v.B!.length === 0))
        throw validation(
          `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${type === "S" ? "string" : "binary"} value. IndexName: ${idx.name}, IndexKey: ${name}`,
        );
      const size = keyBytes(v, type!);
      if (name === idx.hashKey && size > Limits.MAX_HASH_KEY_BYTES) throw invalid(`Size of hashkey has exceeded the maximum size limit of${Limits.MAX_HASH_KEY_BYTES} bytes`);
      if (name !== idx.hashKey && size > Limits.MAX_RANGE_KEY_BYTES) throw invalid(`Aggregated size of all range keys has exceeded the size limit of ${Limits.MAX_RANGE_KEY_BYTES} bytes`);
    }
  }
}

function usableKey(v: AttributeValue, type: KeyType, limit: number): boolean {
  if (type === "N") return true;
  const size = keyBytes(v, type);
  return size > 0 && size <= limit;
}

/** The index key of an item, or undefined when the item is not in the (sparse) index. */
export function indexKeyOf(idx: IndexMeta, item: Item): { ipk: Buffer; isk: Buffer } | undefined {
  const h = item[idx.hashKey];
  // Items written before the index existed may hold values an index key cannot (empty, too long):
  // backfill leaves them out, as AWS does.
  if (!h || typeOf(h) !== idx.hashType || !usableKey(h, idx.hashType, Limits.MAX_HASH_KEY_BYTES)) return undefined;
  let isk: Buffer = EMPTY;
  if (idx.rangeKey) {
    const r = item[idx.rangeKey];
    if (!r || typeOf(r) !== idx.rangeType || !usableKey(r, idx.rangeType!, Limits.MAX_RANGE_KEY_BYTES)) return undefined;
    isk = encodeKeyValue(r);
  }
  return { ipk: encodeKeyValue(h), isk };
}

/** The attributes of an item an index holds (its projection). */
export function projectForIndex(meta: TableMeta, idx: IndexMeta, item: Item): Item {
  if (idx.projectionType === "ALL") return item;
  const out: Item = {};
  const keep = (n: string | undefined) => {
    if (n && item[n] !== undefined) out[n] = item[n]!;
  };
  keep(meta.hashKey);
  keep(meta.rangeKey);
  keep(idx.hashKey);
  keep(idx.rangeKey);
  if (idx.nonKeyAttributes) for (const n of idx.nonKeyAttributes) keep(n);
  return out;
}

/** Names of the key attributes of the table and of an index (for projections and LastEvaluatedKey). */
export function keyNames(meta: TableMeta, idx?: IndexMeta): string[] {
  const out = [meta.hashKey];
  if (meta.rangeKey) out.push(meta.rangeKey);
  if (idx) {
    if (!out.includes(idx.hashKey)) out.push(idx.hashKey);
    if (idx.rangeKey && !out.includes(idx.rangeKey)) out.push(idx.rangeKey);
  }
  return out;
}
