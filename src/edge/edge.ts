/**
 * The edge: every request enters here. Order: Skyport's internal routes (/_skyport/*), then the data
 * planes chosen by host or path (execute-api, function URLs — registered in DATA_PLANES), then AWS API
 * calls routed to a service (router.ts) and dispatched through the protocol layer; requests signed for an
 * AWS service Skyport does not serve get a not-implemented answer in that service's protocol. Every answer
 * leaves through send() (headers merged case-insensitively) and gets one log line at info.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { dispatchAwsRequest, type DispatchEnv, type DispatchInfo } from "../aws/dispatch.js";
import { ServiceError } from "../aws/errors.js";
import { loadModel } from "../aws/models/loader.js";
import { codecFor } from "../aws/dispatch.js";
import { quirksOf } from "../aws/protocol/quirks.js";
import type { HttpRequest, HttpResponse } from "../aws/protocol/types.js";
import { unservedServiceAnswer } from "../aws/protocol/unserved.js";
import { parseSigV4, signingNameOf } from "../aws/sigv4.js";
import { handleInternal, type InternalEnv } from "./internal.js";
import { routeService, SERVED_SERVICES } from "./router.js";

/** A data plane served on the same port, picked by host or path before AWS API routing. */
export interface DataPlane {
  /** Cheap test on host and path (and whether the request carries SigV4 credentials); must not load the service. */
  matches(host: string, path: string, signed: boolean): boolean;
  maxBodyBytes: number;
  /** Planes that stream large uploads (registry blobs): the body is handed over unread as `stream` (the plane bounds it). */
  streamsBody?(method: string, path: string): boolean;
  /** The answer to a body over maxBodyBytes, when the plane has more to do than a 413 (default: 413). */
  tooLarge?(path: string, method: string): Promise<HttpResponse>;
  /** The response, or undefined when the request turns out not to be for this plane (later planes, then AWS API routing, go on). */
  handle(req: HttpRequest, host: string, endpoint: string): Promise<HttpResponse | undefined>;
}

export interface EdgeEnv extends DispatchEnv {
  internal: InternalEnv;
  dataPlanes: DataPlane[];
  /** True while the server shuts down gracefully: only work already in flight is served. */
  draining?: () => boolean;
}

const QUERY_SERVICES = ["sts", "iam", "cloudwatch", "cloudformation"];
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
const INTERNAL_MAX_BODY = 64 * 1024;
const COMPRESS_MIN_BYTES = 1024;
/** gzip listed without q=0 (a client that refuses gzip says "gzip;q=0"). */
const ACCEPTS_GZIP = /(^|,)\s*(gzip|\*)\s*(,|$|;\s*q=(?!0(\.0*)?\s*(,|$)))/i;
const gzipAsync = promisify(gzip);
const RUNTIME_API_PREFIX = "/_aws/lambda-runtime/";
const ROOT_ANSWER = JSON.stringify({ status: "running", service: "skyport", health: "/_skyport/health" });

function lookupAction(action: string): string | undefined {
  for (const s of QUERY_SERVICES) if (loadModel(s).operations.has(action)) return s;
  return undefined;
}

/** What the request's log line will say, filled in along the way (only while info is logged). */
interface LineState {
  start: number;
  route: string;
  requestId: string;
  errorCode?: string;
}
const lines = new WeakMap<ServerResponse, LineState>();

export function createEdge(env: EdgeEnv) {
  const logRequests = env.log.enabled("info");
  const logRuntimeApi = env.log.enabled("debug");
  return function handle(req: IncomingMessage, res: ServerResponse): void {
    let line: LineState | undefined;
    if (logRequests) lines.set(res, (line = { start: performance.now(), route: "", requestId: "" }));
    serve(req, res, env)
      .catch((e) => {
        env.log.error("request failed outside any service", e);
        if (line) line.errorCode = "InternalFailure";
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ message: "Internal server error" }));
      })
      .then(() => {
        if (!line) return;
        const url = req.url ?? "/";
        const q = url.indexOf("?");
        const path = q < 0 ? url : url.slice(0, q);
        let route = line.route || `${req.method} ${path}`;
        // The Runtime API is each function's own long-poll traffic (and its path names the environment): not a user's request.
        if (path.startsWith(RUNTIME_API_PREFIX)) {
          if (!logRuntimeApi) return;
          route = `${req.method} ${RUNTIME_API_PREFIX}…`;
        }
        env.log.request({ route, status: res.statusCode, durationMs: performance.now() - line.start, requestId: line.requestId, errorCode: line.errorCode });
      });
  };
}

/** Names the log line of a request; a no-op unless info is logged. */
function noteRoute(res: ServerResponse, route: string, requestId?: string, errorCode?: string): void {
  const line = lines.get(res);
  if (!line) return;
  line.route = route;
  if (requestId) line.requestId = requestId;
  if (errorCode) line.errorCode = errorCode;
}

