/**
 * The WebSocket request path: upgrade → $connect (REQUEST authorizer, integration; a refusal answers the
 * upgrade with AWS's status) → messages (route selection, integration, route response back to the client)
 * → $disconnect (client close, DeleteConnection, idle/maximum duration, shutdown). Also serves the
 * @connections operations (apigatewaymanagementapi/provider.ts) on the same registry.
 */
import type { IncomingMessage } from "node:http";
import { isUtf8 } from "node:buffer";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { ServiceError } from "../../../aws/errors.js";
import type { RequestContext } from "../../../edge/context.js";
import type { GetRouteOutput } from "../../../aws/api/apigatewayv2.js";
import type { ServiceEnv } from "../../host.js";
import { AuthorizerCache, runRequestAuthorizer } from "./authorizer.js";
import { ConnectionRegistry, newConnectionId, type Connection, type DisconnectInfo } from "./connections.js";
import { WsLimits } from "./constants.js";
import { integrationOf, WsControlPlane, type WsApi } from "./control-plane.js";
import { eventHeadersOf, shortId, type EventParts } from "./events.js";
import { runIntegration, type IntegrationDeps } from "./integrations.js";
import { selectRoute } from "./select.js";

const EXECUTE_HOST = /^([a-z0-9]{10})\.execute-api\.localhost(:\d+)?$/i;
const PATH_STYLE = /^\/_aws\/execute-api\/([a-z0-9]{10})\/([^/?]+)/i;
const STAGE = /^\/([^/?]+)/;
const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 504: "Gateway Timeout" };

export const gone = () => new ServiceError("GoneException", "", 410);

/** The API and stage an upgrade or @connections request is for: `{apiId}.execute-api.localhost/{stage}` or the path-style URL. */
export function wsTargetOf(host: string, path: string): { apiId: string; stage: string; rest: string } | undefined {
  const ps = PATH_STYLE.exec(path);
  if (ps) return { apiId: ps[1]!.toLowerCase(), stage: decodeURIComponent(ps[2]!), rest: path.slice(ps[0].length) };
  const h = EXECUTE_HOST.exec(host);
  const s = STAGE.exec(path);
  if (!h || !s) return undefined;
  return { apiId: h[1]!.toLowerCase(), stage: decodeURIComponent(s[1]!), rest: path.slice(s[0].length) };
}

export class WebSocketGateway {
  readonly registry: ConnectionRegistry;
  private readonly wss: WebSocketServer;
  private readonly controlPlane: WsControlPlane;
  private readonly deps: IntegrationDeps;
  /** Headers a $connect integration adds to the 101 answer, keyed by the upgrade request. */
  private readonly handshakeHeaders = new WeakMap<IncomingMessage, Record<string, string>>();
  /** Every open socket, until its close event: shutdown terminates those still closing. */
  private readonly sockets = new Set<WebSocket>();
  private readonly authorizerCache = new AuthorizerCache();
  private cacheResetsHooked = false;

  constructor(private readonly env: ServiceEnv) {
    const limits = env.config.websocketLimits ?? { idleMs: WsLimits.IDLE_MS, maxMs: WsLimits.MAX_CONNECTION_MS };
    const sweepMs = Math.min(WsLimits.MAX_SWEEP_MS, Math.max(WsLimits.MIN_SWEEP_MS, Math.floor(Math.min(limits.idleMs, limits.maxMs) / 4)));
    this.registry = new ConnectionRegistry(env.clock, { ...limits, sweepMs }, (c, info) => this.end(c, info));
    this.wss = new WebSocketServer({
      noServer: true, maxPayload: WsLimits.MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: false,
      // The subprotocol a $connect integration answered with (AWS: "Set up a $connect route that requires a
      // WebSocket subprotocol"); without one, the client's first (lenient: AWS would leave it unanswered).
      handleProtocols: (protocols: Set<string>, req: IncomingMessage) => {
        const extra = this.handshakeHeaders.get(req) ?? {};
        const chosen = Object.entries(extra).find(([k]) => k.toLowerCase() === "sec-websocket-protocol")?.[1];
        if (chosen && protocols.has(chosen)) return chosen;
        return protocols.values().next().value ?? false;
      },
    });
    this.wss.on("headers", (headers: string[], req: IncomingMessage) => {
      const extra = this.handshakeHeaders.get(req);
      if (extra) for (const [k, v] of Object.entries(extra)) if (!/^(sec-websocket-|connection$|upgrade$|content-length$)/i.test(k)) headers.push(`${k}: ${v}`);
    });
    this.controlPlane = new WsControlPlane(env.services, env.config.region, env.ids, env.clock);
    this.deps = { services: env.services, ctx: (w) => this.ctx(w) };
  }

