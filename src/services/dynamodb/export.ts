/**
 * ExportTableToPointInTime / DescribeExport / ListExports: a table as of ExportTime written to an S3 bucket of
 * this server (called in process), in the layout the developer guide documents:
 *   <S3Prefix>/AWSDynamoDB/<exportId>/_started
 *   <S3Prefix>/AWSDynamoDB/<exportId>/data/<random>.json.gz (DYNAMODB_JSON) or .ion.gz (ION)
 *   <S3Prefix>/AWSDynamoDB/<exportId>/manifest-files.json (+ .md5), manifest-summary.json (+ .md5)
 * Point-in-time recovery must be on, as AWS requires. Items as of ExportTime are today's items with every
 * change after that time undone from the PITR log (as RestoreTableToPointInTime does), read a page at a time
 * and gzipped as S3 reads them — never the whole table in memory.
 * The export is IN_PROGRESS when the call returns, then COMPLETED, or FAILED with S3's error code (a missing
 * bucket fails the export, as on AWS, rather than the call).
 * Gaps: INCREMENTAL_EXPORT is refused; S3BucketOwner, SSE settings are recorded, not used.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import type * as api from "../../aws/api/dynamodb.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { Statement } from "../../store/store.js";
import type { ServiceEnv } from "../host.js";
import { dynamoJsonLine, ION_HEADER, ionLine } from "./export-formats.js";
import { TransferStore } from "./export-store.js";
import type { Dynamo } from "./operations/context.js";
import { decodeItem } from "./store.js";
import { tableNameOf, validation } from "./validate.js";

const PAGE = 500;
/** Uncompressed bytes per data file before the next one starts. */
const FILE_BYTES = 64 * 1024 * 1024;
const PITR_WINDOW_MS = 35 * 24 * 3600 * 1000;

/** ExportDescription as stored (times in epoch ms). */
interface ExportBody extends Omit<api.ExportDescription, "StartTime" | "EndTime" | "ExportTime"> {
  StartTime: number;
  EndTime?: number;
  ExportTime: number;
  account: string;
  region: string;
  tid: number;
}

const out = ({ account: _a, region: _r, tid: _t, StartTime, EndTime, ExportTime, ...rest }: ExportBody): api.ExportDescription => ({
  ...rest,
  StartTime: new Date(StartTime),
  EndTime: EndTime !== undefined ? new Date(EndTime) : undefined,
  ExportTime: new Date(ExportTime),
});

type S3Call = (op: string, input: object) => Promise<{ ETag?: string }>;

export class TableExports {
  readonly rows: TransferStore;
  private readonly page: Statement;
  private readonly undo: Statement;
  private readonly changed: Statement;

  constructor(
    private readonly env: ServiceEnv,
    private readonly d: Dynamo,
  ) {
    this.rows = new TransferStore(env.store);
    this.page = d.store.stmt(`SELECT pk, sk, item, size FROM dynamodb_items WHERE tid = ? AND (pk, sk) > (?, ?) ORDER BY pk, sk LIMIT ${PAGE}`);
    this.undo = d.store.stmt("SELECT old FROM dynamodb_pitr_log WHERE tid = ? AND ts > ? AND pk = ? AND sk = ? ORDER BY seq LIMIT 1");
    this.changed = d.store.stmt(
      `SELECT l.pk, l.sk, l.old FROM dynamodb_pitr_log l
         JOIN (SELECT pk, sk, min(seq) AS seq FROM dynamodb_pitr_log WHERE tid = ? AND ts > ? GROUP BY pk, sk) f ON l.seq = f.seq`,
    );
    for (const e of this.rows.active<ExportBody>("export")) this.schedule(e);
  }

