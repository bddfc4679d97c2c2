/**
 * An export interrupted by kill -9 finishes after a restart on the same data dir, started at boot (pendingWork):
 * the manifest appears in S3 without any DynamoDB call after the restart.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, ExportTableToPointInTimeCommand, UpdateContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { freePort, start } from "../helpers/process-server.js";



const killed = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGKILL"))));

test("ExportTableToPointInTime: an export interrupted by kill -9 completes after restart, started at boot", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "skyport-ddb-export-"));
  const port = await freePort();
  const cfg = { endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
  let child = await start(port, dir);
  try {
    const ddb = new DynamoDBClient(cfg);
    const s3 = new S3Client({ ...cfg, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "exports" }));
    const t = await ddb.send(new CreateTableCommand({ TableName: "big", AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
    const N = 5000;
    for (let i = 0; i < N; i += 25) {
      const RequestItems = { big: Array.from({ length: 25 }, (_, j) => ({ PutRequest: { Item: { pk: { S: `k${i + j}` }, pad: { S: "x".repeat(200) } } } })) };
      await ddb.send(new BatchWriteItemCommand({ RequestItems }));
    }
    await ddb.send(new UpdateContinuousBackupsCommand({ TableName: "big", PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    const e = (await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: t.TableDescription!.TableArn!, S3Bucket: "exports" }))).ExportDescription!;
    await killed(child);
    ddb.destroy();

    child = await start(port, dir);
    const s3b = new S3Client({ ...cfg, forcePathStyle: true });
    let summary: { itemCount?: number; manifestFilesS3Key?: string } | undefined;
    for (let i = 0; i < 5000 && !summary; i++) {
      const keys = ((await s3b.send(new ListObjectsV2Command({ Bucket: "exports", Prefix: e.ExportManifest }))).Contents ?? []).map((o) => o.Key);
      if (keys.includes(e.ExportManifest)) summary = JSON.parse(await (await s3b.send(new GetObjectCommand({ Bucket: "exports", Key: e.ExportManifest }))).Body!.transformToString());
    }
    assert.ok(summary, "the export never completed after the restart");
    assert.equal(summary.itemCount, N);
    const files = (await (await s3b.send(new GetObjectCommand({ Bucket: "exports", Key: summary.manifestFilesS3Key! }))).Body!.transformToString()).trim().split("\n").map((l) => JSON.parse(l) as { dataFileS3Key: string });
    const keys = new Set<string>();
    for (const f of files) {
      const data = gunzipSync(Buffer.from(await (await s3b.send(new GetObjectCommand({ Bucket: "exports", Key: f.dataFileS3Key }))).Body!.transformToByteArray())).toString();
      for (const l of data.trim().split("\n")) keys.add((JSON.parse(l) as { Item: { pk: { S: string } } }).Item.pk.S);
    }
    assert.equal(keys.size, N);
    s3b.destroy();
  } finally {
    await killed(child);
    rmSync(dir, { recursive: true, force: true });
  }
});