  private ctx(w: WsApi): RequestContext {
    return { requestId: this.env.ids.uuid(), accountId: w.accountId, region: w.region, service: "apigateway", operation: "", principal: { accessKeyId: w.accountId, anonymous: false }, clock: this.env.clock, endpoint: this.env.services.localEndpoint };
  }

  /** An HTTP upgrade on an execute-api host or the path-style URL. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const host = req.headers.host ?? "";
    const target = wsTargetOf(host, path);
    const w = target ? await this.controlPlane.load(target.apiId, target.stage) : undefined;
    // disableExecuteApiEndpoint: only custom domain names would reach the API (not served here).
    if (!target || !w || w.api.DisableExecuteApiEndpoint) return refuse(socket, 403, "Forbidden");
    const now = this.env.clock.now();
    const port = (req.socket as { localPort?: number }).localPort;
    const c: Connection = {
      connectionId: newConnectionId(), apiId: target.apiId, stage: target.stage, accountId: w.accountId, region: w.region,
      domainName: `${target.apiId}.execute-api.localhost${port ? `:${port}` : ""}`,
      connectedAt: now, lastActiveAt: now, sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""), userAgent: String(req.headers["user-agent"] ?? ""),
    };
    // As behind AWS's load balancer, the function sees X-Forwarded-* headers.
    const forwarded = ["X-Forwarded-For", c.sourceIp, "X-Forwarded-Port", String(port ?? ""), "X-Forwarded-Proto", (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http"];
    const parts: EventParts = { routeKey: "$connect", eventType: "CONNECT", requestId: shortId(), now, query: new URLSearchParams(q < 0 ? "" : url.slice(q + 1)), ...eventHeadersOf([...req.rawHeaders, ...forwarded]) };
    const route = w.routes.get("$connect");
    if (route) {
      const refusal = await this.connectRoute(w, route, c, parts, req);
      if (refusal) return refuse(socket, refusal.status, refusal.message);
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(c, ws));
  }

  /** Runs $connect's authorizer and integration; a refusal (status, message) when the upgrade must fail. */
  private async connectRoute(w: WsApi, route: GetRouteOutput, c: Connection, parts: EventParts, req: IncomingMessage): Promise<{ status: number; message: string } | undefined> {
    try {
      if (route.AuthorizationType === "CUSTOM" && route.AuthorizerId) {
        const a = w.authorizers.get(route.AuthorizerId);
        if (!a) return { status: 500, message: "Internal server error" };
        await this.hookCacheResets();
        const verdict = await runRequestAuthorizer(this.deps, w, a, c, parts, this.authorizerCache);
        if (!verdict.allowed) return { status: verdict.status, message: verdict.message };
        c.authorizer = verdict.authorizer;
      }
      const integration = integrationOf(w, route);
      if (!integration) return undefined;
      const result = await runIntegration(this.deps, w, integration, c, parts);
      if (result.failed) return { status: 500, message: "Internal server error" };
      if (result.status < 200 || result.status > 299) return { status: result.status, message: STATUS_TEXT[result.status] ?? "Forbidden" };
      if (Object.keys(result.headers).length) this.handshakeHeaders.set(req, result.headers);
      return undefined;
    } catch (e) {
      this.env.log.warn(`WebSocket $connect of API ${c.apiId} failed: ${(e as Error).message}`);
      return { status: 500, message: "Internal server error" };
    }
  }

  /** ResetAuthorizersCache on the control plane empties this cache too (apigatewayv2 provider's listeners). */
  private async hookCacheResets(): Promise<void> {
    if (this.cacheResetsHooked) return;
    this.cacheResetsHooked = true;
    const v2 = (await this.env.services.get("apigatewayv2")) as { authorizerCacheResets?: Array<(apiId: string, stage: string) => void> } | undefined;
    v2?.authorizerCacheResets?.push((apiId, stage) => this.authorizerCache.clear(apiId, stage));
  }

  private accept(c: Connection, ws: WebSocket): void {
    c.socket = ws;
    this.sockets.add(ws);
    c.lastActiveAt = this.env.clock.now();
    this.registry.add(c);
    ws.on("message", (data: RawData, isBinary: boolean) => {
      c.lastActiveAt = this.env.clock.now();
      void this.onMessage(c, toBuffer(data), isBinary);
    });
    ws.on("close", (code: number, reason: Buffer) => {
      this.sockets.delete(ws);
      this.end(c, { statusCode: code, reason: reason.toString("utf8") });
    });
    ws.on("error", () => ws.terminate());
  }

