import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BatchExecuteStatementCommand, ExecuteStatementCommand, ExecuteTransactionCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { ExecuteStatementCommand as DocExecute } from "@aws-sdk/lib-dynamodb";
import { startServer, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let doc: ReturnType<typeof clients>["doc"];
let table: string;
before(async () => {
  server = await startServer();
  ({ ddb, doc } = clients(server));
  table = await createTable(ddb, { sk: "N" });
});
after(() => server.stop());

test("ExecuteStatement: INSERT, SELECT with WHERE and parameters, UPDATE, DELETE", async () => {
  for (let i = 1; i <= 5; i++) await ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${table}" VALUE {'pk': 'a', 'sk': ${i}, 'v': 'x${i}', 'tags': <<'t1','t2'>>}` }));
  const all = await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'a'` }));
  assert.equal(all.Items!.length, 5);
  assert.deepEqual(all.Items![0]!.tags, { SS: ["t1", "t2"] });
  const some = await doc.send(new DocExecute({ Statement: `SELECT sk, v FROM "${table}" WHERE pk = ? AND sk >= ?`, Parameters: ["a", 4] }));
  assert.deepEqual(some.Items, [{ sk: 4, v: "x4" }, { sk: 5, v: "x5" }]);
  await ddb.send(new ExecuteStatementCommand({ Statement: `UPDATE "${table}" SET v = 'changed' SET n = 1 WHERE pk = 'a' AND sk = 1` }));
  const one = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "a" }, sk: { N: "1" } } }));
  assert.equal(one.Item!.v!.S, "changed");
  assert.equal(one.Item!.n!.N, "1");
  await ddb.send(new ExecuteStatementCommand({ Statement: `UPDATE "${table}" SET tags = set_add(tags, <<'t3'>>) SET n = n + 2 REMOVE v WHERE pk = 'a' AND sk = 1` }));
  const two = await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "a" }, sk: { N: "1" } } }));
  assert.deepEqual(two.Item!.tags, { SS: ["t1", "t2", "t3"] });
  assert.equal(two.Item!.n!.N, "3");
  assert.equal(two.Item!.v, undefined);
  await ddb.send(new ExecuteStatementCommand({ Statement: `DELETE FROM "${table}" WHERE pk = 'a' AND sk = 2` }));
  const left = await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'a'` }));
  assert.equal(left.Items!.length, 4);
});

test("ExecuteStatement: duplicate INSERT, UPDATE of a missing item, Limit with NextToken", async () => {
  await ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${table}" VALUE {'pk': 'dup', 'sk': 1}` }));
  await rejects(ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${table}" VALUE {'pk': 'dup', 'sk': 1}` })), "DuplicateItemException", "Duplicate primary key exists in table");
  await rejects(ddb.send(new ExecuteStatementCommand({ Statement: `UPDATE "${table}" SET v = 1 WHERE pk = 'nobody' AND sk = 1` })), "ConditionalCheckFailedException");
  for (let i = 1; i <= 3; i++) await ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${table}" VALUE {'pk': 'page', 'sk': ${i}}` }));
  const p1 = await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'page'`, Limit: 2 }));
  assert.equal(p1.Items!.length, 2);
  assert.ok(p1.NextToken);
  const p2 = await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'page'`, Limit: 2, NextToken: p1.NextToken }));
  assert.deepEqual(p2.Items!.map((i) => i.sk!.N), ["3"]);
});

test("BatchExecuteStatement: per-statement results and errors", async () => {
  const r = await ddb.send(
    new BatchExecuteStatementCommand({
      Statements: [
        { Statement: `INSERT INTO "${table}" VALUE {'pk': 'b', 'sk': 1}` },
        { Statement: `INSERT INTO "${table}" VALUE {'pk': 'b', 'sk': 1}` },
      ],
    }),
  );
  assert.equal(r.Responses![0]!.Error, undefined);
  assert.equal(r.Responses![1]!.Error!.Code, "DuplicateItem");
  const g = await ddb.send(new BatchExecuteStatementCommand({ Statements: [{ Statement: `SELECT * FROM "${table}" WHERE pk = 'b' AND sk = 1` }] }));
  assert.deepEqual(g.Responses![0]!.Item, { pk: { S: "b" }, sk: { N: "1" } });
});

