/** Shared set-up for the DynamoDB tests: one server per file, SDK clients, a table factory. */
import assert from "node:assert/strict";
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { uniqueName, type TestServer } from "../helpers/skyport.js";

export function clients(server: TestServer) {
  const ddb = new DynamoDBClient(server.clientConfig);
  const doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
  return { ddb, doc };
}

/** Creates a PAY_PER_REQUEST table with a string hash key `pk` (and a sort key when given). */
export async function createTable(ddb: DynamoDBClient, opts: Partial<CreateTableCommandInput> & { sk?: "S" | "N" | "B" } = {}): Promise<string> {
  const name = opts.TableName ?? uniqueName("t");
  const { sk, ...rest } = opts;
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, ...(sk ? [{ AttributeName: "sk", AttributeType: sk }] : [])],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, ...(sk ? [{ AttributeName: "sk", KeyType: "RANGE" as const }] : [])],
      BillingMode: "PAY_PER_REQUEST",
      ...rest,
    }),
  );
  return name;
}

/** Asserts that a promise rejects with an AWS error of this name and (exact) message. */
export async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & Record<string, unknown>;
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}