  private async onMessage(c: Connection, data: Buffer, isBinary: boolean): Promise<void> {
    const requestId = shortId();
    const body = isBinary ? data.toString("base64") : data.toString("utf8");
    try {
      const w = await this.controlPlane.load(c.apiId, c.stage);
      const key = w ? selectRoute(w.api.RouteSelectionExpression, isBinary ? "" : body, w.routes) : undefined;
      const route = key ? w!.routes.get(key) : undefined;
      if (!w || !route) return this.sendError(c, "Forbidden", requestId);
      const integration = integrationOf(w, route);
      if (!integration) return this.sendError(c, "Internal server error", requestId);
      const result = await runIntegration(this.deps, w, integration, c, { routeKey: key!, eventType: "MESSAGE", requestId, now: this.env.clock.now(), body, isBase64Encoded: isBinary });
      if (result.failed) return this.sendError(c, "Internal server error", requestId);
      // Two-way routes: a route response selection expression and a route response send the result back.
      if (route.RouteResponseSelectionExpression && result.body !== undefined) {
        const responses = w.routeResponses[route.RouteId ?? ""] ?? [];
        if (responses.some((r) => r.RouteResponseKey === "$default")) this.send(c, Buffer.from(result.body));
      }
    } catch (e) {
      this.env.log.warn(`WebSocket message on API ${c.apiId} failed: ${(e as Error).message}`);
      this.sendError(c, "Internal server error", requestId);
    }
  }

  /** AWS's answer to a message it could not route or integrate. */
  private sendError(c: Connection, message: string, requestId: string): void {
    this.send(c, Buffer.from(JSON.stringify({ message, connectionId: c.connectionId, requestId })));
  }

  private send(c: Connection, data: Buffer): boolean {
    const ws = c.socket;
    if (!ws || c.closing || ws.readyState !== ws.OPEN) return false;
    ws.send(data, { binary: !isUtf8(data) });
    return true;
  }

  /** Ends a connection once: closes the socket (if still open) and runs $disconnect. */
  end(c: Connection, info: DisconnectInfo, terminate = false): void {
    if (c.closing) return;
    c.closing = info;
    this.registry.remove(c.connectionId);
    const ws = c.socket;
    if (ws && ws.readyState === ws.OPEN) {
      if (terminate) ws.terminate();
      else ws.close(info.statusCode === 1005 ? 1000 : info.statusCode, info.reason);
    }
    void this.disconnectRoute(c, info);
  }

  private async disconnectRoute(c: Connection, info: DisconnectInfo): Promise<void> {
    try {
      const w = await this.controlPlane.load(c.apiId, c.stage);
      const integration = w ? integrationOf(w, w.routes.get("$disconnect")) : undefined;
      if (!w || !integration) return;
      await runIntegration(this.deps, w, integration, c, { routeKey: "$disconnect", eventType: "DISCONNECT", requestId: shortId(), now: this.env.clock.now(), disconnect: info, headers: { Host: c.domainName } });
    } catch (e) {
      this.env.log.warn(`WebSocket $disconnect of API ${c.apiId} failed: ${(e as Error).message}`);
    }
  }

  /** The connection @connections addresses: live, of this API when one is named (else GoneException). */
  live(apiId: string | undefined, connectionId: string): Connection {
    const c = this.registry.get(connectionId);
    if (!c || c.closing || (apiId !== undefined && c.apiId !== apiId)) throw gone();
    return c;
  }

  post(apiId: string | undefined, connectionId: string, data: Buffer): void {
    const c = this.live(apiId, connectionId);
    if (data.length > WsLimits.MAX_POST_BYTES) throw new ServiceError("PayloadTooLargeException", "Message too long", 413);
    if (!this.send(c, data)) throw gone();
  }

  /** Closes every connection (shutdown, reset): $disconnect runs for each, not awaited. */
  closeAll(code = 1001, reason = "Going away"): void {
    for (const c of this.registry.all()) this.end(c, { statusCode: code, reason });
  }

  close(): void {
    this.closeAll();
    for (const ws of this.sockets) ws.terminate();
    this.registry.stop();
    this.wss.close();
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Refuses an upgrade with an HTTP answer, as API Gateway does ({"message": ...} JSON). */
function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
