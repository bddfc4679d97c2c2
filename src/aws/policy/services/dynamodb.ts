/**
 * DynamoDB and DynamoDB Streams ("Actions, resources, and condition keys for Amazon DynamoDB"): actions are
 * `dynamodb:<Operation>` (Streams too), resources table / index / stream / backup / export / import /
 * global-table ARNs. Exceptions: TransactGetItems and TransactWriteItems are authorised per item
 * (dynamodb:GetItem, PutItem, UpdateItem, DeleteItem, ConditionCheckItem on each table); PartiQL
 * statements as dynamodb:PartiQLSelect/Insert/Update/Delete on their table (or index).
 * Condition keys: dynamodb:LeadingKeys (item operations and Query, when the authorizer tells the table's
 * partition key),
 * dynamodb:Select, dynamodb:ReturnValues, dynamodb:ReturnConsumedCapacity, dynamodb:Attributes from
 * AttributesToGet.
 */
import { bounded, str, type AuthorizationCheck, type Input, type Mapper, type MapperEnv } from "./common.js";

const table = (env: MapperEnv, name: string) => (name.startsWith("arn:") ? name : `arn:aws:dynamodb:${env.region}:${env.accountId}:table/${name}`);

/** Any Global*, list and account-level operations take no resource. */
const ACCOUNT_LEVEL = new Set(["ListTables", "ListBackups", "ListGlobalTables", "ListExports", "ListImports", "ListContributorInsights", "DescribeLimits", "DescribeEndpoints", "ListStreams"]);

const TRANSACT_WRITE_ACTIONS: Record<string, string> = { Put: "dynamodb:PutItem", Update: "dynamodb:UpdateItem", Delete: "dynamodb:DeleteItem", ConditionCheck: "dynamodb:ConditionCheckItem" };

export const mapDynamoDb: Mapper = (op, input, env) => {
  if (ACCOUNT_LEVEL.has(op)) return { resources: ["*"] };
  addItemContext(op, input, env);
  const tableName = str(input.TableName) ?? str(input.TableArn);
  switch (op) {
    case "Query":
    case "Scan": {
      const t = table(env, tableName ?? "");
      const index = str(input.IndexName);
      return { resources: [index ? `${t}/index/${index}` : t] };
    }
    case "BatchGetItem":
    case "BatchWriteItem":
      return { resources: bounded(Object.keys((input.RequestItems as Input | undefined) ?? {})).map((t) => table(env, t)) };
    case "TransactGetItems":
      return transact(env, (input.TransactItems as Input[] | undefined) ?? [], () => "dynamodb:GetItem");
    case "TransactWriteItems":
      return transact(env, (input.TransactItems as Input[] | undefined) ?? [], (kind) => TRANSACT_WRITE_ACTIONS[kind]);
    case "ExecuteStatement":
      return partiql(env, [str(input.Statement) ?? ""]);
    case "BatchExecuteStatement":
    case "ExecuteTransaction": {
      const list = ((op === "ExecuteTransaction" ? input.TransactStatements : input.Statements) as Input[] | undefined) ?? [];
      return partiql(env, bounded(list).map((s) => str(s.Statement) ?? ""));
    }
    case "DescribeStream":
    case "GetRecords":
    case "GetShardIterator":
      return { resources: [str(input.StreamArn) ?? "*"] };
    case "DescribeBackup":
    case "DeleteBackup":
    case "RestoreTableFromBackup":
      return { resources: [str(input.BackupArn) ?? "*"] };
    case "RestoreTableToPointInTime":
      return { resources: [str(input.SourceTableArn) ?? table(env, str(input.SourceTableName) ?? "")] };
    case "DescribeExport":
      return { resources: [str(input.ExportArn) ?? "*"] };
    case "DescribeImport":
      return { resources: [str(input.ImportArn) ?? "*"] };
    case "ImportTable":
      return { resources: [table(env, str((input.TableCreationParameters as Input | undefined)?.TableName) ?? "")] };
    case "ListTagsOfResource":
    case "TagResource":
    case "UntagResource":
    case "GetResourcePolicy":
    case "PutResourcePolicy":
    case "DeleteResourcePolicy":
      return { resources: [str(input.ResourceArn) ?? "*"] };
    case "CreateGlobalTable":
    case "DescribeGlobalTable":
    case "DescribeGlobalTableSettings":
    case "UpdateGlobalTable":
    case "UpdateGlobalTableSettings":
      return { resources: [`arn:aws:dynamodb::${env.accountId}:global-table/${str(input.GlobalTableName) ?? ""}`] };
  }
  return { resources: [table(env, tableName ?? "")] };
};

function transact(env: MapperEnv, items: Input[], actionOf: (kind: string) => string | undefined) {
  const byAction = new Map<string, Set<string>>();
  for (const item of bounded(items)) {
    for (const [kind, body] of Object.entries(item)) {
      const action = actionOf(kind);
      const name = str((body as Input | undefined)?.TableName);
      if (!action || !name) continue;
      let set = byAction.get(action);
      if (!set) byAction.set(action, (set = new Set()));
      set.add(table(env, name));
    }
  }
  const checks: AuthorizationCheck[] = [...byAction].map(([action, set]) => ({ action, resources: [...set] }));
  const [first, ...extra] = checks;
  return first ? { action: first.action, resources: first.resources, extra } : { action: "dynamodb:GetItem", resources: [] };
}

const PARTIQL_ACTIONS: Record<string, string> = { SELECT: "dynamodb:PartiQLSelect", INSERT: "dynamodb:PartiQLInsert", UPDATE: "dynamodb:PartiQLUpdate", DELETE: "dynamodb:PartiQLDelete" };

