/**
 * Bucket operations: create (location constraint), head, list (prefix, pagination), delete (BucketNotEmpty),
 * and the subresources stored as configuration: tagging, versioning, CORS, policy, public access block,
 * ownership controls, default encryption, lifecycle (acted on by lifecycle.ts), website, ACL (canned, reported).
 */
import type * as S from "../../aws/api/s3.js";
import type { RequestContext } from "../../edge/context.js";
import { Errors } from "./errors.js";
import type { BucketConfigKind, S3Core } from "./core.js";
import type { BucketRow } from "./store.js";

type LifecycleRules = NonNullable<S.GetBucketLifecycleConfigurationOutput["Rules"]>;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGIONS = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

export function validBucketName(name: string): boolean {
  return BUCKET_NAME.test(name) && !name.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(name) && !name.startsWith("xn--") && !name.endsWith("-s3alias") && !name.includes(".-") && !name.includes("-.");
}

export function bucketOps(core: S3Core) {
  const own = (ctx: RequestContext, name: string): BucketRow => {
    const b = core.bucket(ctx, name);
    if (b.account !== ctx.accountId) throw Errors.accessDenied();
    return b;
  };
  /** Get/Put/Delete of a configuration kept as the typed input itself. */
  const stored = <T>(kind: BucketConfigKind, missing: (b: string) => Error) => ({
    get: (ctx: RequestContext, bucket: string): T => {
      const v = core.config<T>(own(ctx, bucket), kind);
      if (v === undefined) throw missing(bucket);
      return v;
    },
    put: (ctx: RequestContext, bucket: string, value: T) => {
      core.setConfig(own(ctx, bucket), kind, value);
      return {};
    },
    del: (ctx: RequestContext, bucket: string) => {
      core.setConfig(own(ctx, bucket), kind, undefined);
      return {};
    },
  });
  const tagging = stored<S.Tag[]>("tagging", Errors.noSuchTagSet);
  const cors = stored<S.GetBucketCorsOutput>("cors", Errors.noSuchCors);
  const policy = stored<string>("policy", Errors.noSuchPolicy);
  const pab = stored<S.PublicAccessBlockConfiguration>("publicAccessBlock", Errors.noSuchPab);
  const ownership = stored<S.OwnershipControls>("ownership", Errors.noOwnership);
  const encryption = stored<S.ServerSideEncryptionConfiguration>("encryption", Errors.noEncryption);
  const lifecycle = stored<LifecycleRules>("lifecycle", Errors.noLifecycle);
  const website = stored<S.GetBucketWebsiteOutput>("website", Errors.noWebsite);

  return {
    CreateBucket(ctx: RequestContext, i: S.CreateBucketInput): S.CreateBucketOutput {
      if (!validBucketName(i.Bucket)) throw Errors.invalidBucketName(i.Bucket);
      const constraint = i.CreateBucketConfiguration?.LocationConstraint;
      if (constraint !== undefined && constraint !== "" && (!REGIONS.test(constraint) || constraint === "us-east-1")) throw Errors.invalidLocation(constraint);
      if (!constraint && ctx.region !== "us-east-1") throw Errors.illegalLocation();
      if (constraint && constraint !== ctx.region) {
        throw Errors.illegalLocation();
      }
      const existing = core.store.bucket(i.Bucket);
      if (existing) {
        // us-east-1 answers a repeated create by the owner with success (legacy behaviour); other regions with 409.
        if (existing.account === ctx.accountId && existing.region === "us-east-1" && ctx.region === "us-east-1") return { Location: `/${i.Bucket}` };
        throw existing.account === ctx.accountId ? Errors.alreadyOwned(i.Bucket) : Errors.alreadyExists(i.Bucket);
      }
      core.store.q("INSERT INTO s3_buckets(name, account, region, created, versioning, config) VALUES (?, ?, ?, ?, NULL, ?)")
        .run(i.Bucket, ctx.accountId, constraint || "us-east-1", ctx.clock.now(), JSON.stringify({ ownership: { Rules: [{ ObjectOwnership: i.ObjectOwnership ?? "BucketOwnerEnforced" }] }, publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
      return { Location: `/${i.Bucket}` };
    },

    HeadBucket(ctx: RequestContext, i: S.HeadBucketInput): S.HeadBucketOutput {
      const b = core.store.bucket(i.Bucket);
      if (!b) throw Errors.noSuchBucket(i.Bucket);
      return { BucketRegion: b.region, AccessPointAlias: false };
    },

    DeleteBucket(ctx: RequestContext, i: S.DeleteBucketInput): object {
      const b = own(ctx, i.Bucket);
      if (core.store.hasObjects(b.name)) throw Errors.notEmpty(b.name);
      core.store.q("DELETE FROM s3_buckets WHERE name = ?").run(b.name);
      return {};
    },

    ListBuckets(ctx: RequestContext, i: S.ListBucketsInput): S.ListBucketsOutput {
      const max = i.MaxBuckets ?? 10000;
      if (!Number.isInteger(max) || max < 1 || max > 10000) throw Errors.invalidArgument("Argument max-buckets must be an integer between 1 and 10000.", "max-buckets", String(max));
      const after = i.ContinuationToken ? Buffer.from(i.ContinuationToken, "base64url").toString("utf8") : "";
      const rows = core.store.q("SELECT * FROM s3_buckets WHERE account = ? AND name > ? AND name >= ? ORDER BY name LIMIT ?").all(ctx.accountId, after, i.Prefix ?? "", 10001) as BucketRow[];
      const matching = rows.filter((r) => (!i.Prefix || r.name.startsWith(i.Prefix)) && (!i.BucketRegion || r.region === i.BucketRegion));
      const page = matching.slice(0, max);
      return {
        Buckets: page.map((r) => ({ Name: r.name, CreationDate: new Date(r.created), BucketRegion: r.region })),
        Owner: core.ownerOf(ctx.accountId),
        Prefix: i.Prefix,
        ContinuationToken: matching.length > max ? Buffer.from(page[page.length - 1]!.name).toString("base64url") : undefined,
      };
    },

    GetBucketLocation(ctx: RequestContext, i: S.GetBucketLocationInput): S.GetBucketLocationOutput {
      const b = own(ctx, i.Bucket);
      // us-east-1 is reported as an empty LocationConstraint.
      return { LocationConstraint: b.region === "us-east-1" ? undefined : b.region };
    },

    GetBucketTagging: (ctx: RequestContext, i: S.GetBucketTaggingInput): S.GetBucketTaggingOutput => ({ TagSet: tagging.get(ctx, i.Bucket) }),
    PutBucketTagging(ctx: RequestContext, i: S.PutBucketTaggingInput) {
      const keys = new Set<string>();
      for (const t of i.Tagging.TagSet) {
        if (keys.has(t.Key)) throw Errors.invalidTag("Cannot provide multiple Tags with the same key");
        if (t.Key.startsWith("aws:")) throw Errors.invalidTag("System tags cannot be added/updated by requester");
        keys.add(t.Key);
      }
      if (keys.size > 50) throw Errors.invalidTag("Bucket tag count cannot be greater than 50");
      return tagging.put(ctx, i.Bucket, i.Tagging.TagSet);
    },
    DeleteBucketTagging: (ctx: RequestContext, i: S.DeleteBucketTaggingInput) => tagging.del(ctx, i.Bucket),

    GetBucketVersioning(ctx: RequestContext, i: S.GetBucketVersioningInput): S.GetBucketVersioningOutput {
      const b = own(ctx, i.Bucket);
      return b.versioning ? { Status: b.versioning } : {};
    },
    PutBucketVersioning(ctx: RequestContext, i: S.PutBucketVersioningInput) {
      const b = own(ctx, i.Bucket);
      const status = i.VersioningConfiguration.Status;
      if (status !== "Enabled" && status !== "Suspended") throw Errors.malformedXml();
      // A bucket that was never versioned stays unversioned when suspended.
      core.store.q("UPDATE s3_buckets SET versioning = ? WHERE name = ?").run(status === "Suspended" && !b.versioning ? null : status, b.name);
      return {};
    },

    GetBucketCors: (ctx: RequestContext, i: S.GetBucketCorsInput) => cors.get(ctx, i.Bucket),
    PutBucketCors(ctx: RequestContext, i: S.PutBucketCorsInput) {
      const rules = i.CORSConfiguration.CORSRules ?? [];
      if (!rules.length || rules.length > 100) throw Errors.malformedXml();
      for (const r of rules) {
        for (const m of r.AllowedMethods ?? []) if (!["GET", "PUT", "POST", "DELETE", "HEAD"].includes(m)) throw Errors.invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
        if (!r.AllowedOrigins?.length || !r.AllowedMethods?.length) throw Errors.malformedXml();
      }
      return cors.put(ctx, i.Bucket, { CORSRules: rules });
    },
    DeleteBucketCors: (ctx: RequestContext, i: S.DeleteBucketCorsInput) => cors.del(ctx, i.Bucket),

    GetBucketPolicy: (ctx: RequestContext, i: S.GetBucketPolicyInput): S.GetBucketPolicyOutput => ({ Policy: policy.get(ctx, i.Bucket) }),
    PutBucketPolicy(ctx: RequestContext, i: S.PutBucketPolicyInput) {
      let doc: unknown;
      try {
        doc = JSON.parse(i.Policy);
      } catch {
        throw Errors.malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
      }
      if (!doc || typeof doc !== "object" || !Array.isArray((doc as { Statement?: unknown }).Statement) && typeof (doc as { Statement?: unknown }).Statement !== "object") throw Errors.malformedPolicy("Missing required field Statement");
      return policy.put(ctx, i.Bucket, i.Policy);
    },
    DeleteBucketPolicy: (ctx: RequestContext, i: S.DeleteBucketPolicyInput) => policy.del(ctx, i.Bucket),
    GetBucketPolicyStatus(ctx: RequestContext, i: S.GetBucketPolicyStatusInput): S.GetBucketPolicyStatusOutput {
      const p = policy.get(ctx, i.Bucket);
      return { PolicyStatus: { IsPublic: /"Principal"\s*:\s*("\*"|\{\s*"AWS"\s*:\s*"\*")/.test(p) } };
    },

    GetPublicAccessBlock: (ctx: RequestContext, i: S.GetPublicAccessBlockInput): S.GetPublicAccessBlockOutput => ({ PublicAccessBlockConfiguration: pab.get(ctx, i.Bucket) }),
    PutPublicAccessBlock: (ctx: RequestContext, i: S.PutPublicAccessBlockInput) => pab.put(ctx, i.Bucket, i.PublicAccessBlockConfiguration),
    DeletePublicAccessBlock: (ctx: RequestContext, i: S.DeletePublicAccessBlockInput) => pab.del(ctx, i.Bucket),

    GetBucketOwnershipControls: (ctx: RequestContext, i: S.GetBucketOwnershipControlsInput): S.GetBucketOwnershipControlsOutput => ({ OwnershipControls: ownership.get(ctx, i.Bucket) }),
    PutBucketOwnershipControls(ctx: RequestContext, i: S.PutBucketOwnershipControlsInput) {
      const rules = i.OwnershipControls.Rules ?? [];
      if (rules.length !== 1 || !["BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"].includes(rules[0]!.ObjectOwnership)) throw Errors.malformedXml();
      return ownership.put(ctx, i.Bucket, i.OwnershipControls);
    },
    DeleteBucketOwnershipControls: (ctx: RequestContext, i: S.DeleteBucketOwnershipControlsInput) => ownership.del(ctx, i.Bucket),

    // Every bucket is encrypted with SSE-S3 by default (since January 2023), so Get answers that when nothing was set.
    GetBucketEncryption(ctx: RequestContext, i: S.GetBucketEncryptionInput): S.GetBucketEncryptionOutput {
      const v = core.config<S.ServerSideEncryptionConfiguration>(own(ctx, i.Bucket), "encryption");
      return { ServerSideEncryptionConfiguration: v ?? { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false }] } };
    },
    PutBucketEncryption(ctx: RequestContext, i: S.PutBucketEncryptionInput) {
      for (const r of i.ServerSideEncryptionConfiguration.Rules ?? []) {
        const alg = r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
        if (alg && !["AES256", "aws:kms", "aws:kms:dsse"].includes(alg)) throw Errors.malformedXml();
      }
      return encryption.put(ctx, i.Bucket, i.ServerSideEncryptionConfiguration);
    },
    DeleteBucketEncryption: (ctx: RequestContext, i: S.DeleteBucketEncryptionInput) => encryption.del(ctx, i.Bucket),

    GetBucketLifecycleConfiguration(ctx: RequestContext, i: S.GetBucketLifecycleConfigurationInput): S.GetBucketLifecycleConfigurationOutput {
      return { Rules: reviveDates(lifecycle.get(ctx, i.Bucket)) };
    },
    PutBucketLifecycleConfiguration(ctx: RequestContext, i: S.PutBucketLifecycleConfigurationInput) {
      const rules = i.LifecycleConfiguration?.Rules ?? [];
      if (!rules.length || rules.length > 1000) throw Errors.malformedXml();
      const ids = new Set<string>();
      for (const r of rules) {
        if (r.Status !== "Enabled" && r.Status !== "Disabled") throw Errors.malformedXml();
        if (r.ID && ids.has(r.ID)) throw Errors.invalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", r.ID);
        if (r.ID) ids.add(r.ID);
        const days = r.Expiration?.Days;
        if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw Errors.invalidArgument("'Days' for Expiration action must be a positive integer", "Days", String(days));
      }
      return lifecycle.put(ctx, i.Bucket, rules);
    },
    DeleteBucketLifecycle: (ctx: RequestContext, i: S.DeleteBucketLifecycleInput) => lifecycle.del(ctx, i.Bucket),

    GetBucketWebsite: (ctx: RequestContext, i: S.GetBucketWebsiteInput) => website.get(ctx, i.Bucket),
    PutBucketWebsite: (ctx: RequestContext, i: S.PutBucketWebsiteInput) => website.put(ctx, i.Bucket, i.WebsiteConfiguration as S.GetBucketWebsiteOutput),
    DeleteBucketWebsite: (ctx: RequestContext, i: S.DeleteBucketWebsiteInput) => website.del(ctx, i.Bucket),

    GetBucketAcl(ctx: RequestContext, i: S.GetBucketAclInput): S.GetBucketAclOutput {
      const b = own(ctx, i.Bucket);
      const owner = core.ownerOf(b.account);
      return { Owner: owner, Grants: [{ Grantee: { Type: "CanonicalUser", ...owner }, Permission: "FULL_CONTROL" }] };
    },
    GetObjectAcl(ctx: RequestContext, i: S.GetObjectAclInput): S.GetObjectAclOutput {
      const b = core.bucket(ctx, i.Bucket);
      core.object(b, i.Key, i.VersionId);
      const owner = core.ownerOf(b.account);
      return { Owner: owner, Grants: [{ Grantee: { Type: "CanonicalUser", ...owner }, Permission: "FULL_CONTROL" }] };
    },
  };
}

/** Lifecycle rules come back from JSON with their dates as strings. */
function reviveDates(rules: LifecycleRules): LifecycleRules {
  for (const r of rules) {
    const e = r.Expiration as { Date?: unknown } | undefined;
    if (e && typeof e.Date === "string") e.Date = new Date(e.Date);
    for (const t of (r.Transitions ?? []) as Array<{ Date?: unknown }>) if (typeof t.Date === "string") t.Date = new Date(t.Date);
  }
  return rules;
}
