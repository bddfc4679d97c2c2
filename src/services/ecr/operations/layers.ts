/**
 * ECR's layer API (the AWS CLI/SDK way to push without a registry client): BatchCheckLayerAvailability,
 * InitiateLayerUpload, UploadLayerPart (parts in order, each ≤ the request body limit), CompleteLayerUpload
 * (the assembled bytes must hash to the digest given). Uploads share the registry's upload table and files.
 */
import { appendFileSync, mkdirSync, writeFileSync, createReadStream, rmSync, existsSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ServiceError } from "../../../aws/errors.js";
import type * as Api from "../../../aws/api/ecr.js";
import type { ImageStore } from "../../../images/image-store.js";
import { invalidParameter, requireRepo, type Scope } from "../common.js";
import { isDigest } from "../push.js";

export const PART_SIZE_BYTES = 10 * 1024 * 1024;
export const MAX_LAYER_BYTES = 10 * 1024 ** 3;

/** Where an upload's bytes accumulate (registry uploads and ECR API uploads alike). */
export function uploadFile(images: ImageStore, id: string): string {
  const dir = join(images.files.tmp, "uploads");
  mkdirSync(dir, { recursive: true });
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error("bad upload id");
  return join(dir, id);
}

/** sha256 of a whole file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return "sha256:" + h.digest("hex");
}

export function batchCheckLayerAvailability(s: Scope, input: Api.BatchCheckLayerAvailabilityInput): Api.BatchCheckLayerAvailabilityOutput {
  const repo = requireRepo(s, input.repositoryName);
  if (!input.layerDigests?.length || input.layerDigests.length > 100) throw invalidParameter("Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Member must have length between 1 and 100'");
  const out: Api.BatchCheckLayerAvailabilityOutput = { layers: [], failures: [] };
  for (const d of input.layerDigests) {
    if (!isDigest(d)) {
      out.failures!.push({ layerDigest: d, failureCode: "InvalidLayerDigest", failureReason: "Invalid layer digest" });
      continue;
    }
    const size = s.images.db.blobLinked(s.account, s.region, repo.name, d) ? s.images.files.size(d) : undefined;
    out.layers!.push(size === undefined ? { layerDigest: d, layerAvailability: "UNAVAILABLE" } : { layerDigest: d, layerAvailability: "AVAILABLE", layerSize: size });
  }
  return out;
}

export function initiateLayerUpload(s: Scope, input: Api.InitiateLayerUploadInput, id: string): Api.InitiateLayerUploadOutput {
  const repo = requireRepo(s, input.repositoryName);
  writeFileSync(uploadFile(s.images, id), Buffer.alloc(0));
  s.images.db.startUpload(id, s.account, s.region, repo.name, s.now);
  return { uploadId: id, partSize: PART_SIZE_BYTES };
}

function requireUpload(s: Scope, repo: string, id: string) {
  const up = /^[0-9a-f-]{36}$/.test(id ?? "") ? s.images.db.upload(id) : undefined;
  if (!up || up.account !== s.account || up.region !== s.region || up.repo !== repo || !existsSync(uploadFile(s.images, id))) {
    throw new ServiceError("UploadNotFoundException", `The upload with id '${id}' does not exist in the repository with name '${repo}' in the registry with id '${s.account}'`, 400);
  }
  return up;
}

export function uploadLayerPart(s: Scope, input: Api.UploadLayerPartInput): Api.UploadLayerPartOutput {
  const repo = requireRepo(s, input.repositoryName);
  const up = requireUpload(s, repo.name, input.uploadId);
  const blob = Buffer.from(input.layerPartBlob ?? []);
  const size = statSync(uploadFile(s.images, up.id)).size;
  if (input.partFirstByte !== size || input.partLastByte !== size + blob.length - 1) {
    throw new ServiceError("InvalidLayerPartException", `The layer part with first byte ${input.partFirstByte} and last byte ${input.partLastByte} does not continue the upload '${up.id}' (next byte ${size}, part length ${blob.length})`, 400, true, {
      registryId: s.account,
      repositoryName: repo.name,
      uploadId: up.id,
      lastValidByteReceived: size - 1,
    });
  }
  if (size + blob.length > MAX_LAYER_BYTES) throw new ServiceError("LimitExceededException", `The layer exceeds the maximum size of ${MAX_LAYER_BYTES} bytes`, 400);
  appendFileSync(uploadFile(s.images, up.id), blob);
  s.images.db.setUploadSize(up.id, size + blob.length);
  return { registryId: s.account, repositoryName: repo.name, uploadId: up.id, lastByteReceived: size + blob.length - 1 };
}

export async function completeLayerUpload(s: Scope, input: Api.CompleteLayerUploadInput): Promise<Api.CompleteLayerUploadOutput> {
  const repo = requireRepo(s, input.repositoryName);
  const up = requireUpload(s, repo.name, input.uploadId);
  const file = uploadFile(s.images, up.id);
  if (statSync(file).size === 0) throw new ServiceError("EmptyUploadException", `The upload with id '${up.id}' contains no layer parts`, 400);
  const expected = input.layerDigests?.[0];
  if (!expected || input.layerDigests.length !== 1 || !isDigest(expected)) throw new ServiceError("InvalidLayerException", "Invalid layer digest: exactly one sha256 digest is expected", 400);
  const digest = await hashFile(file);
  if (digest !== expected) {
    throw new ServiceError("InvalidLayerException", `The calculated layer digest '${digest}' does not match the provided layer digest '${expected}'`, 400);
  }
  const size = statSync(file).size;
  const existed = s.images.db.blobLinked(s.account, s.region, repo.name, digest) && s.images.files.has(digest);
  s.images.files.adopt(file, digest);
  s.images.db.linkBlob(s.account, s.region, repo.name, digest, size);
  s.images.db.endUpload(up.id);
  rmSync(file, { force: true });
  if (existed) throw new ServiceError("LayerAlreadyExistsException", `The layer with digest '${digest}' already exists in the repository with name '${repo.name}' in the registry with id '${s.account}'`, 400);
  return { registryId: s.account, repositoryName: repo.name, uploadId: up.id, layerDigest: digest };
}
