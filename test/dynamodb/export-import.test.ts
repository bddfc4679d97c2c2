/** DynamoDB export to and import from Skyport's own S3, through the SDK v3 clients, on a manual clock. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  DeleteItemCommand,
  DescribeExportCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  ExportTableToPointInTimeCommand,
  ImportTableCommand,
  ListExportsCommand,
  ListImportsCommand,
  PutItemCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
  type AttributeValue,
  type ExportDescription,
  type ImportTableDescription,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ManualClock } from "../../src/core/clock.js";
import { startServer, uniqueName, type TestServer } from "../helpers/skyport.js";
import { clients, createTable, rejects } from "./helpers.js";

const clock = new ManualClock(Date.UTC(2026, 0, 1));
let server: TestServer;
let ddb: ReturnType<typeof clients>["ddb"];
let s3: S3Client;
before(async () => {
  server = await startServer({}, { clock });
  ({ ddb } = clients(server));
  s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
});
after(() => server.stop());

const bucket = async () => {
  const b = uniqueName("ddbx").toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  return b;
};
const bytes = async (b: string, key: string) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: key }))).Body!.transformToByteArray());
const keysOf = async (b: string, prefix?: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();

/** Polls (one round trip each, no timers) until the export leaves IN_PROGRESS. */
async function exported(arn: string): Promise<ExportDescription> {
  for (let i = 0; i < 2000; i++) {
    const e = (await ddb.send(new DescribeExportCommand({ ExportArn: arn }))).ExportDescription!;
    if (e.ExportStatus !== "IN_PROGRESS") return e;
  }
  assert.fail("the export never finished");
}
async function imported(arn: string): Promise<ImportTableDescription> {
  for (let i = 0; i < 2000; i++) {
    const d = (await ddb.send(new DescribeImportCommand({ ImportArn: arn }))).ImportTableDescription!;
    if (d.ImportStatus !== "IN_PROGRESS") return d;
  }
  assert.fail("the import never finished");
}

const items: Array<Record<string, AttributeValue>> = [
  { pk: { S: "a" }, sk: { N: "1" }, name: { S: "Alice" }, tags: { SS: ["x", "y"] }, n: { NS: ["1.5", "2"] } },
  { pk: { S: "a" }, sk: { N: "2" }, bin: { B: Uint8Array.from([1, 2, 3]) }, on: { BOOL: true }, nil: { NULL: true } },
  { pk: { S: "b" }, sk: { N: "1" }, m: { M: { inner: { L: [{ S: "s" }, { N: "-3e2" }] } } }, bs: { BS: [Uint8Array.from([9])] } },
];

async function tableWithItems(): Promise<{ name: string; arn: string }> {
  const name = await createTable(ddb, { sk: "N" });
  for (const Item of items) await ddb.send(new PutItemCommand({ TableName: name, Item }));
  await ddb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!.TableArn!;
  return { name, arn };
}

const scanSorted = async (TableName: string) => ((await ddb.send(new ScanCommand({ TableName }))).Items ?? []).sort((x, y) => `${x.pk!.S}/${x.sk?.N}`.localeCompare(`${y.pk!.S}/${y.sk?.N}`));

const keyParams = (TableName: string) => ({
  TableName,
  AttributeDefinitions: [
    { AttributeName: "pk", AttributeType: "S" as const },
    { AttributeName: "sk", AttributeType: "N" as const },
  ],
  KeySchema: [
    { AttributeName: "pk", KeyType: "HASH" as const },
    { AttributeName: "sk", KeyType: "RANGE" as const },
  ],
  BillingMode: "PAY_PER_REQUEST" as const,
});

test("ExportTableToPointInTime: refused while point-in-time recovery is off", async () => {
  const name = await createTable(ddb);
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!.TableArn!;
  await rejects(ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: await bucket() })), "PointInTimeRecoveryUnavailableException", `Point in time recovery is not enabled for table '${name}'`);
  await rejects(ddb.send(new ExportTableToPointInTimeCommand({ TableArn: `${arn}-missing`, S3Bucket: await bucket() })), "TableNotFoundException");
});

