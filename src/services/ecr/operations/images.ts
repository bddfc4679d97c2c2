/** ECR's image operations: BatchGetImage, DescribeImages, ListImages, BatchDeleteImage, PutImage. */
import { ServiceError } from "../../../aws/errors.js";
import type * as Api from "../../../aws/api/ecr.js";
import type { ImageRow } from "../../../images/registry-db.js";
import { checkMaxResults, decodeToken, encodeToken, invalidParameter, requireRepo, type Scope } from "../common.js";
import { isDigest, PushError, pushManifest } from "../push.js";

const TAG_STATUS = ["TAGGED", "UNTAGGED", "ANY"];

/** The image an imageId names (digest and/or tag, which must agree), or undefined. */
function findImage(s: Scope, repo: string, id: Api.ImageIdsItem): ImageRow | undefined {
  const db = s.images.db;
  if (!id.imageDigest && !id.imageTag) return undefined;
  const digest = id.imageTag ? db.tagDigest(s.account, s.region, repo, id.imageTag) : id.imageDigest;
  if (!digest || (id.imageDigest && id.imageDigest !== digest)) return undefined;
  return db.image(s.account, s.region, repo, digest);
}

const idText = (id: Api.ImageIdsItem) => `{imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'}`;

function checkImageIds(ids: Api.ImageIdsShape): void {
  if (ids.length < 1 || ids.length > 100) throw invalidParameter("Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length between 1 and 100'");
}

export function batchGetImage(s: Scope, input: Api.BatchGetImageInput): Api.BatchGetImageOutput {
  const repo = requireRepo(s, input.repositoryName);
  checkImageIds(input.imageIds);
  const out: Api.BatchGetImageOutput = { images: [], failures: [] };
  for (const id of input.imageIds) {
    if (!id.imageDigest && !id.imageTag) {
      out.failures!.push({ imageId: id, failureCode: "MissingDigestAndTag", failureReason: "Invalid request parameters: both tag and digest cannot be null" });
      continue;
    }
    if (id.imageDigest && !isDigest(id.imageDigest)) {
      out.failures!.push({ imageId: id, failureCode: "InvalidImageDigest", failureReason: "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'" });
      continue;
    }
    const img = findImage(s, repo.name, id);
    if (!img || !s.images.files.has(img.digest)) {
      out.failures!.push({ imageId: id, failureCode: "ImageNotFound", failureReason: "Requested image not found" });
      continue;
    }
    if (input.acceptedMediaTypes?.length && !input.acceptedMediaTypes.includes(img.media_type)) {
      out.failures!.push({ imageId: id, failureCode: "UnsupportedImageType", failureReason: `Image with media type ${img.media_type} is not in the accepted media types` });
      continue;
    }
    out.images!.push({
      registryId: s.account,
      repositoryName: repo.name,
      imageId: { imageDigest: img.digest, imageTag: id.imageTag },
      imageManifest: s.images.files.read(img.digest).toString("utf8"),
      imageManifestMediaType: img.media_type,
    });
  }
  return out;
}

export function describeImages(s: Scope, input: Api.DescribeImagesInput): Api.DescribeImagesOutput {
  const repo = requireRepo(s, input.repositoryName);
  const db = s.images.db;
  const status = input.filter?.tagStatus ?? "ANY";
  if (!TAG_STATUS.includes(status)) throw invalidParameter("Invalid parameter at 'tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'");
  const detail = (img: ImageRow): NonNullable<Api.DescribeImagesOutput["imageDetails"]>[number] => {
    const tags = db.tagsOf(s.account, s.region, repo.name, img.digest);
    return {
      registryId: s.account,
      repositoryName: repo.name,
      imageDigest: img.digest,
      imageTags: tags.length ? tags : undefined,
      imageSizeInBytes: img.size_bytes,
      imagePushedAt: new Date(img.pushed_at),
      imageManifestMediaType: img.media_type,
      artifactMediaType: img.artifact_type ?? undefined,
    };
  };
  if (input.imageIds) {
    if (input.nextToken !== undefined || input.maxResults !== undefined) throw invalidParameter("Invalid parameter at 'imageIds' failed to satisfy constraint: 'Cannot specify imageIds together with nextToken or maxResults'");
    checkImageIds(input.imageIds);
    return {
      imageDetails: input.imageIds.map((id) => {
        const img = findImage(s, repo.name, id);
        if (!img) throw new ServiceError("ImageNotFoundException", `The image with imageId ${idText(id)} does not exist within the repository with name '${repo.name}' in the registry with id '${s.account}'`, 400);
        return detail(img);
      }),
    };
  }
  const max = checkMaxResults(input.maxResults, 100);
  const after = decodeToken(input.nextToken);
  const all = db.images(s.account, s.region, repo.name).filter((img) => {
    if (status === "ANY") return true;
    const tagged = db.tagsOf(s.account, s.region, repo.name, img.digest).length > 0;
    return status === "TAGGED" ? tagged : !tagged;
  });
  const start = after === undefined ? 0 : all.findIndex((i) => i.digest === after) + 1;
  const page = all.slice(start, start + max);
  return { imageDetails: page.map(detail), nextToken: start + max < all.length ? encodeToken(page[page.length - 1]!.digest) : undefined };
}

