/**
 * Storing a manifest in a repository, shared by the registry API (PUT /v2/<name>/manifests/<ref>) and
 * ECR's PutImage: the manifest must parse, every blob it names must be in the repository (child manifests
 * for an index), a digest reference must match its bytes, and an IMMUTABLE repository's tag never moves.
 * Failures carry both identities: the registry error code and the ECR API exception.
 */
import type { ImageStore } from "../../images/image-store.js";
import { DIGEST, parseManifest, type ParsedManifest } from "../../images/media.js";

export class PushError extends Error {
  constructor(readonly registryCode: string, readonly ecrCode: string, message: string, readonly status = 400) {
    super(message);
  }
}

export interface PushTarget {
  account: string;
  region: string;
  repo: string;
  mutability: string;
}

export interface Pushed {
  digest: string;
  mediaType: string;
  parsed: ParsedManifest;
  /** true when the repository already had this digest under this tag (or untagged when no tag). */
  unchanged: boolean;
}

const TAG = /^[\w][\w.-]{0,127}$/;

export function pushManifest(images: ImageStore, t: PushTarget, bytes: Buffer, contentType: string | undefined, tag: string | undefined, expectedDigest: string | undefined, now: number): Pushed {
  let parsed: ParsedManifest;
  try {
    parsed = parseManifest(bytes, contentType);
  } catch (e) {
    throw new PushError("MANIFEST_INVALID", "InvalidParameterException", `manifest invalid: ${(e as Error).message}`);
  }
  if (tag !== undefined && !TAG.test(tag)) throw new PushError("TAG_INVALID", "InvalidParameterException", `Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}''`);
  const db = images.db;
  let size = 0;
  if (parsed.kind === "image") {
    const missing = [parsed.config, ...parsed.layers].filter((d) => !db.blobLinked(t.account, t.region, t.repo, d.digest) || !images.files.has(d.digest));
    if (missing.length) throw new PushError("MANIFEST_BLOB_UNKNOWN", "LayersNotFoundException", `Layers with digests '[${missing.map((d) => d.digest).join(", ")}]' required for pushing image into repository with name '${t.repo}' in registry with id '${t.account}' do not exist`);
    size = parsed.layers.reduce((n, l) => n + l.size, 0);
  } else {
    for (const m of parsed.manifests) {
      const child = db.image(t.account, t.region, t.repo, m.digest);
      if (!child) throw new PushError("MANIFEST_BLOB_UNKNOWN", "ReferencedImagesNotFoundException", `The image manifest list references images ${m.digest} that are not in the repository with name '${t.repo}' in registry with id '${t.account}'`);
      size = Math.max(size, child.size_bytes);
    }
  }
  const digest = images.files.put(bytes);
  if (expectedDigest && expectedDigest !== digest) throw new PushError("DIGEST_INVALID", "ImageDigestDoesNotMatchException", `The digest '${expectedDigest}' does not match the digest of the manifest, '${digest}'`);
  const existing = db.image(t.account, t.region, t.repo, digest);
  const current = tag ? db.tagDigest(t.account, t.region, t.repo, tag) : undefined;
  if (tag && current && current !== digest && t.mutability.startsWith("IMMUTABLE")) {
    throw new PushError("TAG_INVALID", "ImageTagAlreadyExistsException", `The image tag '${tag}' already exists in the '${t.repo}' repository and cannot be overwritten because the repository is immutable.`);
  }
  const unchanged = !!existing && (tag ? current === digest : true);
  db.db.transaction(() => {
    if (!existing) db.putImage(t.account, t.region, { repo: t.repo, digest, media_type: parsed.mediaType, size_bytes: size, pushed_at: now, artifact_type: parsed.kind === "image" ? parsed.config.mediaType ?? null : null });
    if (tag) db.setTag(t.account, t.region, t.repo, tag, digest);
    db.linkBlob(t.account, t.region, t.repo, digest, bytes.length);
  })();
  return { digest, mediaType: parsed.mediaType, parsed, unchanged };
}

export const isDigest = (s: string) => DIGEST.test(s);