async function serve(req: IncomingMessage, res: ServerResponse, env: EdgeEnv): Promise<void> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? "" : url.slice(q + 1);
  const host = req.headers.host ?? "localhost";
  const endpoint = `${(req.socket as { encrypted?: boolean }).encrypted ? "https" : "http"}://${host}`;

  if (env.draining?.() && !servesWorkInFlight(req, path, rawQuery, env)) {
    res.shouldKeepAlive = false; // Node answers "Connection: close"
    return send(res, { status: 503, headers: { "Content-Type": "application/json", "Retry-After": "1" }, body: '{"__type":"ServiceUnavailableException","message":"Skyport is shutting down"}' });
  }

  if (path.startsWith("/_skyport/")) {
    const body = await readBody(req, INTERNAL_MAX_BODY);
    if (body === undefined) return send(res, { status: 413, headers: { "Content-Type": "application/json" }, body: '{"message":"Request Too Long"}' });
    return send(res, await handleInternal({ method: req.method ?? "GET", path, rawQuery, headers: req.headers, body }, env.internal), req.method === "HEAD");
  }

  const signingName = signingNameOf(req.headers, rawQuery);
  let preread: Buffer | undefined;
  for (const plane of env.dataPlanes) {
    if (!plane.matches(host, path, signingName !== undefined)) continue;
    const streamed = plane.streamsBody?.(req.method ?? "GET", path) === true;
    const body = streamed ? Buffer.alloc(0) : preread ?? (await readBody(req, plane.maxBodyBytes));
    if (body === undefined) return send(res, plane.tooLarge ? await plane.tooLarge(path, req.method ?? "GET") : { status: 413, headers: { "Content-Type": "application/json" }, body: '{"message":"Request Too Long"}' });
    const request: HttpRequest = { method: req.method ?? "GET", path, rawQuery, query: new URLSearchParams(rawQuery), headers: req.headers, body, rawHeaders: req.rawHeaders, remoteAddress: req.socket.remoteAddress, localPort: req.socket.localPort, stream: streamed ? req : undefined };
    const answer = await plane.handle(request, host, endpoint);
    if (answer) {
      noteRoute(res, `${request.method} ${host.replace(/:\d+$/, "")}${path}`);
      return send(res, answer, req.method === "HEAD");
    }
    // Not this plane's after all (e.g. an execute-api id of another API type): a later plane may claim it.
    if (!streamed) preread = body;
  }

  const target = req.headers["x-amz-target"];
  const routeInput = {
    host,
    path,
    signingName,
    target: typeof target === "string" ? target : undefined,
    action: rawQuery.includes("Action=") ? new URLSearchParams(rawQuery).get("Action") ?? undefined : undefined,
  };
  let service = routeService(routeInput, lookupAction);
  const limit = service ? quirksOf(service).maxBodyBytes : DEFAULT_MAX_BODY;
  // S3 objects stream to the service (up to 5 GB a request): the body is left unread for the codec.
  const streamed = !preread && !!service && quirksOf(service).streamsRequestBodies === true && (req.method === "PUT" || req.method === "POST");
  const body = streamed ? Buffer.alloc(0) : preread ?? (await readBody(req, limit));
  const query = new URLSearchParams(rawQuery);
  const request: HttpRequest = { method: req.method ?? "GET", path, rawQuery, query, headers: req.headers, body: body ?? Buffer.alloc(0), stream: streamed ? req : undefined };
  if (!service && body && /^Action=|&Action=/.test(body.toString("latin1", 0, Math.min(body.length, 4096)))) {
    service = routeService({ ...routeInput, action: new URLSearchParams(body.toString("utf8")).get("Action") ?? undefined }, lookupAction);
  }
  if (!service) {
    if (signingName) {
      const requestId = env.ids.uuid();
      const answer = unservedServiceAnswer(signingName, request, requestId, SERVED_SERVICES.join(", "));
      if (answer) {
        noteRoute(res, `${signingName} (not served)`, requestId, "NotImplementedException");
        return send(res, answer);
      }
    } else if ((req.method === "GET" || req.method === "HEAD") && path === "/") {
      // An unsigned GET / is a health probe (load balancers, `curl localhost:4566`), not an AWS call.
      return send(res, { status: 200, headers: { "Content-Type": "application/json" }, body: ROOT_ANSWER }, req.method === "HEAD");
    }
    noteRoute(res, `${req.method} ${path}`, undefined, "UnknownServiceException");
    return send(res, { status: 400, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ __type: "UnknownServiceException", message: `Skyport could not tell which AWS service ${req.method} ${path} is for: sign the request with SigV4 or use the service's X-Amz-Target, host or path` }) });
  }
  if (body === undefined) {
    const q2 = quirksOf(service);
    const model = loadModel(service);
    const err = new ServiceError(q2.tooLarge.code, q2.tooLarge.message, q2.tooLarge.status);
    const ctx = { requestId: env.ids.uuid(), accountId: "", region: env.config.region, service, operation: "", principal: { accessKeyId: "", anonymous: true }, clock: env.clock, endpoint };
    noteRoute(res, `${service}.?`, ctx.requestId, err.code);
    return send(res, codecFor(model, request).serializeError(model, err, ctx));
  }
  const info: DispatchInfo = { operation: "", requestId: "" };
  const answer = await dispatchAwsRequest(service, request, endpoint, env, info);
  noteRoute(res, `${service}.${info.operation || "?"}`, info.requestId, info.errorCode);
  send(res, gzipWanted(req, answer, service) ? await gzipped(answer) : answer, req.method === "HEAD");
}

