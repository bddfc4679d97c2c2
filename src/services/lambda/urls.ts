/**
 * Function URLs: configurations (Create/Get/Update/Delete/ListFunctionUrlConfigs) and the data plane at
 * http://{urlId}.lambda-url.{region}.localhost:{port}/ — the request becomes a payload format 2.0 event and
 * the function's answer an HTTP response (a plain value is a 200 JSON body, as on AWS).
 * AuthType AWS_IAM requires a SigV4-signed request (signatures are verified only with --enforce-sigv4).
 */
import type * as L from "../../aws/api/lambda.js";
import { ServiceError } from "../../aws/errors.js";
import type { HttpRequest, HttpResponse } from "../../aws/protocol/types.js";
import type { IdGenerator } from "../../core/ids.js";
import type { RequestContext } from "../../edge/context.js";
import type { Store } from "../../store/store.js";

const MIGRATION = `CREATE TABLE lambda_urls (url_id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, function_name TEXT NOT NULL, qualifier TEXT NOT NULL, config TEXT NOT NULL)`;
export const URL_HOST = /^([a-z0-9]{32})\.lambda-url\.([a-z0-9-]+)\.localhost(?::\d+)?$/i;

export interface UrlRow {
  urlId: string;
  account: string;
  region: string;
  functionName: string;
  qualifier: string;
  config: L.CreateFunctionUrlConfigOutput & { LastModifiedTime?: string };
}

export class FunctionUrls {
  private readonly s;
  constructor(store: Store, private readonly ids: IdGenerator) {
    store.migrate("lambda-urls", [MIGRATION]);
    const db = store.db;
    this.s = {
      byFunction: db.prepare("SELECT * FROM lambda_urls WHERE account = ? AND region = ? AND function_name = ? AND qualifier = ?"),
      byId: db.prepare("SELECT * FROM lambda_urls WHERE url_id = ?"),
      list: db.prepare("SELECT * FROM lambda_urls WHERE account = ? AND region = ? AND function_name = ? ORDER BY qualifier"),
      put: db.prepare("INSERT INTO lambda_urls (url_id, account, region, function_name, qualifier, config) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url_id) DO UPDATE SET config = excluded.config"),
      delete: db.prepare("DELETE FROM lambda_urls WHERE url_id = ?"),
      deleteFn: db.prepare("DELETE FROM lambda_urls WHERE account = ? AND region = ? AND function_name = ?"),
    };
  }

  private row(r: Record<string, string> | undefined): UrlRow | undefined {
    return r && { urlId: r.url_id!, account: r.account!, region: r.region!, functionName: r.function_name!, qualifier: r.qualifier!, config: JSON.parse(r.config!) as UrlRow["config"] };
  }

  find(ctx: RequestContext, name: string, qualifier = ""): UrlRow | undefined {
    return this.row(this.s.byFunction.get(ctx.accountId, ctx.region, name, qualifier) as Record<string, string> | undefined);
  }

  byId(urlId: string): UrlRow | undefined {
    return this.row(this.s.byId.get(urlId) as Record<string, string> | undefined);
  }

  list(ctx: RequestContext, name: string): UrlRow[] {
    return (this.s.list.all(ctx.accountId, ctx.region, name) as Array<Record<string, string>>).map((r) => this.row(r)!);
  }

  create(ctx: RequestContext, name: string, functionArn: string, input: L.CreateFunctionUrlConfigInput, endpointPort: string): L.CreateFunctionUrlConfigOutput {
    checkAuthType(input.AuthType);
    if (this.find(ctx, name, input.Qualifier ?? "")) throw new ServiceError("ResourceConflictException", `Failed to create function url config for [functionArn = ${functionArn}]. Error message:  FunctionUrlConfig exists for this Lambda function`, 409);
    const urlId = this.ids.alnum(32);
    const now = new Date(ctx.clock.now()).toISOString();
    const config = { FunctionUrl: `http://${urlId}.lambda-url.${ctx.region}.localhost:${endpointPort}/`, FunctionArn: functionArn, AuthType: input.AuthType, Cors: input.Cors, CreationTime: now, LastModifiedTime: now, ...(input.InvokeMode ? { InvokeMode: input.InvokeMode } : {}) };
    this.s.put.run(urlId, ctx.accountId, ctx.region, name, input.Qualifier ?? "", JSON.stringify(config));
    return config;
  }

