/**
 * Asynchronous invocation settings (Put/Get/Update/Delete/ListFunctionEventInvokeConfig): retry attempts
 * (0–2), maximum event age, and on-success / on-failure destinations. Skyport delivers destination records
 * to Lambda functions (the record format of "Capturing records of Lambda asynchronous invocations"); SQS,
 * SNS and EventBridge destinations are refused until those services exist.
 */
import type * as L from "../../aws/api/lambda.js";
import { ServiceError } from "../../aws/errors.js";
import type { Store } from "../../store/store.js";

const MIGRATION = `CREATE TABLE lambda_event_invoke_configs (account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, qualifier TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (account, region, name, qualifier))`;

export type InvokeConfig = L.GetFunctionEventInvokeConfigOutput2;

export class EventInvokeConfigs {
  private readonly s;
  constructor(store: Store) {
    store.migrate("lambda-event-invoke-configs", [MIGRATION]);
    const db = store.db;
    this.s = {
      get: db.prepare("SELECT doc FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND name = ? AND qualifier = ?"),
      list: db.prepare("SELECT doc FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND name = ? ORDER BY qualifier"),
      put: db.prepare("INSERT INTO lambda_event_invoke_configs (account, region, name, qualifier, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, region, name, qualifier) DO UPDATE SET doc = excluded.doc"),
      delete: db.prepare("DELETE FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND name = ? AND qualifier = ?"),
      deleteAll: db.prepare("DELETE FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND name = ?"),
    };
  }

  get(account: string, region: string, name: string, qualifier: string): InvokeConfig | undefined {
    const r = this.s.get.get(account, region, name, qualifier) as { doc: string } | undefined;
    if (!r) return undefined;
    const c = JSON.parse(r.doc) as InvokeConfig;
    if (typeof c.LastModified === "string") c.LastModified = new Date(c.LastModified);
    return c;
  }

  list(account: string, region: string, name: string): InvokeConfig[] {
    return (this.s.list.all(account, region, name) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as InvokeConfig);
  }

  put(account: string, region: string, name: string, qualifier: string, config: InvokeConfig): InvokeConfig {
    validate(config);
    this.s.put.run(account, region, name, qualifier, JSON.stringify(config));
    return config;
  }

  delete(account: string, region: string, name: string, qualifier: string): boolean {
    return this.s.delete.run(account, region, name, qualifier).changes > 0;
  }

  /** Every qualifier's settings of a deleted function. */
  deleteAll(account: string, region: string, name: string): void {
    this.s.deleteAll.run(account, region, name);
  }
}

function validate(c: InvokeConfig): void {
  if (c.MaximumRetryAttempts !== undefined && (c.MaximumRetryAttempts < 0 || c.MaximumRetryAttempts > 2)) {
    throw new ServiceError("ValidationException", `1 validation error detected: Value '${c.MaximumRetryAttempts}' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value ${c.MaximumRetryAttempts < 0 ? "greater than or equal to 0" : "less than or equal to 2"}`, 400);
  }
  if (c.MaximumEventAgeInSeconds !== undefined && (c.MaximumEventAgeInSeconds < 60 || c.MaximumEventAgeInSeconds > 21600)) {
    throw new ServiceError("ValidationException", `1 validation error detected: Value '${c.MaximumEventAgeInSeconds}' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value ${c.MaximumEventAgeInSeconds < 60 ? "greater than or equal to 60" : "less than or equal to 21600"}`, 400);
  }
  for (const d of [c.DestinationConfig?.OnSuccess?.Destination, c.DestinationConfig?.OnFailure?.Destination]) {
    if (d && !/^arn:aws:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$/.test(d)) {
      throw new ServiceError("InvalidParameterValueException", `Skyport delivers asynchronous invocation records to Lambda function destinations only (SQS, SNS and EventBridge are not available yet): ${d}`, 400);
    }
  }
}

/** The record a destination receives (AWS's format for asynchronous invocation records). */
export function destinationRecord(o: { requestId: string; functionArn: string; success: boolean; attempts: number; requestPayload: Buffer; responsePayload: Buffer; functionError?: string; executedVersion: string; now: number }): Buffer {
  const parse = (b: Buffer) => {
    try {
      return JSON.parse(b.toString("utf8") || "null");
    } catch {
      return b.toString("utf8");
    }
  };
  const record = {
    version: "1.0",
    timestamp: new Date(o.now).toISOString(),
    requestContext: { requestId: o.requestId, functionArn: o.functionArn, condition: o.success ? "Success" : "RetriesExhausted", approximateInvokeCount: o.attempts },
    requestPayload: parse(o.requestPayload),
    responseContext: { statusCode: 200, executedVersion: o.executedVersion, ...(o.functionError ? { functionError: o.functionError } : {}) },
    responsePayload: parse(o.responsePayload),
  };
  return Buffer.from(JSON.stringify(record));
}
