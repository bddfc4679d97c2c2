/**
 * Images without Docker: `prepareImage` resolves a reference to a manifest in the image store and returns its
 * unpacked root filesystem (read-only for callers, cached by manifest digest; concurrent calls for one digest
 * share one unpack). Resolution order (issue 13): Skyport's own ECR (ECR URIs with an amazonaws.com or
 * localhost host, this server's localhost:PORT, and bare `repo:tag` names that exist in the default account),
 * then a remote registry (Docker Hub, public.ecr.aws, ghcr.io… with anonymous tokens; fails fast offline and
 * falls back to the copy pulled last time), and local archives (`oci-archive:` / `docker-archive:`).
 */
import type { ServiceEnv } from "../services/host.js";
import { ServiceError } from "../aws/errors.js";
import { importArchive } from "./archive.js";
import { ImageStore, imageStoreFor } from "./image-store.js";
import { choosePlatform, hostPlatform, parseManifest } from "./media.js";
import { bareName, formatReference, parseReference, ReferenceError, type ImageRef } from "./reference.js";
import { pullRemote, RemoteError } from "./remote.js";

export interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object>;
}

export interface PreparedImage {
  ref: string;
  /** The image manifest's digest (the platform's manifest when the reference names an index). */
  digest: string;
  /** Unpacked, read-only, cached by digest: callers never write into it. */
  rootfs: string;
  config: ImageConfig;
}

export interface PrepareOptions {
  /** "os/arch[/variant]" chosen from an index; default the host's (linux/amd64 on x64). */
  platform?: string;
  /** Account and region bare names and ECR URIs without them resolve in (default 000000000000 and the server's region). */
  accountId?: string;
  region?: string;
}

/** The error every unresolvable reference gives, worded as Batch and ECS report it. */
export class CannotPullError extends ServiceError {
  constructor(reason: string) {
    super("CannotPullContainerError", `CannotPullContainerError: ${reason}`, 400);
  }
}

export const DEFAULT_ACCOUNT = "000000000000";

/** Resolves a reference and returns its unpacked root filesystem. */
export async function prepareImage(env: ServiceEnv, ref: string, opts: PrepareOptions = {}): Promise<PreparedImage> {
  const images = imageStoreFor(env);
  let parsed: ImageRef;
  try {
    parsed = parseReference(ref);
  } catch (e) {
    throw new CannotPullError((e as ReferenceError).message);
  }
  const platform = opts.platform ?? hostPlatform();
  const found = await resolve(env, images, parsed, ref, opts);
  let digest = found.digest;
  let manifest = parseManifest(images.files.read(digest), found.mediaType);
  if (manifest.kind === "index") {
    const pick = choosePlatform(manifest.manifests, platform);
    if (!pick) throw new CannotPullError(`image ${ref} has no manifest for platform ${platform}`);
    if (!images.files.has(pick.digest)) throw new CannotPullError(`image ${ref}: the ${platform} manifest ${pick.digest} is not in the store`);
    digest = pick.digest;
    manifest = parseManifest(images.files.read(digest), pick.mediaType);
    if (manifest.kind !== "image") throw new CannotPullError(`image ${ref}: nested image indexes are not supported`);
  }
  for (const l of [manifest.config, ...manifest.layers]) {
    if (!images.files.has(l.digest)) throw new CannotPullError(`image ${ref}: blob ${l.digest} is missing from the store`);
  }
  const config = images.imageConfig(manifest.config.digest);
  let rootfs: string;
  try {
    rootfs = await images.unpack(digest, manifest.layers);
  } catch (e) {
    throw new CannotPullError(`image ${ref} could not be unpacked: ${(e as Error).message}`);
  }
  return { ref, digest, rootfs, config };
}

async function resolve(env: ServiceEnv, images: ImageStore, ref: ImageRef, text: string, opts: PrepareOptions): Promise<{ digest: string; mediaType?: string }> {
  const account = opts.accountId ?? DEFAULT_ACCOUNT;
  const region = opts.region ?? env.config.region;
  if (ref.kind !== "registry") {
    try {
      return await importArchive(images, ref, env.clock.now());
    } catch (e) {
      throw new CannotPullError(`${text}: ${(e as Error).message}`);
    }
  }
  const pointer = ref.digest ?? ref.tag!;
  if (ref.ecr) {
    const hit = images.lookup(ref.ecr.account, ref.ecr.region, ref.path, pointer);
    if (hit) return hit;
    const repo = images.db.repo(ref.ecr.account, ref.ecr.region, ref.path);
    throw new CannotPullError(repo ? `${text} not found: manifest unknown` : `${text} not found: repository ${ref.path} does not exist in registry ${ref.ecr.account} (${ref.ecr.region})`);
  }
  if (isOwnHost(ref.domain, env)) {
    const hit = images.lookup(account, region, ref.path, pointer);
    if (hit) return hit;
    throw new CannotPullError(`${text} not found: manifest unknown`);
  }
  if (!ref.explicitDomain) {
    const hit = images.lookup(account, region, bareName(ref), pointer);
    if (hit) return hit;
    // A repository of our own ECR by that name: the image is missing there, not on Docker Hub.
    if (images.db.repo(account, region, bareName(ref))) throw new CannotPullError(`${text} not found: manifest unknown (repository ${bareName(ref)} of registry ${account} has no such tag or digest)`);
  }
  const key = formatReference(ref);
  try {
    const pulled = await pullRemote(images, ref, opts.platform ?? hostPlatform());
    images.db.setRef(key, pulled.digest, pulled.mediaType, env.clock.now());
    return pulled;
  } catch (e) {
    const cached = images.db.ref(key);
    if (cached && images.files.has(cached.digest) && (e as RemoteError).offline) return { digest: cached.digest, mediaType: cached.media_type };
    if (e instanceof RemoteError) throw new CannotPullError(`${text}: ${e.message}`);
    throw e;
  }
}

/** localhost / 127.0.0.1 / [::1] on this server's port: our own registry. */
function isOwnHost(domain: string, env: ServiceEnv): boolean {
  const m = /^(localhost|127\.0\.0\.1|\[::1\]):(\d+)$/i.exec(domain);
  if (!m) return false;
  const port = new URL(env.services.localEndpoint).port;
  return m[2] === port;
}

export { ImageStore, imageStoreFor } from "./image-store.js";
export { parseReference, type ImageRef } from "./reference.js";
