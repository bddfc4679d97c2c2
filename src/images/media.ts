/**
 * Media types of the OCI image spec and Docker's v2 schema 2, and the parsing of manifests and indexes
 * (bounded: a manifest is at most MAX_MANIFEST_BYTES, as registries cap them at 4 MB).
 */
export const MediaTypes = {
  OCI_MANIFEST: "application/vnd.oci.image.manifest.v1+json",
  OCI_INDEX: "application/vnd.oci.image.index.v1+json",
  DOCKER_MANIFEST: "application/vnd.docker.distribution.manifest.v2+json",
  DOCKER_LIST: "application/vnd.docker.distribution.manifest.list.v2+json",
  OCI_CONFIG: "application/vnd.oci.image.config.v1+json",
  DOCKER_CONFIG: "application/vnd.docker.container.image.v1+json",
  OCI_LAYER: "application/vnd.oci.image.layer.v1.tar",
  OCI_LAYER_GZIP: "application/vnd.oci.image.layer.v1.tar+gzip",
  DOCKER_LAYER_GZIP: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MANIFEST_TYPES: readonly string[] = [MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_LIST];
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { architecture?: string; os?: string; variant?: string };
  annotations?: Record<string, string>;
}

export type ParsedManifest =
  | { kind: "image"; mediaType: string; config: Descriptor; layers: Descriptor[] }
  | { kind: "index"; mediaType: string; manifests: Descriptor[] };

export const isIndexType = (t: string | undefined) => t === MediaTypes.OCI_INDEX || t === MediaTypes.DOCKER_LIST;

/** Parses a manifest or index; throws Error with a reason when it is not one. `declared` is the Content-Type it came with. */
export function parseManifest(bytes: Buffer, declared?: string): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new Error("manifest larger than 4 MB");
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new Error("manifest is not valid JSON");
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("manifest is not a JSON object");
  if (doc.schemaVersion !== 2) throw new Error(`unsupported manifest schemaVersion ${String(doc.schemaVersion)} (only 2)`);
  const own = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  const declaredType = declared && MANIFEST_TYPES.includes(declared) ? declared : undefined;
  if (Array.isArray(doc.manifests)) {
    const mediaType = own ?? declaredType ?? MediaTypes.OCI_INDEX;
    if (!isIndexType(mediaType)) throw new Error(`manifest list with media type ${mediaType}`);
    return { kind: "index", mediaType, manifests: doc.manifests.map(descriptor) };
  }
  if (!doc.config || !Array.isArray(doc.layers)) throw new Error("manifest has no config or layers");
  const mediaType = own ?? (declaredType && !isIndexType(declaredType) ? declaredType : MediaTypes.OCI_MANIFEST);
  if (isIndexType(mediaType)) throw new Error(`image manifest with media type ${mediaType}`);
  return { kind: "image", mediaType, config: descriptor(doc.config), layers: doc.layers.map(descriptor) };
}

function descriptor(d: unknown): Descriptor {
  const o = d as Record<string, unknown>;
  if (!o || typeof o !== "object" || typeof o.digest !== "string" || !DIGEST.test(o.digest)) throw new Error("descriptor without a valid sha256 digest");
  if (typeof o.size !== "number" || !Number.isSafeInteger(o.size) || o.size < 0) throw new Error(`descriptor ${o.digest} has no valid size`);
  return { mediaType: typeof o.mediaType === "string" ? o.mediaType : undefined, digest: o.digest, size: o.size, platform: o.platform as Descriptor["platform"], annotations: o.annotations as Descriptor["annotations"] };
}

/** The host's platform as OCI names it (linux/amd64, linux/arm64…). */
export function hostPlatform(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch === "ia32" ? "386" : process.arch;
  return `linux/${arch}`;
}

/** The index entry for `platform` ("os/arch[/variant]"): exact match first, then same os/arch; none → undefined. */
export function choosePlatform(manifests: Descriptor[], platform = hostPlatform()): Descriptor | undefined {
  const [os, arch, variant] = platform.split("/");
  const images = manifests.filter((m) => !m.platform || m.platform.os !== "unknown");
  return (
    images.find((m) => m.platform?.os === os && m.platform?.architecture === arch && (variant === undefined || m.platform?.variant === variant)) ??
    images.find((m) => m.platform?.os === os && m.platform?.architecture === arch) ??
    (images.length === 1 && !images[0]!.platform ? images[0] : undefined)
  );
}
