import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { RequestContext } from "../../edge/context.js";
import type { ServiceError } from "../errors.js";
import type { Operation, ServiceModel } from "../models/loader.js";

/** A buffered HTTP request as the edge hands it to the protocol layer. */
export interface HttpRequest {
  method: string;
  /** Path without the query string, still percent-encoded. */
  path: string;
  /** Raw query string without "?" ("" when absent). */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /**
   * Services with streaming payloads (S3 PutObject/UploadPart): the unread request body. The codec hands it
   * to the operation as a stream, or buffers it first for operations whose payload is not streaming.
   */
  stream?: Readable;
  /** Data planes only: the headers as the client sent them (names' casing, repeats), and the peer. */
  rawHeaders?: string[];
  remoteAddress?: string;
  localPort?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer | string;
  /** A streamed body (S3 GetObject) sent instead of `body`; its length is the Content-Length header. */
  stream?: Readable;
}

/** One AWS wire protocol: finds the operation, parses typed input, serializes typed output and errors. */
export interface ProtocolCodec {
  /** The operation the request names, or a ServiceError (unknown operation, bad target). */
  resolveOperation(model: ServiceModel, req: HttpRequest): Operation | ServiceError;
  /** Typed input of the operation. Throws ServiceError for malformed input. */
  parseInput(model: ServiceModel, op: Operation, req: HttpRequest): Record<string, unknown>;
  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown>, ctx: RequestContext): HttpResponse;
  serializeError(model: ServiceModel, err: ServiceError, ctx: RequestContext): HttpResponse;
}
