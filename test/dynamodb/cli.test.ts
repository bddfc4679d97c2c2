/** A key flow through the real aws CLI (v1): create, put, query (paginated), update, transact, PartiQL, delete. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { cliEnv, startServer, uniqueName, type TestServer } from "../helpers/skyport.js";

const run = promisify(execFile);
let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

const aws = async (...args: string[]) => {
  const { stdout } = await run("aws", ["dynamodb", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  return stdout.trim() ? JSON.parse(stdout) : {};
};

const awsError = async (...args: string[]) => {
  try {
    await run("aws", ["dynamodb", ...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv() });
  } catch (e) {
    return (e as { stderr: string }).stderr;
  }
  assert.fail("the command succeeded");
};

test("CreateTable: the aws CLI flow from create-table to delete-table", async () => {
  const t = uniqueName("cli");
  await aws("create-table", "--table-name", t, "--attribute-definitions", "AttributeName=pk,AttributeType=S", "AttributeName=sk,AttributeType=N",
    "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE", "--billing-mode", "PAY_PER_REQUEST");
  await run("aws", ["dynamodb", "wait", "table-exists", "--table-name", t, "--endpoint-url", server.endpoint], { env: cliEnv() });
  for (const n of ["3", "1", "2", "-1", "10"]) await aws("put-item", "--table-name", t, "--item", JSON.stringify({ pk: { S: "a" }, sk: { N: n }, v: { S: `v${n}` } }));
  const q = await aws("query", "--table-name", t, "--key-condition-expression", "pk = :p", "--expression-attribute-values", '{":p":{"S":"a"}}', "--page-size", "2");
  assert.deepEqual(q.Items.map((i: { sk: { N: string } }) => i.sk.N), ["-1", "1", "2", "3", "10"]);
  assert.equal(q.Count, 5);
  const u = await aws("update-item", "--table-name", t, "--key", '{"pk":{"S":"a"},"sk":{"N":"1"}}', "--update-expression", "SET v = :v", "--expression-attribute-values", '{":v":{"S":"new"}}', "--return-values", "ALL_NEW");
  assert.equal(u.Attributes.v.S, "new");
  const stderr = await awsError("put-item", "--table-name", t, "--item", '{"pk":{"S":"a"},"sk":{"N":"1"}}', "--condition-expression", "attribute_not_exists(pk)");
  assert.match(stderr, /ConditionalCheckFailedException/);
  const txErr = await awsError("transact-write-items", "--transact-items", JSON.stringify([
    { Put: { TableName: t, Item: { pk: { S: "z" }, sk: { N: "1" } } } },
    { ConditionCheck: { TableName: t, Key: { pk: { S: "a" }, sk: { N: "1" } }, ConditionExpression: "attribute_not_exists(pk)" } },
  ]));
  assert.match(txErr, /TransactionCanceledException.*\[None, ConditionalCheckFailed\]/);
  const s = await aws("execute-statement", "--statement", `SELECT * FROM "${t}" WHERE pk = 'a' AND sk >= 2`);
  assert.equal(s.Items.length, 3);
  const missing = await awsError("get-item", "--table-name", t, "--key", '{"pk":{"S":"a"}}');
  assert.match(missing, /ValidationException.*The provided key element does not match the schema/);
  await aws("delete-table", "--table-name", t);
  assert.match(await awsError("describe-table", "--table-name", t), /ResourceNotFoundException/);
});