  start(ctx: RequestContext, input: api.ExportTableToPointInTimeInput): api.ExportTableToPointInTimeOutput {
    const format = input.ExportFormat ?? "DYNAMODB_JSON";
    const type = input.ExportType ?? "FULL_EXPORT";
    if (!["DYNAMODB_JSON", "ION"].includes(format)) throw validation(`1 validation error detected: Value '${format}' at 'exportFormat' failed to satisfy constraint: Member must satisfy enum value set: [DYNAMODB_JSON, ION]`);
    if (!["FULL_EXPORT", "INCREMENTAL_EXPORT"].includes(type)) throw validation(`1 validation error detected: Value '${type}' at 'exportType' failed to satisfy constraint: Member must satisfy enum value set: [FULL_EXPORT, INCREMENTAL_EXPORT]`);
    if (type === "INCREMENTAL_EXPORT") throw validation("Skyport does not support incremental exports");
    if (!input.S3Bucket || input.S3Bucket.length > 255) throw validation("S3Bucket must be a bucket name of 1 to 255 characters");
    if (input.S3Prefix !== undefined && input.S3Prefix.length > 1024) throw validation("S3Prefix must be at most 1024 characters");
    if (input.TableArn === undefined || !input.TableArn.startsWith("arn:")) throw validation("TableArn must be the ARN of a table");
    const name = tableNameOf(input.TableArn);
    const meta = this.d.store.getTable(ctx.accountId, ctx.region, name);
    if (!meta || meta.arn !== input.TableArn) throw new ServiceError("TableNotFoundException", `Table not found: ${name}`, 400);
    if (!meta.pitr?.enabled) throw new ServiceError("PointInTimeRecoveryUnavailableException", `Point in time recovery is not enabled for table '${name}'`, 400);
    const now = ctx.clock.now();
    const at = input.ExportTime ? input.ExportTime.getTime() : now;
    const earliest = Math.max(meta.pitr.sinceMs, now - PITR_WINDOW_MS);
    if (at < earliest || at > now) throw new ServiceError("InvalidExportTimeException", `Export time ${new Date(at).toISOString()} is not within the point in time recovery window [${new Date(earliest).toISOString()}, ${new Date(now).toISOString()}]`, 400);
    if (input.ClientToken) {
      const same = this.rows.list<ExportBody>("export", ctx.accountId, ctx.region, meta.arn, 1000, 0).find((e) => e.ClientToken === input.ClientToken);
      if (same) {
        if (same.S3Bucket !== input.S3Bucket || same.S3Prefix !== input.S3Prefix || same.ExportFormat !== format) throw new ServiceError("ExportConflictException", "There was a conflict when writing to the specified S3 bucket.", 400);
        return { ExportDescription: out(same) };
      }
    }
    const exportId = `${String(now).padStart(14, "0")}-${randomBytes(4).toString("hex")}`;
    const base = `${input.S3Prefix ? `${input.S3Prefix.replace(/\/+$/, "")}/` : ""}AWSDynamoDB/${exportId}`;
    const e: ExportBody = {
      ExportArn: `${meta.arn}/export/${exportId}`,
      ExportStatus: "IN_PROGRESS",
      StartTime: now,
      ExportManifest: `${base}/manifest-summary.json`,
      TableArn: meta.arn,
      TableId: meta.tableId,
      ExportTime: at,
      ClientToken: input.ClientToken,
      S3Bucket: input.S3Bucket,
      S3BucketOwner: input.S3BucketOwner ?? ctx.accountId,
      S3Prefix: input.S3Prefix,
      S3SseAlgorithm: input.S3SseAlgorithm ?? "AES256",
      S3SseKmsKeyId: input.S3SseKmsKeyId,
      ExportFormat: format,
      ExportType: type,
      account: ctx.accountId,
      region: ctx.region,
      tid: meta.tid,
    };
    this.save(e);
    this.schedule(e);
    return { ExportDescription: out(e) };
  }

  describe(ctx: RequestContext, input: api.DescribeExportInput): api.DescribeExportOutput {
    const e = input.ExportArn ? this.rows.get<ExportBody>("export", input.ExportArn) : undefined;
    if (!e || e.account !== ctx.accountId || e.region !== ctx.region) throw new ServiceError("ExportNotFoundException", `Export not found: ${input.ExportArn}`, 400);
    return { ExportDescription: out(e) };
  }

  list(ctx: RequestContext, input: api.ListExportsInput): api.ListExportsOutput {
    const max = input.MaxResults ?? 25;
    if (!Number.isInteger(max) || max < 1 || max > 25) throw validation(`1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 25`);
    const offset = input.NextToken ? Number.parseInt(Buffer.from(input.NextToken, "base64url").toString(), 10) : 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw validation("Invalid NextToken");
    const page = this.rows.list<ExportBody>("export", ctx.accountId, ctx.region, input.TableArn, max + 1, offset);
    return {
      ExportSummaries: page.slice(0, max).map((e) => ({ ExportArn: e.ExportArn, ExportStatus: e.ExportStatus, ExportType: e.ExportType })),
      NextToken: page.length > max ? Buffer.from(String(offset + max)).toString("base64url") : undefined,
    };
  }

  // ---------------------------------------------------------------- work

  private save(e: ExportBody): void {
    this.rows.put("export", e.ExportArn!, e.account, e.region, e.TableArn!, e.StartTime, e);
  }

  private schedule(e: ExportBody): void {
    setImmediate(() => {
      this.run(e).catch((err: unknown) => {
        e.ExportStatus = "FAILED";
        e.FailureCode = err instanceof ServiceError ? err.code : "UNKNOWN";
        e.FailureMessage = err instanceof Error ? err.message : String(err);
        e.EndTime = this.env.clock.now();
        this.save(e);
      });
    });
  }

