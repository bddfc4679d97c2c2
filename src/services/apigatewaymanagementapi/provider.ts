/**
 * API Gateway management API (the @connections API of WebSocket APIs): PostToConnection (Data sent as one
 * text frame, or a binary frame when it is not UTF-8), GetConnection (ConnectedAt, Identity, LastActiveAt),
 * DeleteConnection (closes the socket; $disconnect runs). Unknown or closed connections answer
 * GoneException (410), Data over 128 KB PayloadTooLargeException (413).
 * Served at `POST|GET|DELETE /{stage}/@connections/{id}` on `{apiId}.execute-api.localhost[:port]` (http or
 * https on the API port) and on `/_aws/execute-api/{apiId}/{stage}/@connections/{id}`; a call signed for
 * execute-api at a bare endpoint (`/@connections/{id}`) addresses the connection by its id alone.
 * This provider owns the WebSocket gateway (apigatewayv2/websocket/gateway.ts): it holds the live sockets.
 * Gaps: ForbiddenException for callers of another account is not raised; LimitExceededException never;
 * under --enforce-iam the execute-api:ManageConnections resource names `*` for the API and stage (the
 * policy mapper sees only the parsed input, which does not carry them).
 */
import type {
  ApigatewaymanagementapiHandlers, DeleteConnectionInput, DeleteConnectionOutput, GetConnectionInput, GetConnectionOutput, PostToConnectionInput, PostToConnectionOutput,
} from "../../aws/api/apigatewaymanagementapi.js";
import { codecFor, dispatchAwsRequest } from "../../aws/dispatch.js";
import { ServiceError } from "../../aws/errors.js";
import { loadModel } from "../../aws/models/loader.js";
import type { HttpRequest, HttpResponse } from "../../aws/protocol/types.js";
import { parseSigV4, verifySigV4 } from "../../aws/sigv4.js";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceEnv } from "../host.js";
import { WebSocketGateway, wsTargetOf } from "../apigatewayv2/websocket/gateway.js";

const SERVICE = "apigatewaymanagementapi";
/** The API a call was made for, from the endpoint the data plane hands the protocol layer. */
const API_OF_ENDPOINT = /^https?:\/\/(?:([a-z0-9]{10})\.execute-api\.localhost(?::\d+)?|[^/]+\/_aws\/execute-api\/([a-z0-9]{10}))\//i;

export class ApiGatewayManagementApiProvider implements ApigatewaymanagementapiHandlers {
  readonly gateway: WebSocketGateway;
  private readonly relaxed: ServiceEnv;

  constructor(private readonly env: ServiceEnv) {
    this.gateway = new WebSocketGateway(env);
    // The signature is checked over the path the client signed (with its stage) before the path is rewritten.
    this.relaxed = { ...env, config: { ...env.config, enforceSigV4: false } };
  }

  private apiOf(ctx: RequestContext): string | undefined {
    const m = API_OF_ENDPOINT.exec(ctx.endpoint + "/");
    return (m?.[1] ?? m?.[2])?.toLowerCase();
  }

  PostToConnection(ctx: RequestContext, input: PostToConnectionInput): PostToConnectionOutput {
    this.gateway.post(this.apiOf(ctx), input.ConnectionId, Buffer.from(input.Data ?? new Uint8Array()));
    return {};
  }

  GetConnection(ctx: RequestContext, input: GetConnectionInput): GetConnectionOutput {
    const c = this.gateway.live(this.apiOf(ctx), input.ConnectionId);
    return { ConnectedAt: new Date(c.connectedAt), Identity: { SourceIp: c.sourceIp, UserAgent: c.userAgent }, LastActiveAt: new Date(c.lastActiveAt) };
  }

  DeleteConnection(ctx: RequestContext, input: DeleteConnectionInput): DeleteConnectionOutput {
    const c = this.gateway.live(this.apiOf(ctx), input.ConnectionId);
    this.gateway.end(c, { statusCode: 1000, reason: "" });
    return {};
  }

  /**
   * `/{stage}/@connections/{id}` on an API's host (or path-style): the protocol layer serves it as
   * `/@connections/{id}` with the API's URL as the endpoint. Undefined when the path is not one of those.
   */
  async handleConnectionsRequest(req: HttpRequest, host: string, endpoint: string): Promise<HttpResponse | undefined> {
    const target = wsTargetOf(host, req.path);
    if (!target || !target.rest.startsWith("/@connections/")) return undefined;
    const prefix = req.path.slice(0, req.path.length - target.rest.length);
    if (this.env.config.enforceSigV4) {
      try {
        verifySigV4({ method: req.method, rawPath: req.path, rawQuery: req.rawQuery, headers: req.headers, body: req.body }, parseSigV4(req.headers, req.query), "rest-json", (id) => this.env.services.credentials.lookup(id), this.env.clock.now());
      } catch (e) {
        if (!(e instanceof ServiceError)) throw e;
        const model = loadModel(SERVICE);
        const ctx: RequestContext = { requestId: this.env.ids.uuid(), accountId: "", region: this.env.config.region, service: SERVICE, operation: "", principal: { accessKeyId: "", anonymous: true }, clock: this.env.clock, endpoint };
        return codecFor(model, req).serializeError(model, e, ctx);
      }
    }
    return dispatchAwsRequest(SERVICE, { ...req, path: target.rest }, endpoint + prefix, this.relaxed);
  }

  async drain(): Promise<void> {
    this.gateway.closeAll();
  }

  close(): void {
    this.gateway.close();
  }

  reset(): void {
    this.gateway.closeAll();
  }

  health(): Record<string, unknown> {
    return { connections: this.gateway.registry.size };
  }
}

export function createProvider(env: ServiceEnv): ApiGatewayManagementApiProvider {
  return new ApiGatewayManagementApiProvider(env);
}
