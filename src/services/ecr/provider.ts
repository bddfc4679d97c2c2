/**
 * ECR (json 1.1): repositories (create/describe/delete with force, tag mutability — IMMUTABLE enforced on
 * every push —, scan-on-push and encryption settings stored, repository and lifecycle policies stored,
 * resource tags), GetAuthorizationToken, and the image operations (operations/images.ts) over the image
 * store shared with the registry's OCI distribution API (registry.ts, served on the same port at
 * `{account}.dkr.ecr.{region}.localhost:PORT`) and with `prepareImage` (src/images/).
 * The registry checks GetAuthorizationToken's tokens (HMAC, expiry, account) under --enforce-sigv4 only; by
 * default any Basic/Bearer credentials pass, as SigV4 is not verified by default.
 * Known gaps: repository policies join --enforce-iam decisions on ECR API calls only (the /v2/ registry does not
 * evaluate them); lifecycle policies are stored, not evaluated (no image expiry); scanning, replication, pull-through cache, registry policies and repository creation templates are
 * not implemented; KMS encryption is only recorded; lastRecordedPullTime is not tracked.
 */
import { ServiceError } from "../../aws/errors.js";
import type * as Api from "../../aws/api/ecr.js";
import type { RequestContext } from "../../edge/context.js";
import { imageStoreFor, type ImageStore } from "../../images/image-store.js";
import type { RepoRow } from "../../images/registry-db.js";
import type { ServiceEnv } from "../host.js";
import { checkMaxResults, checkRepoName, decodeToken, encodeToken, invalidParameter, registryHost, repoArn, repoNotFound, requireRepo, scopeOf, type Scope } from "./common.js";
import * as images from "./operations/images.js";
import * as layers from "./operations/layers.js";
import { issueToken } from "./tokens.js";

const MUTABILITY = ["MUTABLE", "IMMUTABLE"];
const TOKEN_HOURS = 12;
const MAX_POLICY_CHARS = 10240;
const MAX_LIFECYCLE_CHARS = 30720;
const MAX_TAGS = 50;

export class EcrProvider implements Api.EcrHandlers {
  readonly images: ImageStore;

  constructor(private readonly env: ServiceEnv) {
    this.images = imageStoreFor(env);
  }

  /** The repository policy for --enforce-iam (src/aws/policy/resource-policies.ts). */
  resourcePolicy(arn: string): string | undefined {
    const m = /^arn:aws[a-z-]*:ecr:([^:]+):(\d{12}):repository\/(.+)$/.exec(arn);
    return (m ? this.images.db.repo(m[2]!, m[1]!, m[3]!)?.policy : undefined) ?? undefined;
  }

  private scope(ctx: RequestContext, registryId?: string): Scope {
    return scopeOf(this.images, ctx, registryId);
  }

  private describe(ctx: RequestContext, r: RepoRow): Api.Repository {
    return {
      repositoryArn: repoArn(r),
      registryId: r.account,
      repositoryName: r.name,
      repositoryUri: `${registryHost(ctx, r.account, r.region)}/${r.name}`,
      createdAt: new Date(r.created_at),
      imageTagMutability: r.mutability,
      imageScanningConfiguration: { scanOnPush: r.scan_on_push === 1 },
      encryptionConfiguration: JSON.parse(r.encryption) as Api.EncryptionConfiguration,
    };
  }

  CreateRepository(ctx: RequestContext, input: Api.CreateRepositoryInput): Api.CreateRepositoryOutput {
    const s = this.scope(ctx, input.registryId);
    const name = checkRepoName(input.repositoryName);
    const mutability = input.imageTagMutability ?? "MUTABLE";
    if (!MUTABILITY.includes(mutability)) throw invalidParameter(`Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'`);
    const enc = input.encryptionConfiguration ?? { encryptionType: "AES256" };
    if (!["AES256", "KMS", "KMS_DSSE"].includes(enc.encryptionType)) throw invalidParameter(`Invalid parameter at 'encryptionType' failed to satisfy constraint: 'Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]'`);
    if (enc.encryptionType === "AES256" && enc.kmsKey) throw invalidParameter("Invalid parameter at 'kmsKey' failed to satisfy constraint: 'kmsKey can only be specified for KMS encryption type'");
    const tags = checkTags(input.tags ?? []);
    if (s.images.db.repo(s.account, s.region, name)) throw new ServiceError("RepositoryAlreadyExistsException", `The repository with name '${name}' already exists in the registry with id '${s.account}'`, 400);
    const row: RepoRow = { account: s.account, region: s.region, name, created_at: s.now, mutability, scan_on_push: input.imageScanningConfiguration?.scanOnPush ? 1 : 0, encryption: JSON.stringify(enc.encryptionType === "AES256" ? { encryptionType: "AES256" } : enc), policy: null, lifecycle: null, tags: JSON.stringify(tags) };
    s.images.db.insertRepo(row);
    return { repository: this.describe(ctx, row) };
  }

