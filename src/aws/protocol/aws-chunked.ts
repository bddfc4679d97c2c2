/**
 * S3's `aws-chunked` request bodies, decoded as they stream: what the AWS CLI and the SDKs send with
 * `x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD` (signed chunks), `STREAMING-UNSIGNED-PAYLOAD-TRAILER`
 * and `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER` (a trailing checksum header after the last chunk).
 * Format (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html):
 *   <hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n[<trailer>:<value>\r\n...]\r\n
 * Chunk signatures are not verified (a known gap, the seed signature is); sizes and lines are bounded.
 */
import { Transform, type TransformCallback } from "node:stream";
import type { IncomingHttpHeaders } from "node:http";
import { ServiceError } from "../errors.js";

const MAX_LINE_BYTES = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

/** True when the request body is aws-chunked (by its payload hash claim or its content encoding). */
export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const sha = headers["x-amz-content-sha256"];
  if (typeof sha === "string" && sha.startsWith("STREAMING-")) return true;
  const enc = headers["content-encoding"];
  return typeof enc === "string" && enc.split(",").some((e) => e.trim().toLowerCase() === "aws-chunked");
}

const incomplete = () => new ServiceError("IncompleteBody", "The request body terminated unexpectedly", 400);

/** Transform: aws-chunked bytes in, payload bytes out; `trailers` holds the trailing headers once it ends. */
export class AwsChunkedDecoder extends Transform {
  readonly trailers: Record<string, string> = {};
  private state: "size" | "data" | "crlf" | "trailer" | "done" = "size";
  private line = "";
  private remaining = 0;
  private trailerBytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let i = 0;
    try {
      while (i < chunk.length) {
        if (this.state === "data") {
          const n = Math.min(this.remaining, chunk.length - i);
          this.push(chunk.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = "crlf";
          continue;
        }
        if (this.state === "done") break;
        // Line-oriented states: gather up to "\n".
        const nl = chunk.indexOf(10, i);
        const end = nl < 0 ? chunk.length : nl;
        this.line += chunk.toString("latin1", i, end);
        i = nl < 0 ? chunk.length : nl + 1;
        if (this.line.length > MAX_LINE_BYTES) throw incomplete();
        if (nl < 0) continue;
        const line = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line;
        this.line = "";
        this.onLine(line);
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  private onLine(line: string): void {
    switch (this.state) {
      case "crlf":
        if (line !== "") throw incomplete();
        this.state = "size";
        return;
      case "size": {
        const hex = line.split(";", 1)[0]!.trim();
        if (!/^[0-9a-fA-F]{1,15}$/.test(hex)) throw incomplete();
        this.remaining = parseInt(hex, 16);
        this.state = this.remaining === 0 ? "trailer" : "data";
        return;
      }
      case "trailer": {
        if (line === "") {
          this.state = "done";
          return;
        }
        this.trailerBytes += line.length;
        if (this.trailerBytes > MAX_TRAILER_BYTES) throw incomplete();
        const colon = line.indexOf(":");
        if (colon > 0) this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        return;
      }
    }
  }

  override _flush(cb: TransformCallback): void {
    // Some clients end the body right after the trailers, without the final empty line.
    cb(this.state === "done" || this.state === "trailer" ? undefined : incomplete());
  }
}