/** AWS API answers over COMPRESS_MIN_BYTES are gzipped for clients that accept it (never S3's, which sends objects as stored). */
function gzipWanted(req: IncomingMessage, r: HttpResponse, service: string): boolean {
  const accept = req.headers["accept-encoding"];
  if (!accept || r.body.length < COMPRESS_MIN_BYTES || !ACCEPTS_GZIP.test(accept) || loadModel(service).protocol === "rest-xml") return false;
  for (const k in r.headers) if (k.toLowerCase() === "content-encoding") return false;
  return true;
}

async function gzipped(r: HttpResponse): Promise<HttpResponse> {
  const body = await gzipAsync(typeof r.body === "string" ? Buffer.from(r.body) : r.body);
  return { ...r, headers: { ...r.headers, "Content-Encoding": "gzip", Vary: "Accept-Encoding" }, body };
}

/**
 * Headers Skyport sets itself, or hop-by-hop ones: a copy from an integration or a function would contradict
 * the body it sends (a `Trailer` on a Content-Length answer makes Node throw ERR_HTTP_TRAILER_INVALID).
 */
const OWN_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "trailer", "te", "proxy-connection", "upgrade"]);

/**
 * The one place responses are written. Headers are case-insensitive: whatever casing an integration or a
 * function used, each name goes out once (the last value wins; Set-Cookie values add up). Content-Length is
 * always the body's, and `Connection: keep-alive` is set explicitly so Node adds no `Keep-Alive: timeout=`
 * header, which AWS does not send.
 */
function send(res: ServerResponse, r: HttpResponse, head = false): void {
  if (r.stream) return sendStream(res, r, head);
  const body = typeof r.body === "string" ? Buffer.from(r.body) : r.body;
  const headers = mergeHeaders(r.headers);
  headers["Content-Length"] = String(body.length);
  const line = lines.get(res);
  if (line && !line.requestId) line.requestId = requestIdOf(headers);
  if (res.shouldKeepAlive) headers.Connection = "keep-alive";
  res.writeHead(r.status, headers);
  res.end(head ? undefined : body);
}

/** A streamed answer (S3 GetObject): Content-Length is the one the service declared; the stream is piped, or dropped for HEAD. */
function sendStream(res: ServerResponse, r: HttpResponse, head: boolean): void {
  const stream = r.stream!;
  let length: string | undefined;
  for (const k in r.headers) if (k.toLowerCase() === "content-length") length = String(r.headers[k]);
  const headers = mergeHeaders(r.headers);
  if (length !== undefined) headers["Content-Length"] = length;
  const line = lines.get(res);
  if (line && !line.requestId) line.requestId = requestIdOf(headers);
  if (res.shouldKeepAlive) headers.Connection = "keep-alive";
  res.writeHead(r.status, headers);
  if (head) {
    stream.destroy();
    res.end();
    return;
  }
  stream.on("error", () => res.destroy());
  res.on("close", () => stream.destroy());
  stream.pipe(res);
}

function requestIdOf(headers: Record<string, string | string[]>): string {
  for (const k in headers) {
    const lower = k.toLowerCase();
    if (lower === "x-amzn-requestid" || lower === "x-amz-request-id") return String(headers[k]);
  }
  return "";
}

/** Case-insensitive merge: one entry per header name, keeping the first spelling seen. */
export function mergeHeaders(input: Record<string, string | string[] | number | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const spelling = new Map<string, string>();
  for (const name in input) {
    const value = input[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (OWN_HEADERS.has(lower)) continue;
    const key = spelling.get(lower);
    if (key === undefined) {
      spelling.set(lower, name);
      out[name] = typeof value === "number" ? String(value) : value;
    } else if (lower === "set-cookie") {
      out[key] = ([] as string[]).concat(out[key]!, value as string | string[]);
    } else {
      out[key] = typeof value === "number" ? String(value) : value;
    }
  }
  return out;
}

/** Reads the whole body; undefined when it is larger than `limit` bytes (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    req.resume();
    return new Promise((resolve) => {
      req.on("end", () => resolve(undefined));
      req.on("error", () => resolve(undefined));
    });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(over ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on("error", () => resolve(over ? undefined : Buffer.concat(chunks)));
  });
}

/**
 * While draining, what still gets through: the Runtime API (environments finishing their invocations) and
 * calls made with a function environment's credentials (the invocations in flight calling back).
 */
function servesWorkInFlight(req: IncomingMessage, path: string, rawQuery: string, env: EdgeEnv): boolean {
  if (path.startsWith("/_aws/lambda-runtime/")) return true;
  const sig = parseSigV4(req.headers, new URLSearchParams(rawQuery));
  return !!sig && env.services.credentials.lookup(sig.accessKeyId)?.session?.kind === "function";
}
