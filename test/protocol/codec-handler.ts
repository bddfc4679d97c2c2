/**
 * An SDK v3 request handler that runs Skyport's protocol layer in process: the real client's serialized
 * request is parsed by our codec, and our codec's serialized response is handed back to the client's
 * deserializer. Used by the round-trip tests to check the protocol layer against outside truth.
 */
import { Readable } from "node:stream";
import { codecFor } from "../../src/aws/dispatch.js";
import { ServiceError } from "../../src/aws/errors.js";
import { loadModel } from "../../src/aws/models/loader.js";
import type { HttpRequest } from "../../src/aws/protocol/types.js";
import { uriEncode } from "../../src/aws/sigv4.js";
import type { RequestContext } from "../../src/edge/context.js";
import { systemClock } from "../../src/core/clock.js";

export interface Exchange {
  operation?: string;
  input?: Record<string, unknown>;
  request?: HttpRequest;
}

type Responder = (operation: string, input: Record<string, unknown>) => Record<string, unknown> | ServiceError;

interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

export function codecHandler(service: string, respond: Responder, exchange: Exchange) {
  return {
    metadata: { handlerProtocol: "http/1.1" },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
    async handle(sdkReq: SdkRequest) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(sdkReq.headers)) headers[k.toLowerCase()] = v;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(sdkReq.query ?? {})) {
        if (v === null) parts.push(uriEncode(k));
        else for (const x of Array.isArray(v) ? v : [v]) parts.push(`${uriEncode(k)}=${uriEncode(x)}`);
      }
      const rawQuery = parts.join("&");
      const req: HttpRequest = { method: sdkReq.method, path: sdkReq.path, rawQuery, query: new URLSearchParams(rawQuery), headers, body: await bodyBytes(sdkReq.body) };
      const model = loadModel(service);
      const codec = codecFor(model, req);
      const ctx: RequestContext = {
        requestId: "11111111-2222-4333-8444-555555555555", accountId: "000000000000", region: "us-east-1", service,
        operation: "", principal: { accessKeyId: "test", anonymous: false }, clock: systemClock, endpoint: "http://localhost",
      };
      let res;
      const op = codec.resolveOperation(model, req);
      if (op instanceof ServiceError) res = codec.serializeError(model, op, ctx);
      else {
        try {
          const input = codec.parseInput(model, op, req);
          exchange.operation = op.name;
          exchange.input = input;
          exchange.request = req;
          const out = respond(op.name, input);
          res = out instanceof ServiceError ? codec.serializeError(model, out, ctx) : codec.serializeOutput(model, op, out, ctx);
        } catch (e) {
          if (!(e instanceof ServiceError)) throw e;
          res = codec.serializeError(model, e, ctx);
        }
      }
      const outHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) outHeaders[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
      const body = typeof res.body === "string" ? Buffer.from(res.body) : res.body;
      return { response: { statusCode: res.status, reason: "", headers: outHeaders, body: Readable.from(body.length ? [body] : []) } };
    },
  };
}

/** Buffers → plain Uint8Arrays, so parsed input compares equal to what the test built. */
export function plain<T>(v: T): T {
  if (Buffer.isBuffer(v)) return new Uint8Array(v) as T;
  if (v instanceof Date || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(plain) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) as T;
  return v;
}

/** The SDK output without $metadata. */
export function withoutMetadata<T extends { $metadata?: unknown }>(out: T): Omit<T, "$metadata"> {
  const { $metadata: _m, ...rest } = out;
  return rest;
}
