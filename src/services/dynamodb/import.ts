/**
 * ImportTable / DescribeImport / ListImports: creates a table from TableCreationParameters (CreateTable's own
 * validation and errors) and fills it from every object under S3BucketSource.S3KeyPrefix in a bucket of this
 * server (called in process), in DYNAMODB_JSON, ION or CSV (export-formats.ts), GZIP-compressed or not.
 * Objects stream through gunzip and a capped line splitter; each record is written with PutItem, so an item
 * DynamoDB would refuse (missing key, wrong key type, too large) counts in ErrorCount instead of failing the
 * import, as AWS counts them (AWS also logs each to CloudWatch Logs; Skyport does not).
 * IN_PROGRESS when the call returns, then COMPLETED, or FAILED with S3's error code (e.g. a missing bucket).
 * Gaps: ZSTD input fails the import (Node 20 has no zstd); the table is ACTIVE while the import runs (AWS keeps
 * it CREATING); ClientToken is recorded, not used for idempotency; no CloudWatch log group is written.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type * as api from "../../aws/api/dynamodb.js";
import { ServiceError } from "../../aws/errors.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { IonReader, linesOf, parseDynamoJsonLine, splitCsv } from "./export-formats.js";
import type { TransferStore } from "./export-store.js";
import { validation } from "./validate.js";

/** An item is at most 400 KB; a line of DynamoDB JSON or Ion for it is a few times that at most. */
const MAX_LINE = 4 * 1024 * 1024;

interface ImportBody extends Omit<api.ImportTableDescription, "StartTime" | "EndTime"> {
  StartTime: number;
  EndTime?: number;
  account: string;
  region: string;
}

const out = ({ account: _a, region: _r, StartTime, EndTime, ...rest }: ImportBody): api.ImportTableDescription => ({
  ...rest,
  StartTime: new Date(StartTime),
  EndTime: EndTime !== undefined ? new Date(EndTime) : undefined,
});

const enumError = (v: string, field: string, allowed: string[]) => validation(`1 validation error detected: Value '${v}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`);

export class TableImports {
  constructor(
    private readonly env: ServiceEnv,
    private readonly rows: TransferStore,
  ) {
    for (const i of rows.active<ImportBody>("import")) this.schedule(i);
  }

  async start(ctx: RequestContext, input: api.ImportTableInput): Promise<api.ImportTableOutput> {
    const formats = ["DYNAMODB_JSON", "ION", "CSV"];
    const compressions = ["GZIP", "ZSTD", "NONE"];
    if (!formats.includes(input.InputFormat)) throw enumError(String(input.InputFormat), "inputFormat", formats);
    if (input.InputCompressionType !== undefined && !compressions.includes(input.InputCompressionType)) throw enumError(input.InputCompressionType, "inputCompressionType", compressions);
    if (!input.S3BucketSource?.S3Bucket) throw validation("S3BucketSource.S3Bucket is required");
    if (input.InputFormatOptions?.Csv && input.InputFormat !== "CSV") throw validation("InputFormatOptions.Csv can only be used with the CSV input format");
    const delimiter = input.InputFormatOptions?.Csv?.Delimiter;
    if (delimiter !== undefined && !/^[,\t:;|]$/.test(delimiter)) throw validation(`Invalid delimiter: ${delimiter}`);
    const created = await this.env.services.call<api.CreateTableOutput>("dynamodb", "CreateTable", ctx, input.TableCreationParameters ?? {});
    const t = created.TableDescription!;
    const id = `${String(ctx.clock.now()).padStart(14, "0")}-${randomBytes(4).toString("hex")}`;
    const i: ImportBody = {
      ImportArn: `${t.TableArn}/import/${id}`,
      ImportStatus: "IN_PROGRESS",
      TableArn: t.TableArn,
      TableId: t.TableId,
      ClientToken: input.ClientToken,
      S3BucketSource: input.S3BucketSource,
      ErrorCount: 0,
      CloudWatchLogGroupArn: `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:/aws-dynamodb/imports:*`,
      InputFormat: input.InputFormat,
      InputFormatOptions: input.InputFormatOptions,
      InputCompressionType: input.InputCompressionType ?? "NONE",
      TableCreationParameters: input.TableCreationParameters,
      StartTime: ctx.clock.now(),
      ProcessedSizeBytes: 0,
      ProcessedItemCount: 0,
      ImportedItemCount: 0,
      account: ctx.accountId,
      region: ctx.region,
    };
    this.save(i);
    this.schedule(i);
    return { ImportTableDescription: out(i) };
  }

  describe(ctx: RequestContext, input: api.DescribeImportInput): api.DescribeImportOutput {
    const i = input.ImportArn ? this.rows.get<ImportBody>("import", input.ImportArn) : undefined;
    if (!i || i.account !== ctx.accountId || i.region !== ctx.region) throw new ServiceError("ImportNotFoundException", `Import not found: ${input.ImportArn}`, 400);
    return { ImportTableDescription: out(i) };
  }

