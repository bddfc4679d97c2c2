/**
 * S3 ("Actions, resources, and condition keys for Amazon S3"): bucket ARNs `arn:aws:s3:::BUCKET`, object
 * ARNs `arn:aws:s3:::BUCKET/KEY`. Many operations are authorised by an action of another name — the table
 * below lists them (ListObjectsV2 → s3:ListBucket, HeadObject → s3:GetObject, the multipart operations →
 * s3:PutObject, CopyObject → s3:PutObject, Delete*Configuration → the matching Put* action, …); a VersionId switches object actions to
 * their *Version form (s3:GetObjectVersion, s3:DeleteObjectVersion, …). CopyObject and UploadPartCopy also
 * read their source (s3:GetObject); DeleteObjects is s3:DeleteObject on every key. Condition keys:
 * s3:prefix, s3:delimiter, s3:max-keys (listings), s3:VersionId, s3:x-amz-acl.
 */
import { bounded, str, type Input, type Mapper } from "./common.js";

const ACTIONS: Record<string, string> = {
  ListObjects: "s3:ListBucket",
  ListObjectsV2: "s3:ListBucket",
  HeadBucket: "s3:ListBucket",
  ListObjectVersions: "s3:ListBucketVersions",
  ListMultipartUploads: "s3:ListBucketMultipartUploads",
  ListParts: "s3:ListMultipartUploadParts",
  ListBuckets: "s3:ListAllMyBuckets",
  ListDirectoryBuckets: "s3express:ListAllMyDirectoryBuckets",
  CreateSession: "s3express:CreateSession",
  HeadObject: "s3:GetObject",
  SelectObjectContent: "s3:GetObject",
  GetObjectTorrent: "s3:GetObject",
  CopyObject: "s3:PutObject",
  CreateMultipartUpload: "s3:PutObject",
  UploadPart: "s3:PutObject",
  UploadPartCopy: "s3:PutObject",
  CompleteMultipartUpload: "s3:PutObject",
  DeleteObjects: "s3:DeleteObject",
  GetBucketLifecycle: "s3:GetLifecycleConfiguration",
  GetBucketLifecycleConfiguration: "s3:GetLifecycleConfiguration",
  PutBucketLifecycle: "s3:PutLifecycleConfiguration",
  PutBucketLifecycleConfiguration: "s3:PutLifecycleConfiguration",
  DeleteBucketLifecycle: "s3:PutLifecycleConfiguration",
  GetBucketCors: "s3:GetBucketCORS",
  PutBucketCors: "s3:PutBucketCORS",
  DeleteBucketCors: "s3:PutBucketCORS",
  GetBucketEncryption: "s3:GetEncryptionConfiguration",
  PutBucketEncryption: "s3:PutEncryptionConfiguration",
  DeleteBucketEncryption: "s3:PutEncryptionConfiguration",
  GetBucketReplication: "s3:GetReplicationConfiguration",
  PutBucketReplication: "s3:PutReplicationConfiguration",
  DeleteBucketReplication: "s3:PutReplicationConfiguration",
  DeleteBucketTagging: "s3:PutBucketTagging",
  GetBucketNotification: "s3:GetBucketNotification",
  GetBucketNotificationConfiguration: "s3:GetBucketNotification",
  PutBucketNotification: "s3:PutBucketNotification",
  PutBucketNotificationConfiguration: "s3:PutBucketNotification",
  GetBucketAccelerateConfiguration: "s3:GetAccelerateConfiguration",
  PutBucketAccelerateConfiguration: "s3:PutAccelerateConfiguration",
  GetBucketAnalyticsConfiguration: "s3:GetAnalyticsConfiguration",
  ListBucketAnalyticsConfigurations: "s3:GetAnalyticsConfiguration",
  PutBucketAnalyticsConfiguration: "s3:PutAnalyticsConfiguration",
  DeleteBucketAnalyticsConfiguration: "s3:PutAnalyticsConfiguration",
  GetBucketInventoryConfiguration: "s3:GetInventoryConfiguration",
  ListBucketInventoryConfigurations: "s3:GetInventoryConfiguration",
  PutBucketInventoryConfiguration: "s3:PutInventoryConfiguration",
  DeleteBucketInventoryConfiguration: "s3:PutInventoryConfiguration",
  GetBucketMetricsConfiguration: "s3:GetMetricsConfiguration",
  ListBucketMetricsConfigurations: "s3:GetMetricsConfiguration",
  PutBucketMetricsConfiguration: "s3:PutMetricsConfiguration",
  DeleteBucketMetricsConfiguration: "s3:PutMetricsConfiguration",
  GetBucketIntelligentTieringConfiguration: "s3:GetIntelligentTieringConfiguration",
  ListBucketIntelligentTieringConfigurations: "s3:GetIntelligentTieringConfiguration",
  PutBucketIntelligentTieringConfiguration: "s3:PutIntelligentTieringConfiguration",
  DeleteBucketIntelligentTieringConfiguration: "s3:PutIntelligentTieringConfiguration",
  DeleteBucketOwnershipControls: "s3:PutBucketOwnershipControls",
  GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
  PutPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  DeletePublicAccessBlock: "s3:PutBucketPublicAccessBlock",
  GetObjectLockConfiguration: "s3:GetBucketObjectLockConfiguration",
  PutObjectLockConfiguration: "s3:PutBucketObjectLockConfiguration",
  WriteGetObjectResponse: "s3-object-lambda:WriteGetObjectResponse",
};

