/**
 * `skyport image import`: an image archive (oci-archive or docker-archive) into an ECR repository of the
 * default account, created when missing, so jobs and instances can name it `repo:tag` or by its ECR URI.
 */
import { importArchive } from "../../images/archive.js";
import type { ImageStore } from "../../images/image-store.js";
import { parseManifest } from "../../images/media.js";
import { checkRepoName } from "./common.js";
import { pushManifest } from "./push.js";

export interface ImportResult {
  digest: string;
  mediaType: string;
  kind: "oci-archive" | "docker-archive";
}

/** Reads the archive (OCI layout first, then `docker save` format) into the store. */
export async function importImageArchive(images: ImageStore, file: string, now: number, ref?: string): Promise<ImportResult> {
  try {
    return { ...(await importArchive(images, { kind: "oci-archive", file, ref }, now)), kind: "oci-archive" };
  } catch (e) {
    if (!/no index\.json/.test((e as Error).message)) throw e;
  }
  return { ...(await importArchive(images, { kind: "docker-archive", file, ref }, now)), kind: "docker-archive" };
}

/** Puts an imported manifest (and an index's images) into repo:tag. */
export function tagImported(images: ImageStore, account: string, region: string, repoName: string, tag: string, digest: string, now: number): void {
  checkRepoName(repoName);
  if (!images.db.repo(account, region, repoName)) {
    images.db.insertRepo({ account, region, name: repoName, created_at: now, mutability: "MUTABLE", scan_on_push: 0, encryption: JSON.stringify({ encryptionType: "AES256" }), policy: null, lifecycle: null, tags: "[]" });
  }
  const repo = images.db.repo(account, region, repoName)!;
  const target = { account, region, repo: repoName, mutability: repo.mutability };
  const push = (d: string, t: string | undefined) => {
    const bytes = images.files.read(d);
    const m = parseManifest(bytes);
    if (m.kind === "index") {
      for (const child of m.manifests) if (images.files.has(child.digest)) push(child.digest, undefined);
    } else {
      for (const b of [m.config, ...m.layers]) images.db.linkBlob(account, region, repoName, b.digest, images.files.size(b.digest) ?? b.size);
    }
    pushManifest(images, target, bytes, m.mediaType, t, d, now);
  };
  push(digest, tag);
}
