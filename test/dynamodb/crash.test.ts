/**
 * Durability: concurrent writers (PutItem and 2-item TransactWriteItems) against a server started from
 * source, kill -9 mid-load, restart on the same data dir — every acknowledged write is there and no
 * transaction is half-applied.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { freePort, start } from "../helpers/process-server.js";



test("PutItem/TransactWriteItems: acknowledged writes survive kill -9; no partial transaction", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-ddb-crash-"));
  const port = await freePort();
  let child = await start(port, dir);
  // A request that hangs (it should not) fails after 20 s instead of holding the test until its timeout.
  const client = () => new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1, requestHandler: { requestTimeout: 20_000, connectionTimeout: 5_000 } });
  const ddb = client();
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: "crash",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "w", AttributeType: "N" },
        ],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
        // Every item is in this index: after the crash it must hold exactly the table's items.
        GlobalSecondaryIndexes: [{ IndexName: "byWriter", KeySchema: [{ AttributeName: "w", KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY" } }],
      }),
    );
    const acked: string[] = [];
    const txAcked: number[] = [];
    let stop = false;
    const writer = async (w: number) => {
      const c = client();
      for (let i = 0; !stop; i++) {
        try {
          if (i % 3 === 0) {
            await c.send(
              new TransactWriteItemsCommand({
                TransactItems: [
                  { Put: { TableName: "crash", Item: { pk: { S: `tx-${w}-${i}-a` }, w: { N: String(w) }, pair: { N: String(i) } } } },
                  { Put: { TableName: "crash", Item: { pk: { S: `tx-${w}-${i}-b` }, w: { N: String(w) }, pair: { N: String(i) } } } },
                ],
              }),
            );
            txAcked.push(w * 1e6 + i);
          } else {
            await c.send(new PutItemCommand({ TableName: "crash", Item: { pk: { S: `p-${w}-${i}` }, w: { N: String(w) }, v: { N: String(i) } } }));
            acked.push(`p-${w}-${i}`);
          }
        } catch {
          return; // the server died under this request: its outcome is unknown, so it is not counted
        }
      }
    };
    let finished = 0;
    const writers = Array.from({ length: 8 }, (_, w) => writer(w).finally(() => finished++));
    // Let the writers get going, then kill the server without warning.
    while (acked.length < 300 && finished < writers.length) await new Promise((r) => setImmediate(r));
    assert.ok(acked.length >= 300, `the writers stopped before the crash (${acked.length} writes acknowledged)`);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    stop = true;
    await Promise.all(writers);

    child = await start(port, dir);
    const ddb2 = client();
    for (const pk of acked) {
      const r = await ddb2.send(new GetItemCommand({ TableName: "crash", Key: { pk: { S: pk } } }));
      assert.ok(r.Item, `acknowledged write ${pk} lost`);
    }
    for (const id of txAcked) {
      const w = Math.floor(id / 1e6);
      const i = id % 1e6;
      const a = await ddb2.send(new GetItemCommand({ TableName: "crash", Key: { pk: { S: `tx-${w}-${i}-a` } } }));
      assert.ok(a.Item, `acknowledged transaction ${w}/${i} lost`);
    }
    // No transaction is visible by halves, acknowledged or not.
    const halves = new Map<string, number>();
    let start_: Record<string, never> | undefined;
    do {
      const page = await ddb2.send(new ScanCommand({ TableName: "crash", ExclusiveStartKey: start_ }));
      for (const item of page.Items ?? []) {
        const pk = item.pk!.S!;
        if (pk.startsWith("tx-")) {
          const base = pk.slice(0, -2);
          halves.set(base, (halves.get(base) ?? 0) + 1);
        }
      }
      start_ = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start_);
    for (const [base, n] of halves) assert.equal(n, 2, `transaction ${base} is partially applied`);
    // The index was written in the same transactions as the items: it holds exactly the same items.
    const count = async (IndexName?: string) => {
      let n = 0;
      let esk: Record<string, never> | undefined;
      do {
        const page = await ddb2.send(new ScanCommand({ TableName: "crash", IndexName, Select: "COUNT", ExclusiveStartKey: esk }));
        n += page.Count ?? 0;
        esk = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (esk);
      return n;
    };
    assert.equal(await count("byWriter"), await count());
    assert.ok(acked.length >= 300);
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
