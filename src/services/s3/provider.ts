/**
 * S3 (rest-xml): path-style and virtual-hosted-style requests (the codec maps `{bucket}.s3.localhost` and
 * `{bucket}.localhost` to the bucket), presigned URLs (SigV4 query auth, checked with --enforce-sigv4),
 * aws-chunked uploads (signed and unsigned-trailer, decoded as they stream).
 * - Buckets (buckets.ts): create with location constraint, head, list with prefix and pagination, delete
 *   (BucketNotEmpty), tagging, versioning, CORS, policy (stored), public access block, ownership controls,
 *   encryption (reported; SSE-S3 by default), lifecycle (expiration swept, lifecycle.ts), website (stored), ACLs (read).
 * - Objects (objects.ts, object-io.ts): Put/Get/Head/Delete/Copy, ranges (suffix ranges, 416 InvalidRange),
 *   conditional requests (incl. If-None-Match: * and If-Match on PUT), metadata and content headers,
 *   response-* overrides, checksums CRC32/CRC32C/CRC64NVME/SHA1/SHA256 (headers or trailers; CRC64NVME by
 *   default), Content-MD5, tagging, versions and delete markers, DeleteObjects, GetObjectAttributes.
 * - Listing (listing.ts): ListObjects v1/v2, ListObjectVersions. Multipart (multipart.ts).
 * - CORS (cors.ts): preflight OPTIONS (PreflightObject/PreflightBucket, Skyport's names for what the model
 *   lacks) and Access-Control-* headers on GetObject/HeadObject/PutObject.
 * - Notifications (notifications.ts): to Lambda and EventBridge, persisted queue, resumed at boot.
 * Bytes stream to blob files (blobs.ts: temp file, fsync, rename, then the row), never whole in memory.
 *
 * The model lacks what S3 added after aws-sdk v2's last release: src/aws/models/patches/s3.json adds the
 * CRC64NVME members, ChecksumType, If-Match on PutObject, and GetObject's StatusCode (206 for ranges).
 *
 * Known gaps: bucket policies join --enforce-iam decisions, ACLs are stored, not enforced (without --enforce-iam every caller may read any bucket; only the
 * owner may change its configuration); chunk and trailer signatures of aws-chunked bodies are not verified
 * (the seed signature is, under --enforce-sigv4; SigV2 presigned URLs are served unverified); SSE-C/KMS are accepted and reported, nothing is encrypted at rest; object
 * lock, replication, inventory, analytics, metrics, intelligent tiering, website hosting, browser POST
 * uploads, SelectObjectContent, RestoreObject and access points answer NotImplemented or are stored only;
 * notifications to SNS/SQS are stored, not sent; lifecycle acts only on Expiration (its deletions notify as s3:LifecycleExpiration:*); ListMultipartUploads
 * ignores the delimiter.
 * Anonymous path-style requests are routed only on the `s3.localhost` host (any host for signed ones); bucket
 * names are global across accounts and reads are allowed from any account; a bucket in another region answers
 * from here (no PermanentRedirect).
 * Deliberate differences: a Lambda destination also gets the s3:TestEvent (AWS sends it to SNS/SQS).
 */
import type { ServiceEnv } from "../host.js";
import { bucketOps } from "./buckets.js";
import { corsOps } from "./cors.js";
import { S3Core } from "./core.js";
import { sweepLifecycle } from "./lifecycle.js";
import { listingOps } from "./listing.js";
import { multipartOps } from "./multipart.js";
import { Notifier } from "./notifications.js";
import { objectOps } from "./objects.js";

const LIFECYCLE_SWEEP_MS = 60 * 60 * 1000;

export class S3Provider {
  readonly core: S3Core;
  private readonly timer: NodeJS.Timeout;

  constructor(env: ServiceEnv) {
    this.core = new S3Core(env);
    this.core.notifier = new Notifier(this.core);
    Object.assign(this, bucketOps(this.core), objectOps(this.core), listingOps(this.core), multipartOps(this.core), corsOps(this.core), this.core.notifier.ops());
    this.timer = setInterval(() => {
      try {
        this.sweepLifecycle();
      } catch (e) {
        env.log.warn("s3 lifecycle sweep failed", e);
      }
    }, LIFECYCLE_SWEEP_MS);
    this.timer.unref();
    // Deliveries left from before a restart.
    this.core.notifier.kick();
  }

  /** The bucket policy for --enforce-iam (src/aws/policy/resource-policies.ts): arn:aws:s3:::bucket[/key]. */
  resourcePolicy(arn: string): string | undefined {
    const bucket = /^arn:aws[a-z-]*:s3:::([^/]+)/.exec(arn)?.[1];
    const row = bucket ? this.core.store.bucket(bucket) : undefined;
    return row ? this.core.config<string>(row, "policy") : undefined;
  }

  /** One lifecycle pass at the clock's current time; returns how many objects expired. */
  sweepLifecycle(): number {
    const { expireObject } = this as unknown as ReturnType<typeof objectOps>;
    return sweepLifecycle(this.core, expireObject);
  }

  close(): void {
    clearInterval(this.timer);
    this.core.notifier.close();
  }
}

export function createProvider(env: ServiceEnv): S3Provider {
  return new S3Provider(env);
}
