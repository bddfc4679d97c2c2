/**
 * The function URL data plane ({urlId}.lambda-url.{region}.localhost): finds the URL's configuration, checks
 * AWS_IAM signatures, invokes the function with the payload format 2.0 event and shapes its answer (CORS,
 * throttling) as function URLs do.
 */
import { ServiceError } from "../../aws/errors.js";
import type { HttpRequest, HttpResponse } from "../../aws/protocol/types.js";
import type { InvocationResult } from "./runtime/environment.js";
import { URL_HOST, urlEvent, urlResponse, type FunctionUrls, type UrlRow } from "./urls.js";

export interface FunctionUrlDeps {
  urls: FunctionUrls;
  /** Throws a ServiceError when the request's SigV4 signature is missing or wrong. */
  authenticate(req: HttpRequest): void;
  /** Runs the URL's function (its qualifier) with the event. */
  invoke(row: UrlRow, event: Buffer): Promise<InvocationResult>;
  requestId(): string;
  now(): number;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({ status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });

export async function serveFunctionUrl(req: HttpRequest, host: string, deps: FunctionUrlDeps): Promise<HttpResponse> {
  const m = URL_HOST.exec(host);
  const row = m ? deps.urls.byId(m[1]!.toLowerCase()) : undefined;
  if (!row) return json(404, { Message: null });
  if (row.config.AuthType === "AWS_IAM") {
    try {
      deps.authenticate(req);
    } catch (e) {
      if (!(e instanceof ServiceError)) throw e;
      return json(403, { Message: "Forbidden" }, { "x-amzn-ErrorType": "AccessDeniedException" });
    }
  }
  const requestId = deps.requestId();
  const event = urlEvent(req, host, row, requestId, deps.now());
  try {
    const r = await deps.invoke(row, Buffer.from(JSON.stringify(event)));
    const res = urlResponse(r.payload, r.functionError, requestId);
    const origins = row.config.Cors?.AllowOrigins;
    if (origins?.length) {
      const origin = String(req.headers.origin ?? "");
      res.headers["Access-Control-Allow-Origin"] = origins.includes("*") ? "*" : origin && origins.includes(origin) ? origin : origins[0]!;
    }
    return res;
  } catch (e) {
    if (e instanceof ServiceError && e.status === 429) return json(429, { Message: "Rate Exceeded." });
    // The URL's alias (or version) was deleted: AWS answers 403 Forbidden, as for a URL it cannot authorize.
    if (e instanceof ServiceError && e.code === "ResourceNotFoundException") return json(403, { Message: "Forbidden" }, { "x-amzn-ErrorType": "AccessDeniedException" });
    throw e;
  }
}