  list(ctx: RequestContext, input: api.ListImportsInput): api.ListImportsOutput {
    const max = input.PageSize ?? 25;
    if (!Number.isInteger(max) || max < 1 || max > 25) throw validation(`1 validation error detected: Value '${max}' at 'pageSize' failed to satisfy constraint: Member must have value less than or equal to 25`);
    const offset = input.NextToken ? Number.parseInt(Buffer.from(input.NextToken, "base64url").toString(), 10) : 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw validation("Invalid NextToken");
    const page = this.rows.list<ImportBody>("import", ctx.accountId, ctx.region, input.TableArn, max + 1, offset);
    return {
      ImportSummaryList: page.slice(0, max).map((i) => ({
        ImportArn: i.ImportArn,
        ImportStatus: i.ImportStatus,
        TableArn: i.TableArn,
        S3BucketSource: i.S3BucketSource,
        CloudWatchLogGroupArn: i.CloudWatchLogGroupArn,
        InputFormat: i.InputFormat,
        StartTime: new Date(i.StartTime),
        EndTime: i.EndTime !== undefined ? new Date(i.EndTime) : undefined,
      })),
      NextToken: page.length > max ? Buffer.from(String(offset + max)).toString("base64url") : undefined,
    };
  }

  // ---------------------------------------------------------------- work

  private save(i: ImportBody): void {
    this.rows.put("import", i.ImportArn!, i.account, i.region, i.TableArn!, i.StartTime, i);
  }

  private schedule(i: ImportBody): void {
    setImmediate(() => {
      this.run(i).catch((err: unknown) => {
        i.ImportStatus = "FAILED";
        i.FailureCode = err instanceof ServiceError ? err.code : "UNKNOWN";
        i.FailureMessage = err instanceof Error ? err.message : String(err);
        i.EndTime = this.env.clock.now();
        this.save(i);
      });
    });
  }

  private async run(i: ImportBody): Promise<void> {
    const ctx: RequestContext = { requestId: randomBytes(16).toString("hex"), accountId: i.account, region: i.region, service: "dynamodb", operation: "ImportTable", principal: { accessKeyId: "", anonymous: false }, clock: this.env.clock, endpoint: this.env.services.localEndpoint };
    const call = <O>(service: string, op: string, input: object) => this.env.services.call<O>(service, op, ctx, input);
    const src = i.S3BucketSource!;
    const tableName = i.TableCreationParameters!.TableName;
    if (i.InputCompressionType === "ZSTD") throw new ServiceError("UnsupportedCompression", "Skyport cannot read ZSTD-compressed input (Node 20 has no zstd)", 400);
    // Re-run after a restart: the counts start again (PutItem of the same items is idempotent).
    Object.assign(i, { ErrorCount: 0, ProcessedItemCount: 0, ImportedItemCount: 0, ProcessedSizeBytes: 0 });
    const keyTypes = new Map((i.TableCreationParameters!.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
    const keys = new Set(i.TableCreationParameters!.KeySchema.map((k) => k.AttributeName));
    let token: string | undefined;
    do {
      const page = await call<{ Contents?: Array<{ Key?: string; Size?: number }>; NextContinuationToken?: string }>("s3", "ListObjectsV2", { Bucket: src.S3Bucket, Prefix: src.S3KeyPrefix, ContinuationToken: token });
      for (const o of page.Contents ?? []) {
        if (o.Key!.endsWith("/")) continue; // folder markers
        const got = await call<{ Body?: Readable; ContentLength?: number }>("s3", "GetObject", { Bucket: src.S3Bucket, Key: o.Key });
        i.ProcessedSizeBytes! += got.ContentLength ?? o.Size ?? 0;
        const body: Readable = i.InputCompressionType === "GZIP" ? got.Body!.pipe(createGunzip()) : got.Body!;
        let header = i.InputFormatOptions?.Csv?.HeaderList;
        let pending = "";
        for await (const raw of linesOf(body, MAX_LINE)) {
          let records: Array<Record<string, api.AttributeValue>> = [];
          try {
            if (raw === null) throw new Error("line too long");
            if (i.InputFormat === "DYNAMODB_JSON") {
              if (!raw.trim()) continue;
              records = [parseDynamoJsonLine(raw)];
            } else if (i.InputFormat === "ION") {
              records = new IonReader(raw).items();
            } else {
              const line = pending ? `${pending}\n${raw}` : raw;
              const fields = splitCsv(line, i.InputFormatOptions?.Csv?.Delimiter ?? ",");
              if (!fields) {
                if (line.length > MAX_LINE) throw ((pending = ""), new Error("record too long"));
                pending = line;
                continue;
              }
              pending = "";
              if (!header) {
                header = fields;
                continue;
              }
              if (fields.length === 1 && fields[0] === "") continue;
              records = [this.csvItem(header, fields, keys, keyTypes)];
            }
          } catch {
            i.ProcessedItemCount!++;
            i.ErrorCount!++;
            continue;
          }
          for (const item of records) {
            i.ProcessedItemCount!++;
            try {
              await call("dynamodb", "PutItem", { TableName: tableName, Item: item });
              i.ImportedItemCount!++;
            } catch (e) {
              if (!(e instanceof ServiceError) || e.status >= 500) throw e;
              i.ErrorCount!++;
            }
          }
        }
      }
      token = page.NextContinuationToken;
      this.save(i);
    } while (token);
    i.ImportStatus = "COMPLETED";
    i.EndTime = this.env.clock.now();
    this.save(i);
  }

  /** A CSV record: key attributes typed from AttributeDefinitions, every other (non-empty) field a string. */
  private csvItem(header: string[], fields: string[], keys: Set<string>, types: Map<string, string>): Record<string, api.AttributeValue> {
    if (fields.length > header.length) throw new Error("more fields than the header names");
    const item: Record<string, api.AttributeValue> = {};
    header.forEach((name, n) => {
      const v = fields[n];
      if (v === undefined || v === "") return;
      const t = keys.has(name) ? types.get(name) : "S";
      item[name] = t === "N" ? { N: v } : t === "B" ? { B: Buffer.from(v, "base64") } : { S: v };
    });
    return item;
  }
}