function partiql(env: MapperEnv, statements: string[]) {
  const checks = new Map<string, Set<string>>();
  for (const s of statements) {
    const target = partiqlTarget(s.slice(0, 4096));
    if (!target) continue;
    let set = checks.get(target.action);
    if (!set) checks.set(target.action, (set = new Set()));
    set.add(target.index ? `${table(env, target.table)}/index/${target.index}` : table(env, target.table));
  }
  const list = [...checks].map(([action, set]) => ({ action, resources: [...set] }));
  const [first, ...extra] = list;
  return first ? { action: first.action, resources: first.resources, extra } : { action: "dynamodb:PartiQLSelect", resources: [] };
}

/**
 * The verb and table of a PartiQL statement, read with a small tokenizer: `SELECT … FROM "T"."I"`,
 * `INSERT INTO "T"`, `UPDATE "T"`, `DELETE FROM "T"`. Quoted names keep their case; bare names end at a
 * character outside [A-Za-z0-9_-] (a dot separates the index).
 */
export function partiqlTarget(statement: string): { action: string; table: string; index?: string } | undefined {
  const s = statement.trimStart();
  const verb = /^[A-Za-z]+/.exec(s)?.[0]?.toUpperCase() ?? "";
  const action = PARTIQL_ACTIONS[verb];
  if (!action) return undefined;
  let rest = s.slice(verb.length);
  const upper = rest.toUpperCase();
  if (verb === "SELECT" || verb === "DELETE") {
    const at = findKeyword(upper, "FROM");
    if (at < 0) return undefined;
    rest = rest.slice(at + 4);
  } else if (verb === "INSERT") {
    const at = findKeyword(upper, "INTO");
    if (at < 0) return undefined;
    rest = rest.slice(at + 4);
  }
  const first = readName(rest.trimStart());
  if (!first) return undefined;
  if (first.rest.startsWith(".")) {
    const second = readName(first.rest.slice(1));
    if (second) return { action, table: first.name, index: second.name };
  }
  return { action, table: first.name };
}

/** Index of a keyword standing alone (outside quotes is not checked: names rarely spell FROM/INTO). */
function findKeyword(upper: string, word: string): number {
  let from = 0;
  for (;;) {
    const at = upper.indexOf(word, from);
    if (at < 0) return -1;
    const before = at === 0 ? " " : upper[at - 1]!;
    const after = upper[at + word.length] ?? " ";
    if (/\s/.test(before) && /[\s"]/.test(after)) return at;
    from = at + word.length;
  }
}

function readName(s: string): { name: string; rest: string } | undefined {
  if (s.startsWith('"')) {
    const end = s.indexOf('"', 1);
    return end > 1 ? { name: s.slice(1, end), rest: s.slice(end + 1) } : undefined;
  }
  const m = /^[A-Za-z0-9_-]+/.exec(s);
  return m ? { name: m[0], rest: s.slice(m[0].length) } : undefined;
}

function addItemContext(op: string, input: Input, env: MapperEnv): void {
  const ctx = env.context;
  if (typeof input.Select === "string") ctx["dynamodb:select"] = input.Select;
  if (typeof input.ReturnValues === "string") ctx["dynamodb:returnvalues"] = input.ReturnValues;
  if (typeof input.ReturnConsumedCapacity === "string") ctx["dynamodb:returnconsumedcapacity"] = input.ReturnConsumedCapacity;
  if (Array.isArray(input.AttributesToGet)) ctx["dynamodb:attributes"] = bounded(input.AttributesToGet.filter((a): a is string => typeof a === "string"));
  if (!env.partitionKeyOf) return;
  const name = str(input.TableName);
  const pk = name ? env.partitionKeyOf(name) : undefined;
  if (!pk) return;
  let value: unknown;
  if (op === "GetItem" || op === "UpdateItem" || op === "DeleteItem") value = (input.Key as Input | undefined)?.[pk];
  else if (op === "PutItem") value = (input.Item as Input | undefined)?.[pk];
  else if (op === "Query") value = queryPartitionValue(input, pk);
  const scalar = value && typeof value === "object" ? ((value as Input).S ?? (value as Input).N ?? (value as Input).B) : undefined;
  if (typeof scalar === "string") ctx["dynamodb:leadingkeys"] = [scalar];
  else if (scalar instanceof Uint8Array) ctx["dynamodb:leadingkeys"] = [Buffer.from(scalar).toString("base64")];
}

/**
 * The partition key value a Query asks for: the `pk = :v` clause of its KeyConditionExpression (names through
 * ExpressionAttributeNames), or the legacy KeyConditions EQ. The expression is bounded (DynamoDB caps it at
 * 4 KB) and split on AND — a key condition has at most two clauses.
 */
function queryPartitionValue(input: Input, pk: string): unknown {
  const legacy = (input.KeyConditions as Input | undefined)?.[pk] as Input | undefined;
  if (legacy) return legacy.ComparisonOperator === "EQ" ? (legacy.AttributeValueList as unknown[] | undefined)?.[0] : undefined;
  const expr = str(input.KeyConditionExpression);
  if (!expr || expr.length > 4096) return undefined;
  const names = (input.ExpressionAttributeNames as Record<string, string> | undefined) ?? {};
  const values = (input.ExpressionAttributeValues as Input | undefined) ?? {};
  for (const clause of expr.split(/\s+and\s+/i)) {
    const eq = clause.indexOf("=");
    if (eq < 0 || clause[eq - 1] === "<" || clause[eq - 1] === ">") continue;
    const left = clause.slice(0, eq).replace(/[()\s]/g, "");
    const right = clause.slice(eq + 1).replace(/[()\s]/g, "");
    const [attr, placeholder] = left.startsWith(":") ? [right, left] : [left, right];
    if ((names[attr] ?? attr) === pk && placeholder.startsWith(":")) return values[placeholder];
  }
  return undefined;
}