test("ExportTableToPointInTime: DYNAMODB_JSON layout (manifests, data/*.json.gz) then ImportTable restores the same items", async () => {
  const b = await bucket();
  const { name, arn } = await tableWithItems();
  const started = (await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: b, S3Prefix: "backups", ExportFormat: "DYNAMODB_JSON" }))).ExportDescription!;
  assert.equal(started.ExportStatus, "IN_PROGRESS");
  assert.match(started.ExportArn!, new RegExp(`^${arn}/export/\\d{14}-[0-9a-f]{8}$`));
  const e = await exported(started.ExportArn!);
  assert.equal(e.ExportStatus, "COMPLETED", e.FailureMessage);
  assert.equal(e.ItemCount, 3);
  assert.equal(e.ExportFormat, "DYNAMODB_JSON");
  assert.equal(e.ExportType, "FULL_EXPORT");
  const id = started.ExportArn!.split("/").pop()!;
  const base = `backups/AWSDynamoDB/${id}`;
  assert.equal(e.ExportManifest, `${base}/manifest-summary.json`);

  const keys = await keysOf(b);
  for (const k of ["_started", "manifest-files.json", "manifest-files.md5", "manifest-summary.json", "manifest-summary.md5"]) assert.ok(keys.includes(`${base}/${k}`), k);
  const summary = JSON.parse((await bytes(b, `${base}/manifest-summary.json`)).toString());
  assert.equal(summary.version, "2020-06-30");
  assert.equal(summary.exportArn, started.ExportArn);
  assert.equal(summary.itemCount, 3);
  assert.equal(summary.outputFormat, "DYNAMODB_JSON");
  assert.equal(summary.manifestFilesS3Key, `${base}/manifest-files.json`);
  const files = (await bytes(b, `${base}/manifest-files.json`)).toString().trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(files.reduce((n: number, f: { itemCount: number }) => n + f.itemCount, 0), 3);
  const lines: string[] = [];
  for (const f of files) {
    assert.match(f.dataFileS3Key, new RegExp(`^${base}/data/[0-9a-z]+\\.json\\.gz$`));
    const data = await bytes(b, f.dataFileS3Key);
    lines.push(...gunzipSync(data).toString().trim().split("\n"));
  }
  const a1 = lines.map((l) => JSON.parse(l)).find((l) => l.Item.pk.S === "a" && l.Item.sk.N === "2");
  assert.deepEqual(a1, { Item: { pk: { S: "a" }, sk: { N: "2" }, bin: { B: "AQID" }, on: { BOOL: true }, nil: { NULL: true } } });

  const target = uniqueName("imported");
  const imp = (await ddb.send(new ImportTableCommand({ S3BucketSource: { S3Bucket: b, S3KeyPrefix: `${base}/data/` }, InputFormat: "DYNAMODB_JSON", InputCompressionType: "GZIP", TableCreationParameters: keyParams(target) }))).ImportTableDescription!;
  assert.equal(imp.ImportStatus, "IN_PROGRESS");
  const done = await imported(imp.ImportArn!);
  assert.equal(done.ImportStatus, "COMPLETED", done.FailureMessage);
  assert.equal(done.ImportedItemCount, 3);
  assert.equal(done.ErrorCount, 0);
  assert.deepEqual(await scanSorted(target), await scanSorted(name));
  const listed = (await ddb.send(new ListImportsCommand({ TableArn: done.TableArn }))).ImportSummaryList!;
  assert.deepEqual(listed.map((l) => l.ImportArn), [imp.ImportArn]);
  const exports = (await ddb.send(new ListExportsCommand({ TableArn: arn }))).ExportSummaries!;
  assert.deepEqual(exports, [{ ExportArn: started.ExportArn, ExportStatus: "COMPLETED", ExportType: "FULL_EXPORT" }]);
});

test("ExportTableToPointInTime: ION with Ion decimals, annotated sets and blobs; ImportTable reads it back", async () => {
  const b = await bucket();
  const { name, arn } = await tableWithItems();
  const e = await exported((await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: b, ExportFormat: "ION" }))).ExportDescription!.ExportArn!);
  assert.equal(e.ExportStatus, "COMPLETED", e.FailureMessage);
  const id = e.ExportArn!.split("/").pop()!;
  const dataKeys = await keysOf(b, `AWSDynamoDB/${id}/data/`);
  assert.ok(dataKeys.every((k) => k.endsWith(".ion.gz")));
  const text = (await Promise.all(dataKeys.map(async (k) => gunzipSync(await bytes(b, k)).toString()))).join("");
  assert.ok(text.startsWith("$ion_1_0 "));
  assert.ok(text.includes('{Item:{pk:"a",sk:1.,name:"Alice",tags:$dynamodb_SS::["x","y"],n:$dynamodb_NS::[1.5,2.]}}'), text);
  assert.ok(text.includes('bin:{{AQID}},on:true,nil:null'), text);
  assert.ok(text.includes('m:{inner:["s",-300.]},bs:$dynamodb_BS::[{{CQ==}}]'), text);

  const target = uniqueName("ion");
  const imp = await imported((await ddb.send(new ImportTableCommand({ S3BucketSource: { S3Bucket: b, S3KeyPrefix: `AWSDynamoDB/${id}/data/` }, InputFormat: "ION", InputCompressionType: "GZIP", TableCreationParameters: keyParams(target) }))).ImportTableDescription!.ImportArn!);
  assert.equal(imp.ImportStatus, "COMPLETED", imp.FailureMessage);
  assert.equal(imp.ImportedItemCount, 3);
  assert.deepEqual(await scanSorted(target), await scanSorted(name));
});