/** Object actions that have a *Version form, used when the request names a VersionId. */
const VERSIONED: Record<string, string> = {
  "s3:GetObject": "s3:GetObjectVersion",
  "s3:DeleteObject": "s3:DeleteObjectVersion",
  "s3:GetObjectAcl": "s3:GetObjectVersionAcl",
  "s3:PutObjectAcl": "s3:PutObjectVersionAcl",
  "s3:GetObjectTagging": "s3:GetObjectVersionTagging",
  "s3:PutObjectTagging": "s3:PutObjectVersionTagging",
  "s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
  "s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
};

const ACCOUNT_LEVEL = new Set(["ListBuckets", "ListDirectoryBuckets", "WriteGetObjectResponse"]);

/** Parses CopySource ("bucket/key", "/bucket/key", "…?versionId=v", URL-encoded) into the source object ARN. */
export function copySourceArn(copySource: string): { arn: string; versionId?: string } | undefined {
  let s = copySource;
  let versionId: string | undefined;
  const q = s.indexOf("?versionId=");
  if (q >= 0) {
    versionId = s.slice(q + 11);
    s = s.slice(0, q);
  }
  try {
    s = decodeURIComponent(s);
  } catch {
    return undefined;
  }
  if (s.startsWith("/")) s = s.slice(1);
  if (s.startsWith("arn:")) return { arn: s.replace(/^arn:aws:s3:[^:]*:[^:]*:accesspoint\//, "arn:aws:s3:::"), ...(versionId ? { versionId } : {}) };
  const slash = s.indexOf("/");
  if (slash <= 0) return undefined;
  return { arn: `arn:aws:s3:::${s}`, ...(versionId ? { versionId } : {}) };
}

export const mapS3: Mapper = (op, input, env) => {
  let action = ACTIONS[op] ?? `s3:${op}`;
  if (ACCOUNT_LEVEL.has(op)) return { action, resources: ["*"] };
  const ctx = env.context;
  const bucket = str(input.Bucket) ?? "";
  const key = typeof input.Key === "string" ? input.Key : undefined;
  if (op === "ListObjects" || op === "ListObjectsV2" || op === "ListObjectVersions") {
    ctx["s3:prefix"] = typeof input.Prefix === "string" ? input.Prefix : "";
    if (typeof input.Delimiter === "string") ctx["s3:delimiter"] = input.Delimiter;
    if (typeof input.MaxKeys === "number") ctx["s3:max-keys"] = input.MaxKeys;
  }
  if (typeof input.ACL === "string") ctx["s3:x-amz-acl"] = input.ACL;
  const versionId = str(input.VersionId);
  if (versionId) {
    ctx["s3:versionid"] = versionId;
    action = VERSIONED[action] ?? action;
  }
  if (op === "DeleteObjects") {
    const objects = ((input.Delete as Input | undefined)?.Objects as Input[] | undefined) ?? [];
    const resources = bounded(objects).map((o) => `arn:aws:s3:::${bucket}/${String(o.Key ?? "")}`);
    return { action, resources: resources.length ? resources : [`arn:aws:s3:::${bucket}/*`] };
  }
  const resource = key !== undefined ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`;
  const source = op === "CopyObject" || op === "UploadPartCopy" ? copySourceArn(str(input.CopySource) ?? "") : undefined;
  if (source) {
    return { action, resources: [resource], extra: [{ action: source.versionId ? "s3:GetObjectVersion" : "s3:GetObject", resources: [source.arn] }] };
  }
  return { action, resources: [resource] };
};