  private async run(e: ExportBody): Promise<void> {
    const ctx: RequestContext = { requestId: randomBytes(16).toString("hex"), accountId: e.account, region: e.region, service: "dynamodb", operation: "ExportTableToPointInTime", principal: { accessKeyId: "", anonymous: false }, clock: this.env.clock, endpoint: this.env.services.localEndpoint };
    const s3: S3Call = (op, input) => this.env.services.call("s3", op, ctx, input);
    const base = e.ExportManifest!.slice(0, -"/manifest-summary.json".length);
    await s3("PutObject", { Bucket: e.S3Bucket, Key: `${base}/_started`, Body: Buffer.alloc(0) });
    const files: Array<{ itemCount: number; md5Checksum: string; etag: string; dataFileS3Key: string }> = [];
    const ion = e.ExportFormat === "ION";
    const state = { pk: Buffer.alloc(0), sk: Buffer.alloc(0), done: false, items: 0, bytes: 0, seen: new Set<string>(), tail: false };
    while (!state.done || !state.tail) {
      let count = 0;
      const gen = this.lines(e, state, ion);
      const first = await gen.next();
      if (first.done) break;
      const body = Readable.from(
        (async function* () {
          count++;
          yield first.value;
          for await (const l of gen) {
            count++;
            yield l;
          }
        })(),
      ).pipe(createGzip());
      const key = `${base}/data/${randomBytes(16).toString("hex").slice(0, 26)}.${ion ? "ion" : "json"}.gz`;
      const put = await s3("PutObject", { Bucket: e.S3Bucket, Key: key, Body: body });
      const etag = (put.ETag ?? "").replace(/"/g, "");
      if (ion) count--; // the file's $ion_1_0 header
      files.push({ itemCount: count, md5Checksum: Buffer.from(etag, "hex").toString("base64"), etag, dataFileS3Key: key });
    }
    const manifestFiles = files.map((f) => JSON.stringify(f)).join("\n") + (files.length ? "\n" : "");
    const md5 = async (key: string, text: string) => {
      const put = await s3("PutObject", { Bucket: e.S3Bucket, Key: key, Body: Buffer.from(text) });
      await s3("PutObject", { Bucket: e.S3Bucket, Key: key.replace(/\.json$/, ".md5"), Body: Buffer.from(Buffer.from((put.ETag ?? "").replace(/"/g, ""), "hex").toString("base64")) });
    };
    await md5(`${base}/manifest-files.json`, manifestFiles);
    e.ExportStatus = "COMPLETED";
    e.EndTime = this.env.clock.now();
    e.ItemCount = state.items;
    e.BilledSizeBytes = state.bytes;
    const summary = {
      version: "2020-06-30",
      exportArn: e.ExportArn,
      startTime: new Date(e.StartTime).toISOString(),
      endTime: new Date(e.EndTime).toISOString(),
      tableArn: e.TableArn,
      tableId: e.TableId,
      exportTime: new Date(e.ExportTime).toISOString(),
      s3Bucket: e.S3Bucket,
      s3Prefix: e.S3Prefix ?? null,
      s3SseAlgorithm: e.S3SseAlgorithm,
      s3SseKmsKeyId: e.S3SseKmsKeyId ?? null,
      manifestFilesS3Key: `${base}/manifest-files.json`,
      billedSizeBytes: e.BilledSizeBytes,
      itemCount: e.ItemCount,
      outputFormat: e.ExportFormat,
      exportType: e.ExportType,
    };
    await md5(e.ExportManifest!, JSON.stringify(summary));
    this.save(e);
  }

  /**
   * Lines of one data file: items as of ExportTime after the cursor, then (once, at the end) the items deleted
   * since ExportTime. A key with a change after ExportTime takes its earliest later change's old image.
   */
  private async *lines(e: ExportBody, st: { pk: Buffer; sk: Buffer; done: boolean; items: number; bytes: number; seen: Set<string>; tail: boolean }, ion: boolean): AsyncGenerator<string> {
    let bytes = 0;
    const emit = (text: string, size: number): string => {
      st.items++;
      st.bytes += size;
      bytes += text.length;
      return text;
    };
    const line = (itemText: string) => (ion ? ionLine(decodeItem(itemText)) : dynamoJsonLine(decodeItem(itemText)));
    let header = ion;
    while (!st.done && bytes < FILE_BYTES) {
      const rows = this.page.all(e.tid, st.pk, st.sk) as Array<{ pk: Buffer; sk: Buffer; item: string; size: number }>;
      if (rows.length < PAGE) st.done = true;
      for (const r of rows) {
        const undo = this.undo.get(e.tid, e.ExportTime, r.pk, r.sk) as { old: string | null } | undefined;
        if (undo) st.seen.add(`${r.pk.toString("hex")}/${r.sk.toString("hex")}`);
        const text = undo ? undo.old : r.item;
        if (text === null) continue;
        if (header) (header = false), yield ION_HEADER;
        yield emit(line(text), Buffer.byteLength(text));
      }
      const last = rows[rows.length - 1];
      if (last) (st.pk = last.pk), (st.sk = last.sk);
    }
    if (!st.done || st.tail) return;
    st.tail = true;
    for (const c of this.changed.all(e.tid, e.ExportTime) as Array<{ pk: Buffer; sk: Buffer; old: string | null }>) {
      if (c.old === null || st.seen.has(`${c.pk.toString("hex")}/${c.sk.toString("hex")}`)) continue;
      if (header) (header = false), yield ION_HEADER;
      yield emit(line(c.old), Buffer.byteLength(c.old));
    }
  }
}