test("ExportTableToPointInTime: ExportTime in the past exports the items as they were then", async () => {
  const b = await bucket();
  const { arn, name } = await tableWithItems();
  clock.advance(60_000);
  const then = new Date(clock.now());
  clock.advance(60_000);
  await ddb.send(new DeleteItemCommand({ TableName: name, Key: { pk: { S: "a" }, sk: { N: "1" } } }));
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "b" }, sk: { N: "1" }, changed: { BOOL: true } } }));
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: "c" }, sk: { N: "9" } } }));
  const e = await exported((await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: b, ExportTime: then }))).ExportDescription!.ExportArn!);
  assert.equal(e.ExportStatus, "COMPLETED", e.FailureMessage);
  assert.equal(e.ExportTime!.getTime(), then.getTime());
  const id = e.ExportArn!.split("/").pop()!;
  const lines = [];
  for (const k of await keysOf(b, `AWSDynamoDB/${id}/data/`)) lines.push(...gunzipSync(await bytes(b, k)).toString().trim().split("\n"));
  const got = lines.map((l) => JSON.parse(l).Item).sort((x, y) => `${x.pk.S}/${x.sk.N}`.localeCompare(`${y.pk.S}/${y.sk.N}`));
  assert.deepEqual(got.map((i) => `${i.pk.S}/${i.sk.N}`), ["a/1", "a/2", "b/1"]);
  assert.equal(got[2].changed, undefined);
  await rejects(ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: b, ExportTime: new Date(clock.now() + 3_600_000) })), "InvalidExportTimeException");
});

test("ExportTableToPointInTime: a missing bucket fails the export with S3's error code", async () => {
  const { arn } = await tableWithItems();
  const e = await exported((await ddb.send(new ExportTableToPointInTimeCommand({ TableArn: arn, S3Bucket: uniqueName("nobucket").toLowerCase() }))).ExportDescription!.ExportArn!);
  assert.equal(e.ExportStatus, "FAILED");
  assert.equal(e.FailureCode, "NoSuchBucket");
});

test("ImportTable: CSV with a header, quoted fields and a custom delimiter; bad rows count in ErrorCount", async () => {
  const b = await bucket();
  const csv = 'pk;sk;city;note\nu1;1;Paris;"a;b ""quoted"""\nu2;2;Oslo;\nu3;notanumber;Rome;x\n';
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "in/part-1.csv.gz", Body: gzipSync(csv) }));
  const target = uniqueName("csv");
  const imp = await imported((await ddb.send(new ImportTableCommand({ S3BucketSource: { S3Bucket: b, S3KeyPrefix: "in/" }, InputFormat: "CSV", InputFormatOptions: { Csv: { Delimiter: ";" } }, InputCompressionType: "GZIP", TableCreationParameters: keyParams(target) }))).ImportTableDescription!.ImportArn!);
  assert.equal(imp.ImportStatus, "COMPLETED", imp.FailureMessage);
  assert.equal(imp.ProcessedItemCount, 3);
  assert.equal(imp.ImportedItemCount, 2);
  assert.equal(imp.ErrorCount, 1);
  assert.deepEqual(await scanSorted(target), [
    { pk: { S: "u1" }, sk: { N: "1" }, city: { S: "Paris" }, note: { S: 'a;b "quoted"' } },
    { pk: { S: "u2" }, sk: { N: "2" }, city: { S: "Oslo" } },
  ]);
});

test("ImportTable: an existing table name is refused as CreateTable refuses it; an unknown import is ImportNotFoundException", async () => {
  const name = await createTable(ddb);
  await rejects(ddb.send(new ImportTableCommand({ S3BucketSource: { S3Bucket: await bucket() }, InputFormat: "DYNAMODB_JSON", TableCreationParameters: { ...keyParams(name) } })), "ResourceInUseException");
  await rejects(ddb.send(new DescribeImportCommand({ ImportArn: "arn:aws:dynamodb:us-east-1:000000000000:table/x/import/01234567890123-abcdef12" })), "ImportNotFoundException");
  await rejects(ddb.send(new DescribeExportCommand({ ExportArn: "arn:aws:dynamodb:us-east-1:000000000000:table/x/export/01234567890123-abcdef12" })), "ExportNotFoundException");
});