export function listImages(s: Scope, input: Api.ListImagesInput): Api.ListImagesOutput {
  const repo = requireRepo(s, input.repositoryName);
  const db = s.images.db;
  const status = input.filter?.tagStatus ?? "ANY";
  if (!TAG_STATUS.includes(status)) throw invalidParameter("Invalid parameter at 'tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'");
  const ids: Api.ImageIdsShape = [];
  for (const img of db.images(s.account, s.region, repo.name)) {
    const tags = db.tagsOf(s.account, s.region, repo.name, img.digest);
    if (tags.length && status !== "UNTAGGED") for (const t of tags) ids.push({ imageDigest: img.digest, imageTag: t });
    if (!tags.length && status !== "TAGGED") ids.push({ imageDigest: img.digest });
  }
  const max = checkMaxResults(input.maxResults, 100);
  const after = decodeToken(input.nextToken);
  const start = after === undefined ? 0 : Number(after);
  if (!Number.isInteger(start) || start < 0) throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'");
  const page = ids.slice(start, start + max);
  return { imageIds: page, nextToken: start + max < ids.length ? encodeToken(String(start + max)) : undefined };
}

export function batchDeleteImage(s: Scope, input: Api.BatchDeleteImageInput): Api.BatchDeleteImageOutput {
  const repo = requireRepo(s, input.repositoryName);
  checkImageIds(input.imageIds);
  const db = s.images.db;
  const out: Api.BatchDeleteImageOutput = { imageIds: [], failures: [] };
  for (const id of input.imageIds) {
    if (!id.imageDigest && !id.imageTag) {
      out.failures!.push({ imageId: id, failureCode: "MissingDigestAndTag", failureReason: "Invalid request parameters: both tag and digest cannot be null" });
      continue;
    }
    const img = findImage(s, repo.name, id);
    if (!img) {
      out.failures!.push({ imageId: id, failureCode: "ImageNotFound", failureReason: "Requested image not found" });
      continue;
    }
    if (id.imageTag) {
      // A tag goes; the image goes with its last tag (as ECR does).
      db.deleteTag(s.account, s.region, repo.name, id.imageTag);
      if (!db.tagsOf(s.account, s.region, repo.name, img.digest).length) db.deleteImage(s.account, s.region, repo.name, img.digest);
      out.imageIds!.push({ imageDigest: img.digest, imageTag: id.imageTag });
    } else {
      const tags = db.tagsOf(s.account, s.region, repo.name, img.digest);
      db.deleteImage(s.account, s.region, repo.name, img.digest);
      if (tags.length) for (const t of tags) out.imageIds!.push({ imageDigest: img.digest, imageTag: t });
      else out.imageIds!.push({ imageDigest: img.digest });
    }
  }
  return out;
}

export function putImage(s: Scope, input: Api.PutImageInput): Api.PutImageOutput {
  const repo = requireRepo(s, input.repositoryName);
  if (input.imageDigest !== undefined && !isDigest(input.imageDigest)) throw invalidParameter("Invalid parameter at 'imageDigest' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+''");
  const bytes = Buffer.from(input.imageManifest ?? "", "utf8");
  let pushed;
  try {
    pushed = pushManifest(s.images, { account: s.account, region: s.region, repo: repo.name, mutability: repo.mutability }, bytes, input.imageManifestMediaType, input.imageTag, input.imageDigest, s.now);
  } catch (e) {
    if (e instanceof PushError) throw new ServiceError(e.ecrCode, e.message, 400);
    throw e;
  }
  if (pushed.unchanged) {
    throw new ServiceError("ImageAlreadyExistsException", `Image with digest '${pushed.digest}'${input.imageTag ? ` and tag '${input.imageTag}'` : ""} already exists in the repository with name '${repo.name}' in registry with id '${s.account}'`, 400);
  }
  return { image: { registryId: s.account, repositoryName: repo.name, imageId: { imageDigest: pushed.digest, imageTag: input.imageTag }, imageManifest: input.imageManifest, imageManifestMediaType: pushed.mediaType } };
}