  DescribeRepositories(ctx: RequestContext, input: Api.DescribeRepositoriesInput): Api.DescribeRepositoriesOutput {
    const s = this.scope(ctx, input.registryId);
    if (input.repositoryNames) {
      if (input.nextToken !== undefined || input.maxResults !== undefined) throw invalidParameter("Invalid parameter at 'repositoryNames' failed to satisfy constraint: 'Cannot specify repositoryNames together with nextToken or maxResults'");
      if (input.repositoryNames.length < 1 || input.repositoryNames.length > 100) throw invalidParameter("Invalid parameter at 'repositoryNames' failed to satisfy constraint: 'Member must have length between 1 and 100'");
      return { repositories: input.repositoryNames.map((n) => this.describe(ctx, requireRepo(s, n))) };
    }
    const max = checkMaxResults(input.maxResults, 1000);
    const after = decodeToken(input.nextToken);
    const all = s.images.db.repos(s.account, s.region).filter((r) => after === undefined || r.name > after);
    const page = all.slice(0, max);
    return { repositories: page.map((r) => this.describe(ctx, r)), nextToken: all.length > max ? encodeToken(page[page.length - 1]!.name) : undefined };
  }

  DeleteRepository(ctx: RequestContext, input: Api.DeleteRepositoryInput): Api.DeleteRepositoryOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    if (!input.force && s.images.db.imageCount(s.account, s.region, repo.name) > 0) {
      throw new ServiceError("RepositoryNotEmptyException", `The repository with name '${repo.name}' in registry with id '${s.account}' cannot be deleted because it still contains images`, 400);
    }
    s.images.db.deleteRepo(s.account, s.region, repo.name);
    return { repository: this.describe(ctx, repo) };
  }

  PutImageTagMutability(ctx: RequestContext, input: Api.PutImageTagMutabilityInput): Api.PutImageTagMutabilityOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    if (!MUTABILITY.includes(input.imageTagMutability)) throw invalidParameter(`Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'`);
    s.images.db.updateRepo(s.account, s.region, repo.name, { mutability: input.imageTagMutability });
    return { registryId: s.account, repositoryName: repo.name, imageTagMutability: input.imageTagMutability };
  }

  PutImageScanningConfiguration(ctx: RequestContext, input: Api.PutImageScanningConfigurationInput): Api.PutImageScanningConfigurationOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    const scanOnPush = input.imageScanningConfiguration?.scanOnPush === true;
    s.images.db.updateRepo(s.account, s.region, repo.name, { scan_on_push: scanOnPush ? 1 : 0 });
    return { registryId: s.account, repositoryName: repo.name, imageScanningConfiguration: { scanOnPush } };
  }

  SetRepositoryPolicy(ctx: RequestContext, input: Api.SetRepositoryPolicyInput): Api.SetRepositoryPolicyOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    checkJson(input.policyText, MAX_POLICY_CHARS, "policyText", "Invalid repository policy provided");
    s.images.db.updateRepo(s.account, s.region, repo.name, { policy: input.policyText });
    return { registryId: s.account, repositoryName: repo.name, policyText: input.policyText };
  }

  GetRepositoryPolicy(ctx: RequestContext, input: Api.GetRepositoryPolicyInput): Api.GetRepositoryPolicyOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    if (repo.policy === null) throw policyNotFound(repo.name, s.account);
    return { registryId: s.account, repositoryName: repo.name, policyText: repo.policy };
  }

  DeleteRepositoryPolicy(ctx: RequestContext, input: Api.DeleteRepositoryPolicyInput): Api.DeleteRepositoryPolicyOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    if (repo.policy === null) throw policyNotFound(repo.name, s.account);
    s.images.db.updateRepo(s.account, s.region, repo.name, { policy: null });
    return { registryId: s.account, repositoryName: repo.name, policyText: repo.policy };
  }

  PutLifecyclePolicy(ctx: RequestContext, input: Api.PutLifecyclePolicyInput): Api.PutLifecyclePolicyOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    const doc = checkJson(input.lifecyclePolicyText, MAX_LIFECYCLE_CHARS, "lifecyclePolicyText", "Invalid lifecycle policy provided") as { rules?: unknown };
    if (!Array.isArray(doc?.rules)) throw new ServiceError("InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: object has missing required properties ([\"rules\"])'", 400);
    s.images.db.updateRepo(s.account, s.region, repo.name, { lifecycle: input.lifecyclePolicyText });
    return { registryId: s.account, repositoryName: repo.name, lifecyclePolicyText: input.lifecyclePolicyText };
  }

  GetLifecyclePolicy(ctx: RequestContext, input: Api.GetLifecyclePolicyInput): Api.GetLifecyclePolicyOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    if (repo.lifecycle === null) throw lifecycleNotFound(repo.name, s.account);
    return { registryId: s.account, repositoryName: repo.name, lifecyclePolicyText: repo.lifecycle, lastEvaluatedAt: new Date(0) };
  }

  DeleteLifecyclePolicy(ctx: RequestContext, input: Api.DeleteLifecyclePolicyInput): Api.DeleteLifecyclePolicyOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    if (repo.lifecycle === null) throw lifecycleNotFound(repo.name, s.account);
    s.images.db.updateRepo(s.account, s.region, repo.name, { lifecycle: null });
    return { registryId: s.account, repositoryName: repo.name, lifecyclePolicyText: repo.lifecycle, lastEvaluatedAt: new Date(0) };
  }

  TagResource(ctx: RequestContext, input: Api.TagResourceInput): Api.TagResourceOutput {
    const { s, repo } = this.byArn(ctx, input.resourceArn);
    const tags = new Map((JSON.parse(repo.tags) as Api.TagsShape).map((t) => [t.Key, t.Value]));
    for (const t of checkTags(input.tags)) tags.set(t.Key, t.Value);
    if (tags.size > MAX_TAGS) throw new ServiceError("TooManyTagsException", `Tag limit exceeded: a repository can have at most ${MAX_TAGS} tags`, 400);
    s.images.db.updateRepo(s.account, s.region, repo.name, { tags: JSON.stringify([...tags].map(([Key, Value]) => ({ Key, Value }))) });
    return {};
  }

  UntagResource(ctx: RequestContext, input: Api.UntagResourceInput): Api.UntagResourceOutput {
    const { s, repo } = this.byArn(ctx, input.resourceArn);
    const drop = new Set(input.tagKeys);
    const tags = (JSON.parse(repo.tags) as Api.TagsShape).filter((t) => !drop.has(t.Key));
    s.images.db.updateRepo(s.account, s.region, repo.name, { tags: JSON.stringify(tags) });
    return {};
  }

  ListTagsForResource(ctx: RequestContext, input: Api.ListTagsForResourceInput): Api.ListTagsForResourceOutput {
    const { repo } = this.byArn(ctx, input.resourceArn);
    return { tags: JSON.parse(repo.tags) as Api.TagsShape };
  }

  private byArn(ctx: RequestContext, arn: string): { s: Scope; repo: RepoRow } {
    const m = /^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/.exec(arn ?? "");
    if (!m) throw invalidParameter("Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'");
    const s = { ...this.scope(ctx, m[2]), region: m[1]! };
    const repo = s.images.db.repo(s.account, s.region, m[3]!);
    if (!repo) throw repoNotFound(m[3]!, s.account);
    return { s, repo };
  }

  GetAuthorizationToken(ctx: RequestContext, input: Api.GetAuthorizationTokenInput): Api.GetAuthorizationTokenOutput {
    const ids = input.registryIds?.length ? input.registryIds : [ctx.accountId];
    const expiresAt = new Date(ctx.clock.now() + TOKEN_HOURS * 3600_000);
    return {
      authorizationData: ids.map((id) => {
        this.scope(ctx, id);
        const password = issueToken(this.images, { account: id, region: ctx.region, expiration: expiresAt.getTime() });
        return { authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"), expiresAt, proxyEndpoint: `http://${registryHost(ctx, id, ctx.region)}` };
      }),
    };
  }

  GetDownloadUrlForLayer(ctx: RequestContext, input: Api.GetDownloadUrlForLayerInput): Api.GetDownloadUrlForLayerOutput {
    const s = this.scope(ctx, input.registryId);
    const repo = requireRepo(s, input.repositoryName);
    if (!/^sha256:[a-f0-9]{64}$/.test(input.layerDigest ?? "")) throw invalidParameter("Invalid parameter at 'layerDigest' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+''");
    if (!s.images.db.blobLinked(s.account, s.region, repo.name, input.layerDigest) || !s.images.files.has(input.layerDigest)) {
      throw new ServiceError("LayersNotFoundException", `The layer with digest '${input.layerDigest}' does not exist in the repository with name '${repo.name}' in the registry with id '${s.account}'`, 400);
    }
    return { downloadUrl: `http://${registryHost(ctx, s.account, s.region)}/v2/${repo.name}/blobs/${input.layerDigest}`, layerDigest: input.layerDigest };
  }

  // Images and layers: operations/images.ts and operations/layers.ts.
  BatchGetImage(ctx: RequestContext, input: Api.BatchGetImageInput) { return images.batchGetImage(this.scope(ctx, input.registryId), input); }
  DescribeImages(ctx: RequestContext, input: Api.DescribeImagesInput) { return images.describeImages(this.scope(ctx, input.registryId), input); }
  ListImages(ctx: RequestContext, input: Api.ListImagesInput) { return images.listImages(this.scope(ctx, input.registryId), input); }
  BatchDeleteImage(ctx: RequestContext, input: Api.BatchDeleteImageInput) { return images.batchDeleteImage(this.scope(ctx, input.registryId), input); }
  PutImage(ctx: RequestContext, input: Api.PutImageInput) { return images.putImage(this.scope(ctx, input.registryId), input); }
  BatchCheckLayerAvailability(ctx: RequestContext, input: Api.BatchCheckLayerAvailabilityInput) { return layers.batchCheckLayerAvailability(this.scope(ctx, input.registryId), input); }
  InitiateLayerUpload(ctx: RequestContext, input: Api.InitiateLayerUploadInput) { return layers.initiateLayerUpload(this.scope(ctx, input.registryId), input, this.env.ids.uuid()); }
  UploadLayerPart(ctx: RequestContext, input: Api.UploadLayerPartInput) { return layers.uploadLayerPart(this.scope(ctx, input.registryId), input); }
  CompleteLayerUpload(ctx: RequestContext, input: Api.CompleteLayerUploadInput) { return layers.completeLayerUpload(this.scope(ctx, input.registryId), input); }

  /** The OCI distribution API (`/v2/…` on the registry host), called by the data plane. */
  async handleRegistry(req: import("../../aws/protocol/types.js").HttpRequest, host: string): Promise<import("../../aws/protocol/types.js").HttpResponse> {
    const { handleRegistryRequest } = await import("./registry.js");
    return handleRegistryRequest({ images: this.images, env: this.env }, req, host);
  }
}