  update(row: UrlRow, input: L.UpdateFunctionUrlConfigInput, now: number): UrlRow["config"] {
    if (input.AuthType) checkAuthType(input.AuthType);
    const config = { ...row.config, AuthType: input.AuthType ?? row.config.AuthType, Cors: input.Cors ?? row.config.Cors, InvokeMode: input.InvokeMode ?? row.config.InvokeMode, LastModifiedTime: new Date(now).toISOString() };
    this.s.put.run(row.urlId, row.account, row.region, row.functionName, row.qualifier, JSON.stringify(config));
    return config;
  }

  delete(row: UrlRow): void {
    this.s.delete.run(row.urlId);
  }

  deleteForFunction(account: string, region: string, name: string): void {
    this.s.deleteFn.run(account, region, name);
  }
}

function checkAuthType(t: string): void {
  if (t !== "NONE" && t !== "AWS_IAM") throw new ServiceError("ValidationException", `1 validation error detected: Value '${t}' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]`, 400);
}

/** The payload format 2.0 event of a function URL request. */
export function urlEvent(req: HttpRequest, host: string, row: UrlRow, requestId: string, now: number): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== "cookie") headers[k] = Array.isArray(v) ? v.join(",") : v;
  const query: Record<string, string> = {};
  for (const [k, v] of req.query) query[k] = query[k] !== undefined ? `${query[k]},${v}` : v;
  const cookies = req.headers.cookie ? String(req.headers.cookie).split(/;\s*/) : undefined;
  const ct = String(req.headers["content-type"] ?? "");
  const text = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript))/.test(ct) || ct === "";
  const domain = host.replace(/:\d+$/, "");
  const d = new Date(now);
  return {
    version: "2.0", routeKey: "$default", rawPath: decodeURIComponent(req.path), rawQueryString: req.rawQuery, cookies, headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    requestContext: {
      accountId: row.config.AuthType === "AWS_IAM" ? row.account : "anonymous", apiId: row.urlId, domainName: domain, domainPrefix: row.urlId,
      http: { method: req.method, path: decodeURIComponent(req.path), protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: String(req.headers["user-agent"] ?? "") },
      requestId, routeKey: "$default", stage: "$default", time: d.toUTCString(), timeEpoch: now,
    },
    body: req.body.length ? (text ? req.body.toString("utf8") : req.body.toString("base64")) : undefined,
    isBase64Encoded: req.body.length > 0 && !text,
  };
}

/** The function's answer as HTTP (payload format 2.0 response rules). */
export function urlResponse(payload: Buffer, functionError: string | undefined, requestId: string): HttpResponse {
  const base = { "x-amzn-RequestId": requestId };
  if (functionError) return { status: 502, headers: { ...base, "Content-Type": "application/json" }, body: JSON.stringify({ Message: "Internal Server Error" }) };
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch {
    return { status: 502, headers: { ...base, "Content-Type": "application/json" }, body: JSON.stringify({ Message: "Internal Server Error" }) };
  }
  if (value && typeof value === "object" && !Array.isArray(value) && "statusCode" in value) {
    const r = value as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean; cookies?: string[] };
    const headers: Record<string, string | string[]> = { ...base, "Content-Type": "application/json", ...r.headers };
    if (r.cookies?.length) headers["Set-Cookie"] = r.cookies;
    const body = r.body === undefined ? "" : r.isBase64Encoded ? Buffer.from(r.body, "base64") : String(r.body);
    return { status: Number(r.statusCode), headers, body };
  }
  return { status: 200, headers: { ...base, "Content-Type": "application/json" }, body: JSON.stringify(value) };
}
