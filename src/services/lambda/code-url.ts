/**
 * Code download URLs (GetFunction's Code.Location, layer Content.Location): presigned and short-lived, as
 * AWS's are (an S3 presigned URL valid for 10 minutes), so a leaked URL stops working. Signed with a key
 * that lives only in this process (URLs from before a restart expire with it).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const CODE_PREFIX = "/_aws/lambda/code/";
export const CODE_URL_TTL_SEC = 600;

export class CodeUrlSigner {
  private readonly key = randomBytes(32);

  /** A URL for the blob, valid for CODE_URL_TTL_SEC from `now`. */
  sign(endpoint: string, blob: string, now: number): string {
    const date = String(Math.floor(now / 1000));
    return `${endpoint}${CODE_PREFIX}${blob}.zip?X-Amz-Date=${date}&X-Amz-Expires=${CODE_URL_TTL_SEC}&X-Amz-Signature=${this.mac(blob, date)}`;
  }

  /** Why a download is refused ("expired" / "signature"), or undefined when the URL is good. */
  check(blob: string, query: URLSearchParams, now: number): "expired" | "signature" | undefined {
    const date = query.get("X-Amz-Date") ?? "";
    const given = Buffer.from(query.get("X-Amz-Signature") ?? "", "hex");
    const want = Buffer.from(this.mac(blob, date), "hex");
    if (!/^\d+$/.test(date) || given.length !== want.length || !timingSafeEqual(given, want)) return "signature";
    if ((Number(date) + CODE_URL_TTL_SEC) * 1000 < now) return "expired";
    return undefined;
  }

  private mac(blob: string, date: string): string {
    return createHmac("sha256", this.key).update(`${blob}\n${date}`).digest("hex");
  }
}
