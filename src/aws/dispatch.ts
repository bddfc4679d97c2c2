/**
 * The AWS API pipeline, one readable list of steps:
 *   codec (protocol of the model) → auth (SigV4 scope → account, region; verification when enforced)
 *   → resolve operation → parse typed input → handler → serialize output (or the error).
 * Handlers see typed input and return typed output; only the codecs touch the wire format.
 */
import type { Config } from "../cli/config.js";
import type { Clock } from "../core/clock.js";
import type { IdGenerator } from "../core/ids.js";
import type { Logger } from "../core/log.js";
import type { RequestContext } from "../edge/context.js";
import type { ServiceHost } from "../services/host.js";
import { internalFailure, notImplemented, ServiceError } from "./errors.js";
import { loadModel, type ServiceModel } from "./models/loader.js";
import { JsonCodec } from "./protocol/json.js";
import { QueryCodec } from "./protocol/query.js";
import { RestJsonCodec } from "./protocol/rest-json.js";
import { RestXmlCodec } from "./protocol/rest-xml.js";
import { quirksOf } from "./protocol/quirks.js";
import type { HttpRequest, HttpResponse, ProtocolCodec } from "./protocol/types.js";
import { parseSigV4, verifySigV4 } from "./sigv4.js";
import { authorizerFor } from "./authorize.js";

/** Group commit of the store (see Store.openWriteGroup): a response is sent only once its writes are committed. */
export interface WriteGroup {
  openWriteGroup(): void;
  settled(): Promise<Error | undefined> | undefined;
}

export interface DispatchEnv {
  writeGroup?: WriteGroup;
  config: Config;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  services: ServiceHost;
}

const CODECS = { json: new JsonCodec(), "rest-json": new RestJsonCodec(), "rest-xml": new RestXmlCodec(), query: new QueryCodec() } as const;

/** The codec for a request: the model's protocol, or JSON for query services called with X-Amz-Target (CloudWatch). */
export function codecFor(model: ServiceModel, req: HttpRequest): ProtocolCodec {
  if (model.protocol === "query" && model.metadata.targetPrefix && req.headers["x-amz-target"]) return CODECS.json;
  return CODECS[model.protocol];
}

function isUnsignedOperation(codec: ProtocolCodec, model: ServiceModel, req: HttpRequest): boolean {
  const op = codec.resolveOperation(model, req);
  return !(op instanceof ServiceError) && op.unsigned === true;
}

/** Filled in by dispatchAwsRequest for the edge's request log line. */
export interface DispatchInfo {
  operation: string;
  requestId: string;
  errorCode?: string;
}

export async function dispatchAwsRequest(service: string, req: HttpRequest, endpoint: string, env: DispatchEnv, info?: DispatchInfo): Promise<HttpResponse> {
  const model = loadModel(service);
  const codec = codecFor(model, req);
  const sig = parseSigV4(req.headers, req.query);
  const ctx: RequestContext = {
    requestId: env.ids.uuid(),
    accountId: env.services.credentials.accountFor(sig?.accessKeyId ?? ""),
    region: sig?.region && sig.region !== "aws-global" ? sig.region : env.config.region,
    service,
    operation: "",
    principal: { accessKeyId: sig?.accessKeyId ?? "", anonymous: !sig },
    clock: env.clock,
    endpoint,
  };
  if (info) info.requestId = ctx.requestId;
  try {
    // A body the edge left unread (streaming services): buffered here unless the operation streams its payload.
    if (req.stream) await bufferUnlessStreamed(service, model, codec, req);
    // Operations AWS serves unsigned (authtype "none") stay open to unsigned requests; a signature, when sent, is checked.
    if (env.config.enforceSigV4 && !(sig === undefined && isUnsignedOperation(codec, model, req))) {
      const protocol = codec === CODECS.json ? "json" : model.protocol;
      verifySigV4({ method: req.method, rawPath: req.path, rawQuery: req.rawQuery, headers: req.headers, body: req.body, payloadUnread: !!req.stream }, sig, protocol, (id) => env.services.credentials.lookup(id), env.clock.now());
    }
    const op = codec.resolveOperation(model, req);
    if (op instanceof ServiceError) throw op;
    ctx.operation = op.name;
    if (info) info.operation = op.name;
    const input = codec.parseInput(model, op, req);
    if (env.config.enforceIam && !(sig === undefined && op.unsigned)) await authorizerFor(env.services).authorize(service, op.name, input, ctx);
    const ready = env.services.readyHandler(service, op.name);
    const handler = ready === undefined ? await env.services.handler(service, op.name) : ready;
    if (!handler) throw notImplemented(service, op.name);
    env.writeGroup?.openWriteGroup();
    const output = await handler.fn.call(handler.provider, ctx, input);
    const pending = env.writeGroup?.settled();
    if (pending) {
      const failed = await pending;
      if (failed) throw failed;
    }
    return codec.serializeOutput(model, op, (output ?? {}) as Record<string, unknown>, ctx);
  } catch (e) {
    if (e instanceof ServiceError) {
      if (info) info.errorCode = e.code;
      if (e.status >= 500) env.log.warn(`${service}.${ctx.operation || "?"} ${e.code}: ${e.message}`);
      return codec.serializeError(model, e, ctx);
    }
    env.log.error(`${service}.${ctx.operation || "?"} failed (request ${ctx.requestId})`, e);
    if (info) info.errorCode = "InternalFailure";
    return codec.serializeError(model, internalFailure(ctx.requestId), ctx);
  }
}

/** Reads a request body the edge left unread, unless the operation's payload is a streaming blob (S3 PutObject, UploadPart). */
async function bufferUnlessStreamed(service: string, model: ServiceModel, codec: ProtocolCodec, req: HttpRequest): Promise<void> {
  const op = codec.resolveOperation(model, req);
  if (!(op instanceof ServiceError) && op.input?.payload && op.input.members![op.input.payload]!.streaming) return;
  const stream = req.stream!;
  req.stream = undefined;
  const q = quirksOf(service);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > q.maxBodyBytes) {
      throw new ServiceError(q.tooLarge.code, q.tooLarge.message, q.tooLarge.status);
    }
    chunks.push(c);
  }
  req.body = Buffer.concat(chunks);
}