function checkTags(tags: Api.TagsShape): Api.TagsShape {
  for (const t of tags) {
    if (!t.Key || t.Key.length > 128 || t.Key.startsWith("aws:")) throw invalidParameter(`Invalid parameter at 'tags' failed to satisfy constraint: 'Tag key '${t.Key}' is invalid'`);
    if ((t.Value ?? "").length > 256) throw invalidParameter(`Invalid parameter at 'tags' failed to satisfy constraint: 'Tag value is too long'`);
  }
  return tags.map((t) => ({ Key: t.Key, Value: t.Value ?? "" }));
}

function checkJson(text: string, maxChars: number, field: string, reason: string): unknown {
  if (!text || text.length > maxChars) throw invalidParameter(`Invalid parameter at '${field}' failed to satisfy constraint: 'Member must have length less than or equal to ${maxChars}'`);
  try {
    return JSON.parse(text);
  } catch {
    throw invalidParameter(`Invalid parameter at '${field === "policyText" ? "PolicyText" : "LifecyclePolicyText"}' failed to satisfy constraint: '${reason}'`);
  }
}

const policyNotFound = (name: string, account: string) =>
  new ServiceError("RepositoryPolicyNotFoundException", `Repository policy does not exist for the repository with name '${name}' in the registry with id '${account}'`, 400);
const lifecycleNotFound = (name: string, account: string) =>
  new ServiceError("LifecyclePolicyNotFoundException", `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${account}'`, 400);

export const createProvider = (env: ServiceEnv) => new EcrProvider(env);