test("ExecuteTransaction: all-or-nothing writes", async () => {
  await rejects(
    ddb.send(
      new ExecuteTransactionCommand({
        TransactStatements: [
          { Statement: `INSERT INTO "${table}" VALUE {'pk': 'tx', 'sk': 1}` },
          { Statement: `UPDATE "${table}" SET v = 1 WHERE pk = 'tx-missing' AND sk = 1` },
        ],
      }),
    ),
    "TransactionCanceledException",
    "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
  );
  assert.equal((await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "tx" }, sk: { N: "1" } } }))).Item, undefined);
  await ddb.send(new ExecuteTransactionCommand({ TransactStatements: [{ Statement: `INSERT INTO "${table}" VALUE {'pk': 'tx', 'sk': 1}` }, { Statement: `INSERT INTO "${table}" VALUE {'pk': 'tx', 'sk': 2}` }] }));
  const r = await ddb.send(new ExecuteTransactionCommand({ TransactStatements: [{ Statement: `SELECT * FROM "${table}" WHERE pk = 'tx' AND sk = 2` }] }));
  assert.deepEqual(r.Responses, [{ Item: { pk: { S: "tx" }, sk: { N: "2" } } }]);
});

test("ExecuteStatement: ORDER BY the sort key within a partition, both directions, across pages", async () => {
  for (const n of [1, 2, 3]) await ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${table}" VALUE {'pk': 'ord', 'sk': ${n}}` }));
  const sks = (r: { Items?: Array<Record<string, { N?: string }>> }) => r.Items!.map((i) => i.sk!.N);
  assert.deepEqual(sks(await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'ord' ORDER BY sk DESC` }))), ["3", "2", "1"]);
  assert.deepEqual(sks(await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'ord' ORDER BY sk ASC` }))), ["1", "2", "3"]);
  assert.deepEqual(sks(await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'ord' ORDER BY pk, sk DESC` }))), ["3", "2", "1"]);
  const p1 = await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'ord' ORDER BY sk DESC`, Limit: 2 }));
  assert.deepEqual(sks(p1), ["3", "2"]);
  const p2 = await ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'ord' ORDER BY sk DESC`, Limit: 2, NextToken: p1.NextToken }));
  assert.deepEqual(sks(p2), ["1"]);
  // ORDER BY where a statement cannot take it is a leftover token (AWS's wording, observed).
  const leftover = "Statement wasn't well formed, can't be processed: Unexpected token after expression";
  await rejects(ddb.send(new ExecuteStatementCommand({ Statement: `DELETE FROM "${table}" WHERE pk = 'ord' AND sk = 1 ORDER BY pk` })), "ValidationException", leftover);
  await rejects(ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'ord' foo` })), "ValidationException", leftover);
  await rejects(ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" WHERE pk = 'ord' ORDER BY v` })), "ValidationException");
  await rejects(ddb.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${table}" ORDER BY sk` })), "ValidationException");
  assert.equal((await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "ord" }, sk: { N: "1" } } }))).Item?.sk?.N, "1");
});

test("ExecuteTransaction: EXISTS is a condition check on one item", async () => {
  await ddb.send(new ExecuteStatementCommand({ Statement: `INSERT INTO "${table}" VALUE {'pk': 'ex', 'sk': 1, 'state': 'open'}` }));
  await ddb.send(
    new ExecuteTransactionCommand({
      TransactStatements: [
        { Statement: `EXISTS(SELECT * FROM "${table}" WHERE pk = 'ex' AND sk = 1 AND state = 'open')` },
        { Statement: `INSERT INTO "${table}" VALUE {'pk': 'ex', 'sk': 2}` },
      ],
    }),
  );
  assert.ok((await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "ex" }, sk: { N: "2" } } }))).Item);
  const err = (await rejects(
    ddb.send(
      new ExecuteTransactionCommand({
        TransactStatements: [
          { Statement: `EXISTS(SELECT * FROM "${table}" WHERE pk = 'ex' AND sk = 1 AND state = 'closed')` },
          { Statement: `INSERT INTO "${table}" VALUE {'pk': 'ex', 'sk': 3}` },
        ],
      }),
    ),
    "TransactionCanceledException",
    "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",
  )) as { CancellationReasons?: Array<{ Code?: string }> };
  assert.deepEqual(err.CancellationReasons!.map((r) => r.Code), ["ConditionalCheckFailed", "None"]);
  assert.equal((await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "ex" }, sk: { N: "3" } } }))).Item, undefined);
  // A missing item fails the check too; outside a transaction EXISTS is refused.
  await rejects(
    ddb.send(new ExecuteTransactionCommand({ TransactStatements: [{ Statement: `EXISTS(SELECT * FROM "${table}" WHERE pk = 'none' AND sk = 1)` }] })),
    "TransactionCanceledException",
  );
  await rejects(ddb.send(new ExecuteStatementCommand({ Statement: `EXISTS(SELECT * FROM "${table}" WHERE pk = 'ex' AND sk = 1)` })), "ValidationException");
});
